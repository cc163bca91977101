import pytest
from hypothesis import given
from hypothesis import strategies as st

from responses.core.answers import (
    NOT_APPLICABLE,
    AnswerInvalid,
    answer_matches,
    answers_digest,
    check_page,
    check_response,
    clean_answer,
    drop_hidden,
    ranking_from_ranks,
)
from tests.responses.specs import COMPLETE_ANSWERS, build_spec

SPEC = build_spec()


def question(key):
    return SPEC.question(key)


def refused(key, value, other=None) -> str:
    with pytest.raises(AnswerInvalid) as error:
        clean_answer(question(key), value, other)
    return error.value.code


# --- one answer per type --------------------------------------------------------------------


def test_single_choice_keeps_a_known_code_and_refuses_others():
    assert clean_answer(question("age_band"), "18-24") == ("18-24", None)
    assert refused("age_band", "99") == "invalid_choice"
    assert refused("age_band", ["18-24"]) == "invalid_choice"


def test_other_option_needs_its_text_which_is_stored_beside_the_code():
    assert clean_answer(question("gender"), "other", "  phi nhị nguyên ") == ("other", "phi nhị nguyên")
    assert refused("gender", "other", "") == "other_required"
    # Text typed for "other" without choosing it is not kept.
    assert clean_answer(question("gender"), "male", "ignored") == ("male", None)


def test_multiple_choice_orders_codes_and_keeps_an_exclusive_option_alone():
    assert clean_answer(question("channels"), ["app", "web", "app"]) == (["web", "app"], None)
    assert clean_answer(question("channels"), "web") == (["web"], None)
    assert refused("channels", ["none", "web"]) == "exclusive_combined"
    assert clean_answer(question("channels"), ["none"]) == (["none"], None)
    assert refused("channels", ["web", "nope"]) == "invalid_choice"


def test_rating_is_a_scale_point_number_or_not_applicable():
    assert clean_answer(question("satisfaction"), "4") == (4, None)
    assert clean_answer(question("satisfaction"), 5.0) == (5, None)
    assert clean_answer(question("satisfaction"), NOT_APPLICABLE) == (NOT_APPLICABLE, None)
    assert refused("satisfaction", "7") == "invalid_choice"
    assert refused("satisfaction", "good") == "not_a_number"


def test_nps_accepts_whole_scores_from_0_to_10():
    assert clean_answer(question("nps"), "0") == (0, None)
    assert clean_answer(question("nps"), 10) == (10, None)
    assert refused("nps", 11) == "out_of_range"
    assert refused("nps", 7.5) == "out_of_range"
    assert refused("nps", True) == "not_a_number"


def test_number_respects_the_bounds():
    assert clean_answer(question("app_hours"), "2.5") == (2.5, None)
    assert clean_answer(question("app_hours"), "24") == (24, None)
    assert refused("app_hours", "25") == "out_of_range"
    assert refused("app_hours", "nan") == "not_a_number"
    assert refused("app_hours", "inf") == "not_a_number"


def test_text_is_stripped_capped_and_cleared_of_nul():
    assert clean_answer(question("comment"), "  tốt\x00 ") == ("tốt", None)
    assert clean_answer(question("comment"), "   ") == (None, None)
    assert refused("comment", "x" * 501) == "too_long"
    assert clean_answer(question("reason"), "y" * 5000)[0] == "y" * 5000


def test_date_must_be_iso():
    assert clean_answer(question("installed_on"), "2026-02-28") == ("2026-02-28", None)
    assert refused("installed_on", "2026-02-30") == "not_a_date"
    assert refused("installed_on", "28/02/2026") == "not_a_date"
    assert refused("installed_on", "20260228") == "not_a_date"


def test_matrix_needs_every_row_when_required_and_knows_its_rows():
    aspects = question("aspects")
    assert clean_answer(aspects, {"price": "n/a", "speed": "ok"}) == ({"speed": "ok", "price": "n/a"}, None)
    assert refused("aspects", {"speed": "ok"}) == "rows_missing"
    assert refused("aspects", {"speed": "ok", "weight": "ok"}) == "unknown_row"
    assert refused("aspects", {"speed": "great", "price": "ok"}) == "invalid_choice"
    assert refused("aspects", "ok") == "invalid"


