"""The Responses table as CSV (UTF-8 with BOM) and as an SPSS ``.sav`` file with value labels.

Both use the columns of the workbook's Responses sheet (``ResponseTable``).

CSV safety: a spreadsheet opening a CSV file runs a cell that begins with "=", "+", "-", "@", a
tab or a carriage return as a formula, so such a text gets a leading apostrophe
(``escape_csv_cell``). To keep the mapping reversible, a text that already begins with
apostrophes followed by one of those characters gets one more; ``unescape_csv_cell`` removes
exactly one, so import gives back the original text. Numbers are written as numbers and are
never guarded ("-2" typed in a text answer is text and is guarded; the number -2 is not).

SPSS: a ``.sav`` file always holds codes, with the labels (in the chosen language) attached as
value labels, which is how SPSS users expect categorical data. pyreadstat writes from a data
frame, so the SAV export holds the table in memory (about 100 bytes per cell): fine for the
surveys an SME runs, but the streaming formats for a million responses are XLSX and CSV.
"""

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from analysis.core.xlsx_report import (
    ColumnKind,
    ExportOptions,
    ResponseColumn,
    ResponseRecord,
    ResponseTable,
    ValueMode,
    numeric_code,
)
from surveys.core.messages import gettext_noop
from surveys.core.questionnaire import SurveySpec

_GUARD_RE = re.compile(r"^'*[=+\-@\t\r]")
_UNGUARD_RE = re.compile(r"^'+[=+\-@\t\r]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")

SPSS_NAME_MAX = 64
SPSS_LABEL_MAX_BYTES = 256  # SPSS cuts variable labels longer than this
SPSS_VALUE_LABEL_MAX_BYTES = 120
SPSS_RESERVED = frozenset({"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"})
_SPSS_NAME_ILLEGAL_RE = re.compile(r"[^A-Za-z0-9_.@#$]")


def _identity(text: str) -> str:
    return text


# --------------------------------------------------------------------------- CSV


def escape_csv_cell(text: str) -> str:
    """Return ``text`` with a leading apostrophe when a spreadsheet would run it as a formula."""
    return "'" + text if _GUARD_RE.match(text) else text


def unescape_csv_cell(text: str) -> str:
    """Undo ``escape_csv_cell``: remove the apostrophe it added, and only that one."""
    return text[1:] if _UNGUARD_RE.match(text) else text


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        if _SURROGATE_RE.search(value):  # cannot be encoded as UTF-8
            value = _SURROGATE_RE.sub("", value)
        return escape_csv_cell(value)
    if kind is datetime:
        return value.isoformat(sep=" ")
    if kind is date:
        return value.isoformat()
    return str(value)


