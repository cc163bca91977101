"""Read responses collected elsewhere (KoBoToolbox, ODK, Google Forms, SurveyMonkey, our own export).

One row per respondent, one column per question key. What is understood:

==========================  =================================================================
``key``                     the answer: a choice code or label (Vietnamese or English); for
                            multiple choice the codes separated by spaces (KoBo, ODK) or by
                            ";" (our export), for ranking the codes from first to last
``key.code`` / ``key/code`` one column per option of a multiple choice question (1/0, as
                            KoBo and our export write them), the rank of an option of a
                            ranking question, or a matrix row's answer
``key:other``               the text of the "other" option (also ``key.other`` when "other"
                            is not an option code)
``group/key``               KoBo's group paths: the last part names the question
question text               a column headed with a question's text (Google Forms)
``submitted_at``,           optional metadata (``Timestamp`` and ``_submission_time`` are read
``language``,               as the submission time); other metadata of our export and KoBo
``duration_seconds``        (``response_id``, ``_uuid``, ``start`` …) is ignored
==========================  =================================================================

Every row is checked against the questionnaire with the respondent form's own rules
(``responses.core.answers``): required questions, display logic (an answer to a question that
the other answers hide is refused, not silently dropped), ranges, exclusive options. Errors
name the row, the column and the reason; the caller imports nothing unless there are none.
"""

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from responses.core import answers as answer_rules
from responses.core.contacts import language_code
from responses.core.tables import Cell, Formula, RowError, Table
from surveys.core.messages import Message, gettext_noop, message
from surveys.core.questionnaire import QuestionSpec, QuestionType, SurveySpec

MAX_ROWS = 50_000
MAX_REPORTED_ERRORS = 500
SUBMITTED_AT_HEADERS = ("submitted_at", "timestamp", "dấu thời gian", "_submission_time", "submission time")
LANGUAGE_HEADERS = ("language", "ngôn ngữ")
DURATION_HEADERS = ("duration_seconds",)
STATUS_HEADERS = ("status",)
IGNORED_HEADERS = frozenset(
    {
        "response_id",
        "collector",
        "weight",
        "start",
        "end",
        "today",
        "deviceid",
        "subscriberid",
        "simserial",
        "phonenumber",
        "username",
        "audit",
        "instanceid",
        "meta/instanceid",
        "meta/instancename",
        "meta/deprecatedid",
        "meta/rootuuid",
    }
)
IMPORTABLE_STATUSES = ("", "complete", "flagged")
_TRUE = frozenset({"1", "true", "yes", "x", "có", "đúng"})
_FALSE = frozenset({"0", "false", "no", "không", "sai", ""})
_DATE_PREFIX_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_SLASHED_ISO_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass(frozen=True, slots=True)
class ImportedResponse:
    row: int
    answers: Mapping[str, object]  # checked, in the stored shapes
    submitted_at: dt.datetime | None  # as written: naive means the project's time zone
    language: str
    duration_seconds: int | None


@dataclass(frozen=True, slots=True)
class ResponseImport:
    responses: tuple[ImportedResponse, ...]
    errors: tuple[RowError, ...]

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass(frozen=True, slots=True)
class _Column:
    """What a column holds: ("answer"|"part"|"other", question, part code) or ("meta", name)."""

    kind: str
    question: QuestionSpec | None = None
    part: str = ""
    meta: str = ""


class _CellRefused(ValueError):
    def __init__(self, msg: Message) -> None:
        super().__init__(msg.template)
        self.message = msg


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text)).casefold().split())


def _labels(spec: SurveySpec, choice) -> set[str]:
    return {_normal(text) for text in (choice.label.vi, choice.label.en) if text and text.strip()}


