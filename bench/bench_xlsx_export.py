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

``--postgres``: the issue's bench proper. Creates a throw-away database ``sowhat_bench_<pid>`` on
127.0.0.1:5432 (user ``postgres``, trust authentication), migrates it, publishes the 40-question
survey (three demographic questions, so the Crosstabs sheet has segments), COPYs N responses into
it (answers cycled from a pool of distinct random answer sets, metadata included), then runs two
child processes one after the other, each measuring its own time and memory:

- export: ``analysis.export.export_survey`` — the whole workbook (Summary, Crosstabs, Open
  answers, Insights, Representativeness, Responses, Codebook) streamed from PostgreSQL through a
  server-side cursor;
- bare openpyxl: a write-only workbook with one sheet holding the same Responses cells (the very
  rows the export writes for each pooled answer set, prepared before the clock starts).

Memory per child: "peak RSS" is the child's VmHWM (``ru_maxrss`` would carry the parent's peak
over the exec): everything, Python, Django, numpy, scipy, openpyxl and the data. "Peak RSS growth"
is that minus the RSS after setup, just before the measured run starts: what the export adds. The
budget (300 MB) is checked against the peak RSS growth; both are printed. Time: wall and CPU of
the child (the PostgreSQL server's CPU is not in it: the wall-time ratio includes it).
``--reuse NAME`` runs against a database a previous ``--keep`` run left (it is then not dropped).
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook

from analysis.core.xlsx_report import ExportOptions, ResponseRecord, ResponseTable, write_workbook
from surveys.core.questionnaire import (
    ChoiceSpec,
    PageSpec,
    QuestionSpec,
    QuestionType,
    RoleKind,
    RoleSpec,
    SurveySpec,
    Text,
)

EXCEL_DATA_ROWS = 1_048_575
POOL = 1_000
MEMORY_BUDGET_MB = 300
THROUGHPUT_FLOOR = 0.80
ROOT = Path(__file__).resolve().parent.parent
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DB_POOL = 20_000  # distinct answer sets in the database (cycled)
COLLECTORS = ("Facebook", "Zalo", "Email")
DEMOGRAPHICS = {"q1": "age", "q2": "gender", "q3": "region"}

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


def build_spec(*, roles: bool = False) -> SurveySpec:
    """Forty questions of every type, in the proportions of a typical customer survey.

    With ``roles``, q1–q3 are demographic questions (the crosstabs' segments).
    """
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
    if roles:
        questions = [
            replace(question, role=RoleSpec(RoleKind.DEMOGRAPHIC, DEMOGRAPHICS[question.key]))
            if question.key in DEMOGRAPHICS
            else question
            for question in questions
        ]
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


# --- --postgres: the export streamed from PostgreSQL, each arm in its own child process -----------


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as connection:
        connection.execute(statement)


def configure_environment(database: str) -> None:
    os.environ.update(
        {
            "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{database}",
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "CELERY_BROKER_URL": "",
            "REDIS_CACHE_URL": "",
            "PYTHONPATH": str(ROOT),
        }
    )


def db_pool() -> list[tuple[dict, datetime, int, str, int]]:
    """The distinct answer sets and metadata the database rows cycle through (row i: pool[i % size])."""
    spec = build_spec(roles=True)
    rng = random.Random(20)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        (
            random_answers(spec, rng),
            start + timedelta(seconds=rng.randint(0, 90 * 86_400)),
            rng.randint(40, 900),
            rng.choice(("vi", "en")),
            rng.randrange(len(COLLECTORS)),
        )
        for _ in range(DB_POOL)
    ]


