"""The analysts' Excel workbook, streamed with openpyxl's write-only mode into a binary file object.

Inputs are plain values: the questionnaire (``SurveySpec``), an iterator of ``ResponseRecord``
and, for the analysis sheets, the frozen dataclasses defined here, which the Django layer fills
from the weighting, open-text, crosstab and insight cores. Rows are written as they come, so
memory stays flat whatever the number of responses.

Safety. Every text — answers, question text, labels, sheet titles — is written as a string cell
(``data_type = "s"``): openpyxl would otherwise turn a text beginning with "=" into a live
formula and "#N/A" into an error value; a text beginning with "=" also gets the Text number format
("@"), so it stays text even when edited in Excel. Characters XML cannot carry are removed; the two that
Excel reads specially are escaped the way Excel expects (a carriage return as ``_x000D_``, and a
literal ``_xHHHH_`` as ``_x005F_xHHHH_``), so Excel shows the respondent's text exactly;
``unescape_xlsx_text`` undoes this for readers such as openpyxl that do not. Texts longer than
Excel's 32,767-character cell limit are cut there.

Columns. Each column has a stable key: ``q`` for a question, ``q.code`` for a multiple-choice
option (0/1), a matrix row (its answer) or a ranking item (its rank), ``q:other`` for the "other"
text, ``q:themes`` and ``q:sentiment`` for coded open answers. With ``ValueMode.CODES`` the header
shows these keys and choice codes that read as plain numbers ("3", not "03") are written as numbers,
so an importer maps numbers back to codes; with ``ValueMode.LABELS`` the header shows the question
text and answers show labels in the chosen language.

Row limit. A sheet holds at most 1,048,576 rows including its header; past that, responses go on
in "Responses (2)", "Responses (3)", … each with the same header.
"""

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from surveys.core.messages import gettext_noop
from surveys.core.questionnaire import LANGUAGES, QuestionSpec, QuestionType, SurveySpec

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_TEXT = 32_767
SHEET_TITLE_MAX = 31
RESERVED_SHEET_TITLES = frozenset({"history"})  # Excel keeps it for change tracking
PROGRESS_EVERY = 10_000

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd h:mm:ss"  # what openpyxl gives a datetime
PERCENT_FORMAT = "0.0%"
DECIMAL_FORMAT = "0.000"
TEXT_FORMAT = "@"

# XML 1.0 cannot carry C0 controls other than tab, LF and CR, nor lone surrogates or U+FFFE/U+FFFF
# (openpyxl's ILLEGAL_CHARACTERS_RE covers the controls; the rest would break the UTF-8 writer).
_XML_ILLEGAL_RE = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")
_EXCEL_ESCAPE_RE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# A text that openpyxl would not write as the plain string it is: a formula ("=…"), an error
# value ("#N/A"), a character to remove, a carriage return or a literal escape to escape.
_NEEDS_CARE_RE = re.compile(f"^[=#]|\r|_x[0-9A-Fa-f]{{4}}_|{_XML_ILLEGAL_RE.pattern}", re.MULTILINE)
_EXCEL_UNESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_SHEET_TITLE_ILLEGAL_RE = re.compile(r"[\[\]:*?/\\]")
_INTEGER_CODE_RE = re.compile(r"^-?(0|[1-9][0-9]{0,14})$")
_DECIMAL_CODE_RE = re.compile(r"^-?(0|[1-9][0-9]{0,14})\.[0-9]{0,6}[1-9]$")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_EMPTY: Mapping = MappingProxyType({})


# --------------------------------------------------------------------------- text safety


def clean_text(value: object) -> str:
    """Return ``value`` as text without the characters XML cannot carry, cut at Excel's cell limit."""
    text = value if isinstance(value, str) else str(value)
    if _XML_ILLEGAL_RE.search(text):
        text = _XML_ILLEGAL_RE.sub("", text)
    return text[:EXCEL_MAX_TEXT]


def escape_xlsx_text(text: str) -> str:
    """Escape what Excel would otherwise read specially in a cell's text (see the module doc)."""
    if "_x" in text:
        text = _EXCEL_ESCAPE_RE.sub(r"_x005F_\1", text)
    if "\r" in text:
        text = text.replace("\r", "_x000D_")
    return text


def unescape_xlsx_text(text: str) -> str:
    """Return the text Excel shows for a cell read raw (by openpyxl): ``_xHHHH_`` decoded."""
    if "_x" not in text:
        return text
    return _EXCEL_UNESCAPE_RE.sub(lambda match: chr(int(match.group(1), 16)), text)


def sanitize_sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """Return a valid, unused sheet title: no []:*?/\\, at most 31 characters, not blank."""
    text = _SHEET_TITLE_ILLEGAL_RE.sub(" ", clean_text(title)).strip().strip("'").strip()
    text = " ".join(text.split()) or "Sheet"
    taken_lower = {name.lower() for name in taken} | RESERVED_SHEET_TITLES
    candidate = text[:SHEET_TITLE_MAX].rstrip()
    number = 1
    while candidate.lower() in taken_lower:
        number += 1
        suffix = f" ({number})"
        candidate = text[: SHEET_TITLE_MAX - len(suffix)].rstrip() + suffix
    return candidate


