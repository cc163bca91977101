from collections import Counter
from dataclasses import replace

from surveys.core.questionnaire import (
    ChoiceSpec,
    Condition,
    Logic,
    Operator,
    PageSpec,
    QuestionSpec,
    QuestionType,
    Text,
)
from surveys.core.randomization import order_choices, order_questions

OPTIONS = tuple(ChoiceSpec(code, Text(vi=code)) for code in "abcde")
CHANNELS = QuestionSpec(
    "ch",
    QuestionType.MULTIPLE_CHOICE,
    Text(vi="Kênh?"),
    choices=(
        *OPTIONS,
        ChoiceSpec("other", Text(vi="Khác"), is_other=True),
        ChoiceSpec("none", Text(vi="Không"), is_exclusive=True),
    ),
    randomize_choices=True,
)


def test_order_is_stable_for_one_respondent_and_varies_across_respondents():
    assert order_choices(CHANNELS, seed="r1") == order_choices(CHANNELS, seed="r1")
    firsts = Counter(order_choices(CHANNELS, seed=f"r{i}")[0].value for i in range(500))
    assert set(firsts) == set("abcde")
    assert min(firsts.values()) > 60  # roughly uniform: 100 expected each


def test_other_and_none_stay_last():
    for i in range(50):
        assert [c.value for c in order_choices(CHANNELS, seed=str(i))[-2:]] == ["other", "none"]


def test_without_the_option_the_authored_order_is_kept():
    plain = replace(CHANNELS, randomize_choices=False)
    assert order_choices(plain, seed="x") == plain.choices


def test_a_follow_up_never_appears_above_the_question_it_follows():
    nps = QuestionSpec("nps", QuestionType.NPS, Text(vi="NPS"))
    why = QuestionSpec(
        "why", QuestionType.LONG_TEXT, Text(vi="Vì sao?"), logic=Logic((Condition("nps", Operator.LTE, 6),))
    )
    recall = QuestionSpec("recall", QuestionType.SHORT_TEXT, Text(vi="Bạn cho {{nps}} điểm"))
    others = tuple(QuestionSpec(f"x{i}", QuestionType.SHORT_TEXT, Text(vi="X")) for i in range(4))
    page = PageSpec("p1", questions=(nps, why, recall, *others), randomize_questions=True)
    orders = {tuple(q.key for q in order_questions(page, seed=str(i))) for i in range(100)}
    assert len(orders) > 10
    for order in orders:
        assert order.index("nps") < order.index("why")
        assert order.index("nps") < order.index("recall")
        assert sorted(order) == sorted(q.key for q in page.questions)
