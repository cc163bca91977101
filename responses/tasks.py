"""Celery tasks of the responses app: take ids, call one service, declare retries."""

import smtplib

from celery import shared_task

from responses import services

# A lost or refused connection to the mail server: worth trying again later. A refused
# recipient is not among them: the service marks that invitation bounced.
PROGRESS_EVERY = 10  # invitations between two progress writes to the result backend
RETRYABLE = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)


@shared_task(
    bind=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
    store_eager_result=True,  # the page reads the outcome from the result backend in eager mode too
)
def send_invitations(
    self,
    collector_id: int,
    invitation_ids: list[int],
    base_url: str,
    is_reminder: bool = False,
    batch_started_at: str | None = None,
) -> dict[str, int]:
    def report_progress(report: services.SendReport) -> None:
        if report.done % PROGRESS_EVERY == 0 or report.done == report.total:
            self.update_state(state="PROGRESS", meta=report.as_dict())

    report = services.send_invitations(
        collector_id=collector_id,
        invitation_ids=invitation_ids,
        base_url=base_url,
        is_reminder=is_reminder,
        batch_started_at=batch_started_at,
        progress=report_progress,
    )
    return report.as_dict()
