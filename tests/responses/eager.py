"""A fixture that runs Celery tasks in-process for tests not marked ``worker``.

Under `make test-postgres` a broker is configured and tasks go to a real worker; tests that
follow a send through the page or the API without that worker run the task in-process instead.
"""

import pytest

from config.celery import app


@pytest.fixture(autouse=True)
def _tasks_in_process_unless_worker(request: pytest.FixtureRequest):
    if request.node.get_closest_marker("worker") is not None:
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous
