"""Database round trips and CPU of one public submission, in process, against PostgreSQL.

    .venv/bin/python bench/submission_profile.py [--requests 300] [--cprofile 25]

Creates a throw-away database like bench_submission.py (``sowhat_bench_<pid>`` on 127.0.0.1),
publishes the same three-page survey and POSTs whole responses through Django's test client
(the whole stack: middleware, DRF, the service) with DEBUG off. Prints the SQL statements of
one new submission and of one replay (same key, same answers), the round trips per request,
the CPU per request (``time.process_time``, PostgreSQL's own work excluded since it runs in
another process) beside the CPU of the bench's two anchors (the trivial view, the one-row commit)
and, with ``--cprofile N``, the N most expensive functions by cumulative CPU time instead.
"""

import argparse
import cProfile
import json
import pstats
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import bench_submission as bench


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--cprofile", type=int, default=0, help="print the N most expensive functions")
    options = parser.parse_args()
    bench.configure_environment()
    bench.admin_sql(f'CREATE DATABASE "{bench.DATABASE}"')
    try:
        slug = bench.build_survey()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client(REMOTE_ADDR="127.0.0.1", HTTP_HOST=bench.HOST)
        path = f"/api/public/collectors/{slug}/responses/"
        rng = random.Random(5)

        def body(key: str, answers: dict) -> str:
            return json.dumps({"submission_key": key, "answers": answers, "language": "vi"})

        def post(payload: str) -> int:
            return client.post(path, payload, content_type="application/json").status_code

        for _ in range(20):  # warm up: imports, connection, caches
            post(body(str(uuid.uuid4()), bench.random_answers(rng)))

        key, answers = str(uuid.uuid4()), bench.random_answers(rng)
        with CaptureQueriesContext(connection) as new:
            status_new = post(body(key, answers))
        with CaptureQueriesContext(connection) as replay:
            status_replay = post(body(key, answers))
        with CaptureQueriesContext(connection) as conflict:
            status_conflict = post(body(key, answers | {"nps": (answers["nps"] + 1) % 11}))
        for name, captured, status in (
            ("new submission", new, status_new),
            ("replay, same answers", replay, status_replay),
            ("same key, other answers", conflict, status_conflict),
        ):
            print(f"{name}: HTTP {status}, {len(captured.captured_queries)} round trips")
            for query in captured.captured_queries:
                print(f"    {query['sql'][:160]}")

        payloads = [body(str(uuid.uuid4()), bench.random_answers(rng)) for _ in range(options.requests)]
        profiler = cProfile.Profile(time.process_time) if options.cprofile else None  # CPU, not waiting
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        statuses = [post(payload) for payload in payloads]
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert set(statuses) == {201}, set(statuses)
        print(
            f"{options.requests} new submissions in process: {1000 * cpu / options.requests:.2f} ms CPU and "
            f"{1000 * wall / options.requests:.2f} ms wall per request (one client, no concurrency)"
            + (" — under cProfile, slower" if profiler else "")
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(options.cprofile)
            return 0
        for name, call in (
            ("trivial view (GET)", lambda payload: client.get("/bench/trivial/").status_code),
            (
                "one-row commit (POST)",
                lambda payload: client.post("/bench/commit/", payload, content_type="application/json").status_code,
            ),
        ):
            cpu_anchor = time.process_time()
            assert {call(payload) for payload in payloads} <= {200, 201}
            cpu_anchor = time.process_time() - cpu_anchor
            print(
                f"{name}: {1000 * cpu_anchor / options.requests:.2f} ms CPU per request; "
                f"a submission costs {cpu / cpu_anchor:.1f} times as much CPU in this process"
            )
        return 0
    finally:
        from django.db import connections

        connections.close_all()
        bench.admin_sql(f'DROP DATABASE IF EXISTS "{bench.DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
