"""XLSForm through the API: download a workbook, create a survey from one."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from surveys.models import Survey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IMPORT_URL = "/api/surveys/import/"


def workbook_with_bad_question_type() -> bytes:
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["text", "name", "Tên bạn?"])
    survey.append(["no_such_type", "mood", "Tâm trạng?"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_import_is_at_the_documented_url():
    assert reverse("surveys:survey-import") == IMPORT_URL


def test_export_downloads_the_questionnaire_as_an_xlsx_attachment(world, owner_client):
    response = owner_client.get(reverse("surveys:survey-export", kwargs={"slug": world.survey.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{world.survey.slug}.xlsx"'
    assert response.content[:2] == b"PK"  # a workbook is a zip container


def test_export_refusals_are_json_even_when_only_a_workbook_is_accepted(world):
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = client.get(reverse("surveys:survey-export", kwargs={"slug": world.survey.slug}), HTTP_ACCEPT=XLSX)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_an_exported_questionnaire_imports_as_an_equal_draft(world, owner_client):
    workbook = owner_client.get(reverse("surveys:survey-export", kwargs={"slug": world.survey.slug})).content
    response = owner_client.post(
        IMPORT_URL,
        {"workspace": world.workspace.slug, "file": SimpleUploadedFile("survey.xlsx", workbook, XLSX)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    imported = response.json()
    assert (imported["workspace"], imported["status"], imported["latest_version"]) == (
        world.workspace.slug,
        "draft",
        None,
    )
    original = owner_client.get(reverse("surveys:survey-questionnaire", kwargs={"slug": world.survey.slug})).json()
    copy = owner_client.get(reverse("surveys:survey-questionnaire", kwargs={"slug": imported["slug"]})).json()
    assert copy["pages"] == original["pages"]


def test_a_workbook_with_a_bad_cell_is_refused_with_fields_and_creates_nothing(world, owner_client):
    surveys_before = Survey.objects.count()
    response = owner_client.post(
        IMPORT_URL,
        {
            "workspace": world.workspace.slug,
            "file": SimpleUploadedFile("survey.xlsx", workbook_with_bad_question_type(), XLSX),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "xlsform_invalid"
    assert list(response.json()["error"]["fields"]) == ["survey!3:type"]  # sheet, row, column of the bad cell
    assert Survey.objects.count() == surveys_before


def test_an_import_without_a_file_names_the_field(world, owner_client):
    response = owner_client.post(IMPORT_URL, {"workspace": world.workspace.slug}, format="multipart")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["file"]


def test_an_import_body_must_be_multipart(world, owner_client):
    response = owner_client.post(IMPORT_URL, {"workspace": world.workspace.slug}, format="json")
    assert response.status_code == 415
