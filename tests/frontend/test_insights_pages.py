"""The insight board: run the analysis, read the evidence, decide with plain form posts, open the crosstab."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from analysis import services_insights
from analysis.models import AnalysisRun, Insight, ValidationPlan
from surveys import services as survey_services
from tests.analysis.insights_world import add_responses, create_insight_survey, synthetic_answers
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
YOUNG = "segment:aspects.delivery_speed:mean:age_band:0"


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def survey(owner):
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=owner)
    survey = create_insight_survey(workspace, owner)
    add_responses(survey, synthetic_answers(400, seed=1, planted=True))
    return survey


def _client(user, language: str = "en") -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    return client


def _url(name: str, **kwargs) -> str:
    return reverse(f"frontend:{name}", kwargs=kwargs)


def test_run_button_analyses_and_the_board_shows_cards_with_evidence(survey, owner, django_capture_on_commit_callbacks):
    client = _client(owner)
    board = client.get(_url("survey-insights", slug=survey.slug))
    assert board.status_code == 200
    assert "The answers have not been analysed yet." in board.content.decode()
    assert (
        _url("survey-insights", slug=survey.slug)
        in client.get(_url("survey-results", slug=survey.slug)).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("survey-insights-run-create", slug=survey.slug), {"weighted": "on"})
    assert response.status_code == 302
    run = AnalysisRun.objects.get()
    assert run.status == "succeeded"
    html = client.get(_url("survey-insights", slug=survey.slug)).content.decode()
    insight = Insight.objects.get(fingerprint=YOUNG)
    assert f'id="insight-{insight.id}"' in html
    assert (
        "Respondents with age “18–24” rate “Delivery speed” lower than the other groups: 2.7 vs 3.6 out of 5." in html
    )
    assert "Welch" in html and "q (Benjamini–Hochberg)" in html and "family of" in html
    assert f'data-chart="insight-chart-{insight.id}"' in html  # the Plotly chart over the same figures
    assert "criterion-yes" in html and "Validated" in html
    assert "theme concentrations were skipped" in html
    assert _url("survey-insight-crosstab", slug=survey.slug, insight_id=insight.id) in html
    vietnamese = _client(owner, "vi").get(_url("survey-insights", slug=survey.slug)).content.decode()
    assert "2,7 so với 3,6 trên 5" in vietnamese


def test_htmx_run_returns_a_polling_fragment_that_reloads_when_done(survey, owner):
    client = _client(owner)
    run = services_insights.create_analysis_run(survey=survey, created_by=owner)
    fragment = client.get(_url("survey-insights-run", slug=survey.slug, run_id=run.id) + "?poll=1", **HTMX)
    assert "every 1s" in fragment.content.decode() and "HX-Refresh" not in fragment
    services_insights.run_analysis(run_id=run.id)
    done = client.get(_url("survey-insights-run", slug=survey.slug, run_id=run.id) + "?poll=1", **HTMX)
    assert done["HX-Refresh"] == "true"
    refused = client.post(_url("survey-insights-run-create", slug=survey.slug), **HTMX)
    assert refused.status_code == 200  # the previous run finished: a new one may start


@pytest.fixture
def analysed(survey, owner):
    services_insights.analyze_survey(survey=survey, created_by=owner)
    return Insight.objects.get(fingerprint=YOUNG)


def test_accept_plan_and_confirm_with_form_posts(survey, owner, analysed):
    client = _client(owner)
    transition = _url("survey-insight-transition", slug=survey.slug, insight_id=analysed.id)
    response = client.post(transition, {"status": "accepted"})
    assert response.status_code == 302 and response["Location"].endswith(f"#insight-{analysed.id}")
    html = client.get(_url("survey-insights", slug=survey.slug)).content.decode()
    planned = services_insights.planned_sizes(analysed)["n_per_group"]
    assert f"the planner suggests {planned} answers per group" in html
    client.post(transition, {"status": "validating", "plan_kind": "ab_test", "power": "0.9", "plan_notes": "Zalo"})
    plan = ValidationPlan.objects.get(insight=analysed)
    assert plan.parameters["power"] == 0.9 and plan.n_per_group > planned
    client.post(transition, {"status": "refuted", "reason": "No difference in the A/B test"})
    analysed.refresh_from_db()
    assert analysed.status == "refuted" and analysed.reason == "No difference in the A/B test"
    html = client.get(_url("survey-insights", slug=survey.slug), {"status": "refuted"}).content.decode()
    assert "No difference in the A/B test" in html and f"{plan.n_per_group} answers per group" in html


def test_rejecting_without_a_reason_shows_the_error_and_changes_nothing(survey, owner, analysed):
    client = _client(owner)
    transition = _url("survey-insight-transition", slug=survey.slug, insight_id=analysed.id)
    response = client.post(transition, {"status": "rejected", "reason": ""}, follow=True)
    assert "Say why the insight is rejected." in response.content.decode()
    analysed.refresh_from_db()
    assert analysed.status == "candidate" and not analysed.events.filter(event="transition").exists()


def test_tracking_form_saves_the_record(survey, owner, analysed):
    client = _client(owner)
    tracking = _url("survey-insight-tracking", slug=survey.slug, insight_id=analysed.id)
    client.post(
        tracking, {"metric": "Delivery rating", "action": "Express", "expected_result": "+0.5", "impact": "high"}
    )
    analysed.refresh_from_db()
    assert (analysed.metric, analysed.action, analysed.impact) == ("Delivery rating", "Express", "high")
    response = client.post(tracking, {"effort": "gigantic"}, follow=True)
    assert "Choose low, medium or high." in response.content.decode()


def test_filters_narrow_the_cards_and_a_bad_filter_is_explained(survey, owner, analysed):
    client = _client(owner)
    html = client.get(_url("survey-insights", slug=survey.slug), {"kind": "kpi_driver"}).content.decode()
    assert f'id="insight-{analysed.id}"' not in html and "is the strongest driver of" in html
    html = client.get(
        _url("survey-insights", slug=survey.slug), {"question": "aspects.delivery_speed"}
    ).content.decode()
    assert f'id="insight-{analysed.id}"' in html
    bad = client.get(_url("survey-insights", slug=survey.slug), {"status": "maybe"})
    assert bad.status_code == 400 and "Unknown status." in bad.content.decode()


def test_crosstab_page_marks_the_significant_group(survey, owner, analysed):
    client = _client(owner)
    page = client.get(_url("survey-insight-crosstab", slug=survey.slug, insight_id=analysed.id))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Delivery speed × age" in html and "▼" in html and "Welch" in html
    fragment = client.get(_url("survey-insight-crosstab", slug=survey.slug, insight_id=analysed.id), **HTMX)
    assert "<html" not in fragment.content.decode() and "crosstab-table" in fragment.content.decode()


def test_viewers_read_the_board_without_actions_and_strangers_get_not_found(survey, analysed):
    viewer = UserFactory()
    MembershipFactory(workspace=survey.workspace, user=viewer, role="viewer")
    client = _client(viewer)
    html = client.get(_url("survey-insights", slug=survey.slug)).content.decode()
    assert f'id="insight-{analysed.id}"' in html and "Run analysis" not in html and ">Accept<" not in html
    transition = _url("survey-insight-transition", slug=survey.slug, insight_id=analysed.id)
    assert client.post(transition, {"status": "accepted"}).status_code == 403
    assert client.post(_url("survey-insights-run-create", slug=survey.slug)).status_code == 403
    stranger = _client(UserFactory())
    assert stranger.get(_url("survey-insights", slug=survey.slug)).status_code == 404
    anonymous = Client().get(_url("survey-insights", slug=survey.slug))
    assert anonymous.status_code == 302
