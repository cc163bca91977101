"""Linter pages: live findings in the builder, one-click suggestions, the publish review, rule pages."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from surveys import services
from surveys.core.linter import RULES, QuestionInput, lint_question
from surveys.core.roles import Role
from surveys.models import SurveyVersion
from tests.factories import MembershipFactory, UserFactory
from tests.frontend.conftest import HTMX

pytestmark = pytest.mark.django_db

LEADING_VI = "Bạn có thích website mới tuyệt vời của chúng tôi không?"
NEUTRAL_VI = "Bạn đánh giá như thế nào về website mới của chúng tôi?"
INCOME_OPTIONS = [
    {"value": "1", "label": {"vi": "Dưới 5 triệu"}},
    {"value": "2", "label": {"vi": "5–10 triệu"}},
    {"value": "3", "label": {"vi": "Trên 10 triệu"}},
]


def builder_url(survey):
    return reverse("frontend:survey-builder", kwargs={"slug": survey.slug})


def lint_url(question):
    return reverse("frontend:question-lint", kwargs={"question_id": question.id})


def apply_url(question):
    return reverse("frontend:lint-apply", kwargs={"question_id": question.id})


def publish_url(survey):
    return reverse("frontend:survey-publish", kwargs={"slug": survey.slug})


def leading_message(language: str) -> str:
    """Return the leading-word finding's message for LEADING_VI in ``language``."""
    finding = next(
        f for f in lint_question(QuestionInput(LEADING_VI, lang="vi")) if f.rule == "leading_evaluative_word"
    )
    with translation.override(language):
        return finding.message.render(gettext)


@pytest.fixture
def leading(page):
    return services.create_question(page=page, type="long_text", text={"vi": LEADING_VI})


# --- live findings ---------------------------------------------------------------------------


def test_card_shows_findings_of_the_saved_text_without_javascript(signed_in, survey, leading):
    content = signed_in.get(builder_url(survey)).content.decode()

    assert "<mark>tuyệt vời</mark>" in content
    assert "praises what the question asks about" in content
    assert reverse("frontend:lint-rule", kwargs={"rule_id": "leading_evaluative_word"}) in content
    # The live check is wired to the card: typing anywhere in it re-checks after a pause.
    assert f'hx-post="{lint_url(leading)}"' in content
    assert "keyup changed delay:400ms" in content


def test_live_lint_reads_the_typed_text_not_the_saved_one(signed_in, survey, page):
    question = services.create_question(page=page, type="long_text", text={"vi": NEUTRAL_VI})

    response = signed_in.post(lint_url(question), {f"q{question.id}-text_en": "Don't you agree our staff is amazing?"})

    content = response.content.decode()
    assert response.status_code == 200
    assert "<mark>amazing</mark>" in content
    assert "leading_tag_question" in content or "don&#x27;t you agree" in content.lower()
    question.refresh_from_db()
    assert question.text == {"vi": NEUTRAL_VI}  # nothing was saved


def test_live_lint_includes_edited_and_new_options(signed_in, survey, page):
    question = services.create_question(
        page=page,
        type="single_choice",
        text={"vi": "Thu nhập hàng tháng của bạn là bao nhiêu?"},
        choices=INCOME_OPTIONS,
    )
    first = question.choices.get(value="1")
    data = {
        f"q{question.id}-text_vi": "Thu nhập hàng tháng của bạn là bao nhiêu?",
        f"c{first.id}-label_vi": "Dưới 7 triệu",  # now overlaps "5–10 triệu"
        f"no{question.id}-label_vi": "Không muốn trả lời",
    }

    content = signed_in.post(lint_url(question), data).content.decode()

    assert "overlapping_ranges" in content
    assert "Option 2" in content  # the later of the two overlapping ranges
    assert "missing_opt_out_sensitive" not in content  # the typed opt-out counts


def test_hostile_text_is_escaped_in_the_highlighted_fragment(signed_in, survey, page):
    question = services.create_question(page=page, type="long_text", text={"vi": NEUTRAL_VI})
    hostile = '<script>alert("x")</script> How amazing is our <b>new</b> app? <img src=x onerror=alert(1)>'

    content = signed_in.post(lint_url(question), {f"q{question.id}-text_en": hostile}).content.decode()

    assert "<mark>amazing</mark>" in content
    assert "<script>" not in content
    assert "<img" not in content
    assert "<b>new</b>" not in content
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in content


