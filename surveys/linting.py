"""The linter applied to a survey's questionnaire, in every language it is written in, and its rule pages.

The pure linter (``surveys.core.linter``) reads one language at a time. A bilingual survey is
linted in its default language and again in each other language, keeping from the latter only
what that language's own translations contribute: text that falls back to the default language
would repeat the default language's findings, and the whole-survey rules (order, repetition,
length) are about the questionnaire, not its wording, so they run once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from surveys.core.linter import RULES, LintFinding, Scope, Severity, lint_survey, survey_input_from_spec
from surveys.core.questionnaire import SurveySpec

RULE_DOCS_DIR = Path(settings.BASE_DIR) / "docs" / "linter"


@dataclass(frozen=True, slots=True)
class SurveyFinding:
    """A finding of the whole-questionnaire lint: the question it is about (None: the survey) and its language."""

    finding: LintFinding
    question_key: str | None
    lang: str
    # The text the spans point into: the question's text, or option ``finding.option_index``'s label.
    target_text: str


@dataclass(frozen=True, slots=True)
class SurveyLint:
    findings: tuple[SurveyFinding, ...]
    estimated_seconds: int

    @property
    def errors(self) -> tuple[SurveyFinding, ...]:
        return tuple(f for f in self.findings if f.finding.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[SurveyFinding, ...]:
        return tuple(f for f in self.findings if f.finding.severity == Severity.WARNING)

    @property
    def infos(self) -> tuple[SurveyFinding, ...]:
        return tuple(f for f in self.findings if f.finding.severity == Severity.INFO)

    @property
    def is_blocking(self) -> bool:
        return bool(self.errors)


def lint_survey_spec(spec: SurveySpec) -> SurveyLint:
    """Lint ``spec`` in each of its languages; see the module docstring for what each language contributes."""
    questions = tuple(spec.questions())
    findings: list[SurveyFinding] = []
    estimated_seconds = 0
    languages = [spec.default_language, *(lang for lang in spec.languages if lang != spec.default_language)]
    for language in languages:
        is_default = language == spec.default_language
        survey_input = survey_input_from_spec(spec, language=language)
        report = lint_survey(survey_input)
        if is_default:
            estimated_seconds = report.estimated_seconds
        for finding in report.findings:
            if finding.question_index is None:
                if is_default:
                    findings.append(SurveyFinding(finding, None, language, ""))
                continue
            question = questions[finding.question_index]
            linted = survey_input.questions[finding.question_index]
            if finding.option_index is None:
                own = bool(getattr(question.text, language).strip())
                target = linted.text
            else:
                choice = question.choices[finding.option_index]
                own = bool(getattr(choice.label, language).strip())
                target = linted.options[finding.option_index]
            if not is_default and (RULES[finding.rule].scope == Scope.SURVEY or not own):
                continue
            findings.append(SurveyFinding(finding, question.key, language, target))
    return SurveyLint(findings=tuple(findings), estimated_seconds=estimated_seconds)


def read_rule_doc(rule_id: str) -> str | None:
    """Return the Markdown page of a registered rule (docs/linter/<rule_id>.md), or None."""
    if rule_id not in RULES:
        return None
    page = RULE_DOCS_DIR / f"{rule_id}.md"
    return page.read_text(encoding="utf-8") if page.is_file() else None


def finding_as_dict(finding: LintFinding, *, translate: Callable[[str], str]) -> dict[str, Any]:
    """Return a finding as plain JSON values, its message translated by ``translate``.

    ``start``/``end`` are the first span; all spans are in ``spans``. They index the question
    text, or the label of option ``option_index`` when that is set.
    """
    suggestion = finding.suggestion
    return {
        "rule": finding.rule,
        "category": finding.category.value,
        "severity": finding.severity.value,
        "start": finding.start,
        "end": finding.end,
        "spans": [[start, end] for start, end in finding.spans],
        "option_index": finding.option_index,
        "message": finding.message.render(translate),
        "suggestion": {"questions": list(suggestion.questions), "options": list(suggestion.options)}
        if suggestion is not None
        else None,
    }
