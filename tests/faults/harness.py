"""What the fault tests drive: PostgreSQL and Redis (stopped and started for real), gunicorn, Celery
workers (started, killed), and careful HTTP clients that send a submission again until it is answered.

Every test that stops a service starts it again in ``finally`` and waits until it answers; the
session fixture in conftest.py checks both once more at the end.
"""

import contextlib
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PG_PORT = 5432
REDIS_PORT = 6379
# As .ci/run starts it: no persistence, so a stop loses whatever the broker held.
REDIS_SERVER = [
    *("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1 -::1", "--port", str(REDIS_PORT)),
    *("--save", "", "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"),
]
SERVICE_START_SECONDS = 60
FIGURES: list[str] = []  # one line per scenario, printed again at the end of the run (conftest.py)


def report(line: str) -> None:
    """Print a scenario's figures now (visible with -s) and again in the run's summary."""
    FIGURES.append(line)
    print(f"\n{line}")


WORKER_START_SECONDS = 60


def wait_for(what: str, check: Callable[[], bool], seconds: float = SERVICE_START_SECONDS, every: float = 0.1) -> float:
    """Wait until ``check()`` is true; return the seconds it took (fail after ``seconds``)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"{what} within {seconds:.0f} s")
        time.sleep(every)
    return time.monotonic() - started


# --- PostgreSQL ---------------------------------------------------------------------------------


def _program(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if path is None:
        raise AssertionError(f"{name} is not installed")
    return path


def postgres_up() -> bool:
    command = [_program("pg_isready"), "-q", "-h", HOST, "-p", str(PG_PORT)]
    return subprocess.run(command, check=False).returncode == 0


def _pg_ctlcluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        [_program("pg_ctlcluster"), "--skip-systemctl-redirect", version, "main", action],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        timeout=120,
    )


def stop_postgres() -> None:
    """Stop PostgreSQL in "fast" mode: open sessions are ended, their transactions rolled back."""
    _pg_ctlcluster("stop")
    wait_for("PostgreSQL stopped", lambda: not postgres_up())


def start_postgres() -> float:
    _pg_ctlcluster("start")
    return wait_for("PostgreSQL accepting connections", postgres_up)


def ensure_postgres() -> None:
    if not postgres_up():
        start_postgres()


def sql(database: str, statement: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on ``database`` in its own autocommitted connection; return its rows."""
    with psycopg.connect(host=HOST, port=PG_PORT, user="postgres", dbname=database, autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


class HeldLock:
    """A transaction of the test's own that holds a lock until ``release()``: a worker that needs
    the same rows or table waits there, mid-task, for as long as the test wants."""

    def __init__(self, database: str, statement: str, params: tuple = ()) -> None:
        self.connection = psycopg.connect(host=HOST, port=PG_PORT, user="postgres", dbname=database)
        self.connection.execute(statement, params)

    def release(self) -> None:
        if not self.connection.closed:
            self.connection.commit()
            self.connection.close()


def backends_waiting_for_a_lock(database: str, query_prefix: str) -> list[tuple[int, str]]:
    """The (pid, query) of sessions of ``database`` waiting for a lock in a query starting so."""
    rows = sql(
        database,
        "SELECT pid, query FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' "
        "AND query LIKE %s AND pid <> pg_backend_pid()",
        (database, query_prefix + "%"),
    )
    return [(pid, query) for pid, query in rows]


def terminate_backend(database: str, pid: int) -> None:
    """End a session whose client is gone, as PostgreSQL itself does once it notices (its transaction rolls back)."""
    sql(database, "SELECT pg_terminate_backend(%s)", (pid,))


# --- Redis --------------------------------------------------------------------------------------


def redis_up() -> bool:
    try:
        return bool(redis.Redis(host=HOST, port=REDIS_PORT, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except redis.exceptions.RedisError:
        return False


def stop_redis() -> None:
    """Shut Redis down without saving: queued messages are gone, as after a crash of this set-up."""
    subprocess.run(
        [_program("redis-cli"), "-h", HOST, "-p", str(REDIS_PORT), "shutdown", "nosave"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    wait_for("Redis stopped", lambda: not redis_up())


def start_redis() -> float:
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run([_program(REDIS_SERVER[0]), *REDIS_SERVER[1:]], check=True, stdout=subprocess.DEVNULL, timeout=30)
    return wait_for("Redis answering PING", redis_up)


def ensure_redis() -> None:
    if not redis_up():
        start_redis()


# --- gunicorn and Celery workers ----------------------------------------------------------------


def stop_process(process: subprocess.Popen, seconds: float = 30) -> None:
    """Stop a process we started: SIGTERM (warm shutdown), then SIGKILL to its whole group."""
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=seconds)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # pool processes left behind, if any
    process.wait()


@dataclass
class Worker:
    """A Celery worker process (prefork pool, one pool process) in its own process group."""

    process: subprocess.Popen
    hostname: str
    log_path: Path

    def pool_processes(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def kill_pool_process(self) -> int:
        """SIGKILL the pool process running the task (an out-of-memory kill); return its pid."""
        (pid,) = self.pool_processes()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill_everything(self) -> None:
        """SIGKILL the worker and its pool at once, as when its machine is lost."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ready(self) -> None:
        """Wait until the worker answers a ping through the broker (stopping it if it never does)."""
        from config.celery import app

        def answers_ping() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"The Celery worker exited:\n{self.log()}")
            # A fresh connection each time: the pooled one may predate a Redis restart.
            with app.connection_for_write() as connection:
                return bool(app.control.ping(destination=[self.hostname], timeout=0.5, connection=connection))

        try:
            wait_for("the Celery worker answering ping", answers_ping, seconds=WORKER_START_SECONDS)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process(self.process)


def start_worker(env: dict[str, str], log_dir: Path, *, extra_env: dict[str, str] | None = None) -> Worker:
    """Start a worker and return at once: it boots (imports, connects) while the caller goes on."""
    hostname = f"faults-{uuid.uuid4().hex[:8]}@sowhat"
    log_path = log_dir / f"{hostname.split('@')[0]}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", f"--hostname={hostname}"),
                *("--loglevel=info", "--pool=prefork", "--concurrency=1"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env={**env, **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(process, hostname, log_path)


# --- clients ------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the clients of one scenario saw, counted under a lock (many threads)."""

    tried: int = 0  # distinct submissions (submission keys)
    attempts: int = 0  # requests sent, retries included
    sent: dict[str, dict] = field(default_factory=dict)  # submission key → answers
    acknowledged: dict[str, int] = field(default_factory=dict)  # submission key → response id
    unavailable: int = 0  # 503 answers, each with Retry-After
    connection_errors: int = 0  # refused or cut connections
    server_errors: list[str] = field(default_factory=list)  # any other 5xx, with its body
    refused: list[str] = field(default_factory=list)  # 4xx: the submission itself was wrong
    error_times: list[float] = field(default_factory=list)  # when each retryable error happened
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def retries(self) -> int:
        return self.attempts - self.tried


MAX_ATTEMPTS = 60


def submit_until_acknowledged(
    session: requests.Session, url: str, answers: dict, tally: Tally, *, max_wait: float = 2.0
) -> None:
    """POST one response; on a 503, a 5xx or a broken connection send it again with the same key.

    A 503 must carry Retry-After and the API's JSON error; the client honours Retry-After (capped
    at ``max_wait`` to keep the test short).
    """
    key = str(uuid.uuid4())
    body = json.dumps({"submission_key": key, "answers": answers, "language": "vi"})
    with tally.lock:
        tally.tried += 1
        tally.sent[key] = answers
    for _attempt in range(MAX_ATTEMPTS):
        with tally.lock:
            tally.attempts += 1
        try:
            response = session.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=30)
        except requests.RequestException:
            with tally.lock:
                tally.connection_errors += 1
                tally.error_times.append(time.monotonic())
            time.sleep(0.3)
            continue
        if response.status_code in (200, 201):
            data = response.json()
            with tally.lock:
                previous = tally.acknowledged.setdefault(key, data["id"])
            assert previous == data["id"], f"key {key} acknowledged as two responses"
            return
        if response.status_code == 503:
            assert response.headers.get("Retry-After", "").isdigit(), response.headers
            assert response.json()["error"]["code"] == "service_unavailable", response.text
            with tally.lock:
                tally.unavailable += 1
                tally.error_times.append(time.monotonic())
            time.sleep(min(float(response.headers["Retry-After"]), max_wait))
            continue
        with tally.lock:
            if response.status_code >= 500:
                tally.server_errors.append(f"{response.status_code} {response.text[:300]}")
                tally.error_times.append(time.monotonic())
            else:
                tally.refused.append(f"{response.status_code} {response.text[:300]}")
                return
        time.sleep(0.3)
    raise AssertionError(f"submission {key} still unanswered after {MAX_ATTEMPTS} attempts")


HIDDEN_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def _retryable_page(page: requests.Response, tally: Tally) -> bool:
    """Count a 503 plain page (checking it is one) or a server error; return whether to try again."""
    with tally.lock:
        tally.error_times.append(time.monotonic())
        if page.status_code == 503:
            assert page.headers.get("Retry-After", "").isdigit(), page.headers
            assert page.headers.get("Content-Type", "").startswith("text/html"), page.headers
            tally.unavailable += 1
        else:
            tally.server_errors.append(f"{page.status_code} {page.text[:300]}")
    time.sleep(1.0 if page.status_code == 503 else 0.3)
    return True


def answer_invitation_form(session: requests.Session, url: str, fields: list[tuple[str, str]], tally: Tally) -> None:
    """A respondent with a personal link, in a browser without JavaScript: open the form, send it.

    A 503 page is answered as a person would: wait, then load the page again (GET) or send the
    same form again (POST: the same hidden submission key). Acknowledged = the form was accepted
    (a redirect to the thank-you page).
    """
    with tally.lock:
        tally.tried += 1
    for _attempt in range(MAX_ATTEMPTS):
        with tally.lock:
            tally.attempts += 1
        page = session.get(url, timeout=30)
        if page.status_code == 200:
            break
        if page.status_code < 500:
            raise AssertionError(f"the form was refused: {page.status_code} {page.text[:300]}")
        _retryable_page(page, tally)
    else:
        raise AssertionError(f"{url} still not served after {MAX_ATTEMPTS} attempts")
    hidden = [(name, html.unescape(value)) for name, value in HIDDEN_INPUT.findall(page.text)]
    form = [*hidden, *fields, ("move", "next")]
    for _attempt in range(MAX_ATTEMPTS):
        with tally.lock:
            tally.attempts += 1
        sent = session.post(url, data=form, allow_redirects=False, timeout=30, headers={"Referer": url})
        if sent.status_code in (302, 303):
            with tally.lock:
                tally.acknowledged[url] = 0
            return
        if sent.status_code < 500:
            with tally.lock:
                tally.refused.append(f"{sent.status_code} {sent.text[:300]}")
            return
        _retryable_page(sent, tally)
    raise AssertionError(f"{url}: the form still not accepted after {MAX_ATTEMPTS} attempts")


def stored_check(tally: Tally, collector_slug: str) -> dict[str, int]:
    """Compare what the server acknowledged with what PostgreSQL holds; return the figures.

    Stored rows are read afresh (the server wrote them): every acknowledged key must be stored once,
    with the answers sent and a finished status (no response without answers, no half-written row).
    """
    from django.db import connections

    from responses.core import answers as answer_rules
    from responses.models import Response

    connections.close_all()
    rows = list(
        Response.objects.filter(collector__slug=collector_slug).values_list(
            "id", "submission_key", "answers", "answers_hash", "status", "submitted_at"
        )
    )
    keys = [str(key) for _id, key, *_rest in rows]
    stored_ids = {str(key): response_id for response_id, key, *_rest in rows}
    half_written = [
        response_id
        for response_id, key, answers, answers_hash, status, submitted_at in rows
        if answers != tally.sent.get(str(key))
        or answers_hash != answer_rules.answers_digest(answers)
        or status not in (Response.Status.COMPLETE, Response.Status.FLAGGED)
        or submitted_at is None
    ]
    lost = [key for key, response_id in tally.acknowledged.items() if stored_ids.get(key) != response_id]
    return {
        "stored": len(rows),
        "lost": len(lost),
        "duplicated": len(keys) - len(set(keys)),
        "unacknowledged": len(set(keys) - set(tally.acknowledged)),
        "half_written": len(half_written),
    }
