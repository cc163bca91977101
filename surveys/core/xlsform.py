"""Read and write questionnaires as XLSForm workbooks, the format of KoBoToolbox and ODK.

Conventions, including the few beyond the XLSForm standard that let a SoWhat export open in KoBo
and read back into exactly the same questionnaire:

survey sheet
  type            ``select_one L`` single choice; ``select_multiple L`` multiple choice (either with
                  ``or_other``: an "other" option is added); ``rank L`` ranking; ``integer`` /
                  ``decimal`` number; ``text`` short text (long text with appearance ``multiline``);
                  ``date``; ``range`` a rating scale or NPS (see ``sowhat_type``);
                  ``begin_group`` … ``end_group`` one page (questions outside any group make a page
                  of their own); ``begin_score`` … ``end_score`` with ``score__row`` rows a matrix
                  (KoBo's own rating block: the rows are the ``score__row`` names and labels, the scale
                  is the list named in ``kobo--score-choices``); KoBo's ``begin_rank`` block is read as
                  ranking. Metadata rows (start, end, today, deviceid …) ask the respondent nothing
                  and are skipped; note, calculate, geopoint, image, repeats and other types are refused.
  label, hint     ``label::Tiếng Việt (vi)``, ``label::English (en)``; a plain ``label`` is in the
                  default language. ``${name}`` in a label is SoWhat's ``{{name}}`` recall.
  required        yes / true / 1.
  relevant        display logic (see ``parse_relevant``); on ``begin_group`` the page's logic.
  constraint      only a number's bounds: ``. >= 0 and . <= 120`` (either part alone too).
  parameters      range: ``start=1 end=5 step=1``; select, rank, score and group: ``randomize=true``.
  role            ``demographic:age``, ``kpi:nps``.
  sowhat_type     ``rating`` or ``nps`` on a ``range``; ``rating`` on a ``select_one`` whose options are
                  a labelled numeric scale. A ``range`` without it is NPS when it runs from 0 to 10 in
                  steps of 1 and its role is ``kpi:nps``, otherwise a rating scale of the points
                  start, start + step, … end.
  not_applicable  yes: a rating or matrix question offers "not applicable".
choices sheet     ``list_name``, ``name``, ``label[::language]``, ``exclusive`` (yes: "none of these")
                  and ``other`` (yes: the "other" option).
settings sheet    ``form_title[::language]``, ``form_id``, ``default_language`` (``vi`` or
                  ``Tiếng Việt (vi)``), ``description[::language]``.

Reading never evaluates a formula (cells are read as the values Excel last saved) and writing
stores every text as a string cell, so a label such as ``=1+1`` stays text both ways. Questions
outside any group go on pages named p1, p2 … (skipping the groups' names). A workbook may hold
at most 5,000 survey rows, 20,000 choices and 256 columns, and unpack to at most 50 MB.

What does not survive a round trip: texts in a language the survey does not use (not exported);
a one-condition display logic with match "any" (reads back as "all", which means the same); the
randomisation flag of a question without options and the "none"/"other" flags of matrix rows
(meaningless, not exported); a choice question with no options yet (its list would be empty,
which KoBo refuses too, so reading refuses it).
"""

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from surveys.core.messages import Message, gettext_noop, message
from surveys.core.questionnaire import (
    CHOICE_VALUE_PATTERN,
    KEY_PATTERN,
    LANGUAGES,
    PIPE_PATTERN,
    ChoiceSpec,
    Condition,
    Logic,
    Operator,
    PageSpec,
    Problem,
    QuestionSpec,
    QuestionType,
    RoleKind,
    RoleSpec,
    SurveySpec,
    Text,
    validate_survey,
)

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"
MAX_SURVEY_ROWS = 5_000
MAX_CHOICE_ROWS = 20_000
MAX_COLUMNS = 256
MAX_RANGE_POINTS = 101
MAX_RANGE_MAGNITUDE = Decimal(1_000_000)
# A workbook is a zip; declared sizes bound what reading may unpack (a "zip bomb" stops here).
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
TITLE_LIMIT, HINT_LIMIT, CHOICE_LABEL_LIMIT, DESCRIPTION_LIMIT = 200, 1000, 500, 2000

LANGUAGE_HEADERS = {"vi": "Tiếng Việt (vi)", "en": "English (en)"}
LANGUAGE_NAMES = {"vi": "vi", "en": "en", "vietnamese": "vi", "tiếng việt": "vi", "tieng viet": "vi", "english": "en"}
OTHER_LABELS = {"vi": "Khác", "en": "Other"}
YES = frozenset({"yes", "true", "1", "true()", "y"})
NO = frozenset({"", "no", "false", "0", "false()", "n"})
# Rows that record facts about the session, not answers: nothing to ask, nothing lost by skipping.
METADATA_TYPES = frozenset(
    [
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "email",
        "audit",
        "start-geopoint",
        "background-geopoint",
        "background-audio",
        "instanceid",
    ]
)
UNSUPPORTED_TYPES = frozenset(
    [
        "note",
        "calculate",
        "hidden",
        "acknowledge",
        "time",
        "datetime",
        "geopoint",
        "geotrace",
        "geoshape",
        "image",
        "audio",
        "video",
        "file",
        "barcode",
        "trigger",
        "xml-external",
        "csv-external",
        "select_one_from_file",
        "select_multiple_from_file",
        "select_one_external",
        "osm",
    ]
)


# Templates used in several places; the Django layer translates them.
UNSUPPORTED_LANGUAGE = gettext_noop(
    "Language “{language}” is not supported: SoWhat questionnaires are in Vietnamese (vi) and English (en). "
    "Remove the column or rename it."
)
DUPLICATE_COLUMN = gettext_noop("Column “{column}” appears twice.")
DUPLICATE_NAME = gettext_noop("Name “{name}” is used twice (first on row {row}).")
INVALID_CODE = gettext_noop("Code “{value}” may use only letters, digits, “_”, “.” and “-” (64 at most).")
MISSING_COLUMN = gettext_noop("The “{sheet}” sheet has no “{column}” column.")
NO_MATCHING_BEGIN = gettext_noop("“{type}” has no matching “{begin}” above it.")
UNKNOWN_TYPE = gettext_noop("Unknown question type “{type}”.")


@dataclass(frozen=True, slots=True)
class XLSFormProblem:
    """One thing wrong with a workbook, at an Excel row (1-based) and column header when known."""

    sheet: str | None  # None: the file as a whole
    row: int | None
    column: str | None
    message: Message


class XLSFormError(ValueError):
    """The workbook cannot become a questionnaire; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[XLSFormProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message.render() for problem in self.problems))


# --- cells and headers --------------------------------------------------------------------


def cell_text(value: object) -> str:
    """Return a cell value as stripped text (numbers without a spurious ".0", dates in ISO form)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def language_code(name: str) -> str | None:
    """Return "vi" or "en" for a language as XLSForm headers name it, or None when unknown."""
    name = name.strip()
    match = re.search(r"\(\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)?\s*\)\s*$", name)
    if match:
        code = match.group(1).lower()
        return code if code in LANGUAGES else None
    return LANGUAGE_NAMES.get(name.lower())


@dataclass(frozen=True, slots=True)
class _Column:
    index: int
    header: str  # as written in the file
    base: str  # lower-case name before "::"
    language: str | None  # for translated columns; None for a plain one


