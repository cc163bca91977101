"""The public submission path stays cheap without giving up a guarantee.

Statements are counted without the transaction control (BEGIN, SAVEPOINT, COMMIT …), whose
number depends on whether the test itself runs in a transaction.
"""

import importlib
import io
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from responses import selectors, services
from responses.models import Collector, Invitation, Response
from surveys import services as survey_services
from surveys.models import Question
from tests.responses.specs import COMPLETE_ANSWERS

pytestmark = pytest.mark.django_db

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(CONTROL)]


def post(collector, key, answers, **extra):
    url = reverse("responses:public-response-create", kwargs={"slug": collector.slug})
    body = {"submission_key": str(key), "answers": answers}
    return APIClient().post(url, body, format="json", **extra)


def counter(collector) -> int:
    return Collector.objects.values_list("finished_counter", flat=True).get(pk=collector.pk)


def test_a_new_submission_reads_once_inserts_once_and_share_locks_its_collector(collector):
    post(collector, uuid.uuid4(), COMPLETE_ANSWERS)  # the questionnaire is now in the cache
    with CaptureQueriesContext(connection) as captured:
        response = post(collector, uuid.uuid4(), COMPLETE_ANSWERS)
    assert response.status_code == 201, response.content
    sql = statements(captured)
    assert [s.split()[0] for s in sql] == ["SELECT", "INSERT", "SELECT"], sql
    assert "surveys_surveyversion" in sql[0] and "responses_quota" in sql[0]  # one read brings it all
    assert "responses_collector" in sql[2] and "UPDATE" not in sql[2]  # no queue on its row without a maximum
    if connection.vendor == "postgresql":
        assert sql[2].endswith("FOR KEY SHARE")


def test_with_a_maximum_a_new_submission_takes_its_place_with_one_update(collector):
    services.update_collector(collector=collector, max_responses=5)
    post(collector, uuid.uuid4(), COMPLETE_ANSWERS)
    with CaptureQueriesContext(connection) as captured:
        response = post(collector, uuid.uuid4(), COMPLETE_ANSWERS)
    assert response.status_code == 201, response.content
    sql = statements(captured)
    assert [s.split()[0] for s in sql] == ["SELECT", "INSERT", "UPDATE"], sql
    assert "finished_counter < max_responses" in sql[2]
    assert counter(collector) == 2


def test_setting_a_maximum_counts_the_responses_already_finished(collector):
    for _ in range(2):
        services.submit_response(collector=collector, submission_key=uuid.uuid4(), answers=COMPLETE_ANSWERS)
    older_copy = Collector.objects.select_related("survey__workspace").get(pk=collector.pk)
    services.update_collector(collector=collector, max_responses=3)
    assert counter(collector) == 2
    assert post(collector, uuid.uuid4(), COMPLETE_ANSWERS).status_code == 201
    services.update_collector(collector=older_copy, name="Quầy thu ngân")  # an older copy keeps the count
    assert counter(collector) == 3
    assert post(collector, uuid.uuid4(), COMPLETE_ANSWERS).json()["error"]["code"] == "collector_full"


def test_a_replay_costs_the_failed_insert_and_one_read(collector):
    key = uuid.uuid4()
    assert post(collector, key, COMPLETE_ANSWERS).status_code == 201
    with CaptureQueriesContext(connection) as captured:
        again = post(collector, key, COMPLETE_ANSWERS)
    assert again.status_code == 200 and again.json()["created"] is False
    assert [s.split()[0] for s in statements(captured)] == ["SELECT", "INSERT", "SELECT"]
    conflict = post(collector, key, {**COMPLETE_ANSWERS, "nps": 3})
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "submission_conflict"
    assert Response.objects.count() == 1


def test_a_replay_is_answered_even_after_the_link_closed_or_filled_up(collector):
    key = uuid.uuid4()
    first = services.submit_response(collector=collector, submission_key=key, answers=COMPLETE_ANSWERS)
    services.update_collector(collector=collector, max_responses=1)
    assert post(collector, key, COMPLETE_ANSWERS).json()["id"] == first.response.pk
    full = post(collector, uuid.uuid4(), COMPLETE_ANSWERS)
    assert full.status_code == 409 and full.json()["error"]["code"] == "collector_full"
    services.update_collector(collector=collector, max_responses=None, is_active=False)
    assert post(collector, key, COMPLETE_ANSWERS).status_code == 200
    assert post(collector, key, {**COMPLETE_ANSWERS, "nps": 3}).status_code == 409
    assert post(collector, uuid.uuid4(), COMPLETE_ANSWERS).json()["error"]["code"] == "collector_inactive"
    assert Response.objects.count() == 1


def test_a_replay_of_invalid_answers_is_still_invalid(collector):
    key = uuid.uuid4()
    refused = post(collector, key, {**COMPLETE_ANSWERS, "nps": 11})
    assert refused.status_code == 400 and not Response.objects.exists() and counter(collector) == 0


