"""The representativeness page in a real browser, on the demo data: charts, flags, a weighting run."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from analysis.models import WeightingRun
from surveys.demo import DEMO_EMAIL
from surveys.models import Survey
from tests.factories import UserFactory
from tests.frontend.test_planner_browser import browser_page, sign_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


def test_the_page_draws_bars_flags_groups_and_runs_weighting(live_server, browser_page, settings):  # noqa: F811
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())  # committed: the first weighting runs in-process
    survey = Survey.objects.get()
    user = UserFactory(email=DEMO_EMAIL)
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server, user)
    page.goto(live_server.url + reverse("frontend:representativeness", kwargs={"slug": survey.slug}))

    page.wait_for_selector('.rep-chart[data-variable="area"] .main-svg')
    assert page.locator(".rep-chart .main-svg").count() >= 3  # sex, area, region
    area = page.locator("#variable-area")
    assert "Over-represented" in area.inner_text()  # urban
    assert "After weighting" in area.inner_text()
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "representativeness-1-demo.png"), full_page=True)

    page.fill("#upper-bound", "1.2")  # too tight: the census margins become unreachable
    page.click("#weighting button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#weighting-run .alert-error').length > 0")
    assert "unreachable" in page.locator("#weighting-run").inner_text()
    page.locator("#weighting").screenshot(path=str(SCREENS / "representativeness-2-bounds-too-tight.png"))
    assert WeightingRun.objects.filter(status="failed").count() == 1
    assert WeightingRun.objects.filter(status="succeeded").count() == 1  # the earlier weights stay active

    page.goto(live_server.url + reverse("frontend:target-sets", kwargs={"slug": survey.workspace.slug}))
    assert "22,543,607" in page.locator(f"#target-set-{survey.target_mapping.target_set_id}").inner_text()
    page.screenshot(path=str(SCREENS / "representativeness-3-target-sets.png"), full_page=True)