@dataclass(frozen=True, slots=True)
class _Sheet:
    name: str
    rows: tuple[tuple[int, tuple[object, ...]], ...]  # (Excel row number, values); the header is row 1


@dataclass
class _Table:
    """A sheet's header resolved into columns, with helpers to read one row."""

    sheet: str
    columns: dict[str, _Column] = field(default_factory=dict)  # plain columns by base name
    translated: dict[str, list[_Column]] = field(default_factory=dict)  # base -> translated columns

    def has(self, base: str) -> bool:
        return base in self.columns or base in self.translated

    def value(self, values: Sequence[object], base: str) -> str:
        column = self.columns.get(base)
        if column is None or column.index >= len(values):
            return ""
        return cell_text(values[column.index])

    def texts(self, values: Sequence[object], base: str, plain_language: str) -> dict[str, tuple[str, str]]:
        """Return language -> (text, header) for a translatable column; translated beats plain."""
        found: dict[str, tuple[str, str]] = {}
        plain = self.columns.get(base)
        if plain is not None and plain.index < len(values):
            found[plain_language] = (cell_text(values[plain.index]), plain.header)
        for column in self.translated.get(base, ()):
            text = cell_text(values[column.index]) if column.index < len(values) else ""
            if text or column.language not in found:
                found[column.language] = (text, column.header)
        return found


TRANSLATABLE = frozenset({"label", "hint", "form_title", "description"})
HEADER_ALIASES = {"list name": "list_name", "list-name": "list_name"}


# --- reading ------------------------------------------------------------------------------


NOT_A_WORKBOOK = gettext_noop(
    "This is not an Excel workbook (.xlsx), or it is damaged. Save it from Excel or KoBoToolbox as .xlsx and try again."
)
ROW_LIMITS = {SURVEY: MAX_SURVEY_ROWS, CHOICES: MAX_CHOICE_ROWS, SETTINGS: 1}


def _file_error(template: str) -> XLSFormError:
    return XLSFormError([XLSFormProblem(None, None, None, message(template))])


def _load_sheets(file: BinaryIO) -> dict[str, _Sheet]:
    """Read the three XLSForm sheets into plain rows, refusing what is not a sane .xlsx file."""
    data = file.read()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise _file_error(NOT_A_WORKBOOK) from None
    # zipfile never unpacks more than a member's declared size, so this bounds what reading costs.
    if unpacked > MAX_UNPACKED_BYTES:
        raise _file_error(gettext_noop("The workbook is too large once unpacked."))
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            sheets: dict[str, _Sheet] = {}
            for worksheet in book.worksheets:
                name = str(worksheet.title).strip().lower()
                if name in ROW_LIMITS and name not in sheets:
                    sheets[name] = _read_sheet(worksheet, name)
            return sheets
        finally:
            book.close()
    except XLSFormError:
        raise
    except Exception:  # noqa: BLE001 - openpyxl raises many types (KeyError, ValueError, XML errors) on damaged files
        raise _file_error(NOT_A_WORKBOOK) from None


def _read_sheet(worksheet, name: str) -> _Sheet:
    limit = ROW_LIMITS[name]
    rows = []
    for number, values in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
        if number > limit + 1:
            if name == SETTINGS:
                break  # the settings are one row under the header; anything below is ignored
            problem = message(gettext_noop("The “{sheet}” sheet has more than {limit} rows."), sheet=name, limit=limit)
            raise XLSFormError([XLSFormProblem(name, number, None, problem)])
        if any(value not in (None, "") for value in values):
            rows.append((number, tuple(values)))
    return _Sheet(name, tuple(rows))


def read_xlsform(file: BinaryIO) -> SurveySpec:
    """Return the questionnaire in an XLSForm workbook; raise XLSFormError listing every problem."""
    reader = _Reader(_load_sheets(file))
    spec = reader.read()
    # Questionnaire rules are checked once the workbook's structure reads cleanly: before that,
    # they would mostly repeat the structural problems in other words.
    problems = reader.problems or [reader.locate(problem) for problem in validate_survey(spec, for_publish=False)]
    if problems:
        raise XLSFormError(sorted(problems, key=_reading_order))
    return spec


def _reading_order(problem: XLSFormProblem) -> tuple[int, int]:
    return SHEET_ORDER.get(problem.sheet, 0), problem.row or 0


SHEET_ORDER = {None: 0, SURVEY: 1, CHOICES: 2, SETTINGS: 3}


@dataclass
class _QuestionDraft:
    row: int
    key: str
    type: QuestionType
    text: Text
    help_text: Text
    required: bool
    choices: tuple[ChoiceSpec, ...] = ()
    rows: list[ChoiceSpec] = field(default_factory=list)
    row_numbers: dict[str, int] = field(default_factory=dict)
    min_value: float | None = None
    max_value: float | None = None
    allow_not_applicable: bool = False
    randomize_choices: bool = False
    role: RoleSpec | None = None
    relevant: str = ""
    logic: Logic | None = None


@dataclass
class _PageDraft:
    row: int
    key: str
    title: Text = field(default_factory=Text)
    relevant: str = ""
    randomize_questions: bool = False
    questions: list[_QuestionDraft] = field(default_factory=list)
    logic: Logic | None = None


@dataclass
class _Frame:
    kind: str  # "group" (a page), "nested" (refused group inside a group) or "repeat"
    row: int


