"""The open-answers page: themes, drill-down, edits with and without htmx, overrides, segments, XSS."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from analysis import services_open_text as services
from analysis.models import AnswerAnalysis, OpenTextCodebook, OpenTextRun, SentimentOverride
from surveys.core.roles import Role
from tests.analysis.open_text_world import build_open_text_world, synthetic_answers
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
XSS = '<script>alert("x")</script> giao hàng chậm quá'


@pytest.fixture
def world():
    world = build_open_text_world()
    world.add([{"area": "rural", "nps": 2, "improve": XSS}, *synthetic_answers(120)])  # first: page 1
    return world


def _client(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def _page(world) -> str:
    return reverse("frontend:open-answers", kwargs={"slug": world.survey.slug})


def _analyse(world) -> None:
    services.analyse_question(survey=world.survey, question_key="improve", mode="discover")


def _first_theme(world) -> dict:
    return OpenTextCodebook.objects.get(survey=world.survey).data["themes"][0]


def test_page_before_any_run_offers_the_run_button(world):
    response = _client(world.owner).get(_page(world))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Run analysis" in html and "improve" in html
    assert "open-text-chart-data" not in html  # no themes yet


def test_run_from_the_page_without_js_and_with_htmx(world, django_capture_on_commit_callbacks):
    client = _client(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("frontend:open-answers-run", kwargs={"slug": world.survey.slug}), {"q": "improve"}
        )
    assert response.status_code == 302 and "q=improve" in response["Location"]
    run = OpenTextRun.objects.get(survey=world.survey)
    assert run.status == "succeeded"
    status_url = reverse("frontend:open-answers-run-status", kwargs={"slug": world.survey.slug, "run_id": run.id})
    polled = client.get(status_url + "?poll=1", **HTMX)
    assert polled.status_code == 200 and polled["HX-Refresh"] == "true"
    busy = OpenTextRun.objects.create(survey=world.survey, question_key="improve", status="running")
    refused = client.post(
        reverse("frontend:open-answers-run", kwargs={"slug": world.survey.slug}), {"q": "improve"}, **HTMX
    )
    assert refused.status_code == 400 and b"already in progress" in refused.content
    polling = client.get(
        reverse("frontend:open-answers-run-status", kwargs={"slug": world.survey.slug, "run_id": busy.id}), **HTMX
    )
    assert b'hx-trigger="every 1s"' in polling.content


def test_themes_quotes_chart_and_escaped_answers(world):
    _analyse(world)
    response = _client(world.owner).get(_page(world), {"q": "improve"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "open-text-chart-data" in html
    assert reverse("frontend:plotly-js") in html
    theme = _first_theme(world)
    assert f'id="theme-{theme["id"]}"' in html and "<q>" in html
    # drill-down to the theme of the hostile answer: shown escaped, never as markup
    xss = AnswerAnalysis.objects.get(survey=world.survey, text=XSS)
    drill = _client(world.owner).get(_page(world), {"q": "improve", "theme": xss.themes[0]}).content.decode()
    assert '<script>alert("x")</script>' not in drill
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in drill
    assert "Themes by segment" in drill and "family of" in drill


def test_answers_are_paginated_and_filtered(world):
    _analyse(world)
    client = _client(world.owner)
    first = client.get(_page(world), {"q": "improve"}).content.decode()
    assert "Page 1 of" in first
    negative = client.get(_page(world), {"q": "improve", "sentiment": "negative"}).content.decode()
    assert "sentiment-badge sentiment-positive" not in negative


def test_edits_without_js_and_with_htmx(world):
    _analyse(world)
    client = _client(world.owner)
    edit_url = reverse("frontend:open-answers-edit", kwargs={"slug": world.survey.slug})
    theme = _first_theme(world)
    response = client.post(edit_url, {"q": "improve", "op": "rename", "theme": theme["id"], "label": "Giao hàng"})
    assert response.status_code == 302
    assert _first_theme(world)["label"] == "Giao hàng"
    followed = client.post(
        edit_url, {"q": "improve", "op": "add_rule", "theme": theme["id"], "rule": "shipper"}, follow=True, **HTMX
    )
    assert followed.status_code == 200 and b"keyword rule is added" in followed.content
    assert "shipper" in _first_theme(world)["rules"]
    bad = client.post(edit_url, {"q": "improve", "op": "rename", "theme": theme["id"], "label": ""}, follow=True)
    assert b"A theme needs a name" in bad.content and _first_theme(world)["label"] == "Giao hàng"
    client.post(edit_url, {"q": "improve", "op": "pin", "theme": theme["id"], "text": "giao hàng chậm"})
    assert "giao hàng chậm" in _first_theme(world)["pinned"]
    client.post(edit_url, {"q": "improve", "op": "add", "label": "Ứng dụng", "rules": "app, ung dung"})
    labels = [t["label"] for t in OpenTextCodebook.objects.get(survey=world.survey).data["themes"]]
    assert "Ứng dụng" in labels


def test_sentiment_override_from_the_page(world):
    _analyse(world)
    answer = AnswerAnalysis.objects.filter(survey=world.survey, sentiment="negative").first()
    url = reverse(
        "frontend:open-answers-sentiment", kwargs={"slug": world.survey.slug, "response_id": answer.response_id}
    )
    client = _client(world.owner)
    assert client.post(url, {"q": "improve", "sentiment": "positive"}).status_code == 302
    assert SentimentOverride.objects.get(response_id=answer.response_id).label == "positive"
    client.post(url, {"q": "improve", "sentiment": ""})
    assert not SentimentOverride.objects.filter(response_id=answer.response_id).exists()


def test_viewer_reads_without_edit_tools_and_cannot_post(world):
    _analyse(world)
    viewer = UserFactory()
    MembershipFactory(workspace=world.survey.workspace, user=viewer, role=Role.VIEWER)
    client = _client(viewer)
    html = client.get(_page(world), {"q": "improve"}).content.decode()
    assert "Edit this theme" not in html and "Run analysis" not in html
    edit_url = reverse("frontend:open-answers-edit", kwargs={"slug": world.survey.slug})
    assert client.post(edit_url, {"q": "improve", "op": "delete", "theme": "T1"}).status_code == 403
    assert _client(UserFactory()).get(_page(world)).status_code == 404


def test_survey_head_links_the_page(world):
    html = _client(world.owner).get(reverse("frontend:survey-results", kwargs={"slug": world.survey.slug})).content
    assert _page(world).encode() in html


def test_seed_demo_gives_the_demo_page_themes(settings, django_capture_on_commit_callbacks):
    import io
    import time

    from django.core.management import call_command

    from surveys.models import Survey

    settings.DEBUG = True
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    elapsed = time.monotonic() - started
    survey = Survey.objects.get(slug__isnull=False, open_text_runs__question_key="improvement")
    run = OpenTextRun.objects.get(survey=survey)
    assert run.status == "succeeded", run.error_message
    question = services.get_open_question(survey=survey, question_key="improvement")
    overview = services.get_theme_overview(survey=survey, question=question)
    themes = [t for t in overview.themes if not t.is_other]
    assert len(themes) >= 3 and all(len(t.quotes) == 3 for t in themes[:3])
    texts = set(AnswerAnalysis.objects.filter(survey=survey).values_list("text", flat=True))
    assert len(texts) >= 40  # varied answers, not six canned ones
    assert any("ko " in t or "dc" in t for t in texts)  # teen code
    assert overview.sentiment.get("negative", 0) and overview.sentiment.get("positive", 0)
    assert elapsed < 60
    html = _client(survey.workspace.memberships.first().user).get(
        reverse("frontend:open-answers", kwargs={"slug": survey.slug})
    )
    assert html.status_code == 200 and b"theme-card" in html.content
