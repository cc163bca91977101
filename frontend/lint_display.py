"""The linter's findings as page data: highlighted text, translated messages, suggestions, rule links.

Highlighting splits a text into plain and marked segments; the templates print every segment
with autoescaping, so a question's text can never become markup, whatever it contains.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.forms import LANGUAGE_NAMES
from surveys import linting, selectors
from surveys.core.linter import RULES, LintFinding, QuestionInput, Scope, Severity, lint_question
from surveys.models import Choice, Question, Survey

SEVERITY_LABELS = {
    Severity.ERROR: gettext_lazy("Error"),
    Severity.WARNING: gettext_lazy("Warning"),
    Severity.INFO: gettext_lazy("Advice"),
}
_SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)


@dataclass(frozen=True)
class Segment:
    text: str
    is_marked: bool


def highlight(text: str, spans: Sequence[tuple[int, int]]) -> list[Segment]:
    """Split ``text`` into segments, marking the (merged, clamped) ``spans``."""
    cleaned = sorted((max(0, start), min(len(text), end)) for start, end in spans if start < end)
    merged: list[list[int]] = []
    for start, end in cleaned:
        if start >= len(text):
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    segments, position = [], 0
    for start, end in merged:
        if start > position:
            segments.append(Segment(text[position:start], False))
        segments.append(Segment(text[start:end], True))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:], False))
    return segments


def severity_label(severity: str) -> str:
    return str(SEVERITY_LABELS.get(Severity(severity), severity))


@dataclass(frozen=True)
class FindingView:
    rule: str
    category: str
    severity: str
    message: str
    lang: str
    # What the spans point into: the question text, or an option's label (then option_number is set).
    target: list[Segment]
    option_number: int | None
    suggested_questions: tuple[str, ...]
    suggested_options: tuple[str, ...]
    question_key: str | None = None
    question_id: int | None = None
    question_number: int | None = None

    @property
    def severity_label(self) -> str:
        return severity_label(self.severity)

    @property
    def rule_url(self) -> str:
        return reverse("frontend:lint-rule", kwargs={"rule_id": self.rule})

    @property
    def suggested_text(self) -> str:
        """The single replacement text, when the suggestion is one rewritten question."""
        return self.suggested_questions[0] if len(self.suggested_questions) == 1 else ""


def finding_view(finding: LintFinding, target_text: str, lang: str, **where: Any) -> FindingView:
    suggestion = finding.suggestion
    return FindingView(
        rule=finding.rule,
        category=finding.category.value,
        severity=finding.severity.value,
        message=finding.message.render(_),
        lang=lang,
        target=highlight(target_text, finding.spans) if target_text else [],
        option_number=finding.option_index + 1 if finding.option_index is not None else None,
        suggested_questions=suggestion.questions if suggestion else (),
        suggested_options=suggestion.options if suggestion else (),
        **where,
    )


# --- one question, in each language it is written in ---------------------------------------


@dataclass(frozen=True)
class OptionLint:
    number: int
    segments: list[Segment]


@dataclass(frozen=True)
class LanguageLint:
    lang: str
    text_segments: list[Segment]
    options: list[OptionLint]
    findings: list[FindingView]

    @property
    def language_name(self) -> str:
        return str(LANGUAGE_NAMES.get(self.lang, self.lang))


@dataclass(frozen=True)
class QuestionLint:
    question: Question
    languages: list[LanguageLint] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(block.findings) for block in self.languages)

    @property
    def has_text(self) -> bool:
        return bool(self.languages)


def question_role(question: Question) -> str | None:
    return f"{question.role_kind}:{question.role_variable}" if question.role_kind else None


def saved_options(question: Question) -> list[Mapping[str, str]]:
    """Return the labels of the question's options (the scale of a matrix), in order."""
    return [c.label or {} for c in question.choices.all() if c.kind == Choice.Kind.OPTION]


