"""The builder's live lint in a real browser: findings follow the typing, a suggestion applies in one click."""

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


def test_findings_follow_the_typing_and_a_suggestion_applies(live_server, browser_page):
    researcher = UserFactory()
    workspace = services.create_workspace(name="Quán", owner=researcher)
    survey = services.create_survey(
        workspace=workspace, created_by=researcher, title={"vi": "Khảo sát"}, languages=["vi"]
    )
    question = services.create_question(
        page=survey.pages.get(), type="long_text", text={"vi": "Bạn đánh giá thế nào về cửa hàng?"}
    )
    client = Client()
    client.force_login(researcher)
    page = browser_page
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
    page.goto(live_server.url + reverse("frontend:survey-builder", kwargs={"slug": survey.slug}))
    panel = page.locator(f"#q-{question.id}-lint")
    assert "likely to bias" in panel.inner_text()

    textarea = page.locator(f"#id_q{question.id}-text_vi")
    textarea.fill("")
    textarea.press_sequentially("Bạn có thích cửa hàng tuyệt vời của chúng tôi không?", delay=5)
    page.wait_for_function(
        f"[...document.querySelectorAll('#q-{question.id}-lint mark')].some(m => m.textContent === 'tuyệt vời')"
    )

    assert "praises what the question asks about" in panel.inner_text()
    question.refresh_from_db()
    assert question.text == {"vi": "Bạn đánh giá thế nào về cửa hàng?"}  # typing alone saves nothing

    page.locator(f"#q-{question.id}").get_by_role("button", name="Save question").click()
    page.wait_for_selector(f"#q-{question.id} .saved")
    page.locator(f"#q-{question.id}-lint").get_by_role("button", name="Apply suggestion").first.click()
    page.wait_for_function(f"!document.querySelector('#q-{question.id}-lint mark')")

    question.refresh_from_db()
    assert "tuyệt vời" not in question.text["vi"]
    assert "cửa hàng" in question.text["vi"]