def test_a_collector_with_quotas_reads_them_and_a_screened_out_response_is_not_counted(collector, survey):
    services.create_quota(survey=survey, name="18–24", question_key="age_band", values=["18-24"], limit=0)
    with CaptureQueriesContext(connection) as captured:
        response = post(collector, uuid.uuid4(), COMPLETE_ANSWERS)
    assert response.status_code == 201 and response.json()["status"] == Response.Status.SCREENED_OUT
    assert any("responses_quota" in sql and sql.startswith("SELECT") for sql in statements(captured)[1:])
    assert counter(collector) == 0


def test_a_republished_questionnaire_is_used_at_once(collector, survey, researcher):
    without_comment = {key: value for key, value in COMPLETE_ANSWERS.items() if key != "comment"}
    assert post(collector, uuid.uuid4(), without_comment).status_code == 201  # version 1 is cached now
    survey_services.update_question(question=Question.objects.get(survey=survey, key="comment"), required=True)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="Test questionnaire", confirm_warnings=True
    )
    refused = post(collector, uuid.uuid4(), without_comment)
    assert refused.status_code == 400 and set(refused.json()["error"]["fields"]) == {"comment"}
    stored = post(collector, uuid.uuid4(), COMPLETE_ANSWERS)
    assert Response.objects.get(pk=stored.json()["id"]).version.number == 2


def test_replays_do_not_count_towards_the_rate_limit_of_an_address(collector, settings):
    settings.RESPONSES_RATE_LIMIT = {"count": 2, "window_seconds": 600}
    address = {"REMOTE_ADDR": "198.51.100.7"}
    key = uuid.uuid4()
    for _attempt in range(4):
        post(collector, key, COMPLETE_ANSWERS, **address)
    second = post(collector, uuid.uuid4(), COMPLETE_ANSWERS, **address)
    assert second.json()["status"] == Response.Status.COMPLETE
    third = post(collector, uuid.uuid4(), COMPLETE_ANSWERS, **address)
    assert third.json()["status"] == Response.Status.FLAGGED
    assert Response.objects.get(pk=third.json()["id"]).flag_reasons == ["rate_limited"]


def test_the_questionnaire_cache_is_keyed_by_version_and_bounded(collector, survey, monkeypatch):
    version = survey.versions.get()
    selectors._specs.clear()
    with CaptureQueriesContext(connection) as captured:
        first = selectors.get_version_spec(version_id=version.pk, published_at=version.published_at)
        again = selectors.get_version_spec(version_id=version.pk, published_at=version.published_at)
    assert first is again and len(statements(captured)) == 1
    assert selectors.version_spec(version) is first  # the same entry, from the row at hand
    monkeypatch.setattr(selectors._specs, "size", 1)
    selectors.get_version_spec(version_id=version.pk, published_at=None)  # another key pushes it out
    assert (version.pk, version.published_at) not in selectors._specs and len(selectors._specs) == 1


def test_every_finishing_path_counts_on_the_collector(collector, survey):
    from tests.responses.test_services import answer_all, start

    services.update_collector(collector=collector, max_responses=10)
    answer_all(start(collector))  # the respondent form
    services.submit_response(collector=collector, submission_key=uuid.uuid4(), answers=COMPLETE_ANSWERS)
    assert counter(collector) == 2 == Response.objects.filter(collector=collector).finished().count()
    table = "gender,age_band,channels,satisfaction,nps,aspects.speed,aspects.price\nfemale,18-24,web,4,9,good,n/a\n"
    imported = services.import_responses(survey=survey, file=io.BytesIO(table.encode()), filename="a.csv")
    assert imported.collector.finished_counter == 1 == imported.collector.responses.count()


def test_the_migration_counts_the_responses_already_finished(collector):
    services.submit_response(collector=collector, submission_key=uuid.uuid4(), answers=COMPLETE_ANSWERS)
    Collector.objects.update(finished_counter=0)
    migration = importlib.import_module("responses.migrations.0003_collector_finished_counter")
    migration.count_finished(apps, None)
    assert counter(collector) == 1


def test_opening_an_invitation_is_one_conditional_update_that_never_moves_it_back(survey, researcher):
    collector = services.create_collector(survey=survey, created_by=researcher, kind="invitation")
    Invitation.objects.create(collector=collector, email="khach@example.com", status=Invitation.Status.SENT)
    invitation = Invitation.objects.get()
    older_copy = Invitation.objects.get()
    with CaptureQueriesContext(connection) as captured:
        services.mark_invitation_opened(invitation=invitation)
    assert [s.split()[0] for s in statements(captured)] == ["UPDATE"]
    assert "status" in statements(captured)[0] and invitation.status == Invitation.Status.OPENED
    services.start_response(
        collector=collector, client=services.Client(), language="vi", invitation=invitation, resume_token="r" * 43
    )
    services.mark_invitation_opened(invitation=older_copy)  # a second tab that read it before the start
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.STARTED and invitation.opened_at and invitation.started_at
    with CaptureQueriesContext(connection) as captured:
        services.mark_invitation_opened(invitation=invitation)  # already further: nothing to write
    assert statements(captured) == []