class _Reader:
    def __init__(self, sheets: Mapping[str, _Sheet]) -> None:
        self.sheets = sheets
        self.problems: list[XLSFormProblem] = []
        self.question_rows: dict[str, int] = {}
        self.page_rows: dict[str, int] = {}
        self.plain_language = "vi"
        self.settings_row = 2

    def problem(self, sheet: str, row: int | None, column: str | None, template: str, /, **params: object) -> None:
        self.problems.append(XLSFormProblem(sheet, row, column, message(template, **params)))

    # -- headers and languages

    def table(self, sheet: _Sheet) -> _Table:
        table = _Table(sheet.name)
        if not sheet.rows or sheet.rows[0][0] != 1:
            return table
        seen: set[str] = set()
        for index, raw in enumerate(sheet.rows[0][1]):
            header = cell_text(raw)
            if not header:
                continue
            base, sep, language_part = header.partition("::")
            base = HEADER_ALIASES.get(base.strip().lower(), base.strip().lower())
            if not sep:
                key = base
                if key in seen:
                    self.problem(sheet.name, 1, header, DUPLICATE_COLUMN, column=header)
                    continue
                seen.add(key)
                table.columns[base] = _Column(index, header, base, None)
                continue
            if base not in TRANSLATABLE:
                continue  # media::image::English (en) and other translated extras are not imported
            code = language_code(language_part)
            if code is None:
                self.problem(
                    sheet.name,
                    1,
                    header,
                    UNSUPPORTED_LANGUAGE,
                    language=language_part.strip(),
                )
                continue
            key = f"{base}::{code}"
            if key in seen:
                self.problem(sheet.name, 1, header, DUPLICATE_COLUMN, column=header)
                continue
            seen.add(key)
            table.translated.setdefault(base, []).append(_Column(index, header, base, code))
        return table

    def languages_of(self, sheet: _Sheet, table: _Table, bases: Sequence[str]) -> list[str]:
        """Return the languages of a sheet's text columns, in column order.

        A plain column (no "::language") is in the default language; it counts when it holds
        text or when the sheet has no translated column beside it.
        """
        columns = []
        for base in bases:
            translated = table.translated.get(base, [])
            columns.extend(translated)
            plain = table.columns.get(base)
            if plain is not None and (not translated or _has_content(sheet, plain)):
                columns.append(plain)
        return [column.language or self.plain_language for column in sorted(columns, key=lambda c: c.index)]

    # -- the whole workbook

    def read(self) -> SurveySpec:
        survey_sheet = self.sheets.get(SURVEY)
        choices_sheet = self.sheets.get(CHOICES, _Sheet(CHOICES, ()))
        settings_sheet = self.sheets.get(SETTINGS, _Sheet(SETTINGS, ()))
        if survey_sheet is None:
            self.problem(SURVEY, None, None, gettext_noop("The workbook has no “survey” sheet."))
            survey_sheet = _Sheet(SURVEY, ())
        survey = self.table(survey_sheet)
        choices = self.table(choices_sheet)
        settings = self.table(settings_sheet)
        settings_values = settings_sheet.rows[1][1] if len(settings_sheet.rows) > 1 else ()
        settings_row = settings_sheet.rows[1][0] if len(settings_sheet.rows) > 1 else 2
        self.settings_row = settings_row

        declared = settings.value(settings_values, "default_language")
        declared_code = None
        if declared:
            declared_code = language_code(declared)
            if declared_code is None:
                self.problem(
                    SETTINGS,
                    settings_row,
                    "default_language",
                    UNSUPPORTED_LANGUAGE,
                    language=declared,
                )
        self.plain_language = declared_code or "vi"
        languages = [
            *self.languages_of(survey_sheet, survey, ("label", "hint")),
            *self.languages_of(choices_sheet, choices, ("label",)),
            *self.languages_of(settings_sheet, settings, ("form_title", "description")),
        ]
        languages = list(dict.fromkeys(languages)) or [self.plain_language]
        default_language = declared_code or ("vi" if "vi" in languages else languages[0])

        title = self.settings_text(settings, settings_values, settings_row, "form_title")
        if title.is_empty() and not settings.has("form_title"):
            title = Text.from_value({self.plain_language: settings.value(settings_values, "form_id")})
        description = self.settings_text(settings, settings_values, settings_row, "description")
        lists = self.read_choices(choices_sheet, choices, languages)
        pages = self.read_survey(survey_sheet, survey, lists, languages)
        return SurveySpec(
            title=title,
            description=description,
            languages=tuple(languages),
            default_language=default_language,
            pages=pages,
        )

    def settings_text(self, table: _Table, values: Sequence[object], row: int, base: str) -> Text:
        texts = table.texts(values, base, self.plain_language)
        limit = TITLE_LIMIT if base == "form_title" else DESCRIPTION_LIMIT
        for text, header in texts.values():
            self.check_length(SETTINGS, row, header, text, limit)
        return Text.from_value({language: text for language, (text, _) in texts.items()})

    def check_length(self, sheet: str, row: int, column: str, text: str, limit: int) -> None:
        if len(text) > limit:
            self.problem(sheet, row, column, gettext_noop("This text has at most {limit} characters."), limit=limit)

    def text(
        self, table: _Table, values: Sequence[object], row: int, base: str, limit: int | None, *, pipes: bool = False
    ) -> Text:
        texts = table.texts(values, base, self.plain_language)
        if limit is not None:
            for text, header in texts.values():
                self.check_length(table.sheet, row, header, text, limit)
        convert = _pipes_from_xlsform if pipes else str
        return Text.from_value({language: convert(text) for language, (text, _) in texts.items()})

    # -- choices

    def read_choices(
        self, sheet: _Sheet, table: _Table, languages: Sequence[str]
    ) -> dict[str, list[tuple[int, ChoiceSpec]]]:
        lists: dict[str, list[tuple[int, ChoiceSpec]]] = {}
        if not sheet.rows:
            return lists
        missing = [name for name in ("list_name", "name") if name not in table.columns]
        for name in missing:
            self.problem(
                CHOICES,
                1,
                name,
                MISSING_COLUMN,
                sheet=CHOICES,
                column=name,
            )
        if missing:
            return lists
        first_rows: dict[tuple[str, str], int] = {}
        for number, values in sheet.rows[1:]:
            list_name = table.value(values, "list_name")
            name = table.value(values, "name")
            if not list_name and not name:
                continue
            if not list_name:
                self.problem(CHOICES, number, "list_name", gettext_noop("A choice needs the name of its list."))
                continue
            if not name:
                self.problem(CHOICES, number, "name", gettext_noop("A choice needs a name (its code)."))
                continue
            if not CHOICE_VALUE_PATTERN.match(name):
                self.problem(
                    CHOICES,
                    number,
                    "name",
                    INVALID_CODE,
                    value=name,
                )
                continue
            if (list_name, name) in first_rows:
                self.problem(
                    CHOICES,
                    number,
                    "name",
                    gettext_noop("Choice “{name}” appears twice in list “{list}” (first on row {row})."),
                    name=name,
                    list=list_name,
                    row=first_rows[(list_name, name)],
                )
                continue
            first_rows[(list_name, name)] = number
            is_exclusive = self.flag(CHOICES, number, "exclusive", table.value(values, "exclusive"))
            is_other = self.flag(CHOICES, number, "other", table.value(values, "other"))
            label = self.text(table, values, number, "label", CHOICE_LABEL_LIMIT)
            lists.setdefault(list_name, []).append(
                (number, ChoiceSpec(name, _only(label, languages), is_exclusive, is_other))
            )
        return lists

    def flag(self, sheet: str, row: int, column: str, value: str) -> bool:
        lowered = value.lower()
        if lowered in YES:
            return True
        if lowered not in NO:
            self.problem(sheet, row, column, gettext_noop("“{value}” is neither yes nor no."), value=value)
        return False

    # -- the survey sheet

    def read_survey(
        self,
        sheet: _Sheet,
        table: _Table,
        lists: Mapping[str, list[tuple[int, ChoiceSpec]]],
        languages: Sequence[str],
    ) -> tuple[PageSpec, ...]:
        if not sheet.rows:
            return ()
        missing = [name for name in ("type", "name") if name not in table.columns]
        for name in missing:
            self.problem(
                SURVEY,
                1,
                name,
                MISSING_COLUMN,
                sheet=SURVEY,
                column=name,
            )
        if missing:
            return ()
        pages: list[_PageDraft] = []
        stack: list[_Frame] = []
        loose: _PageDraft | None = None
        block: tuple[str, _QuestionDraft] | None = None  # ("score" | "rank", the matrix or ranking)
        questions: dict[str, _QuestionDraft] = {}

        def current_page(row: int) -> _PageDraft:
            nonlocal loose
            if any(frame.kind == "group" for frame in stack):
                return pages[-1]
            if loose is None:
                loose = _PageDraft(row, "")
                pages.append(loose)
            return loose

        def add_question(draft: _QuestionDraft) -> None:
            if not draft.key:
                return  # already refused for its missing name
            if draft.key in questions:
                self.problem(
                    SURVEY,
                    draft.row,
                    "name",
                    DUPLICATE_NAME,
                    name=draft.key,
                    row=questions[draft.key].row,
                )
                return
            questions[draft.key] = draft
            self.question_rows[draft.key] = draft.row
            current_page(draft.row).questions.append(draft)

        for number, values in sheet.rows[1:]:
            raw_type = table.value(values, "type")
            name = table.value(values, "name")
            if not raw_type:
                if name:
                    self.problem(SURVEY, number, "type", gettext_noop("Row “{name}” has no type."), name=name)
                continue
            words = _type_words(raw_type)
            kind = words[0]
            if block is not None:
                block_kind, draft = block
                if kind == f"end_{block_kind}":
                    add_question(draft)
                    block = None
                elif block_kind == "score" and kind == "score__row":
                    self.read_matrix_row(table, values, number, name, draft, languages)
                elif block_kind == "rank" and kind == "rank__level":
                    continue  # the levels ("1st choice" …) follow from the items; SoWhat ranks them all
                else:
                    self.problem(
                        SURVEY,
                        number,
                        "type",
                        gettext_noop("Only “{inner}” rows may appear between “begin_{block}” and “end_{block}”."),
                        inner="score__row" if block_kind == "score" else "rank__level",
                        block=block_kind,
                    )
                continue
            if kind in ("begin_group", "begin_repeat"):
                if kind == "begin_repeat":
                    self.problem(
                        SURVEY,
                        number,
                        "type",
                        gettext_noop("Repeated groups are not supported: SoWhat asks each question once."),
                    )
                    stack.append(_Frame("repeat", number))
                elif stack:
                    self.problem(
                        SURVEY,
                        number,
                        "type",
                        gettext_noop("A group inside a group is not supported: each group becomes one page."),
                    )
                    stack.append(_Frame("nested", number))
                else:
                    stack.append(_Frame("group", number))
                    pages.append(self.read_group(table, values, number, name, languages))
                    loose = None
                continue
            if kind in ("end_group", "end_repeat"):
                if not stack or (stack[-1].kind == "repeat") != (kind == "end_repeat"):
                    self.problem(
                        SURVEY,
                        number,
                        "type",
                        NO_MATCHING_BEGIN,
                        type=kind,
                        begin=kind.replace("end_", "begin_"),
                    )
                    if not stack:
                        continue
                if stack.pop().kind == "group":
                    loose = None
                continue
            if kind in ("end_score", "end_rank", "score__row", "rank__level"):
                self.problem(
                    SURVEY,
                    number,
                    "type",
                    NO_MATCHING_BEGIN,
                    type=kind,
                    begin="begin_score" if "score" in kind else "begin_rank",
                )
                continue
            if kind in METADATA_TYPES:
                continue
            draft = self.read_question(table, values, number, name, words, lists, languages)
            if draft is None:
                continue
            if kind in ("begin_score", "begin_rank"):
                block = (kind.removeprefix("begin_"), draft)
            else:
                add_question(draft)
        if block is not None:
            self.problem(
                SURVEY,
                block[1].row,
                "type",
                gettext_noop("This block is never closed with “end_{block}”."),
                block=block[0],
            )
        for frame in stack:
            self.problem(
                SURVEY,
                frame.row,
                "type",
                gettext_noop("This group is never closed with “{end}”."),
                end="end_repeat" if frame.kind == "repeat" else "end_group",
            )
        self.name_loose_pages(pages)
        self.resolve_logic(pages, questions)
        return tuple(
            PageSpec(
                key=page.key,
                title=page.title,
                questions=tuple(_question_spec(draft) for draft in page.questions),
                logic=page.logic,
                randomize_questions=page.randomize_questions,
            )
            for page in pages
        )

    def read_group(
        self, table: _Table, values: Sequence[object], number: int, name: str, languages: Sequence[str]
    ) -> _PageDraft:
        if not name:
            self.problem(SURVEY, number, "name", gettext_noop("A group needs a name (the page's key)."))
        elif not KEY_PATTERN.match(name):
            self.invalid_name(number, name)
        elif name in self.page_rows:
            self.problem(
                SURVEY,
                number,
                "name",
                DUPLICATE_NAME,
                name=name,
                row=self.page_rows[name],
            )
        else:
            self.page_rows[name] = number
        parameters = self.parameters(table, values, number)
        return _PageDraft(
            row=number,
            key=name,
            title=_only(self.text(table, values, number, "label", TITLE_LIMIT), languages),
            relevant=table.value(values, "relevant"),
            randomize_questions=_is_randomized(parameters),
        )

    def invalid_name(self, number: int, name: str) -> None:
        self.problem(
            SURVEY,
            number,
            "name",
            gettext_noop(
                "Name “{name}” must start with a letter or “_” and use only letters, digits and “_” (64 at most)."
            ),
            name=name,
        )

    def read_matrix_row(
        self,
        table: _Table,
        values: Sequence[object],
        number: int,
        name: str,
        draft: _QuestionDraft,
        languages: Sequence[str],
    ) -> None:
        if not name or not CHOICE_VALUE_PATTERN.match(name):
            self.problem(
                SURVEY,
                number,
                "name",
                INVALID_CODE,
                value=name,
            )
            return
        if name in draft.row_numbers:
            self.problem(
                SURVEY,
                number,
                "name",
                DUPLICATE_NAME,
                name=name,
                row=draft.row_numbers[name],
            )
            return
        draft.row_numbers[name] = number
        label = self.text(table, values, number, "label", CHOICE_LABEL_LIMIT)
        draft.rows.append(ChoiceSpec(name, _only(label, languages)))

    def parameters(self, table: _Table, values: Sequence[object], number: int) -> dict[str, str]:
        raw = table.value(values, "parameters")
        parsed = _parse_parameters(raw)
        if parsed is None:
            self.problem(
                SURVEY,
                number,
                "parameters",
                gettext_noop("Cannot read the parameters “{value}”; write them as “start=1 end=5 step=1”."),
                value=raw,
            )
            return {}
        return parsed

    def read_question(
        self,
        table: _Table,
        values: Sequence[object],
        number: int,
        name: str,
        words: Sequence[str],
        lists: Mapping[str, list[tuple[int, ChoiceSpec]]],
        languages: Sequence[str],
    ) -> _QuestionDraft | None:
        kind = words[0]
        if kind in UNSUPPORTED_TYPES or (kind.startswith(("begin_", "end_")) and kind not in QUESTION_TYPES):
            self.problem(
                SURVEY,
                number,
                "type",
                gettext_noop("Question type “{type}” is not supported by SoWhat."),
                type=kind,
            )
            return None
        if kind not in QUESTION_TYPES or (len(words) > 1 and kind not in LIST_TYPES):
            self.problem(SURVEY, number, "type", UNKNOWN_TYPE, type=" ".join(words))
            return None
        if not name:
            self.problem(SURVEY, number, "name", gettext_noop("A question needs a name (its key)."))
        elif not KEY_PATTERN.match(name):
            self.invalid_name(number, name)
        if table.value(values, "choice_filter"):
            self.problem(
                SURVEY,
                number,
                "choice_filter",
                gettext_noop("Cascading choices (choice_filter) are not supported."),
            )
        role = None
        raw_role = table.value(values, "role")
        if raw_role:
            try:
                role = RoleSpec.parse(raw_role)
            except ValueError:
                self.problem(
                    SURVEY,
                    number,
                    "role",
                    gettext_noop("Role “{value}” must look like “demographic:age” or “kpi:nps”."),
                    value=raw_role,
                )
        sowhat_type = table.value(values, "sowhat_type").lower()
        if sowhat_type not in ("", "rating", "nps"):
            self.problem(
                SURVEY,
                number,
                "sowhat_type",
                gettext_noop("Unknown SoWhat type “{value}”: use “rating” or “nps”."),
                value=sowhat_type,
            )
            sowhat_type = ""
        elif sowhat_type and not (kind == "range" or (kind == "select_one" and sowhat_type == "rating")):
            self.problem(
                SURVEY,
                number,
                "sowhat_type",
                gettext_noop("SoWhat type “{value}” does not fit a “{type}” question."),
                value=sowhat_type,
                type=kind,
            )
        appearance = table.value(values, "appearance").lower().split()
        parameters = self.parameters(table, values, number)
        draft = _QuestionDraft(
            row=number,
            key=name,
            type=QuestionType.SHORT_TEXT,
            text=_only(self.text(table, values, number, "label", None, pipes=True), languages),
            help_text=_only(self.text(table, values, number, "hint", HINT_LIMIT, pipes=True), languages),
            required=self.flag(SURVEY, number, "required", table.value(values, "required")),
            allow_not_applicable=self.flag(SURVEY, number, "not_applicable", table.value(values, "not_applicable")),
            role=role,
            relevant=table.value(values, "relevant"),
        )
        if kind in LIST_TYPES:
            extra = list(words[2:])
            or_other = extra == ["or_other"] and kind != "rank"
            if len(words) < 2 or (extra and not or_other):
                self.problem(
                    SURVEY,
                    number,
                    "type",
                    gettext_noop(
                        "Write “{type} LIST” (or “{type} LIST or_other”), naming a list of the choices sheet."
                    ),
                    type=kind,
                )
                return None
            list_name = words[1]
            draft.type = {
                "select_one": QuestionType.SINGLE_CHOICE,
                "select_multiple": QuestionType.MULTIPLE_CHOICE,
                "rank": QuestionType.RANKING,
            }[kind]
            if sowhat_type == "rating" and kind == "select_one":
                draft.type = QuestionType.RATING
            draft.randomize_choices = _is_randomized(parameters)
            choices = self.choice_list(number, list_name, lists)
            if or_other:
                if any(choice.value == "other" for choice in choices):
                    self.problem(
                        SURVEY,
                        number,
                        "type",
                        gettext_noop("List “{list}” already has a choice “other”; drop “or_other”."),
                        list=list_name,
                    )
                choices += (ChoiceSpec("other", _only(Text.from_value(OTHER_LABELS), languages), is_other=True),)
            draft.choices = choices
        elif kind in ("begin_score", "begin_rank"):
            column = "kobo--score-choices" if kind == "begin_score" else "kobo--rank-items"
            list_name = table.value(values, column)
            draft.type = QuestionType.MATRIX if kind == "begin_score" else QuestionType.RANKING
            draft.randomize_choices = _is_randomized(parameters)
            if not list_name:
                self.problem(
                    SURVEY,
                    number,
                    column,
                    gettext_noop("“{type}” needs the name of its choice list in the “{column}” column."),
                    type=kind,
                    column=column,
                )
            else:
                draft.choices = self.choice_list(number, list_name, lists, column=column)
        elif kind in ("integer", "int", "decimal"):
            draft.type = QuestionType.NUMBER
        elif kind in ("text", "string"):
            draft.type = QuestionType.LONG_TEXT if "multiline" in appearance else QuestionType.SHORT_TEXT
        elif kind == "date":
            draft.type = QuestionType.DATE
        elif kind == "range":
            self.read_range(draft, number, parameters, sowhat_type, role)
        constraint = table.value(values, "constraint")
        if constraint:
            bounds = _parse_bounds(constraint) if draft.type == QuestionType.NUMBER else None
            if bounds is None:
                self.problem(
                    SURVEY,
                    number,
                    "constraint",
                    gettext_noop(
                        "Only the bounds of a number can be imported from a constraint, "
                        "written like “. >= 0 and . <= 120”."
                    ),
                )
            else:
                draft.min_value, draft.max_value = bounds
        # A draft with problems is still returned: its name keeps later rows' checks meaningful.
        return draft

    def choice_list(
        self,
        number: int,
        list_name: str,
        lists: Mapping[str, list[tuple[int, ChoiceSpec]]],
        *,
        column: str = "type",
    ) -> tuple[ChoiceSpec, ...]:
        if list_name not in lists:
            self.problem(
                SURVEY,
                number,
                column,
                gettext_noop("List “{list}” has no choices on the choices sheet."),
                list=list_name,
            )
            return ()
        return tuple(choice for _, choice in lists[list_name])

    def read_range(
        self,
        draft: _QuestionDraft,
        number: int,
        parameters: Mapping[str, str],
        sowhat_type: str,
        role: RoleSpec | None,
    ) -> None:
        try:
            start, end, step = (Decimal(parameters.get(name, default)) for name, default in RANGE_DEFAULTS)
        except InvalidOperation:
            start = end = step = Decimal("NaN")
        if not all(value.is_finite() and abs(value) <= MAX_RANGE_MAGNITUDE for value in (start, end, step)) or any(
            value.as_tuple().exponent < -6 for value in (start, end, step)
        ):
            self.problem(
                SURVEY,
                number,
                "parameters",
                gettext_noop(
                    "Range parameters must be numbers between -1000000 and 1000000 "
                    "with at most six decimals, like “start=1 end=5 step=1”."
                ),
            )
            return
        if step <= 0 or end < start:
            self.problem(
                SURVEY,
                number,
                "parameters",
                gettext_noop("A range needs a positive step and an end that is not below its start."),
            )
            return
        count = int((end - start) / step) + 1
        if count > MAX_RANGE_POINTS:
            self.problem(
                SURVEY,
                number,
                "parameters",
                gettext_noop("A range has at most {limit} points."),
                limit=MAX_RANGE_POINTS,
            )
            return
        is_nps_scale = (start, end, step) == (0, 10, 1)
        nps_role = role == RoleSpec(RoleKind.KPI, "nps")
        if sowhat_type == "nps" or (not sowhat_type and is_nps_scale and nps_role):
            if not is_nps_scale:
                self.problem(
                    SURVEY,
                    number,
                    "parameters",
                    gettext_noop("An NPS question is a range from 0 to 10 in steps of 1."),
                )
                return
            draft.type = QuestionType.NPS
            return
        draft.type = QuestionType.RATING
        draft.choices = tuple(ChoiceSpec(_decimal_text(start + index * step)) for index in range(count))

    # -- display logic

    def name_loose_pages(self, pages: list[_PageDraft]) -> None:
        taken = set(self.page_rows)
        counter = 0
        for page in pages:
            if page.key:
                continue
            counter += 1
            while f"p{counter}" in taken:
                counter += 1
            page.key = f"p{counter}"
            taken.add(page.key)
            self.page_rows.setdefault(page.key, page.questions[0].row if page.questions else page.row)

    def resolve_logic(self, pages: Sequence[_PageDraft], questions: Mapping[str, _QuestionDraft]) -> None:
        types = {key: draft.type for key, draft in questions.items()}
        for page in pages:
            if page.relevant:
                page.logic = self.logic(page.relevant, page.row, types)
            for draft in page.questions:
                if draft.relevant:
                    draft.logic = self.logic(draft.relevant, draft.row, types)

    def logic(self, expression: str, number: int, types: Mapping[str, QuestionType]) -> Logic | None:
        try:
            return parse_relevant(expression, types)
        except RelevantError as error:
            self.problems.append(XLSFormProblem(SURVEY, number, "relevant", error.message))
            return None

    # -- validation problems back to cells

    def locate(self, problem: Problem) -> XLSFormProblem:
        """Return a questionnaire problem at the cell it comes from."""
        parts = problem.path.split(".")
        if parts[0] == "questions" and len(parts) > 1 and parts[1] in self.question_rows:
            column = PROBLEM_COLUMNS.get(problem.code) or QUESTION_PATH_COLUMNS.get(
                parts[2] if len(parts) > 2 else "", "type"
            )
            return XLSFormProblem(SURVEY, self.question_rows[parts[1]], column, problem.message)
        if parts[0] == "pages" and len(parts) > 1 and parts[1] in self.page_rows:
            column = "relevant" if len(parts) > 2 and parts[2] == "logic" else "name"
            return XLSFormProblem(SURVEY, self.page_rows[parts[1]], column, problem.message)
        if parts[0] in ("title", "description"):
            column = "form_title" if parts[0] == "title" else "description"
            return XLSFormProblem(SETTINGS, self.settings_row, column, problem.message)
        if parts[0] in ("languages", "default_language"):
            return XLSFormProblem(SETTINGS, self.settings_row, "default_language", problem.message)
        return XLSFormProblem(SURVEY, None, None, problem.message)


