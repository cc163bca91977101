import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from surveys import selectors, services
from surveys.core.xlsform import read_xlsform
from surveys.errors import InvalidInput
from surveys.models import Choice, Page, Question, Survey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "xlsform"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (FIXTURES / name).read_bytes(), XLSX)


def row_counts() -> tuple[int, int, int, int]:
    return Survey.objects.count(), Page.objects.count(), Question.objects.count(), Choice.objects.count()


@pytest.fixture
def author():
    return UserFactory()


@pytest.fixture
def workspace(author):
    return services.create_workspace(name="Quán cà phê", owner=author)


def test_a_kobo_form_becomes_a_draft_survey_holding_exactly_its_questionnaire(workspace, author):
    survey = services.import_survey_xlsform(
        workspace=workspace, file=upload("kobo_cafe_survey.xlsx"), created_by=author
    )
    assert (survey.workspace, survey.created_by, survey.status) == (workspace, author, Survey.Status.DRAFT)
    assert (survey.languages, survey.default_language) == (["vi", "en"], "vi")
    expected = read_xlsform(io.BytesIO((FIXTURES / "kobo_cafe_survey.xlsx").read_bytes()))
    assert selectors.get_survey_spec(survey=survey) == expected
    assert list(survey.pages.order_by("position").values_list("key", flat=True)) == ["about_you", "visit", "p1"]


def test_a_malformed_workbook_is_refused_cell_by_cell_and_writes_nothing(workspace, author):
    before = row_counts()
    with translation.override("en"), pytest.raises(services.XLSFormInvalid) as caught:
        services.import_survey_xlsform(workspace=workspace, file=upload("broken_survey.xlsx"), created_by=author)
    error = caught.value
    assert isinstance(error, InvalidInput)
    assert error.code == "xlsform_invalid"
    assert list(error.fields) == [
        "survey!3:type",
        "survey!4:type",
        "survey!5:type",
        "survey!6:name",
        "survey!7:name",
        "survey!8:relevant",
        "survey!9:type",
        "survey!10:type",
        "choices!2:name",
    ]
    assert error.fields["survey!4:type"] == ["Unknown question type “no_such_type”."]
    assert str(error.message).startswith("The workbook has 9 problems; the first: List “colours”")
    assert row_counts() == before


def test_a_file_that_is_not_a_workbook_is_refused_and_writes_nothing(workspace, author):
    before = row_counts()
    with pytest.raises(services.XLSFormInvalid) as caught:
        services.import_survey_xlsform(workspace=workspace, file=upload("not_a_workbook.xlsx"), created_by=author)
    assert list(caught.value.fields) == ["file"]
    assert row_counts() == before


@override_settings(XLSFORM_MAX_BYTES=1024)
def test_a_workbook_over_the_size_limit_is_refused_before_it_is_read(workspace, author):
    before = row_counts()
    with pytest.raises(InvalidInput) as caught:
        services.import_survey_xlsform(workspace=workspace, file=upload("kobo_cafe_survey.xlsx"), created_by=author)
    assert (caught.value.code, list(caught.value.fields)) == ("file_too_large", ["file"])
    assert row_counts() == before


def test_import_export_import_gives_the_same_questionnaire(workspace, author):
    first = services.import_survey_xlsform(workspace=workspace, file=upload("kobo_cafe_survey.xlsx"), created_by=author)
    workbook = selectors.render_survey_xlsform(survey=first)
    second = services.import_survey_xlsform(workspace=workspace, file=io.BytesIO(workbook), created_by=author)
    assert second.pk != first.pk
    assert selectors.get_survey_spec(survey=second) == selectors.get_survey_spec(survey=first)


def test_a_survey_built_in_the_builder_exports_and_imports_unchanged(workspace, author):
    survey = services.create_survey(
        workspace=workspace,
        created_by=author,
        title={"vi": "Khảo sát", "en": "Survey"},
        description={"vi": "=cảm ơn"},
        languages=["vi", "en"],
    )
    page = survey.pages.get()
    services.create_question(
        page=page,
        type="single_choice",
        key="gender",
        text={"vi": "Giới tính?", "en": "Gender?"},
        role="demographic:gender",
        choices=[
            {"value": "m", "label": {"vi": "Nam", "en": "Male"}},
            {"value": "f", "label": {"vi": "Nữ", "en": "Female"}},
            {"value": "x", "label": {"vi": "Khác"}, "is_other": True},
        ],
    )
    services.create_question(page=page, type="nps", key="nps", text={"vi": "Giới thiệu?"}, role="kpi:nps")
    second_page = services.create_page(survey=survey, title={"vi": "Lý do"}, logic=None)
    services.create_question(
        page=second_page,
        type="long_text",
        key="why",
        text={"vi": "Vì sao {{nps}} điểm?"},
        logic={
            "match": "any",
            "conditions": [
                {"question": "nps", "operator": "lte", "value": 6},
                {"question": "gender", "operator": "any_of", "value": ["m", "x"]},
            ],
        },
    )
    services.create_question(
        page=second_page,
        type="matrix",
        key="grid",
        text={"vi": "Đánh giá"},
        allow_not_applicable=True,
        choices=[{"value": "1", "label": {"vi": "Tệ"}}, {"value": "2", "label": {"vi": "Tốt"}}],
        rows=[{"value": "food", "label": {"vi": "Đồ ăn"}}, {"value": "service", "label": {"vi": "Phục vụ"}}],
    )
    services.create_question(page=second_page, type="rating", key="sat", text={"vi": "Hài lòng?"})
    services.create_question(
        page=second_page, type="number", key="age", text={"vi": "Tuổi?"}, min_value=0, max_value=99
    )
    copy = services.import_survey_xlsform(
        workspace=workspace, file=io.BytesIO(selectors.render_survey_xlsform(survey=survey)), created_by=author
    )
    assert selectors.get_survey_spec(survey=copy) == selectors.get_survey_spec(survey=survey)
