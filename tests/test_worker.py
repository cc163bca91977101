"""The health check, and a task's round trip through Celery: eager here, a real worker on Redis in CI."""

import pytest
from celery.result import EagerResult
from django.urls import reverse

from config import health


@pytest.mark.django_db
def test_health_reports_the_database_ok(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.worker
def test_health_with_worker_round_trips_the_ping_task(client):
    response = client.get(reverse("health"), {"worker": "1"})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "worker": "ok"}}


@pytest.mark.worker
def test_ping_runs_in_process_only_without_a_broker(settings):
    result = health.ping.delay()
    assert result.get(timeout=10) == "pong"
    assert isinstance(result, EagerResult) is settings.CELERY_TASK_ALWAYS_EAGER
