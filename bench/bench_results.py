"""Summarise 100,000 responses × 30 questions for the results dashboard, beside a naive loop.

Run: ``.venv/bin/python bench/bench_results.py [--responses N] [--repeat R]``.

Three arms on the same synthetic answers, in this process, one after the other:

* **split** — what ``analysis.results.load_answer_columns`` does once the rows come from the
  database: walk the response dicts once and split them into one list per question key.
* **summaries** — ``analysis.core.results.summarize_question`` over every column: counts, shares
  and Wald margins, means, medians, SDs and t intervals, NPS with its margin, matrix rows, mean
  ranks, months — unweighted, then again with one weight per response.
* **naive anchor** — a straightforward per-response Python loop over the response dicts computing
  the headline figures only (counts and shares per option, mean / median / SD, NPS, per-row counts,
  mean ranks, month counts), without margins of error or weights: the code one writes first.

CPU time (``time.process_time``) is reported, best of ``--repeat`` runs, with the ratio to the
anchor. The database read (JSON decoding of 100,000 rows) is not included in any arm.
"""

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from analysis.core.results import summarize_question
from surveys.core.questionnaire import ChoiceSpec, QuestionSpec, QuestionType, Text


def _choices(*codes: str) -> tuple[ChoiceSpec, ...]:
    return tuple(ChoiceSpec(code, Text(vi=code, en=code)) for code in codes)


def build_questions() -> list[QuestionSpec]:
    """Return 30 questions: 8 single, 4 multiple, 6 rating, 2 NPS, 3 number, 2 matrix, 2 ranking, 2 text, 1 date."""
    questions = []

    def add(type_: QuestionType, **fields) -> None:
        key = f"q{len(questions) + 1}"
        questions.append(QuestionSpec(key=key, type=type_, text=Text(vi=key, en=key), **fields))

    for size in (2, 3, 4, 5, 6, 3, 7, 4):
        add(QuestionType.SINGLE_CHOICE, choices=_choices(*[f"o{i}" for i in range(size)]))
    for size in (4, 6, 5, 8):
        add(QuestionType.MULTIPLE_CHOICE, choices=_choices(*[f"o{i}" for i in range(size)]))
    for _ in range(6):
        add(QuestionType.RATING, choices=_choices("1", "2", "3", "4", "5"), allow_not_applicable=True)
    for _ in range(2):
        add(QuestionType.NPS)
    for _ in range(3):
        add(QuestionType.NUMBER)
    for _ in range(2):
        add(QuestionType.MATRIX, choices=_choices("1", "2", "3", "4", "5"), rows=_choices("r1", "r2", "r3", "r4"))
    for _ in range(2):
        add(QuestionType.RANKING, choices=_choices("a", "b", "c", "d", "e"))
    add(QuestionType.SHORT_TEXT)
    add(QuestionType.LONG_TEXT)
    add(QuestionType.DATE)
    return questions


