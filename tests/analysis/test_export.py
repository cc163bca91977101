"""The analysts' export through the whole stack: database → analysis.export → files opened again."""

import dataclasses
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from analysis import export
from analysis.core.csv_export import unescape_csv_cell
from analysis.core.xlsx_report import unescape_xlsx_text
from responses.models import Collector, Response
from surveys import services as survey_services
from surveys.core.questionnaire import Text
from surveys.errors import InvalidInput, NotFound, PermissionDenied
from tests.analysis.results_world import build_results_world
from tests.factories import UserFactory
from tests.responses.specs import build_spec

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+2",
    "-3+4",
    "@SUM(A1:A2)",
    "\t=1+1",
    "#N/A",
    "=cmd|' /C calc'!A0",
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    return build_results_world()


def _export(survey, **fields) -> bytes:
    output = io.BytesIO()
    export.export_survey(survey=survey, request=export.ExportRequest(language="en", **fields), output=output)
    return output.getvalue()


def _book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def _by_header(sheet) -> list[dict]:
    rows = _rows(sheet)
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_workbook_has_every_sheet_with_typed_responses_and_charts(world):
    world.submit({"gender": "male", "comment": "Giao hàng nhanh"}, on=dt.date(2026, 3, 1))
    world.submit({"nps": 3, "reason": "Đắt quá"}, collector=world.shop, on=dt.date(2026, 3, 2))
    data = _export(world.survey)
    book = _book(data)
    assert book.sheetnames == [
        "Summary",
        "Crosstabs",
        "Open answers",
        "Insights",
        "Representativeness",
        "Responses",
        "Codebook",
    ]
    responses = book["Responses"]
    assert responses.freeze_panes == "B2"  # header row and the response id
    rows = _by_header(responses)
    assert len(rows) == 2
    first, second = rows
    assert first["Question gender?"] == "Pick male"
    assert first["Question comment?"] == "Giao hàng nhanh"
    assert isinstance(first["Submitted at"], dt.datetime) and first["Submitted at"].date() == dt.date(2026, 3, 1)
    assert first["Question nps?"] == 9 and isinstance(first["Question nps?"], int)
    assert first["Collector"] == "Web" and second["Collector"] == "Cửa hàng"
    assert second["Question reason?"] == "Đắt quá"
    assert "Question channels? [Pick web]" in rows[0]
    assert (first["Question channels? [Pick web]"], first["Question channels? [Pick app]"]) == (1, 0)
    # Summary: counts and shares per closed question, with native charts in the file
    summary = [row for row in _rows(book["Summary"]) if any(cell is not None for cell in row)]
    assert any(row[0] == "Pick male" and row[1] == 1 for row in summary)
    assert any(row[0] == "Pick female" and row[1] == 1 and row[2] == pytest.approx(0.5) for row in summary)
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert any(name.startswith("xl/charts/chart") for name in names)
    # Codebook: each question with its codes and labels
    codebook = [cell for row in _rows(book["Codebook"]) for cell in row if cell is not None]
    assert "gender" in codebook and "Câu gender?" in codebook and "Question gender?" in codebook


def test_codes_mode_headers_are_keys_and_codes(world):
    world.submit({"gender": "male", "satisfaction": 5})
    rows = _by_header(_book(_export(world.survey, codes=True))["Responses"])
    assert rows[0]["gender"] == "male"
    assert rows[0]["satisfaction"] == 5
    assert rows[0]["channels"] == "web"
    assert rows[0]["aspects.speed"] == "good"


def test_vietnamese_labels_and_sheet_names(world):
    world.submit({"gender": "male"})
    output = io.BytesIO()
    with translation.override("vi"):
        export.export_survey(survey=world.survey, request=export.ExportRequest(language="vi"), output=output)
    book = _book(output.getvalue())
    responses = book.worksheets[book.sheetnames.index(next(n for n in book.sheetnames if "(2)" not in n)) + 5]
    rows = _rows(responses)
    assert "Câu gender?" in rows[0]
    assert "Chọn male" in rows[1]


