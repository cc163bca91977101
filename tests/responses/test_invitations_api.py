"""The invitations API: upload contacts, list, send, remind, follow the progress; import responses."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from responses import services
from responses.models import Invitation, Response


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def api(researcher):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(researcher)
    return client


@pytest.fixture
def invitations(survey, researcher):
    return services.create_collector(survey=survey, created_by=researcher, kind="invitation")


def url(name: str, **kwargs) -> str:
    return reverse(f"responses:{name}", kwargs=kwargs)


def upload(api, collector, text: bytes):
    return api.post(
        url("contact-upload", collector_id=collector.id),
        {"file": SimpleUploadedFile("c.csv", text, "text/csv")},
        format="multipart",
    )


def test_upload_list_send_and_follow_the_progress(api, invitations, django_capture_on_commit_callbacks):
    assert upload(api, invitations, b"email,name\nan@example.vn,An\nben@example.com,Ben\n").json() == {"created": 2}
    listed = api.get(url("invitation-list", collector_id=invitations.id)).json()
    assert listed["count"] == 2 and {row["status"] for row in listed["results"]} == {"created"}
    assert "token" not in listed["results"][0]  # the token is the respondent's credential: never listed
    with django_capture_on_commit_callbacks(execute=True):
        job = api.post(url("invitation-send", collector_id=invitations.id), {}, format="json")
    assert job.status_code == 202 and job.json()["total"] == 2
    progress = api.get(url("invitation-progress", collector_id=invitations.id, task_id=job.json()["task_id"]))
    assert progress.json() == {"state": "done", "total": 2, "done": 2, "sent": 2, "bounced": 0, "skipped": 0}
    assert len(mail.outbox) == 2
    sent = api.get(url("invitation-list", collector_id=invitations.id), {"status": "sent"}).json()
    assert sent["count"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        reminded = api.post(url("invitation-remind", collector_id=invitations.id), {}, format="json")
    assert reminded.status_code == 202 and reminded.json()["is_reminder"] is True
    assert set(Invitation.objects.values_list("reminder_count", flat=True)) == {1}


def test_a_bad_contact_list_is_refused_with_each_row(api, invitations):
    response = upload(api, invitations, b"email\nan@example.vn\nnot-an-email\n")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "file_invalid"
    assert body["fields"]["file"] == ["Row 3, column “email”: “not-an-email” is not a valid email address."]
    assert not Invitation.objects.exists()


def test_sending_twice_is_a_conflict(api, invitations, django_capture_on_commit_callbacks):
    upload(api, invitations, b"email\nan@example.vn\n")
    with django_capture_on_commit_callbacks(execute=True):
        api.post(url("invitation-send", collector_id=invitations.id), {}, format="json")
    again = api.post(url("invitation-send", collector_id=invitations.id), {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_send"


def test_contacts_of_a_public_link_are_a_conflict(api, collector):
    assert upload(api, collector, b"email\nan@example.vn\n").status_code == 409


def test_import_responses_through_the_api(api, survey):
    data = b"age_band,channels,satisfaction,nps,aspects.speed,aspects.price\n18-24,web,4,9,good,ok\n"
    response = api.post(
        url("response-import", slug=survey.slug),
        {"file": SimpleUploadedFile("kobo.csv", data, "text/csv")},
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["imported"] == 1
    again = api.post(
        url("response-import", slug=survey.slug),
        {"file": SimpleUploadedFile("kobo.csv", data, "text/csv")},
        format="multipart",
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_imported"
    assert Response.objects.filter(source="import").count() == 1