RANGE_DEFAULTS = (("start", "1"), ("end", "10"), ("step", "1"))
LIST_TYPES = frozenset({"select_one", "select_multiple", "rank"})
QUESTION_TYPES = LIST_TYPES | {
    "begin_score",
    "begin_rank",
    "integer",
    "int",
    "decimal",
    "text",
    "string",
    "date",
    "range",
}
PROBLEM_COLUMNS = {
    "min_above_max": "constraint",
    "bounds_not_allowed": "constraint",
    "not_applicable_not_allowed": "not_applicable",
}
QUESTION_PATH_COLUMNS = {"text": "label", "logic": "relevant", "key": "name", "choices": "type", "rows": "type"}


def _has_content(sheet: _Sheet, column: _Column) -> bool:
    return any(column.index < len(values) and cell_text(values[column.index]) for _, values in sheet.rows[1:])


def _type_words(raw: str) -> list[str]:
    words = raw.split()
    # pyxform accepts "begin group", "select one" and friends as well as the underscored forms.
    if len(words) > 1 and f"{words[0]} {words[1]}".lower() in TWO_WORD_TYPES:
        words = [f"{words[0]}_{words[1]}", *words[2:]]
    words[0] = words[0].lower()
    return words


TWO_WORD_TYPES = frozenset({"begin group", "end group", "begin repeat", "end repeat", "select one", "select multiple"})


