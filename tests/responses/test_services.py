import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from responses import selectors, services
from responses.models import Collector, Invitation, Response
from surveys import services as survey_services
from surveys.errors import InvalidInput
from tests.responses.specs import COMPLETE_ANSWERS

pytestmark = pytest.mark.django_db

CLIENT = services.Client(ip_address="203.0.113.9", user_agent="Mozilla/5.0 (phone)", browser_id="b-1")
PAGES = {
    "about": {"gender": "female", "age_band": "18-24", "channels": ["web", "app"]},
    "scores": {"satisfaction": "4", "nps": "9"},
    "app": {"app_hours": "2", "installed_on": "2026-01-15"},
    "details": {"aspects": {"speed": "good", "price": "n/a"}, "priorities": ["service", "price", "speed"]},
}


def start(collector, **kwargs):
    started_at = kwargs.pop("started_at", timezone.now() - dt.timedelta(minutes=5))
    return services.start_response(
        collector=collector, client=kwargs.pop("client", CLIENT), language="vi", started_at=started_at, **kwargs
    )


def answer_all(response, *, key=None, last=None, **kwargs):
    for page in ("about", "scores", "app"):
        result = services.save_page(response=response, page_key=page, raw=PAGES[page])
        assert result.is_valid, result.errors
    return services.submit_page(
        response=response,
        page_key="details",
        raw=last or PAGES["details"],
        submission_key=key or uuid.uuid4(),
        **kwargs,
    )


# --- collectors and quotas ------------------------------------------------------------------


def test_a_public_collector_gets_a_long_random_slug_and_default_settings(collector):
    assert collector.kind == Collector.Kind.PUBLIC
    assert len(collector.slug) >= 10 and collector.slug.isalnum()
    assert not collector.allow_multiple_per_browser and not collector.anonymous and collector.is_active


def test_collector_settings_are_checked(collector):
    now = timezone.now()
    with pytest.raises(InvalidInput) as error:
        services.update_collector(collector=collector, opens_at=now, closes_at=now - dt.timedelta(days=1))
    assert "closes_at" in error.value.fields
    with pytest.raises(InvalidInput):
        services.update_collector(collector=collector, max_responses=0)
    with pytest.raises(InvalidInput):
        services.update_collector(collector=collector, slug="mine")
    collector.refresh_from_db()
    assert collector.max_responses is None


def test_a_quota_must_name_a_single_choice_question_and_its_codes(survey):
    with pytest.raises(InvalidInput):
        services.create_quota(survey=survey, name="Tuổi", question_key="channels", values=["web"], limit=5)
    with pytest.raises(InvalidInput):
        services.create_quota(survey=survey, name="Tuổi", question_key="age_band", values=["12-17"], limit=5)
    quota = services.create_quota(survey=survey, name="18–24", question_key="age_band", values=["18-24"], limit=5)
    assert quota.values == ["18-24"]


# --- starting ---------------------------------------------------------------------------------


def test_start_records_version_client_and_is_idempotent_by_resume_token(collector, survey):
    first = start(collector, resume_token="t" * 43)
    again = start(collector, resume_token="t" * 43)
    assert first.pk == again.pk
    assert first.version == survey.versions.get()
    assert (first.ip_address, first.user_agent, first.browser_id) == ("203.0.113.9", "Mozilla/5.0 (phone)", "b-1")
    assert Response.objects.count() == 1


def test_anonymous_collector_stores_no_address_or_user_agent(collector):
    services.update_collector(collector=collector, anonymous=True)
    response = start(collector)
    response.refresh_from_db()
    assert response.ip_address is None and response.user_agent == ""
    answer_all(response)
    response.refresh_from_db()
    assert response.ip_address is None and response.user_agent == ""


def test_one_response_per_browser_unless_allowed(collector):
    first = start(collector, resume_token="a" * 43)
    assert start(collector, resume_token="b" * 43).pk == first.pk
    services.update_collector(collector=collector, allow_multiple_per_browser=True)
    assert start(collector, resume_token="c" * 43).pk != first.pk


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"is_active": False}, "collector_inactive"),
        ({"opens_at": timezone.now() + dt.timedelta(days=1)}, "collector_not_yet_open"),
        ({"closes_at": timezone.now() - dt.timedelta(seconds=1)}, "collector_closed"),
    ],
)
def test_start_refuses_when_the_link_is_not_open(collector, change, code):
    services.update_collector(collector=collector, **change)
    with pytest.raises(services.CollectorUnavailable) as error:
        start(collector)
    assert error.value.code == code
    assert not Response.objects.exists()


