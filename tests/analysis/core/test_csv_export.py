import csv
import io
from datetime import date, datetime

import pandas as pd
import pyreadstat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.core.csv_export import (
    escape_csv_cell,
    spss_variable_names,
    unescape_csv_cell,
    write_csv,
    write_sav,
)
from analysis.core.xlsx_report import ExportOptions, ResponseColumn, ResponseRecord, ResponseTable, ValueMode
from surveys.core.questionnaire import ChoiceSpec, PageSpec, QuestionSpec, QuestionType, SurveySpec, Text
from tests.analysis.core.test_xlsx_report import HOSTILE, full_record, make_spec

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def export_csv(records, spec=None, **kwargs) -> bytes:
    output = io.BytesIO()
    write_csv(output, spec or make_spec(), iter(records), **kwargs)
    return output.getvalue()


def test_csv_has_the_responses_columns_with_bom_and_crlf():
    options = ExportOptions(is_weighted=True, coded_questions=("why",))
    content = export_csv([full_record(), ResponseRecord(7, {})], options=options)
    assert b"\r\n" in content
    rows = read_csv(content)
    table = ResponseTable(make_spec(), options)
    assert rows[0] == [column.header for column in table.columns]
    assert rows[0][7:9] == ["Giới tính", "Kênh nào? [Ti vi]"]
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["Response ID"] == "101"
    assert record["Submitted at"] == "2026-03-04 05:06:07"
    assert record["Weight"] == "1.25"
    assert record["Kênh nào?"] == "Trang web; Khác"
    assert record["Kênh nào? [Ti vi]"] == "0" and record["Kênh nào? [Trang web]"] == "1"
    assert record["Chi tiêu"] == "125.5"
    assert record["Ngày ghé"] == "2026-02-28"
    assert record["Vì sao? [themes]"] == "Giá; Phục vụ"
    assert record["Xếp hạng [C vi (rank)]"] == "1"
    assert rows[2] == ["7"] + [""] * (len(rows[0]) - 1)


def test_csv_in_codes_mode_uses_keys_and_codes():
    rows = read_csv(export_csv([full_record()], options=ExportOptions(values=ValueMode.CODES)))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["gender"] == "f"
    assert record["channels"] == "web;other"
    assert record["channels:other"] == "Bạn bè"
    assert record["grid.price"] == "1"


@pytest.mark.parametrize("hostile", HOSTILE)
def test_csv_guards_formulas_in_answers_and_headers_and_import_gets_them_back(hostile):
    spec = make_spec(question_text=hostile)
    record = full_record(answers={"why": hostile}, other_texts={"channels": hostile})
    rows = read_csv(export_csv([record], spec=spec, options=ExportOptions(values=ValueMode.LABELS)))
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert not cell.startswith(TRIGGERS), cell
    assert "'" + hostile in rows[1]
    assert f"'{hostile} [other (text)]" in rows[0]
    imported = [[unescape_csv_cell(cell) for cell in row] for row in rows]
    record_back = dict(zip(imported[0], imported[1], strict=True))
    assert record_back["Vì sao?"] == hostile
    assert record_back[f"{hostile} [other (text)]"] == hostile


def test_numbers_are_not_guarded_but_texts_that_look_negative_are():
    record = full_record(answers={"spend": -2, "why": "-2"})
    rows = read_csv(export_csv([record], options=ExportOptions(values=ValueMode.CODES)))
    record_back = dict(zip(rows[0], rows[1], strict=True))
    assert record_back["spend"] == "-2"
    assert record_back["why"] == "'-2"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),  # already quoted by the respondent: one more, so import is exact
        ("'hello", "'hello"),
        ("hello = world", "hello = world"),
        ("", ""),
    ],
)
def test_csv_cell_escaping(text, escaped):
    assert escape_csv_cell(text) == escaped
    assert unescape_csv_cell(escaped) == text


@given(st.text())
def test_csv_escaping_round_trips_any_text_and_never_starts_with_a_trigger(text):
    escaped = escape_csv_cell(text)
    assert unescape_csv_cell(escaped) == text
    assert not escaped.startswith(TRIGGERS)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_csv_file_round_trips_any_answer(text):
    rows = read_csv(export_csv([full_record(answers={"why": text})], options=ExportOptions(values=ValueMode.CODES)))
    record_back = dict(zip(rows[0], [unescape_csv_cell(cell) for cell in rows[1]], strict=True))
    assert record_back["why"] == text


def test_csv_drops_lone_surrogates_that_utf8_cannot_carry():
    rows = read_csv(
        export_csv([full_record(answers={"why": "a\ud800b"})], options=ExportOptions(values=ValueMode.CODES))
    )
    assert dict(zip(rows[0], rows[1], strict=True))["why"] == "ab"


def test_csv_leaves_the_callers_file_open_and_reports_progress():
    output = io.BytesIO()
    seen = []
    count = write_csv(output, make_spec(), (full_record(response_id=n) for n in range(10_000)), progress=seen.append)
    assert count == 10_000 and seen == [10_000]
    output.write(b"still open")


def read_sav(content: bytes, tmp_path):
    path = tmp_path / "out.sav"
    path.write_bytes(content)
    return pyreadstat.read_sav(str(path))