def _only(text: Text, languages: Sequence[str]) -> Text:
    return Text.from_value({language: getattr(text, language) for language in languages})


def _is_randomized(parameters: Mapping[str, str]) -> bool:
    return parameters.get("randomize", "").lower() in ("true", "yes", "1", "true()")


def _parse_parameters(raw: str) -> dict[str, str] | None:
    if not raw:
        return {}
    parsed: dict[str, str] = {}
    for item in re.split(r"[\s;,]+", re.sub(r"\s*=\s*", "=", raw.strip())):
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            return None
        parsed[key.lower()] = value
    return parsed


NUMBER = r"-?(?:\d+(?:\.\d+)?|\.\d+)"
BOUND_PATTERN = re.compile(rf"^\s*\.\s*(>=|<=)\s*({NUMBER})\s*$")


def _parse_bounds(constraint: str) -> tuple[float | None, float | None] | None:
    """Return (minimum, maximum) from ". >= a and . <= b" (either part alone), else None."""
    minimum = maximum = None
    for part in re.split(r"\s+and\s+", constraint.strip()):
        match = BOUND_PATTERN.match(part)
        if match is None:
            return None
        value = float(match.group(2))
        if match.group(1) == ">=":
            if minimum is not None:
                return None
            minimum = value
        else:
            if maximum is not None:
                return None
            maximum = value
    return minimum, maximum


