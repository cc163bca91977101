"""Stored XSS: every text a person can type and that is shown back comes out escaped, never raw.

The payloads go into the survey (title, description, page titles, question text and help, option and
row labels, piping), the workspace name, a member's name, an uploaded file's name, a linted question
and a respondent's answers; then every page that shows them is rendered and searched for the payloads
as markup. The escaped text must be there (the page did show it), the markup must not.
"""

import re
import uuid
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from responses import services as response_services
from surveys import services as survey_services
from surveys.core.questionnaire import (
    ChoiceSpec,
    Condition,
    Logic,
    Operator,
    PageSpec,
    QuestionSpec,
    QuestionType,
    SurveySpec,
    Text,
)
from surveys.core.roles import Role
from tests.factories import UserFactory
from tests.security import figures

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
PAYLOAD = f"{SCRIPT} {IMG} {JS_URL}"
# What would run if a payload reached the page as markup.
RAW_MARKUP = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>")
ESCAPED_FORMS = {"script": SCRIPT, "img": IMG, "url": JS_URL}
URL_ATTRIBUTE = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def payload(where: str) -> str:
    return f"{where} {PAYLOAD}"


def text(where: str) -> Text:
    return Text(vi=payload(where), en=payload(where))


def assert_safe(response, *shown: str) -> None:
    """The page holds no payload as markup, and shows each of ``shown`` (payload texts) escaped."""
    html = response.content.decode()
    figures.xss_pages.append(response.wsgi_request.path)
    figures.xss_shown.update({name: html.count(escape(value)) for name, value in ESCAPED_FORMS.items()})
    figures.xss_raw.extend(markup for markup in RAW_MARKUP if markup in html)
    for markup in RAW_MARKUP:
        assert markup not in html, f"{markup!r} unescaped in {response.wsgi_request.path}"
    assert not URL_ATTRIBUTE.search(html), f"a javascript: URL in an attribute of {response.wsgi_request.path}"
    for value in shown:
        assert escape(value, quote=False) in html or escape(value) in html, f"{value!r} not shown escaped"


def build_spec() -> SurveySpec:
    choices = tuple(ChoiceSpec(code, text(f"option {code}")) for code in ("a", "b"))
    first = PageSpec(
        key="p1",
        title=text("page one"),
        questions=(
            QuestionSpec(key="name", type=QuestionType.SHORT_TEXT, text=text("name question"), help_text=text("help")),
            QuestionSpec(key="pick", type=QuestionType.SINGLE_CHOICE, text=text("pick question"), choices=choices),
            QuestionSpec(
                key="grid",
                type=QuestionType.MATRIX,
                text=text("grid question"),
                choices=choices,
                rows=(ChoiceSpec("r1", text("row one")),),
            ),
            QuestionSpec(key="rank", type=QuestionType.RANKING, text=text("rank question"), choices=choices),
        ),
    )
    second = PageSpec(
        key="p2",
        title=text("page two"),
        questions=(
            # Piping recalls the first answer; the display logic makes the page carry it as known answers.
            QuestionSpec(
                key="follow",
                type=QuestionType.LONG_TEXT,
                text=Text(vi="Vì sao {{name}}?", en="Why {{name}}?"),
                logic=Logic((Condition("name", Operator.ANSWERED),)),
            ),
        ),
    )
    return SurveySpec(
        title=text("survey title"),
        description=text("survey description"),
        languages=("vi", "en"),
        default_language="vi",
        pages=(first, second),
    )


@pytest.fixture
def world():
    owner = UserFactory(email="owner@example.com", first_name=payload("first name"), last_name="Nguyễn")
    workspace = survey_services.create_workspace(name=payload("workspace"), owner=owner)
    member = UserFactory(email="member@example.com", first_name=payload("member name"), last_name=payload("last"))
    survey_services.add_member(workspace=workspace, email=member.email, role=Role.ANALYST)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=owner)
    survey_services.publish_survey(survey=survey, published_by=owner, override_reason="XSS", confirm_warnings=True)
    survey.refresh_from_db()
    collector = response_services.create_collector(survey=survey, created_by=owner, name=payload("collector"))
    answers = {"name": payload("answer"), "pick": "a", "follow": payload("long answer")}
    response_services.submit_response(collector=collector, submission_key=uuid.uuid4(), answers=answers)
    client = Client()
    client.force_login(owner)
    return {"owner": owner, "workspace": workspace, "survey": survey, "collector": collector, "client": client}


