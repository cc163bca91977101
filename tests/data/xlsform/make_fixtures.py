"""Build the XLSForm fixture workbooks: ``python tests/data/xlsform/make_fixtures.py``.

The .xlsx files beside this script are its output, committed so a person can open them in Excel
or upload them to KoBoToolbox; the tests also use ``build_workbook`` to make workbooks inline.
"""

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
VI, EN = "label::Tiếng Việt (vi)", "label::English (en)"
HINT_VI, HINT_EN = "hint::Tiếng Việt (vi)", "hint::English (en)"

Rows = Sequence[Sequence[object]]


def build_workbook(sheets: Mapping[str, Rows]) -> bytes:
    """Return an .xlsx file with one sheet per entry, the first row of each being its header."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


KOBO_COLUMNS = ["type", "name", VI, EN, HINT_VI, HINT_EN, "required", "relevant", "constraint"]
KOBO_COLUMNS += ["constraint_message::English (en)", "appearance", "parameters", "role", "$kuid"]


def kobo_row(type_: str, name: str = "", vi: str = "", en: str = "", **cells: str) -> list[str]:
    """Return a survey row in KOBO_COLUMNS order; ``cells`` name the other columns (hint_vi, …)."""
    values = {"type": type_, "name": name, VI: vi, EN: en, HINT_VI: cells.pop("hint_vi", "")}
    values[HINT_EN] = cells.pop("hint_en", "")
    values["constraint_message::English (en)"] = cells.pop("constraint_message", "")
    values.update(cells)
    return [values.get(column, "") for column in KOBO_COLUMNS]


# A café's customer survey as KoBoToolbox exports it: metadata rows, a $kuid column, groups,
# Vietnamese and English columns, or_other, a constraint, ranges, relevant and ${} recalls.
KOBO_SURVEY: Rows = [
    KOBO_COLUMNS,
    kobo_row("start", "start", **{"$kuid": "k1"}),
    kobo_row("end", "end", **{"$kuid": "k2"}),
    kobo_row("begin_group", "about_you", "Về bạn", "About you", appearance="field-list"),
    kobo_row(
        "select_one gender", "gender", "Giới tính của bạn?", "Your gender?", required="true", role="demographic:gender"
    ),
    kobo_row(
        "integer",
        "age",
        "Bạn bao nhiêu tuổi?",
        "How old are you?",
        hint_vi="Tính theo năm",
        hint_en="In years",
        required="true",
        constraint=". >= 15 and . <= 99",
        constraint_message="15 to 99",
        role="demographic:age",
    ),
    kobo_row(
        "select_one region",
        "region",
        "Bạn sống ở miền nào?",
        "Which region do you live in?",
        required="false",
        appearance="minimal",
        role="demographic:region",
    ),
    kobo_row("end_group"),
    kobo_row("begin_group", "visit", "Lần ghé gần nhất", "Your last visit", relevant="${age} >= 18"),
    kobo_row("date", "visit_date", "Bạn ghé quán ngày nào?", "When did you visit?"),
    kobo_row(
        "select_multiple drinks or_other",
        "drinks",
        "Bạn đã gọi món gì?",
        "What did you order?",
        hint_vi="Chọn tất cả",
        hint_en="Select all",
        required="true",
        parameters="randomize=true",
    ),
    kobo_row(
        "range",
        "satisfaction",
        "Bạn hài lòng thế nào?",
        "How satisfied are you?",
        required="true",
        parameters="start=1 end=5 step=1",
        role="kpi:satisfaction",
    ),
    kobo_row(
        "range",
        "recommend",
        "Bạn có giới thiệu quán cho bạn bè không?",
        "Would you recommend us to a friend?",
        required="true",
        parameters="start=0 end=10 step=1",
        role="kpi:nps",
    ),
    kobo_row(
        "text",
        "why_low",
        "Vì sao bạn cho ${recommend} điểm?",
        "Why ${recommend} points?",
        relevant="${recommend} <= 6",
        appearance="multiline",
    ),
    kobo_row(
        "text",
        "favourite_barista",
        "Bạn thích nhân viên pha chế nào?",
        "Which barista do you like?",
        relevant="selected(${drinks}, 'coffee') and ${region} != 'north'",
    ),
    kobo_row("end_group"),
    kobo_row("text", "comments", "Bạn còn góp ý gì khác?", "Any other comments?", appearance="multiline"),
]
KOBO_CHOICES: Rows = [
    ["list_name", "name", VI, EN, "$autovalue"],
    ["gender", "female", "Nữ", "Female", "female"],
    ["gender", "male", "Nam", "Male", "male"],
    ["gender", "unsaid", "Không muốn trả lời", "Prefer not to say", "unsaid"],
    ["region", "north", "Miền Bắc", "North", "north"],
    ["region", "central", "Miền Trung", "Central", "central"],
    ["region", "south", "Miền Nam", "South", "south"],
    ["drinks", "coffee", "Cà phê", "Coffee", "coffee"],
    ["drinks", "tea", "Trà", "Tea", "tea"],
    ["drinks", "juice", "Nước ép", "Juice", "juice"],
]
KOBO_SETTINGS: Rows = [
    ["form_title", "form_id", "version", "default_language", "style"],
    ["Khảo sát khách hàng quán cà phê", "cafe_feedback", "2024061201", "Tiếng Việt (vi)", "pages"],
]

# One workbook with a problem of each kind, each on a known row.
BROKEN_SURVEY: Rows = [
    ["type", "name", "label", "relevant"],
    ["text", "full_name", "Họ tên?", ""],  # row 2: fine
    ["select_one colours", "colour", "Màu?", ""],  # row 3: the list does not exist
    ["no_such_type", "mood", "Tâm trạng?", ""],  # row 4: unknown type
    ["note", "intro", "Xin chào", ""],  # row 5: not supported
    ["text", "1st", "Tên?", ""],  # row 6: invalid name
    ["text", "full_name", "Họ tên lần nữa?", ""],  # row 7: duplicate name
    ["integer", "age", "Tuổi?", "${full_name} = 'a' and ${full_name} = 'b' or ${full_name} = 'c'"],  # row 8: and/or
    ["end_group", "", "", ""],  # row 9: no matching begin_group
    ["begin_group", "tail", "Cuối", ""],  # row 10: never closed
]
BROKEN_CHOICES: Rows = [
    ["list_name", "name", "label"],
    ["empty", "", "Không có mã"],  # row 2: a choice without a name
]


def main() -> None:
    kobo = build_workbook({"survey": KOBO_SURVEY, "choices": KOBO_CHOICES, "settings": KOBO_SETTINGS})
    (HERE / "kobo_cafe_survey.xlsx").write_bytes(kobo)
    (HERE / "broken_survey.xlsx").write_bytes(build_workbook({"survey": BROKEN_SURVEY, "choices": BROKEN_CHOICES}))
    (HERE / "not_a_workbook.xlsx").write_bytes(b"type,name,label\ntext,full_name,Ho ten\n")


if __name__ == "__main__":
    main()
