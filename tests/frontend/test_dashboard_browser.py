"""The results dashboard in a real browser: Plotly draws, filters swap the results with htmx.

Screenshots land in artifacts/screens/ (git-ignored) for a person to look at.
"""

import datetime as dt
import random
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.analysis.results_world import build_results_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SCREENS = Path(__file__).resolve().parents[2] / "artifacts" / "screens"


def random_answers(rng: random.Random) -> dict[str, object]:
    nps = rng.choices(range(11), weights=[1, 1, 1, 1, 2, 2, 3, 5, 8, 9, 7])[0]
    channels = rng.sample(["web", "app", "other"], rng.randint(1, 2))
    answers: dict[str, object] = {
        "gender": rng.choices(["female", "male", "other"], weights=[50, 45, 5])[0],
        "age_band": rng.choices(["18-24", "25-34", "35_plus"], weights=[20, 50, 30])[0],
        "channels": channels,
        "satisfaction": rng.choices([1, 2, 3, 4, 5, "n/a"], weights=[3, 5, 15, 40, 30, 7])[0],
        "nps": nps,
        "aspects": {"speed": rng.choice(["bad", "ok", "good", "good"]), "price": rng.choice(["bad", "ok", "n/a"])},
        "priorities": rng.sample(["price", "speed", "service"], 3),
    }
    if answers["gender"] == "other":
        answers["gender.other"] = "Không muốn nói"
    if "other" in channels:
        answers["channels.other"] = rng.choice(["Zalo", "Facebook", "Bạn bè giới thiệu"])
    if nps <= 6:
        answers["reason"] = rng.choice(["Giao hàng chậm", "Giá cao", "Ứng dụng hay lỗi"])
    if "app" in channels:
        answers["app_hours"] = round(rng.lognormvariate(0.7, 0.6), 1) if rng.random() < 0.8 else rng.randint(1, 6)
        answers["installed_on"] = (dt.date(2025, 9, 1) + dt.timedelta(days=rng.randint(0, 150))).isoformat()
    if rng.random() < 0.4:
        answers["comment"] = rng.choice(["Rất tốt", "Cần cải thiện", "OK"])
    return answers


@pytest.fixture
def browser_page(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser.new_page(viewport={"width": 1200, "height": 900})
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


def test_dashboard_draws_charts_and_filters_in_place(live_server, browser_page):
    world = build_results_world()
    rng = random.Random(2026)
    for index in range(160):
        collector = world.shop if index % 4 == 0 else world.web
        world.submit(random_answers(rng), collector=collector, on=dt.date(2026, 2, 1) + dt.timedelta(days=index % 50))
    page = browser_page
    sign_in(page, live_server, world.owner)
    page.goto(live_server.url + reverse("frontend:survey-results", kwargs={"slug": world.survey.slug}))

    page.wait_for_selector("#result-nps .result-chart .main-svg")
    assert page.locator(".result-chart .main-svg").count() >= 8
    assert "160 responses match these filters." in page.locator(".results-summary").inner_text()
    page.screenshot(path=str(SCREENS / "dashboard-1-results.png"), full_page=True)
    page.screenshot(path=str(SCREENS / "dashboard-1-top.png"))
    page.locator("#result-aspects").screenshot(path=str(SCREENS / "dashboard-3-matrix.png"))
    page.locator("#result-app_hours").screenshot(path=str(SCREENS / "dashboard-4-number.png"))

    page.select_option("#id_collector", str(world.shop.id))
    page.wait_for_function("document.querySelector('.results-summary').textContent.includes('40 responses')")
    assert f"collector={world.shop.id}" in page.url
    page.wait_for_selector("#result-nps .result-chart .main-svg")  # charts redrawn after the swap

    page.select_option("#id_breakdown", "gender")
    page.wait_for_selector("#result-nps .precision")
    page.locator("#result-nps").screenshot(path=str(SCREENS / "dashboard-2-nps-by-gender.png"))
    assert page.locator("#result-nps .precision-low").count() >= 1  # "other" gender: too few answers