def test_sav_holds_codes_with_value_labels_and_variable_labels(tmp_path):
    output = io.BytesIO()
    records = [full_record(), full_record(response_id=102, answers={"gender": "m", "sat": 2}), ResponseRecord(103, {})]
    count = write_sav(output, make_spec(), records, options=ExportOptions(is_weighted=True, language="en"))
    assert count == 3
    frame, meta = read_sav(output.getvalue(), tmp_path)
    assert list(frame.columns)[:8] == [
        "response_id", "status", "submitted_at", "duration_seconds", "language", "collector", "weight", "gender"
    ]  # fmt: skip
    assert "channels.tv" in frame.columns and "channels_other" in frame.columns and "grid.price" in frame.columns
    first = frame.iloc[0]
    assert first["response_id"] == 101 and first["weight"] == 1.25
    assert first["submitted_at"] == datetime(2026, 3, 4, 5, 6, 7)
    assert first["visit"] == date(2026, 2, 28)
    assert first["gender"] == "f" and frame.iloc[1]["gender"] == "m"
    assert first["channels.web"] == 1 and first["channels.tv"] == 0
    assert pd.isna(frame.iloc[2]["channels.web"])  # not answered is missing, not "not selected"
    assert first["channels"] == "web;other" and first["channels_other"] == "Bạn bè"
    assert first["sat"] == 4 and frame.iloc[1]["sat"] == 2
    assert first["grid.price"] == 1 and first["grid.staff"] == 2
    assert [first["rank.a"], first["rank.b"], first["rank.c"]] == [2, 3, 1]
    assert first["why"] == "Giá hơi cao"
    labels = meta.variable_value_labels
    assert labels["gender"] == {"m": "Male", "f": "Female"}
    assert labels["grid.price"] == {1.0: "Poor", 2.0: "Good"}
    assert labels["channels.web"] == {0.0: "Not selected", 1.0: "Selected"}
    assert "sat" not in labels  # scale points without labels need none
    names_to_labels = meta.column_names_to_labels
    assert names_to_labels["gender"] == "Gender"
    assert names_to_labels["grid.price"] == "Rate [Price]"
    assert names_to_labels["channels_other"] == "Which channels? [other (text)]"
    assert meta.variable_measure["rank.a"] == "ordinal"
    assert meta.variable_measure["spend"] == "scale"
    assert meta.variable_measure["gender"] == "nominal"


def test_sav_keeps_hostile_and_long_vietnamese_text(tmp_path):
    long_text = "Câu hỏi rất dài về trải nghiệm " * 20
    spec = make_spec(question_text=long_text)
    output = io.BytesIO()
    write_sav(output, spec, [full_record(answers={"why": HOSTILE[0]})])
    frame, meta = read_sav(output.getvalue(), tmp_path)
    assert frame.iloc[0]["why"] == HOSTILE[0]
    label = meta.column_names_to_labels["channels"]
    assert long_text.startswith(label) and len(label.encode()) <= 256


def test_sav_with_no_responses_still_has_the_variables(tmp_path):
    output = io.BytesIO()
    assert write_sav(output, make_spec(), []) == 0
    frame, meta = read_sav(output.getvalue(), tmp_path)
    assert len(frame) == 0 and "grid.price" in frame.columns
    assert meta.variable_value_labels["grid.price"] == {1.0: "Kém", 2.0: "Tốt"}


def test_sav_reports_progress_every_ten_thousand_responses():
    seen: list[int] = []
    records = (ResponseRecord(number, {"score": number % 5}) for number in range(1, 20_001))
    assert write_sav(io.BytesIO(), make_spec(), records, progress=seen.append) == 20_000
    assert seen == [10_000, 20_000]


def column(key: str) -> ResponseColumn:
    return ResponseColumn(key, key, key, kind=None)


def test_spss_variable_names_are_valid_and_unique():
    keys = ["q1", "q1.a-b", "Q1", "_x", "and", "q2:other", "q2_other", "x" * 70, "x" * 70, "q3.end."]
    names = spss_variable_names([column(key) for key in keys])
    assert names[:7] == ["q1", "q1.a_b", "Q1_2", "v_x", "and_", "q2_other", "q2_other_2"]
    assert names[7] == "x" * 64 and names[8] == "x" * 62 + "_2"
    assert names[9] == "q3.end"
    assert len({name.upper() for name in names}) == len(names)


def test_sav_number_column_with_a_stray_text_leaves_it_missing(tmp_path):
    spec = SurveySpec(
        Text("s"),
        pages=(
            PageSpec(
                "p",
                questions=(
                    QuestionSpec(
                        "score",
                        QuestionType.NUMBER,
                        Text("Điểm"),
                    ),
                    QuestionSpec(
                        "pick", QuestionType.SINGLE_CHOICE, Text("Chọn"), choices=(ChoiceSpec("1", Text("Một")),)
                    ),
                ),
            ),
        ),
    )
    output = io.BytesIO()
    write_sav(output, spec, [ResponseRecord(1, {"score": "abc", "pick": "1"}), ResponseRecord(2, {"score": 3})])
    frame, meta = read_sav(output.getvalue(), tmp_path)
    assert pd.isna(frame.iloc[0]["score"]) and frame.iloc[1]["score"] == 3
    assert frame.iloc[0]["pick"] == 1 and meta.variable_value_labels["pick"] == {1.0: "Một"}
