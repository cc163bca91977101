"""Sending invitations and reminders through Celery and Django's email backend."""

import io
import smtplib
import uuid

import pytest
from django.core import mail
from django.utils import timezone, translation

from responses import selectors, services
from responses.models import Invitation
from surveys import services as survey_services
from tests.responses.specs import COMPLETE_ANSWERS

BASE = "https://khaosat.example.vn"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def invitations(survey, researcher):
    collector = services.create_collector(survey=survey, created_by=researcher, kind="invitation")
    data = "email,name,language\nan@example.vn,An,vi\nben@example.com,Ben,en\ncuc@example.vn,,\n"
    services.import_contacts(collector=collector, file=io.BytesIO(data.encode()))
    return collector


def invitation(email: str) -> Invitation:
    return Invitation.objects.get(email=email)


def test_sending_mails_each_contact_their_personal_link_in_their_language(
    invitations, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.queue_invitations(collector=invitations, base_url=BASE)
    assert job.total == 3
    assert len(mail.outbox) == 3
    by_address = {message.to[0]: message for message in mail.outbox}
    an, ben = invitation("an@example.vn"), invitation("ben@example.com")
    vi_mail, en_mail = by_address["an@example.vn"], by_address["ben@example.com"]
    assert f"{BASE}/i/{an.token}/" in vi_mail.body
    assert f"{BASE}/i/{ben.token}/" in en_mail.body
    assert an.token not in en_mail.body  # each contact gets only their own link
    html, media = en_mail.alternatives[0]
    assert media == "text/html" and f'href="{BASE}/i/{ben.token}/"' in html
    assert "Hello Ben," in en_mail.body and "Khảo sát thử" not in en_mail.subject
    assert en_mail.subject == "Your opinion, please: Test survey"
    assert vi_mail.subject != en_mail.subject  # Vietnamese contact, Vietnamese message
    assert "Khảo sát thử" in vi_mail.subject
    # No language in the list: the survey's default language (Vietnamese).
    assert "Khảo sát thử" in by_address["cuc@example.vn"].subject
    statuses = {i.email: (i.status, i.sent_at is not None) for i in Invitation.objects.all()}
    assert set(statuses.values()) == {("sent", True)}
    progress = selectors.get_send_progress(collector=invitations, task_id=job.task_id)
    assert (progress.state, progress.total, progress.sent, progress.bounced) == ("done", 3, 3, 0)


def test_sending_twice_sends_nothing_more(invitations, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_invitations(collector=invitations, base_url=BASE)
    with pytest.raises(services.Conflict, match="already been sent"):
        services.queue_invitations(collector=invitations, base_url=BASE)
    assert len(mail.outbox) == 3


def test_a_refused_recipient_is_marked_bounced_and_the_others_still_go(invitations, monkeypatch):
    real_send = services.EmailMultiAlternatives.send

    def send(message, fail_silently=False):
        if message.to == ["ben@example.com"]:
            raise smtplib.SMTPRecipientsRefused({"ben@example.com": (550, b"No such user")})
        return real_send(message, fail_silently=fail_silently)

    monkeypatch.setattr(services.EmailMultiAlternatives, "send", send)
    ids = list(Invitation.objects.order_by("id").values_list("id", flat=True))
    report = services.send_invitations(collector_id=invitations.id, invitation_ids=ids, base_url=BASE)
    assert (report.sent, report.bounced, report.skipped) == (2, 1, 0)
    ben = invitation("ben@example.com")
    assert ben.status == "bounced" and "No such user" in ben.last_error and ben.sent_at is None
    assert len(mail.outbox) == 2


def test_a_lost_connection_propagates_for_the_task_to_retry_and_a_retry_sends_only_the_rest(invitations, monkeypatch):
    real_send = services.EmailMultiAlternatives.send
    calls = {"n": 0}

    def flaky(message, fail_silently=False):
        calls["n"] += 1
        if calls["n"] == 2:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(message, fail_silently=fail_silently)

    monkeypatch.setattr(services.EmailMultiAlternatives, "send", flaky)
    ids = list(Invitation.objects.order_by("id").values_list("id", flat=True))
    started = timezone.now().isoformat()
    with pytest.raises(smtplib.SMTPServerDisconnected):
        services.send_invitations(
            collector_id=invitations.id, invitation_ids=ids, base_url=BASE, batch_started_at=started
        )
    assert len(mail.outbox) == 1
    report = services.send_invitations(
        collector_id=invitations.id, invitation_ids=ids, base_url=BASE, batch_started_at=started
    )
    assert (report.sent, report.skipped) == (2, 1)
    assert sorted(m.to[0] for m in mail.outbox) == ["an@example.vn", "ben@example.com", "cuc@example.vn"]


def test_the_task_retries_connection_failures():
    from responses import tasks

    assert smtplib.SMTPServerDisconnected in tasks.send_invitations.autoretry_for
    assert smtplib.SMTPRecipientsRefused not in tasks.RETRYABLE
    assert tasks.send_invitations.max_retries >= 3


def test_reminders_go_only_to_those_who_have_not_completed(invitations, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_invitations(collector=invitations, base_url=BASE)
    Invitation.objects.filter(email="an@example.vn").update(status="completed", completed_at=timezone.now())
    Invitation.objects.filter(email="ben@example.com").update(status="bounced")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.queue_invitations(collector=invitations, base_url=BASE, is_reminder=True)
    assert job.total == 1
    assert [m.to for m in mail.outbox] == [["cuc@example.vn"]]
    assert "Khảo sát thử" in mail.outbox[0].subject  # cuc's list gave no language: the survey's default
    cuc = invitation("cuc@example.vn")
    assert cuc.reminder_count == 1 and cuc.reminded_at is not None and cuc.status == "sent"
    assert invitation("an@example.vn").reminder_count == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_invitations(collector=invitations, base_url=BASE, is_reminder=True)
    assert invitation("cuc@example.vn").reminder_count == 2


def test_nobody_to_remind_before_anything_was_sent(invitations):
    with pytest.raises(services.Conflict, match="Nobody needs a reminder"):
        services.queue_invitations(collector=invitations, base_url=BASE, is_reminder=True)


def test_a_closed_survey_sends_no_invitations(invitations, survey):
    survey_services.close_survey(survey=survey)
    invitations.refresh_from_db()
    with pytest.raises(services.Conflict, match="Publish the survey"):
        services.queue_invitations(collector=invitations, base_url=BASE)


def test_invitation_ids_of_another_collector_are_refused(invitations, survey, researcher):
    other = services.create_collector(survey=survey, created_by=researcher, kind="invitation")
    services.import_contacts(collector=other, file=io.BytesIO(b"email\nz@example.vn\n"))
    foreign = Invitation.objects.get(collector=other).id
    with pytest.raises(services.InvalidInput):
        services.queue_invitations(collector=invitations, base_url=BASE, invitation_ids=[foreign])


def test_progress_of_another_collectors_task_is_not_found(
    invitations, survey, researcher, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.queue_invitations(collector=invitations, base_url=BASE)
    other = services.create_collector(survey=survey, created_by=researcher, kind="invitation")
    with pytest.raises(services.NotFound):
        selectors.get_send_progress(collector=other, task_id=job.task_id)
    assert selectors.get_send_progress(collector=invitations, task_id="no-such-task").state == "pending"


def test_the_respondent_flow_moves_the_status_forward(invitations, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.queue_invitations(collector=invitations, base_url=BASE)
    an = invitation("an@example.vn")
    assert client.get(f"/i/{an.token}/").status_code == 200
    an.refresh_from_db()
    assert an.status == "opened" and an.opened_at is not None
    response = services.start_response(collector=invitations, client=services.Client(), language="vi", invitation=an)
    an.refresh_from_db()
    assert an.status == "started"
    for page in response.version.spec().pages[:-1]:
        services.save_page(response=response, page_key=page.key, raw=COMPLETE_ANSWERS)
    services.submit_page(response=response, page_key="details", raw=COMPLETE_ANSWERS, submission_key=uuid.uuid4())
    an.refresh_from_db()
    assert an.status == "completed" and an.completed_at is not None


@pytest.mark.worker
def test_a_batch_goes_through_celery_and_reports_progress(invitations):
    # Under `make test-postgres` this runs in a real worker process (results in the database).
    job = services.queue_invitations(collector=invitations, base_url=BASE)  # committed: the task is sent
    from celery.result import AsyncResult

    from responses import tasks

    result = AsyncResult(job.task_id, app=tasks.send_invitations.app)
    if not tasks.send_invitations.app.conf.task_always_eager:
        result.get(timeout=30)
    progress = selectors.get_send_progress(collector=invitations, task_id=job.task_id)
    assert (progress.state, progress.total, progress.sent) == ("done", 3, 3)
    assert set(Invitation.objects.values_list("status", flat=True)) == {"sent"}
