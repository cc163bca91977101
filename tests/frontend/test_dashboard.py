"""The results dashboard page: cards, filters with and without htmx, permissions, escaping."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from analysis.models import ResponseWeight, WeightingRun
from surveys import services as survey_services
from surveys.core.roles import Role
from tests.analysis.results_world import build_results_world
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world():
    world = build_results_world()
    world.submit({"gender": "female", "nps": 10, "channels": ["web", "other"], "channels.other": "Zalo"})
    world.submit({"gender": "male", "nps": 3, "reason": "Chậm"}, collector=world.shop, on=dt.date(2026, 4, 2))
    world.submit({"gender": "female", "nps": 8, "satisfaction": 5})
    return world


@pytest.fixture
def client_of(english_client):
    def sign_in(user):
        english_client.force_login(user)
        return english_client

    return sign_in


def url(world, **query):
    base = reverse("frontend:survey-results", kwargs={"slug": world.survey.slug})
    if not query:
        return base
    return base + "?" + "&".join(f"{key}={value}" for key, value in query.items())


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_page_shows_a_card_per_question_with_counts_and_margins(world, client_of):
    response = client_of(world.owner).get(url(world))
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("gender", "channels", "satisfaction", "nps", "aspects", "priorities", "comment"):
        assert f'id="result-{key}"' in html
    text = _text(html)
    assert "3 responses match these filters." in text
    # gender: 2 of 3 female = 66.7 %, with its margin 1.96·sqrt(2/9/3) = 53.3 %
    assert re.search(r"Pick female 2 66\.7% ±53\.3%", text)
    # NPS: one promoter (10), one passive (8), one detractor (3) → score 0
    assert "Promoters (9–10) 1 33.3%" in text
    assert 'data-chart="chart-data-nps"' in html
    assert 'id="chart-data-nps" type="application/json"' in html
    assert reverse("frontend:plotly-js") in html
    assert "Zalo" in text  # the "other" text of the channels question


def test_the_survey_head_links_to_the_results(world, client_of):
    builder = client_of(world.owner).get(reverse("frontend:survey-builder", kwargs={"slug": world.survey.slug}))
    assert url(world) in builder.content.decode()


def test_filters_apply_without_javascript(world, client_of):
    client = client_of(world.owner)
    by_collector = client.get(url(world, collector=world.shop.id))
    assert by_collector.status_code == 200
    assert "1 response matches these filters." in _text(by_collector.content.decode())
    by_segment = client.get(url(world, segment="gender:female"))
    assert "2 responses match these filters." in _text(by_segment.content.decode())
    by_date = client.get(url(world, date_from="2026-04-01", date_to="2026-04-30"))
    assert "1 response matches these filters." in _text(by_date.content.decode())
    # The form keeps what was chosen, so the page can be bookmarked and shared.
    assert 'value="gender:female" selected' in by_segment.content.decode()


def test_htmx_gets_only_the_results(world, client_of):
    response = client_of(world.owner).get(url(world, collector=world.shop.id), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "results-filters" not in html
    assert "1 response matches these filters." in _text(html)


def test_partial_responses_only_when_asked(world, client_of):
    world.partial({"gender": "male"})
    client = client_of(world.owner)
    assert "3 responses match" in _text(client.get(url(world)).content.decode())
    assert "4 responses match" in _text(client.get(url(world, include_partial="on")).content.decode())


def test_bad_filters_are_refused_with_the_reason(world, client_of):
    client = client_of(world.owner)
    backwards = client.get(url(world, date_from="2026-05-01", date_to="2026-04-01"))
    assert backwards.status_code == 400
    assert "The end date is before the start date." in backwards.content.decode()
    unknown = client.get(url(world, segment="gender:robot"))
    assert unknown.status_code == 400
    assert "result-gender" not in unknown.content.decode()
    htmx = client.get(url(world, segment="nps:9"), **HTMX)
    assert htmx.status_code == 400
    assert 'role="alert"' in htmx.content.decode()


def test_breakdown_marks_small_segments(world, client_of):
    html = client_of(world.owner).get(url(world, breakdown="gender")).content.decode()
    assert "By “Câu gender?”" in html or "By “Question gender?”" in html
    assert "too few answers" in html
    assert "precision-low" in html


def test_hostile_answer_text_is_escaped(world, client_of):
    world.submit({"channels": ["other"], "channels.other": "<script>alert('x')</script>"})
    html = client_of(world.owner).get(url(world)).content.decode()
    assert "<script>alert('x')</script>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_viewers_see_results_outsiders_do_not(world, client_of):
    viewer = UserFactory()
    MembershipFactory(workspace=world.survey.workspace, user=viewer, role=Role.VIEWER)
    assert client_of(viewer).get(url(world)).status_code == 200
    assert client_of(UserFactory()).get(url(world)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world, english_client):
    response = english_client.get(url(world))
    assert response.status_code == 302
    assert reverse("frontend:login") in response["Location"]


def test_weighted_switch_appears_with_weights_and_changes_the_figures(world, client_of):
    client = client_of(world.owner)
    assert 'name="weighted"' not in client.get(url(world)).content.decode()
    run = WeightingRun.objects.create(
        survey=world.survey, status=WeightingRun.Status.SUCCEEDED, finished_at=timezone.now()
    )
    responses = list(world.survey.responses.order_by("id"))
    for response, weight in zip(responses, [1.0, 1.0, 4.0], strict=True):
        ResponseWeight.objects.create(run=run, response=response, weight=weight)
    page = client.get(url(world)).content.decode()
    assert 'name="weighted"' in page
    weighted = _text(client.get(url(world, weighted="1")).content.decode())
    assert "Weighted results." in weighted
    # female weights 1 + 4 of 6 → 83.3 %
    assert re.search(r"Pick female 2 \(5[.,]0\) 83\.3%", weighted)


def test_hostile_labels_are_escaped_in_tables_and_chart_data(world, client_of):
    hostile = "</script><img src=x onerror=alert(1)>"
    choice = world.survey.questions.get(key="gender").choices.get(value="female")
    survey_services.update_choice(choice=choice, label={"vi": hostile, "en": hostile})
    survey_services.publish_survey(
        survey=world.survey, published_by=world.owner, override_reason="test", confirm_warnings=True
    )
    html = client_of(world.owner).get(url(world)).content.decode()
    assert hostile not in html
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # the table cell
    assert "\\u003C/script\\u003E\\u003Cimg src=x onerror=alert(1)\\u003E" in html  # the chart's JSON
