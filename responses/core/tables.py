"""Read an uploaded CSV or XLSX file into plain rows, refusing what is not a sane table.

Contacts and responses collected elsewhere both arrive as a spreadsheet: one header row, then
one row per contact or respondent. This module only turns the bytes into cells; the callers
give the cells a meaning.

Safety:

- the kind of file is told by its first bytes, not by its name: a zip archive is read as a
  workbook, an old binary ``.xls`` is refused with advice, anything holding NUL bytes is refused;
- CSV text must be UTF-8 (with or without a byte-order mark) or UTF-16 with a byte-order mark:
  other encodings are refused rather than guessed, so "Nguyễn" never becomes "NguyÃ¡»…n";
- a workbook's unpacked size, and every table's rows and columns, are bounded;
- a cell that a spreadsheet would run as a formula comes back as a ``Formula`` for the caller
  to refuse. In a CSV file a cell starting with an apostrophe before ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return is the escaped form of that text (the convention of
  ``analysis/core/csv_export.py``, whose ``escape_csv_cell`` is the inverse of
  ``unescape_csv_cell`` here): exactly one apostrophe is removed.
"""

import csv
import datetime as dt
import io
import itertools
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from surveys.core.messages import Message, gettext_noop, message

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COLUMNS = 2000

_UNGUARD_RE = re.compile(r"^'+[=+\-@\t\r]")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the binary .xls format

Cell = str | int | float | bool | dt.date | dt.datetime | None


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell a spreadsheet would compute (``=SUM(A1:A3)``): never taken as data."""

    text: str


@dataclass(frozen=True, slots=True)
class Table:
    """The header (stripped texts) and the data rows, each padded to the header's width.

    ``row_numbers[i]`` is the spreadsheet row of ``rows[i]`` (the header is row 1), so errors can
    name the row a person sees in Excel. Blank rows are skipped.
    """

    header: tuple[str, ...]
    rows: tuple[tuple[Cell | Formula, ...], ...]
    row_numbers: tuple[int, ...]
    kind: str  # "csv" or "xlsx"


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem in one cell (or, with ``row`` None, in the file as a whole)."""

    row: int | None  # the spreadsheet row (the header is row 1)
    column: str
    message: Message


class TableError(ValueError):
    """The file cannot be read as a table; ``message`` says why, for the person who sent it."""

    def __init__(self, msg: Message) -> None:
        super().__init__(msg.template)
        self.message = msg


def unescape_csv_cell(text: str) -> str:
    """Undo ``analysis.core.csv_export.escape_csv_cell``: remove the one apostrophe it added."""
    return text[1:] if _UNGUARD_RE.match(text) else text


def _is_blank(value: Cell | Formula) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TableError(
                message(
                    gettext_noop(
                        "The file is not UTF-8 text. In Excel choose “Save as” → “CSV UTF-8”, or upload the .xlsx "
                        "workbook itself."
                    )
                )
            ) from None
    raise TableError(message(gettext_noop("This is not a CSV or Excel (.xlsx) file.")))


def _csv_cell(text: str) -> Cell | Formula:
    if text.startswith("="):
        return Formula(text)
    return unescape_csv_cell(text)


def _read_csv(data: bytes, max_rows: int) -> list[tuple[int, list[Cell | Formula]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Cell | Formula]]] = []
    try:
        for values in reader:
            cells = [_csv_cell(value) for value in values[:MAX_COLUMNS]]
            if not all(_is_blank(cell) for cell in cells):
                rows.append((reader.line_num, cells))
            if len(rows) > max_rows + 1:  # the header and one row too many: enough to refuse
                break
    except csv.Error:
        raise TableError(
            message(gettext_noop("The CSV file is damaged near line {line}."), line=reader.line_num)
        ) from None
    return rows


def _xlsx_value(cell) -> Cell | Formula:
    value = cell.value
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(value))
    if isinstance(value, (str, int, float, bool, dt.date, dt.datetime)) or value is None:
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value)


def _read_xlsx(data: bytes, max_rows: int, sheet_names: Sequence[str]) -> list[tuple[int, list[Cell | Formula]]]:
    from openpyxl import load_workbook  # openpyxl is heavy; only workbooks need it

    not_a_workbook = message(
        gettext_noop("This is not an Excel workbook (.xlsx), or it is damaged. Save it as .xlsx or CSV UTF-8.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise TableError(not_a_workbook) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(message(gettext_noop("The workbook is too large once unpacked.")))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many types (KeyError, ValueError, XML errors) on damaged files
        raise TableError(not_a_workbook) from None
    try:
        wanted = {name.casefold() for name in sheet_names}
        sheet = next((ws for ws in book.worksheets if str(ws.title).strip().casefold() in wanted), None)
        sheet = sheet if sheet is not None else (book.worksheets[0] if book.worksheets else None)
        if sheet is None:
            raise TableError(message(gettext_noop("The workbook has no sheet.")))
        rows: list[tuple[int, list[Cell | Formula]]] = []
        for number, cells in enumerate(sheet.iter_rows(), start=1):
            values = [_xlsx_value(cell) for cell in itertools.islice(cells, MAX_COLUMNS)]
            while values and _is_blank(values[-1]):
                values.pop()
            if not all(_is_blank(value) for value in values):
                rows.append((number, values))
            if len(rows) > max_rows + 1:
                break
        return rows
    except TableError:
        raise
    except Exception:  # noqa: BLE001 - as above: a damaged sheet fails while being read
        raise TableError(not_a_workbook) from None
    finally:
        book.close()


def read_table(data: bytes, *, max_rows: int, sheet_names: Sequence[str] = ()) -> Table:
    """Return the table in ``data`` (CSV or XLSX); raise TableError when it cannot be read.

    ``max_rows`` bounds the data rows; ``sheet_names`` are the workbook sheets to prefer (the
    first sheet otherwise).
    """
    if not data.strip():
        raise TableError(message(gettext_noop("The file is empty.")))
    if data.startswith(_OLE_MAGIC):
        raise TableError(
            message(gettext_noop("This is an old Excel file (.xls). Save it as .xlsx or CSV UTF-8 and try again."))
        )
    kind = "xlsx" if data.startswith(_ZIP_MAGIC) else "csv"
    raw = _read_xlsx(data, max_rows, sheet_names) if kind == "xlsx" else _read_csv(data, max_rows)
    if not raw:
        raise TableError(message(gettext_noop("The file is empty.")))
    header_values = raw[0][1]
    header = [
        value.text if isinstance(value, Formula) else ("" if value is None else str(value).strip())
        for value in header_values
    ]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise TableError(message(gettext_noop("The first row must hold the column names.")))
    data_rows = raw[1:]
    if len(data_rows) > max_rows:
        raise TableError(
            message(gettext_noop("The file has more than {limit} rows; split it into smaller files."), limit=max_rows)
        )
    width = len(header)
    rows = []
    for number, values in data_rows:
        if any(not _is_blank(value) for value in values[width:]):
            raise TableError(
                message(gettext_noop("Row {row} has more cells than the header has column names."), row=number)
            )
        rows.append(tuple(values[:width]) + (None,) * (width - len(values)))
    return Table(tuple(header), tuple(rows), tuple(number for number, _values in data_rows), kind)