def _identity(text: str) -> str:
    return text


# --------------------------------------------------------------------------- response table


class ValueMode(StrEnum):
    LABELS = "labels"
    CODES = "codes"


class ColumnKind(StrEnum):
    TEXT = "text"  # free text
    CODE = "code"  # a choice code (or its label); ``value_labels`` map codes to labels
    NUMBER = "number"
    BINARY = "binary"  # 0/1: option selected
    RANK = "rank"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """How the Responses sheet (and the CSV/SAV files) present the answers."""

    values: ValueMode = ValueMode.LABELS
    language: str = "vi"
    is_weighted: bool = False
    # Open questions that get a themes column and a sentiment column.
    coded_questions: tuple[str, ...] = ()
    # Excel has no time zones: aware datetimes are shown as local time in this zone.
    time_zone: tzinfo = UTC

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {self.language!r}")
        if not isinstance(self.values, ValueMode):
            object.__setattr__(self, "values", ValueMode(self.values))


@dataclass(frozen=True, slots=True)
class ResponseRecord:
    """One response as plain values; ``answers`` is keyed by question key (see display_logic)."""

    response_id: int | str
    answers: Mapping[str, object]
    status: str = ""
    submitted_at: datetime | None = None
    duration_seconds: float | None = None
    language: str = ""
    collector: str = ""
    weight: float | None = None
    other_texts: Mapping[str, str] = field(
        default_factory=lambda: _EMPTY
    )  # question key → the "other, please say" text
    themes: Mapping[str, Sequence[str]] = field(default_factory=lambda: _EMPTY)  # question key → theme names
    sentiments: Mapping[str, str] = field(default_factory=lambda: _EMPTY)  # question key → sentiment label


@dataclass(frozen=True, slots=True)
class ResponseColumn:
    """One column of the Responses sheet, CSV and SAV file."""

    key: str  # stable: ``q1``, ``q2.code``, ``q2:other``, ``submitted_at``
    header: str  # what the header cell shows: the key (codes) or the question text (labels)
    label: str  # question text in the chosen language, for variable labels
    kind: ColumnKind
    question_key: str = ""
    value_labels: tuple[tuple[str, str], ...] = ()  # code → label, for CODE columns
    width: float = 12.0


def numeric_code(code: str) -> int | float | str:
    """Return a code that reads as a plain number as that number ("3" → 3, "01" stays text)."""
    if _INTEGER_CODE_RE.match(code):
        return int(code)
    if _DECIMAL_CODE_RE.match(code):
        return float(code)
    return code


def _as_number(value: object) -> int | float | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return str(value)
    if not math.isfinite(number):
        return str(value)
    return int(number) if number.is_integer() and _INTEGER_CODE_RE.match(text) else number


def _as_date(value: object) -> date | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    if _ISO_DATE_RE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


def _header_width(header: str, minimum: float, maximum: float = 50.0) -> float:
    return float(min(max(len(header) + 2, minimum), maximum))


METADATA_COLUMNS = (
    ("response_id", gettext_noop("Response ID"), ColumnKind.CODE, 12.0),
    ("status", gettext_noop("Status"), ColumnKind.CODE, 12.0),
    ("submitted_at", gettext_noop("Submitted at"), ColumnKind.DATETIME, 20.0),
    ("duration_seconds", gettext_noop("Duration (seconds)"), ColumnKind.NUMBER, 10.0),
    ("language", gettext_noop("Language"), ColumnKind.CODE, 9.0),
    ("collector", gettext_noop("Collector"), ColumnKind.CODE, 16.0),
)
WEIGHT_HEADER = gettext_noop("Weight")
OTHER_HEADER = gettext_noop("other (text)")
THEMES_HEADER = gettext_noop("themes")
SENTIMENT_HEADER = gettext_noop("sentiment")
RANK_HEADER = gettext_noop("rank")

Extractor = Callable[[ResponseRecord, list], None]


