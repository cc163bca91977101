"""The open-answers page in a real browser, on the demo data: theme bars, drill-down, an htmx edit."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from analysis.models import OpenTextCodebook
from surveys.demo import DEMO_EMAIL
from surveys.models import Survey
from tests.factories import UserFactory
from tests.frontend.test_planner_browser import browser_page, sign_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


def test_the_page_draws_theme_bars_and_renames_a_theme_with_htmx(live_server, browser_page, settings):  # noqa: F811
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())  # committed: the open-answer analysis runs in-process
    survey = Survey.objects.get()
    user = UserFactory(email=DEMO_EMAIL)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, user)
    page.goto(live_server.url + reverse("frontend:open-answers", kwargs={"slug": survey.slug}))
    page.wait_for_selector("#open-text-chart .main-svg")
    assert page.locator(".theme-card").count() >= 4  # themes and "Other"
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "open-answers-1-demo.png"))

    theme_id = OpenTextCodebook.objects.get(survey=survey).data["themes"][0]["id"]
    card = page.locator(f"#theme-{theme_id}")
    card.locator("summary").click()
    card.locator(f"#rename-{theme_id}").fill("Giao hàng về tỉnh")
    card.locator("button", has_text="Rename").click()
    page.wait_for_function(
        f"document.querySelector('#theme-{theme_id}-label') && "
        f"document.querySelector('#theme-{theme_id}-label').textContent.includes('Giao hàng về tỉnh')"
    )
    page.wait_for_selector("#open-text-chart .main-svg")  # the chart is drawn again after the swap
    href = page.locator(f"#theme-{theme_id}").get_by_role("link", name="See its answers").get_attribute("href")
    page.goto(page.url.split("?")[0] + href)
    page.wait_for_selector(".open-answers tbody tr")
    page.locator("#answers").screenshot(path=str(SCREENS / "open-answers-2-drill-down.png"))
    page.locator("#segments").screenshot(path=str(SCREENS / "open-answers-3-segments.png"))
