"""services.update_survey_plan and the planner targets of services.update_survey."""

import pytest

from surveys import planner, services
from surveys.errors import InvalidInput
from tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db

TARGETS = {
    "target_population": 1000,
    "target_margin_of_error": 0.05,
    "target_confidence_level": 0.95,
    "target_response_rate": 0.2,
    "target_eligibility_rate": 0.8,
    "target_expected_proportion": 0.5,
}


def stored(survey) -> dict:
    survey.refresh_from_db()
    return planner.stored_targets(survey)


def test_the_plan_is_stored_with_the_answers_needed_derived_from_the_margin():
    survey = SurveyFactory()
    plan = services.update_survey_plan(survey=survey, **TARGETS)
    # Krejcie & Morgan (1970): N = 1000 -> 278; 278 / (0.2 × 0.8) = 1737.5 -> 1738 invitations.
    assert (plan.required_responses, plan.invitations_needed) == (278, 1738)
    assert stored(survey) == {**TARGETS, "target_sample_size": 278}


def test_changing_the_margin_recomputes_the_answers_needed():
    survey = SurveyFactory()
    services.update_survey_plan(survey=survey, **TARGETS)
    plan = services.update_survey_plan(survey=survey, target_margin_of_error=0.03)
    # Cochran: n0 = 1.96²·.25/.03² = 1067.1; 1067.1 / (1 + 1066.1/1000) = 516.5 -> 517.
    assert plan.required_responses == 517
    assert stored(survey)["target_sample_size"] == 517


def test_without_a_margin_the_answers_chosen_give_the_margin():
    survey = SurveyFactory()
    plan = services.update_survey_plan(survey=survey, target_sample_size=400, target_response_rate=0.25)
    assert plan.margin.margin_of_error == pytest.approx(0.049, abs=1e-3)  # 1.96·√(.25/400)
    assert (plan.required_responses, plan.invitations_needed) == (400, 1600)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target_margin_of_error": 0}, "target_margin_of_error"),
        ({"target_margin_of_error": 1.5}, "target_margin_of_error"),
        ({"target_confidence_level": 0}, "target_confidence_level"),
        ({"target_population": 0}, "target_population"),
        ({"target_response_rate": 0}, "target_response_rate"),
        ({"target_response_rate": 1.2}, "target_response_rate"),
        ({"target_eligibility_rate": 0}, "target_eligibility_rate"),
        ({"target_expected_proportion": 1}, "target_expected_proportion"),
        ({"target_sample_size": 100}, "target_sample_size"),  # a margin is stored: the answers are derived
    ],
)
def test_a_bad_target_is_refused_naming_it_and_nothing_changes(changes, field):
    survey = SurveyFactory()
    services.update_survey_plan(survey=survey, **TARGETS)
    before = stored(survey)
    with pytest.raises(InvalidInput) as refused:
        services.update_survey_plan(survey=survey, **changes)
    assert list(refused.value.fields) == [field]
    assert stored(survey) == before


def test_unknown_targets_are_refused():
    with pytest.raises(InvalidInput):
        services.update_survey_plan(survey=SurveyFactory(), target_margin=0.05)


def test_update_survey_checks_planner_targets_too_and_changes_nothing_when_one_is_bad():
    survey = SurveyFactory(title={"vi": "Cũ"})
    with pytest.raises(InvalidInput) as refused:
        services.update_survey(survey=survey, title={"vi": "Mới"}, target_response_rate=0)
    assert list(refused.value.fields) == ["target_response_rate"]
    assert survey.title == {"vi": "Cũ"}  # the instance is untouched too
    survey.refresh_from_db()
    assert (survey.title, survey.target_response_rate) == ({"vi": "Cũ"}, None)


def test_update_survey_derives_the_answers_needed_like_the_planner():
    survey = SurveyFactory()
    services.update_survey(survey=survey, target_population=1000, target_margin_of_error=0.05)
    assert stored(survey)["target_sample_size"] == 278
