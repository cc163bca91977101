"""The whole journey in Debian's Chromium: a researcher, phone respondents and an analyst, through the pages.

1. A new researcher signs up, makes a workspace and a Vietnamese survey, sees the linter flag a
   leading question and accepts the rewrite in one click, adds demographic questions mapped to the
   Census 2019 variables, a KPI rating and an open question, sets a sample target and publishes
   through the publish review.
2. Respondents on a phone-sized screen answer through the public link in Vietnamese; the rest of
   the sample arrives through the public submission API over HTTP (what an offline phone sends).
3. A second person signs up, is added to the workspace as an analyst, attaches the Census 2019
   targets, fixes the one category the suggestion could not match, weights, runs the analysis,
   accepts an insight and downloads the Excel workbook, which the test opens and checks.

The interface is in Vietnamese, as a Vietnamese team uses it; expected texts come from the
catalogue (``vi_text``), so a changed translation does not break the test. The ORM is only read,
to check what the pages stored. Screenshots of each step go to artifacts/journey/ (or the
directory in JOURNEY_SCREENSHOTS) for a person to look at.
"""

import io
import os
import random
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
import requests
from django.utils import timezone, translation
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from analysis.models import Insight, SurveyTargetMapping, WeightingRun
from responses.models import Response
from surveys.models import Membership, Question, Survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
SCREENS = Path(os.environ.get("JOURNEY_SCREENSHOTS") or Path(__file__).resolve().parents[2] / "artifacts" / "journey")
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36"
    ),
}
PASSWORD = "Ca-phe-sua-da-2019!"
RESEARCHER_EMAIL = "lan.nguyen@giaohang.example"
ANALYST_EMAIL = "minh.tran@giaohang.example"
TIMEOUT_MS = 30_000

LEADING = "Bạn có đồng ý rằng dịch vụ giao hàng tuyệt vời của chúng tôi rất nhanh không?"
SEX = [("male", "Nam"), ("female", "Nữ")]
AREA = [("urban", "Thành thị"), ("rural", "Nông thôn")]
# Census 2019 regions; "Miền Đông Nam Bộ" under its own code is what the suggestion cannot match:
# the analyst maps it to "southeast" by hand.
REGION = [
    ("northern_midlands_mountains", "Trung du và miền núi phía Bắc"),
    ("red_river_delta", "Đồng bằng sông Hồng"),
    ("north_central_central_coast", "Bắc Trung Bộ và Duyên hải miền Trung"),
    ("central_highlands", "Tây Nguyên"),
    ("dnb", "Miền Đông Nam Bộ"),
    ("mekong_river_delta", "Đồng bằng sông Cửu Long"),
]
REGION_WEIGHTS = [13, 23, 21, 6, 19, 18]  # close to the census shares, so weighting stays gentle
PHONE_RESPONDENTS = 3
API_RESPONDENTS = 97


def vi_text(message: str) -> str:
    """The Vietnamese interface's text for an English msgid."""
    with translation.override("vi"):
        return translation.gettext(message)


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


@pytest.fixture
def chromium(monkeypatch) -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM reads here are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def journey_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the export files
    # Every simulated respondent reaches the live server from 127.0.0.1: the per-address limit is
    # about real phones, so here it must not flag the whole sample as one busy address.
    settings.RESPONSES_RATE_LIMIT = {"count": 10_000, "window_seconds": 600}
    return settings


def settle(page: Page) -> None:
    """Let the requests htmx has in flight end (the live lint follows every change on a card).

    The test database on SQLite is shared-cache memory, where a read and a write that overlap
    fail with "table is locked" instead of waiting as the file database does; one action at a
    time keeps the journey deterministic on both databases.
    """
    page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
    page.wait_for_function("!document.querySelector('.htmx-request')")


def new_context(browser: Browser, **options) -> BrowserContext:
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


# --- 1. the researcher ----------------------------------------------------------------------


