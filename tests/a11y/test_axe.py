"""Accessibility: axe-core (WCAG 2.1 A and AA rules) on every page a respondent, researcher or analyst sees.

axe-core's JavaScript ships inside the axe-playwright-python wheel and is injected into the page by
Playwright, so nothing is fetched at run time. The browser is Debian's Chromium; one browser serves
the whole module. Screenshots land in artifacts/screens/a11y-*.png for a person to look at.
"""

import os
import re
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from responses import services
from responses.models import Collector
from surveys import services as survey_services
from surveys.demo import DEMO_EMAIL
from surveys.models import Survey
from tests.factories import UserFactory
from tests.responses.specs import build_spec

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"
PHONE = "Pixel 7"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
BLOCKING = {"serious", "critical"}
AXE = Axe()


@pytest.fixture(scope="module")
def chromium() -> Iterator[tuple[Browser, dict]]:
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the ORM runs between browser steps, in this thread
    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser, playwright.devices[PHONE]
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def offline_context(browser: Browser, live_server, **options) -> BrowserContext:
    """A context that may load the live server only: a page asking for a remote script fails the test."""
    context = browser.new_context(**options)
    remote: list[str] = []

    def route(request_route) -> None:
        if request_route.request.url.startswith(live_server.url):
            request_route.continue_()
        else:
            remote.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    context.remote_requests = remote  # checked by Audit.assert_clean
    return context


class Audit:
    """Runs axe on pages and gathers what it finds, so one failure lists every page's problems."""

    def __init__(self) -> None:
        self.found: list[tuple[str, dict]] = []
        self.pages: list[str] = []

    def check(self, page: Page, name: str, *, screenshot: bool = False) -> None:
        page.wait_for_load_state("load")
        results = AXE.run(page, options=AXE_OPTIONS).response
        self.pages.append(name)
        self.found.extend((name, violation) for violation in results["violations"])
        if screenshot:
            page.screenshot(path=str(SCREENS / f"a11y-{name}.png"), full_page=True)

    def report(self, impacts: set[str]) -> str:
        lines = []
        for name, violation in self.found:
            if violation["impact"] not in impacts:
                continue
            for node in violation["nodes"]:
                target = " ".join(str(part) for part in node["target"])
                lines.append(f"[{name}] {violation['id']} ({violation['impact']}) {target}: {violation['help']}")
                checks = node["any"] + node["all"] + node["none"]
                related = [related["html"] for check in checks for related in check.get("relatedNodes", [])]
                if related:
                    lines.append(f"    for example {related[0][:160]}")
        return "\n".join(lines)

    def assert_clean(self, *contexts: BrowserContext) -> None:
        remote = [url for context in contexts for url in context.remote_requests]
        assert remote == [], f"pages asked for remote resources: {remote}"
        minor = self.report({"minor", "moderate"})
        if minor:
            print(f"axe, minor and moderate findings (not blocking):\n{minor}")
        blocking = self.report(BLOCKING)
        assert blocking == "", f"axe found serious or critical violations:\n{blocking}"
        print(f"axe checked {len(self.pages)} page states: {', '.join(self.pages)}")


def sign_in(context: BrowserContext, live_server, user) -> None:
    client = Client()
    client.force_login(user)
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


@pytest.fixture
def collector() -> Collector:
    """A published survey with every question type (tests/responses/specs.py) and a public link."""
    researcher = UserFactory()
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=researcher)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=researcher)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="test", confirm_warnings=True
    )
    survey.refresh_from_db()
    return services.create_collector(survey=survey, created_by=researcher)


def primary(page: Page):
    return page.locator("button[data-primary]")


