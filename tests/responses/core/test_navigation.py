from responses.core import navigation, screening
from responses.core.availability import Unavailable, unavailability
from tests.responses.specs import build_spec

SPEC = build_spec()
ABOUT, SCORES, APP, DETAILS = range(4)


def test_a_page_shown_by_logic_joins_the_route_only_when_its_condition_holds():
    assert navigation.route(SPEC, {"channels": ["web"]}).pages == (ABOUT, SCORES, DETAILS)
    assert navigation.route(SPEC, {"channels": ["app"]}).pages == (ABOUT, SCORES, APP, DETAILS)


def test_next_and_previous_skip_hidden_pages():
    shown = navigation.route(SPEC, {"channels": ["web"]})
    assert shown.next_after(SCORES) == DETAILS
    assert shown.previous_before(DETAILS) == SCORES
    assert shown.previous_before(ABOUT) is None
    assert shown.is_last(DETAILS)


def test_progress_counts_shown_pages():
    assert navigation.progress(SPEC, {"channels": ["web"]}, DETAILS) == navigation.Progress(3, 3)
    progress = navigation.progress(SPEC, {"channels": ["app"]}, SCORES)
    assert (progress.position, progress.total, progress.percent) == (2, 4, 25)


def test_a_same_page_follow_up_is_sent_hidden_for_javascript_to_reveal():
    shown = navigation.page_questions(SPEC, SCORES, {"nps": 9}, seed="s")
    assert [(s.question.key, s.is_visible) for s in shown] == [("satisfaction", True), ("nps", True), ("reason", False)]
    shown = navigation.page_questions(SPEC, SCORES, {"nps": 3}, seed="s")
    assert shown[-1].is_visible


def test_referenced_answers_are_those_this_page_tests_from_elsewhere():
    assert navigation.referenced_answers(SPEC, SPEC.pages[SCORES], {"nps": 3, "gender": "male"}) == {}


def test_too_fast_depends_on_question_count():
    limit = screening.RateLimit(count=2, window_seconds=60)
    common = {"honeypot_filled": False, "recent_from_address": 1, "rate_limit": limit}
    assert screening.flag_reasons(duration_seconds=20, question_count=10, **common) == ()
    assert screening.flag_reasons(duration_seconds=10, question_count=10, **common) == (screening.FlagReason.TOO_FAST,)
    assert screening.flag_reasons(duration_seconds=None, question_count=10, **common) == ()


def test_honeypot_and_rate_limit_add_their_reasons():
    reasons = screening.flag_reasons(
        honeypot_filled=True,
        duration_seconds=100,
        question_count=1,
        recent_from_address=3,
        rate_limit=screening.RateLimit(count=2, window_seconds=60),
    )
    assert reasons == (screening.FlagReason.HONEYPOT, screening.FlagReason.RATE_LIMITED)


def test_availability_reasons():
    import datetime as dt

    now = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    base = {
        "now": now,
        "is_active": True,
        "survey_is_open": True,
        "opens_at": None,
        "closes_at": None,
        "max_responses": None,
        "finished_count": 0,
    }
    assert unavailability(**base) is None
    assert unavailability(**base | {"is_active": False}) == Unavailable.INACTIVE
    assert unavailability(**base | {"survey_is_open": False}) == Unavailable.SURVEY_NOT_OPEN
    assert unavailability(**base | {"opens_at": now + dt.timedelta(seconds=1)}) == Unavailable.NOT_YET_OPEN
    assert unavailability(**base | {"closes_at": now}) == Unavailable.CLOSED
    assert unavailability(**base | {"max_responses": 3, "finished_count": 3}) == Unavailable.FULL
    assert unavailability(**base | {"max_responses": 3, "finished_count": 2}) is None
