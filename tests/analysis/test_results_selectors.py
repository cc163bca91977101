"""Loading a survey's responses for the dashboard: filters, versions, weights and permissions."""

import datetime as dt

import pytest
from django.utils import timezone

from analysis import results
from analysis.models import ResponseWeight, WeightingRun
from analysis.results import ResultFilters
from surveys import services as survey_services
from surveys.core.roles import Role
from surveys.errors import InvalidInput, NotFound
from tests.analysis.results_world import build_results_world
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_results_world()
    world.submit({"gender": "female", "channels": ["web", "app"], "app_hours": 3}, on=dt.date(2026, 3, 1))
    world.submit({"gender": "male", "channels": ["app"], "app_hours": 5}, on=dt.date(2026, 3, 15))
    world.submit({"gender": "female", "channels": ["web"]}, collector=world.shop, on=dt.date(2026, 4, 1))
    world.partial({"gender": "male"})
    return world


def summary(result, key):
    return next(s for s in result.summaries if s.key == key)


def counts(result, key):
    return {share.code: share.count for share in summary(result, key).shares}


def test_defaults_are_finished_responses_unweighted(world):
    result = results.get_results(survey=world.survey, filters=ResultFilters())
    assert result.response_count == 3
    assert counts(result, "gender") == {"female": 2, "male": 1, "other": 0}
    assert not result.weighting.is_available and not summary(result, "gender").is_weighted
    assert result.version_number == 1


def test_include_partial(world):
    result = results.get_results(survey=world.survey, filters=ResultFilters(include_partial=True))
    assert result.response_count == 4
    assert counts(result, "gender")["male"] == 2


def test_date_range_is_inclusive_on_submission_dates(world):
    march = ResultFilters(date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 15))
    assert results.get_results(survey=world.survey, filters=march).response_count == 2
    april = ResultFilters(date_from=dt.date(2026, 3, 16))
    assert results.get_results(survey=world.survey, filters=april).response_count == 1


def test_collector_filter(world):
    result = results.get_results(survey=world.survey, filters=ResultFilters(collector_id=world.shop.id))
    assert result.response_count == 1


def test_segment_filter_on_single_and_multiple_choice(world):
    women = results.get_results(
        survey=world.survey, filters=ResultFilters(segment_key="gender", segment_values=("female",))
    )
    assert women.response_count == 2
    app = results.get_results(
        survey=world.survey, filters=ResultFilters(segment_key="channels", segment_values=("app",))
    )
    assert app.response_count == 2
    assert summary(app, "app_hours").estimate.mean == 4


def test_breakdown_by_a_single_choice_question(world):
    result = results.get_results(survey=world.survey, filters=ResultFilters(breakdown_key="gender"))
    breakdown = result.breakdowns["channels"]
    by_code = {segment.code: segment for segment in breakdown.segments}
    assert by_code["female"].summary.n == 2 and by_code["male"].summary.n == 1
    assert by_code["female"].precision.is_too_small
    assert "gender" not in result.breakdowns


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (ResultFilters(date_from=dt.date(2026, 5, 1), date_to=dt.date(2026, 4, 1)), "date_to"),
        (ResultFilters(collector_id=999_999), "collector"),
        (ResultFilters(segment_key="gender", segment_values=("robot",)), "segment_value"),
        (ResultFilters(segment_key="gender"), "segment_value"),
        (ResultFilters(segment_key="nps", segment_values=("9",)), "segment"),
        (ResultFilters(segment_values=("female",)), "segment"),
        (ResultFilters(breakdown_key="channels"), "breakdown"),
        (ResultFilters(breakdown_key="nope"), "breakdown"),
    ],
)
def test_filters_that_cannot_apply_are_refused_by_field(world, filters, field):
    with pytest.raises(InvalidInput) as refused:
        results.get_results(survey=world.survey, filters=filters)
    assert field in refused.value.fields


def test_a_collector_of_another_survey_is_refused(world):
    other = build_results_world(title="Khác")
    with pytest.raises(InvalidInput):
        results.get_results(survey=world.survey, filters=ResultFilters(collector_id=other.web.id))


def test_weighted_without_weights_is_refused(world):
    with pytest.raises(InvalidInput) as refused:
        results.get_results(survey=world.survey, filters=ResultFilters(weighted=True))
    assert "weighted" in refused.value.fields


def test_weighted_results_leave_out_responses_without_a_weight(world):
    run = WeightingRun.objects.create(
        survey=world.survey, status=WeightingRun.Status.SUCCEEDED, finished_at=timezone.now()
    )
    first, second, third = world.survey.responses.filter(status="complete").order_by("id")
    ResponseWeight.objects.create(run=run, response=first, weight=3.0)
    ResponseWeight.objects.create(run=run, response=second, weight=1.0)
    ResponseWeight.objects.create(run=run, response=third, weight=0.0)  # excluded by the analyst
    world.submit({"gender": "male"})  # finished after the run: no weight
    result = results.get_results(survey=world.survey, filters=ResultFilters(weighted=True))
    assert result.weighting.is_applied and result.response_count == 4
    assert (result.weighting.unweighted_count, result.weighting.excluded_count) == (1, 1)
    gender = summary(result, "gender")
    assert gender.is_weighted and gender.n == 2
    assert {s.code: s.share for s in gender.shares}["female"] == pytest.approx(0.75)
    assert gender.effective_n == pytest.approx(16 / 10)
    plain = results.get_results(survey=world.survey, filters=ResultFilters())
    assert plain.weighting.is_available and not plain.weighting.is_applied


def test_labels_come_from_the_latest_version_and_old_options_still_count(world):
    question = world.survey.questions.get(key="gender")
    female = question.choices.get(value="female")
    survey_services.update_choice(choice=female, label={"vi": "Nữ", "en": "Woman"})
    survey_services.create_choice(question=question, value="nonbinary", label={"vi": "Phi nhị nguyên"})
    survey_services.publish_survey(
        survey=world.survey, published_by=world.owner, override_reason="test", confirm_warnings=True
    )
    world.survey.refresh_from_db()
    world.submit({"gender": "nonbinary"})
    result = results.get_results(survey=world.survey, filters=ResultFilters())
    gender = summary(result, "gender")
    labels = {share.code: share.label.en for share in gender.shares}
    assert labels["female"] == "Woman"
    assert counts(result, "gender") == {"female": 2, "male": 1, "other": 0, "nonbinary": 1}
    assert result.version_number == 2


def test_load_answer_columns_streams_one_column_per_key(world):
    data = results.load_answer_columns(survey=world.survey, filters=ResultFilters(), keys=["gender", "channels"])
    assert len(data.ids) == 3 == len(data.columns["gender"]) == len(data.others["channels"])
    assert sorted(data.columns["gender"]) == ["female", "female", "male"]


def test_viewers_may_read_results_outsiders_may_not_know_the_survey(world):
    viewer = UserFactory()
    MembershipFactory(workspace=world.survey.workspace, user=viewer, role=Role.VIEWER)
    assert results.get_survey_for_results(slug=world.survey.slug, user=viewer) == world.survey
    with pytest.raises(NotFound):
        results.get_survey_for_results(slug=world.survey.slug, user=UserFactory())


def test_a_survey_never_published_has_no_results():
    owner = UserFactory()
    workspace = survey_services.create_workspace(name="Trống", owner=owner)
    draft = survey_services.create_survey(workspace=workspace, created_by=owner, title={"vi": "Nháp"})
    result = results.get_results(survey=draft, filters=ResultFilters())
    assert result.spec is None and result.summaries == () and result.response_count == 0