class ResponseTable:
    """The columns of a survey's response table and the conversion of a record into one row.

    ``row(record)`` returns plain typed values: str, int, float, date, datetime or None.
    """

    def __init__(self, spec: SurveySpec, options: ExportOptions, translate: Callable[[str], str] = _identity) -> None:
        self.spec = spec
        self.options = options
        self._translate = translate
        self._uses_labels = options.values == ValueMode.LABELS
        columns: list[ResponseColumn] = []
        extractors: list[Extractor] = []
        self._add_metadata(columns, extractors)
        for question in spec.questions():
            self._add_question(question, columns, extractors)
        if len(columns) > EXCEL_MAX_COLUMNS:
            raise ValueError(f"The survey needs {len(columns)} columns; Excel allows at most {EXCEL_MAX_COLUMNS}.")
        self.columns: tuple[ResponseColumn, ...] = tuple(columns)
        self._extractors = tuple(extractors)

    def row(self, record: ResponseRecord) -> list:
        values: list = []
        for extract in self._extractors:
            extract(record, values)
        return values

    # -- building

    def _header(self, key: str, text: str, suffix: str = "") -> str:
        if not self._uses_labels:
            return key
        return f"{text} [{suffix}]" if suffix else text

    def _label(self, choice_label, code: str) -> str:
        return choice_label.get(self.options.language, self.spec.default_language) or code

    def _add_metadata(self, columns: list[ResponseColumn], extractors: list[Extractor]) -> None:
        zone = self.options.time_zone
        for key, english, kind, width in METADATA_COLUMNS:
            text = self._translate(english)
            columns.append(
                ResponseColumn(key, self._header(key, text), text, kind, width=_header_width(text, width, 24))
            )

        def extract_metadata(record: ResponseRecord, values: list) -> None:
            submitted = record.submitted_at
            if submitted is not None and submitted.tzinfo is not None:
                submitted = submitted.astimezone(zone).replace(tzinfo=None)
            response_id = record.response_id
            values.append(response_id if type(response_id) is int else str(response_id))
            values.append(record.status or None)
            values.append(submitted)
            values.append(_as_number(record.duration_seconds))
            values.append(record.language or None)
            values.append(record.collector or None)

        extractors.append(extract_metadata)
        if self.options.is_weighted:
            text = self._translate(WEIGHT_HEADER)
            columns.append(ResponseColumn("weight", self._header("weight", text), text, ColumnKind.NUMBER, width=10))
            extractors.append(lambda record, values: values.append(_as_number(record.weight)))

    def _add_question(self, question: QuestionSpec, columns: list[ResponseColumn], extractors: list[Extractor]) -> None:
        key = question.key
        text = question.text.get(self.options.language, self.spec.default_language)
        labels = {choice.value: self._label(choice.label, choice.value) for choice in question.choices}
        value_labels = tuple(labels.items())
        kind = question.type
        if kind == QuestionType.MULTIPLE_CHOICE:
            self._add_multiple_choice(question, text, labels, columns, extractors)
        elif kind == QuestionType.MATRIX:
            for row in question.rows:
                row_text = self._label(row.label, row.value)
                column_key = f"{key}.{row.value}"
                header = self._header(column_key, text, row_text)
                columns.append(
                    ResponseColumn(
                        column_key,
                        header,
                        f"{text} [{row_text}]",
                        ColumnKind.CODE,
                        key,
                        value_labels,
                        _header_width(header, 10, 30),
                    )
                )
            extractors.append(self._matrix_extractor(question, labels))
        elif kind == QuestionType.RANKING:
            rank = self._translate(RANK_HEADER)
            for choice in question.choices:
                column_key = f"{key}.{choice.value}"
                header = self._header(column_key, text, f"{labels[choice.value]} ({rank})")
                columns.append(
                    ResponseColumn(
                        column_key,
                        header,
                        f"{text} [{labels[choice.value]}]",
                        ColumnKind.RANK,
                        key,
                        width=_header_width(header, 8, 24),
                    )
                )
            extractors.append(self._ranking_extractor(question))
        else:
            column_kind, width = {
                QuestionType.SINGLE_CHOICE: (ColumnKind.CODE, 18.0),
                QuestionType.RATING: (ColumnKind.CODE, 10.0),
                QuestionType.NPS: (ColumnKind.NUMBER, 8.0),
                QuestionType.NUMBER: (ColumnKind.NUMBER, 10.0),
                QuestionType.SHORT_TEXT: (ColumnKind.TEXT, 30.0),
                QuestionType.LONG_TEXT: (ColumnKind.TEXT, 50.0),
                QuestionType.DATE: (ColumnKind.DATE, 12.0),
            }[kind]
            header = self._header(key, text)
            columns.append(
                ResponseColumn(
                    key,
                    header,
                    text,
                    column_kind,
                    key,
                    value_labels if column_kind == ColumnKind.CODE else (),
                    _header_width(header, width, max(width, 30.0)),
                )
            )
            extractors.append(self._single_extractor(question, labels))
        if any(choice.is_other for choice in question.choices):
            column_key = f"{key}:other"
            suffix_text = self._translate(OTHER_HEADER)
            header = self._header(column_key, text, suffix_text)
            columns.append(
                ResponseColumn(column_key, header, f"{text} [{suffix_text}]", ColumnKind.TEXT, key, width=30)
            )
            extractors.append(lambda record, values: values.append(record.other_texts.get(key) or None))
        if key in self.options.coded_questions:
            for suffix, english, width in (("themes", THEMES_HEADER, 30.0), ("sentiment", SENTIMENT_HEADER, 12.0)):
                column_key = f"{key}:{suffix}"
                suffix_text = self._translate(english)
                header = self._header(column_key, text, suffix_text)
                columns.append(
                    ResponseColumn(column_key, header, f"{text} [{suffix_text}]", ColumnKind.TEXT, key, width=width)
                )
            extractors.append(self._coding_extractor(key))

    def _add_multiple_choice(
        self,
        question: QuestionSpec,
        text: str,
        labels: dict[str, str],
        columns: list[ResponseColumn],
        extractors: list[Extractor],
    ) -> None:
        key = question.key
        for choice in question.choices:
            column_key = f"{key}.{choice.value}"
            header = self._header(column_key, text, labels[choice.value])
            columns.append(
                ResponseColumn(
                    column_key,
                    header,
                    f"{text} [{labels[choice.value]}]",
                    ColumnKind.BINARY,
                    key,
                    width=_header_width(header, 6, 20),
                )
            )
        header = self._header(key, text)
        columns.append(
            ResponseColumn(
                key, header, text, ColumnKind.TEXT, key, tuple(labels.items()), _header_width(header, 24, 40)
            )
        )
        codes = question.choice_values()
        uses_labels = self._uses_labels
        separator = "; " if uses_labels else ";"

        def extract_multiple(record: ResponseRecord, values: list) -> None:
            answer = record.answers.get(key)
            if answer is None or answer == "" or answer == []:
                values.extend([None] * (len(codes) + 1))
                return
            chosen = [str(item) for item in answer] if isinstance(answer, (list, tuple)) else [str(answer)]
            selected = set(chosen)
            values.extend([1 if code in selected else 0 for code in codes])
            shown = [labels.get(code, code) for code in chosen] if uses_labels else chosen
            values.append(separator.join(shown))

        extractors.append(extract_multiple)

    def _single_extractor(self, question: QuestionSpec, labels: dict[str, str]) -> Extractor:
        key = question.key
        kind = question.type
        uses_labels = self._uses_labels
        if kind in (QuestionType.NUMBER, QuestionType.NPS):
            return lambda record, values: values.append(_as_number(record.answers.get(key)))
        if kind == QuestionType.DATE:
            return lambda record, values: values.append(_as_date(record.answers.get(key)))
        if kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):

            def extract_text(record: ResponseRecord, values: list) -> None:
                answer = record.answers.get(key)
                values.append(None if answer is None or answer == "" else str(answer))

            return extract_text
        # single choice and rating: the label, or the code (a plain number when it reads as one)
        shown = {
            code: (label if uses_labels and label != code else numeric_code(code)) for code, label in labels.items()
        }

        def extract_choice(record: ResponseRecord, values: list) -> None:
            answer = record.answers.get(key)
            if answer is None or answer == "":
                values.append(None)
                return
            code = answer if isinstance(answer, str) else _format_code(answer)
            values.append(shown.get(code, numeric_code(code)))

        return extract_choice

    def _matrix_extractor(self, question: QuestionSpec, labels: dict[str, str]) -> Extractor:
        key = question.key
        rows = tuple(row.value for row in question.rows)
        uses_labels = self._uses_labels
        shown = {
            code: (label if uses_labels and label != code else numeric_code(code)) for code, label in labels.items()
        }

        def extract_matrix(record: ResponseRecord, values: list) -> None:
            answer = record.answers.get(key)
            if not isinstance(answer, Mapping):
                values.extend([None] * len(rows))
                return
            for row in rows:
                code = answer.get(row)
                if code is None or code == "":
                    values.append(None)
                else:
                    code = code if isinstance(code, str) else _format_code(code)
                    values.append(shown.get(code, numeric_code(code)))

        return extract_matrix

    def _ranking_extractor(self, question: QuestionSpec) -> Extractor:
        key = question.key
        codes = question.choice_values()

        def extract_ranking(record: ResponseRecord, values: list) -> None:
            answer = record.answers.get(key)
            if not isinstance(answer, (list, tuple)) or not answer:
                values.extend([None] * len(codes))
                return
            ranks = {str(item): position for position, item in enumerate(answer, 1)}
            values.extend([ranks.get(code) for code in codes])

        return extract_ranking

    def _coding_extractor(self, key: str) -> Extractor:
        def extract_coding(record: ResponseRecord, values: list) -> None:
            themes = record.themes.get(key)
            values.append("; ".join(themes) if themes else None)
            values.append(record.sentiments.get(key) or None)

        return extract_coding


