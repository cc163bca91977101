"""Recall an earlier answer inside a later question's text (``{{key}}``).

The result is plain text: templates escape it like any other value, so a respondent's answer
can never inject markup into the page another respondent or an analyst sees.
"""

from collections.abc import Mapping

from surveys.core.questionnaire import PIPE_PATTERN, QuestionSpec, QuestionType, SurveySpec

MAX_RECALL_LENGTH = 200


def describe_answer(question: QuestionSpec, answer: object, language: str) -> str:
    """Return an answer as the words a respondent would read (labels, not codes)."""
    if answer is None:
        return ""
    labels = {choice.value: choice.label.get(language) or choice.value for choice in question.choices}
    if question.type in (QuestionType.MULTIPLE_CHOICE, QuestionType.RANKING) and isinstance(answer, (list, tuple)):
        return ", ".join(labels.get(str(item), str(item)) for item in answer)
    if question.type in (QuestionType.SINGLE_CHOICE, QuestionType.RATING):
        return labels.get(str(answer), str(answer))
    if isinstance(answer, float) and answer.is_integer():
        return str(int(answer))
    if isinstance(answer, dict):
        return ""
    return str(answer)


def render_piped_text(text: str, *, spec: SurveySpec, answers: Mapping[str, object], language: str) -> str:
    """Replace each ``{{key}}`` with the respondent's answer to that question (blank if none)."""

    def replace(match) -> str:
        question = spec.question(match.group(1))
        if question is None:
            return ""
        recalled = describe_answer(question, answers.get(question.key), language)
        return recalled[:MAX_RECALL_LENGTH]

    return PIPE_PATTERN.sub(replace, text)