def build_responses(questions: list[QuestionSpec], n: int, seed: int = 1) -> list[dict[str, object]]:
    """Return n answer dicts in the stored shapes; about 10 % of each question unanswered."""
    rng = random.Random(seed)
    pools: dict[str, list[object]] = {}
    for question in questions:  # draw from a pool of 997 answers per question: quick to build
        codes = question.choice_values()
        pool: list[object] = []
        for _ in range(997):
            if rng.random() < 0.1:
                pool.append(None)
            elif question.type == QuestionType.SINGLE_CHOICE:
                pool.append(rng.choice(codes))
            elif question.type == QuestionType.MULTIPLE_CHOICE:
                pool.append([c for c in codes if rng.random() < 0.35] or [codes[0]])
            elif question.type == QuestionType.RATING:
                pool.append("n/a" if rng.random() < 0.05 else rng.randint(1, 5))
            elif question.type == QuestionType.NPS:
                pool.append(rng.randint(0, 10))
            elif question.type == QuestionType.NUMBER:
                pool.append(round(rng.lognormvariate(3, 1), 1))
            elif question.type == QuestionType.MATRIX:
                pool.append({row.value: rng.choice(codes) for row in question.rows})
            elif question.type == QuestionType.RANKING:
                pool.append(rng.sample(list(codes), len(codes)))
            elif question.type == QuestionType.DATE:
                pool.append(f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
            else:
                pool.append(rng.choice(["Tốt", "Giao hàng chậm", "Giá hơi cao", "Nhân viên thân thiện"]))
        pools[question.key] = pool
    responses = []
    for i in range(n):
        answers = {}
        for offset, (key, pool) in enumerate(pools.items()):
            value = pool[(i * 7 + offset * 131) % len(pool)]
            if value is not None:
                answers[key] = value
        responses.append(answers)
    return responses


def split_columns(responses: list[dict[str, object]], keys: list[str]) -> dict[str, list[object]]:
    columns: dict[str, list[object]] = {key: [] for key in keys}
    adders = [(columns[key].append, key) for key in keys]
    for answers in responses:
        get = answers.get
        for add, key in adders:
            add(get(key))
    return columns


def summarise(questions, columns, weights=None) -> int:
    summaries = [summarize_question(q, columns[q.key], weights=weights) for q in questions]
    return sum(summary.n for summary in summaries)


def naive(questions: list[QuestionSpec], responses: list[dict[str, object]]) -> int:
    """The first code one writes: loop over responses per question, Python containers only."""
    total = 0
    for question in questions:
        kind = question.type
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.DATE):
            counts: Counter = Counter()
            answered = 0
            for answers in responses:
                value = answers.get(question.key)
                if value is None:
                    continue
                answered += 1
                if kind == QuestionType.MULTIPLE_CHOICE:
                    counts.update(value)
                elif kind == QuestionType.DATE:
                    counts[value[:7]] += 1
                else:
                    counts[value] += 1
            _shares = {code: count / answered for code, count in counts.items()}
            total += answered
        elif kind in (QuestionType.RATING, QuestionType.NUMBER, QuestionType.NPS):
            values = []
            for answers in responses:
                value = answers.get(question.key)
                if isinstance(value, (int, float)):
                    values.append(value)
            _figures = (statistics.fmean(values), statistics.median(values), statistics.stdev(values))
            if kind == QuestionType.NPS:
                promoters = sum(1 for v in values if v >= 9)
                detractors = sum(1 for v in values if v <= 6)
                _nps = 100 * (promoters - detractors) / len(values)
            total += len(values)
        elif kind == QuestionType.MATRIX:
            rows: dict[str, Counter] = {row.value: Counter() for row in question.rows}
            answered = 0
            for answers in responses:
                value = answers.get(question.key)
                if value:
                    answered += 1
                    for row, cell in value.items():
                        rows[row][cell] += 1
            total += answered
        elif kind == QuestionType.RANKING:
            sums: Counter = Counter()
            seen: Counter = Counter()
            answered = 0
            for answers in responses:
                value = answers.get(question.key)
                if value:
                    answered += 1
                    for rank, code in enumerate(value, start=1):
                        sums[code] += rank
                        seen[code] += 1
            _means = {code: sums[code] / seen[code] for code in seen}
            total += answered
        else:
            total += sum(1 for answers in responses if answers.get(question.key))
    return total


def best_of(repeat: int, function, *args) -> tuple[float, object]:
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.process_time()
        result = function(*args)
        best = min(best, time.process_time() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    questions = build_questions()
    responses = build_responses(questions, args.responses)
    keys = [q.key for q in questions]
    weights = np.random.default_rng(3).lognormal(0, 0.4, args.responses)

    split_time, columns = best_of(args.repeat, split_columns, responses, keys)
    plain_time, plain_n = best_of(args.repeat, summarise, questions, columns)
    weighted_time, weighted_n = best_of(args.repeat, summarise, questions, columns, weights)
    naive_time, _naive_n = best_of(args.repeat, naive, questions, responses)
    assert plain_n == weighted_n, (plain_n, weighted_n)

    print(f"{args.responses:,} responses × {len(questions)} questions (CPU seconds, best of {args.repeat})")
    print(f"  split into columns                 {split_time:7.3f} s")
    print(f"  summaries, unweighted              {plain_time:7.3f} s")
    print(f"  summaries, weighted                {weighted_time:7.3f} s")
    print(f"  split + unweighted summaries       {split_time + plain_time:7.3f} s")
    print(f"  naive per-response loop (anchor)   {naive_time:7.3f} s  (headline figures only, no margins)")
    print(f"  ratio (split + summaries) / anchor {(split_time + plain_time) / naive_time:7.2f}")
    print(f"  ratio weighted summaries / anchor  {(split_time + weighted_time) / naive_time:7.2f}")


if __name__ == "__main__":
    main()
