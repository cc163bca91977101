"""The respondent's form through the test client: no JavaScript, as a basic phone browser."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from responses import services
from responses.models import Response
from surveys import services as survey_services
from tests.factories import UserFactory
from tests.responses.specs import build_spec

pytestmark = pytest.mark.django_db

PAGE_ONE = {"a-gender": "female", "a-age_band": "18-24", "a-channels": ["web", "app"]}
PAGE_TWO = {"a-satisfaction": "4", "a-nps": "9"}
PAGE_APP = {"a-app_hours": "2", "a-installed_on": "2026-01-15"}
PAGE_LAST = {
    "a-aspects.speed": "good",
    "a-aspects.price": "n/a",
    "a-priorities.price": "2",
    "a-priorities.speed": "3",
    "a-priorities.service": "1",
}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def researcher():
    return UserFactory(email="researcher@example.com")


@pytest.fixture
def survey(researcher):
    workspace = survey_services.create_workspace(name="Cửa hàng", owner=researcher)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=researcher)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="Test questionnaire", confirm_warnings=True
    )
    survey.refresh_from_db()
    return survey


@pytest.fixture
def collector(survey, researcher):
    return services.create_collector(survey=survey, created_by=researcher)


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True, HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14)")


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def form_fields(response) -> dict:
    html = response.content.decode()
    fields = {name: hidden(html, name) for name in ("page", "form_key", "lang", "shown", "csrfmiddlewaretoken")}
    if 'name="start"' in html:
        fields["start"] = hidden(html, "start")
    return fields


def post(browser, response, answers, move="next"):
    """Post the form shown in ``response`` to its action with ``answers``."""
    html = response.content.decode()
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    return browser.post(action, {**form_fields(response), **answers, "move": move})


def test_a_respondent_answers_every_page_without_javascript(browser, collector):
    page = browser.get(f"/r/{collector.slug}/?lang=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Page 1 of 3" in html and 'lang="en"' in html
    assert "site-nav" not in html  # not the staff layout
    assert not Response.objects.exists()  # looking at the first page stores nothing
    after_one = post(browser, page, PAGE_ONE)
    assert after_one.status_code == 302
    response = Response.objects.get()
    assert after_one.url.startswith(f"/r/resume/{response.resume_token}/?page=scores")
    page = browser.get(after_one.url)
    assert "Page 2 of 4" in page.content.decode()
    page = browser.get(post(browser, page, PAGE_TWO).url)
    page = browser.get(post(browser, page, PAGE_APP).url)
    assert "Submit" in page.content.decode()
    done = post(browser, page, PAGE_LAST)
    assert done.status_code == 302
    thanks = browser.get(done.url)
    assert "Thank you" in thanks.content.decode()
    response.refresh_from_db()
    assert response.status in (Response.Status.COMPLETE, Response.Status.FLAGGED)
    assert response.answers["priorities"] == ["service", "price", "speed"]
    assert response.language == "en"
    assert response.user_agent.startswith("Mozilla/5.0")


def answer_until_last(browser, collector, *, lang="en"):
    page = browser.get(f"/r/{collector.slug}/?lang={lang}")
    for answers in (PAGE_ONE, PAGE_TWO, PAGE_APP):
        page = browser.get(post(browser, page, answers).url)
    return page


def test_missing_answers_are_listed_at_the_top_and_announced(browser, collector):
    page = browser.get(f"/r/{collector.slug}/?lang=en")
    refused = post(browser, page, {"a-gender": "male"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'role="alert"' in html and 'id="error-summary"' in html
    assert "Please fix 2 answers" in html
    assert 'href="#a-age_band-0"' in html
    assert 'aria-describedby="err-age_band"' in html and 'id="err-age_band"' in html
    assert "This question requires an answer." in html and "Choose at least one option." in html
    # What was typed stays on the page.
    assert re.search(r'value="male" checked', html)


def test_without_javascript_a_revealed_follow_up_is_shown_before_moving_on(browser, collector):
    page = browser.get(post(browser, browser.get(f"/r/{collector.slug}/?lang=en"), PAGE_ONE).url)
    html = page.content.decode()
    assert re.search(r'id="rq-reason"[^>]*hidden', html)  # sent hidden, for JavaScript to reveal
    again = post(browser, page, {"a-satisfaction": "2", "a-nps": "3"})
    assert again.status_code == 200
    html = again.content.decode()
    assert "brought up more questions" in html
    assert not re.search(r'id="rq-reason"[^>]*hidden', html)
    moved = post(browser, again, {"a-satisfaction": "2", "a-nps": "3", "a-reason": "Giao chậm"})
    assert moved.status_code == 302 and "page=app" in moved.url


def test_double_submit_stores_one_response_and_changed_answers_are_refused(browser, collector):
    last = answer_until_last(browser, collector)
    first = post(browser, last, PAGE_LAST)
    second = post(browser, last, PAGE_LAST)  # the same rendered form, sent twice
    assert first.status_code == second.status_code == 302
    assert "Thank you" in browser.get(second.url).content.decode()
    assert Response.objects.count() == 1
    changed = post(browser, last, {**PAGE_LAST, "a-comment": "đổi ý"})
    assert changed.status_code == 409
    assert "already submitted" in changed.content.decode()
    assert "comment" not in Response.objects.get().answers


def test_save_and_resume_on_another_device(browser, collector):
    page = browser.get(f"/r/{collector.slug}/?lang=en")
    page = browser.get(post(browser, page, PAGE_ONE).url)
    saved = post(browser, page, {"a-satisfaction": "5"}, move="stay")
    assert saved.status_code == 200
    link = re.search(r'class="resume-link">([^<]+)<', saved.content.decode()).group(1)
    response = Response.objects.get()
    assert response.resume_token in link and len(response.resume_token) >= 43
    other_device = Client(enforce_csrf_checks=True)
    resumed = other_device.get(link.replace("http://testserver", ""))
    html = resumed.content.decode()
    assert resumed.status_code == 200 and "Page 2 of 4" in html
    assert re.search(r'value="5" checked', html)


def test_the_same_browser_comes_back_to_its_response(browser, collector):
    post(browser, browser.get(f"/r/{collector.slug}/"), PAGE_ONE)
    again = browser.get(f"/r/{collector.slug}/")
    assert again.status_code == 302
    assert again.url.startswith(f"/r/resume/{Response.objects.get().resume_token}/")


def test_one_response_per_browser_shows_thanks_instead_of_a_new_form(browser, collector):
    post(browser, answer_until_last(browser, collector), PAGE_LAST)
    back = browser.get(browser.get(f"/r/{collector.slug}/?lang=en").url)
    assert "Thank you" in back.content.decode()
    assert Response.objects.count() == 1


def test_a_closed_link_shows_a_plain_page(browser, collector):
    services.update_collector(collector=collector, is_active=False)
    page = browser.get(f"/r/{collector.slug}/?lang=en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "This survey is closed" in html and "<form" not in html


def test_unknown_links_are_404_pages(browser):
    for url in ("/r/doesnotexist/", "/r/resume/not-a-token/", "/i/not-a-token/"):
        page = browser.get(url + "?lang=en")
        assert page.status_code == 404
        assert "This link does not work" in page.content.decode()


def test_a_full_quota_thanks_the_respondent_politely(browser, collector, survey):
    services.create_quota(survey=survey, name="18–24", question_key="age_band", values=["18-24"], limit=0)
    out = post(browser, browser.get(f"/r/{collector.slug}/?lang=en"), PAGE_ONE)
    page = browser.get(out.url)
    assert "enough answers from people like you" in page.content.decode()
    assert Response.objects.get().status == Response.Status.SCREENED_OUT


def test_a_filled_honeypot_flags_the_response_and_still_thanks(browser, collector):
    last = answer_until_last(browser, collector)
    done = post(browser, last, {**PAGE_LAST, "website": "http://spam.example"})
    assert "Thank you" in browser.get(done.url).content.decode()
    response = Response.objects.get()
    assert response.status == Response.Status.FLAGGED and "honeypot" in response.flag_reasons


def test_an_anonymous_link_stores_no_address_or_user_agent(browser, collector):
    services.update_collector(collector=collector, anonymous=True)
    post(
        browser,
        browser.get(f"/r/{collector.slug}/"),
        PAGE_ONE,
    )
    response = Response.objects.get()
    assert response.ip_address is None and response.user_agent == ""


def test_the_survey_is_shown_in_vietnamese_by_default_and_english_on_request(browser, collector):
    vietnamese = browser.get(f"/r/{collector.slug}/").content.decode()
    assert '<html lang="vi">' in vietnamese and "Câu age_band?" in vietnamese
    english = browser.get(f"/r/{collector.slug}/?lang=en").content.decode()
    assert '<html lang="en">' in english and "Question age_band?" in english


def test_a_forged_start_token_stores_nothing(browser, collector):
    page = browser.get(f"/r/{collector.slug}/?lang=en")
    fields = {**form_fields(page), "start": "forged", **PAGE_ONE, "move": "next"}
    refused = browser.post(f"/r/{collector.slug}/", fields)
    assert refused.status_code == 400
    assert not Response.objects.exists()


def test_an_oversized_post_is_refused_with_a_clear_page(browser, collector, settings):
    settings.RESPONSES_MAX_REQUEST_BYTES = 2000
    page = browser.get(f"/r/{collector.slug}/?lang=en")
    refused = post(browser, page, {**PAGE_ONE, "a-gender": "x" * 5000})
    assert refused.status_code == 413
    assert "message-too_large" in refused.content.decode()
    assert not Response.objects.exists()


def test_posting_without_the_csrf_token_is_refused(browser, collector):
    page = browser.get(f"/r/{collector.slug}/")
    fields = {key: value for key, value in form_fields(page).items() if key != "csrfmiddlewaretoken"}
    assert browser.post(f"/r/{collector.slug}/", {**fields, **PAGE_ONE}).status_code == 403


def test_recalled_answers_are_escaped(browser, researcher):
    from surveys.core.questionnaire import PageSpec, QuestionSpec, QuestionType, SurveySpec, Text

    spec = SurveySpec(
        title=Text(vi="Tên", en="Name"),
        languages=("vi", "en"),
        pages=(
            PageSpec("p1", questions=(QuestionSpec("name", QuestionType.SHORT_TEXT, Text(vi="Tên bạn?", en="Name?")),)),
            PageSpec(
                "p2",
                questions=(
                    QuestionSpec("age", QuestionType.NUMBER, Text(vi="{{name}} bao nhiêu tuổi?", en="{{name}}, age?")),
                ),
            ),
        ),
    )
    workspace = survey_services.create_workspace(name="Tiệm", owner=researcher)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=spec, created_by=researcher)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="test", confirm_warnings=True
    )
    survey.refresh_from_db()
    collector = services.create_collector(survey=survey)
    moved = post(browser, browser.get(f"/r/{collector.slug}/"), {"a-name": "<script>alert(1)</script>"})
    html = browser.get(moved.url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html


def test_an_invitation_link_opens_and_resumes_its_own_response(browser, survey):
    from responses.models import Invitation

    collector = services.create_collector(survey=survey, kind="invitation")
    invitation = Invitation.objects.create(collector=collector, email="khach@example.com", language="en")
    page = browser.get(f"/i/{invitation.token}/")
    assert "Question age_band?" in page.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.OPENED
    post(browser, page, PAGE_ONE)
    response = Response.objects.get()
    assert response.invitation == invitation
    again = Client().get(f"/i/{invitation.token}/")
    assert again.status_code == 302 and response.resume_token in again.url
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.STARTED


def test_shuffled_options_keep_their_order_for_one_respondent(browser, researcher):
    from surveys.core.questionnaire import ChoiceSpec, PageSpec, QuestionSpec, QuestionType, SurveySpec, Text

    options = tuple(ChoiceSpec(f"o{n}", Text(vi=f"Lựa chọn {n}")) for n in range(8))
    spec = SurveySpec(
        title=Text(vi="Xáo trộn"),
        pages=(
            PageSpec(
                "p1",
                questions=(
                    QuestionSpec(
                        "pick", QuestionType.SINGLE_CHOICE, Text(vi="Chọn?"), choices=options, randomize_choices=True
                    ),
                    QuestionSpec("must", QuestionType.SHORT_TEXT, Text(vi="Bắt buộc?"), required=True),
                ),
            ),
        ),
    )
    workspace = survey_services.create_workspace(name="Tiệm", owner=researcher)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=spec, created_by=researcher)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="test", confirm_warnings=True
    )
    survey.refresh_from_db()
    collector = services.create_collector(survey=survey, allow_multiple_per_browser=True)

    def order(html: str) -> list[str]:
        return re.findall(r'name="a-pick" id="[^"]+" value="(o\d)"', html)

    first = browser.get(f"/r/{collector.slug}/")
    shown = order(first.content.decode())
    assert sorted(shown) == [f"o{n}" for n in range(8)]
    refused = post(browser, first, {"a-pick": "o1"})  # stored, but the required question is blank
    assert refused.status_code == 400
    assert order(refused.content.decode()) == shown
    orders = {tuple(order(Client().get(f"/r/{collector.slug}/").content.decode())) for _ in range(5)}
    assert len(orders) > 1  # other respondents see other orders
