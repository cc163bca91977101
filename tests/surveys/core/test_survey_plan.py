"""plan_survey: the answers and invitations a survey's stored targets imply."""

import pytest

from surveys.core.sample_size import SampleSizeInputError
from surveys.core.survey_plan import PlanTargets, plan_survey


def test_a_plan_from_a_margin_follows_krejcie_and_morgan_and_counts_invitations():
    plan = plan_survey(PlanTargets(population_size=1000, margin_of_error=0.05, response_rate=0.2, eligibility_rate=0.8))
    # Krejcie & Morgan (1970) Table 1: N = 1000 -> 278; 278 / 0.16 = 1737.5 -> 1738.
    assert (plan.required_responses, plan.invitations_needed) == (278, 1738)
    assert plan.invitations.exceeds_population


def test_a_plan_without_a_margin_or_answers_is_incomplete_but_checks_what_is_given():
    assert not plan_survey(PlanTargets()).is_complete
    with pytest.raises(SampleSizeInputError) as refused:
        plan_survey(PlanTargets(response_rate=0))
    assert refused.value.parameter == "response_rate"


def test_a_plan_refuses_both_a_margin_and_a_number_of_answers():
    with pytest.raises(SampleSizeInputError) as refused:
        plan_survey(PlanTargets(margin_of_error=0.05, sample_size=300))
    assert refused.value.parameter == "sample_size"


def test_a_plan_names_the_answers_chosen_when_they_exceed_the_population():
    with pytest.raises(SampleSizeInputError) as refused:
        plan_survey(PlanTargets(sample_size=300, population_size=200))
    assert refused.value.parameter == "sample_size"


def test_the_defaults_are_95_percent_confidence_and_the_worst_case_proportion():
    plan = plan_survey(PlanTargets(margin_of_error=0.05))
    # Cochran (1977): n0 = 1.96²·.25/.05² = 384.15 -> 385 without a population.
    assert (plan.confidence_level, plan.proportion, plan.eligibility_rate) == (0.95, 0.5, 1.0)
    assert plan.required_responses == 385


def test_an_expected_proportion_away_from_half_needs_fewer_answers():
    # n0 = 1.959964²·0.2·0.8/0.05² = 245.86 -> 246.
    assert plan_survey(PlanTargets(margin_of_error=0.05, proportion=0.2)).required_responses == 246
