"""The project's URLs plus the anchors of bench/bench_submission.py (never in production).

- ``bench/trivial/``: a GET answered with two bytes, no database (the anchor issue 5 names);
- ``bench/commit/``: a POST that stores its body as one row of ``bench_commit_anchor`` in its own
  transaction and answers 201 with the row's id: the least any durable write costs on the same
  stack (one INSERT and one COMMIT, which waits for PostgreSQL to flush its log to disk).
"""

import json

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urlpatterns

COMMIT_TABLE = "bench_commit_anchor"
CREATE_COMMIT_TABLE = f"CREATE TABLE {COMMIT_TABLE} (id bigserial PRIMARY KEY, body jsonb NOT NULL)"


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


@csrf_exempt
@require_POST
def commit_one_row(request: HttpRequest) -> HttpResponse:
    body = json.loads(request.body)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {COMMIT_TABLE} (body) VALUES (%s) RETURNING id", [json.dumps(body)])
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)


urlpatterns = [path("bench/trivial/", trivial), path("bench/commit/", commit_one_row), *project_urlpatterns]
