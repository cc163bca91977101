import pytest

from surveys.core.display_logic import evaluate_condition, evaluate_logic, visible_questions
from surveys.core.questionnaire import (
    Condition,
    Logic,
    Operator,
    PageSpec,
    QuestionSpec,
    QuestionType,
    SurveySpec,
    Text,
)


@pytest.mark.parametrize(
    ("operator", "value", "answer", "expected"),
    [
        (Operator.EQUALS, "f", "f", True),
        (Operator.EQUALS, "f", "m", False),
        (Operator.NOT_EQUALS, "f", "m", True),
        (Operator.ANY_OF, ("a", "b"), "b", True),
        (Operator.NONE_OF, ("a", "b"), "b", False),
        (Operator.INCLUDES, "momo", ["cod", "momo"], True),
        (Operator.EXCLUDES, "momo", ["cod"], True),
        (Operator.GT, 6, 7, True),
        (Operator.GTE, 6, 6, True),
        (Operator.LT, 6, 6, False),
        (Operator.LTE, 6, "6", True),
        (Operator.EQUALS, 5, 5.0, True),
        (Operator.GT, "2024-01-01", "2024-06-30", True),
        (Operator.ANSWERED, None, "x", True),
        (Operator.ANSWERED, None, [], False),
        (Operator.NOT_ANSWERED, None, None, True),
    ],
)
def test_condition_operators(operator, value, answer, expected):
    assert evaluate_condition(Condition("q", operator, value), {"q": answer}) is expected


@pytest.mark.parametrize("operator", [Operator.EQUALS, Operator.NOT_EQUALS, Operator.GT, Operator.EXCLUDES])
def test_an_unanswered_question_satisfies_no_value_condition(operator):
    assert evaluate_condition(Condition("q", operator, "1"), {}) is False


def test_match_all_and_any():
    conditions = (Condition("a", Operator.EQUALS, "1"), Condition("b", Operator.EQUALS, "1"))
    answers = {"a": "1", "b": "2"}
    assert evaluate_logic(Logic(conditions, "all"), answers) is False
    assert evaluate_logic(Logic(conditions, "any"), answers) is True
    assert evaluate_logic(None, answers) is True


def test_answers_to_hidden_questions_do_not_reveal_later_ones():
    spec = SurveySpec(
        title=Text(vi="S"),
        pages=(
            PageSpec(
                "p1",
                questions=(
                    QuestionSpec("nps", QuestionType.NPS, Text(vi="NPS")),
                    QuestionSpec(
                        "why",
                        QuestionType.LONG_TEXT,
                        Text(vi="Vì sao?"),
                        logic=Logic((Condition("nps", Operator.LTE, 6),)),
                    ),
                    QuestionSpec(
                        "more",
                        QuestionType.LONG_TEXT,
                        Text(vi="Thêm?"),
                        logic=Logic((Condition("why", Operator.ANSWERED),)),
                    ),
                ),
            ),
        ),
    )
    # "why" was answered earlier, then the respondent raised the score: both follow-ups disappear.
    shown = visible_questions(spec, {"nps": 9, "why": "chậm"})
    assert [q.key for q in shown] == ["nps"]
    assert [q.key for q in visible_questions(spec, {"nps": 3, "why": "chậm"})] == ["nps", "why", "more"]


def test_page_logic_hides_all_its_questions():
    spec = SurveySpec(
        title=Text(vi="S"),
        pages=(
            PageSpec("p1", questions=(QuestionSpec("buy", QuestionType.SHORT_TEXT, Text(vi="Mua?")),)),
            PageSpec(
                "p2",
                questions=(QuestionSpec("x", QuestionType.SHORT_TEXT, Text(vi="X")),),
                logic=Logic((Condition("buy", Operator.EQUALS, "yes"),)),
            ),
        ),
    )
    assert [q.key for q in visible_questions(spec, {"buy": "no", "x": "a"})] == ["buy"]
