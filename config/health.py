"""Liveness and readiness for load balancers and deploy scripts."""

from celery import shared_task
from django.db import connection
from django.http import HttpRequest, JsonResponse


@shared_task(name="config.health.ping")
def ping() -> str:
    """Answer "pong" from whichever worker takes the task: proves the broker round trip."""
    return "pong"


def health_view(request: HttpRequest) -> JsonResponse:
    """Report the database and, with ?worker=1, a Celery round trip (status 503 if one fails)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 — a health check reports every failure
        checks["database"] = f"error: {type(error).__name__}"
    if request.GET.get("worker"):
        try:
            checks["worker"] = "ok" if ping.delay().get(timeout=10) == "pong" else "error"
        except Exception as error:  # noqa: BLE001
            checks["worker"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