def write_csv(
    output: BinaryIO,
    spec: SurveySpec,
    responses: Iterable[ResponseRecord],
    *,
    options: ExportOptions | None = None,
    translate: Callable[[str], str] = _identity,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the Responses table into ``output`` as CSV (UTF-8 with BOM, CRLF); return the row count."""
    table = ResponseTable(spec, options or ExportOptions(), translate)
    stream = io.TextIOWrapper(output, encoding="utf-8-sig", newline="", write_through=False)
    try:
        writer = csv.writer(stream)
        writer.writerow([_csv_value(column.header) for column in table.columns])
        row_of = table.row
        count = 0
        for record in responses:
            writer.writerow([_csv_value(value) for value in row_of(record)])
            count += 1
            if progress is not None and count % 10_000 == 0:
                progress(count)
        stream.flush()
    finally:
        stream.detach()  # leave the caller's file object open
    return count


# --------------------------------------------------------------------------- SPSS


def spss_variable_names(columns: Iterable[ResponseColumn]) -> list[str]:
    """Return a valid, unique SPSS variable name for each column key (``q2.a``, ``q2_other`` …)."""
    names: list[str] = []
    taken: set[str] = set()
    for column in columns:
        name = _SPSS_NAME_ILLEGAL_RE.sub("_", column.key.replace(":", "_"))
        if not name[:1].isalpha():
            name = "v" + name
        name = name[:SPSS_NAME_MAX].rstrip(".")
        if name.upper() in SPSS_RESERVED:
            name += "_"
        candidate, number = name, 1
        while candidate.upper() in taken:
            number += 1
            suffix = f"_{number}"
            candidate = name[: SPSS_NAME_MAX - len(suffix)].rstrip(".") + suffix
        taken.add(candidate.upper())
        names.append(candidate)
    return names


def _cut_utf8(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _holds_numeric_codes(column: ResponseColumn, present: list) -> bool:
    """Whether a choice column can be numeric: every value given and every code is a plain number."""
    if not all(_is_number(value) for value in present):
        return False
    if present:
        return True
    return bool(column.value_labels) and all(_is_number(numeric_code(code)) for code, _ in column.value_labels)


def write_sav(
    output: BinaryIO,
    spec: SurveySpec,
    responses: Iterable[ResponseRecord],
    *,
    options: ExportOptions | None = None,
    translate: Callable[[str], str] = _identity,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the Responses table into ``output`` as an SPSS .sav file with value labels; return the row count.

    ``progress`` is called with the count every 10,000 responses read (pyreadstat then writes the
    file in one call, which cannot report progress).

    Choice columns hold codes; a column whose codes are all plain numbers is numeric, otherwise
    it is a string variable, and either way its labels are value labels. Multiple-choice option
    columns are 0/1 with "Not selected"/"Selected" labels; ranks, numbers and weights are scale.
    """
    import pandas as pd  # heavy; only the SAV export needs it
    import pyreadstat

    options = replace(options or ExportOptions(), values=ValueMode.CODES)
    table = ResponseTable(spec, options, translate)
    columns = table.columns
    names = spss_variable_names(columns)
    data: list[list] = [[] for _ in columns]
    count = 0
    for record in responses:
        for index, value in enumerate(table.row(record)):
            data[index].append(value)
        count += 1
        if progress is not None and count % 10_000 == 0:
            progress(count)

    frame: dict[str, object] = {}
    value_labels: dict[str, dict] = {}
    measures: dict[str, str] = {}
    selected = {0: translate(gettext_noop("Not selected")), 1: translate(gettext_noop("Selected"))}
    for column, name, values in zip(columns, names, data, strict=True):
        present = [value for value in values if value is not None]
        kind = column.kind
        if kind in (ColumnKind.NUMBER, ColumnKind.RANK, ColumnKind.BINARY) or (
            kind == ColumnKind.CODE and _holds_numeric_codes(column, present)
        ):
            if not all(_is_number(value) for value in present):  # a stray text in a number column
                values = [value if _is_number(value) else None for value in values]
            frame[name] = pd.Series(values, dtype="float64")
            if kind == ColumnKind.BINARY:
                value_labels[name] = selected
                measures[name] = "nominal"
            elif kind == ColumnKind.CODE:
                labels = {}
                for code, label in column.value_labels:
                    if label == code:
                        continue
                    try:
                        labels[float(code)] = _cut_utf8(label, SPSS_VALUE_LABEL_MAX_BYTES)
                    except ValueError:
                        continue
                if labels:
                    value_labels[name] = labels
                measures[name] = "nominal"
            else:
                measures[name] = "ordinal" if kind == ColumnKind.RANK else "scale"
        elif kind == ColumnKind.DATETIME:
            frame[name] = pd.to_datetime(pd.Series(values, dtype="object"))
            measures[name] = "scale"
        elif kind == ColumnKind.DATE:
            frame[name] = pd.Series([value if isinstance(value, date) else None for value in values], dtype="object")
            measures[name] = "scale"
        else:
            texts = ["" if value is None else _SURROGATE_RE.sub("", str(value)) for value in values]
            frame[name] = pd.Series(texts, dtype="object")
            if column.value_labels and kind == ColumnKind.CODE:
                value_labels[name] = {
                    code: _cut_utf8(label, SPSS_VALUE_LABEL_MAX_BYTES)
                    for code, label in column.value_labels
                    if label != code
                }
            measures[name] = "nominal"
    dataframe = pd.DataFrame(frame, columns=names)
    column_labels = {
        name: _cut_utf8(_SURROGATE_RE.sub("", column.label), SPSS_LABEL_MAX_BYTES)
        for name, column in zip(names, columns, strict=True)
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "responses.sav"
        pyreadstat.write_sav(
            dataframe,
            str(path),
            column_labels=column_labels,
            variable_value_labels=value_labels,
            variable_measure=measures,
        )
        with path.open("rb") as source:
            while chunk := source.read(1 << 20):
                output.write(chunk)
    return count
