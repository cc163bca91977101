"""The insight board on the demo survey in a real browser: run the analysis, cards with charts, a decision.

Screenshots land in artifacts/screens/ (git-ignored) for a person to look at.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from analysis.models import Insight
from surveys.demo import DEMO_EMAIL
from surveys.models import Survey
from tests.frontend.test_dashboard_browser import browser_page, sign_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


def test_demo_board_runs_the_analysis_and_shows_the_planted_finding(live_server, browser_page, settings):  # noqa: F811
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    survey = Survey.objects.get()
    user = get_user_model().objects.get(username=DEMO_EMAIL)
    page = browser_page
    sign_in(page, live_server, user)
    page.goto(live_server.url + reverse("frontend:survey-insights", kwargs={"slug": survey.slug}))
    page.get_by_role("button", name="Run analysis").click()
    page.wait_for_selector(".insight-card .insight-chart .main-svg", timeout=30_000)  # htmx reloads when done
    young = Insight.objects.get(survey=survey, fingerprint="segment:aspects.delivery_speed:mean:age_band:0")
    card = page.locator(f"#insight-{young.id}")
    assert "rate “Delivery speed” lower than the other groups" in card.inner_text()
    page.screenshot(path=str(SCREENS / "insights-1-board.png"), full_page=False)
    card.screenshot(path=str(SCREENS / "insights-2-card.png"))

    card.get_by_role("button", name="Accept").click()
    page.wait_for_selector(f"#insight-{young.id} .insight-status-accepted")
    card = page.locator(f"#insight-{young.id}")
    card.locator("summary", has_text="Plan a validation").click()
    card.screenshot(path=str(SCREENS / "insights-3-plan.png"))
    card.get_by_role("link", name="Crosstab").click()
    page.wait_for_selector(".crosstab-table")
    assert "▼" in page.locator(".crosstab-table").first.inner_text()
    page.screenshot(path=str(SCREENS / "insights-4-crosstab.png"), full_page=True)
