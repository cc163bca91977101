import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from analysis.core.xlsx_report import (
    ChartKind,
    CrosstabCell,
    CrosstabTable,
    Diagnostic,
    ExportOptions,
    InsightRow,
    RepresentativenessReport,
    RepresentativenessRow,
    ResponseRecord,
    ResponseTable,
    SummaryRow,
    SummaryTable,
    ThemeRow,
    ValueMode,
    clean_text,
    escape_xlsx_text,
    sanitize_sheet_title,
    unescape_xlsx_text,
    write_workbook,
)
from surveys.core.questionnaire import (
    ChoiceSpec,
    PageSpec,
    QuestionSpec,
    QuestionType,
    RoleKind,
    RoleSpec,
    SurveySpec,
    Text,
)

HOSTILE = ('=HYPERLINK("http://evil.example","click")', "+1", "-2+3", "@SUM(A1)", "\t=1", "=cmd|' /C calc'!A0")


def choices(*items, other=None):
    return tuple(ChoiceSpec(code, Text(vi=vi, en=en), is_other=code == other) for code, vi, en in items)


def make_spec(question_text=None, option_label=None):
    gender = choices(("m", "Nam", "Male"), ("f", "Nữ", "Female"))
    channels = choices(
        ("tv", "Ti vi", "TV"),
        ("web", option_label or "Trang web", "Website"),
        ("other", "Khác", "Other"),
        other="other",
    )
    questions = (
        QuestionSpec(
            "gender",
            QuestionType.SINGLE_CHOICE,
            Text("Giới tính", "Gender"),
            choices=gender,
            role=RoleSpec(RoleKind.DEMOGRAPHIC, "gender"),
        ),
        QuestionSpec(
            "channels",
            QuestionType.MULTIPLE_CHOICE,
            Text(question_text or "Kênh nào?", "Which channels?"),
            choices=channels,
        ),
        QuestionSpec(
            "sat",
            QuestionType.RATING,
            Text("Mức hài lòng", "Satisfaction"),
            choices=tuple(ChoiceSpec(str(point)) for point in range(1, 6)),
            role=RoleSpec(RoleKind.KPI, "satisfaction"),
        ),
        QuestionSpec("nps", QuestionType.NPS, Text("Giới thiệu?", "Recommend?")),
        QuestionSpec("spend", QuestionType.NUMBER, Text("Chi tiêu", "Spend")),
        QuestionSpec("why", QuestionType.LONG_TEXT, Text("Vì sao?", "Why?")),
        QuestionSpec("visit", QuestionType.DATE, Text("Ngày ghé", "Visit date")),
        QuestionSpec(
            "grid",
            QuestionType.MATRIX,
            Text("Đánh giá", "Rate"),
            choices=choices(("1", "Kém", "Poor"), ("2", "Tốt", "Good")),
            rows=choices(("price", "Giá", "Price"), ("staff", "Nhân viên", "Staff")),
        ),
        QuestionSpec(
            "rank",
            QuestionType.RANKING,
            Text("Xếp hạng", "Rank"),
            choices=choices(("a", "A vi", "A en"), ("b", "B vi", "B en"), ("c", "C vi", "C en")),
        ),
    )
    return SurveySpec(Text("Khảo sát", "Survey"), languages=("vi", "en"), pages=(PageSpec("p1", questions=questions),))


SUBMITTED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def full_record(**overrides):
    values = {
        "response_id": 101,
        "answers": {
            "gender": "f",
            "channels": ["web", "other"],
            "sat": 4,
            "nps": 9,
            "spend": 125.5,
            "why": "Giá hơi cao",
            "visit": "2026-02-28",
            "grid": {"price": "1", "staff": "2"},
            "rank": ["c", "a", "b"],
        },
        "status": "complete",
        "submitted_at": SUBMITTED,
        "duration_seconds": 95,
        "language": "vi",
        "collector": "Facebook",
        "weight": 1.25,
        "other_texts": {"channels": "Bạn bè"},
        "themes": {"why": ("Giá", "Phục vụ")},
        "sentiments": {"why": "negative"},
    }
    values.update(overrides)
    return ResponseRecord(**values)


