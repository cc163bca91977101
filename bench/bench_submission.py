"""Load test of the public submission path under gunicorn against PostgreSQL, beside a trivial view.

    .venv/bin/python bench/bench_submission.py [--requests 2000] [--concurrency 32] [--workers 4]

What it does, all on the loopback interface:

1. creates a throw-away database ``sowhat_bench_<pid>`` on 127.0.0.1:5432 (user ``postgres``,
   trust authentication), migrates it and publishes a three-page survey with a public link;
2. starts gunicorn (sync workers, production settings with DEBUG off, ``bench/submission_settings.py``
   which adds a trivial view in a bench-only URLconf);
3. 32 respondents (threads, ``http.client``) POST whole responses to
   ``/api/public/collectors/{slug}/responses/``, each with its own submission key; about 5% of the
   submissions are sent again with the same key and answers (a network retry), some of them at the
   same moment as the first attempt (a double click);
4. the same 32 threads GET the trivial view the same number of times (the anchor issue 5 names),
   and POST the same bodies to a view that commits each as one row (``bench/commit/``, a second
   anchor: the least a durable write costs on this stack, its COMMIT waiting for PostgreSQL's
   log flush);
5. prints throughput, p50 and p99 latency of the three and the ratios, then checks that the stored
   responses equal the acknowledged ones: every acknowledged key stored once with the answers
   sent (0 lost), nothing stored twice or without an acknowledgement (0 duplicated);
6. stops gunicorn and drops the database.

Targets (issue 5): submissions reach at least 50% of the trivial view's throughput, p99 ≤ 200 ms.
The load average (``os.getloadavg``) is printed before and after: on a shared machine the
figures mean little when it is high.
The rate limit that flags many responses from one address is raised for the run: 32 real
respondents come from 32 addresses, the bench from one.
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
DATABASE = f"sowhat_bench_{os.getpid()}"
HOST = "127.0.0.1"
RETRY_SHARE = 0.05
TARGET_RATIO = 0.5
TARGET_P99_MS = 200.0
CLIENT_ATTEMPTS = 3  # a submission that times out is sent again with the same key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as connection:
        connection.execute(statement)


def configure_environment() -> dict[str, str]:
    env = {
        "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{DATABASE}",
        "DJANGO_SETTINGS_MODULE": "bench.submission_settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_CONN_MAX_AGE": "60",
        "RESPONSES_RATE_LIMIT_COUNT": "100000000",
        "CELERY_BROKER_URL": "",
        "REDIS_CACHE_URL": "",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    return env


def build_survey() -> str:
    """Migrate, publish a survey with a public link, and return the link's slug."""
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from bench.submission_urls import CREATE_COMMIT_TABLE

    with connection.cursor() as cursor:
        cursor.execute(CREATE_COMMIT_TABLE)
    from django.contrib.auth import get_user_model

    from responses import services as response_services
    from surveys import services
    from surveys.core.questionnaire import ChoiceSpec, PageSpec, QuestionSpec, QuestionType, SurveySpec, Text

    def choices(*codes: str) -> tuple[ChoiceSpec, ...]:
        return tuple(ChoiceSpec(code, Text(vi=f"Lựa chọn {code}", en=f"Option {code}")) for code in codes)

    def question(key: str, type_: QuestionType, **fields) -> QuestionSpec:
        return QuestionSpec(key=key, type=type_, text=Text(vi=f"Câu hỏi {key}?", en=f"Question {key}?"), **fields)

    spec = SurveySpec(
        title=Text(vi="Khảo sát tải", en="Load survey"),
        languages=("vi", "en"),
        default_language="vi",
        pages=(
            PageSpec(
                key="about",
                title=Text(vi="Về bạn", en="About you"),
                questions=(
                    question("age", QuestionType.SINGLE_CHOICE, required=True, choices=choices("a1", "a2", "a3")),
                    question("channels", QuestionType.MULTIPLE_CHOICE, choices=choices("web", "app", "shop")),
                ),
            ),
            PageSpec(
                key="scores",
                title=Text(vi="Điểm", en="Scores"),
                questions=(
                    question(
                        "satisfaction",
                        QuestionType.RATING,
                        required=True,
                        choices=tuple(ChoiceSpec(str(n)) for n in range(1, 6)),
                    ),
                    question("nps", QuestionType.NPS, required=True),
                ),
            ),
            PageSpec(
                key="comments",
                title=Text(vi="Góp ý", en="Comments"),
                questions=(question("comment", QuestionType.LONG_TEXT),),
            ),
        ),
    )
    owner = get_user_model().objects.create_user(username="bench", email="bench@sowhat.local", password=None)
    workspace = services.create_workspace(name="Bench", owner=owner)
    survey = services.create_survey_from_spec(workspace=workspace, spec=spec, created_by=owner)
    services.publish_survey(survey=survey, published_by=owner, override_reason="Bench", confirm_warnings=True)
    survey.refresh_from_db()
    return response_services.create_collector(survey=survey, created_by=owner).slug