def load_database(count: int) -> int:
    """Migrate, publish the survey and COPY ``count`` responses; return the survey's id."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.db import connection

    from responses.models import Collector
    from surveys import services

    owner = get_user_model().objects.create_user(username="bench", password=uuid.uuid4().hex)
    workspace = services.create_workspace(name="Bench", owner=owner)
    survey = services.create_survey_from_spec(workspace=workspace, spec=build_spec(roles=True), created_by=owner)
    version = services.publish_survey(survey=survey, published_by=owner, override_reason="Bench", confirm_warnings=True)
    collectors = [Collector.objects.create(survey=survey, name=name).id for name in COLLECTORS]
    pool = [
        (json.dumps(answers, ensure_ascii=False), submitted, duration, language, collectors[collector])
        for answers, submitted, duration, language, collector in db_pool()
    ]
    columns = (
        "survey_id, version_id, collector_id, source, status, flag_reasons, answers, answers_hash, language, "
        "current_page, started_at, submitted_at, duration_seconds, updated_at, user_agent, browser_id, resume_token, "
        "submission_key"
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY responses_response ({columns}) FROM STDIN") as copy:
            for number in range(count):
                answers, submitted, duration, language, collector = pool[number % DB_POOL]
                copy.write_row(
                    (
                        survey.id, version.id, collector, "web", "complete", "[]", answers, "", language, "",
                        submitted - timedelta(seconds=duration), submitted, duration, submitted, "", "",
                        f"bench{number}", uuid.UUID(int=number + 1),
                    )
                )  # fmt: skip
        cursor.execute("ANALYZE responses_response")
    print(f"  loaded {count:,} responses by COPY in {time.perf_counter() - started:.1f} s")
    return survey.id


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident set (VmRSS) or its peak (VmHWM, which unlike ru_maxrss starts again at exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def arm_export(survey_id: int, traced: bool) -> dict:
    import django

    django.setup()
    from analysis import export
    from surveys.models import Survey

    survey = Survey.objects.get(id=survey_id)
    request = export.ExportRequest(language="vi")
    export.check_request(survey=survey, request=request)  # warm the imports the run needs
    before = rss_mb()
    if traced:
        tracemalloc.start()
    with tempfile.TemporaryFile() as output:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = export.export_survey(survey=survey, request=request, output=output)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        size = output.tell()
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    return {
        "wall": wall,
        "cpu": cpu,
        "rows": result.response_count,
        "sheets": list(result.sheet_titles),
        "size": size,
        "rss_before": before,
        "rss_peak": rss_mb("VmHWM"),
        "traced_peak": traced_peak,
    }


def arm_analysis(survey_id: int) -> dict:
    """The export's pass over the responses and its Summary and Crosstabs, without writing the workbook."""
    import django

    django.setup()
    from analysis import export
    from surveys.models import Survey

    survey = Survey.objects.get(id=survey_id)
    request = export.ExportRequest(language="vi")
    spec, questions = export.check_request(survey=survey, request=request)
    before = rss_mb()
    start, start_cpu = time.perf_counter(), time.process_time()
    analysis = export.StreamedAnalysis(questions, weighted=False)
    count = sum(1 for _ in export.iter_records(survey=survey, spec=spec, request=request, store=analysis.store))
    streamed = time.process_time() - start_cpu
    store = analysis.store.nbytes() / 2**20
    summary = export.summary_tables(analysis.summaries(), weighted=False, language="vi")
    summarised = time.process_time() - start_cpu
    crosstabs = analysis.crosstabs("vi")
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return {
        "wall": wall,
        "cpu": cpu,
        "rows": count,
        "size": 0,
        "rss_before": before,
        "rss_peak": rss_mb("VmHWM"),
        "store_mb": store,
        "cpu_stream": streamed,
        "cpu_summary": summarised - streamed,
        "cpu_crosstabs": cpu - summarised,
        "tables": [len(summary), len(crosstabs)],
    }


def arm_anchor(count: int) -> dict:
    import django

    django.setup()
    from django.utils import timezone, translation
    from django.utils.translation import gettext as _

    from analysis.core.xlsx_report import ValueMode

    with translation.override("vi"):
        spec = build_spec(roles=True)
        options = ExportOptions(values=ValueMode.LABELS, language="vi", time_zone=timezone.get_default_timezone())
        table = ResponseTable(spec, options, _)
        records = [
            ResponseRecord(
                response_id=0,
                answers=answers,
                status="complete",
                submitted_at=submitted,
                duration_seconds=duration,
                language=language,
                collector=COLLECTORS[collector],
            )
            for answers, submitted, duration, language, collector in db_pool()
        ]
        prepared = [table.row(record)[1:] for record in records]
        header = [column.header for column in table.columns]
    del records
    before = rss_mb()
    with tempfile.TemporaryFile() as output:
        start, start_cpu = time.perf_counter(), time.process_time()
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Responses")
        sheet.append(header)
        for number in range(count):
            sheet.append([number + 1, *prepared[number % DB_POOL]])
        workbook.save(output)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        size = output.tell()
    return {"wall": wall, "cpu": cpu, "rows": count, "size": size, "rss_before": before, "rss_peak": rss_mb("VmHWM")}


def run_arm(arguments: list[str]) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--pg-port", str(PG["port"]), *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, env=os.environ, check=False)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"the child {' '.join(arguments)} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def describe(name: str, figures: dict) -> None:
    growth = figures["rss_peak"] - figures["rss_before"]
    traced = f", tracemalloc peak {figures['traced_peak']:,.1f} MB" if figures.get("traced_peak") else ""
    print(
        f"  {name:<14} {figures['wall']:8.1f} s wall {figures['cpu']:8.1f} s CPU  "
        f"{figures['rows'] / figures['wall']:9,.0f} rows/s  {figures['size'] / 1e6:,.1f} MB file\n"
        f"  {'':<14} peak RSS {figures['rss_peak']:,.1f} MB, RSS before the run {figures['rss_before']:,.1f} MB, "
        f"peak RSS growth {growth:,.1f} MB{traced}"
    )


def postgres_main(arguments) -> int:
    count = arguments.rows
    database = arguments.reuse or f"sowhat_bench_{os.getpid()}"
    configure_environment(database)
    survey_id = None
    if not arguments.reuse:
        admin_sql(f'CREATE DATABASE "{database}"')
    try:
        if arguments.reuse:
            import psycopg

            with psycopg.connect(dbname=database, **PG) as connection:
                survey_id = connection.execute("SELECT max(id) FROM surveys_survey").fetchone()[0]
                count = connection.execute("SELECT count(*) FROM responses_response").fetchone()[0]
        else:
            survey_id = load_database(count)
        if arguments.load_only:
            print(f"  loaded {database}: run --postgres --reuse {database}, or the analysis arm against it")
            return 0
        print(f"{count:,} responses × 40 questions from PostgreSQL ({database}); machine load {os.getloadavg()}")
        exports, anchors = [], []
        for _ in range(arguments.repeat):
            extra = ["--tracemalloc"] if arguments.tracemalloc else []
            exports.append(run_arm(["--arm", "export", "--survey", str(survey_id), *extra]))
            describe("export", exports[-1])
            anchors.append(run_arm(["--arm", "anchor", "--rows", str(count)]))
            describe("bare openpyxl", anchors[-1])
        export_cpu, anchor_cpu = min(f["cpu"] for f in exports), min(f["cpu"] for f in anchors)
        export_wall, anchor_wall = min(f["wall"] for f in exports), min(f["wall"] for f in anchors)
        growth = max(f["rss_peak"] - f["rss_before"] for f in exports)
        peak = max(f["rss_peak"] for f in exports)
        ratio = anchor_cpu / export_cpu
        print(f"  sheets: {', '.join(exports[0]['sheets'])}")
        print(f"  export peak RSS growth: {growth:,.1f} MB (budget {MEMORY_BUDGET_MB} MB); peak RSS {peak:,.1f} MB")
        print(f"  throughput ratio export / bare openpyxl (CPU time): {ratio:.3f} (floor {THROUGHPUT_FLOOR:.2f})")
        print(f"  throughput ratio export / bare openpyxl (wall time): {anchor_wall / export_wall:.3f}")
        print(f"  machine load after the runs: {os.getloadavg()}")
        passed = growth <= MEMORY_BUDGET_MB and ratio >= THROUGHPUT_FLOOR and exports[0]["rows"] == count
        print("PASS" if passed else "FAIL")
        return 0 if passed else 1
    finally:
        if not arguments.reuse and not arguments.keep and not arguments.load_only:
            admin_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        elif not arguments.reuse:
            print(f"  kept the database {database}: rerun with --reuse {database}, drop it when done")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=EXCEL_DATA_ROWS, help="responses (default: Excel's limit)")
    parser.add_argument("--repeat", type=int, default=1, help="alternate the arms N times and keep each one's best")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations in an extra run")
    parser.add_argument("--postgres", action="store_true", help="stream the real export from a PostgreSQL database")
    parser.add_argument("--keep", action="store_true", help="--postgres: keep the database for --reuse")
    parser.add_argument("--reuse", default="", help="--postgres: use this database, loaded by a --keep run")
    parser.add_argument("--load-only", action="store_true", help="--postgres: load a database, keep it, stop")
    parser.add_argument("--pg-port", type=int, default=PG["port"], help="--postgres: the server's port on 127.0.0.1")
    parser.add_argument("--arm", choices=("export", "anchor", "analysis"), help=argparse.SUPPRESS)
    parser.add_argument("--survey", type=int, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    PG["port"] = arguments.pg_port
    if arguments.arm == "export":
        print(json.dumps(arm_export(arguments.survey, arguments.tracemalloc)))
        return 0
    if arguments.arm == "analysis":  # the memory of the streamed Summary and Crosstabs alone, at full size
        if arguments.reuse:
            configure_environment(arguments.reuse)
        print(json.dumps(arm_analysis(arguments.survey)))
        return 0
    if arguments.arm == "anchor":
        print(json.dumps(arm_anchor(arguments.rows)))
        return 0
    if not 1 <= arguments.rows <= EXCEL_DATA_ROWS:
        parser.error(f"--rows must lie between 1 and {EXCEL_DATA_ROWS:,}")
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    if arguments.postgres:
        return postgres_main(arguments)
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
