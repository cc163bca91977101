import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from surveys import services
from surveys.models import Survey

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data" / "xlsform"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, workspace, name):
    workbook = SimpleUploadedFile(name, (DATA / name).read_bytes(), content_type=XLSX)
    return client.post(reverse("frontend:xlsform-import", kwargs={"slug": workspace.slug}), {"file": workbook})


def test_import_page_offers_an_upload_form(signed_in, workspace):
    response = signed_in.get(reverse("frontend:xlsform-import", kwargs={"slug": workspace.slug}))

    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_importing_a_workbook_creates_a_draft_and_opens_its_builder(signed_in, workspace):
    response = upload(signed_in, workspace, "kobo_cafe_survey.xlsx")

    survey = Survey.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response.url == reverse("frontend:survey-builder", kwargs={"slug": survey.slug})
    assert survey.status == "draft"
    assert survey.questions.exists()


def test_a_broken_workbook_lists_each_cell_problem_and_imports_nothing(signed_in, workspace):
    response = upload(signed_in, workspace, "broken_survey.xlsx")

    content = response.content.decode()
    assert response.status_code == 400
    assert "<code>survey!4:type</code> Unknown question type “no_such_type”." in content
    assert "List “colours” has no choices on the choices sheet." in content
    assert not Survey.objects.filter(workspace=workspace).exists()


def test_a_file_that_is_not_a_workbook_is_refused(signed_in, workspace):
    response = upload(signed_in, workspace, "not_a_workbook.xlsx")

    assert response.status_code == 400
    assert not Survey.objects.filter(workspace=workspace).exists()


def test_a_viewer_cannot_import(english_client, member_of, workspace):
    english_client.force_login(member_of(workspace, "viewer"))

    response = upload(english_client, workspace, "kobo_cafe_survey.xlsx")

    assert response.status_code == 403
    assert not Survey.objects.filter(workspace=workspace).exists()


def test_export_downloads_the_questionnaire_as_xlsform(signed_in, survey, page):
    services.create_question(page=page, type="nps", text={"vi": "Giới thiệu?", "en": "Recommend?"})

    response = signed_in.get(reverse("frontend:survey-export", kwargs={"slug": survey.slug}))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{survey.slug}-xlsform.xlsx"'
    assert {"survey", "choices"} <= set(load_workbook(io.BytesIO(response.content), read_only=True).sheetnames)