def sign_up(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.fill("#id_email", email)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.locator('form[action="/accounts/signup/"] button[type=submit]').click()
    page.wait_for_url(f"{base}/workspaces/")
    expect(page.get_by_role("status").first).to_contain_text(vi_text("Welcome! Your workspace is ready."))


def add_question(page: Page, page_id: str, question_type: str) -> str:
    """Add a question of ``question_type`` at the end of the page; return its card's DOM id."""
    cards = page.locator(f"#{page_id} article.question-card")
    before = cards.count()
    page.locator(f"#{page_id} details.add-question > summary").click()
    page.locator(f'#{page_id} details.add-question button[name=type][value="{question_type}"]').click()
    expect(cards).to_have_count(before + 1)
    return cards.nth(before).get_attribute("id")


def write_question(page: Page, card_id: str, text: str, *, role: str = "", required: bool = True) -> None:
    card = page.locator(f"#{card_id}")
    prefix = card_id.replace("q-", "q")
    card.locator(f"#id_{prefix}-text_vi").fill(text)
    if required:
        card.locator(f"#id_{prefix}-required").check()
    if role:
        card.locator(f"#{card_id}-more > summary").click()
        card.locator(f"#id_{prefix}-role").select_option(role)
    settle(page)
    card.locator("form.question-form button[type=submit]").click()
    expect(page.locator(f"#{card_id} .saved")).to_be_visible()
    expect(page.locator(f"#{card_id} .qtext")).to_have_text(text)


def add_options(page: Page, card_id: str, options: list[tuple[str, str]]) -> None:
    prefix = card_id.replace("q-", "no")
    rows = page.locator(f"#{card_id} li.choice-row")
    for code, label in options:
        before = rows.count()
        page.fill(f"#id_{prefix}-label_vi", label)
        page.fill(f"#id_{prefix}-value", code)
        settle(page)
        page.locator(f"#{card_id} form.choice-add button[type=submit]").click()
        expect(rows).to_have_count(before + 1)


def question_key(page: Page, card_id: str) -> str:
    return page.locator(f"#{card_id} .meta .key").inner_text().strip()


def build_survey(page: Page, base: str) -> tuple[str, dict[str, str]]:
    """Workspace, survey, questions, lint rewrite; return the survey's builder URL and the keys by role."""
    workspace_name = "Giao hàng Nhanh"
    page.fill("#id_name", workspace_name)
    page.locator('form[action="/workspaces/"] button[type=submit]').click()
    page.wait_for_url(re.compile(r"/workspaces/[\w-]+/$"))
    expect(page.locator("h1")).to_contain_text(workspace_name)
    shot(page, "02-workspace")

    page.fill("#id_title_vi", "Khảo sát khách hàng giao hàng 2026")
    expect(page.locator('input[name=languages][value="vi"]')).to_be_checked()
    page.locator('form[action$="/surveys/new/"] button[type=submit]').click()
    page.wait_for_url(re.compile(r"/surveys/[\w-]+/$"))
    builder_url = page.url
    page_id = page.locator("section.page-section").first.get_attribute("id")

    # The leading question: the linter flags it on the card and offers a neutral rewrite.
    leading = add_question(page, page_id, "rating")
    write_question(page, leading, LEADING)
    panel = page.locator(f"#{leading}-lint")
    finding = panel.locator("li.lint-finding", has=page.locator('input[name=rule][value="leading_evaluative_word"]'))
    expect(finding).to_be_visible()
    expect(panel.locator("mark", has_text="tuyệt vời")).to_be_visible()
    page.locator(f"#{leading}").scroll_into_view_if_needed()
    shot(page, "03-lint-flags-leading-question")
    stored = Question.objects.get(id=int(leading.removeprefix("q-")))
    assert stored.text == {"vi": LEADING}
    finding.locator("button[type=submit]").click()
    expect(page.locator(f"#{leading} .qtext")).not_to_contain_text("tuyệt vời")
    expect(page.locator(f"#{leading}-lint li.lint-finding")).to_have_count(0)
    stored.refresh_from_db()
    assert "tuyệt vời" not in stored.text["vi"]
    assert "dịch vụ giao hàng" in stored.text["vi"]
    assert stored.text["vi"] != LEADING
    shot(page, "04-lint-rewrite-accepted")

    sex = add_question(page, page_id, "single_choice")
    write_question(page, sex, "Giới tính của bạn là gì?", role="demographic:gender")
    add_options(page, sex, SEX)
    area = add_question(page, page_id, "single_choice")
    write_question(page, area, "Bạn sống ở thành thị hay nông thôn?", role="demographic:area")
    add_options(page, area, AREA)
    region = add_question(page, page_id, "single_choice")
    write_question(page, region, "Bạn sống ở vùng nào?", role="demographic:region")
    add_options(page, region, REGION)
    satisfaction = add_question(page, page_id, "rating")
    write_question(
        page, satisfaction, "Nhìn chung, bạn hài lòng với dịch vụ của chúng tôi ở mức nào?", role="kpi:satisfaction"
    )
    comment = add_question(page, page_id, "long_text")
    write_question(page, comment, "Chúng tôi nên cải thiện điều gì?", required=False)
    shot(page, "05-questionnaire")

    keys = {
        name: question_key(page, card)
        for name, card in (
            ("delivery", leading),
            ("sex", sex),
            ("area", area),
            ("region", region),
            ("satisfaction", satisfaction),
            ("comment", comment),
        )
    }
    return builder_url, keys


def set_sample_target(page: Page, builder_url: str) -> None:
    page.goto(builder_url + "plan/")
    page.fill("#id_plan_margin", "10")
    page.fill("#id_plan_response_rate", "25")
    expect(page.locator("#planner-result .planner-figure-value").first).to_have_text("97")
    page.locator("#planner button[type=submit]").click()
    expect(page.locator("#planner .saved")).to_be_visible()
    shot(page, "06-sample-target")


def publish(page: Page, builder_url: str) -> str:
    """Publish through the review; create the public link and return it."""
    page.goto(builder_url + "publish/")
    # The rewrite removed the only findings: the review has nothing left to confirm.
    expect(page.locator("main")).to_contain_text(vi_text("The linter found nothing that biases or breaks answers."))
    expect(page.locator("input[name=confirm_warnings], textarea[name=override_reason]")).to_have_count(0)
    shot(page, "07-publish-review")
    page.locator("form.publish-form button[type=submit]").click()
    page.wait_for_url(builder_url)
    expect(page.locator("body")).to_contain_text(
        vi_text("Version %(number)s is published and the survey is open.") % {"number": 1}
    )
    collect = page.locator("details#collect")
    if collect.get_attribute("open") is None:
        collect.locator("> summary").click()
    collect.locator('form[action$="/collectors/new/"] button[type=submit]').click()
    page.wait_for_url(re.compile(re.escape(builder_url)))
    link = page.locator("input.collector-url").first.input_value()
    page.locator("details#collect").scroll_into_view_if_needed()
    shot(page, "08-published-with-public-link")
    return link


# --- 2. respondents ---------------------------------------------------------------------------


def respondent_answers(rng: random.Random, index: int) -> dict[str, object]:
    """Women rate the service clearly lower than men: the planted finding."""
    sex = SEX[index % 2][0]
    area = "urban" if rng.random() < 0.35 else "rural"
    region = rng.choices([code for code, _ in REGION], weights=REGION_WEIGHTS)[0]
    if sex == "female":
        satisfaction = rng.choices([1, 2, 3], weights=[4, 4, 2])[0]
    else:
        satisfaction = rng.choices([3, 4, 5], weights=[2, 4, 4])[0]
    delivery = min(5, max(1, satisfaction + rng.choice([-1, 0, 0, 1])))
    comment = "Giao hàng chậm, shipper hay gọi nhầm giờ" if sex == "female" else "Giao nhanh, đóng gói cẩn thận"
    return {
        "sex": sex,
        "area": area,
        "region": region,
        "satisfaction": satisfaction,
        "delivery": delivery,
        "comment": comment,
    }


_rng = random.Random(2019)
SAMPLE = [respondent_answers(_rng, index) for index in range(PHONE_RESPONDENTS + API_RESPONDENTS)]


def answer_on_phone(
    browser: Browser, link: str, keys: dict[str, str], answers: dict[str, object], *, screenshots: bool
) -> None:
    context = new_context(browser, **PHONE)
    page = context.new_page()
    page.goto(link)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    for name in ("sex", "area", "region", "satisfaction", "delivery"):
        page.locator(f'input[name="a-{keys[name]}"][value="{answers[name]}"]').check()
    page.fill(f'textarea[name="a-{keys["comment"]}"]', str(answers["comment"]))
    if screenshots:
        shot(page, "09-respondent-phone")
    page.locator("button[data-primary]").tap()
    expect(page.locator("h1")).to_have_text(re.compile("Cảm ơn"))
    if screenshots:
        shot(page, "10-respondent-phone-thanks")
    context.close()


def submit_over_api(base: str, link: str, keys: dict[str, str], answers: dict[str, object]) -> None:
    slug = link.rstrip("/").rsplit("/", 1)[-1]
    body = {
        "submission_key": str(uuid.uuid4()),
        "answers": {keys[name]: value for name, value in answers.items()},
        "language": "vi",
        "started_at": (timezone.now() - timedelta(minutes=4)).isoformat(),
    }
    response = requests.post(f"{base}/api/public/collectors/{slug}/responses/", json=body, timeout=10)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "complete"


# --- 3. the analyst ---------------------------------------------------------------------------


def join_as_analyst(researcher: Page, analyst: Page, base: str, workspace_slug: str) -> None:
    sign_up(analyst, base, ANALYST_EMAIL)
    researcher.goto(f"{base}/workspaces/{workspace_slug}/members/")
    researcher.fill("#id_email", ANALYST_EMAIL)
    researcher.select_option("#id_role", "analyst")
    researcher.locator('form[action$="/members/add/"] button[type=submit]').click()
    expect(researcher.locator("body")).to_contain_text(vi_text("%(email)s was added.") % {"email": ANALYST_EMAIL})
    shot(researcher, "11-analyst-added-to-workspace")
    assert Membership.objects.get(workspace__slug=workspace_slug, user__email=ANALYST_EMAIL).role == "analyst"


def weight_to_census(page: Page, base: str, survey: Survey) -> None:
    page.goto(f"{base}/workspaces/{survey.workspace.slug}/targets/")
    page.locator('form[action$="/targets/preset/"] button[type=submit]').click()
    # Men in the census, grouped by thousands the Vietnamese way (config/formats/vi).
    expect(page.locator("#sets-title + article")).to_contain_text("47.881.061")
    shot(page, "12-census-targets")

    page.goto(f"{base}/surveys/{survey.slug}/representativeness/")
    page.locator('form[action$="/representativeness/attach/"] button[type=submit]').click()
    page.wait_for_url(re.compile("#mapping$"))
    unmatched = page.locator('select[name="recode-region-dnb"]')
    expect(unmatched).to_have_value("")  # "Miền Đông Nam Bộ" matches no census label as written
    expect(page.locator('select[name="recode-region-red_river_delta"]')).to_have_value("red_river_delta")
    expect(page.locator('select[name="recode-sex-female"]')).to_have_value("female")
    unmatched.select_option("southeast")
    page.locator('form[action$="/representativeness/mapping/"] button[type=submit]').click()
    expect(page.locator("body")).to_contain_text(vi_text("The mapping is saved."))
    expect(page.locator('select[name="recode-region-dnb"]')).to_have_value("southeast")
    shot(page, "13-census-mapping")
    mapping = SurveyTargetMapping.objects.get(survey=survey)
    region = mapping.variables.get(target_variable__name="region")
    assert region.recoding["dnb"] == "southeast"

    page.locator("#weighting button[type=submit]").click()
    page.wait_for_selector("#weighting dl", timeout=TIMEOUT_MS)  # htmx reloads the page when the run ends
    shot(page, "14-weighting")
    run = WeightingRun.objects.get(survey=survey)
    assert run.status == WeightingRun.Status.SUCCEEDED, run.error


def run_analysis_and_accept(page: Page, base: str, survey: Survey) -> Insight:
    page.goto(f"{base}/surveys/{survey.slug}/insights/")
    page.locator('form[action$="/insights/runs/"] button[type=submit]').click()
    page.wait_for_selector(".insight-card", timeout=TIMEOUT_MS)
    page.wait_for_selector(".insight-card .insight-chart .main-svg")  # Plotly drew the evidence
    shot(page, "15-insight-board")
    gender_cards = page.locator(".insight-card", has_text="Nữ")
    expect(gender_cards.first).to_be_visible()
    card = gender_cards.first
    insight_id = int(card.get_attribute("id").removeprefix("insight-"))
    card.locator("button[type=submit]", has_text=vi_text("Accept")).click()
    expect(page.locator(f"#insight-{insight_id} .insight-status-accepted")).to_be_visible()
    page.locator(f"#insight-{insight_id}").scroll_into_view_if_needed()
    shot(page, "16-insight-accepted")
    insight = Insight.objects.get(id=insight_id)
    assert insight.status == Insight.Status.ACCEPTED
    return insight


def download_workbook(page: Page, base: str, survey: Survey) -> openpyxl.Workbook:
    page.goto(f"{base}/surveys/{survey.slug}/export/")
    expect(page.locator("#id_format")).to_have_value("xlsx")
    expect(page.locator("#id_language")).to_have_value("vi")
    page.locator("form[hx-post] button[type=submit]").click()
    download_link = page.locator("#export-jobs a[download]")
    expect(download_link).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#export-jobs + .empty")).to_be_hidden()  # "No exports yet." went with the first job
    shot(page, "17-export-ready")
    with page.expect_download() as info:
        download_link.click()
    path = info.value.path()
    return openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()))