def test_hostile_answers_and_question_text_stay_plain_text(db):
    owner = UserFactory()
    spec = build_spec()
    page = spec.pages[-1]
    comment = page.questions[-1]
    hostile_question = dataclasses.replace(comment, text=Text(vi=HOSTILE[0], en=HOSTILE[6]))
    page = dataclasses.replace(page, questions=(*page.questions[:-1], hostile_question))
    spec = dataclasses.replace(spec, pages=(*spec.pages[:-1], page))
    workspace = survey_services.create_workspace(name="W", owner=owner)
    survey = survey_services.create_survey_from_spec(workspace=workspace, spec=spec, created_by=owner)
    survey_services.publish_survey(survey=survey, published_by=owner, override_reason="t", confirm_warnings=True)
    survey.refresh_from_db()
    from responses import services as response_services
    from tests.analysis.results_world import ResultsWorld

    web = response_services.create_collector(survey=survey, created_by=owner, name="=HYPERLINK(1)")
    world = ResultsWorld(owner, survey, web, web)
    for text in HOSTILE:
        world.submit({"comment": text})
    stored = [r.answers["comment"] for r in Response.objects.filter(survey=survey).order_by("id")]
    assert "=1+1" in stored  # the respondent form trims the leading tab; the rest is kept as typed
    data = _export(survey)
    sheet = _book(data)["Responses"]
    rows = _rows(sheet)
    assert HOSTILE[6] in rows[0]  # the question text in the header, as text
    column = rows[0].index(HOSTILE[6])
    assert [unescape_xlsx_text(row[column]) for row in rows[1:]] == stored
    for row in sheet.iter_rows(min_row=1):
        for cell in row:
            assert cell.data_type != "f", cell.value
    assert all(row[rows[0].index("Collector")] == "=HYPERLINK(1)" for row in rows[1:])
    # no formula anywhere in the raw sheets
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)
    # CSV: the same texts get an apostrophe that import strips again
    text = _export(survey, format="csv").decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text  # the header
    for hostile in stored[:5]:
        assert "'" + hostile.split('"')[0] in text
    import csv

    csv_rows = list(csv.reader(io.StringIO(text)))
    column = csv_rows[0].index("'" + HOSTILE[6])
    assert [unescape_csv_cell(row[column]) for row in csv_rows[1:]] == stored


def test_csv_has_bom_and_sav_has_value_labels(world, tmp_path):
    world.submit({"gender": "male", "comment": "Tiếng Việt có dấu"})
    data = _export(world.survey, format="csv", codes=True)
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Tiếng Việt có dấu" in data.decode("utf-8-sig")
    sav = _export(world.survey, format="sav")
    import pyreadstat

    path = tmp_path / "out.sav"
    path.write_bytes(sav)
    frame, meta = pyreadstat.read_sav(str(path))
    assert len(frame) == 1
    assert frame["gender"][0] == "male"
    assert meta.variable_value_labels["gender"]["male"] == "Pick male"


def test_filters_collector_dates_completed_only_and_segment(world):
    world.submit({"gender": "male"}, on=dt.date(2026, 3, 1))
    world.submit({"gender": "female"}, collector=world.shop, on=dt.date(2026, 3, 5))
    world.partial({"gender": "male"})

    def ids(**fields) -> int:
        return len(_rows(_book(_export(world.survey, codes=True, **fields))["Responses"])) - 1

    assert ids() == 3
    assert ids(completed_only=True) == 2
    assert ids(collector_id=world.shop.id) == 1
    assert ids(date_from=dt.date(2026, 3, 2), completed_only=True) == 1
    assert ids(segment_key="gender", segment_values=("male",)) == 2
    with pytest.raises(InvalidInput) as error:
        _export(world.survey, segment_key="gender", segment_values=("nobody",))
    assert "segment_value" in error.value.fields


