"""Stream N responses × 40 questions into the analysts' workbook, beside bare openpyxl writing the same cells.

Run: ``.venv/bin/python bench/bench_xlsx_export.py [--rows N] [--tracemalloc]``. The default is
1,048,575 responses: Excel's row limit with the header. Issue 9 asks for a peak memory of at most
300 MB and a throughput of at least 80% of bare openpyxl write-only mode writing the same cells.

Both arms run in this process, one after the other, each writing a workbook into a temporary file
on disk. The export arm gets ``ResponseRecord`` values from a generator and does all its own work
(answers → typed values, labels, string cells for every text, escaping, header, widths, frozen
panes, the Codebook sheet). The anchor gets, from an equally cheap generator, the very rows the
export produces (computed once for a pool of distinct responses that the generator cycles through)
and appends them as plain values to a write-only sheet: the cost of openpyxl alone.

Throughput is judged on CPU time (``time.process_time``), which other work on a shared machine
distorts far less than wall time; the wall-time ratio is printed beside it. With ``--repeat N``
the arms alternate N times and each keeps its best run, which damps the remaining noise.

Memory: the resident-set peak grows by ``ru_maxrss`` delta during the export arm, which runs first;
``--tracemalloc`` adds a separate traced export run (slower) that reports Python's allocation peak.

The rows come from a generator, not from PostgreSQL: the database-streaming variant (a server-side
cursor feeding the same iterator) comes with the Django layer of the export.
"""

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook

from analysis.core.xlsx_report import ExportOptions, ResponseRecord, ResponseTable, write_workbook
from surveys.core.questionnaire import ChoiceSpec, PageSpec, QuestionSpec, QuestionType, SurveySpec, Text

EXCEL_DATA_ROWS = 1_048_575
POOL = 1_000
MEMORY_BUDGET_MB = 300
THROUGHPUT_FLOOR = 0.80

WORDS = (
    "giá", "hơi", "cao", "nhưng", "nhân", "viên", "rất", "nhiệt", "tình", "giao", "hàng", "nhanh",
    "đóng", "gói", "cẩn", "thận", "sẽ", "quay", "lại", "ứng", "dụng", "dễ", "dùng", "price",
    "delivery", "staff", "friendly", "slow", "app", "crashed", "great", "value", "would", "recommend"
)  # fmt: skip


def choices(prefix: str, count: int) -> tuple[ChoiceSpec, ...]:
    return tuple(
        ChoiceSpec(f"{prefix}{index}", Text(f"Lựa chọn {prefix}{index}", f"Option {prefix}{index}"))
        for index in range(1, count + 1)
    )


def build_spec() -> SurveySpec:
    """Forty questions of every type, in the proportions of a typical customer survey."""
    questions: list[QuestionSpec] = []

    def add(kind: QuestionType, count: int, **extra) -> None:
        for _ in range(count):
            number = len(questions) + 1
            questions.append(QuestionSpec(f"q{number}", kind, Text(f"Câu hỏi {number}", f"Question {number}"), **extra))

    add(QuestionType.SINGLE_CHOICE, 10, choices=choices("c", 5))
    add(QuestionType.MULTIPLE_CHOICE, 4, choices=choices("m", 5))
    add(QuestionType.RATING, 8, choices=tuple(ChoiceSpec(str(point)) for point in range(1, 6)))
    add(QuestionType.NPS, 2)
    add(QuestionType.NUMBER, 4)
    add(QuestionType.SHORT_TEXT, 4)
    add(QuestionType.LONG_TEXT, 2)
    add(QuestionType.DATE, 2)
    add(QuestionType.MATRIX, 2, choices=choices("s", 5), rows=choices("r", 3))
    add(QuestionType.RANKING, 2, choices=choices("k", 4))
    assert len(questions) == 40
    return SurveySpec(
        Text("Bench", "Bench"), languages=("vi", "en"), pages=(PageSpec("p1", questions=tuple(questions)),)
    )


def random_answers(spec: SurveySpec, rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {}
    for question in spec.questions():
        if rng.random() < 0.08:  # skipped or hidden
            continue
        codes = question.choice_values()
        kind = question.type
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.RATING):
            value: object = rng.choice(codes)
            answers[question.key] = int(value) if kind == QuestionType.RATING else value
        elif kind == QuestionType.MULTIPLE_CHOICE:
            answers[question.key] = rng.sample(codes, rng.randint(1, 3))
        elif kind == QuestionType.NPS:
            answers[question.key] = rng.randint(0, 10)
        elif kind == QuestionType.NUMBER:
            answers[question.key] = round(rng.uniform(0, 5_000_000), 2) if rng.random() < 0.5 else rng.randint(0, 90)
        elif kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
            length = rng.randint(2, 6) if kind == QuestionType.SHORT_TEXT else rng.randint(8, 40)
            answers[question.key] = " ".join(rng.choice(WORDS) for _ in range(length))
        elif kind == QuestionType.DATE:
            answers[question.key] = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        elif kind == QuestionType.MATRIX:
            answers[question.key] = {row.value: rng.choice(codes) for row in question.rows}
        elif kind == QuestionType.RANKING:
            answers[question.key] = rng.sample(codes, len(codes))
    return answers