def export(records, spec=None, **kwargs):
    output = io.BytesIO()
    result = write_workbook(output, spec or make_spec(), iter(records), **kwargs)
    return result, output.getvalue()


def rows_of(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_responses_sheet_in_labels_mode_has_one_typed_column_per_answer():
    options = ExportOptions(is_weighted=True, coded_questions=("why",), time_zone=timezone(timedelta(hours=7)))
    result, content = export([full_record(), ResponseRecord("r-2", {})], options=options)
    assert result.response_count == 2
    assert result.sheet_titles == ("Responses", "Codebook")
    sheet = load_workbook(io.BytesIO(content))["Responses"]
    header = [cell.value for cell in sheet[1]]
    assert header == [
        "Response ID", "Status", "Submitted at", "Duration (seconds)", "Language", "Collector", "Weight",
        "Giới tính",
        "Kênh nào? [Ti vi]", "Kênh nào? [Trang web]", "Kênh nào? [Khác]", "Kênh nào?", "Kênh nào? [other (text)]",
        "Mức hài lòng", "Giới thiệu?", "Chi tiêu", "Vì sao?", "Vì sao? [themes]", "Vì sao? [sentiment]", "Ngày ghé",
        "Đánh giá [Giá]", "Đánh giá [Nhân viên]",
        "Xếp hạng [A vi (rank)]", "Xếp hạng [B vi (rank)]", "Xếp hạng [C vi (rank)]",
    ]  # fmt: skip
    first = [cell.value for cell in sheet[2]]
    assert first == [
        101, "complete", datetime(2026, 3, 4, 12, 6, 7), 95, "vi", "Facebook", 1.25,
        "Nữ",
        0, 1, 1, "Trang web; Khác", "Bạn bè",
        4, 9, 125.5, "Giá hơi cao", "Giá; Phục vụ", "negative", datetime(2026, 2, 28),
        "Kém", "Tốt",
        2, 3, 1,
    ]  # fmt: skip
    assert isinstance(first[0], int) and isinstance(first[6], float) and isinstance(first[14], int)
    cells = {header[index]: cell for index, cell in enumerate(sheet[2])}
    assert cells["Submitted at"].number_format == "yyyy-mm-dd h:mm:ss"
    assert cells["Ngày ghé"].number_format == "yyyy-mm-dd"
    assert cells["Submitted at"].is_date and cells["Ngày ghé"].is_date
    assert [cell.data_type for cell in sheet[2]][:3] == ["n", "s", "d"]
    # an empty response is blank, not zero, in the multiple-choice columns
    assert [cell.value for cell in sheet[3]] == ["r-2"] + [None] * (len(header) - 1)
    assert sheet.freeze_panes == "B2"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.auto_filter.ref == "A1:Y3"
    assert sheet.column_dimensions["C"].width == 20
    assert sheet.column_dimensions["Q"].width == 50  # long text is wide
    assert 6 <= sheet.column_dimensions["I"].width <= 20


def test_codes_mode_uses_column_keys_and_codes_with_numbers_as_numbers():
    options = ExportOptions(values=ValueMode.CODES)
    _, content = export([full_record()], options=options)
    rows = rows_of(load_workbook(io.BytesIO(content))["Responses"])
    assert rows[0] == [
        "response_id", "status", "submitted_at", "duration_seconds", "language", "collector",
        "gender", "channels.tv", "channels.web", "channels.other", "channels", "channels:other",
        "sat", "nps", "spend", "why", "visit", "grid.price", "grid.staff", "rank.a", "rank.b", "rank.c",
    ]  # fmt: skip
    assert rows[1][6:] == [
        "f", 0, 1, 1, "web;other", "Bạn bè", 4, 9, 125.5, "Giá hơi cao", datetime(2026, 2, 28), 1, 2, 2, 3, 1
    ]  # fmt: skip
    assert rows[1][2] == datetime(2026, 3, 4, 5, 6, 7)  # UTC by default


def test_labels_follow_the_chosen_language_and_keep_unknown_codes():
    options = ExportOptions(language="en")
    record = full_record(answers={"gender": "x9", "grid": {"price": "2"}, "spend": "not a number", "visit": "soon"})
    _, content = export([record], options=options)
    sheet = load_workbook(io.BytesIO(content))["Responses"]
    row = {cell.value: value.value for cell, value in zip(sheet[1], sheet[2], strict=True)}
    assert row["Gender"] == "x9"
    assert row["Rate [Price]"] == "Good"
    assert row["Spend"] == "not a number"
    assert row["Visit date"] == "soon"
    assert "Which channels? [Website]" in row


def test_read_only_mode_reads_the_same_rows_and_types():
    _, content = export([full_record(), full_record(response_id=102)], options=ExportOptions(is_weighted=True))
    normal = rows_of(load_workbook(io.BytesIO(content))["Responses"])
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    streamed = [[cell.value for cell in row] for row in workbook["Responses"].iter_rows()]
    workbook.close()
    width = len(normal[0])
    assert [row + [None] * (width - len(row)) for row in streamed] == normal
    assert type(streamed[1][0]) is int and type(streamed[1][6]) is float and type(streamed[1][2]) is datetime


def test_codebook_lists_every_code_with_texts_type_and_role():
    _, content = export([])
    rows = rows_of(load_workbook(io.BytesIO(content))["Codebook"])
    assert rows[0] == [
        "Question key", "Columns", "Text (vi)", "Text (en)", "Type", "Role", "Item", "Code", "Label (vi)", "Label (en)"
    ]  # fmt: skip
    assert rows[1][:5] == ["response_id", "response_id", "Response ID", None, "code"]
    gender = [row for row in rows if row[0] == "gender"]
    common = ["gender", "gender", "Giới tính", "Gender", "single_choice", "demographic:gender", "option"]
    assert gender == [[*common, "m", "Nam", "Male"], [*common, "f", "Nữ", "Female"]]
    channels = [row for row in rows if row[0] == "channels"]
    assert channels[0][1] == "channels.tv, channels.web, channels.other, channels, channels:other"
    grid = [row[6:9] for row in rows if row[0] == "grid"]
    assert grid == [
        ["option", "1", "Kém"],
        ["option", "2", "Tốt"],
        ["row", "price", "Giá"],
        ["row", "staff", "Nhân viên"],
    ]
    assert [row for row in rows if row[0] == "why"] == [
        ["why", "why", "Vì sao?", "Why?", "long_text", None, None, None, None, None]
    ]
    sat = [row for row in rows if row[0] == "sat"]
    assert sat[0][5] == "kpi:satisfaction" and [row[7] for row in sat] == ["1", "2", "3", "4", "5"]


def summary_table(**overrides):
    values = {
        "question_key": "gender",
        "title": "Giới tính",
        "rows": (SummaryRow("Nam", 40, 0.42, 0.05), SummaryRow("Nữ", 60, 0.58, 0.05)),
        "base": 100,
        "is_weighted": True,
        "effective_base": 87.4,
    }
    values.update(overrides)
    return SummaryTable(**values)


def crosstab_table():
    return CrosstabTable(
        question_key="sat",
        question="Mức hài lòng",
        segment_key="gender",
        segment="Giới tính",
        row_labels=("Hài lòng", "Không hài lòng"),
        column_labels=("Nam", "Nữ"),
        cells=(
            (CrosstabCell(0.7, 28, "▲"), CrosstabCell(0.5, 30)),
            (CrosstabCell(0.3, 12), CrosstabCell(0.5, 30, "▼")),
        ),
        column_bases=(40, 60),
        test="Pearson chi-square test of independence",
        statistic=4.167,
        p_value=0.0412,
        legend="▲/▼: significantly higher/lower than the other columns (p < 0.05, FDR-adjusted)",
    )


def all_sheets():
    return {
        "summary": [summary_table(), summary_table(question_key="sat", title="Hài lòng", chart=ChartKind.COLUMN)],
        "crosstabs": [crosstab_table()],
        "open_answers": [
            ThemeRow("why", "Vì sao?", "Giá", 12, 0.4, 1, 3, 8, ("Giá cao quá", "Đắt")),
            ThemeRow("why", "Vì sao?", "Phục vụ", 9, 0.3, 6, 2, 1, ("Nhân viên dễ thương",)),
        ],
        "insights": [
            InsightRow(
                "Women are more satisfied", "58% vs 42%", "accepted", 100, 0.32, 0.0412, 0.08, "validated, actionable",
                "CSAT", "Train staff", "+5 points CSAT",
            ),
            InsightRow("Price is a concern", "12 mentions", "needs validation"),
        ],
        "representativeness": RepresentativenessReport(
            rows=(RepresentativenessRow("Giới tính", "Nam", 40, 0.4, 0.49, 0.49),),
            diagnostics=(Diagnostic("Effective sample size", 87.4), Diagnostic("Method", "raking, trimmed at 5")),
        ),
    }  # fmt: skip


def test_analysis_sheets_are_written_in_order_only_when_given():
    result, content = export([full_record()], **all_sheets())
    expected = ("Summary", "Crosstabs", "Open answers", "Insights", "Representativeness", "Responses", "Codebook")
    assert result.sheet_titles == expected
    assert load_workbook(io.BytesIO(content)).sheetnames == list(expected)
    result, _ = export([], insights=[])
    assert result.sheet_titles == ("Insights", "Responses", "Codebook")


def test_summary_has_counts_weighted_shares_margins_and_native_charts():
    _, content = export([], summary=[summary_table(), summary_table(question_key="sat", title="Hài lòng")])
    sheet = load_workbook(io.BytesIO(content))["Summary"]
    rows = rows_of(sheet)
    assert rows[0][0] == "gender. Giới tính"
    assert rows[1][0] == "Base: 100 respondents (weighted); effective n = 87; margins of error at 95% confidence"
    assert rows[2][:4] == ["Answer", "Count", "Share", "Margin of error (±)"]
    assert rows[3][:4] == ["Nam", 40, 0.42, 0.05]
    assert sheet["C4"].number_format == "0.0%" and sheet["D4"].number_format == "0.0%"
    assert len(sheet._charts) == 2
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        charts = sorted(name for name in archive.namelist() if name.startswith("xl/charts/chart"))
        assert charts == ["xl/charts/chart1.xml", "xl/charts/chart2.xml"]
        xml = archive.read("xl/charts/chart1.xml").decode()
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
    assert '<barChart><barDir val="bar" />' in xml
    assert "<f>'Summary'!$C$4:$C$5</f>" in xml and "<f>'Summary'!$A$4:$A$5</f>" in xml
    assert '<delete val="0" />' in xml  # axes shown
    # the second table starts below the first chart, so they do not overlap
    second = next(index for index, row in enumerate(rows) if row[0] == "sat. Hài lòng")
    anchors = re.findall(
        r"<from><col>(\d+)</col><colOff>0</colOff><row>(\d+)</row>.*?<ext cx=\"\d+\" cy=\"(\d+)\"", drawing
    )
    (column, first_row, height), _ = anchors
    assert column == "5"  # beside the table (column F)
    row_height = 190_500  # 15 points in EMU
    assert int(first_row) + int(height) / row_height < second


def test_crosstabs_show_shares_marks_bases_and_the_test():
    _, content = export([], crosstabs=[crosstab_table()])
    sheet = load_workbook(io.BytesIO(content))["Crosstabs"]
    rows = rows_of(sheet)
    assert rows[0][0] == "Mức hài lòng × Giới tính"
    assert rows[1] == ["Answer", "Nam", None, "Nữ", None]
    assert rows[2] == ["Hài lòng", 0.7, "▲", 0.5, None]
    assert rows[3] == ["Không hài lòng", 0.3, None, 0.5, "▼"]
    assert rows[4] == ["Base (n)", 40, None, 60, None]
    assert rows[5] == ["Test: Pearson chi-square test of independence", "statistic", 4.167, "p", 0.0412]
    assert rows[6][0].startswith("▲/▼")
    assert sheet["B3"].number_format == "0.0%"


def test_crosstab_with_mismatched_cells_is_refused():
    with pytest.raises(ValueError, match="cells do not match"):
        CrosstabTable("q", "Q", "s", "S", ("a", "b"), ("x",), ((CrosstabCell(1.0),),), (3,), "test")
    with pytest.raises(ValueError, match="one base per column"):
        CrosstabTable("q", "Q", "s", "S", ("a",), ("x",), ((CrosstabCell(1.0),),), (3, 4), "test")


def test_open_answers_insights_and_representativeness_sheets():
    _, content = export([], **all_sheets())
    workbook = load_workbook(io.BytesIO(content))
    open_rows = rows_of(workbook["Open answers"])
    assert open_rows[0] == [
        "Question key", "Question", "Theme", "Count", "Share", "Positive", "Neutral", "Negative", "Quote 1", "Quote 2"
    ]  # fmt: skip
    assert open_rows[1] == ["why", "Vì sao?", "Giá", 12, 0.4, 1, 3, 8, "Giá cao quá", "Đắt"]
    assert open_rows[2][-2:] == ["Nhân viên dễ thương", None]
    insight_rows = rows_of(workbook["Insights"])
    assert insight_rows[1] == ["Insight", "Evidence", "n", "Effect size", "p", "q", "Criteria", "Status"]
    assert insight_rows[2] == [
        "Women are more satisfied", "58% vs 42%", 100, 0.32, 0.0412, 0.08, "validated, actionable", "accepted"
    ]  # fmt: skip
    assert insight_rows[3][:3] == ["Price is a concern", "12 mentions", None]
    plan_start = next(index for index, row in enumerate(insight_rows) if row[0] and "→" in row[0])
    assert insight_rows[plan_start + 1][:4] == ["Insight", "Metric", "Action", "Expected result"]
    assert insight_rows[plan_start + 2][:4] == ["Women are more satisfied", "CSAT", "Train staff", "+5 points CSAT"]
    assert len(insight_rows) == plan_start + 3  # the insight without a plan is not in the plan table
    representativeness = rows_of(workbook["Representativeness"])
    assert representativeness[1][:7] == ["Giới tính", "Nam", 40, 0.4, 0.49, pytest.approx(-0.09), 0.49]
    assert representativeness[3][0] == "Weighting diagnostics"
    assert representativeness[4][:2] == ["Effective sample size", 87.4]
    assert representativeness[5][:2] == ["Method", "raking, trimmed at 5"]


def test_translate_renames_sheets_and_headers():
    vietnamese = {"Responses": "Câu trả lời", "Codebook": "Sổ mã", "Response ID": "Mã phản hồi", "Summary": "Tóm tắt"}
    result, content = export([full_record()], translate=lambda text: vietnamese.get(text, text), summary=[])
    assert result.sheet_titles == ("Tóm tắt", "Câu trả lời", "Sổ mã")
    assert load_workbook(io.BytesIO(content))["Câu trả lời"]["A1"].value == "Mã phản hồi"


def all_text_cells(content):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield sheet.title, cell


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_a_string_everywhere_never_a_formula(hostile):
    spec = make_spec(question_text=hostile, option_label=hostile)
    answers = {"gender": "m", "why": hostile, "channels": ["web"], "grid": {"price": "1"}}
    record = full_record(answers=answers, other_texts={"channels": hostile}, collector=hostile, status=hostile)
    sheets = all_sheets()
    sheets["summary"] = [summary_table(title=hostile, rows=(SummaryRow(hostile, 1, 1.0),))]
    sheets["open_answers"] = [ThemeRow("why", hostile, hostile, 1, quotes=(hostile,))]
    sheets["insights"] = [InsightRow(hostile, hostile, hostile, metric=hostile)]
    _, content = export([record], spec=spec, options=ExportOptions(coded_questions=("why",)), **sheets)
    seen = 0
    for _, cell in all_text_cells(content):
        assert cell.data_type != "f"
        if isinstance(cell.value, str) and hostile in cell.value:
            assert cell.data_type == "s"
            seen += 1
    assert seen >= 10
    responses = load_workbook(io.BytesIO(content))["Responses"]
    row = {header.value: cell.value for header, cell in zip(responses[1], responses[2], strict=True)}
    assert row["Vì sao?"] == hostile
    if hostile.startswith("="):
        header = [cell.value for cell in responses[1]]
        assert responses.cell(row=2, column=header.index("Vì sao?") + 1).number_format == "@"
    assert row[f"{hostile} [{hostile}]"] == 1
    assert row[f"{hostile} [other (text)]"] == hostile
    assert row[hostile] == hostile  # the combined column shows the label
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in archive.read(name).decode()


def test_error_codes_and_excel_escapes_stay_text():
    texts = ["#N/A", "#DIV/0!", "a\r\nb", "literal _x0041_ here", "_x005F_", "TRUE", "1e5", "0012"]
    records = [full_record(response_id=index, answers={"why": text}) for index, text in enumerate(texts)]
    _, content = export(records)
    sheet = load_workbook(io.BytesIO(content))["Responses"]
    column = [cell.value for cell in sheet[1]].index("Vì sao?")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert [unescape_xlsx_text(cell.value) for cell in cells] == texts
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "a_x000D_\nb" in xml  # Excel reads _x000D_ back as the carriage return
    assert "literal _x005F_x0041_ here" in xml  # and shows this text literally


def test_characters_illegal_in_xml_are_removed_from_answers_and_headers():
    spec = make_spec(question_text="Kênh\x00 nào\x1f?")
    record = full_record(answers={"why": "a\x00b\x08c\x0bd\x1fe\ud800f\uffff"}, collector="web\x07")
    _, content = export([record], spec=spec)
    sheet = load_workbook(io.BytesIO(content))["Responses"]
    row = {header.value: cell.value for header, cell in zip(sheet[1], sheet[2], strict=True)}
    assert row["Vì sao?"] == "abcdef"
    assert row["Collector"] == "web"
    assert "Kênh nào?" in row


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=80))
def test_any_text_round_trips_exactly_minus_illegal_characters(text):
    spec = make_spec(question_text=text or "q")
    _, content = export([full_record(answers={"why": text}, other_texts={"channels": text})], spec=spec)
    sheet = load_workbook(io.BytesIO(content))["Responses"]
    expected = clean_text(text)
    header = [cell.value for cell in sheet[1]]
    keys = [column.key for column in ResponseTable(spec, ExportOptions()).columns]
    why = sheet.cell(row=2, column=keys.index("why") + 1)
    other = sheet.cell(row=2, column=keys.index("channels:other") + 1)
    for cell in (why, other):
        if expected:
            assert cell.data_type == "s"
            assert unescape_xlsx_text(cell.value) == expected
        else:
            assert cell.value is None
    assert unescape_xlsx_text(header[keys.index("channels.tv")]) == f"{clean_text(text or 'q')} [Ti vi]"


