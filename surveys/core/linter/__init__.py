"""The question linter: bilingual rules that find wording and options which bias or break answers.

Entry points are ``lint_question`` and ``lint_survey``; ``survey_input_from_spec`` adapts a
``SurveySpec``. Every rule is in ``RULES``, keyed by id, with its category and default severity.
"""

from surveys.core.linter.adapters import survey_input_from_spec
from surveys.core.linter.engine import lint_question, lint_survey
from surveys.core.linter.findings import (
    Category,
    LintFinding,
    QuestionInput,
    Severity,
    Suggestion,
    SurveyInput,
    SurveyLintReport,
)
from surveys.core.linter.registry import RULES, Rule, Scope
from surveys.core.linter.text import detect_language

__all__ = [
    "RULES",
    "Category",
    "LintFinding",
    "QuestionInput",
    "Rule",
    "Scope",
    "Severity",
    "Suggestion",
    "SurveyInput",
    "SurveyLintReport",
    "detect_language",
    "lint_question",
    "lint_survey",
    "survey_input_from_spec",
]