def build_pool(spec: SurveySpec) -> list[ResponseRecord]:
    rng = random.Random(9)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        ResponseRecord(
            response_id=index,
            answers=random_answers(spec, rng),
            status="complete",
            submitted_at=start + timedelta(seconds=rng.randint(0, 90 * 86_400)),
            duration_seconds=rng.randint(40, 900),
            language=rng.choice(("vi", "en")),
            collector=rng.choice(("Facebook", "Zalo", "Email")),
            weight=round(rng.uniform(0.4, 2.5), 4),
        )
        for index in range(POOL)
    ]


def records(pool: list[ResponseRecord], count: int):
    """What the Django layer will hand over: a fresh record per response."""
    for number in range(1, count + 1):
        base = pool[number % POOL]
        yield ResponseRecord(
            number,
            base.answers,
            base.status,
            base.submitted_at,
            base.duration_seconds,
            base.language,
            base.collector,
            base.weight,
        )


def flat_rows(table: ResponseTable, pool: list[ResponseRecord], count: int):
    """The same cells as the export, as plain values, from an equally cheap generator."""
    prepared = [table.row(record)[1:] for record in pool]
    for number in range(1, count + 1):
        yield [number, *prepared[number % POOL]]


def run_export(spec: SurveySpec, pool: list[ResponseRecord], count: int, options: ExportOptions) -> tuple[float, float]:
    with tempfile.TemporaryFile() as output:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = write_workbook(output, spec, records(pool, count), options=options)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        size = output.tell()
    assert result.response_count == count
    print(
        f"  export:        {elapsed:8.2f} s wall {cpu:8.2f} s CPU  {count / cpu:9,.0f} rows/CPU-s  {size / 1e6:,.1f} MB"
    )
    return elapsed, cpu


def run_anchor(table: ResponseTable, pool: list[ResponseRecord], count: int) -> tuple[float, float]:
    with tempfile.TemporaryFile() as output:
        start, start_cpu = time.perf_counter(), time.process_time()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Responses")
        sheet.append([column.header for column in table.columns])
        for row in flat_rows(table, pool, count):
            sheet.append(row)
        workbook.save(output)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    print(f"  bare openpyxl: {elapsed:8.2f} s wall {cpu:8.2f} s CPU  {count / cpu:9,.0f} rows/CPU-s")
    return elapsed, cpu


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=EXCEL_DATA_ROWS, help="responses (default: Excel's limit)")
    parser.add_argument("--repeat", type=int, default=1, help="alternate the arms N times and keep each one's best")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations in an extra run")
    arguments = parser.parse_args()
    if not 1 <= arguments.rows <= EXCEL_DATA_ROWS:
        parser.error(f"--rows must lie between 1 and {EXCEL_DATA_ROWS:,}")
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    count = arguments.rows

    spec = build_spec()
    options = ExportOptions(is_weighted=True)
    table = ResponseTable(spec, options)
    pool = build_pool(spec)
    print(f"{count:,} responses × 40 questions = {len(table.columns)} columns, {count * len(table.columns):,} cells")

    before = max_rss_mb()
    export_runs = [run_export(spec, pool, count, options)]
    rss_delta = max_rss_mb() - before  # the first export runs before anything else grows the heap
    anchor_runs = [run_anchor(table, pool, count)]
    for _ in range(arguments.repeat - 1):
        export_runs.append(run_export(spec, pool, count, options))
        anchor_runs.append(run_anchor(table, pool, count))
    export_wall, export_cpu = min(run[0] for run in export_runs), min(run[1] for run in export_runs)
    anchor_wall, anchor_cpu = min(run[0] for run in anchor_runs), min(run[1] for run in anchor_runs)
    ratio = anchor_cpu / export_cpu
    if arguments.repeat > 1:
        print(f"  best of {arguments.repeat}: export {export_cpu:.2f} s CPU, bare openpyxl {anchor_cpu:.2f} s CPU")
    print(f"  peak RSS growth during the export: {rss_delta:,.1f} MB (budget {MEMORY_BUDGET_MB} MB)")
    print(f"  throughput ratio export / bare openpyxl (CPU time): {ratio:.3f} (floor {THROUGHPUT_FLOOR:.2f})")
    print(f"  throughput ratio export / bare openpyxl (wall time): {anchor_wall / export_wall:.3f}")
    passed = rss_delta <= MEMORY_BUDGET_MB and ratio >= THROUGHPUT_FLOOR

    if arguments.tracemalloc:
        tracemalloc.start()
        with tempfile.TemporaryFile() as output:
            write_workbook(output, spec, records(pool, count), options=options)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  tracemalloc peak during the export: {peak / 1e6:,.1f} MB")
        passed = passed and peak / 1e6 <= MEMORY_BUDGET_MB

    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
