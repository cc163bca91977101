"""Regression guard over the whole labelled set; it is not where rules are tuned (see lint_questions.md)."""

import json
from pathlib import Path

import pytest

from surveys.core.linter import Category
from surveys.core.linter.evaluation import LabelledQuestion, score

DATA = Path(__file__).resolve().parents[4] / "tests" / "data"


@pytest.fixture(scope="module")
def items() -> list[LabelledQuestion]:
    with (DATA / "lint_questions.jsonl").open(encoding="utf-8") as handle:
        return [LabelledQuestion.from_record(json.loads(line)) for line in handle if line.strip()]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_set_has_at_least_150_questions_per_language_in_similar_flawed_and_good_numbers(items, lang):
    subset = [item for item in items if item.lang == lang]
    flawed = sum(item.is_flawed for item in subset)
    assert len(subset) >= 150
    assert 0.4 <= flawed / len(subset) <= 0.6


def test_every_item_names_a_documented_source_and_known_categories(items):
    notes = (DATA / "lint_questions.md").read_text(encoding="utf-8")
    assert all(f"`{item.source}`" in notes for item in items)
    assert set().union(*(item.expected for item in items)) <= {c.value for c in Category}
    assert len({item.id for item in items}) == len(items)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_linter_meets_recall_and_false_positive_targets(items, lang):
    result = score(item for item in items if item.lang == lang)
    assert result.recall >= 0.85
    assert result.false_positive_rate <= 0.10


def test_unknown_category_in_a_record_is_rejected():
    with pytest.raises(ValueError, match="unknown categories"):
        LabelledQuestion.from_record(
            {"id": "x", "lang": "en", "text": "Hi?", "expected_categories": ["rude"], "source": "s"}
        )
