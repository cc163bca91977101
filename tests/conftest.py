import pytest
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def member_of():
    """Return a function that makes a user with ``role`` in ``workspace``."""

    def make(workspace, role: str):
        user = UserFactory()
        MembershipFactory(workspace=workspace, user=user, role=role)
        return user

    return make


@pytest.fixture
def owner():
    return UserFactory()


# --- Celery worker ------------------------------------------------------------------------
# Tests marked ``worker`` run their tasks eagerly in the embedded set-up; when CELERY_BROKER_URL
# is set (CI), they go through a real worker process that works on the test database.

WORKER_NODE = "pytest-worker@sowhat"
WORKER_START_SECONDS = 60


def pytest_itemcollected(item: pytest.Item) -> None:
    if item.get_closest_marker("worker") is not None:
        # The worker is another process: it sees only committed rows.
        item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(autouse=True)
def _worker_marked_tests_get_the_worker(request: pytest.FixtureRequest):
    """Tests marked ``worker`` get the worker; every other test runs its tasks in-process.

    With a broker configured (CI on PostgreSQL) a task sent by an unmarked test would sit in
    Redis with no worker to take it, so those tests run tasks eagerly, as in the embedded set-up.
    """
    if request.node.get_closest_marker("worker") is not None:
        request.getfixturevalue("celery_worker")
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = previous


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """Run a Celery worker on the test database while a broker is configured; nothing in eager mode."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path
    from urllib.parse import urlsplit, urlunsplit

    from django.conf import settings
    from django.db import connection

    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    if connection.vendor != "postgresql" or not os.environ.get("DATABASE_URL"):
        raise pytest.UsageError("A real Celery worker needs a PostgreSQL DATABASE_URL it can share with the tests.")
    # pytest-django made a separate test database; the worker must write there, not to DATABASE_URL's.
    database_url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    app.control.purge()  # tasks left in the queue by an earlier, interrupted run
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", f"--hostname={WORKER_NODE}"),
                *("--loglevel=warning", "--pool=solo", "--concurrency=1"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env={
                **os.environ,
                "DATABASE_URL": urlunsplit(database_url),
                "DJANGO_SETTINGS_MODULE": "config.settings.test",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while not app.control.ping(destination=[WORKER_NODE], timeout=0.5):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise pytest.UsageError(f"The Celery worker did not start:\n{log_path.read_text()}")
        yield worker
    finally:
        worker.terminate()  # warm shutdown: a task in progress finishes first
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