def test_streaming_chunks_and_row_limit_split(world):
    for _ in range(5):
        world.submit({})
    records = list(
        export.iter_records(
            survey=world.survey,
            spec=world.survey.versions.get().spec(),
            request=export.ExportRequest(),
            chunk_size=2,
        )
    )
    assert len(records) == 5 and len({record.response_id for record in records}) == 5
    output = io.BytesIO()
    result = export.export_survey(
        survey=world.survey, request=export.ExportRequest(language="en"), output=output, max_rows_per_sheet=3
    )
    assert result.response_count == 5
    book = _book(output.getvalue())
    assert [name for name in book.sheetnames if name.startswith("Responses")] == [
        "Responses",
        "Responses (2)",
        "Responses (3)",
    ]
    assert _rows(book["Responses (2)"])[0] == _rows(book["Responses"])[0]


def test_weighted_without_weights_is_refused(world):
    with pytest.raises(InvalidInput) as error:
        _export(world.survey, weighted=True)
    assert "weighted" in error.value.fields


def test_only_members_who_analyse_may_export(world, member_of):
    stranger = UserFactory()
    with pytest.raises(NotFound):
        export.get_survey_for_export(slug=world.survey.slug, user=stranger)
    viewer = member_of(world.survey.workspace, "viewer")
    with pytest.raises(PermissionDenied):
        export.get_survey_for_export(slug=world.survey.slug, user=viewer)
    analyst = member_of(world.survey.workspace, "analyst")
    assert export.get_survey_for_export(slug=world.survey.slug, user=analyst) == world.survey


# --- the command -----------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["vi", "en"])
def test_round_trip_export_with_codes_then_import_reproduces_the_answers(world, tmp_path, language):
    world.submit({"gender": "other", "gender.other": "=Không nói", "comment": "Giá cao"})
    world.submit(
        {"channels": ["web", "app"], "app_hours": 2.5, "installed_on": "2026-01-15", "nps": 4, "reason": "@chậm"}
    )
    world.submit({"priorities": ["service", "price"], "aspects": {"speed": "ok", "price": "n/a"}})
    out = tmp_path / "export.xlsx"
    call_command(
        "export_xlsx",
        world.survey.slug,
        str(out),
        "--codes",
        "--completed-only",
        "--language",
        language,
        stdout=io.StringIO(),
    )
    copy = survey_services.create_survey_from_spec(
        workspace=world.survey.workspace, spec=build_spec(), created_by=world.owner
    )
    survey_services.publish_survey(survey=copy, published_by=world.owner, override_reason="t", confirm_warnings=True)
    call_command("import_responses", copy.slug, str(out), stdout=io.StringIO())
    original = Response.objects.filter(survey=world.survey).order_by("id")
    imported = Response.objects.filter(survey=copy).order_by("submitted_at", "id")
    assert [r.answers for r in imported] == [r.answers for r in original]
    assert all(r.collector.kind == Collector.Kind.IMPORT for r in imported)


def test_command_writes_csv_by_extension_and_reports(world, tmp_path):
    world.submit({})
    out = tmp_path / "answers.csv"
    stdout = io.StringIO()
    call_command("export_xlsx", world.survey.slug, str(out), "--language", "en", stdout=stdout)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Exported 1 responses" in stdout.getvalue()
    assert [p.name for p in tmp_path.iterdir()] == ["answers.csv"]  # no temporary file left


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nobody-here", "OUT"], "No survey has the slug"),
        (["SLUG", "OUT", "--weighted"], "no weights"),
        (["SLUG", "/nonexistent/dir/out.xlsx"], "Cannot write"),
        (["SLUG", "OUT", "--from", "yesterday"], "is not a date"),
    ],
)
def test_command_errors_are_clear_and_write_nothing(world, tmp_path, arguments, message):
    out = tmp_path / "out.xlsx"
    arguments = [world.survey.slug if a == "SLUG" else str(out) if a == "OUT" else a for a in arguments]
    with pytest.raises(CommandError, match=message):
        call_command("export_xlsx", *arguments, "--language", "en")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


# --- the analysis sheets ---------------------------------------------------------------------


