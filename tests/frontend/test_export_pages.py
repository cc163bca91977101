"""The export page: options, a job with progress, downloads for analysts only, expiry."""

import datetime as dt
import io
import os

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analysis.models import ExportJob
from tests.analysis.results_world import build_results_world
from tests.factories import MembershipFactory, UserFactory
from tests.frontend.conftest import HTMX


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(db):
    world = build_results_world()
    world.submit({"gender": "male", "comment": "=1+1"})
    world.submit({"gender": "female"}, collector=world.shop)
    return world


def _client(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


def _page(world) -> str:
    return reverse("frontend:survey-data-export", kwargs={"slug": world.survey.slug})


def _start(client, world, django_capture_on_commit_callbacks, **fields):
    data = {"format": "xlsx", "values": "labels", "language": "en", **fields}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(_page(world), data)


def test_the_page_offers_the_options_and_is_linked_from_the_survey_head(world):
    client = _client(world.owner)
    content = client.get(_page(world)).content.decode()
    for name in ("format", "values", "language", "weighted", "completed_only", "date_from", "date_to", "collector"):
        assert f'name="{name}"' in content
    assert "This survey has no weights yet" in content
    results = client.get(reverse("frontend:survey-results", kwargs={"slug": world.survey.slug})).content.decode()
    assert _page(world) in results


def test_an_export_runs_and_its_file_downloads_with_a_safe_name(world, django_capture_on_commit_callbacks):
    client = _client(world.owner)
    response = _start(client, world, django_capture_on_commit_callbacks, completed_only="on")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#export-{job.id}")
    assert job.status == ExportJob.Status.SUCCEEDED and job.progress == 100 and job.response_count == 2
    assert job.file.name.startswith(f"exports/{world.survey.id}/") and job.size > 0
    assert job.expires_at - timezone.now() > dt.timedelta(days=6)
    page = client.get(_page(world)).content.decode()
    download = reverse("frontend:survey-data-export-download", kwargs={"slug": world.survey.slug, "job_id": job.id})
    assert download in page and "2 responses" in page
    response = client.get(download)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{world.survey.slug}-" in disposition and ".xlsx" in disposition
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "Responses" in book.sheetnames


def test_htmx_start_returns_the_job_row_and_unfinished_jobs_poll(world, django_capture_on_commit_callbacks):
    client = _client(world.owner)
    response = client.post(_page(world), {"format": "csv", "values": "codes", "language": "vi"}, **HTMX)
    assert response.status_code == 200
    job = ExportJob.objects.get()
    content = response.content.decode()
    assert f'id="export-{job.id}"' in content and "hx-get" in content and "<progress" in content
    assert "Refresh" in content  # without JavaScript
    status = client.get(
        reverse("frontend:survey-data-export-status", kwargs={"slug": world.survey.slug, "job_id": job.id}), **HTMX
    )
    assert status.status_code == 200 and "hx-get" in status.content.decode()


def test_a_refused_export_says_why_and_starts_nothing(world):
    client = _client(world.owner)
    response = client.post(_page(world), {"format": "xlsx", "values": "labels", "language": "en", "weighted": "on"})
    assert response.status_code == 400
    assert "no weights yet" in response.content.decode()
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), (None, 404)])
def test_only_members_who_analyse_see_the_page_and_the_files(world, django_capture_on_commit_callbacks, role, status):
    _start(_client(world.owner), world, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    user = UserFactory()
    if role:
        MembershipFactory(workspace=world.survey.workspace, user=user, role=role)
    client = _client(user)
    download = reverse("frontend:survey-data-export-download", kwargs={"slug": world.survey.slug, "job_id": job.id})
    assert client.get(_page(world)).status_code == status
    assert client.get(download).status_code == status
    assert client.post(_page(world), {"format": "xlsx", "values": "labels", "language": "en"}).status_code == status
    assert ExportJob.objects.count() == 1
    analyst = UserFactory()
    MembershipFactory(workspace=world.survey.workspace, user=analyst, role="analyst")
    assert _client(analyst).get(download).status_code == 200


def test_viewers_do_not_get_the_export_link_analysts_do(world):
    results = reverse("frontend:survey-results", kwargs={"slug": world.survey.slug})
    for role, shown in (("viewer", False), ("analyst", True)):
        user = UserFactory()
        MembershipFactory(workspace=world.survey.workspace, user=user, role=role)
        content = _client(user).get(results).content.decode()
        assert "Results" in content
        assert (_page(world) in content) is shown, role


def test_the_purge_runs_daily_on_celery_beat():
    from celery.schedules import crontab

    from analysis import tasks

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "analysis.tasks.purge_exports")
    assert isinstance(entry["schedule"], crontab)
    assert tasks.purge_exports.name == "analysis.tasks.purge_exports"


def test_an_expired_export_is_gone_and_purged(world, django_capture_on_commit_callbacks):
    client = _client(world.owner)
    _start(client, world, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    path = job.file.path
    ExportJob.objects.filter(id=job.id).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    download = reverse("frontend:survey-data-export-download", kwargs={"slug": world.survey.slug, "job_id": job.id})
    assert client.get(download).status_code == 410
    assert "Expired" in client.get(_page(world)).content.decode()
    stdout = io.StringIO()
    call_command("purge_exports", stdout=stdout)
    assert "Deleted 1 expired export files." in stdout.getvalue()
    job.refresh_from_db()
    assert not job.file
    assert not os.path.exists(path)
    assert client.get(download).status_code == 410
