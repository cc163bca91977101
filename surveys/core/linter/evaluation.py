"""Score the linter against labelled questions: recall on flawed ones, false positives on good ones."""

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from surveys.core.linter.engine import lint_question
from surveys.core.linter.findings import Category, QuestionInput
from surveys.core.linter.text import detect_language


@dataclass(frozen=True, slots=True)
class LabelledQuestion:
    """One evaluation item: the question and the categories a careful reviewer flags (none if good)."""

    id: str
    lang: str
    question: QuestionInput
    expected: frozenset[str]
    source: str

    @property
    def is_flawed(self) -> bool:
        return bool(self.expected)

    @property
    def split(self) -> str:
        """Return "dev" or "holdout": a fixed half of the set kept out of rule development."""
        return "dev" if zlib.crc32(self.id.encode()) % 2 == 0 else "holdout"

    @classmethod
    def from_record(cls, record: Mapping[str, Any], *, detect_language: bool = True) -> "LabelledQuestion":
        """Build an item from one JSONL record; raise ValueError when a field is missing or unknown."""
        try:
            expected = frozenset(record["expected_categories"])
            question = QuestionInput(
                text=record["text"],
                options=tuple(record.get("options") or ()),
                type=record.get("type"),
                lang=None if detect_language else record["lang"],
            )
            item = cls(str(record["id"]), record["lang"], question, expected, record["source"])
        except KeyError as missing:
            raise ValueError(f"record lacks {missing}") from None
        unknown = expected - set(Category)
        if unknown:
            raise ValueError(f"{item.id}: unknown categories {sorted(unknown)}")
        return item


@dataclass(frozen=True, slots=True)
class CategoryScore:
    category: str
    true_positives: int
    false_positives: int
    false_negatives: int
    flagged_good: int
    good: int

    @property
    def precision(self) -> float | None:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else None

    @property
    def false_positive_rate(self) -> float | None:
        return self.flagged_good / self.good if self.good else None


@dataclass(frozen=True, slots=True)
class EvaluationScore:
    """Scores for one slice (a language, or a language and split)."""

    flawed: int
    flawed_caught: int
    good: int
    good_flagged: int
    language_correct: int
    categories: tuple[CategoryScore, ...]

    @property
    def recall(self) -> float:
        return self.flawed_caught / self.flawed if self.flawed else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.good_flagged / self.good if self.good else 0.0


def score(items: Iterable[LabelledQuestion]) -> EvaluationScore:
    """Return recall (a flawed question counts when one expected category is found) and false-positive rate.

    A good question counts as a false positive when any finding at any severity is reported.
    """
    items = list(items)
    found: list[frozenset[str]] = []
    language_correct = 0
    for item in items:
        findings = lint_question(item.question)
        found.append(frozenset(f.category.value for f in findings))
        if item.question.lang is None:
            language_correct += detect_language(item.question.text + " " + " ".join(item.question.options)) == item.lang
        else:
            language_correct += 1
    categories = []
    good_items = [i for i, item in enumerate(items) if not item.is_flawed]
    for category in Category:
        name = category.value
        tp = sum(1 for item, got in zip(items, found, strict=True) if name in item.expected and name in got)
        fp = sum(1 for item, got in zip(items, found, strict=True) if name not in item.expected and name in got)
        fn = sum(1 for item, got in zip(items, found, strict=True) if name in item.expected and name not in got)
        flagged_good = sum(1 for i in good_items if name in found[i])
        categories.append(CategoryScore(name, tp, fp, fn, flagged_good, len(good_items)))
    flawed = [(item, got) for item, got in zip(items, found, strict=True) if item.is_flawed]
    return EvaluationScore(
        flawed=len(flawed),
        flawed_caught=sum(1 for item, got in flawed if item.expected & got),
        good=len(good_items),
        good_flagged=sum(1 for i in good_items if found[i]),
        language_correct=language_correct,
        categories=tuple(categories),
    )
