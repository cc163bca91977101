"""AnswerStore gives back exactly the answers it was given, in little memory."""

import math
import random

import numpy as np
import pytest

from analysis.core.answer_store import AnswerStore
from analysis.core.results import summarize_question
from surveys.core.questionnaire import ChoiceSpec, QuestionSpec, QuestionType, Text

SCALE = tuple(ChoiceSpec(str(point)) for point in range(1, 6))
OPTIONS = (ChoiceSpec("a"), ChoiceSpec("b"), ChoiceSpec("c", is_other=True))
QUESTIONS = (
    QuestionSpec("single", QuestionType.SINGLE_CHOICE, Text("s", "s"), choices=OPTIONS),
    QuestionSpec("multi", QuestionType.MULTIPLE_CHOICE, Text("m", "m"), choices=OPTIONS),
    QuestionSpec("rating", QuestionType.RATING, Text("r", "r"), choices=SCALE, allow_not_applicable=True),
    QuestionSpec("nps", QuestionType.NPS, Text("n", "n")),
    QuestionSpec("number", QuestionType.NUMBER, Text("x", "x")),
    QuestionSpec("date", QuestionType.DATE, Text("d", "d")),
    QuestionSpec("grid", QuestionType.MATRIX, Text("g", "g"), choices=SCALE, rows=(ChoiceSpec("r1"), ChoiceSpec("r2"))),
    QuestionSpec("text", QuestionType.SHORT_TEXT, Text("t", "t")),
)
ODD = [
    {"single": True, "multi": [{"a": 1}], "rating": True, "nps": "9", "number": float("nan"), "grid": ["r1"]},
    {"single": 1, "multi": "a", "rating": float("inf"), "nps": 11.5, "number": 2**60, "grid": {"r1": ["3"]}},
    {"single": "zz", "multi": ["a", "a"], "rating": "n/a", "nps": None, "number": True, "grid": "3"},
    {"single": 1.0, "multi": [], "rating": 4.0, "nps": 10, "number": -3, "date": 20260101, "grid": {}},
    {"multi": ["b", 1], "rating": "3", "date": "2026-13", "grid": {"r9": "1", "r1": True}},
]


def _answers(count: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        row = {
            "single": rng.choice(["a", "b", "c"]),
            "multi": rng.sample(["a", "b", "c"], rng.randint(1, 3)),
            "rating": rng.randint(1, 5),
            "nps": rng.randint(0, 10),
            "number": rng.choice([rng.randint(0, 90), round(rng.uniform(0, 1e6), 2)]),
            "date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "grid": {"r1": rng.choice("12345"), "r2": rng.choice(["1", "5", "n/a"])},
            "text": "hello",
        }
        rows.append({key: value for key, value in row.items() if rng.random() > 0.1})
    return rows


def _same(left: list, right: list) -> bool:
    def one(a, b) -> bool:
        if isinstance(a, float) and math.isnan(a):
            return isinstance(b, float) and math.isnan(b)
        return type(a) is type(b) and a == b

    return len(left) == len(right) and all(one(a, b) for a, b in zip(left, right, strict=True))


def _filled(rows: list[dict], chunk: int = 7, weighted: bool = False) -> AnswerStore:
    store = AnswerStore(QUESTIONS, weighted=weighted)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        store.add(part, [float(i % 3) if i % 5 else None for i in range(len(part))] if weighted else None)
    return store


def test_every_answer_comes_back_with_its_value_and_type():
    rows = _answers(200) + ODD + _answers(50, seed=4)
    store = _filled(rows)
    assert [question.key for question in store.questions] == [q.key for q in QUESTIONS if q.key != "text"]
    assert "text" not in store
    for question in store.questions:
        assert _same(store.column(question.key), [row.get(question.key) for row in rows]), question.key
        some = np.array([0, 3, 200, 201, 203, 204, len(rows) - 1])
        assert _same(store.column(question.key, some), [rows[i].get(question.key) for i in some]), question.key


def test_summaries_from_the_store_equal_those_of_the_answers():
    rows = ODD + _answers(300)
    store = _filled(rows, chunk=64)
    weights = np.random.default_rng(1).uniform(0.2, 3, len(rows))
    kept = np.flatnonzero(weights > 0.5)
    for question in store.questions:
        original = [row.get(question.key) for row in rows]
        assert summarize_question(question, store.column(question.key)) == summarize_question(question, original)
        assert summarize_question(
            question, store.column(question.key, kept), weights=weights[kept]
        ) == summarize_question(question, [original[i] for i in kept], weights=weights[kept])


def test_a_byte_per_answer_until_a_question_has_many_distinct_answers():
    store = AnswerStore(QUESTIONS)
    store.add([{"single": "a", "date": f"2026-01-{day % 28 + 1:02d}"} for day in range(1000)])
    store.add([{"single": "b", "date": f"{2000 + year}-02-01"} for year in range(200)])
    assert store._columns["single"].codes().dtype == np.int8
    assert store._columns["date"].codes().dtype == np.int16  # 228 distinct dates
    assert store.column("date")[-1] == "2199-02-01"


def test_weights_and_release():
    rows = _answers(20)
    store = _filled(rows, chunk=6, weighted=True)
    weights = store.weights()
    assert weights.shape == (20,) and np.isnan(weights[0]) and weights[1] == 1.0
    store.release("single")
    assert "single" not in store
    with pytest.raises(ValueError, match="one weight"):
        store.add(rows[:2], [1.0])