def test_start_refuses_when_the_survey_is_closed(collector, survey):
    survey_services.close_survey(survey=survey)
    collector.refresh_from_db()
    with pytest.raises(services.CollectorUnavailable) as error:
        start(collector)
    assert error.value.code == "collector_survey_not_open"


def test_maximum_responses_closes_the_link_once_reached(collector):
    services.update_collector(collector=collector, max_responses=1, allow_multiple_per_browser=True)
    answer_all(start(collector))
    with pytest.raises(services.CollectorUnavailable) as error:
        start(collector)
    assert error.value.code == "collector_full"


# --- pages ------------------------------------------------------------------------------------


def test_saving_pages_keeps_partial_answers_and_reports_errors(collector):
    response = start(collector)
    result = services.save_page(response=response, page_key="about", raw={"gender": "male", "age_band": "x"})
    assert set(result.errors) == {"age_band", "channels"}
    response.refresh_from_db()
    assert response.status == Response.Status.PARTIAL
    assert response.answers == {"gender": "male"}


def test_changing_an_earlier_answer_drops_answers_it_now_hides(collector):
    response = start(collector)
    services.save_page(response=response, page_key="about", raw=PAGES["about"])
    services.save_page(response=response, page_key="app", raw=PAGES["app"])
    services.save_page(response=response, page_key="about", raw={**PAGES["about"], "channels": ["web"]})
    response.refresh_from_db()
    assert "app_hours" not in response.answers


# --- submission ---------------------------------------------------------------------------------


def test_submit_finishes_once_with_duration_hash_and_version(collector):
    response = start(collector)
    result = answer_all(response)
    assert result.is_valid and not result.replayed
    response.refresh_from_db()
    assert response.status == Response.Status.COMPLETE
    assert response.answers == {key: value for key, value in COMPLETE_ANSWERS.items() if key != "comment"}
    assert response.submitted_at and response.duration_seconds >= 299
    assert response.answers_hash


def test_resubmitting_the_same_key_and_answers_returns_the_stored_response(collector):
    key = uuid.uuid4()
    response = start(collector)
    answer_all(response, key=key)
    stored = Response.objects.get()
    again = services.submit_page(response=response, page_key="details", raw=PAGES["details"], submission_key=key)
    assert again.replayed and again.response.pk == stored.pk
    assert Response.objects.get().updated_at == stored.updated_at


def test_same_key_with_different_answers_is_a_conflict_and_changes_nothing(collector):
    key = uuid.uuid4()
    response = start(collector)
    answer_all(response, key=key)
    before = Response.objects.get()
    with pytest.raises(services.SubmissionConflict):
        services.submit_page(
            response=response,
            page_key="details",
            raw={**PAGES["details"], "comment": "khác"},
            submission_key=key,
        )
    assert Response.objects.get().answers == before.answers


def test_a_new_key_on_a_finished_response_is_refused_as_already_responded(collector):
    response = start(collector)
    answer_all(response)
    with pytest.raises(services.AlreadyResponded):
        services.submit_page(response=response, page_key="details", raw=PAGES["details"], submission_key=uuid.uuid4())
    with pytest.raises(services.AlreadyResponded):
        services.save_page(response=response, page_key="about", raw=PAGES["about"])


def test_submitting_with_a_skipped_required_page_points_at_it(collector):
    response = start(collector)
    services.save_page(response=response, page_key="about", raw=PAGES["about"])
    result = services.submit_page(
        response=response, page_key="details", raw=PAGES["details"], submission_key=uuid.uuid4()
    )
    assert result.first_invalid_page == 1
    response.refresh_from_db()
    assert response.status == Response.Status.PARTIAL
    assert response.answers["aspects"] == {"speed": "good", "price": "n/a"}


def test_a_concurrent_twin_that_finished_first_makes_this_one_a_replay(collector, monkeypatch):
    """Simulate the race: the twin finishes between our read and our compare-and-set."""
    key = uuid.uuid4()
    response = start(collector)
    for page in ("about", "scores", "app"):
        services.save_page(response=response, page_key=page, raw=PAGES[page])
    real_lock = services._lock

    def lock_then_lose_the_race(target):
        locked = real_lock(target)
        if not getattr(lock_then_lose_the_race, "done", False):
            lock_then_lose_the_race.done = True
            services.submit_page(response=target, page_key="details", raw=PAGES["details"], submission_key=key)
        return locked

    monkeypatch.setattr(services, "_lock", lock_then_lose_the_race)
    result = services.submit_page(response=response, page_key="details", raw=PAGES["details"], submission_key=key)
    assert result.replayed
    assert Response.objects.filter(submission_key=key).count() == 1