@given(st.text())
def test_excel_escaping_is_undone_exactly(text):
    assert unescape_xlsx_text(escape_xlsx_text(text)) == text


def test_rows_past_the_limit_go_on_in_numbered_sheets_with_the_header():
    records = [full_record(response_id=number) for number in range(1, 8)]
    result, content = export(records, max_rows_per_sheet=4)
    assert result.response_count == 7
    assert result.response_sheets == ("Responses", "Responses (2)", "Responses (3)")
    workbook = load_workbook(io.BytesIO(content))
    ids = []
    for title in result.response_sheets:
        sheet = workbook[title]
        assert sheet.max_row <= 4
        assert sheet["A1"].value == "Response ID" and sheet.freeze_panes == "B2"
        ids += [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == list(range(1, 8))
    assert workbook.sheetnames[-1] == "Codebook"


def test_exactly_full_sheet_does_not_open_an_empty_one():
    result, _ = export([full_record(response_id=number) for number in range(3)], max_rows_per_sheet=4)
    assert result.response_sheets == ("Responses",)


def test_bad_row_limit_and_language_are_refused():
    with pytest.raises(ValueError, match="max_rows_per_sheet"):
        export([], max_rows_per_sheet=1)
    with pytest.raises(ValueError, match="max_rows_per_sheet"):
        export([], max_rows_per_sheet=1_048_577)
    with pytest.raises(ValueError, match="language"):
        ExportOptions(language="fr")
    with pytest.raises(ValueError):
        ExportOptions(values="pictures")


def test_progress_is_reported_while_streaming():
    seen = []
    records = (full_record(response_id=number) for number in range(20_001))
    result, _ = export(records, progress=seen.append, spec=SurveySpec(Text("s"), pages=()))
    assert seen == [10_000, 20_000] and result.response_count == 20_001


def test_non_finite_numbers_are_left_blank_and_ids_become_text():
    record = full_record(response_id=("a", 1), weight=float("nan"), answers={"spend": float("inf"), "nps": True})
    _, content = export([record], options=ExportOptions(is_weighted=True))
    sheet = load_workbook(io.BytesIO(content))["Responses"]
    row = {header.value: cell.value for header, cell in zip(sheet[1], sheet[2], strict=True)}
    assert row["Response ID"] == "('a', 1)"
    assert row["Weight"] is None and row["Chi tiêu"] is None
    assert row["Giới thiệu?"] == 1


@pytest.mark.parametrize(
    ("title", "taken", "expected"),
    [
        ("Responses", (), "Responses"),
        ("a[b]c:d*e?f/g\\h", (), "a b c d e f g h"),
        ("x" * 40, (), "x" * 31),
        ("Responses", ("responses",), "Responses (2)"),
        ("y" * 40, ("y" * 31,), "y" * 27 + " (2)"),
        ("History", (), "History (2)"),
        ("'quoted'", (), "quoted"),
        ("  ", (), "Sheet"),
        ("=cmd|' /C calc'!A0", (), "=cmd|' C calc'!A0"),
    ],
)
def test_sheet_titles_are_sanitised(title, taken, expected):
    assert sanitize_sheet_title(title, taken) == expected


def test_response_table_row_is_plain_values_for_other_writers():
    table = ResponseTable(make_spec(), ExportOptions(values=ValueMode.CODES))
    row = table.row(full_record())
    assert row[2] == datetime(2026, 3, 4, 5, 6, 7) and row[2].tzinfo is None
    assert row[table_index(table, "visit")] == date(2026, 2, 28)
    assert {type(value) for value in row} <= {int, float, str, date, datetime, type(None)}


def table_index(table, key):
    return [column.key for column in table.columns].index(key)


def test_every_header_cell_in_every_sheet_is_text():
    _, content = export([full_record()], **all_sheets())
    for title, cell in all_text_cells(content):
        if cell.row == 1 and title in ("Responses", "Codebook", "Open answers", "Representativeness"):
            assert cell.data_type == "s", (title, cell.coordinate)


def test_workbook_contains_no_shared_formula_markers():
    _, content = export([full_record(answers={"why": "=1+1"})])
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r"<c [^>]*t=\"inlineStr\"[^>]*><is><t>=1\+1</t>", xml)


def test_long_answers_are_cut_at_excels_cell_limit_and_line_breaks_are_kept():
    texts = ["x" * 40_000, "dòng một\n=dòng hai", "ok"]
    records = [full_record(response_id=index, answers={"why": text}) for index, text in enumerate(texts)]
    _, content = export(records, options=ExportOptions(values=ValueMode.CODES))
    sheet = load_workbook(io.BytesIO(content))["Responses"]
    column = [cell.value for cell in sheet[1]].index("why")
    values = [row[column].value for row in sheet.iter_rows(min_row=2)]
    assert values == ["x" * 32_767, "dòng một\n=dòng hai", "ok"]
    assert all(row[column].data_type == "s" for row in sheet.iter_rows(min_row=2))
