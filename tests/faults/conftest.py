"""Fault tests: real PostgreSQL, Redis, gunicorn and Celery workers, and real faults (``make test-faults``).

Every test here is marked ``faults``; the normal runs deselect the marker (``addopts`` in
pyproject.toml) because these tests stop and start PostgreSQL and Redis and kill processes.
``make test-faults`` runs them on PostgreSQL (pytest-django's test database, shared with the
processes started here) with a Redis broker database of their own.

The session starts one gunicorn (production settings, DEBUG off: ``tests/faults/settings.py``) on
a free port; tests start the Celery workers they need (``harness.start_worker``). Each scenario
prints one line of figures, repeated at the end of the run (``pytest_terminal_summary``).
"""

import os
import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
import requests

from tests.faults import harness

GUNICORN_WORKERS = 4


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if harness.FIGURES:
        terminalreporter.write_sep("=", "fault figures")
        for line in harness.FIGURES:
            terminalreporter.write_line(line)


@dataclass(frozen=True)
class Stack:
    """The running set-up: where gunicorn listens, the processes' environment, the test database."""

    base_url: str
    env: dict[str, str]
    database: str
    media_root: Path
    log_dir: Path

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((harness.HOST, 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Gunicorn:
    process: subprocess.Popen
    base_url: str
    env: dict[str, str]
    database: str
    media_root: Path
    log_dir: Path


@pytest.fixture(scope="session", autouse=True)
def _gunicorn(tmp_path_factory):
    """Start gunicorn first (autouse, session): it boots while pytest-django migrates the test database."""
    from django.conf import settings

    database_settings = settings.DATABASES["default"]
    broker_url, cache_url = os.environ.get("CELERY_BROKER_URL", ""), os.environ.get("REDIS_CACHE_URL", "")
    if "postgresql" not in database_settings["ENGINE"] or not broker_url or not cache_url:
        raise pytest.UsageError(
            "The fault tests need PostgreSQL (DATABASE_URL), a Redis broker (CELERY_BROKER_URL) and a Redis "
            "cache (REDIS_CACHE_URL): run them with `make test-faults`."
        )
    if urlsplit(broker_url).path in ("", "/", "/0"):
        raise pytest.UsageError("Give the fault tests a Redis database of their own (e.g. redis://127.0.0.1:6379/2).")
    assert broker_url == settings.CELERY_BROKER_URL
    harness.ensure_postgres()
    harness.ensure_redis()
    redis.Redis.from_url(broker_url).flushdb()  # messages left by an interrupted run
    # The database pytest-django is about to create (and the processes must share).
    database = database_settings.get("TEST", {}).get("NAME") or f"test_{database_settings['NAME']}"
    database_url = urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}"))
    media_root = tmp_path_factory.mktemp("media")
    log_dir = tmp_path_factory.mktemp("logs")
    env = {
        **os.environ,
        "PYTHONPATH": str(harness.ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.faults.settings",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "CELERY_BROKER_URL": broker_url,
        "REDIS_CACHE_URL": cache_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": harness.HOST,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "MEDIA_ROOT": str(media_root),
        "JOBS_REQUEUE_INTERVAL": "5",
        "LOG_LEVEL": "WARNING",
    }
    port = _free_port()
    with (log_dir / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi:application",
                f"--bind={harness.HOST}:{port}",
                f"--workers={GUNICORN_WORKERS}",
                "--worker-class=sync",
                "--timeout=60",
                "--backlog=2048",
            ],
            cwd=harness.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Gunicorn(process, f"http://{harness.HOST}:{port}", env, database, media_root, log_dir)
    finally:
        harness.stop_process(process, seconds=10)  # if ``stack`` never ran
        harness.ensure_postgres()
        harness.ensure_redis()


@pytest.fixture(scope="session")
def stack(_gunicorn, django_db_setup):
    """gunicorn serving, on the test database pytest-django made (and stopped before it is dropped)."""
    from django.db import connection

    assert connection.settings_dict["NAME"] == _gunicorn.database

    def healthy() -> bool:
        if _gunicorn.process.poll() is not None:
            raise AssertionError((_gunicorn.log_dir / "gunicorn.log").read_text())
        try:
            return requests.get(f"{_gunicorn.base_url}/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        harness.wait_for("gunicorn serving /healthz", healthy)
        yield Stack(
            base_url=_gunicorn.base_url,
            env=_gunicorn.env,
            database=_gunicorn.database,
            media_root=_gunicorn.media_root,
            log_dir=_gunicorn.log_dir,
        )
    finally:
        harness.stop_process(_gunicorn.process, seconds=10)


@pytest.fixture(autouse=True)
def _services_back_after_each_test():
    """Whatever a test did, PostgreSQL and Redis answer again before the next one starts."""
    yield
    harness.ensure_postgres()
    harness.ensure_redis()
    from django.db import connections

    connections.close_all()  # the test process's own connection may predate a restart


@pytest.fixture
def workers(stack):
    """Start Celery workers for one test (``workers.start()``); every one left is stopped at the end."""

    class Workers:
        def __init__(self) -> None:
            self.started: list[harness.Worker] = []

        def start(self, *, wait: bool = True, **extra_env: str) -> harness.Worker:
            """Start a worker; with ``wait=False`` return at once (call ``ready()`` before relying on it)."""
            worker = harness.start_worker(stack.env, stack.log_dir, extra_env=extra_env)
            self.started.append(worker)
            if wait:
                worker.ready()
            return worker

    pool = Workers()
    yield pool
    for worker in pool.started:
        harness.stop_process(worker.process, seconds=3)  # its tasks are done; no need for a long warm shutdown
