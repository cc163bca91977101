"""The builder's planner panel in a real browser: figures follow the typing, Save stores the targets."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from surveys import services
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser_page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )


def test_the_figures_follow_the_typing_and_save_stores_the_targets(live_server, browser_page):
    researcher = UserFactory()
    workspace = services.create_workspace(name="Quán", owner=researcher)
    survey = services.create_survey(workspace=workspace, created_by=researcher, title={"vi": "Khảo sát"})
    page = browser_page
    sign_in(page, live_server, researcher)
    page.goto(live_server.url + reverse("frontend:survey-builder", kwargs={"slug": survey.slug}))

    page.locator("#id_plan_population").press_sequentially("1000", delay=5)
    page.locator("#id_plan_margin").press_sequentially("5", delay=5)
    page.locator("#id_plan_response_rate").press_sequentially("20", delay=5)
    page.wait_for_function("document.querySelector('#planner-result').textContent.includes('1,390')")
    figures = page.locator("#planner-result .planner-figure-value").all_inner_texts()
    assert figures == ["278", "1,390"]  # Krejcie & Morgan: 278; 278 / 0.2 = 1390 invitations
    survey.refresh_from_db()
    assert survey.target_margin_of_error is None  # typing alone saves nothing

    page.locator("#planner").get_by_role("button", name="Save targets").click()
    page.wait_for_selector("#planner .saved")
    page.locator("#planner").screenshot(path="/tmp/planner_panel.png")
    survey.refresh_from_db()
    assert (survey.target_population, survey.target_margin_of_error, survey.target_sample_size) == (1000, 0.05, 278)


def test_the_calculators_answer_as_the_analyst_types(live_server, browser_page):
    analyst = UserFactory()
    page = browser_page
    sign_in(page, live_server, analyst)
    page.goto(live_server.url + reverse("frontend:planner"))
    section = page.locator("#calc-segment-margins")
    section.locator("textarea").fill("Hà Nội: 400\nHuế: 12")
    section.locator("textarea").press("End")
    section.locator("textarea").press_sequentially("\nĐà Nẵng: 45", delay=5)
    page.wait_for_function("document.querySelector('#result-segment-margins').textContent.includes('Đà Nẵng')")
    assert section.locator(".precision-flag").count() == 1
    page.screenshot(path="/tmp/planner_calculators.png", full_page=True)