def check_workbook(book: openpyxl.Workbook, survey: Survey, keys: dict[str, str], insight: Insight) -> None:
    sheets = [vi_text(name) for name in ("Summary", "Insights", "Representativeness", "Responses", "Codebook")]
    for title in sheets:
        assert title in book.sheetnames, (title, book.sheetnames)
    assert "Responses" not in book.sheetnames  # the interface language names the sheets

    responses = book[vi_text("Responses")]
    rows = list(responses.iter_rows(values_only=True))
    header, body = rows[0], [row for row in rows[1:] if any(cell is not None for cell in row)]
    stored = Response.objects.filter(survey=survey)
    assert len(body) == stored.count() == PHONE_RESPONDENTS + API_RESPONDENTS
    # Labels mode (the default): headers are the question texts, answers their option labels.
    texts = {q.key: q.text["vi"] for q in Question.objects.filter(survey=survey)}
    assert texts[keys["delivery"]] in header and LEADING not in header  # the accepted rewrite
    for name in ("sex", "area", "region", "satisfaction", "comment"):
        assert texts[keys[name]] in header, (name, header)
    sex_column = header.index(texts[keys["sex"]])
    women = sum(1 for row in body if row[sex_column] == "Nữ")
    assert women == sum(1 for answers in SAMPLE if answers["sex"] == "female")

    insights_sheet = book[vi_text("Insights")]
    cells = [row for row in insights_sheet.iter_rows(values_only=True) if row and row[0]]
    accepted = [row for row in cells if row[0] == insight.statement_vi]
    assert accepted, [row[0] for row in cells]
    assert vi_text("Accepted") in accepted[0]


