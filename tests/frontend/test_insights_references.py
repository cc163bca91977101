"""The previous-wave and benchmark page, and the impact / effort reasoning on the insight cards."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from analysis import services_insights
from analysis.models import Benchmark, Insight, PreviousWave
from surveys import services as survey_services
from tests.analysis.insights_world import add_responses, create_insight_survey, synthetic_answers
from tests.factories import MembershipFactory, UserFactory

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


def test_the_analyst_enters_a_benchmark_and_links_the_previous_wave(survey, workspace, owner):
    client = _client(owner)
    page = client.get(_url("survey-insight-references", slug=survey.slug))
    html = page.content.decode()
    assert page.status_code == 200 and "No benchmark entered." in html and "No previous wave linked." in html
    assert (
        _url("survey-insight-references", slug=survey.slug)
        in client.get(_url("survey-insights", slug=survey.slug)).content.decode()
    )
    response = client.post(
        _url("survey-insight-benchmark-create", slug=survey.slug),
        {"target": "channels.web|", "value": "42,5", "segment": "age_band|18-24", "source": "Ngành 2025"},
    )
    assert response.status_code == 302
    benchmark = Benchmark.objects.get()
    assert benchmark.value == pytest.approx(0.425) and benchmark.segment_option == "18-24"
    html = client.get(_url("survey-insight-references", slug=survey.slug)).content.decode()
    assert "Ngành 2025" in html and "42.5%" in html
    bad = client.post(
        _url("survey-insight-benchmark-create", slug=survey.slug),
        {"target": "channels.web|", "value": "300"},
        follow=True,
    )
    assert "Give a value from 0 to 100." in bad.content.decode() and Benchmark.objects.count() == 1
    earlier = create_insight_survey(workspace, owner)
    client.post(_url("survey-insight-previous-wave", slug=survey.slug), {"previous": earlier.slug})
    assert PreviousWave.objects.get(survey=survey).previous == earlier
    html = client.get(_url("survey-insight-references", slug=survey.slug)).content.decode()
    assert "Compared with:" in html
    client.post(_url("survey-insight-benchmark-delete", slug=survey.slug, benchmark_id=benchmark.id))
    assert not Benchmark.objects.exists()
    client.post(_url("survey-insight-previous-wave", slug=survey.slug), {"previous": ""})
    assert not PreviousWave.objects.exists()


def test_a_viewer_sees_the_page_but_cannot_change_it(survey, workspace):
    viewer = UserFactory()
    MembershipFactory(workspace=workspace, user=viewer, role="viewer")
    client = _client(viewer)
    page = client.get(_url("survey-insight-references", slug=survey.slug))
    assert page.status_code == 200 and "Save benchmark" not in page.content.decode()
    response = client.post(
        _url("survey-insight-benchmark-create", slug=survey.slug), {"target": "channels.web|", "value": "40"}
    )
    assert response.status_code == 403 and not Benchmark.objects.exists()


def test_cards_explain_impact_and_effort_in_both_languages(survey, owner):
    services_insights.analyze_survey(survey=survey, created_by=owner)
    insight = Insight.objects.get(fingerprint=YOUNG)
    html = _client(owner).get(_url("survey-insights", slug=survey.slug)).content.decode()
    assert "of respondents × effect" in html and "Rule: an action for one group" in html
    html_vi = _client(owner, "vi").get(_url("survey-insights", slug=survey.slug)).content.decode()
    assert "của người trả lời × hiệu ứng" in html_vi
    services_insights.update_tracking(insight=insight, actor=owner, impact="low" if insight.impact != "low" else "high")
    html = _client(owner).get(_url("survey-insights", slug=survey.slug)).content.decode()
    assert "Set by the analyst; the estimate was" in html