def test_hostile_saved_text_is_escaped_on_the_builder_page(signed_in, survey, page):
    services.create_question(page=page, type="long_text", text={"vi": "<script>alert(1)</script> tuyệt vời?"})

    content = signed_in.get(builder_url(survey)).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_live_lint_of_another_workspace_question_is_not_found(english_client, leading):
    outsider = UserFactory()
    services.create_workspace(name="Khác", owner=outsider)
    english_client.force_login(outsider)

    response = english_client.post(lint_url(leading), {})

    assert response.status_code == 404


def test_messages_follow_the_interface_language(client, researcher, survey, leading):
    client.force_login(researcher)
    texts = {}
    for language in ("en", "vi"):
        client.cookies["django_language"] = language
        content = client.post(lint_url(leading), {}).content.decode()
        texts[language] = leading_message(language)
        assert escape(texts[language]) in content
    assert texts["vi"] != texts["en"]


# --- applying a suggestion ---------------------------------------------------------------------


def test_apply_suggestion_replaces_the_text_through_the_update_service(signed_in, survey, leading):
    response = signed_in.post(apply_url(leading), {"lang": "vi", "rule": "leading_evaluative_word", "text": NEUTRAL_VI})

    leading.refresh_from_db()
    assert leading.text == {"vi": NEUTRAL_VI}
    assert response.status_code == 302
    assert response.url == f"{builder_url(survey)}#q-{leading.id}"


def test_apply_suggestion_by_htmx_returns_the_redrawn_card(signed_in, survey, leading):
    response = signed_in.post(apply_url(leading), {"lang": "vi", "text": NEUTRAL_VI}, **HTMX)

    content = response.content.decode()
    assert response.status_code == 200
    assert f'id="q-{leading.id}"' in content
    assert "<mark>tuyệt vời</mark>" not in content
    assert 'id="survey-lint"' in content  # the survey-wide panel is refreshed out of band


def test_apply_option_suggestion_keeps_codes_and_adds_the_opt_out(signed_in, survey, page):
    question = services.create_question(
        page=page,
        type="single_choice",
        text={"vi": "Thu nhập hàng tháng của bạn là bao nhiêu?"},
        choices=INCOME_OPTIONS,
        role="demographic:income",
    )
    content = signed_in.get(builder_url(survey)).content.decode()
    suggested = re.findall(r'name="option" value="([^"]*)"', content)
    assert suggested[-1]  # the page offers the full option list with an opt-out

    signed_in.post(apply_url(question), {"lang": "vi", "rule": "missing_opt_out_sensitive", "option": suggested})

    choices = list(question.choices.order_by("position"))
    assert [c.value for c in choices[:3]] == ["1", "2", "3"]
    assert choices[3].value == "4"
    assert choices[3].label == {"vi": suggested[-1]}


def test_apply_a_suggestion_that_breaks_the_questionnaire_is_refused(signed_in, survey, page):
    question = services.create_question(page=page, type="single_choice", text={"vi": "Bạn là?"}, choices=INCOME_OPTIONS)
    services.create_question(
        page=page,
        type="short_text",
        text={"vi": "Vì sao?"},
        logic={"match": "all", "conditions": [{"question": question.key, "operator": "equals", "value": "3"}]},
    )

    response = signed_in.post(apply_url(question), {"lang": "vi", "option": ["Dưới 5 triệu", "5–10 triệu"]})

    assert response.status_code == 400
    assert question.choices.count() == 3


def test_apply_without_a_suggestion_or_language_is_refused(signed_in, leading):
    assert signed_in.post(apply_url(leading), {"lang": "vi"}).status_code == 400
    assert signed_in.post(apply_url(leading), {"lang": "fr", "text": NEUTRAL_VI}).status_code == 400
    leading.refresh_from_db()
    assert leading.text == {"vi": LEADING_VI}


def test_viewer_cannot_apply_and_sees_no_apply_button(english_client, survey, leading):
    viewer = UserFactory()
    MembershipFactory(workspace=survey.workspace, user=viewer, role=Role.VIEWER)
    english_client.force_login(viewer)

    content = english_client.get(builder_url(survey)).content.decode()
    response = english_client.post(apply_url(leading), {"lang": "vi", "text": NEUTRAL_VI})

    assert "<mark>tuyệt vời</mark>" in content
    assert apply_url(leading) not in content
    assert response.status_code == 403