# --- the journey ------------------------------------------------------------------------------


def test_researcher_respondents_and_analyst_go_from_signup_to_the_excel_workbook(
    live_server, chromium, journey_settings
):
    base = live_server.url
    researcher_context = new_context(chromium, **DESKTOP)
    researcher = researcher_context.new_page()

    # 1. The researcher signs up and builds the questionnaire.
    sign_up(researcher, base, RESEARCHER_EMAIL)
    shot(researcher, "01-signup")
    builder_url, keys = build_survey(researcher, base)
    survey = Survey.objects.get(workspace__name="Giao hàng Nhanh")
    assert survey.languages == ["vi"] and survey.created_by.email == RESEARCHER_EMAIL
    roles = dict(Question.objects.filter(survey=survey).values_list("key", "role_variable"))
    assert {roles[keys[name]] for name in ("sex", "area", "region", "satisfaction")} == {
        "gender",
        "area",
        "region",
        "satisfaction",
    }

    # 2. A sample target, then publish.
    set_sample_target(researcher, builder_url)
    survey.refresh_from_db()
    assert survey.target_margin_of_error == pytest.approx(0.10)
    assert survey.target_sample_size == 97  # Cochran: 1.96² · 0.25 / 0.1², rounded up
    link = publish(researcher, builder_url)
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN

    # 3. Respondents: a few on phones through the page, the rest through the public API.
    for index, answers in enumerate(SAMPLE[:PHONE_RESPONDENTS]):
        answer_on_phone(chromium, link, keys, answers, screenshots=index == 0)
    for answers in SAMPLE[PHONE_RESPONDENTS:]:
        submit_over_api(base, link, keys, answers)
    stored = Response.objects.filter(survey=survey)
    assert stored.count() == PHONE_RESPONDENTS + API_RESPONDENTS
    by_phone = stored.exclude(user_agent="").filter(user_agent__contains="Mobile")
    assert by_phone.count() == PHONE_RESPONDENTS

    # 4. The analyst joins, weights to the census, analyses and exports.
    analyst_context = new_context(chromium, **DESKTOP)
    analyst = analyst_context.new_page()
    join_as_analyst(researcher, analyst, base, survey.workspace.slug)
    weight_to_census(analyst, base, survey)
    insight = run_analysis_and_accept(analyst, base, survey)
    book = download_workbook(analyst, base, survey)
    check_workbook(book, survey, keys, insight)
    analyst_context.close()
    researcher_context.close()
