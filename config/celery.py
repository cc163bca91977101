"""Celery application: a Redis broker when CELERY_BROKER_URL is set, eager mode otherwise."""

import logging
import os

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

logger = logging.getLogger(__name__)

app = Celery("sowhat")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def requeue_jobs() -> None:
    """Send the background jobs queued while the broker was away (``analysis.jobs``); never raise."""
    from django.db import connections

    from analysis import jobs

    try:
        count = jobs.requeue_unsent().sent
    except Exception:  # e.g. the database is away too: the next sweep tries again
        logger.exception("Sending the jobs queued while the broker was away failed")
        return
    finally:
        connections.close_all()  # the sweep runs in the worker's main process, between tasks
    if count:
        logger.warning("Sent %d background job(s) queued while the broker was away", count)


class RequeueJobsStep(bootsteps.StartStopStep):
    """Sweep for unsent jobs whenever the worker (re)connects to the broker, then periodically.

    Celery starts the consumer's steps at every connection, so the first sweep after a broker
    outage runs as soon as Redis is back; the timer covers web machines that lost Redis alone.
    """

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.timer_entry = None

    def start(self, parent) -> None:
        from django.conf import settings

        requeue_jobs()
        if self.timer_entry is not None:
            self.timer_entry.cancel()
        self.timer_entry = parent.timer.call_repeatedly(settings.JOBS_REQUEUE_INTERVAL, requeue_jobs)

    def stop(self, parent) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None


app.steps["consumer"].add(RequeueJobsStep)