def _format_code(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- analysis inputs


class ChartKind(StrEnum):
    NONE = "none"
    BAR = "bar"  # horizontal bars (long labels read best)
    COLUMN = "column"


@dataclass(frozen=True, slots=True)
class SummaryRow:
    label: str
    count: int  # respondents who chose it (unweighted)
    share: float  # 0–1, weighted when the table is
    margin_of_error: float | None = None  # half-width of the confidence interval, 0–1


@dataclass(frozen=True, slots=True)
class SummaryTable:
    """One closed question's distribution."""

    question_key: str
    title: str
    rows: tuple[SummaryRow, ...]
    base: int  # respondents who answered
    is_weighted: bool = False
    effective_base: float | None = None
    confidence_level: float = 0.95
    chart: ChartKind = ChartKind.BAR
    note: str = ""


@dataclass(frozen=True, slots=True)
class CrosstabCell:
    share: float  # column share, 0–1
    count: int | None = None
    mark: str = ""  # significance mark, explained by the table's legend


@dataclass(frozen=True, slots=True)
class CrosstabTable:
    """A question by a segment variable: rows are answers, columns are segments."""

    question_key: str
    question: str
    segment_key: str
    segment: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[CrosstabCell, ...], ...]  # [row][column]
    column_bases: tuple[int, ...]
    test: str  # the test named, e.g. "Pearson chi-square test of independence"
    statistic: float | None = None
    p_value: float | None = None
    legend: str = ""  # what the marks mean
    is_weighted: bool = False

    def __post_init__(self) -> None:
        width = len(self.column_labels)
        if len(self.cells) != len(self.row_labels) or any(len(row) != width for row in self.cells):
            raise ValueError(f"crosstab {self.question_key} × {self.segment_key}: cells do not match the labels")
        if len(self.column_bases) != width:
            raise ValueError(f"crosstab {self.question_key} × {self.segment_key}: one base per column is needed")


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """One theme of an open question, with its sentiment mix and example quotes."""

    question_key: str
    question: str
    theme: str
    count: int
    share: float | None = None  # of the question's answers, 0–1
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InsightRow:
    """A candidate insight with its evidence, review status and action plan."""

    statement: str
    evidence: str
    status: str
    n: int | None = None
    effect_size: float | None = None
    p_value: float | None = None
    q_value: float | None = None
    criteria: str = ""  # e.g. "validated, surprising, actionable"
    metric: str = ""
    action: str = ""
    expected_result: str = ""


