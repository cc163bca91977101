"""Redis down: respondents still submit, and the background work asked for meanwhile catches up.

Redis is both the cache (rate-limit counters) and the Celery broker. With it shut down (without
saving, as this set-up loses its queue on a crash):

* respondents submit through the public API and open the public form: every submission is
  acknowledged at the first attempt and stored (the cache answers like an empty one;
  submitting never touches the broker);
* an export and an analysis requested through the API are accepted (202) and kept as queued jobs,
  marked as never handed to the broker;
* when Redis is back, the worker reconnects, sweeps for such jobs and sends them
  (``analysis.jobs``): both finish, the workbook holds every response;
* a job requested after that goes to the broker directly: the web processes reconnected too.
"""

import itertools
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from analysis.models import AnalysisRun, ExportJob
from tests.faults import harness
from tests.faults.world import answer_pool, build_world, survey_response_ids, workbook_response_ids

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

STORED_BEFORE = 500
SUBMITTED_WHILE_DOWN = 64
CLIENTS = 8
CATCH_UP_SECONDS = 120


def _finished(model, job_id: int) -> bool:
    return model.objects.filter(id=job_id, status__in=["succeeded", "failed"]).exists()


def test_with_redis_down_respondents_submit_and_background_work_catches_up(stack, workers):
    worker = workers.start(wait=False)
    world = build_world(responses=STORED_BEFORE)
    worker.ready()
    session = world.session()
    pool = answer_pool(SUBMITTED_WHILE_DOWN)
    tally = harness.Tally()
    chosen = itertools.count()
    url = stack.url(f"/api/public/collectors/{world.collector_slug}/responses/")

    def respondent() -> None:
        client = requests.Session()
        while (index := next(chosen)) < SUBMITTED_WHILE_DOWN:
            harness.submit_until_acknowledged(client, url, pool[index], tally)

    try:
        harness.stop_redis()
        with ThreadPoolExecutor(max_workers=CLIENTS) as executor:
            for client in [executor.submit(respondent) for _ in range(CLIENTS)]:
                client.result()
        form = requests.get(stack.url(f"/r/{world.collector_slug}/"), timeout=30)
        export = session.post(stack.url(f"/api/surveys/{world.survey_slug}/exports/"), json={"language": "en"})
        analysis = session.post(stack.url(f"/api/surveys/{world.survey_slug}/analysis-runs/"), json={})
        assert harness.redis_up() is False
    finally:
        harness.start_redis()
    back = time.monotonic()
    assert form.status_code == 200
    assert export.status_code == 202 and export.json()["status"] == "queued", export.text
    assert analysis.status_code == 202 and analysis.json()["status"] == "queued", analysis.text
    export_id, run_id = export.json()["id"], analysis.json()["id"]
    # Kept, and marked as never handed to the broker (the sweep may already be sending them).
    unsent = [
        ExportJob.objects.filter(id=export_id, celery_task_id="").exists() or _finished(ExportJob, export_id),
        AnalysisRun.objects.filter(id=run_id, celery_task_id="").exists() or _finished(AnalysisRun, run_id),
    ]

    harness.wait_for(
        "the export and the analysis run done once Redis is back",
        lambda: _finished(ExportJob, export_id) and _finished(AnalysisRun, run_id),
        seconds=CATCH_UP_SECONDS,
    )
    caught_up = time.monotonic() - back
    job, run = ExportJob.objects.get(id=export_id), AnalysisRun.objects.get(id=run_id)
    assert job.status == "succeeded", job.error
    assert run.status == "succeeded", run.error_message
    assert job.celery_task_id and run.celery_task_id  # sent by the sweep under a new task id
    expected = survey_response_ids(world.survey_slug)
    download = session.get(stack.url(f"/api/exports/{export_id}/download/"), timeout=60)
    assert download.status_code == 200
    in_file = workbook_response_ids(download.content)
    assert sorted(in_file) == sorted(expected) and len(expected) == STORED_BEFORE + SUBMITTED_WHILE_DOWN
    assert run.response_count >= STORED_BEFORE

    # The web processes use the broker again by themselves.
    after = session.post(stack.url(f"/api/surveys/{world.survey_slug}/exports/"), json={"format": "csv"})
    assert after.status_code == 202
    after_id = after.json()["id"]
    assert ExportJob.objects.get(id=after_id).celery_task_id
    harness.wait_for("an export asked after Redis returned", lambda: _finished(ExportJob, after_id), seconds=60)
    assert ExportJob.objects.get(id=after_id).status == "succeeded"

    figures = harness.stored_check(tally, world.collector_slug)
    harness.report(
        f"faults · Redis down: requests tried {tally.tried}, acknowledged {len(tally.acknowledged)}, stored "
        f"{figures['stored']}, lost {figures['lost']}, duplicated {figures['duplicated']}, server errors "
        f"{len(tally.server_errors)}, retries {tally.retries}; background jobs asked while down 2, kept queued "
        f"{sum(unsent)}, done {caught_up:.1f} s after Redis returned (workbook rows {len(in_file)} of "
        f"{len(expected)}); a job asked afterwards went straight to the broker"
    )
    assert all(unsent)
    assert tally.server_errors == [] and tally.refused == [] and tally.retries == 0
    assert len(tally.acknowledged) == tally.tried == SUBMITTED_WHILE_DOWN
    assert figures == {
        "stored": SUBMITTED_WHILE_DOWN,
        "lost": 0,
        "duplicated": 0,
        "unacknowledged": 0,
        "half_written": 0,
    }