# --- survey panel and publishing ---------------------------------------------------------------


def test_survey_panel_shows_completion_time_and_sensitive_questions_first(signed_in, survey, page):
    services.create_question(
        page=page,
        type="single_choice",
        text={"vi": "Thu nhập hàng tháng của bạn là bao nhiêu?"},
        choices=INCOME_OPTIONS,
    )
    services.create_question(page=page, type="long_text", text={"vi": "Bạn thường mua sắm ở đâu?"})

    content = signed_in.get(builder_url(survey)).content.decode()

    panel = content[content.index('id="survey-lint"') :]
    assert "About 1 minute to complete." in panel
    assert "asks about a private matter before respondents are at ease" in panel


def test_publish_page_groups_findings_by_severity(signed_in, survey, leading):
    content = signed_in.get(publish_url(survey)).content.decode()

    assert "Review and publish" in content
    assert 'id="lint-group-warning"' in content
    assert 'name="confirm_warnings"' in content
    assert 'name="override_reason"' not in content  # no error to override


def test_publish_with_unconfirmed_warnings_shows_them_and_publishes_nothing(signed_in, survey, leading):
    response = signed_in.post(publish_url(survey))

    content = response.content.decode()
    assert response.status_code == 409
    assert "review them and confirm to publish" in content or "review it and confirm to publish" in content
    assert "<mark>tuyệt vời</mark>" in content
    assert not SurveyVersion.objects.exists()


def test_publish_after_confirming_the_warnings(signed_in, survey, leading):
    response = signed_in.post(publish_url(survey), {"confirm_warnings": "1"}, follow=True)

    assert "Version 1 is published and the survey is open." in response.content.decode()
    assert SurveyVersion.objects.count() == 1


def test_publish_with_errors_needs_a_reason_which_is_recorded(signed_in, survey, page):
    services.create_question(
        page=page,
        type="single_choice",
        text={"vi": "Bạn bao nhiêu tuổi?"},
        choices=[{"value": "1", "label": {"vi": "16–22"}}, {"value": "2", "label": {"vi": "22–28"}}],
    )

    refused = signed_in.post(publish_url(survey), {"confirm_warnings": "1", "override_reason": "  "})
    published = signed_in.post(
        publish_url(survey), {"confirm_warnings": "1", "override_reason": "Copied from the 2024 wave"}
    )

    assert refused.status_code == 409
    assert 'name="override_reason"' in refused.content.decode()
    assert published.status_code == 302
    assert SurveyVersion.objects.get().lint_override_reason == "Copied from the 2024 wave"


def test_head_publish_button_leads_to_the_review(signed_in, survey, leading):
    content = signed_in.get(builder_url(survey)).content.decode()

    assert f'href="{publish_url(survey)}"' in content


# --- rule pages ----------------------------------------------------------------------------------


def test_rule_index_lists_every_rule(english_client):
    content = english_client.get(reverse("frontend:lint-rule-index")).content.decode()

    for rule_id in RULES:
        assert reverse("frontend:lint-rule", kwargs={"rule_id": rule_id}) in content


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_a_page_rendered_from_its_doc(english_client, rule_id):
    response = english_client.get(reverse("frontend:lint-rule", kwargs={"rule_id": rule_id}))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h2>Why it matters</h2>" in content
    assert "<h2>How to fix</h2>" in content
    assert "<table>" in content or rule_id == "survey_too_long"


def test_rule_page_escapes_html_in_the_markdown(monkeypatch, english_client, tmp_path):
    (tmp_path / "absolute_word.md").write_text(
        "# x\n\n## Why it matters\n\n<script>alert(1)</script> [link](javascript:alert(1))\n", encoding="utf-8"
    )
    monkeypatch.setattr("surveys.linting.RULE_DOCS_DIR", tmp_path)

    content = english_client.get(reverse("frontend:lint-rule", kwargs={"rule_id": "absolute_word"})).content.decode()

    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;" in content
    assert 'href="javascript:' not in content


def test_unknown_rule_page_is_not_found(english_client):
    assert english_client.get(reverse("frontend:lint-rule", kwargs={"rule_id": "no_such_rule"})).status_code == 404
