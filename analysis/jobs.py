"""Hand background jobs to Celery so that none is lost while the broker (Redis) is away.

Every background job (weighting, insight and open-text runs, exports) is first a row
(``BackgroundJob``: status ``queued``) committed with the request, then a Celery message sent
after the commit. When the broker cannot be reached the message is not sent, the request still
succeeds (the page or the API shows the job as queued), and the job's ``celery_task_id`` is
emptied: "queued, not handed to any broker". ``requeue_unsent`` sends such jobs again, each under
a new task id claimed with a conditional update, so two sweepers never send one job twice. It runs

* in every Celery worker each time its consumer connects to the broker: at start and after
  every reconnection, i.e. as soon as Redis is back (``config.celery.RequeueJobsStep``), and
  every ``JOBS_REQUEUE_INTERVAL`` seconds after that, for a web machine that lost Redis while
  the workers kept it;
* by hand: ``manage.py requeue_jobs``; with ``--all`` it sends every queued job again, for a
  Redis that lost its data (restarted without persistence). A job sent twice runs once: the
  second message finds it finished and does nothing.

A job whose worker dies mid-way is not this module's business: the task is acknowledged late, so
the broker delivers it again (at once when a pool process dies, after the broker's visibility
timeout when the whole worker machine does) and the job starts again from nothing.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import kombu.exceptions
from django.db import DatabaseError, models, transaction

logger = logging.getLogger(__name__)

# A broker that cannot be reached: kombu wraps the transport's connection errors in its own.
BROKER_ERRORS = (kombu.exceptions.OperationalError, ConnectionError, TimeoutError)


def job_tasks() -> dict[type[models.Model], Callable]:
    """Each background job model and the Celery task that runs one of its rows (given its id)."""
    from analysis import tasks
    from analysis.models import AnalysisRun, ExportJob, OpenTextRun, WeightingRun

    return {
        WeightingRun: tasks.run_weighting,
        AnalysisRun: tasks.run_insight_analysis,
        OpenTextRun: tasks.run_open_text_analysis,
        ExportJob: tasks.run_export,
    }


def send(job_model: type[models.Model], job_id: int, task_id: str) -> bool:
    """Send the job's task to the broker; return False (and mark the job unsent) if it is away.

    In eager mode (no broker) the task runs here, and its errors propagate as usual.
    """
    task = job_tasks()[job_model]
    if task.app.conf.task_always_eager:
        task.apply_async(args=[job_id], task_id=task_id)
        return True
    try:
        task.apply_async(args=[job_id], task_id=task_id)
    except BROKER_ERRORS as error:
        logger.warning(
            "%s %s stays queued: the broker is unreachable (%s); it is sent when the broker is back",
            job_model.__name__,
            job_id,
            error,
        )
        try:
            job_model.objects.filter(id=job_id, celery_task_id=task_id).update(celery_task_id="")
        except DatabaseError:
            logger.exception(
                "%s %s could not be marked unsent; `manage.py requeue_jobs --all` sends it", job_model.__name__, job_id
            )
        return False
    return True


def enqueue_on_commit(job: models.Model) -> None:
    """Send ``job``'s task once the current transaction commits (the row must exist for the worker)."""
    transaction.on_commit(partial(send, type(job), job.id, job.celery_task_id))


@dataclass(frozen=True)
class Requeued:
    """What a sweep did: jobs sent, and whether it stopped because the broker is still away."""

    sent: int
    broker_unreachable: bool = False


def requeue_unsent(*, all_queued: bool = False) -> Requeued:
    """Send again every queued job that never reached the broker (``all_queued``: every queued job).

    Stops at the first broker error: the rest wait for the next sweep.
    """
    sent = 0
    for job_model in job_tasks():
        queued = job_model.objects.filter(status="queued")
        if not all_queued:
            queued = queued.filter(celery_task_id="")
        for job_id, old_task_id in queued.order_by("id").values_list("id", "celery_task_id"):
            task_id = str(uuid.uuid4())
            claimed = job_model.objects.filter(id=job_id, status="queued", celery_task_id=old_task_id).update(
                celery_task_id=task_id
            )
            if not claimed:  # another sweeper took it, or a worker started it meanwhile
                continue
            if not send(job_model, job_id, task_id):
                return Requeued(sent, broker_unreachable=True)
            logger.info("%s %s sent again to the broker as task %s", job_model.__name__, job_id, task_id)
            sent += 1
    return Requeued(sent)