def _decimal_text(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _number_text(value: float | int) -> str:
    """Return a number as XPath reads it: positional, never "1e+20"; a float keeps its point."""
    if isinstance(value, int):
        return str(value)
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else f"{text}.0"


def _bound_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else _number_text(value)


def _pipes_from_xlsform(text: str) -> str:
    return XLSFORM_PIPE_PATTERN.sub(lambda match: "{{" + match.group(1) + "}}", text)


def _pipes_to_xlsform(text: str) -> str:
    return PIPE_PATTERN.sub(lambda match: "${" + match.group(1) + "}", text)


XLSFORM_PIPE_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _question_spec(draft: _QuestionDraft) -> QuestionSpec:
    return QuestionSpec(
        key=draft.key,
        type=draft.type,
        text=draft.text,
        help_text=draft.help_text,
        required=draft.required,
        choices=draft.choices,
        rows=tuple(draft.rows),
        min_value=draft.min_value,
        max_value=draft.max_value,
        allow_not_applicable=draft.allow_not_applicable,
        randomize_choices=draft.randomize_choices,
        role=draft.role,
        logic=draft.logic,
    )


# --- relevant expressions -----------------------------------------------------------------


class RelevantError(ValueError):
    """A ``relevant`` expression SoWhat cannot turn into display logic."""

    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.render())


def _unreadable(expression: str) -> RelevantError:
    return RelevantError(
        message(
            gettext_noop(
                "Cannot read the condition “{expression}”. SoWhat understands ${{q}} = 'a', ${{q}} != 'a', "
                "selected(${{q}}, 'a'), not(selected(${{q}}, 'a')), comparisons such as ${{q}} > 3, "
                "${{q}} != '' (answered) and ${{q}} = '' (not answered), joined all by “and” or all by “or”."
            ),
            expression=expression,
        )
    )


