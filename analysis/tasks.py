"""Celery tasks of the analysis app: take ids, call one service, declare retries."""

import logging

from celery import shared_task
from django.db import DatabaseError

from analysis import services

MAX_RETRIES = 3
logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def run_weighting(self, run_id: int) -> None:
    """Rake the responses of weighting run ``run_id`` and store its weights and diagnostics.

    Input problems end the run as failed inside the service. A database error is retried on a
    worker (the service redoes the run from the start); after the last retry, or at once when the
    task runs in-process (eager mode, where a retry would fail the web request), the run is marked
    failed so the page stops waiting for it.
    """
    try:
        services.run_weighting(run_id=run_id)
    except DatabaseError as error:
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            logger.exception("Weighting run %s failed", run_id)
            services.mark_run_failed(run_id=run_id)
            return
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def run_insight_analysis(self, run_id: int) -> None:
    """Run analysis run ``run_id``: crosstabs and candidate insights, stored with their evidence.

    Retries on database errors like ``run_weighting``; after the last retry (or at once in eager
    mode) the run is marked failed so the board stops waiting for it.
    """
    from analysis import services_insights  # imports analysis.services, which imports this module

    try:
        services_insights.run_analysis(run_id=run_id)
    except DatabaseError as error:
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            logger.exception("Analysis run %s failed", run_id)
            services_insights.mark_analysis_failed(run_id=run_id)
            return
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def run_open_text_analysis(self, run_id: int) -> None:
    """Run open-text run ``run_id``: themes and sentiment of one open question, with progress.

    Retries on database errors like ``run_weighting``; after the last retry (or at once in eager
    mode) the run is marked failed so the page stops polling.
    """
    from analysis import services_open_text  # imports this module

    try:
        services_open_text.run_open_text_analysis(run_id=run_id)
    except DatabaseError as error:
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            logger.exception("Open-text run %s failed", run_id)
            services_open_text.mark_run_failed(run_id=run_id)
            return
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def run_export(self, job_id: int) -> None:
    """Write export job ``job_id``'s file (xlsx, csv or sav) and store it, with progress.

    Retries on database errors like ``run_weighting``; after the last retry (or at once in eager
    mode), or on any other error, the job is marked failed so the page stops polling.
    """
    from analysis import export  # imports analysis.services_open_text, which imports this module

    try:
        export.run_export_job(job_id=job_id)
    except DatabaseError as error:
        if self.request.is_eager or self.request.retries >= MAX_RETRIES:
            logger.exception("Export %s failed", job_id)
            export.mark_export_failed(job_id=job_id)
            return
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error
    except Exception:
        logger.exception("Export %s failed", job_id)
        export.mark_export_failed(job_id=job_id)


@shared_task
def purge_exports() -> int:
    """Delete the files of expired exports (daily, from Celery beat: ``CELERY_BEAT_SCHEDULE``)."""
    from analysis import export

    return export.purge_expired_exports()
