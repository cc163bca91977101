"""The linter API: one question, a whole survey, the rule list, and a publish refused by the linter."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from surveys import services
from surveys.core.linter import RULES, QuestionInput, lint_question
from surveys.core.roles import Role
from surveys.models import SurveyVersion
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LEADING_VI = "Bạn có thích website mới tuyệt vời của chúng tôi không?"
QUESTION_URL = "/api/lint/question/"
RULES_URL = "/api/lint/rules/"


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def client(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture
def survey(owner):
    workspace = services.create_workspace(name="Tiệm trà", owner=owner)
    survey = services.create_survey(
        workspace=workspace, created_by=owner, title={"vi": "Khảo sát"}, languages=["vi", "en"]
    )
    page = survey.pages.get()
    services.create_question(
        page=page,
        type="single_choice",
        key="income",
        text={"vi": "Thu nhập hàng tháng của bạn là bao nhiêu?", "en": "What is your monthly income?"},
        choices=[
            {"value": "1", "label": {"vi": "Dưới 5 triệu", "en": "Under 5 million"}},
            {"value": "2", "label": {"vi": "5–10 triệu", "en": "5–10 million"}},
            {"value": "3", "label": {"vi": "Trên 10 triệu", "en": "Over 10 million"}},
        ],
    )
    services.create_question(page=page, type="long_text", key="site", text={"vi": LEADING_VI})
    return survey


def lint_url(survey):
    return reverse("surveys:survey-lint", kwargs={"slug": survey.slug})


def publish_url(survey):
    return reverse("surveys:survey-publish", kwargs={"slug": survey.slug})


# --- one question ------------------------------------------------------------------------------


def test_lint_question_returns_findings_with_spans_and_a_suggestion(client):
    response = client.post(QUESTION_URL, {"text": LEADING_VI}, format="json")

    body = response.json()
    assert response.status_code == 200
    assert body["lang"] == "vi"
    leading = next(f for f in body["findings"] if f["rule"] == "leading_evaluative_word")
    assert leading["category"] == "leading"
    assert leading["severity"] == "warning"
    assert LEADING_VI[leading["start"] : leading["end"]] == "tuyệt vời"
    assert leading["spans"] == [[leading["start"], leading["end"]]]
    assert leading["option_index"] is None
    assert "tuyệt vời" not in leading["suggestion"]["questions"][0]


def test_lint_question_reads_options_type_and_language(client):
    payload = {
        "text": "How old are you?",
        "options": ["16-22", "22-28", "29 or older"],
        "type": "single_choice",
        "lang": "en",
    }

    body = client.post(QUESTION_URL, payload, format="json").json()

    overlap = next(f for f in body["findings"] if f["rule"] == "overlapping_ranges")
    assert body["lang"] == "en"
    assert overlap["severity"] == "error"
    assert overlap["option_index"] == 1
    assert payload["options"][1][overlap["start"] : overlap["end"]] == "22-28"


def test_lint_question_message_is_in_the_request_language(client):
    finding = next(
        f for f in lint_question(QuestionInput(LEADING_VI, lang="vi")) if f.rule == "leading_evaluative_word"
    )
    for language in ("vi", "en"):
        body = client.post(QUESTION_URL, {"text": LEADING_VI}, format="json", HTTP_ACCEPT_LANGUAGE=language).json()
        with translation.override(language):
            expected = finding.message.render(gettext)
        assert next(f for f in body["findings"] if f["rule"] == finding.rule)["message"] == expected


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"text": "Q?", "options": "a, b"}, "options"),
        ({"text": "Q?", "options": [1, {"a": 2}]}, "options.1"),
        ({"text": "Q?", "type": "essay"}, "type"),
        ({"text": "Q?", "lang": "fr"}, "lang"),
    ],
)
def test_bad_question_input_is_the_standard_error(client, payload, field):
    response = client.post(QUESTION_URL, payload, format="json")

    error = response.json()["error"]
    assert response.status_code == 400
    assert error["code"] == "invalid"
    assert any(name == field or name.startswith(field + ".") for name in error["fields"]), error["fields"]


def test_lint_question_needs_a_signed_in_user():
    response = APIClient().post(QUESTION_URL, {"text": LEADING_VI}, format="json")

    assert response.status_code == 401


# --- a whole survey ------------------------------------------------------------------------------


def test_survey_lint_groups_findings_per_question_and_estimates_time(client, survey):
    body = client.get(lint_url(survey)).json()

    assert list(body["questions"]) == ["income", "site"]
    income_rules = {f["rule"] for f in body["questions"]["income"]}
    assert {"missing_opt_out_sensitive", "sensitive_early"} <= income_rules
    assert {f["lang"] for f in body["questions"]["income"] if f["rule"] == "missing_opt_out_sensitive"} == {"vi", "en"}
    assert "leading_evaluative_word" in {f["rule"] for f in body["questions"]["site"]}
    assert all(f["question_key"] == "site" for f in body["questions"]["site"])
    assert body["estimated_seconds"] > 0
    assert body["is_blocking"] is False
    assert body["counts"]["warning"] >= 3
    assert body["survey_findings"] == []


def test_survey_lint_reports_untranslated_text_once(client, survey):
    site = client.get(lint_url(survey)).json()["questions"]["site"]

    # "site" has no English text: the English pass would repeat the Vietnamese findings.
    assert {f["lang"] for f in site} == {"vi"}


def test_survey_lint_blocks_on_errors(client, survey):
    question = survey.questions.get(key="income")
    services.update_question(
        question=question,
        choices=[{"value": "1", "label": {"vi": "16–22"}}, {"value": "2", "label": {"vi": "22–28"}}],
    )

    body = client.get(lint_url(survey)).json()

    assert body["is_blocking"] is True
    assert body["counts"]["error"] >= 1


def test_survey_lint_of_another_workspace_is_not_found(survey):
    outsider = APIClient()
    outsider.force_authenticate(UserFactory())

    response = outsider.get(lint_url(survey))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- rules ----------------------------------------------------------------------------------------


def test_rules_list_every_rule_with_its_doc(client):
    body = client.get(RULES_URL).json()

    rules = {rule["id"]: rule for rule in body["results"]}
    assert body["count"] == len(RULES) == len(rules)
    absolute = rules["absolute_word"]
    assert absolute["category"] == "absolute"
    assert absolute["severity"] == RULES["absolute_word"].severity
    assert absolute["scope"] == "question"
    assert absolute["title"]
    assert "## Why it matters" in absolute["doc"]


# --- publishing through the API ---------------------------------------------------------------------


def test_publish_with_warnings_is_refused_with_the_findings(client, survey):
    response = client.post(publish_url(survey), {}, format="json")

    body = response.json()
    assert response.status_code == 409
    assert body["error"]["code"] == "lint_warnings_unconfirmed"
    assert set(body["error"]) == {"code", "message", "fields"}
    assert "questions.site" in body["error"]["fields"]
    assert {f["severity"] for f in body["findings"]} == {"warning"}
    assert {"leading_evaluative_word", "missing_opt_out_sensitive"} <= {f["rule"] for f in body["findings"]}
    assert not SurveyVersion.objects.exists()


def test_publish_with_confirmed_warnings(client, survey):
    response = client.post(publish_url(survey), {"confirm_warnings": True}, format="json")

    assert response.status_code == 201
    assert response.json()["number"] == 1


def test_publish_with_errors_needs_an_override_reason(client, survey):
    services.update_question(
        question=survey.questions.get(key="income"),
        choices=[{"value": "1", "label": {"vi": "16–22"}}, {"value": "2", "label": {"vi": "22–28"}}],
    )

    refused = client.post(publish_url(survey), {"confirm_warnings": True}, format="json")
    published = client.post(
        publish_url(survey), {"confirm_warnings": True, "override_reason": "Kept for comparability"}, format="json"
    )

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "lint_errors"
    assert "overlapping_ranges" in {f["rule"] for f in refused.json()["findings"]}
    assert published.status_code == 201
    assert SurveyVersion.objects.get().lint_override_reason == "Kept for comparability"


def test_publish_refusal_for_a_viewer_is_permission_denied_not_lint(survey):
    viewer = UserFactory()
    MembershipFactory(workspace=survey.workspace, user=viewer, role=Role.VIEWER)
    client = APIClient()
    client.force_authenticate(viewer)

    response = client.post(publish_url(survey), {}, format="json")

    assert response.status_code == 403