TOKEN_PATTERN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{[^}]*\})
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<number>\d+(?:\.\d+)?|\.\d+)
    | (?P<op>!=|>=|<=|=|>|<)
    | (?P<punct>[(),\-])
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-.:]*)
    )""",
    re.VERBOSE,
)
COMPARISONS = {
    "=": Operator.EQUALS,
    "!=": Operator.NOT_EQUALS,
    ">": Operator.GT,
    ">=": Operator.GTE,
    "<": Operator.LT,
    "<=": Operator.LTE,
}
SYMBOLS = {operator: symbol for symbol, operator in COMPARISONS.items()}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str


def _tokenize(expression: str) -> list[_Token]:
    tokens = []
    position = 0
    stripped = expression.rstrip()
    while position < len(stripped):
        match = TOKEN_PATTERN.match(stripped, position)
        if match is None or match.end() == position:
            raise _unreadable(expression)
        kind = match.lastgroup or ""
        tokens.append(_Token(kind, match.group(kind)))
        position = match.end()
    return tokens


class _RelevantParser:
    def __init__(self, expression: str, types: Mapping[str, QuestionType]) -> None:
        self.expression = expression
        self.types = types
        self.tokens = _tokenize(expression)
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str, text: str | None = None) -> _Token:
        token = self.peek()
        if token is None or token.kind != kind or (text is not None and token.text != text):
            raise _unreadable(self.expression)
        self.position += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def parse(self) -> Logic:
        conditions = [self.term()]
        connectors: set[str] = set()
        while self.at("word", "and") or self.at("word", "or"):
            connectors.add(self.take("word").text)
            conditions.append(self.term())
        if self.peek() is not None:
            raise _unreadable(self.expression)
        if len(connectors) > 1:
            raise RelevantError(
                message(
                    gettext_noop(
                        "The condition “{expression}” mixes “and” with “or”; SoWhat joins conditions "
                        "all by “and” or all by “or”."
                    ),
                    expression=self.expression,
                )
            )
        return Logic(tuple(conditions), "any" if connectors == {"or"} else "all")

    def reference(self) -> tuple[str, QuestionType]:
        text = self.take("ref").text
        key = text[2:-1].strip()
        if key not in self.types:
            raise RelevantError(
                message(
                    gettext_noop("The condition refers to ${{{key}}}, which is not a question of this form."),
                    key=key,
                )
            )
        return key, self.types[key]

    def literal(self) -> str | int | float:
        token = self.peek()
        if token is None:
            raise _unreadable(self.expression)
        if token.kind == "string":
            self.position += 1
            return token.text[1:-1]
        if token.kind == "number" or (token.kind == "punct" and token.text == "-"):
            negative = token.kind == "punct"
            if negative:
                self.position += 1
            text = ("-" if negative else "") + self.take("number").text
            try:
                return float(text) if "." in text else int(text)
            except ValueError:  # an integer too long for Python to convert
                raise _unreadable(self.expression) from None
        if token.kind == "word" and token.text in ("concat", "date"):
            self.position += 1
            self.take("punct", "(")
            parts = [self.take("string").text[1:-1]]
            while token.text == "concat" and self.at("punct", ","):
                self.take("punct", ",")
                parts.append(self.take("string").text[1:-1])
            self.take("punct", ")")
            return "".join(parts)
        raise _unreadable(self.expression)

    def comparison(self) -> Condition:
        key, _ = self.reference()
        symbol = self.take("op").text
        value = self.literal()
        if value == "":
            if symbol not in ("=", "!="):
                raise _unreadable(self.expression)
            return Condition(key, Operator.NOT_ANSWERED if symbol == "=" else Operator.ANSWERED)
        return Condition(key, COMPARISONS[symbol], value)

    def selected(self, *, negated: bool) -> Condition:
        self.take("word", "selected")
        self.take("punct", "(")
        key, question_type = self.reference()
        self.take("punct", ",")
        value = self.literal()
        self.take("punct", ")")
        if question_type == QuestionType.SINGLE_CHOICE:
            return Condition(key, Operator.NOT_EQUALS if negated else Operator.EQUALS, value)
        return Condition(key, Operator.EXCLUDES if negated else Operator.INCLUDES, value)

    def one_of(self, *, negated: bool) -> Condition:
        """Read ``${q} = 'a' or ${q} = 'b'`` inside parentheses: any of (or, negated, none of) the values."""
        keys, values = set(), []
        while True:
            condition = self.comparison()
            if condition.operator != Operator.EQUALS:
                raise _unreadable(self.expression)
            keys.add(condition.question)
            values.append(str(condition.value))
            if not self.at("word", "or"):
                break
            self.take("word", "or")
        if len(keys) != 1:
            raise _unreadable(self.expression)
        return Condition(keys.pop(), Operator.NONE_OF if negated else Operator.ANY_OF, tuple(values))

    def term(self) -> Condition:
        if self.at("word", "not"):
            self.take("word", "not")
            self.take("punct", "(")
            condition = self.selected(negated=True) if self.at("word", "selected") else self.one_of(negated=True)
            self.take("punct", ")")
            return condition
        if self.at("word", "selected"):
            return self.selected(negated=False)
        if self.at("punct", "("):
            self.take("punct", "(")
            condition = self.one_of(negated=False)
            self.take("punct", ")")
            return condition
        return self.comparison()


def parse_relevant(expression: str, types: Mapping[str, QuestionType]) -> Logic:
    """Return the display logic an XLSForm ``relevant`` expression states; raise RelevantError.

    Understood: ``${q} = 'a'``, ``${q} != 'a'``, ``${q} > 3`` (and >=, <, <=; numbers, strings,
    ``date('2024-01-31')``), ``selected(${q}, 'a')``, ``not(selected(${q}, 'a'))``, ``${q} != ''``
    (answered), ``${q} = ''`` (not answered), ``(${q} = 'a' or ${q} = 'b')`` (any of) and
    ``not(${q} = 'a' or ${q} = 'b')`` (none of), joined all by ``and`` or all by ``or``. ``types``
    gives each question's type, since ``selected()`` on a single choice is plain equality.
    """
    return _RelevantParser(expression, types).parse()


def _literal(value: object, question_type: QuestionType | None) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value)
    text = str(value)
    if question_type == QuestionType.DATE and re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        return f"date('{text}')"
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    # XPath 1.0 strings have no escapes: a text with both quote marks is glued together.
    pieces = text.split("'")
    return "concat(" + ', "\'", '.join(f"'{piece}'" for piece in pieces) + ")"


def format_relevant(logic: Logic, types: Mapping[str, QuestionType]) -> str:
    """Return ``logic`` as an XLSForm ``relevant`` expression that ``parse_relevant`` reads back."""
    parts = []
    for condition in logic.conditions:
        reference = "${" + condition.question + "}"
        question_type = types.get(condition.question)
        operator = condition.operator
        if operator == Operator.ANSWERED:
            parts.append(f"{reference} != ''")
        elif operator == Operator.NOT_ANSWERED:
            parts.append(f"{reference} = ''")
        elif operator in (Operator.INCLUDES, Operator.EXCLUDES):
            test = f"selected({reference}, {_literal(condition.value, question_type)})"
            parts.append(test if operator == Operator.INCLUDES else f"not({test})")
        elif operator in (Operator.ANY_OF, Operator.NONE_OF):
            values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
            joined = " or ".join(f"{reference} = {_literal(value, question_type)}" for value in values)
            parts.append(f"({joined})" if operator == Operator.ANY_OF else f"not({joined})")
        else:
            parts.append(f"{reference} {SYMBOLS[operator]} {_literal(condition.value, question_type)}")
    return (" or " if logic.match == "any" else " and ").join(parts)


# --- writing ------------------------------------------------------------------------------


def _safe(text: str) -> str:
    # XML cannot hold most control characters; openpyxl refuses them rather than write a bad file.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _header(base: str, language: str) -> str:
    return f"{base}::{LANGUAGE_HEADERS[language]}"


def _form_id(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title.replace("đ", "d").replace("Đ", "D"))
    ascii_title = "".join(character for character in ascii_title if not unicodedata.combining(character))
    slug = re.sub(r"[^A-Za-z0-9]+", "_", ascii_title).strip("_").lower()[:40]
    return slug if slug and not slug[0].isdigit() else f"survey_{slug}".rstrip("_")


def _range_parameters(question: QuestionSpec) -> str | None:
    """Return "start=… end=… step=…" when the rating's points are exactly such a range."""
    if question.randomize_choices or len(question.choices) < 2:
        return None
    if any(not choice.label.is_empty() or choice.is_exclusive or choice.is_other for choice in question.choices):
        return None
    try:
        points = [Decimal(choice.value) for choice in question.choices]
    except InvalidOperation:
        return None
    if not all(point.is_finite() for point in points):
        return None
    start, step = points[0], points[1] - points[0]
    if step <= 0:
        return None
    expected = [_decimal_text(start + index * step) for index in range(len(points))]
    if expected != [choice.value for choice in question.choices]:
        return None
    parameters = {"start": start, "end": points[-1], "step": step}
    if any(abs(value) > MAX_RANGE_MAGNITUDE or value.as_tuple().exponent < -6 for value in parameters.values()):
        return None
    return " ".join(f"{name}={_decimal_text(value)}" for name, value in parameters.items())


