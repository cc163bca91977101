"""Accuracy and speed of the question linter on the labelled set in tests/data/lint_questions.jsonl.

Run: .venv/bin/python bench/bench_linter.py [--split dev|holdout] [--misses]
Prints, per language: recall on flawed questions, false-positive rate on good ones (targets 0.85
and 0.10), precision / recall / FPR per category; then the median time per question and for a
100-question survey next to two anchors timed in the same process over the same texts.
"""

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from surveys.core.linter import SurveyInput, lint_question, lint_survey
from surveys.core.linter.evaluation import LabelledQuestion, score

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "lint_questions.jsonl"
TARGET_RECALL, TARGET_FPR = 0.85, 0.10
# A keyword scan like the open-source anchors: lower-case the text and look for flag words.
NAIVE_KEYWORDS = re.compile(
    r"\b(?:and|or|always|never|every|not|amazing|great|excellent|often|recently|agree|don't you|và|hoặc|luôn|"
    r"không bao giờ|tuyệt vời|thường xuyên|gần đây|đồng ý|phải không)\b"
)


def load(path: Path) -> list[LabelledQuestion]:
    with path.open(encoding="utf-8") as handle:
        return [LabelledQuestion.from_record(json.loads(line)) for line in handle if line.strip()]


def fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def print_accuracy(items: list[LabelledQuestion], *, title: str) -> None:
    print(f"\n== {title} ==")
    for lang in ("vi", "en"):
        subset = [item for item in items if item.lang == lang]
        if not subset:
            continue
        result = score(subset)
        ok_recall = "ok" if result.recall >= TARGET_RECALL else "BELOW TARGET"
        ok_fpr = "ok" if result.false_positive_rate <= TARGET_FPR else "ABOVE TARGET"
        print(
            f"[{lang}] flawed {result.flawed:3d}  recall {result.recall:.3f} ({ok_recall})   "
            f"good {result.good:3d}  FPR {result.false_positive_rate:.3f} ({ok_fpr})   "
            f"language detected {result.language_correct}/{len(subset)}"
        )
        print(f"     {'category':24s} {'exp':>4s} {'prec':>6s} {'recall':>6s} {'FPR':>6s}")
        for cat in result.categories:
            expected = cat.true_positives + cat.false_negatives
            if not expected and not cat.false_positives:
                continue
            print(
                f"     {cat.category:24s} {expected:4d} {fmt(cat.precision):>6s} {fmt(cat.recall):>6s} "
                f"{fmt(cat.false_positive_rate):>6s}"
            )


def print_misses(items: list[LabelledQuestion]) -> None:
    print("\n== misses and false positives ==")
    for item in items:
        got = {f.category.value for f in lint_question(item.question)}
        if (item.is_flawed and not item.expected & got) or (not item.is_flawed and got) or (got - item.expected):
            print(f"{item.id} expected={sorted(item.expected)} got={sorted(got)} :: {item.question.text[:110]}")


def median_ms(function, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def print_timing(items: list[LabelledQuestion]) -> None:
    questions = [item.question for item in items]
    for question in questions:  # warm caches and compiled patterns, as a running server would have
        lint_question(question)
    per_question = statistics.median(median_ms(lambda q=question: lint_question(q), 5) for question in questions)
    texts = [q.text + " " + " ".join(q.options) for q in questions]
    naive = statistics.median(median_ms(lambda t=text: NAIVE_KEYWORDS.findall(t.lower()), 5) for text in texts)
    lower = statistics.median(median_ms(lambda t=text: t.lower(), 5) for text in texts)
    survey = SurveyInput(questions=tuple((questions * 2)[:100]))
    survey_ms = median_ms(lambda: lint_survey(survey), 15)
    naive_survey = median_ms(lambda: [NAIVE_KEYWORDS.findall(t.lower()) for t in (texts * 2)[:100]], 15)
    print("\n== speed (median) ==")
    print(f"lint_question         {per_question:8.3f} ms/question   (target <= 2 ms)")
    print(f"  anchor keyword scan {naive:8.3f} ms/question   ratio {per_question / naive:7.1f}x")
    print(f"  anchor str.lower    {lower:8.3f} ms/question   ratio {per_question / lower:7.1f}x")
    print(f"lint_survey (100 q)   {survey_ms:8.2f} ms            (target <= 100 ms)")
    print(f"  anchor keyword scan {naive_survey:8.2f} ms            ratio {survey_ms / naive_survey:7.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "holdout"), help="score only one half of the set")
    parser.add_argument("--misses", action="store_true", help="list misses and false positives")
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    items = load(DATA)
    if args.split:
        items = [item for item in items if item.split == args.split]
        print_accuracy(items, title=f"{args.split} half ({len(items)} questions)")
    else:
        print_accuracy(items, title=f"whole set ({len(items)} questions)")
        for split in ("dev", "holdout"):
            print_accuracy([i for i in items if i.split == split], title=f"{split} half")
    if args.misses:
        print_misses(items)
    if not args.no_timing:
        print_timing(items)


if __name__ == "__main__":
    main()
