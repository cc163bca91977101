"""The invitations page, contact uploads, sending with confirmation and progress; QR downloads; imports."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from responses import services
from responses.core import qr
from responses.models import Collector, Invitation, Response
from surveys import services as survey_services
from tests.factories import MembershipFactory, UserFactory
from tests.frontend.conftest import HTMX
from tests.responses.specs import build_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(workspace, researcher):
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=researcher)
    survey_services.publish_survey(
        survey=survey, published_by=researcher, override_reason="Test questionnaire", confirm_warnings=True
    )
    survey.refresh_from_db()
    return survey


@pytest.fixture
def invitation_set(published, researcher):
    return services.create_collector(survey=published, created_by=researcher, kind="invitation")


def page_url(collector) -> str:
    return reverse("frontend:invitations", kwargs={"collector_id": collector.id})


def csv_file(text: str, name: str = "contacts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), "text/csv")


def test_the_builder_links_to_invitations_and_offers_qr_downloads(signed_in, published, invitation_set):
    public = services.create_collector(survey=published)
    html = signed_in.get(reverse("frontend:survey-builder", kwargs={"slug": published.slug})).content.decode()
    assert page_url(invitation_set) in html
    assert reverse("frontend:collector-qr", kwargs={"collector_id": public.id, "image_format": "png"}) in html
    assert reverse("frontend:collector-qr", kwargs={"collector_id": public.id, "image_format": "svg"}) in html
    assert reverse("frontend:survey-monitor", kwargs={"slug": published.slug}) in html


def test_creating_an_invitation_set_opens_its_page(signed_in, published):
    response = signed_in.post(reverse("frontend:invitation-collector-create", kwargs={"slug": published.slug}))
    collector = Collector.objects.get(kind="invitation")
    assert response.status_code == 302 and response["Location"] == page_url(collector)


def test_uploading_contacts_lists_them_with_their_status(signed_in, invitation_set):
    response = signed_in.post(
        reverse("frontend:contacts-upload", kwargs={"collector_id": invitation_set.id}),
        {"file": csv_file("email,name,language\nan@example.vn,An,vi\nben@example.com,Ben,en\n")},
        follow=True,
    )
    html = response.content.decode()
    assert "2 contacts imported." in html
    assert "an@example.vn" in html and "ben@example.com" in html
    assert "Not sent yet" in html
    assert "Send 2 invitations" in html


def test_a_bad_list_shows_each_rows_problem_and_imports_nothing(signed_in, invitation_set):
    response = signed_in.post(
        reverse("frontend:contacts-upload", kwargs={"collector_id": invitation_set.id}),
        {"file": csv_file("email,language\nan@example.vn,vi\nnope,vi\nan@example.vn,xx\n")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    rows = re.findall(r"<tr><td>(\d+)</td><td><span class=\"key\">(\w+)</span></td><td>([^<]+)</td></tr>", html)
    assert rows == [
        ("3", "email", "“nope” is not a valid email address."),
        ("4", "email", "an@example.vn is also on row 2 of this file."),
        ("4", "language", "Unknown language “xx”: use one of vi, en."),
    ]
    assert not Invitation.objects.exists()


def test_a_wrong_file_type_gets_a_clear_error(signed_in, invitation_set):
    response = signed_in.post(
        reverse("frontend:contacts-upload", kwargs={"collector_id": invitation_set.id}),
        {"file": SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png")},
    )
    assert response.status_code == 400
    assert "This is not a CSV or Excel (.xlsx) file." in response.content.decode()
    assert not Invitation.objects.exists()


def test_sending_asks_for_confirmation_then_sends_and_shows_progress(
    signed_in, invitation_set, django_capture_on_commit_callbacks
):
    services.import_contacts(collector=invitation_set, file=io.BytesIO(b"email\nan@example.vn\nbinh@example.vn\n"))
    send_url = reverse("frontend:invitations-send", kwargs={"collector_id": invitation_set.id})
    confirm = signed_in.get(send_url)
    assert "An email with a personal link will go to 2 contacts." in confirm.content.decode()
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(send_url)
    assert response.status_code == 302
    task_id = response["Location"].split("task=")[1]
    assert len(mail.outbox) == 2
    page = signed_in.get(response["Location"]).content.decode()
    assert "2 of 2 handled: 2 sent, 0 bounced, 0 skipped." in page
    assert 'role="status"' in page
    fragment = signed_in.get(
        reverse("frontend:invitations-progress", kwargs={"collector_id": invitation_set.id, "task_id": task_id}),
        **HTMX,
    )
    assert fragment["HX-Refresh"] == "true"
    assert set(Invitation.objects.values_list("status", flat=True)) == {"sent"}


def test_progress_still_queued_polls_and_has_a_no_script_refresh(signed_in, invitation_set):
    url = reverse("frontend:invitations-progress", kwargs={"collector_id": invitation_set.id, "task_id": "queued-id"})
    html = signed_in.get(url, **HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in html and "<noscript>" in html
    assert signed_in.get(url).status_code == 302  # without htmx: the whole page


def test_reminding_with_nobody_to_remind_says_so(signed_in, invitation_set):
    url = reverse("frontend:invitations-remind", kwargs={"collector_id": invitation_set.id})
    assert "Nobody needs a reminder." in signed_in.get(url).content.decode()
    response = signed_in.post(url, follow=True)
    assert "Nobody needs a reminder." in response.content.decode()


def test_the_status_filter_narrows_the_table(signed_in, invitation_set):
    services.import_contacts(collector=invitation_set, file=io.BytesIO(b"email\nan@example.vn\nbinh@example.vn\n"))
    Invitation.objects.filter(email="an@example.vn").update(status="bounced")
    html = signed_in.get(page_url(invitation_set), {"status": "bounced"}).content.decode()
    assert "an@example.vn" in html and "binh@example.vn" not in html


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_members_who_cannot_edit_cannot_manage_invitations(english_client, workspace, invitation_set, role):
    member = UserFactory()
    MembershipFactory(workspace=workspace, user=member, role=role)
    english_client.force_login(member)
    assert english_client.get(page_url(invitation_set)).status_code == 403
    upload = reverse("frontend:contacts-upload", kwargs={"collector_id": invitation_set.id})
    assert english_client.post(upload, {"file": csv_file("email\na@example.vn\n")}).status_code == 403
    assert not Invitation.objects.exists()


def test_outsiders_get_not_found(english_client, invitation_set):
    english_client.force_login(UserFactory())
    assert english_client.get(page_url(invitation_set)).status_code == 404


def test_qr_downloads_encode_the_public_link(signed_in, published):
    public = services.create_collector(survey=published)
    link = f"http://testserver/r/{public.slug}/"
    for image_format, media in qr.FORMATS.items():
        url = reverse("frontend:collector-qr", kwargs={"collector_id": public.id, "image_format": image_format})
        response = signed_in.get(url)
        assert response.status_code == 200 and response["Content-Type"] == media
        assert response["Content-Disposition"] == f'attachment; filename="qr-{public.slug}.{image_format}"'
        assert response.content == qr.render_qr(link, image_format=image_format)
    bad = reverse("frontend:collector-qr", kwargs={"collector_id": public.id, "image_format": "gif"})
    assert signed_in.get(bad).status_code == 404


# --- importing responses -------------------------------------------------------------------


HEADER = "age_band,channels,satisfaction,nps,aspects.speed,aspects.price"


def test_import_page_imports_a_kobo_export_and_shows_the_monitor(signed_in, published):
    url = reverse("frontend:response-import", kwargs={"slug": published.slug})
    assert "one column per question key" in signed_in.get(url).content.decode()
    response = signed_in.post(
        url, {"file": csv_file(f"{HEADER}\n18-24,web app,4,9,good,ok\n25-34,web,5,10,ok,ok\n")}, follow=True
    )
    assert "2 responses imported." in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("frontend:survey-monitor", kwargs={"slug": published.slug})
    assert Response.objects.filter(source="import", status="complete").count() == 2


def test_import_page_lists_row_errors_and_imports_nothing(signed_in, published):
    url = reverse("frontend:response-import", kwargs={"slug": published.slug})
    response = signed_in.post(url, {"file": csv_file(f"{HEADER}\n18-24,web,4,9,good,ok\n18-24,fax,4,9,good,ok\n")})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The file has 1 problem; no response was imported." in html
    assert "<td>3</td>" in html and "“fax” is not an option of this question." in html
    assert not Response.objects.exists()
