"""Evaluate display logic against the answers given so far.

Answers are keyed by question key: a string for single choice, text and dates (ISO), a number
for number, rating and NPS, a list of codes for multiple choice and ranking, and a mapping of
row to code for a matrix. A question that is hidden or unanswered is simply absent.
"""

from collections.abc import Mapping

from surveys.core.questionnaire import Condition, Logic, Operator, PageSpec, QuestionSpec, SurveySpec


def _is_answered(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


def _as_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _compare(answer: object, expected: object) -> int | None:
    """Return -1, 0 or 1 comparing answer with expected; None when they cannot be compared."""
    left, right = _as_number(answer), _as_number(expected)
    if left is None or right is None:
        if isinstance(answer, str) and isinstance(expected, str):
            left_text, right_text = answer, expected  # ISO dates compare as text
            return (left_text > right_text) - (left_text < right_text)
        return None
    return (left > right) - (left < right)


def evaluate_condition(condition: Condition, answers: Mapping[str, object]) -> bool:
    """Return whether one condition holds; an unanswered question satisfies only NOT_ANSWERED."""
    answer = answers.get(condition.question)
    operator = condition.operator
    if operator == Operator.ANSWERED:
        return _is_answered(answer)
    if operator == Operator.NOT_ANSWERED:
        return not _is_answered(answer)
    if not _is_answered(answer):
        return False
    expected = condition.value
    if operator in (Operator.INCLUDES, Operator.EXCLUDES):
        selected = {str(item) for item in answer} if isinstance(answer, (list, tuple)) else {str(answer)}
        return (str(expected) in selected) == (operator == Operator.INCLUDES)
    if operator in (Operator.ANY_OF, Operator.NONE_OF):
        options = {str(item) for item in expected} if isinstance(expected, tuple) else {str(expected)}
        return (str(answer) in options) == (operator == Operator.ANY_OF)
    order = _compare(answer, expected)
    if operator == Operator.EQUALS:
        return order == 0 if order is not None else str(answer) == str(expected)
    if operator == Operator.NOT_EQUALS:
        return order != 0 if order is not None else str(answer) != str(expected)
    if order is None:
        return False
    return {
        Operator.GT: order > 0,
        Operator.GTE: order >= 0,
        Operator.LT: order < 0,
        Operator.LTE: order <= 0,
    }[operator]


def evaluate_logic(logic: Logic | None, answers: Mapping[str, object]) -> bool:
    """Return whether the item governed by ``logic`` is shown (no logic: always shown)."""
    if logic is None:
        return True
    results = (evaluate_condition(condition, answers) for condition in logic.conditions)
    return all(results) if logic.match == "all" else any(results)


def visible_questions(spec: SurveySpec, answers: Mapping[str, object]) -> list[QuestionSpec]:
    """Return the questions shown for ``answers``, in order; answers to hidden ones are ignored."""
    shown: list[QuestionSpec] = []
    effective: dict[str, object] = {}
    for page in spec.pages:
        if not evaluate_logic(page.logic, effective):
            continue
        for question in page.questions:
            if evaluate_logic(question.logic, effective):
                shown.append(question)
                if question.key in answers:
                    effective[question.key] = answers[question.key]
    return shown


def is_page_shown(page: PageSpec, answers: Mapping[str, object]) -> bool:
    """Return whether ``page`` is shown for the answers given on earlier pages."""
    return evaluate_logic(page.logic, answers)