def test_the_respondent_form_passes_axe_for_every_question_type_on_a_phone(chromium, live_server, collector):
    browser, device = chromium
    context = offline_context(browser, live_server, **device, locale="vi-VN")
    page = context.new_page()
    audit = Audit()
    page.goto(f"{live_server.url}/r/{collector.slug}/")
    audit.check(page, "respond-1-choices", screenshot=True)  # single with other, multiple with exclusive + other
    primary(page).click()
    expect(page.locator("#error-summary")).to_be_focused()
    audit.check(page, "respond-2-errors", screenshot=True)  # required answers missing
    page.check('input[name="a-gender"][value="other"]')
    page.check('input[name="a-age_band"][value="18-24"]')
    page.check('input[name="a-channels"][value="app"]')
    page.check('input[name="a-channels"][value="other"]')
    audit.check(page, "respond-3-other-boxes-shown")
    page.fill('input[name="a-gender.other"]', "Không muốn nói")
    page.fill('input[name="a-channels.other"]', "Zalo")
    primary(page).click()
    expect(page.locator('input[name="a-nps"]').first).to_be_visible()
    page.check('input[name="a-satisfaction"][value="n/a"]')
    page.check('input[name="a-nps"][value="3"]')  # a low score brings up the long-text follow-up
    expect(page.locator("#rq-reason")).to_be_visible()
    audit.check(page, "respond-4-rating-nps-long-text", screenshot=True)
    page.fill('textarea[name="a-reason"]', "Giao hàng chậm")
    primary(page).click()
    expect(page.locator('input[name="a-app_hours"]')).to_be_visible()
    audit.check(page, "respond-5-number-date")
    page.fill('input[name="a-app_hours"]', "30")  # above the maximum: a field error
    primary(page).click()
    expect(page.locator("#error-summary")).to_be_visible()
    audit.check(page, "respond-6-number-error")
    page.fill('input[name="a-app_hours"]', "3")
    page.fill('input[name="a-installed_on"]', "2026-01-15")
    primary(page).click()
    expect(page.locator('select[name="a-priorities.price"]')).to_be_visible()
    audit.check(page, "respond-7-matrix-ranking-short-text", screenshot=True)
    page.check('input[name="a-aspects.speed"][value="good"]')
    page.check('input[name="a-aspects.price"][value="n/a"]')
    page.fill('input[name="a-comment"]', "Nhanh")
    primary(page).click()
    expect(page.locator("h1")).to_have_text(re.compile("Cảm ơn|Thank you"))
    audit.check(page, "respond-8-thanks", screenshot=True)
    context.close()
    services.update_collector(collector=collector, is_active=False)
    closed = offline_context(browser, live_server, **device, locale="vi-VN")  # a newcomer, not the one who finished
    page = closed.new_page()
    page.goto(f"{live_server.url}/r/{collector.slug}/?lang=en")
    expect(page.locator("h1")).to_have_text("This survey is closed")
    audit.check(page, "respond-9-closed", screenshot=True)
    closed.close()
    audit.assert_clean(context, closed)


