"""Importing responses collected elsewhere: KoBo/ODK, Google Forms, our own export; all or nothing."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from responses import services
from responses.core import response_import, tables
from responses.models import Collector, Response
from tests.responses.specs import build_spec

HEADER = (
    "gender,age_band,channels,satisfaction,nps,reason,app_hours,installed_on,aspects.speed,aspects.price,"
    "priorities,comment"
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def parse(text: str) -> response_import.ResponseImport:
    return response_import.parse_responses(tables.read_table(text.encode(), max_rows=100), build_spec())


def problems(result) -> list[tuple]:
    return [(e.row, e.column, e.message.render()) for e in result.errors]


# --- the parser ------------------------------------------------------------------------------


def test_kobo_style_codes_with_space_separated_multiple_choice():
    result = parse(
        "_id,_uuid,start,group_about/gender,group_about/age_band,group_about/channels,group_about/channels/web,"
        "satisfaction,nps,aspects.speed,aspects.price,priorities,comment,_submission_time\n"
        "1,u-1,2026-03-01,female,18-24,web app,1,4,9,good,n/a,service price speed,Giao nhanh,2026-03-01T10:15:00\n"
    )
    assert problems(result) == []
    (row,) = result.responses
    assert row.answers == {
        "gender": "female",
        "age_band": "18-24",
        "channels": ["web", "app"],
        "satisfaction": 4,
        "nps": 9,
        "aspects": {"speed": "good", "price": "n/a"},
        "priorities": ["service", "price", "speed"],
        "comment": "Giao nhanh",
    }
    assert row.submitted_at == dt.datetime(2026, 3, 1, 10, 15)
    assert row.language == "vi"


def test_labels_in_either_language_and_binary_option_columns():
    result = parse(
        "gender,age_band,channels.web,channels.app,channels.none,satisfaction,nps,reason,aspects.speed,aspects.price,"
        "language\n"
        "Pick male,Chọn 25-34,1,0,0,5,3,Chậm quá,Chọn ok,Pick bad,English\n"
    )
    assert problems(result) == []
    (row,) = result.responses
    assert row.answers["gender"] == "male" and row.answers["age_band"] == "25-34"
    assert row.answers["channels"] == ["web"]
    assert row.answers["aspects"] == {"speed": "ok", "price": "bad"}
    assert row.answers["reason"] == "Chậm quá"
    assert row.language == "en"


def test_google_forms_headers_are_question_texts():
    result = parse(
        "Timestamp,Câu gender?,Question age_band?,Câu channels?,Câu satisfaction?,Câu nps?,"
        "Câu aspects? [Chọn speed],Câu aspects? [Pick price]\n"
        "2026/03/02 09:30:00,Chọn female,Pick 35_plus,Chọn web;Chọn other,2,10,Chọn good,Chọn ok\n"
    )
    # "other" chosen without its text: the respondent form's own rule applies.
    assert problems(result) == [(2, "Câu channels?", "Please specify your “other” answer.")]


def test_every_row_problem_is_reported_with_its_row_and_column():
    result = parse(
        f"{HEADER}\n"
        "female,18-24,web,4,9,,,,good,ok,,\n"  # fine
        "robot,18-24,web,4,9,,,,good,ok,,\n"  # not an option
        "female,,web,4,9,,,,good,ok,,\n"  # required missing
        "female,18-24,web app,4,9,,30,,good,ok,,\n"  # out of range
        "female,18-24,web,4,9,,5,,good,ok,,\n"  # app page hidden: answer refused
        "female,18-24,web none,4,9,,,,good,ok,,\n"  # exclusive combined
        "female,18-24,web,4,9,,,2026-13-40,good,ok,,\n"  # hidden too (app page) -> reported
    )
    assert problems(result) == [
        (3, "gender", "“robot” is not an option of this question."),
        (4, "age_band", "This question requires an answer."),
        (5, "app_hours", "Enter a number from 0 to 24."),
        (6, "app_hours", "This question is not shown for the other answers on the row (display logic)."),
        (7, "channels", "“Pick none” cannot be combined with other options."),
        (8, "installed_on", "This question is not shown for the other answers on the row (display logic)."),
    ]
    assert [row.row for row in result.responses] == [2]


def test_an_unknown_column_refuses_the_file():
    result = parse("gender,favourite_colour\nfemale,blue\n")
    assert problems(result) == [
        (
            None,
            "favourite_colour",
            "Column “favourite_colour” matches no question of the survey: rename it to a question key or remove it.",
        )
    ]


def test_csv_escaped_text_is_unescaped_and_formulas_refused():
    ok = parse(
        "age_band,channels,satisfaction,nps,reason,aspects.speed,aspects.price,comment\n"
        "18-24,web,4,2,'=không hài lòng,good,ok,'-- tệ --\n"
    )
    assert problems(ok) == []
    assert ok.responses[0].answers["reason"] == "=không hài lòng"
    assert ok.responses[0].answers["comment"] == "-- tệ --"
    bad = parse(
        "age_band,channels,satisfaction,nps,reason,aspects.speed,aspects.price\n"
        '18-24,web,4,2,"=HYPERLINK(""http://evil"")",good,ok\n'
    )
    assert problems(bad) == [(2, "reason", "This cell holds a spreadsheet formula; enter the value itself.")]


def test_partial_responses_of_our_export_are_refused():
    result = parse(
        "status,age_band,channels,satisfaction,nps,aspects.speed,aspects.price\npartial,18-24,web,4,9,good,ok\n"
    )
    assert problems(result) == [(2, "status", "Only complete responses can be imported (this one is “partial”).")]


# --- the service -----------------------------------------------------------------------------


def our_export_workbook() -> bytes:
    """The codes layout of the workbook's Responses sheet (analysis/core/xlsx_report.py)."""
    book = openpyxl.Workbook()
    book.active.title = "Summary"
    sheet = book.create_sheet("Responses")
    sheet.append(
        [
            *("response_id", "status", "submitted_at", "duration_seconds", "language", "collector"),
            *("gender", "gender:other", "age_band"),
            *("channels.web", "channels.app", "channels.other", "channels.none", "channels", "channels:other"),
            *("satisfaction", "nps", "reason", "app_hours", "installed_on", "aspects.speed", "aspects.price"),
            *("priorities.price", "priorities.speed", "priorities.service", "comment"),
        ]
    )
    sheet.append(
        [
            *(17, "complete", dt.datetime(2026, 2, 1, 8, 0), 95, "en", "abc"),
            *("other", "Không nói", "18-24"),
            *(1, 1, 0, 0, "web;app", None),
            *("n/a", 6, "Giá cao", 2.5, dt.datetime(2026, 1, 15), "good", "n/a"),
            *(2, None, 1, "Tốt"),
        ]
    )
    sheet.append(
        [
            *(18, "complete", dt.datetime(2026, 2, 2, 9, 30), 60, "vi", "abc"),
            *("male", None, "25-34"),
            *(0, 0, 0, 1, "none", None),
            *(3, 10, None, None, None, "ok", "ok"),
            *(None, None, None, None),
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_our_own_export_imports_as_complete_responses_of_the_latest_version(survey, researcher):
    result = services.import_responses(
        survey=survey, file=io.BytesIO(our_export_workbook()), filename="export.xlsx", imported_by=researcher
    )
    assert result.count == 2
    assert result.collector.kind == Collector.Kind.IMPORT and result.collector.name == "Imported: export.xlsx"
    assert not result.collector.is_active
    first, second = Response.objects.filter(collector=result.collector).order_by("submitted_at")
    assert first.answers == {
        "gender": "other",
        "gender.other": "Không nói",
        "age_band": "18-24",
        "channels": ["web", "app"],
        "satisfaction": "n/a",
        "nps": 6,
        "reason": "Giá cao",
        "app_hours": 2.5,
        "installed_on": "2026-01-15",
        "aspects": {"speed": "good", "price": "n/a"},
        "priorities": ["service", "price"],
        "comment": "Tốt",
    }
    assert (first.status, first.source, first.language, first.duration_seconds) == ("complete", "import", "en", 95)
    assert first.submitted_at == timezone.make_aware(dt.datetime(2026, 2, 1, 8, 0))
    assert first.version == survey.versions.order_by("-number").first()
    assert second.answers["channels"] == ["none"]
    assert first.submission_key and first.submission_key != second.submission_key


def test_importing_the_same_file_twice_is_refused(survey):
    data = our_export_workbook()
    services.import_responses(survey=survey, file=io.BytesIO(data))
    with pytest.raises(services.Conflict, match="already been imported"):
        services.import_responses(survey=survey, file=io.BytesIO(data))
    assert Response.objects.count() == 2


def test_one_bad_row_imports_nothing(survey):
    data = f"{HEADER}\nfemale,18-24,web,4,9,,,,good,ok,,\nfemale,18-24,web,4,11,,,,good,ok,,\n"
    with pytest.raises(services.FileRowsInvalid) as error:
        services.import_responses(survey=survey, file=io.BytesIO(data.encode()))
    assert error.value.fields["file"] == ["Row 3, column “nps”: Choose a score from 0 to 10."]
    assert not Response.objects.exists()
    assert not Collector.objects.filter(kind="import").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02binary", "not a CSV or Excel"),
        ("age_band\nBình\n".encode("latin-1"), "not UTF-8"),
        (b"PK\x03\x04not really a zip", "not an Excel workbook"),
    ],
)
def test_hostile_files_get_a_clear_error_and_write_nothing(survey, data, message):
    with pytest.raises(services.InvalidInput, match=message):
        services.import_responses(survey=survey, file=io.BytesIO(data))
    assert not Response.objects.exists()


