"""Background jobs asked for while the broker is away stay queued and are sent when it is back.

The broker is switched for real: a Redis URL on a port where nothing listens (connections are
refused, as when Redis is down) and kombu's in-memory transport (a broker that works). The whole
outage and the worker's sweep run for real in ``make test-faults`` (tests/faults/test_redis_down.py).
"""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from analysis import export, jobs
from analysis.models import ExportJob
from config.celery import app as celery_app
from tests.analysis.results_world import build_results_world

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def broker(monkeypatch):
    """Point Celery at a broker of the test's choosing (``broker(url)``); eager mode comes back after."""
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager

    def use(url: str) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its own setting (CI sets it).
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.broker_url = url
        celery_app.conf.task_always_eager = False
        celery_app.conf.broker_connection_retry = False
        celery_app._pool = None  # the connection and producer pools are per URL, made on first use
        celery_app.amqp._producer_pool = None

    yield use
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def world(db):
    world = build_results_world()
    world.submit({"gender": "male"})
    return world


def _queued_export(world) -> ExportJob:
    return ExportJob.objects.create(survey=world.survey, options=export.ExportRequest().to_json(), celery_task_id="")


def _sent() -> list[tuple[str, str]]:
    """The (task name, task id) of the messages waiting in the in-memory broker's queue."""
    found = []
    with celery_app.connection_for_write() as connection:
        queue = connection.SimpleQueue("celery")
        while True:
            try:
                message = queue.get(block=False)
            except queue.Empty:
                break
            found.append((message.headers["task"], message.headers["id"]))
            message.ack()
        queue.close()
    return found


def test_an_export_asked_while_the_broker_is_down_is_accepted_and_kept_queued(
    world, broker, django_capture_on_commit_callbacks
):
    broker(DOWN)
    client = APIClient()
    client.force_authenticate(world.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analysis:export-list", kwargs={"slug": world.survey.slug}), {}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    job = ExportJob.objects.get(id=response.json()["id"])
    assert job.status == "queued" and job.celery_task_id == ""  # "never handed to the broker"


def test_the_sweep_waits_while_the_broker_is_down_and_sends_once_it_is_back(world, broker):
    job = _queued_export(world)
    already_sent = ExportJob.objects.create(survey=world.survey, celery_task_id="sent-before")
    broker(DOWN)
    assert jobs.requeue_unsent() == jobs.Requeued(0, broker_unreachable=True)
    job.refresh_from_db()
    assert job.celery_task_id == ""  # still waiting for the next sweep

    broker("memory://")
    assert jobs.requeue_unsent() == jobs.Requeued(1)
    job.refresh_from_db()
    assert job.celery_task_id not in ("", "sent-before") and job.status == "queued"
    assert _sent() == [("analysis.tasks.run_export", job.celery_task_id)]
    assert jobs.requeue_unsent() == jobs.Requeued(0)  # sent once, not at every sweep
    assert jobs.requeue_unsent(all_queued=True) == jobs.Requeued(2)  # --all: after Redis lost its data
    job.refresh_from_db()
    already_sent.refresh_from_db()
    assert already_sent.celery_task_id != "sent-before"
    assert sorted(task_id for _name, task_id in _sent()) == sorted([job.celery_task_id, already_sent.celery_task_id])


def test_a_job_sent_again_in_eager_mode_runs_here(world):
    job = _queued_export(world)
    assert jobs.requeue_unsent() == jobs.Requeued(1)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.response_count == 1


@translation.override("en")
def test_the_command_sends_the_unsent_jobs_and_says_so(world, broker, capsys):
    with pytest.raises(CommandError, match="No broker is configured"):
        call_command("requeue_jobs")
    _queued_export(world)
    broker(DOWN)
    with pytest.raises(CommandError, match="The broker cannot be reached"):
        call_command("requeue_jobs")
    broker("memory://")
    call_command("requeue_jobs")
    assert "Sent 1 queued background jobs to the broker." in capsys.readouterr().out