def random_answers(rng: random.Random) -> dict:
    answers: dict = {
        "age": rng.choice(["a1", "a2", "a3"]),
        "satisfaction": rng.randint(1, 5),
        "nps": rng.randint(0, 10),
    }
    channels = [code for code in ("web", "app", "shop") if rng.random() < 0.5]
    if channels:
        answers["channels"] = channels
    if rng.random() < 0.6:
        answers["comment"] = rng.choice(["Giao hàng nhanh", "Giá hơi cao", "Nhân viên thân thiện 👍", "ok"])
    return answers


@dataclass
class Outcome:
    status: int
    seconds: float
    body: dict | None = None


def request(port: int, method: str, path: str, body: bytes | None = None) -> Outcome:
    headers = {"Content-Type": "application/json", "Accept": "application/json"} if body is not None else {}
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        status = response.status
    finally:
        connection.close()
    elapsed = time.perf_counter() - started
    parsed = json.loads(data) if data and body is not None else None
    return Outcome(status, elapsed, parsed)


def submit(port: int, path: str, body: bytes) -> Outcome:
    """POST a submission as a careful client does: on a timeout or a broken connection, send it again."""
    started = time.perf_counter()
    for attempt in range(CLIENT_ATTEMPTS):
        try:
            outcome = request(port, "POST", path, body)
        except OSError:
            if attempt == CLIENT_ATTEMPTS - 1:
                return Outcome(0, time.perf_counter() - started)
            continue
        outcome.seconds = time.perf_counter() - started
        return outcome
    raise AssertionError("unreachable")


def fetch_trivial(port: int) -> Outcome:
    started = time.perf_counter()
    try:
        return request(port, "GET", "/bench/trivial/")
    except OSError:
        return Outcome(0, time.perf_counter() - started)


def commit_row(port: int, body: bytes) -> Outcome:
    started = time.perf_counter()
    try:
        return request(port, "POST", "/bench/commit/", body)
    except OSError:
        return Outcome(0, time.perf_counter() - started)


