"""The linter's findings for the builder page: per question card and for the survey as a whole."""

from django import template

from frontend import lint_display
from surveys.models import Question, Survey

register = template.Library()


@register.simple_tag
def question_lint(question: Question, survey: Survey) -> lint_display.QuestionLint:
    """Return the findings on the question as saved (what the page shows before any typing, and without JS)."""
    return lint_display.lint_saved_question(question, survey)


@register.simple_tag
def survey_lint(survey: Survey) -> lint_display.SurveyLintView:
    """Return the findings on the working questionnaire, grouped by severity."""
    return lint_display.survey_lint_view(survey)