def test_the_researcher_and_analyst_pages_pass_axe(chromium, live_server, settings):
    settings.DEBUG = True  # the demo's first weighting runs in-process
    call_command("seed_demo", stdout=StringIO())
    survey = Survey.objects.get()
    user = get_user_model().objects.get(username=DEMO_EMAIL)
    browser, _device = chromium
    audit = Audit()
    anonymous = offline_context(browser, live_server, viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = anonymous.new_page()
    page.goto(live_server.url + reverse("frontend:login"))
    audit.check(page, "login", screenshot=True)
    page.click("button[type=submit]")  # empty: the form shows its errors
    audit.check(page, "login-errors")
    page.goto(live_server.url + reverse("frontend:signup"))
    audit.check(page, "signup")
    page.click("form button[type=submit]")
    audit.check(page, "signup-errors")
    anonymous.close()

    context = offline_context(browser, live_server, viewport={"width": 1280, "height": 900}, locale="en-GB")
    sign_in(context, live_server, user)
    page = context.new_page()
    survey_slug = {"slug": survey.slug}
    invitations = services.create_collector(survey=survey, created_by=user, kind=Collector.Kind.INVITATION)
    workspace_slug = {"slug": survey.workspace.slug}
    rule_id = "leading_evaluative_word"
    pages = [
        ("workspaces", reverse("frontend:workspace-list"), None),
        ("workspace", reverse("frontend:workspace-detail", kwargs=workspace_slug), None),
        ("members", reverse("frontend:members", kwargs=workspace_slug), None),
        ("xlsform-import", reverse("frontend:xlsform-import", kwargs=workspace_slug), None),
        ("builder", reverse("frontend:survey-builder", kwargs=survey_slug), None),
        ("versions", reverse("frontend:survey-versions", kwargs=survey_slug), None),
        ("invitations", reverse("frontend:invitations", kwargs={"collector_id": invitations.id}), None),
        ("preview", reverse("frontend:survey-preview", kwargs=survey_slug), None),
        ("planner", reverse("frontend:planner"), None),
        ("survey-plan", reverse("frontend:survey-plan", kwargs=survey_slug), None),
        ("monitor", reverse("frontend:survey-monitor", kwargs=survey_slug), ".main-svg"),
        ("results", reverse("frontend:survey-results", kwargs=survey_slug), ".main-svg"),
        ("representativeness", reverse("frontend:representativeness", kwargs=survey_slug), ".rep-chart .main-svg"),
        ("target-sets", reverse("frontend:target-sets", kwargs=workspace_slug), None),
        ("insights", reverse("frontend:survey-insights", kwargs=survey_slug), None),
        ("open-answers", reverse("frontend:open-answers", kwargs=survey_slug), "#open-text-chart .main-svg"),
        ("lint-rules", reverse("frontend:lint-rule-index"), None),
        ("lint-rule", reverse("frontend:lint-rule", kwargs={"rule_id": rule_id}), None),
    ]
    screenshots = {"builder", "results", "representativeness", "monitor", "target-sets"}
    for name, url, drawn in pages:
        response = page.goto(live_server.url + url)
        assert response.status == 200, f"{name}: {url} answered {response.status}"
        if drawn:
            page.wait_for_selector(drawn)  # the charts are drawn before axe looks
            # A drawing repeats the table beside it: screen readers skip it, its toolbar stays reachable.
            expect(page.locator('svg.main-svg:not([aria-hidden="true"])')).to_have_count(0)
            assert page.locator(".modebar-btn[aria-label]").count() > 0
        audit.check(page, name, screenshot=name in screenshots)
        if name == "builder":  # the folded panels (settings, logic, collecting) are checked open too
            page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
            audit.check(page, "builder-unfolded")
    context.close()
    audit.assert_clean(anonymous, context)


def test_the_audit_reports_what_axe_finds(chromium, live_server):
    """The checks are not vacuous: a page with known faults fails with a readable list."""
    browser, _device = chromium
    context = offline_context(browser, live_server)
    page = context.new_page()
    page.set_content(
        '<html lang="en"><body><main><h1>Faults</h1>'
        '<p style="color:#bbb;background:#fff">Pale text</p>'
        '<input type="text"><img src="data:,"></main></body></html>'
    )
    audit = Audit()
    audit.check(page, "faulty")
    context.close()
    with pytest.raises(AssertionError) as failure:
        audit.assert_clean(context)
    message = str(failure.value)
    assert "[faulty] color-contrast (serious)" in message
    assert "[faulty] label (critical) input" in message
    assert "[faulty] image-alt (critical) img" in message


def test_a_keyboard_alone_answers_a_page_and_reaches_the_next_with_focus_visible(chromium, live_server, collector):
    browser, _device = chromium
    context = offline_context(browser, live_server, viewport={"width": 800, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/r/{collector.slug}/?lang=en")

    def tab_to(selector: str) -> None:
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                style = page.evaluate(
                    "() => { const s = getComputedStyle(document.activeElement);"
                    " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
                )
                assert style[0] != "none" and style[1] >= 2, f"focus on {selector} is not visible: {style}"
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to('input[name="a-age_band"]')  # a radio group is one Tab stop; Space picks the focused option
    page.keyboard.press("Space")
    tab_to('input[name="a-channels"]')
    page.keyboard.press("Space")  # the first checkbox: web
    tab_to("button[data-primary]")
    page.screenshot(path=str(SCREENS / "a11y-keyboard-submit-focused.png"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Question satisfaction?")).to_be_visible()
    expect(page.locator("#error-summary")).to_have_count(0)
    context.close()