def test_researcher_pages_show_every_text_escaped(world):
    client, workspace, survey = world["client"], world["workspace"], world["survey"]
    workspace_args = {"slug": workspace.slug}
    survey_args = {"slug": survey.slug}

    assert_safe(client.get(reverse("frontend:workspace-list")), payload("workspace"))
    assert_safe(client.get(reverse("frontend:workspace-detail", kwargs=workspace_args)), payload("survey title"))
    # Members are listed by email (an email address cannot hold markup); their names are not shown today.
    assert_safe(client.get(reverse("frontend:members", kwargs=workspace_args)), "member@example.com")
    builder = client.get(reverse("frontend:survey-builder", kwargs=survey_args))
    assert_safe(
        builder,
        payload("survey title"),
        payload("page one"),
        payload("name question"),
        payload("help"),
        payload("option a"),
        payload("row one"),
    )
    assert_safe(
        client.get(reverse("frontend:survey-preview", kwargs=survey_args)),
        payload("survey title"),
        payload("name question"),
        payload("option b"),
    )
    for name in ("survey-versions", "survey-monitor", "survey-results", "survey-plan", "representativeness"):
        assert_safe(client.get(reverse(f"frontend:{name}", kwargs=survey_args)), payload("survey title"))
    assert_safe(client.get(reverse("frontend:target-sets", kwargs=workspace_args)), payload("workspace"))
    # The audit log names the survey, the collector and the person who acted (their full name).
    assert_safe(
        client.get(reverse("frontend:audit-log", kwargs=workspace_args)),
        payload("survey title"),
        payload("collector"),
        payload("first name"),
    )


def test_piped_answers_show_escaped_in_the_preview(world):
    client, survey = world["client"], world["survey"]
    url = reverse("frontend:survey-preview", kwargs={"slug": survey.slug})

    response = client.get(url, {"page": "p2", "a-name": payload("piped")})

    assert_safe(response)


def test_a_lint_finding_quotes_the_question_escaped(world):
    client, survey = world["client"], world["survey"]
    question = survey.questions.get(key="name")
    leading = f"Don't you agree that our {SCRIPT} service is excellent?"

    response = client.post(
        reverse("frontend:question-lint", kwargs={"question_id": question.id}), {f"q{question.id}-text_en": leading}
    )

    assert response.status_code == 200
    assert_safe(response, f"our {SCRIPT} service")  # the finding quotes the question, escaped


def test_import_errors_stay_safe_with_a_hostile_file_name(world):
    # Today neither refusal repeats the file name; if one starts to, it must come out escaped.
    client, workspace, survey = world["client"], world["workspace"], world["survey"]
    name = f"{SCRIPT}{IMG}.xlsx"

    xlsform = client.post(
        reverse("frontend:xlsform-import", kwargs={"slug": workspace.slug}),
        {"file": SimpleUploadedFile(name, b"not a workbook")},
    )
    answers = client.post(
        reverse("frontend:response-import", kwargs={"slug": survey.slug}),
        {"file": SimpleUploadedFile(name.replace(".xlsx", ".csv"), b"\x00\x01 not a table")},
    )

    assert xlsform.status_code == 400
    assert_safe(xlsform)
    assert answers.status_code in (200, 302, 400)
    assert_safe(answers)


def test_respondent_pages_show_answers_and_piping_escaped(world):
    respondent = Client()
    collector = world["collector"]
    url = reverse("frontend:respond-public", kwargs={"slug": collector.slug})
    first = respondent.get(url)
    assert_safe(
        first,
        payload("survey title"),
        payload("survey description"),
        payload("page one"),
        payload("help"),
        payload("option a"),
        payload("row one"),
    )
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', first.content.decode()))

    moved = respondent.post(
        url,
        {**fields, "a-name": payload("typed answer"), "a-pick": "a", "move": "next"},
        follow=True,
    )
    assert moved.status_code == 200
    # Page two: the answer piped into the question text, and carried as a known answer for display logic.
    assert_safe(moved)
    assert escape(payload("typed answer")) in moved.content.decode()

    resume_url = moved.redirect_chain[-1][0]
    back = respondent.get(resume_url, {"page": "p1"})
    # Page one again: the stored answer back in its input.
    assert_safe(back, payload("typed answer"))