# --- bot flags ----------------------------------------------------------------------------------


def test_honeypot_and_speed_flag_the_response_but_keep_it(collector):
    response = start(collector, started_at=timezone.now())
    answer_all(response, honeypot_filled=True)
    response.refresh_from_db()
    assert response.status == Response.Status.FLAGGED
    assert response.flag_reasons == ["honeypot", "too_fast"]
    assert response.answers["age_band"] == "18-24"


def test_many_responses_from_one_address_are_flagged_rate_limited(collector, settings):
    settings.RESPONSES_RATE_LIMIT = {"count": 2, "window_seconds": 600}
    services.update_collector(collector=collector, allow_multiple_per_browser=True)
    statuses = []
    for _ in range(3):
        response = start(collector)
        answer_all(response, ip_address="198.51.100.7")
        response.refresh_from_db()
        statuses.append((response.status, response.flag_reasons))
    assert statuses[-1] == (Response.Status.FLAGGED, ["rate_limited"])
    assert statuses[0] == (Response.Status.COMPLETE, [])


# --- quotas -------------------------------------------------------------------------------------


def test_a_full_quota_screens_out_on_the_page_that_answers_it(collector, survey):
    services.update_collector(collector=collector, allow_multiple_per_browser=True)
    quota = services.create_quota(survey=survey, name="18–24", question_key="age_band", values=["18-24"], limit=1)
    answer_all(start(collector))
    assert selectors.count_in_quota(quota=quota) == 1
    late = start(collector)
    result = services.save_page(response=late, page_key="about", raw=PAGES["about"])
    assert result.screened_out
    late.refresh_from_db()
    assert late.status == Response.Status.SCREENED_OUT and late.answers["age_band"] == "18-24"
    other_age = start(collector)
    result = services.save_page(response=other_age, page_key="about", raw={**PAGES["about"], "age_band": "25-34"})
    assert not result.screened_out


# --- whole-response submission (API) ----------------------------------------------------------


def test_api_submission_is_idempotent_by_key(collector):
    key = uuid.uuid4()
    first = services.submit_response(collector=collector, submission_key=key, answers=COMPLETE_ANSWERS, client=CLIENT)
    again = services.submit_response(collector=collector, submission_key=key, answers=dict(COMPLETE_ANSWERS))
    assert first.created and not again.created
    assert again.response.pk == first.response.pk
    with pytest.raises(services.SubmissionConflict):
        services.submit_response(collector=collector, submission_key=key, answers={**COMPLETE_ANSWERS, "nps": 3})
    assert Response.objects.count() == 1


def test_api_submission_validates_against_the_version(collector):
    with pytest.raises(services.AnswersInvalid) as error:
        services.submit_response(collector=collector, submission_key=uuid.uuid4(), answers={"nps": 12})
    assert {"nps", "age_band"} <= set(error.value.fields)
    assert not Response.objects.exists()


def test_api_submission_losing_a_race_on_the_key_reads_the_winner(collector, monkeypatch):
    """The twin inserts between our existence check and our insert: the constraint decides."""
    key = uuid.uuid4()
    real_check = services.check_collector_accepts

    def check_then_lose(**kwargs):
        real_check(**kwargs)
        monkeypatch.setattr(services, "check_collector_accepts", real_check)
        services.submit_response(collector=collector, submission_key=key, answers=COMPLETE_ANSWERS)

    monkeypatch.setattr(services, "check_collector_accepts", check_then_lose)
    with CaptureQueriesContext(connection):
        result = services.submit_response(collector=collector, submission_key=key, answers=COMPLETE_ANSWERS)
    assert not result.created
    assert Response.objects.filter(submission_key=key).count() == 1


def test_invitation_response_moves_the_invitation_to_completed(survey, researcher):
    collector = services.create_collector(survey=survey, created_by=researcher, kind="invitation")
    invitation = Invitation.objects.create(collector=collector, email="khach@example.com")
    services.mark_invitation_opened(invitation=invitation)
    response = start(collector, invitation=invitation)
    assert start(collector, invitation=invitation, resume_token="z" * 43).pk == response.pk
    answer_all(response)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.COMPLETED
    assert invitation.opened_at and invitation.started_at and invitation.completed_at
