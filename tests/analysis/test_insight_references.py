"""Previous wave and benchmarks: what makes an insight surprising, and the impact / effort estimate."""

import numpy as np
import pytest
from django.urls import reverse
from scipy import stats

from analysis import services_insights as services
from analysis.models import Benchmark, Insight, PreviousWave
from surveys import services as survey_services
from surveys.errors import InvalidInput
from tests.analysis.insights_world import add_responses, create_insight_survey, synthetic_answers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YOUNG = "segment:aspects.delivery_speed:mean:age_band:0"


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def workspace(owner):
    return survey_services.create_workspace(name="Cửa hàng", owner=owner)


@pytest.fixture
def survey(workspace, owner):
    return create_insight_survey(workspace, owner)


@pytest.fixture
def earlier(workspace, owner):
    return create_insight_survey(workspace, owner)


def _current(survey) -> dict[str, Insight]:
    return {i.fingerprint: i for i in Insight.objects.filter(survey=survey, is_current=True)}


def test_without_a_benchmark_or_previous_wave_surprising_says_so(survey, owner):
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    services.analyze_survey(survey=survey, created_by=owner)
    insights = _current(survey)
    assert insights
    for insight in insights.values():
        surprising = insight.criteria["surprising"]
        assert surprising["value"] is None and surprising["reason"].startswith("No benchmark entered")
        assert insight.kind not in ("wave_change", "benchmark_gap")
    # impact and effort: the rule's estimate with what it was computed from
    young = insights[YOUNG]
    e = young.estimates
    assert young.impact == e["impact"] and young.effort == e["effort"]
    assert e["impact_score"] == pytest.approx(e["reach"] * e["effect"] * e["kpi_factor"], rel=1e-3)
    assert e["reach"] == pytest.approx(young.evidence["n_group"] / 400, abs=1e-4)
    assert e["effort_rule"] in ("narrow_group", "large_group")