@dataclass(frozen=True, slots=True)
class RepresentativenessRow:
    """One category of a demographic variable: who answered against who the customers are."""

    variable: str
    category: str
    sample_count: int
    sample_share: float  # 0–1
    target_share: float | None = None
    weighted_share: float | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A named figure of the weighting (effective n, design effect, weight range, test used …)."""

    label: str
    value: str | int | float | None


@dataclass(frozen=True, slots=True)
class RepresentativenessReport:
    rows: tuple[RepresentativenessRow, ...]
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class WorkbookResult:
    """What was written: response rows and the sheet titles in order."""

    response_count: int
    sheet_titles: tuple[str, ...]
    response_sheets: tuple[str, ...]


# --------------------------------------------------------------------------- writer

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_WRAP = Alignment(wrap_text=True, vertical="top")


class _SheetWriter:
    """Write-only sheet helpers that make every text a string cell."""

    def __init__(self, workbook: Workbook, title: str) -> None:
        taken = [sheet.title for sheet in workbook.worksheets]
        self.sheet = workbook.create_sheet(sanitize_sheet_title(title, taken))
        self.row_count = 0

    def cell(self, value: object, *, number_format: str | None = None, font: Font | None = None, wrap: bool = False):
        if value is None:
            return None
        if isinstance(value, str):
            cell = WriteOnlyCell(self.sheet)
            cell._value = escape_xlsx_text(clean_text(value))
            cell.data_type = "s"
            if value.startswith("="):
                cell.number_format = TEXT_FORMAT  # stays text even when edited in Excel
        elif isinstance(value, float) and not math.isfinite(value):
            return None
        else:
            cell = WriteOnlyCell(self.sheet, value=value)
        if number_format:
            cell.number_format = number_format
        if font is not None:
            cell.font = font
        if wrap:
            cell.alignment = _WRAP
        return cell

    def append(self, values: Sequence[object], *, font: Font | None = None, formats: Sequence[str | None] = ()):
        row = [
            self.cell(value, number_format=formats[index] if index < len(formats) else None, font=font)
            for index, value in enumerate(values)
        ]
        self.sheet.append(row)
        self.row_count += 1
        return self.row_count

    def blank(self) -> None:
        self.sheet.append([])
        self.row_count += 1

    def widths(self, widths: Sequence[float]) -> None:
        for index, width in enumerate(widths, 1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width


class ResponsesSheetWriter:
    """Stream response rows into one or more sheets, typed, with string cells for every text."""

    def __init__(
        self,
        workbook: Workbook,
        table: ResponseTable,
        title: str,
        *,
        max_rows_per_sheet: int = EXCEL_MAX_ROWS,
    ) -> None:
        if not 2 <= max_rows_per_sheet <= EXCEL_MAX_ROWS:
            raise ValueError(f"max_rows_per_sheet must lie between 2 and {EXCEL_MAX_ROWS}")
        self.workbook = workbook
        self.table = table
        self.title = title
        self.max_rows = max_rows_per_sheet
        self.sheets: list = []
        self.count = 0
        self._rows_in_sheet = 0
        self._sheet = None

    def _open_sheet(self) -> None:
        if self._sheet is not None:
            self._close_sheet()
        taken = [sheet.title for sheet in self.workbook.worksheets]
        base = self.title if not self.sheets else f"{self.title} ({len(self.sheets) + 1})"
        sheet = self.workbook.create_sheet(sanitize_sheet_title(base, taken))
        columns = self.table.columns
        for index, column in enumerate(columns, 1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "B2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(sheet)
            cell._value = escape_xlsx_text(clean_text(column.header))
            cell.data_type = "s"
            cell.font = _BOLD
            header.append(cell)
        sheet.append(header)
        self._sheet = sheet
        self._rows_in_sheet = 1
        self.sheets.append(sheet)

    def _close_sheet(self) -> None:
        sheet = self._sheet
        last = get_column_letter(len(self.table.columns))
        sheet.auto_filter.ref = f"A1:{last}{self._rows_in_sheet}"

    def write(self, records: Iterable[ResponseRecord], progress: Callable[[int], None] | None = None) -> int:
        if self._sheet is None:
            self._open_sheet()
        row_of = self.table.row
        needs_care = _NEEDS_CARE_RE.search
        for record in records:
            if self._rows_in_sheet >= self.max_rows:
                self._open_sheet()
            values = row_of(record)
            # Numbers, dates (openpyxl gives them a date format) and ordinary texts go in as plain
            # values, which openpyxl writes as they are (cutting texts at 32,767 characters). A
            # text it would read as a formula or an error, or that needs cleaning or escaping,
            # gets a string cell. One search over the row's texts joined by line breaks finds
            # every such text (and at worst a text that only contains a line break before "=").
            if needs_care("\n".join([value for value in values if value.__class__ is str])):
                for index, value in enumerate(values):
                    if value.__class__ is str and needs_care(value):
                        values[index] = self._string_cell(value)
            self._sheet.append(values)
            self._rows_in_sheet += 1
            self.count += 1
            if progress is not None and self.count % PROGRESS_EVERY == 0:
                progress(self.count)
        return self.count

    def _string_cell(self, text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._sheet)
        cell._value = escape_xlsx_text(clean_text(text))
        cell.data_type = "s"
        if text.startswith("="):
            cell.number_format = TEXT_FORMAT  # stays text even when edited in Excel
        return cell

    def finish(self) -> None:
        if self._sheet is None:
            self._open_sheet()
        self._close_sheet()


def write_codebook_sheet(workbook: Workbook, spec: SurveySpec, table: ResponseTable, translate=_identity) -> None:
    """Codebook: one row per code of each question (one row for a question without codes)."""
    writer = _SheetWriter(workbook, translate(gettext_noop("Codebook")))
    languages = [language for language in LANGUAGES if language in spec.languages] or list(LANGUAGES[:1])
    headers = [translate(gettext_noop("Question key")), translate(gettext_noop("Columns"))]
    headers += [translate(gettext_noop("Text ({language})")).format(language=lang) for lang in languages]
    headers += [translate(gettext_noop("Type")), translate(gettext_noop("Role")), translate(gettext_noop("Item"))]
    headers += [translate(gettext_noop("Code"))]
    headers += [translate(gettext_noop("Label ({language})")).format(language=lang) for lang in languages]
    writer.widths([14, 24] + [40] * len(languages) + [16, 20, 10, 12] + [28] * len(languages))
    writer.sheet.freeze_panes = "B2"
    writer.append(headers, font=_BOLD)
    columns_by_question: dict[str, list[str]] = {}
    for column in table.columns:
        if column.question_key:
            columns_by_question.setdefault(column.question_key, []).append(column.key)
    for column in table.columns:
        if column.question_key:
            break
        writer.append([column.key, column.key, *([column.label] + [""] * (len(languages) - 1)), column.kind.value])
    for question in spec.questions():
        base = [question.key, ", ".join(columns_by_question.get(question.key, ()))]
        base += [getattr(question.text, lang) for lang in languages]
        base += [question.type.value, question.role.to_string() if question.role else ""]
        items = [(translate(gettext_noop("option")), choice) for choice in question.choices]
        items += [(translate(gettext_noop("row")), row) for row in question.rows]
        if not items:
            writer.append(base)
        for item_kind, choice in items:
            labels = [getattr(choice.label, lang) for lang in languages]
            writer.append([*base, item_kind, choice.value, *labels])


def write_summary_sheet(workbook: Workbook, tables: Sequence[SummaryTable], translate=_identity) -> None:
    """Summary: counts, (weighted) shares and margins of error per closed question, with charts."""
    writer = _SheetWriter(workbook, translate(gettext_noop("Summary")))
    sheet = writer.sheet
    writer.widths([40, 10, 12, 14, 3])
    headers = [
        translate(gettext_noop("Answer")),
        translate(gettext_noop("Count")),
        translate(gettext_noop("Share")),
        translate(gettext_noop("Margin of error (±)")),
    ]
    for table in tables:
        title = f"{table.question_key}. {table.title}" if table.question_key else table.title
        writer.append([title], font=_TITLE)
        weighted = translate(gettext_noop("weighted")) if table.is_weighted else translate(gettext_noop("unweighted"))
        base_text = translate(gettext_noop("Base: {n} respondents ({weighted})")).format(
            n=table.base, weighted=weighted
        )
        if table.effective_base is not None:
            base_text += "; " + translate(gettext_noop("effective n = {n}")).format(n=f"{table.effective_base:.0f}")
        base_text += "; " + translate(gettext_noop("margins of error at {level} confidence")).format(
            level=f"{table.confidence_level:.0%}"
        )
        writer.append([base_text])
        header_row = writer.append(headers, font=_BOLD)
        for row in table.rows:
            writer.append(
                [row.label, row.count, row.share, row.margin_of_error],
                formats=(None, "0", PERCENT_FORMAT, PERCENT_FORMAT),
            )
        last_row = writer.row_count
        if table.note:
            writer.append([table.note])
        if table.chart != ChartKind.NONE and table.rows:
            chart = BarChart()
            chart.type = "bar" if table.chart == ChartKind.BAR else "col"
            chart.title = clean_text(table.title)[:255]
            chart.legend = None
            chart.y_axis.numFmt = PERCENT_FORMAT
            chart.y_axis.majorGridlines = None
            chart.x_axis.delete = False  # openpyxl 3.1 leaves it unset, and Excel then hides the axes
            chart.y_axis.delete = False
            data = Reference(sheet, min_col=3, min_row=header_row, max_row=last_row)
            categories = Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last_row)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(categories)
            chart.height = max(5.0, 0.7 * len(table.rows) + 2.5)
            chart.width = 14
            sheet.add_chart(chart, f"F{header_row - 2}")
            # leave room for the chart before the next table
            for _ in range(max(0, int(chart.height / 0.5) - (writer.row_count - header_row + 3))):
                writer.blank()
        writer.blank()


def write_crosstabs_sheet(workbook: Workbook, tables: Sequence[CrosstabTable], translate=_identity) -> None:
    """Crosstabs: each question by each segment, column shares with significance marks."""
    writer = _SheetWriter(workbook, translate(gettext_noop("Crosstabs")))
    widest = max((len(table.column_labels) for table in tables), default=1)
    writer.widths([36] + [11, 4] * widest)
    for table in tables:
        writer.append([f"{table.question} × {table.segment}"], font=_TITLE)
        header = [translate(gettext_noop("Answer"))]
        for label in table.column_labels:
            header += [label, ""]
        writer.append(header, font=_BOLD)
        for label, cells in zip(table.row_labels, table.cells, strict=True):
            values: list = [label]
            formats: list = [None]
            for cell in cells:
                values += [cell.share, cell.mark or None]
                formats += [PERCENT_FORMAT, None]
            writer.append(values, formats=formats)
        bases: list = [translate(gettext_noop("Base (n)"))]
        for base in table.column_bases:
            bases += [base, None]
        writer.append(bases, font=_BOLD)
        test = translate(gettext_noop("Test: {test}")).format(test=table.test)
        figures: list = [test]
        figure_formats: list = [None]
        if table.statistic is not None:
            figures += [translate(gettext_noop("statistic")), table.statistic]
            figure_formats += [None, DECIMAL_FORMAT]
        if table.p_value is not None:
            figures += ["p", table.p_value]
            figure_formats += [None, "0.0000"]
        writer.append(figures, formats=figure_formats)
        if table.legend:
            writer.append([table.legend])
        if table.is_weighted:
            writer.append([translate(gettext_noop("Shares are weighted; bases are respondents."))])
        writer.blank()


def write_open_answers_sheet(workbook: Workbook, rows: Sequence[ThemeRow], translate=_identity) -> None:
    """Open answers: themes with counts, sentiment mix and quotes."""
    writer = _SheetWriter(workbook, translate(gettext_noop("Open answers")))
    quote_count = max((len(row.quotes) for row in rows), default=0)
    writer.widths([14, 36, 28, 9, 9, 10, 10, 10] + [50] * quote_count)
    writer.sheet.freeze_panes = "A2"
    headers = [
        translate(gettext_noop("Question key")),
        translate(gettext_noop("Question")),
        translate(gettext_noop("Theme")),
        translate(gettext_noop("Count")),
        translate(gettext_noop("Share")),
        translate(gettext_noop("Positive")),
        translate(gettext_noop("Neutral")),
        translate(gettext_noop("Negative")),
    ]
    headers += [translate(gettext_noop("Quote {number}")).format(number=number) for number in range(1, quote_count + 1)]
    writer.append(headers, font=_BOLD)
    for row in rows:
        writer.append(
            [
                row.question_key,
                row.question,
                row.theme,
                row.count,
                row.share,
                row.positive,
                row.neutral,
                row.negative,
                *row.quotes,
            ],
            formats=(None, None, None, "0", PERCENT_FORMAT),
        )


def write_insights_sheet(workbook: Workbook, rows: Sequence[InsightRow], translate=_identity) -> None:
    """Insights: statements with evidence and status, then Insight → Metric → Action → Expected result."""
    writer = _SheetWriter(workbook, translate(gettext_noop("Insights")))
    writer.widths([50, 50, 9, 10, 10, 10, 24, 14])
    writer.append([translate(gettext_noop("Candidate insights"))], font=_TITLE)
    headers = [
        translate(gettext_noop("Insight")),
        translate(gettext_noop("Evidence")),
        "n",
        translate(gettext_noop("Effect size")),
        "p",
        "q",
        translate(gettext_noop("Criteria")),
        translate(gettext_noop("Status")),
    ]
    writer.append(headers, font=_BOLD)
    for row in rows:
        writer.append(
            [row.statement, row.evidence, row.n, row.effect_size, row.p_value, row.q_value, row.criteria, row.status],
            formats=(None, None, "0", DECIMAL_FORMAT, "0.0000", "0.0000"),
        )
    planned = [row for row in rows if row.metric or row.action or row.expected_result]
    writer.blank()
    writer.append([translate(gettext_noop("Insight → Metric → Action → Expected result"))], font=_TITLE)
    writer.append(
        [
            translate(gettext_noop("Insight")),
            translate(gettext_noop("Metric")),
            translate(gettext_noop("Action")),
            translate(gettext_noop("Expected result")),
        ],
        font=_BOLD,
    )
    for row in planned:
        writer.append([row.statement, row.metric, row.action, row.expected_result])


def write_representativeness_sheet(workbook: Workbook, report: RepresentativenessReport, translate=_identity) -> None:
    """Representativeness: sample against target per category, then the weighting diagnostics."""
    writer = _SheetWriter(workbook, translate(gettext_noop("Representativeness")))
    writer.widths([20, 24, 12, 12, 12, 12, 12])
    writer.append(
        [
            translate(gettext_noop("Variable")),
            translate(gettext_noop("Category")),
            translate(gettext_noop("Sample (n)")),
            translate(gettext_noop("Sample share")),
            translate(gettext_noop("Target share")),
            translate(gettext_noop("Difference")),
            translate(gettext_noop("Weighted share")),
        ],
        font=_BOLD,
    )
    for row in report.rows:
        difference = row.sample_share - row.target_share if row.target_share is not None else None
        writer.append(
            [
                row.variable,
                row.category,
                row.sample_count,
                row.sample_share,
                row.target_share,
                difference,
                row.weighted_share,
            ],
            formats=(None, None, "0", PERCENT_FORMAT, PERCENT_FORMAT, "+0.0%;-0.0%;0.0%", PERCENT_FORMAT),
        )
    if report.diagnostics:
        writer.blank()
        writer.append([translate(gettext_noop("Weighting diagnostics"))], font=_TITLE)
        for diagnostic in report.diagnostics:
            value = diagnostic.value
            number_format = DECIMAL_FORMAT if isinstance(value, float) else None
            writer.append([diagnostic.label, value], formats=(None, number_format))


def write_workbook(
    output: BinaryIO,
    spec: SurveySpec,
    responses: Iterable[ResponseRecord],
    *,
    options: ExportOptions | None = None,
    summary: Sequence[SummaryTable] | Callable[[], Sequence[SummaryTable]] | None = None,
    crosstabs: Sequence[CrosstabTable] | Callable[[], Sequence[CrosstabTable]] | None = None,
    open_answers: Sequence[ThemeRow] | None = None,
    insights: Sequence[InsightRow] | None = None,
    representativeness: RepresentativenessReport | None = None,
    translate: Callable[[str], str] = _identity,
    max_rows_per_sheet: int = EXCEL_MAX_ROWS,
    progress: Callable[[int], None] | None = None,
) -> WorkbookResult:
    """Write the analysts' workbook into ``output`` (a binary file object) and say what was written.

    Sheets, in order: Summary, Crosstabs, Open answers, Insights, Representativeness (each only
    when its input is given, even if empty), then Responses (split past ``max_rows_per_sheet``
    rows, header included) and Codebook. ``translate`` maps the English sheet names and headers
    into the analyst's language; ``progress`` is called with the count every 10,000 responses.

    ``summary`` and ``crosstabs`` may be functions called once the responses are written: the
    caller can then build them from the same pass over the responses (the sheets still come
    first in the workbook).
    """
    options = options or ExportOptions()
    table = ResponseTable(spec, options, translate)
    workbook = Workbook(write_only=True)
    order: list = []

    def added(write, *arguments) -> None:
        write(workbook, *arguments, translate)
        order.append(workbook.worksheets[-1])

    deferred = []
    for write, content in ((write_summary_sheet, summary), (write_crosstabs_sheet, crosstabs)):
        if callable(content):
            order.append(None)  # its place, filled after the responses
            deferred.append((len(order) - 1, write, content))
        elif content is not None:
            added(write, content)
    if open_answers is not None:
        added(write_open_answers_sheet, open_answers)
    if insights is not None:
        added(write_insights_sheet, insights)
    if representativeness is not None:
        added(write_representativeness_sheet, representativeness)
    responses_writer = ResponsesSheetWriter(
        workbook, table, translate(gettext_noop("Responses")), max_rows_per_sheet=max_rows_per_sheet
    )
    count = responses_writer.write(responses, progress)
    responses_writer.finish()
    write_codebook_sheet(workbook, spec, table, translate)
    tail = [sheet for sheet in workbook.worksheets if sheet not in order]
    for place, write, content in deferred:
        write(workbook, content(), translate)
        order[place] = workbook.worksheets[-1]
    for position, sheet in enumerate([*order, *tail]):
        workbook.move_sheet(sheet.title, position - workbook.worksheets.index(sheet))
    workbook.save(output)
    return WorkbookResult(
        response_count=count,
        sheet_titles=tuple(sheet.title for sheet in workbook.worksheets),
        response_sheets=tuple(sheet.title for sheet in responses_writer.sheets),
    )


def iter_response_rows(table: ResponseTable, records: Iterable[ResponseRecord]) -> Iterator[list]:
    """Yield each record's row of plain values (for the CSV and SAV writers)."""
    row_of = table.row
    for record in records:
        yield row_of(record)


__all__ = [
    "EXCEL_MAX_ROWS",
    "ChartKind",
    "ColumnKind",
    "CrosstabCell",
    "CrosstabTable",
    "Diagnostic",
    "ExportOptions",
    "InsightRow",
    "RepresentativenessReport",
    "RepresentativenessRow",
    "ResponseColumn",
    "ResponseRecord",
    "ResponseTable",
    "SummaryRow",
    "SummaryTable",
    "ThemeRow",
    "ValueMode",
    "WorkbookResult",
    "clean_text",
    "escape_xlsx_text",
    "iter_response_rows",
    "sanitize_sheet_title",
    "unescape_xlsx_text",
    "write_workbook",
]
