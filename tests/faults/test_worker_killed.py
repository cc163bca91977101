"""A Celery worker killed in the middle of an export or an analysis run: the broker delivers the task
again (late acknowledgement) and the job completes, with a complete file or a complete run.

Mid-way, deterministically: the test holds a lock (its own transaction) on something the task
writes half-way through, waits until PostgreSQL shows the worker waiting for it, then kills. No hook
in the application: the task is simply slow at that point, as under a long lock or a slow disk.

* Export: the job's row, locked once the job runs; the export's next write to it (the progress
  after the first 10,000 rows of the Responses sheet) waits. The pool process is killed (as by
  the kernel's out-of-memory killer); the worker notices and hands the task back at once
  (``task_reject_on_worker_lost``).
* Analysis: the insight history table, locked before the run starts; the run's last transaction
  (insights written, their history next) waits. The whole worker is killed (its machine lost):
  nobody hands the task back, the broker delivers it again after the visibility timeout, to a
  worker started afterwards.

When the worker dies, its database session is still waiting for the lock; the test ends it as
PostgreSQL would on noticing the client is gone, so its transaction rolls back.
"""

import time

import pytest

from analysis.core.xlsx_report import PROGRESS_EVERY
from analysis.models import AnalysisRun, ExportJob, Insight, InsightEvent
from tests.faults import harness
from tests.faults.world import build_world, survey_response_ids, workbook_response_ids

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

EXPORT_RESPONSES = PROGRESS_EVERY + 1_500  # the export reports its progress once, mid-sheet
ANALYSIS_RESPONSES = 2_000
VISIBILITY_TIMEOUT = 3  # seconds, for the worker that recovers the task (production: 1800 by default)
JOB_SECONDS = 180


def _job_status(model, job_id: int) -> str:
    return model.objects.filter(id=job_id).values_list("status", flat=True).get()


def _blocked(stack, query_prefix: str) -> tuple[int, str]:
    found: list[tuple[int, str]] = []

    def waiting() -> bool:
        found[:] = harness.backends_waiting_for_a_lock(stack.database, query_prefix)
        return bool(found)

    harness.wait_for(f"a worker waiting to run {query_prefix}…", waiting, seconds=JOB_SECONDS)
    (blocked,) = found
    return blocked


def test_a_pool_process_killed_mid_export_is_redelivered_and_the_file_is_complete(stack, workers):
    worker = workers.start(wait=False)  # it boots while the responses are stored
    world = build_world(responses=EXPORT_RESPONSES)
    worker.ready()
    session = world.session()
    started = session.post(stack.url(f"/api/surveys/{world.survey_slug}/exports/"), json={"language": "en"})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    task_id = ExportJob.objects.get(id=job_id).celery_task_id
    assert task_id

    harness.wait_for(
        "the export running", lambda: _job_status(ExportJob, job_id) == "running", seconds=JOB_SECONDS, every=0.02
    )
    lock = harness.HeldLock(stack.database, "SELECT id FROM analysis_exportjob WHERE id = %s FOR UPDATE", (job_id,))
    try:
        backend, query = _blocked(stack, 'UPDATE "analysis_exportjob"')
        assert "'running'" not in query, f"blocked at the start of a run, not mid-way: {query}"
        was_final_write = "succeeded" in query
        killed_pid = worker.kill_pool_process()
        harness.terminate_backend(stack.database, backend)
    finally:
        lock.release()

    def finished() -> bool:
        return _job_status(ExportJob, job_id) in ("succeeded", "failed")

    waited = harness.wait_for("the export redelivered and finished", finished, seconds=JOB_SECONDS)
    job = ExportJob.objects.get(id=job_id)
    assert job.status == "succeeded", job.error
    assert job.celery_task_id == task_id  # the same message, delivered again: not a new job
    log = worker.log()
    assert "WorkerLostError" in log and "signal 9" in log, log[-3000:]

    download = session.get(stack.url(f"/api/exports/{job_id}/download/"), timeout=60)
    assert download.status_code == 200, download.text[:500]
    in_file = workbook_response_ids(download.content)
    expected = survey_response_ids(world.survey_slug)
    assert len(in_file) == len(set(in_file)) == EXPORT_RESPONSES == job.response_count
    assert set(in_file) == expected
    files = [path for path in (stack.media_root / "exports" / str(job.survey_id)).rglob("*") if path.is_file()]
    assert len(files) == (2 if was_final_write else 1)  # the killed run stored no partial file
    harness.report(
        f"faults · worker pool process {killed_pid} killed mid-export "
        f"({'at its final write' if was_final_write else 'after the first ' + format(PROGRESS_EVERY, ',') + ' rows'}):"
        f" redelivered, finished {waited:.1f} s later; workbook rows {len(in_file)} of {len(expected)} responses, "
        f"missing 0, duplicated 0; files stored {len(files)}"
    )


def test_a_worker_lost_whole_mid_analysis_is_redelivered_after_the_visibility_timeout(stack, workers):
    first = workers.start(wait=False)
    world = build_world(responses=ANALYSIS_RESPONSES)
    first.ready()
    session = world.session()
    lock = harness.HeldLock(stack.database, "LOCK TABLE analysis_insightevent IN EXCLUSIVE MODE")
    try:
        started = session.post(stack.url(f"/api/surveys/{world.survey_slug}/analysis-runs/"), json={})
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        task_id = AnalysisRun.objects.get(id=run_id).celery_task_id
        backend, _query = _blocked(stack, 'INSERT INTO "analysis_insightevent"')
        first.kill_everything()
        killed_at = time.monotonic()
        harness.terminate_backend(stack.database, backend)
    finally:
        lock.release()

    # The killed run's last transaction left nothing behind: no insight without its history.
    assert Insight.objects.filter(survey__slug=world.survey_slug).count() == 0
    assert _job_status(AnalysisRun, run_id) == "running"

    # A new worker, as on another machine; its broker connection restores tasks taken by a worker
    # that vanished more than the visibility timeout ago (at start, then every 10 s).
    workers.start(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT), wait=False)
    harness.wait_for(
        "the analysis redelivered and finished",
        lambda: _job_status(AnalysisRun, run_id) in ("succeeded", "failed"),
        seconds=VISIBILITY_TIMEOUT + JOB_SECONDS,
    )
    redelivered_after = time.monotonic() - killed_at
    run = AnalysisRun.objects.get(id=run_id)
    assert run.status == "succeeded", run.error_message
    assert run.celery_task_id == task_id
    assert run.response_count == ANALYSIS_RESPONSES
    insights = Insight.objects.filter(survey__slug=world.survey_slug)
    assert run.candidate_count == insights.filter(is_current=True).count() == insights.count() > 0
    events = InsightEvent.objects.filter(insight__survey__slug=world.survey_slug)
    assert events.count() == events.filter(event="created").count() == insights.count()
    harness.report(
        f"faults · whole worker killed mid-analysis (insights written, their history not yet): rolled back, "
        f"redelivered after the visibility timeout ({VISIBILITY_TIMEOUT} s) to a new worker, finished "
        f"{redelivered_after:.1f} s after the kill; responses analysed {run.response_count} of "
        f"{ANALYSIS_RESPONSES}, insights {insights.count()}, each with 1 history event"
    )
