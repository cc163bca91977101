"""A respondent in a real browser: Debian's Chromium driven by Playwright against the live server.

Screenshots land in artifacts/screens/ (git-ignored) for a person to look at.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from responses import services
from responses.models import Collector, Response
from surveys import services as survey_services
from tests.factories import UserFactory
from tests.responses.specs import build_spec

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
PHONE = "Pixel 7"


@pytest.fixture(scope="module")
def chromium() -> Iterator[tuple[Browser, dict]]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser, playwright.devices[PHONE]
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def phone(chromium, *, javascript: bool = True) -> BrowserContext:
    browser, device = chromium
    return browser.new_context(**device, locale="vi-VN", java_script_enabled=javascript)


@pytest.fixture
def collector() -> Collector:
    researcher = UserFactory()
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=researcher)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=researcher)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="test", confirm_warnings=True
    )
    survey.refresh_from_db()
    return services.create_collector(survey=survey, created_by=researcher)


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"respond-{name}.png"), full_page=True)


def answer_first_page(page: Page) -> None:
    page.check('input[name="a-gender"][value="female"]')
    page.check('input[name="a-age_band"][value="18-24"]')
    page.check('input[name="a-channels"][value="web"]')
    page.check('input[name="a-channels"][value="app"]')


def answer_last_page(page: Page) -> None:
    page.check('input[name="a-aspects.speed"][value="good"]')
    page.check('input[name="a-aspects.price"][value="n/a"]')
    page.select_option('select[name="a-priorities.service"]', "1")
    page.select_option('select[name="a-priorities.price"]', "2")
    page.select_option('select[name="a-priorities.speed"]', "3")


def next_button(page: Page):
    return page.locator("button[data-primary]")


def test_a_phone_respondent_completes_the_survey_in_vietnamese_with_logic(chromium, live_server, collector):
    context = phone(chromium)
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{collector.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_text("Câu age_band?")).to_be_visible()
    assert page.viewport_size["width"] < 500
    # Nothing scrolls sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "1-first-page-phone-vi")
    next_button(page).click()
    expect(page.locator("#error-summary")).to_be_focused()
    shot(page, "2-errors-phone-vi")
    answer_first_page(page)
    next_button(page).click()
    expect(page.get_by_text("Câu satisfaction?")).to_be_visible()
    reason = page.locator("#rq-reason")
    expect(reason).to_be_hidden()
    # Each question is a named group (fieldset and legend); a scale point is labelled by its number.
    page.get_by_role("group", name=re.compile("Câu satisfaction")).get_by_label("4", exact=True).check()
    page.check('input[name="a-nps"][value="3"]')
    expect(reason).to_be_visible()  # JavaScript mirrors the display logic at once
    page.fill('textarea[name="a-reason"]', "Giao hàng chậm")
    shot(page, "3-logic-revealed-phone-vi")
    next_button(page).click()
    expect(page.get_by_text("Câu app_hours?")).to_be_visible()  # shown because "app" was chosen
    page.fill('input[name="a-app_hours"]', "3")
    next_button(page).click()
    answer_last_page(page)
    expect(next_button(page)).to_have_text(re.compile("Gửi|Submit"))
    shot(page, "4-last-page-phone-vi")
    next_button(page).click()
    expect(page.locator("h1")).to_have_text(re.compile("Cảm ơn|Thank you"))
    shot(page, "5-thanks-phone-vi")
    context.close()
    response = Response.objects.get()
    assert response.status in (Response.Status.COMPLETE, Response.Status.FLAGGED)
    assert response.answers["reason"] == "Giao hàng chậm" and response.answers["app_hours"] == 3
    assert response.language == "vi"


def test_a_partial_response_resumes_on_another_device(chromium, live_server, collector):
    context = phone(chromium)
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{collector.slug}/?lang=en")
    answer_first_page(page)
    next_button(page).click()
    page.check('input[name="a-satisfaction"][value="5"]')
    page.locator('button[value="stay"]').click()
    link = page.locator("a.resume-link").first.inner_text()
    shot(page, "6-saved-resume-link")
    context.close()
    other = phone(chromium)
    page = other.new_page()
    page.goto(link)
    expect(page.get_by_text("Page 2 of 4")).to_be_visible()
    expect(page.locator('input[name="a-satisfaction"][value="5"]')).to_be_checked()
    page.check('input[name="a-nps"][value="10"]')
    next_button(page).click()
    page.fill('input[name="a-app_hours"]', "1")
    next_button(page).click()
    answer_last_page(page)
    next_button(page).click()
    expect(page.locator("h1")).to_have_text("Thank you!")
    other.close()
    assert Response.objects.get().answers["satisfaction"] == 5


def test_double_submit_and_back_button_store_one_response(chromium, live_server, collector):
    context = phone(chromium, javascript=False)  # no script to swallow the second click
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{collector.slug}/?lang=en")
    answer_first_page(page)
    next_button(page).click()
    page.check('input[name="a-satisfaction"][value="4"]')
    page.check('input[name="a-nps"][value="9"]')
    next_button(page).click()
    next_button(page).click()
    answer_last_page(page)
    next_button(page).dblclick()
    expect(page.locator("h1")).to_have_text("Thank you!")
    page.go_back()
    expect(page.locator("h1")).to_have_text("Thank you!")  # never a form again: pages are not cached
    shot(page, "7-after-double-submit-and-back")
    context.close()
    assert Response.objects.count() == 1
    assert Response.objects.get().status != Response.Status.PARTIAL


def test_a_closed_link_says_so(chromium, live_server, collector):
    services.update_collector(collector=collector, is_active=False)
    context = phone(chromium)
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{collector.slug}/?lang=en")
    expect(page.locator("h1")).to_have_text("This survey is closed")
    expect(page.locator("form")).to_have_count(0)
    shot(page, "8-closed-link")
    context.close()


def test_the_whole_form_works_with_javascript_disabled(chromium, live_server, collector):
    context = phone(chromium, javascript=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{collector.slug}/")
    page.get_by_label("Chọn female").check()  # labels are the Vietnamese texts by default
    page.get_by_label("Chọn 18-24").check()
    page.get_by_label("Chọn none").check()
    next_button(page).click()
    page.check('input[name="a-satisfaction"][value="n/a"]')
    page.check('input[name="a-nps"][value="2"]')
    next_button(page).click()
    # Without JavaScript the server shows the follow-up the low score brought up.
    expect(page.locator("#rq-reason")).to_be_visible()
    expect(page.locator(".notice")).to_be_visible()
    shot(page, "9-no-js-follow-up")
    page.fill('textarea[name="a-reason"]', "Không dùng")
    next_button(page).click()
    # The "app" page is skipped: the respondent chose none of the channels.
    expect(page.get_by_text("Câu aspects?")).to_be_visible()
    answer_last_page(page)
    next_button(page).click()
    expect(page.locator("h1")).to_have_text(re.compile("Cảm ơn|Thank you"))
    context.close()
    answers = Response.objects.get().answers
    assert answers["channels"] == ["none"] and answers["satisfaction"] == "n/a" and "app_hours" not in answers


def test_a_researcher_creates_the_link_in_the_builder_and_it_opens(chromium, live_server, collector):
    from django.conf import settings
    from django.test import Client

    survey = collector.survey
    collector.delete()
    owner = survey.workspace.memberships.get().user
    client = Client()
    client.force_login(owner)
    browser, _device = chromium
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
            {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/surveys/{survey.slug}/")
    page.locator("#collect > summary").click()
    page.get_by_role("button", name="Create a public link").click()
    link = page.locator(".collector-url").input_value()
    page.locator("#collect details.disclosure > summary").first.click()
    page.locator("#collect").screenshot(path=str(SCREENS / "respond-10-builder-collect-panel.png"))
    assert re.fullmatch(rf"{re.escape(live_server.url)}/r/[a-z0-9]{{12}}/", link)
    respondent = phone(chromium).new_page()
    respondent.goto(link + "?lang=en")
    expect(respondent.get_by_text("Question age_band?")).to_be_visible()
    context.close()


def test_the_form_is_usable_with_the_keyboard_alone_and_focus_is_visible(chromium, live_server, collector):
    browser, _device = chromium
    context = browser.new_context(viewport={"width": 800, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{collector.slug}/?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # Tab to the first option of the first question; arrows move within the group, space selects.
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "a-gender":
            break
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused == "solid"  # the focus ring is visible
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator('input[name="a-gender"][value="male"]')).to_be_checked()
    shot(page, "11-keyboard-focus")
    context.close()