class _Writer:
    def __init__(self, spec: SurveySpec) -> None:
        self.spec = spec
        self.languages = [language for language in spec.languages if language in LANGUAGES] or ["vi"]
        self.types = {question.key: question.type for question in spec.questions()}
        self.survey_rows: list[dict[str, str]] = []
        self.choice_rows: list[dict[str, str]] = []

    def texts(self, row: dict[str, str], base: str, text: Text, *, pipes: bool = False) -> None:
        for language in self.languages:
            value = getattr(text, language)
            row[_header(base, language)] = _pipes_to_xlsform(value) if pipes else value

    def choices(self, list_name: str, choices: Sequence[ChoiceSpec]) -> None:
        for choice in choices:
            row = {"list_name": list_name, "name": choice.value}
            self.texts(row, "label", choice.label)
            if choice.is_exclusive:
                row["exclusive"] = "yes"
            if choice.is_other:
                row["other"] = "yes"
            self.choice_rows.append(row)

    def question(self, question: QuestionSpec) -> None:
        row = {"name": question.key}
        self.texts(row, "label", question.text, pipes=True)
        self.texts(row, "hint", question.help_text, pipes=True)
        if question.required:
            row["required"] = "yes"
        if question.logic is not None and question.logic.conditions:
            row["relevant"] = format_relevant(question.logic, self.types)
        if question.role is not None:
            row["role"] = question.role.to_string()
        if question.allow_not_applicable:
            row["not_applicable"] = "yes"
        randomize = {"parameters": "randomize=true"} if question.randomize_choices else {}
        kind = question.type
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.RANKING):
            prefix = {
                QuestionType.SINGLE_CHOICE: "select_one",
                QuestionType.MULTIPLE_CHOICE: "select_multiple",
                QuestionType.RANKING: "rank",
            }[kind]
            row |= {"type": f"{prefix} {question.key}", **randomize}
            self.choices(question.key, question.choices)
        elif kind == QuestionType.RATING:
            parameters = _range_parameters(question)
            row["sowhat_type"] = "rating"
            if parameters is not None:
                row |= {"type": "range", "parameters": parameters}
            else:
                row |= {"type": f"select_one {question.key}", "appearance": "likert", **randomize}
                self.choices(question.key, question.choices)
        elif kind == QuestionType.NPS:
            row |= {"type": "range", "parameters": "start=0 end=10 step=1", "sowhat_type": "nps"}
        elif kind == QuestionType.NUMBER:
            row["type"] = "decimal"
            bounds = []
            if question.min_value is not None:
                bounds.append(f". >= {_bound_text(question.min_value)}")
            if question.max_value is not None:
                bounds.append(f". <= {_bound_text(question.max_value)}")
            if bounds:
                row["constraint"] = " and ".join(bounds)
        elif kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
            row["type"] = "text"
            if kind == QuestionType.LONG_TEXT:
                row["appearance"] = "multiline"
        elif kind == QuestionType.DATE:
            row["type"] = "date"
        elif kind == QuestionType.MATRIX:
            row |= {"type": "begin_score", "kobo--score-choices": question.key, **randomize}
            self.survey_rows.append(row)
            self.choices(question.key, question.choices)
            for matrix_row in question.rows:
                inner = {"type": "score__row", "name": matrix_row.value}
                self.texts(inner, "label", matrix_row.label)
                self.survey_rows.append(inner)
            self.survey_rows.append({"type": "end_score"})
            return
        self.survey_rows.append(row)

    def page(self, page: PageSpec) -> None:
        row = {"type": "begin_group", "name": page.key}
        self.texts(row, "label", page.title)
        if page.logic is not None and page.logic.conditions:
            row["relevant"] = format_relevant(page.logic, self.types)
        if page.randomize_questions:
            row["parameters"] = "randomize=true"
        self.survey_rows.append(row)
        for question in page.questions:
            self.question(question)
        self.survey_rows.append({"type": "end_group"})

    def settings_row(self) -> dict[str, str]:
        default = self.spec.default_language if self.spec.default_language in self.languages else self.languages[0]
        row = {"form_title": getattr(self.spec.title, default)}
        for language in self.languages:
            if language != default:
                row[f"form_title::{LANGUAGE_HEADERS[language]}"] = getattr(self.spec.title, language)
        row["form_id"] = _form_id(self.spec.title.get(default))
        row["default_language"] = LANGUAGE_HEADERS[default]
        row["description"] = getattr(self.spec.description, default)
        for language in self.languages:
            if language != default:
                row[f"description::{LANGUAGE_HEADERS[language]}"] = getattr(self.spec.description, language)
        # Enketo (KoBo's web forms) then shows one group per screen, as SoWhat shows one page.
        row["style"] = "pages"
        return row

    def workbook(self) -> Workbook:
        for page in self.spec.pages:
            self.page(page)
        book = Workbook()
        survey_sheet = book.active
        survey_sheet.title = SURVEY
        survey_columns = ["type", "name"]
        survey_columns += [_header(base, language) for base in ("label", "hint") for language in self.languages]
        survey_columns += ["required", "relevant"]
        optional = (
            "constraint",
            "appearance",
            "parameters",
            "role",
            "sowhat_type",
            "not_applicable",
            "kobo--score-choices",
        )
        survey_columns += [column for column in optional if any(column in row for row in self.survey_rows)]
        _fill(survey_sheet, survey_columns, self.survey_rows)
        choice_columns = ["list_name", "name"] + [_header("label", language) for language in self.languages]
        choice_columns += [column for column in ("exclusive", "other") if any(column in r for r in self.choice_rows)]
        _fill(book.create_sheet(CHOICES), choice_columns, self.choice_rows)
        settings = self.settings_row()
        _fill(book.create_sheet(SETTINGS), list(settings), [settings])
        return book


def _fill(sheet, columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> None:
    for row_number, values in enumerate([dict(zip(columns, columns, strict=True)), *rows], start=1):
        for column_number, column in enumerate(columns, start=1):
            text = _safe(values.get(column, ""))
            if not text:
                continue
            cell = sheet.cell(row=row_number, column=column_number)
            cell.value = text
            # openpyxl reads a leading "=" as a formula; a questionnaire's text is never one.
            cell.data_type = "s"


def write_xlsform(spec: SurveySpec, file: BinaryIO) -> None:
    """Write ``spec`` into ``file`` as an XLSForm workbook that KoBoToolbox and ODK can open."""
    _Writer(spec).workbook().save(file)
