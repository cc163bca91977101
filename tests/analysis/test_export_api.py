"""The export API: start, poll, download, expiry (who may call which endpoint: test_permissions.py)."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from analysis.models import ExportJob
from tests.analysis.results_world import build_results_world


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(db):
    world = build_results_world()
    world.submit({"gender": "male", "comment": "@SUM(A1)"})
    return world


@pytest.fixture
def client(world) -> APIClient:
    client = APIClient()
    client.force_authenticate(world.owner)
    return client


def _start(client, world, django_capture_on_commit_callbacks, body):
    url = reverse("analysis:export-list", kwargs={"slug": world.survey.slug})
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, body, format="json")


def test_start_poll_and_download_a_csv(client, world, django_capture_on_commit_callbacks):
    response = _start(client, world, django_capture_on_commit_callbacks, {"format": "csv", "codes": True})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["options"]["codes"] is True and body["download_url"] is None
    detail = client.get(reverse("analysis:export-detail", kwargs={"job_id": body["id"]})).json()
    assert detail["status"] == "succeeded" and detail["progress"] == 100 and detail["response_count"] == 1
    assert detail["download_url"] == reverse("analysis:export-download", kwargs={"job_id": body["id"]})
    download = client.get(detail["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    data = b"".join(download.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][rows[0].index("comment")] == "'@SUM(A1)"
    listed = client.get(reverse("analysis:export-list", kwargs={"slug": world.survey.slug})).json()
    assert [job["id"] for job in listed["results"]] == [body["id"]]


def test_an_expired_download_is_410(client, world, django_capture_on_commit_callbacks):
    job_id = _start(client, world, django_capture_on_commit_callbacks, {}).json()["id"]
    ExportJob.objects.filter(id=job_id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(reverse("analysis:export-download", kwargs={"job_id": job_id}))
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "gone"
    assert client.get(reverse("analysis:export-detail", kwargs={"job_id": job_id})).json()["download_url"] is None


def test_an_unfinished_download_is_409(client, world):
    url = reverse("analysis:export-list", kwargs={"slug": world.survey.slug})
    job_id = client.post(url, {}, format="json").json()["id"]  # the task never ran (no commit)
    response = client.get(reverse("analysis:export-download", kwargs={"job_id": job_id}))
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "pdf"}, "format"),
        ({"weighted": True}, "weighted"),
        ({"language": "fr"}, "language"),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_to"),
        ({"collector": 999999}, "collector"),
        ({"segment": "gender", "segment_values": ["nobody"]}, "segment_value"),
    ],
)
def test_bad_options_are_refused_and_start_nothing(client, world, body, field):
    url = reverse("analysis:export-list", kwargs={"slug": world.survey.slug})
    response = client.post(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not ExportJob.objects.exists()


def test_a_failed_export_says_why(world):
    from analysis import export

    job = export.start_export(survey=world.survey, request=export.ExportRequest())
    ExportJob.objects.filter(id=job.id).update(options={**job.options, "collector_id": 999999})
    job = export.run_export_job(job_id=job.id)
    assert job.status == ExportJob.Status.FAILED and job.error


def test_the_task_marks_a_crashed_export_failed(world, monkeypatch):
    from analysis import export, tasks

    job = export.start_export(survey=world.survey, request=export.ExportRequest(language="en"))

    def crash(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(export, "export_survey", crash)
    tasks.run_export.apply(args=[job.id])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.progress == 100
    assert job.error == "The export failed unexpectedly; start it again."
    assert not job.file