def _classify(spec: SurveySpec, header: str, by_text: Mapping[str, QuestionSpec]) -> _Column | None:
    """Return what ``header`` holds, _Column("ignore") for metadata we skip, None when unknown."""
    name = _normal(header)
    if name in SUBMITTED_AT_HEADERS:
        return _Column("meta", meta="submitted_at")
    if name in LANGUAGE_HEADERS:
        return _Column("meta", meta="language")
    if name in DURATION_HEADERS:
        return _Column("meta", meta="duration_seconds")
    if name in STATUS_HEADERS:
        return _Column("meta", meta="status")
    if name in IGNORED_HEADERS or name.startswith("_") or name.endswith((":themes", ":sentiment")):
        return _Column("ignore")
    raw = header.strip()
    for candidate in (raw, *_path_candidates(raw)):
        column = _classify_key(spec, candidate)
        if column is not None:
            return column
    question = by_text.get(name)
    if question is not None:
        return _Column("answer", question)
    match = re.match(r"^(.*)\[(.+)\]$", name)  # Google Forms grids: "Question text [Row label]"
    if match:
        question = by_text.get(match.group(1).strip())
        if question is not None and question.type == QuestionType.MATRIX:
            row = next((row for row in question.rows if match.group(2).strip() in _labels(spec, row)), None)
            if row is not None:
                return _Column("part", question, row.value)
    return None


def _path_candidates(header: str) -> list[str]:
    """KoBo writes ``group/key`` and ``group/key/code``: try ``key`` and ``key/code``."""
    parts = header.split("/")
    return ["/".join(parts[-2:]), parts[-1]] if len(parts) > 2 else ([parts[-1]] if len(parts) == 2 else [])


def _classify_key(spec: SurveySpec, header: str) -> _Column | None:
    question = spec.question(header)
    if question is not None:
        return _Column("answer", question)
    for separator in (":", ".", "/"):
        if separator not in header:
            continue
        key, _sep, part = header.partition(separator)
        question = spec.question(key)
        if question is None:
            continue
        if separator == ":" and part == "other":
            return _Column("other", question)
        if separator == ":":
            return None
        if question.type == QuestionType.MATRIX and part in {row.value for row in question.rows}:
            return _Column("part", question, part)
        if question.type in (QuestionType.MULTIPLE_CHOICE, QuestionType.RANKING) and part in question.choice_values():
            return _Column("part", question, part)
        if part == "other" and any(choice.is_other for choice in question.choices):
            return _Column("other", question)
    return None


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def _code(question: QuestionSpec, spec: SurveySpec, value: Cell, options=None) -> str:
    """Return the code of the option ``value`` names (by code or by label, either language)."""
    options = question.choices if options is None else options
    text = _text(value)
    if question.allow_not_applicable and text.casefold() == answer_rules.NOT_APPLICABLE:
        return answer_rules.NOT_APPLICABLE
    for choice in options:
        if choice.value == text:
            return choice.value
    wanted = _normal(text)
    for choice in options:
        if wanted in _labels(spec, choice):
            return choice.value
    raise _CellRefused(message(gettext_noop("“{value}” is not an option of this question."), value=text[:80]))


def _split_codes(question: QuestionSpec, spec: SurveySpec, value: Cell) -> list[str]:
    text = _text(value)
    try:
        return [_code(question, spec, text)]  # one option, whatever its label holds
    except _CellRefused:
        pass
    tokens = [token.strip() for token in text.split(";")] if ";" in text else text.split()
    return [_code(question, spec, token) for token in tokens if token]


def _selected(value: Cell) -> bool:
    text = _normal(_text(value))
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellRefused(message(gettext_noop("Write 1 when the option was chosen and 0 when it was not.")))


def _date(value: Cell) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    match = _DATE_PREFIX_RE.match(text)
    return match.group(1) if match else text


def _number(value: Cell) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return _text(value)


