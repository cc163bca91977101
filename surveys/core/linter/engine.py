"""Run the registered rules over a question or a survey and map every span back to the original text."""

import math
from collections import Counter

from surveys.core.linter import options as _options  # noqa: F401 - registers the option rules
from surveys.core.linter import survey as _survey
from surveys.core.linter import wording as _wording  # noqa: F401 - registers the wording rules
from surveys.core.linter.context import QuestionContext
from surveys.core.linter.findings import LintFinding, QuestionInput, Severity, SurveyInput, SurveyLintReport
from surveys.core.linter.registry import RULES, Hit, Rule, Scope
from surveys.core.linter.text import PreparedText

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _finding(rule: Rule, hit: Hit, ctx: QuestionContext | None) -> LintFinding:
    target: PreparedText | None = None
    if ctx is not None:
        target = ctx.options[hit.option_index] if hit.option_index is not None else ctx.text
    spans = tuple(target.original_span(start, end) for start, end in hit.spans) if target else ()
    return LintFinding(
        rule=rule.id,
        category=rule.category,
        severity=hit.severity or rule.severity,
        spans=spans,
        message=hit.message,
        suggestion=hit.suggestion,
        option_index=hit.option_index,
        question_index=hit.question_index,
    )


def _sorted(findings: list[LintFinding]) -> tuple[LintFinding, ...]:
    return tuple(
        sorted(
            findings,
            key=lambda f: (
                -1 if f.question_index is None else f.question_index,
                _SEVERITY_ORDER[f.severity],
                f.option_index is not None,
                f.start,
                f.rule,
            ),
        )
    )


def _lint_context(ctx: QuestionContext, *, question_index: int | None = None) -> list[LintFinding]:
    findings = []
    for rule in RULES.values():
        if rule.scope != Scope.QUESTION:
            continue
        for hit in rule.check(ctx):
            finding = _finding(rule, hit, ctx)
            if question_index is not None:
                finding = LintFinding(
                    rule=finding.rule,
                    category=finding.category,
                    severity=finding.severity,
                    spans=finding.spans,
                    message=finding.message,
                    suggestion=finding.suggestion,
                    option_index=finding.option_index,
                    question_index=question_index,
                )
            findings.append(finding)
    return findings


def lint_question(question: QuestionInput) -> tuple[LintFinding, ...]:
    """Return the findings for one question, most severe first."""
    if not isinstance(question, QuestionInput):
        raise ValueError("lint_question takes a QuestionInput")
    return _sorted(_lint_context(QuestionContext(question)))


def lint_survey(survey: SurveyInput) -> SurveyLintReport:
    """Return the findings for every question and for the survey as a whole, with its estimated duration."""
    if not isinstance(survey, SurveyInput):
        raise ValueError("lint_survey takes a SurveyInput")
    contexts = tuple(QuestionContext(question, lang=survey.lang) for question in survey.questions)
    findings: list[LintFinding] = []
    for index, ctx in enumerate(contexts):
        findings.extend(_lint_context(ctx, question_index=index))
    survey_context = _survey.SurveyContext(contexts)
    for rule in RULES.values():
        if rule.scope != Scope.SURVEY:
            continue
        for hit in rule.check(survey_context):
            ctx = contexts[hit.question_index] if hit.question_index is not None else None
            findings.append(_finding(rule, hit, ctx))
    seconds = sum(_survey.estimate_question_seconds(ctx) for ctx in contexts)
    languages = tuple(language for language, _ in Counter(ctx.lang for ctx in contexts).most_common())
    return SurveyLintReport(findings=_sorted(findings), estimated_seconds=math.ceil(seconds), languages=languages)