def test_a_change_since_the_previous_wave_is_found_and_makes_the_segment_finding_new(survey, earlier, owner):
    before = synthetic_answers(400, seed=5, planted=False)
    for answers in before:  # delivery was rated higher in the previous wave
        answers["aspects"]["delivery_speed"] = str(min(5, int(answers["aspects"]["delivery_speed"]) + 1))
    add_responses(earlier, before)
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    services.set_previous_wave(survey=survey, previous=earlier, actor=owner)
    run = services.analyze_survey(survey=survey, created_by=owner)
    assert run.family_sizes["previous wave and benchmarks"] > 0
    assert run.family_sizes["segment groups vs previous wave"] > 0
    insights = _current(survey)
    young = insights[YOUNG]
    assert young.criteria["surprising"]["value"] is True
    assert young.criteria["surprising"]["reason"].startswith("New since the previous wave")
    change = insights.get("wave_change:aspects.delivery_speed:mean")
    assert change is not None and change.direction == "lower" and change.criteria["surprising"]["value"] is True
    assert "đợt khảo sát trước" in change.statement_vi and "previous wave" in change.statement_en
    # the evidence is Welch's t-test on the two waves' answers
    speeds = []
    for target in (survey, earlier):
        values = [float(r.answers["aspects"]["delivery_speed"]) for r in target.responses.all()]
        speeds.append(values)
    expected = stats.ttest_ind(speeds[0], speeds[1], equal_var=False)
    assert change.evidence["test"] == "welch_t"
    assert change.evidence["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert change.evidence["estimate_group"] == pytest.approx(np.mean(speeds[0]))
    assert change.evidence["estimate_rest"] == pytest.approx(np.mean(speeds[1]))


def test_two_null_waves_flag_almost_no_change(survey, earlier, owner):
    add_responses(earlier, synthetic_answers(400, seed=7, planted=False))
    add_responses(survey, synthetic_answers(400, seed=8, planted=False))
    services.set_previous_wave(survey=survey, previous=earlier, actor=owner)
    services.analyze_survey(survey=survey, created_by=owner)
    changes = Insight.objects.filter(survey=survey, kind="wave_change")
    assert changes.count() <= 1
    # a finding that the previous wave already showed is not surprising (or has no significant change)
    for insight in _current(survey).values():
        assert insight.criteria["surprising"]["value"] in (None, False, True)


def test_a_benchmark_gap_uses_the_one_sample_test(survey, owner):
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    benchmark = services.create_benchmark(
        survey=survey, actor=owner, target="aspects.delivery_speed|", value="4,2", source="Báo cáo 2025"
    )
    assert benchmark.estimate == "mean" and benchmark.value == pytest.approx(4.2)
    services.analyze_survey(survey=survey, created_by=owner)
    insights = _current(survey)
    gap = insights["benchmark_gap:aspects.delivery_speed:mean"]
    values = [float(r.answers["aspects"]["delivery_speed"]) for r in survey.responses.all()]
    expected = stats.ttest_1samp(values, 4.2)
    assert gap.evidence["test"] == "one_sample_t" and gap.direction == "lower"
    assert gap.evidence["p_value"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-300)
    assert "mức chuẩn" in gap.statement_vi and "below the benchmark you entered" in gap.statement_en
    # the segment finding has no benchmark for its group: surprising says so
    assert insights[YOUNG].criteria["surprising"]["value"] is None
    assert insights[YOUNG].criteria["surprising"]["reason"].startswith("No benchmark or previous-wave value")


def test_a_share_benchmark_for_one_group_is_tested_for_that_group(survey, owner):
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    services.create_benchmark(survey=survey, target="channels.web|", value=90, segment="age_band|18-24")
    services.analyze_survey(survey=survey, created_by=owner)
    gap = _current(survey).get("benchmark_gap:channels.web:answer0:age_band:0")
    young = [r.answers for r in survey.responses.all() if r.answers["age_band"] == "18-24"]
    chosen = sum("web" in a["channels"] for a in young)
    share = chosen / len(young)
    z = (share - 0.9) / np.sqrt(0.9 * 0.1 / len(young))
    assert gap is not None and gap.segment == 0 and gap.direction == "lower"
    assert gap.evidence["test"] == "one_sample_z"
    assert gap.evidence["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    assert gap.statement_en.startswith("Among respondents with age “18–24”, the share choosing")


def test_bad_benchmarks_are_refused_and_nothing_is_saved(survey, owner):
    cases = [
        ({"target": "nope|", "value": 3}, "target"),
        ({"target": "aspects.delivery_speed|", "value": 9}, "value"),
        ({"target": "channels.web|", "value": 120}, "value"),
        ({"target": "channels.web|", "value": "nhiều"}, "value"),
        ({"target": "channels.web|", "value": 40, "segment": "age_band|99"}, "segment"),
    ]
    for data, field in cases:
        with pytest.raises(InvalidInput) as error:
            services.create_benchmark(survey=survey, actor=owner, **data)
        assert field in error.value.fields
    assert not Benchmark.objects.exists()


def test_the_previous_wave_must_be_another_survey_of_the_workspace(survey, earlier, owner):
    with pytest.raises(InvalidInput):
        services.set_previous_wave(survey=survey, previous=survey, actor=owner)
    other_workspace = survey_services.create_workspace(name="Khác", owner=owner)
    elsewhere = create_insight_survey(other_workspace, owner)
    with pytest.raises(InvalidInput):
        services.set_previous_wave(survey=survey, previous=elsewhere, actor=owner)
    assert not PreviousWave.objects.exists()
    services.set_previous_wave(survey=survey, previous=earlier, actor=owner)
    assert PreviousWave.objects.get(survey=survey).previous == earlier
    services.set_previous_wave(survey=survey, previous=None, actor=owner)
    assert not PreviousWave.objects.exists()


def test_the_analyst_overrides_impact_and_effort_and_a_rerun_keeps_it(survey, owner):
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    services.analyze_survey(survey=survey, created_by=owner)
    young = _current(survey)[YOUNG]
    other = next(level for level in Insight.Level.values if level != young.estimates["effort"])
    services.update_tracking(insight=young, actor=owner, effort=other)
    young.refresh_from_db()
    assert young.effort == other and young.effort_set_by_analyst and not young.impact_set_by_analyst
    services.analyze_survey(survey=survey, created_by=owner)
    young.refresh_from_db()
    assert young.effort == other
    services.update_tracking(insight=young, actor=owner, effort="")
    young.refresh_from_db()
    assert young.effort == young.estimates["effort"] and not young.effort_set_by_analyst


def test_the_api_enters_lists_and_deletes_benchmarks_and_links_the_previous_wave(api_client, survey, earlier, owner):
    api_client.force_authenticate(owner)
    url = reverse("analysis:benchmark-list", kwargs={"slug": survey.slug})
    body = api_client.get(url).json()
    assert any(t["value"] == "aspects.delivery_speed|" and t["estimate"] == "mean" for t in body["targets"])
    assert any(t["value"] == "channels.web|" and t["estimate"] == "share" for t in body["targets"])
    assert any(s["value"] == "age_band|18-24" for s in body["segments"])
    response = api_client.post(url, {"target": "channels.web|", "value": 40, "source": "Ngành"}, format="json")
    assert response.status_code == 201 and response.json()["value"] == pytest.approx(40)
    benchmark_id = response.json()["id"]
    bad = api_client.post(url, {"target": "channels.web|", "value": 140}, format="json")
    assert bad.status_code == 400 and "value" in bad.json()["error"]["fields"]
    assert len(api_client.get(url).json()["benchmarks"]) == 1
    detail = reverse("analysis:benchmark-detail", kwargs={"benchmark_id": benchmark_id})
    assert api_client.delete(detail).status_code == 204
    wave = reverse("analysis:previous-wave", kwargs={"slug": survey.slug})
    assert api_client.get(wave).json()["previous"] is None
    response = api_client.put(wave, {"previous": earlier.slug}, format="json")
    assert response.status_code == 200 and response.json()["previous"] == earlier.slug
    missing = api_client.put(wave, {"previous": "khong-co"}, format="json")
    assert missing.status_code == 400 and "previous" in missing.json()["error"]["fields"]
    assert api_client.put(wave, {"previous": None}, format="json").json()["previous"] is None