def lint_question_texts(
    question: Question,
    *,
    languages: Sequence[str],
    default_language: str,
    texts: Mapping[str, str],
    options: Sequence[Mapping[str, str]],
    question_type: str,
) -> QuestionLint:
    """Lint the question as written in each language that has text; options fall back to the default language."""
    blocks = []
    for lang in languages:
        text = texts.get(lang, "")
        if not text.strip():
            continue
        labels = tuple(label.get(lang) or label.get(default_language) or "" for label in options)
        findings = lint_question(
            QuestionInput(text=text, options=labels, type=question_type, lang=lang, role=question_role(question))
        )
        views, spans_by_option = [], {}
        question_spans: list[tuple[int, int]] = []
        for finding in findings:
            if finding.option_index is None:
                question_spans.extend(finding.spans)
                target = text
            else:
                spans_by_option.setdefault(finding.option_index, []).extend(finding.spans)
                target = labels[finding.option_index]
            views.append(finding_view(finding, target, lang, question_key=question.key, question_id=question.id))
        blocks.append(
            LanguageLint(
                lang=lang,
                text_segments=highlight(text, question_spans),
                options=[
                    OptionLint(index + 1, highlight(labels[index], spans))
                    for index, spans in sorted(spans_by_option.items())
                ],
                findings=views,
            )
        )
    return QuestionLint(question=question, languages=blocks)


def lint_saved_question(question: Question, survey: Survey) -> QuestionLint:
    return lint_question_texts(
        question,
        languages=survey.languages,
        default_language=survey.default_language,
        texts=question.text or {},
        options=saved_options(question),
        question_type=question.type,
    )


def lint_typed_question(question: Question, survey: Survey, data: Mapping[str, Any]) -> QuestionLint:
    """Lint what the builder's forms for ``question`` hold right now (posted, not saved).

    Reads the question form (prefix ``q<id>``), each option's form (``c<choice id>``) and the
    "add an option" form (``no<question id>``, when something is typed there); anything not
    posted keeps its saved value.
    """
    languages = list(survey.languages)
    texts = {
        lang: str(data.get(f"q{question.id}-text_{lang}", (question.text or {}).get(lang, ""))) for lang in languages
    }
    options: list[Mapping[str, str]] = []
    for choice in question.choices.all():
        if choice.kind != Choice.Kind.OPTION:
            continue
        saved = choice.label or {}
        options.append({lang: str(data.get(f"c{choice.id}-label_{lang}", saved.get(lang, ""))) for lang in languages})
    typed_new = {lang: str(data.get(f"no{question.id}-label_{lang}", "")) for lang in languages}
    if any(label.strip() for label in typed_new.values()):
        options.append(typed_new)
    question_type = str(data.get(f"q{question.id}-type") or question.type)
    return lint_question_texts(
        question,
        languages=languages,
        default_language=survey.default_language,
        texts=texts,
        options=options,
        question_type=question_type,
    )


# --- the whole survey ---------------------------------------------------------------------


@dataclass(frozen=True)
class SeverityGroup:
    severity: str
    findings: list[FindingView]

    @property
    def label(self) -> str:
        return severity_label(self.severity)


@dataclass(frozen=True)
class SurveyLintView:
    estimated_seconds: int
    groups: list[SeverityGroup]
    # The whole-survey findings (order, repetition, scales, length), for the builder's panel.
    survey_findings: list[FindingView]

    @property
    def estimated_minutes(self) -> int:
        return max(1, -(-self.estimated_seconds // 60))

    def count(self, severity: str) -> int:
        return next((len(group.findings) for group in self.groups if group.severity == severity), 0)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def infos(self) -> int:
        return self.count(Severity.INFO)


def survey_lint_view(survey: Survey, lint: linting.SurveyLint | None = None) -> SurveyLintView:
    """Return every finding of the working questionnaire grouped by severity, most severe first."""
    if lint is None:
        lint = linting.lint_survey_spec(selectors.get_survey_spec(survey=survey))
    questions = list(selectors.list_questions(survey=survey))
    ids = {question.key: question.id for question in questions}
    numbers = {question.key: number for number, question in enumerate(questions, start=1)}
    views, survey_findings = [], []
    for item in lint.findings:
        key = item.question_key
        view = finding_view(
            item.finding,
            item.target_text,
            item.lang,
            question_key=key,
            question_id=ids.get(key) if key else None,
            question_number=numbers.get(key) if key else None,
        )
        views.append(view)
        if RULES[item.finding.rule].scope == Scope.SURVEY:
            survey_findings.append(view)
    groups = [
        SeverityGroup(severity.value, [view for view in views if view.severity == severity])
        for severity in _SEVERITY_ORDER
    ]
    return SurveyLintView(
        estimated_seconds=lint.estimated_seconds,
        groups=[group for group in groups if group.findings],
        survey_findings=survey_findings,
    )


def findings_views(findings: Sequence[linting.SurveyFinding], survey: Survey) -> SurveyLintView:
    """Return the findings a refused publish listed, as the same grouped view."""
    return survey_lint_view(survey, linting.SurveyLint(findings=tuple(findings), estimated_seconds=0))