def test_coded_open_answers_get_theme_and_sentiment_columns_and_a_themes_sheet(db):
    from analysis import services_open_text
    from analysis.models import AnswerAnalysis
    from tests.analysis.open_text_world import build_open_text_world, synthetic_answers

    world = build_open_text_world()
    world.add(synthetic_answers(40))
    services_open_text.analyse_question(survey=world.survey, question_key="improve", mode="discover")
    book = _book(_export(world.survey))
    rows = _by_header(book["Responses"])
    themes_header = "What should we improve? [themes]"
    sentiment_header = "What should we improve? [sentiment]"
    assert themes_header in rows[0] and sentiment_header in rows[0]
    first = Response.objects.filter(survey=world.survey).order_by("id").first()
    analysis = AnswerAnalysis.objects.get(response=first, question_key="improve")
    by_id = {row["Response ID"]: row for row in rows}
    with translation.override("en"):
        assert by_id[first.id][sentiment_header] == str(analysis.get_sentiment_display())
    assert all(isinstance(row[themes_header], str) for row in rows if row[themes_header] is not None)
    assert sum(row[themes_header] is not None for row in rows) >= 30
    header, *themes = _rows(book["Open answers"])
    assert header[:8] == ("Question key", "Question", "Theme", "Count", "Share", "Positive", "Neutral", "Negative")
    assert themes and all(row[0] == "improve" and row[1] == "What should we improve?" for row in themes)
    assert all(isinstance(row[3], int) for row in themes) and sum(row[3] for row in themes) >= 30
    codes = _by_header(_book(_export(world.survey, codes=True))["Responses"])
    assert {row["improve:sentiment"] for row in codes} <= {"positive", "neutral", "negative", "mixed", None}


def test_crosstabs_name_the_test_and_mark_significant_cells(db):
    from tests.analysis.insights_world import add_responses, create_insight_survey, synthetic_answers

    owner = UserFactory()
    workspace = survey_services.create_workspace(name="W", owner=owner)
    survey = create_insight_survey(workspace, owner)
    add_responses(survey, synthetic_answers(300, seed=3, planted=True))
    book = _book(_export(survey, completed_only=True))
    cells = [cell for row in _rows(book["Crosstabs"]) for cell in row if isinstance(cell, str)]
    assert any("chi-square" in cell or "Fisher" in cell or "Kruskal" in cell for cell in cells)
    assert any(cell in ("▲", "▼") or cell.endswith((" ▲", " ▼")) for cell in cells)
    assert any(cell.startswith("Test: Kruskal–Wallis") for cell in cells)


def test_insights_sheet_lists_statements_status_and_the_action_plan(world):
    from analysis.models import Insight

    Insight.objects.create(
        survey=world.survey,
        fingerprint="f1",
        kind="segment_difference",
        question_key="satisfaction",
        segment_variable="gender",
        segment=0,
        direction="lower",
        statement_vi="Khách nữ kém hài lòng",
        statement_en="=Women are less satisfied",
        evidence={"n": 120, "effect_size": 0.41, "p_value": 0.001, "q_value": 0.004},
        metric="CSAT",
        action="Gọi lại khách",
        expected_result="+5 điểm",
    )
    rows = [row for row in _rows(_book(_export(world.survey))["Insights"]) if "=Women are less satisfied" in row]
    evidence, plan = rows
    assert evidence[2:6] == (120, 0.41, 0.001, 0.004) and evidence[7] == "Candidate"
    assert plan[:4] == ("=Women are less satisfied", "CSAT", "Gọi lại khách", "+5 điểm")


def test_weighted_export_adds_the_weight_column(world):
    from django.utils import timezone

    from analysis.models import ResponseWeight, WeightingRun

    first = world.submit({"gender": "male"})
    second = world.submit({"gender": "female"})
    run = WeightingRun.objects.create(
        survey=world.survey, status=WeightingRun.Status.SUCCEEDED, finished_at=timezone.now()
    )
    ResponseWeight.objects.bulk_create(
        [ResponseWeight(run=run, response=first, weight=1.5), ResponseWeight(run=run, response=second, weight=0.5)]
    )
    book = _book(_export(world.survey, weighted=True))
    rows = _by_header(book["Responses"])
    assert [row["Weight"] for row in rows] == [1.5, 0.5]
    summary = _rows(book["Summary"])
    assert any(row[0] == "Pick male" and row[2] == pytest.approx(0.75) for row in summary)