def load_average() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def wait_until_up(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited before serving")
        try:
            if request(port, "GET", "/bench/trivial/").status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start in time")


def run_load(jobs: list[Callable[[], Outcome]], concurrency: int) -> tuple[list[Outcome], float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(lambda job: job(), jobs))
    return outcomes, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(name: str, outcomes: list[Outcome], wall: float) -> tuple[float, float, float]:
    latencies = [o.seconds * 1000 for o in outcomes]
    throughput = len(outcomes) / wall
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(f"{name:<22} {len(outcomes):>6} req  {throughput:>8.1f} req/s  p50 {p50:>6.1f} ms  p99 {p99:>6.1f} ms")
    return throughput, p50, p99


def submission_jobs(port: int, slug: str, count: int, rng: random.Random) -> tuple[list, dict]:
    """Return the request jobs and the answers sent per submission key."""
    path = f"/api/public/collectors/{slug}/responses/"
    sent: dict[str, dict] = {}
    jobs: list[Callable[[], Outcome]] = []
    for _ in range(count):
        key = str(uuid.uuid4())
        answers = random_answers(rng)
        sent[key] = answers
        body = json.dumps({"submission_key": key, "answers": answers, "language": "vi"}).encode()
        jobs.append(lambda body=body: submit(port, path, body))
        if rng.random() < RETRY_SHARE:
            # A retry: right behind the first attempt (a double click, concurrent) or later (a network retry).
            position = len(jobs) if rng.random() < 0.5 else rng.randint(len(jobs), len(jobs) + 200)
            jobs.insert(min(position, len(jobs)), lambda body=body: submit(port, path, body))
    return jobs, sent


def verify(slug: str, outcomes: list[Outcome], sent: dict[str, dict]) -> bool:
    from django.db import connections

    from responses.models import Response

    connections.close_all()  # the rows were written by gunicorn: read them afresh
    acknowledged: dict[str, int] = {}
    refused = [o for o in outcomes if o.status not in (200, 201)]
    for outcome in outcomes:
        if outcome.status in (200, 201):
            key = outcome.body["submission_key"]
            if acknowledged.setdefault(key, outcome.body["id"]) != outcome.body["id"]:
                print(f"  key {key} acknowledged with two different ids")
                return False
    stored = list(Response.objects.filter(collector__slug=slug).values_list("submission_key", "answers", "id"))
    stored_keys = [str(key) for key, _answers, _id in stored]
    lost = set(acknowledged) - set(stored_keys)
    duplicated = len(stored_keys) - len(set(stored_keys))
    unacknowledged = set(stored_keys) - set(acknowledged)
    mismatched = [key for key, answers, _id in stored if answers != sent.get(str(key))]
    replays = sum(1 for o in outcomes if o.status == 200)
    print(
        f"  acknowledged {len(acknowledged)} submissions ({replays} replays answered 200), stored {len(stored)}: "
        f"{len(lost)} lost, {duplicated} duplicated, {len(unacknowledged)} stored without acknowledgement, "
        f"{len(mismatched)} with other answers than sent, {len(refused)} refused"
    )
    for outcome in refused[:5]:
        print(f"  refused: {outcome.status} {outcome.body}")
    return not (lost or duplicated or unacknowledged or mismatched or refused) and len(acknowledged) == len(sent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000, help="submissions (distinct keys); default 2000")
    parser.add_argument("--concurrency", type=int, default=32, help="concurrent respondents; default 32")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=5)
    options = parser.parse_args()

    env = configure_environment()
    admin_sql(f'CREATE DATABASE "{DATABASE}"')
    server = None
    try:
        slug = build_survey()
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "bench.submission_wsgi:application",  # config.wsgi's application, warmed before the fork
                "--preload",
                f"--bind={HOST}:{port}",
                f"--workers={options.workers}",
                "--worker-class=sync",
                "--backlog=2048",
                "--timeout=120",  # a shared, loaded machine must not get a worker killed mid-request
                "--log-level=warning",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
        )
        wait_until_up(port, server)
        rng = random.Random(options.seed)
        print(
            f"gunicorn: {options.workers} sync workers · PostgreSQL database {DATABASE} · "
            f"{options.concurrency} concurrent clients on {HOST}"
        )
        # Warm up both paths (connections, imports, caches) before measuring.
        warm, warm_sent = submission_jobs(port, slug, 64, rng)
        warm_outcomes, _wall = run_load(warm, options.concurrency)
        run_load([lambda: fetch_trivial(port)] * 64, options.concurrency)

        run_load([lambda: commit_row(port, b'{"warm": true}')] * 64, options.concurrency)

        jobs, sent = submission_jobs(port, slug, options.requests, rng)
        trivial_jobs = [lambda: fetch_trivial(port)] * len(jobs)
        bodies = [json.dumps({"answers": answers, "language": "vi"}).encode() for answers in sent.values()]
        commit_jobs = [lambda body=body: commit_row(port, body) for body in (bodies * 2)[: len(jobs)]]
        print(f"before: {load_average()}")
        trivial, trivial_wall = run_load(trivial_jobs, options.concurrency)
        committed, commit_wall = run_load(commit_jobs, options.concurrency)
        submissions, submission_wall = run_load(jobs, options.concurrency)
        print(f"after:  {load_average()}")
        print("path                   requests   throughput      latency")
        anchor_rate, _p50, _anchor_p99 = summary("trivial view (GET)", trivial, trivial_wall)
        commit_rate, _p50, _commit_p99 = summary("one-row commit (POST)", committed, commit_wall)
        rate, _p50, p99 = summary("submission (POST)", submissions, submission_wall)
        if any(o.status != 201 for o in committed):
            print("  the one-row commit anchor failed some requests: its figure is not meaningful")
        ratio = rate / anchor_rate
        print(f"ratio submission / trivial view throughput: {ratio:.2f} (target ≥ {TARGET_RATIO:.2f})")
        print(
            f"ratio submission / one-row commit throughput: {rate / commit_rate:.2f} "
            f"(no target: what a submission adds to the cheapest durable write; "
            f"the commit anchor itself reaches {commit_rate / anchor_rate:.2f} of the trivial view)"
        )
        print(f"p99 submission latency: {p99:.1f} ms (target ≤ {TARGET_P99_MS:.0f} ms)")
        # The warm-up's responses are stored in the same collector: check them with the rest.
        intact = verify(slug, warm_outcomes + submissions, sent | warm_sent)
        print(f"stored equals acknowledged: {'yes' if intact else 'NO'}")
        met = ratio >= TARGET_RATIO and p99 <= TARGET_P99_MS
        print(f"targets {'met' if met else 'NOT met'}")
        return 0 if intact else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not have been set up
            pass
        admin_sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