def _answer(question: QuestionSpec, spec: SurveySpec, value: Cell) -> object:
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.RATING):
        return _code(question, spec, value)
    if kind == QuestionType.MULTIPLE_CHOICE:
        return _split_codes(question, spec, value)
    if kind == QuestionType.RANKING:
        return _split_codes(question, spec, value)
    if kind in (QuestionType.NPS, QuestionType.NUMBER):
        return _number(value)
    if kind == QuestionType.DATE:
        return _date(value)
    if kind == QuestionType.MATRIX:
        raise _CellRefused(message(gettext_noop("Answer a matrix in one column per row, headed “key.row”.")))
    if isinstance(value, (dt.date, dt.datetime)):
        return _text(value)
    return str(value).replace("\x00", "") if isinstance(value, str) else _text(value)


def _parse_datetime(value: Cell) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    text = _text(value)
    match = _SLASHED_ISO_RE.match(text)
    try:
        if match:
            year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
            return dt.datetime(year, month, day, hour, minute, second)
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise _CellRefused(
            message(gettext_noop("Write the time as YYYY-MM-DD HH:MM (for example 2026-03-31 14:05)."))
        ) from None


def _duration(value: Cell) -> int:
    try:
        number = float(_text(value))
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise _CellRefused(message(gettext_noop("Enter the duration as a number of seconds.")))
    return int(number)


def parse_responses(table: Table, spec: SurveySpec, *, now: dt.datetime | None = None) -> ResponseImport:
    """Return the responses of ``table`` checked against ``spec``, and every problem found."""
    by_text: dict[str, QuestionSpec] = {}
    for question in spec.questions():
        for text in (question.text.vi, question.text.en):
            if text and text.strip():
                by_text.setdefault(_normal(text), question)
    columns: list[_Column] = []
    file_errors: list[RowError] = []
    targets: dict[tuple[str, str, str], str] = {}
    for header in table.header:
        column = _classify(spec, header, by_text) if header else _Column("ignore")
        if column is None:
            file_errors.append(
                RowError(
                    None,
                    header,
                    message(
                        gettext_noop(
                            "Column “{column}” matches no question of the survey: rename it to a question key "
                            "or remove it."
                        ),
                        column=header[:80],
                    ),
                )
            )
            column = _Column("ignore")
        elif column.kind != "ignore":
            target = (column.kind, column.question.key if column.question else column.meta, column.part)
            if target in targets:
                file_errors.append(
                    RowError(
                        None,
                        header,
                        message(
                            gettext_noop("Columns “{first}” and “{second}” hold the same answer."),
                            first=targets[target],
                            second=header,
                        ),
                    )
                )
            targets[target] = header
        columns.append(column)
    if not any(column.kind in ("answer", "part") for column in columns) and not file_errors:
        file_errors.append(
            RowError(None, "", message(gettext_noop("No column is headed with a question key of the survey.")))
        )
    if file_errors:
        return ResponseImport((), tuple(file_errors))
    if len(table.rows) > MAX_ROWS:
        return ResponseImport(
            (), (RowError(None, "", message(gettext_noop("Import at most {limit} rows at a time."), limit=MAX_ROWS)),)
        )
    imported: list[ImportedResponse] = []
    errors: list[RowError] = []
    for number, values in zip(table.row_numbers, table.rows, strict=True):
        row = _parse_row(spec, table.header, columns, number, values, now)
        if isinstance(row, ImportedResponse):
            imported.append(row)
        else:
            errors.extend(row)
        if len(errors) >= MAX_REPORTED_ERRORS:
            break
    return ResponseImport(tuple(imported), tuple(errors))


