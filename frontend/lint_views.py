"""Linter pages: live findings while a question is typed, one-click suggestions, and the rule pages.

The live findings are read-only (nothing is saved); applying a suggestion goes through
``services.update_question`` like any other edit, so it is validated and can be refused.
"""

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from markdown_it import MarkdownIt

from frontend import builder, lint_display, views
from surveys import linting, selectors, services
from surveys.core.linter import RULES, Category
from surveys.core.questionnaire import QuestionType
from surveys.core.roles import Capability, has_capability
from surveys.errors import DomainError, InvalidInput
from surveys.models import Choice, Question, Survey

QUESTION_LINT_TEMPLATE = "frontend/lint/_question_lint.html"

# CommonMark with tables; raw HTML in the Markdown is shown as text, and unsafe link schemes are refused.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def _can_edit(request: HttpRequest, survey: Survey) -> bool:
    role = selectors.get_role(workspace=survey.workspace, user=request.user)
    return role is not None and has_capability(role, Capability.EDIT)


# --- live findings and suggestions ----------------------------------------------------------


@require_POST
@views.researcher_view
def question_lint(request: HttpRequest, question_id: int) -> HttpResponse:
    """Return the findings for what the question's forms hold now (htmx, while typing); nothing is saved."""
    question = selectors.get_question_for_user(question_id=question_id, user=request.user)
    survey = question.survey
    context = {
        "lint": lint_display.lint_typed_question(question, survey, request.POST),
        "question": question,
        "survey": survey,
        "can_edit": _can_edit(request, survey),
        "is_live": True,
    }
    return render(request, QUESTION_LINT_TEMPLATE, context)


def _normalise(label: str) -> str:
    return " ".join(unicodedata.normalize("NFC", label).casefold().split())


def _next_code(used: set[str]) -> str:
    number = 1
    while str(number) in used:
        number += 1
    return str(number)


def suggested_choices(
    question: Question, *, lang: str, default_language: str, labels: Sequence[str], rule: str
) -> list[dict[str, Any]]:
    """Return the question's options rewritten to ``labels`` (in ``lang``) for ``update_question``.

    An existing option whose label matches keeps its code, flags and other languages; a new
    label becomes a new option (marked "other" when the rule asked for one, "none of these" for
    an opt-out on a multiple-choice question). Options the suggestion leaves out are removed.
    """
    existing = [c for c in question.choices.all() if c.kind == Choice.Kind.OPTION]
    by_label: dict[str, list[Choice]] = {}
    for choice in existing:
        label = (choice.label or {}).get(lang) or (choice.label or {}).get(default_language) or ""
        by_label.setdefault(_normalise(label), []).append(choice)
    used = {choice.value for choice in existing}
    choices = []
    for label in labels:
        matches = by_label.get(_normalise(label))
        if matches:
            choice = matches.pop(0)
            choices.append(
                {
                    "value": choice.value,
                    "label": {**(choice.label or {}), lang: label},
                    "is_exclusive": choice.is_exclusive,
                    "is_other": choice.is_other,
                }
            )
            continue
        code = _next_code(used)
        used.add(code)
        choices.append(
            {
                "value": code,
                "label": {lang: label},
                "is_exclusive": rule == "missing_opt_out_sensitive" and question.type == QuestionType.MULTIPLE_CHOICE,
                "is_other": rule == "missing_other_option",
            }
        )
    return choices


def _suggestion_changes(question: Question, survey: Survey, data: Mapping[str, Any]) -> dict[str, Any]:
    lang = str(data.get("lang", ""))
    if lang not in survey.languages:
        raise InvalidInput(_("Choose one of the survey's languages."))
    text = str(data.get("text", "")).strip()
    labels = [label.strip() for label in data.getlist("option") if label.strip()] if hasattr(data, "getlist") else []
    if text:
        return {"text": {**(question.text or {}), lang: text}}
    if labels:
        rule = str(data.get("rule", ""))
        return {
            "choices": suggested_choices(
                question, lang=lang, default_language=survey.default_language, labels=labels, rule=rule
            )
        }
    raise InvalidInput(_("There is no suggestion to apply."))


@require_POST
@views.researcher_view
def lint_apply(request: HttpRequest, question_id: int) -> HttpResponse:
    """Replace the question's text (or its options) in one language with the linter's suggestion."""
    question = selectors.get_question_for_user(question_id=question_id, user=request.user, capability=Capability.EDIT)
    survey = question.survey
    slot = f"question-{question.id}"
    try:
        services.update_question(question=question, **_suggestion_changes(question, survey, request.POST))
    except DomainError as error:
        return views._refused(
            request, survey, builder.failure_for(slot, error=error), partial="card", question_id=question.id
        )
    return views._after_write(
        request,
        survey,
        message=_("The suggestion was applied to question %(key)s.") % {"key": question.key},
        anchor=f"q-{question.id}",
        partial="card",
        question_id=question.id,
        saved=slot,
    )


# --- rule pages -----------------------------------------------------------------------------


def render_rule_doc(markdown: str) -> SafeString:
    """Return the rule page's Markdown from "Why it matters" on as HTML (the heading part comes from the registry)."""
    start = markdown.find("\n## ")
    body = markdown[start + 1 :] if start >= 0 else markdown
    # Safe: raw HTML is disabled, so every character of the source is escaped or produced by the renderer.
    return mark_safe(_MARKDOWN.render(body))  # noqa: S308


@require_GET
def rule_index(request: HttpRequest) -> HttpResponse:
    """List the linter's rules by category."""
    categories = []
    for category in Category:
        rules = sorted((rule for rule in RULES.values() if rule.category == category), key=lambda rule: rule.id)
        if rules:
            categories.append(
                (
                    category.value,
                    [(rule, _(rule.summary), lint_display.severity_label(rule.severity)) for rule in rules],
                )
            )
    return render(request, "frontend/lint/rule_index.html", {"categories": categories})


@require_GET
def rule_detail(request: HttpRequest, rule_id: str) -> HttpResponse:
    """Show one rule: what it catches, why it matters, examples in both languages, how to fix it."""
    rule = RULES.get(rule_id)
    if rule is None:
        raise Http404(_("No linter rule is called “%(rule)s”.") % {"rule": rule_id})
    markdown = linting.read_rule_doc(rule.id) or ""
    context = {
        "rule": rule,
        "summary": _(rule.summary),
        "severity_label": lint_display.severity_label(rule.severity),
        "doc": render_rule_doc(markdown) if markdown else "",
    }
    return render(request, "frontend/lint/rule_detail.html", context)