def test_a_huge_file_is_refused(survey, monkeypatch):
    monkeypatch.setattr(services, "RESPONSES_IMPORT_MAX_BYTES", 1000)
    with pytest.raises(services.InvalidInput, match="larger than"):
        services.import_responses(survey=survey, file=io.BytesIO(b"age_band\n" + b"18-24\n" * 500))
    assert not Response.objects.exists()


def test_a_survey_never_published_cannot_import(researcher):
    from surveys import services as survey_services

    workspace = survey_services.create_workspace(name="Khác", owner=researcher)
    draft = survey_services.create_survey_from_spec(workspace=workspace, spec=build_spec(), created_by=researcher)
    with pytest.raises(services.Conflict, match="Publish the survey"):
        services.import_responses(survey=draft, file=io.BytesIO(b"age_band\n18-24\n"))


# --- the command -----------------------------------------------------------------------------


def test_command_imports_a_file(survey, tmp_path, capsys):
    path = tmp_path / "kobo.csv"
    path.write_text(f"{HEADER}\nfemale,18-24,web,4,9,,,,good,ok,,\n", encoding="utf-8")
    call_command("import_responses", survey.slug, str(path))
    assert "Imported 1 responses" in capsys.readouterr().out
    assert Response.objects.filter(source="import").count() == 1


def test_command_lists_row_errors_and_fails(survey, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\nfemale,99,web,4,9,,,,good,ok,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_responses", survey.slug, str(path))
    assert "Row 2, column “age_band”" in capsys.readouterr().err
    assert not Response.objects.exists()


def test_command_refuses_an_unknown_survey(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nope"):
        call_command("import_responses", "nope", str(path))