def _parse_row(
    spec: SurveySpec,
    header: tuple[str, ...],
    columns: list[_Column],
    number: int,
    values: tuple,
    now: dt.datetime | None,
) -> ImportedResponse | list[RowError]:
    errors: list[RowError] = []
    raw: dict[str, object] = {}
    parts: dict[str, dict[str, Cell]] = {}
    column_of: dict[str, str] = {}
    meta: dict[str, object] = {}

    def refuse(column: str, msg: Message) -> None:
        errors.append(RowError(number, column, msg))

    for name, column, value in zip(header, columns, values, strict=True):
        if column.kind == "ignore":
            continue
        if isinstance(value, Formula):
            refuse(
                name,
                message(gettext_noop("This cell holds a spreadsheet formula; enter the value itself.")),
            )
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            if column.kind == "part" and column.question.type == QuestionType.MULTIPLE_CHOICE:
                parts.setdefault(column.question.key, {})
            continue
        try:
            if column.kind == "meta":
                if column.meta == "submitted_at":
                    meta["submitted_at"] = _parse_datetime(value)
                elif column.meta == "duration_seconds":
                    meta["duration_seconds"] = _duration(value)
                elif column.meta == "status":
                    if _normal(_text(value)) not in IMPORTABLE_STATUSES:
                        raise _CellRefused(
                            message(
                                gettext_noop("Only complete responses can be imported (this one is “{status}”)."),
                                status=_text(value)[:40],
                            )
                        )
                else:
                    code = language_code(_text(value))
                    if code is None or code not in spec.languages:
                        raise _CellRefused(
                            message(
                                gettext_noop("Unknown language “{language}”: use one of {languages}."),
                                language=_text(value)[:40],
                                languages=", ".join(spec.languages),
                            )
                        )
                    meta["language"] = code
                continue
            question = column.question
            column_of.setdefault(question.key, name)
            if column.kind == "other":
                raw[answer_rules.other_key(question.key)] = _text(value)
            elif column.kind == "answer":
                raw[question.key] = _answer(question, spec, value)
                column_of[question.key] = name
            else:
                parts.setdefault(question.key, {})[column.part] = value
        except _CellRefused as refused:
            refuse(name, refused.message)
    for key, cells in parts.items():
        question = spec.question(key)
        name = column_of.get(key, key)
        if key in raw and question.type != QuestionType.MATRIX:
            continue  # the whole-answer column wins over the per-option columns
        try:
            if question.type == QuestionType.MULTIPLE_CHOICE:
                chosen = [code for code in question.choice_values() if code in cells and _selected(cells[code])]
                if chosen:
                    raw[key] = chosen
            elif question.type == QuestionType.RANKING:
                ranks = {code: _text(cells[code]) for code in cells}
                try:
                    ordered = answer_rules.ranking_from_ranks(question, ranks)
                except ValueError as invalid:
                    raise _CellRefused(invalid.args[0]) from None
                if ordered:
                    raw[key] = ordered
            else:
                raw[key] = {row: _code(question, spec, cell) for row, cell in cells.items()}
        except _CellRefused as refused:
            refuse(name, refused.message)
    submitted_at = meta.get("submitted_at")
    if isinstance(submitted_at, dt.datetime) and now is not None:
        comparable = now if (submitted_at.tzinfo is None) == (now.tzinfo is None) else None
        if comparable is not None and submitted_at > comparable + dt.timedelta(days=1):
            column = next(h for h, c in zip(header, columns, strict=True) if c.meta == "submitted_at")
            refuse(column, message(gettext_noop("This submission time is in the future.")))
    if errors:
        return errors
    if not raw:
        return [RowError(number, "", message(gettext_noop("This row answers no question.")))]
    checked = answer_rules.check_response(spec, raw)
    for error in checked.errors:
        refuse(column_of.get(error.question, error.question), error.message)
    hidden = [
        key for key in raw if key not in checked.answers and not any(error.question == key for error in checked.errors)
    ]
    for key in hidden:
        base = key.removesuffix(answer_rules.OTHER_SUFFIX)
        if base in checked.answers:
            continue  # an "other" text for an option not chosen: nothing to keep
        refuse(
            column_of.get(base, base),
            message(gettext_noop("This question is not shown for the other answers on the row (display logic).")),
        )
    if errors:
        return errors
    return ImportedResponse(
        number,
        dict(checked.answers),
        submitted_at if isinstance(submitted_at, dt.datetime) else None,
        str(meta.get("language") or spec.default_language),
        meta.get("duration_seconds"),  # type: ignore[arg-type]
    )