def test_ranking_lists_each_item_once():
    assert clean_answer(question("priorities"), ["speed", "price"]) == (["speed", "price"], None)
    assert refused("priorities", ["speed", "speed"]) == "duplicate_rank"


def test_ranks_from_a_form_become_an_ordered_list():
    priorities = question("priorities")
    assert ranking_from_ranks(priorities, {"price": "2", "speed": "", "service": "1"}) == ["service", "price"]
    assert ranking_from_ranks(priorities, {"price": "", "speed": "", "service": ""}) is None
    for ranks in ({"price": "1", "speed": "1"}, {"price": "1", "speed": "3"}, {"price": "one"}):
        with pytest.raises(ValueError):
            ranking_from_ranks(priorities, ranks)


@given(st.permutations(["price", "speed", "service"]))
def test_any_full_ranking_round_trips_through_form_ranks(order):
    ranks = {code: str(order.index(code) + 1) for code in order}
    assert ranking_from_ranks(question("priorities"), ranks) == list(order)


@given(
    st.one_of(
        st.none(), st.text(), st.integers(), st.floats(), st.lists(st.text()), st.dictionaries(st.text(), st.text())
    )
)
def test_any_input_is_either_cleaned_or_refused_with_a_message(value):
    for q in SPEC.questions():
        try:
            clean_answer(q, value, value)
        except AnswerInvalid as error:
            assert error.message.render()


# --- pages and whole responses --------------------------------------------------------------


def test_a_page_reports_required_questions_shown_and_not_those_hidden():
    page = SPEC.pages[1]
    checked = check_page(SPEC, page, {"satisfaction": "3", "nps": "9"}, earlier={})
    assert checked.is_valid
    assert checked.answers == {"satisfaction": 3, "nps": 9}
    # A low score shows the required follow-up on the same page.
    checked = check_page(SPEC, page, {"satisfaction": "3", "nps": "4"}, earlier={})
    assert [(e.question, e.code) for e in checked.errors] == [("reason", "required")]


def test_answers_to_questions_hidden_on_the_page_are_dropped():
    page = SPEC.pages[1]
    checked = check_page(SPEC, page, {"satisfaction": "3", "nps": "10", "reason": "stale"}, earlier={})
    assert "reason" not in checked.answers


def test_saving_without_required_keeps_valid_answers_and_reports_bad_ones():
    checked = check_page(SPEC, SPEC.pages[0], {"gender": "x", "age_band": ""}, earlier={}, enforce_required=False)
    assert checked.answers == {}
    assert [e.code for e in checked.errors] == ["invalid_choice"]


def test_a_whole_response_is_valid_when_complete():
    checked = check_response(SPEC, COMPLETE_ANSWERS)
    assert checked.is_valid, checked.errors
    assert checked.answers == COMPLETE_ANSWERS


def test_a_whole_response_drops_a_hidden_page_and_names_unknown_keys():
    answers = {**COMPLETE_ANSWERS, "channels": ["web"], "bogus": 1}
    checked = check_response(SPEC, answers)
    assert [(e.question, e.code) for e in checked.errors] == [("bogus", "unknown_question")]
    assert "app_hours" not in checked.answers and "installed_on" not in checked.answers


def test_a_whole_response_lists_missing_required_answers_in_order():
    checked = check_response(SPEC, {"gender": "male"})
    assert [e.question for e in checked.errors] == ["age_band", "channels", "satisfaction", "nps", "aspects"]


def test_drop_hidden_removes_other_text_with_its_question():
    answers = {"channels": ["web"], "app_hours": 3, "gender": "other", "gender.other": "x"}
    assert drop_hidden(SPEC, answers) == {"channels": ["web"], "gender": "other", "gender.other": "x"}


def test_digest_ignores_key_order_and_sees_any_change():
    assert answers_digest({"a": 1, "b": [1, 2]}) == answers_digest({"b": [1, 2], "a": 1})
    assert answers_digest({"a": 1}) != answers_digest({"a": 2})


def test_quota_match_by_code_or_any_listed_code():
    assert answer_matches("18-24", ["18-24"])
    assert not answer_matches("25-34", ["18-24"])
    assert answer_matches(["web", "app"], ["app"])
    assert answer_matches(4.0, ["4"])
    assert not answer_matches(None, ["4"])
