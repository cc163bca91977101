"""Check a respondent's answers against the questionnaire version they started.

Answers are one JSON document keyed by question key, in the shapes display logic reads:

=================  ==========================================================================
single choice      the option's code (``"cod"``); an "other" option's text under ``key.other``
multiple choice    a list of codes in the questionnaire's order; "other" text as above
rating             the scale point as a number (``4``), or ``"n/a"`` when not applicable
NPS                an integer from 0 to 10
number             an int (or a float when not whole), within the question's bounds
short / long text  the text, stripped, at most 500 / 5000 characters
date               ISO ``YYYY-MM-DD``
matrix             a mapping of row code to scale code (or ``"n/a"``)
ranking            the codes from most to least important
=================  ==========================================================================

A question that is hidden or unanswered is absent. ``.other`` can never clash with a question
key, which may not contain a dot. Only the questions shown for the answers given are checked
and kept; answers to hidden questions are dropped, so a respondent who goes back and changes an
answer never leaves stale answers behind.
"""

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from surveys.core import display_logic
from surveys.core.messages import Message, gettext_noop, message
from surveys.core.questionnaire import PageSpec, QuestionSpec, QuestionType, SurveySpec

NOT_APPLICABLE = "n/a"  # "/" is not allowed in a choice code, so this never clashes with one
OTHER_SUFFIX = ".other"
MAX_SHORT_TEXT = 500
MAX_LONG_TEXT = 5000
MAX_OTHER_TEXT = 500
NPS_POINTS = range(11)


def other_key(question_key: str) -> str:
    """Return the answer key holding the text of a question's "other" option."""
    return f"{question_key}{OTHER_SUFFIX}"


@dataclass(frozen=True, slots=True)
class AnswerError:
    """Why the answer to ``question`` (a question key, or an unknown key sent) was refused."""

    question: str
    code: str
    message: Message


@dataclass(frozen=True, slots=True)
class CheckedAnswers:
    """The clean answers kept and the errors found; valid when there are no errors."""

    answers: Mapping[str, object]
    errors: tuple[AnswerError, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def errors_by_question(self) -> dict[str, list[Message]]:
        grouped: dict[str, list[Message]] = {}
        for error in self.errors:
            grouped.setdefault(error.question, []).append(error.message)
        return grouped


class AnswerInvalid(ValueError):
    """An answer that does not fit its question; ``message`` says why, for the respondent."""

    def __init__(self, code: str, msg: Message) -> None:
        super().__init__(code)
        self.code = code
        self.message = msg


class _Refused(Exception):
    def __init__(self, code: str, template: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.message = message(template, **params)


def is_answered(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, dict)):
        return len(value) > 0
    return True


def _clean_text(value: object, limit: int) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Refused("invalid", gettext_noop("Enter text."))
    # PostgreSQL cannot store NUL in JSON; no respondent types one on purpose.
    text = str(value).replace("\x00", "").strip()
    if len(text) > limit:
        raise _Refused(
            "too_long", gettext_noop("Use at most {limit} characters (you used {count})."), limit=limit, count=len(text)
        )
    return text


def _as_number(value: object) -> float:
    if isinstance(value, bool):
        raise _Refused("not_a_number", gettext_noop("Enter a number."))
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _Refused("not_a_number", gettext_noop("Enter a number.")) from None
    else:
        raise _Refused("not_a_number", gettext_noop("Enter a number."))
    if not math.isfinite(number):
        raise _Refused("not_a_number", gettext_noop("Enter a number."))
    return number


def _whole_or_float(number: float) -> int | float:
    number = float(number)
    return int(number) if number.is_integer() else number


def _format_number(number: float) -> str:
    return str(_whole_or_float(number))


def _choice_code(question: QuestionSpec, value: object, codes: Sequence[str]) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Refused("invalid_choice", gettext_noop("Choose one of the options."))
    code = _format_number(float(value)) if isinstance(value, float) else str(value).strip()
    if code not in codes:
        raise _Refused("invalid_choice", gettext_noop("Choose one of the options."))
    return code


def _other_text(question: QuestionSpec, selected: Sequence[str], other: object) -> str | None:
    """Return the "other" text when the "other" option is selected; it is required then."""
    other_codes = {choice.value for choice in question.choices if choice.is_other}
    if not other_codes.intersection(selected):
        return None
    text = _clean_text(other, MAX_OTHER_TEXT) if other is not None else ""
    if not text:
        raise _Refused("other_required", gettext_noop("Please specify your “other” answer."))
    return text


def _clean_single(question: QuestionSpec, value: object, other: object) -> tuple[object, str | None]:
    code = _choice_code(question, value, question.choice_values())
    return code, _other_text(question, [code], other)


def _clean_multiple(question: QuestionSpec, value: object, other: object) -> tuple[object, str | None]:
    items = value if isinstance(value, (list, tuple)) else [value]
    chosen = {_choice_code(question, item, question.choice_values()) for item in items if is_answered(item)}
    exclusive = [choice for choice in question.choices if choice.is_exclusive and choice.value in chosen]
    if exclusive and len(chosen) > 1:
        label = exclusive[0].label.en or exclusive[0].label.vi or exclusive[0].value
        raise _Refused(
            "exclusive_combined", gettext_noop("“{option}” cannot be combined with other options."), option=label
        )
    ordered = [choice.value for choice in question.choices if choice.value in chosen]
    return ordered, _other_text(question, ordered, other)


def _clean_rating(question: QuestionSpec, value: object) -> object:
    if isinstance(value, str) and value.strip() == NOT_APPLICABLE:
        if not question.allow_not_applicable:
            raise _Refused("invalid_choice", gettext_noop("Choose one of the options."))
        return NOT_APPLICABLE
    number = _as_number(value)
    points = {float(choice.value) for choice in question.choices if _is_float(choice.value)}
    if number not in points:
        raise _Refused("invalid_choice", gettext_noop("Choose one of the options."))
    return _whole_or_float(number)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _clean_nps(value: object) -> int:
    number = _as_number(value)
    if not number.is_integer() or int(number) not in NPS_POINTS:
        raise _Refused("out_of_range", gettext_noop("Choose a score from 0 to 10."))
    return int(number)


def _clean_number(question: QuestionSpec, value: object) -> int | float:
    number = _as_number(value)
    low, high = question.min_value, question.max_value
    if low is not None and high is not None and not low <= number <= high:
        raise _Refused(
            "out_of_range",
            gettext_noop("Enter a number from {min} to {max}."),
            min=_format_number(low),
            max=_format_number(high),
        )
    if low is not None and number < low:
        raise _Refused("too_small", gettext_noop("Enter a number of at least {min}."), min=_format_number(low))
    if high is not None and number > high:
        raise _Refused("too_large", gettext_noop("Enter a number of at most {max}."), max=_format_number(high))
    return _whole_or_float(number)


def _clean_date(value: object) -> str:
    if not isinstance(value, str):
        raise _Refused("not_a_date", gettext_noop("Enter a date as YYYY-MM-DD."))
    text = value.strip()
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise _Refused("not_a_date", gettext_noop("Enter a date as YYYY-MM-DD.")) from None
    if len(text) != 10:
        raise _Refused("not_a_date", gettext_noop("Enter a date as YYYY-MM-DD."))
    return day.isoformat()


def _clean_matrix(question: QuestionSpec, value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise _Refused("invalid", gettext_noop("Choose one answer in each row."))
    rows = {row.value for row in question.rows}
    codes = question.choice_values()
    cells: dict[str, str] = {}
    for row, cell in value.items():
        if str(row) not in rows:
            raise _Refused("unknown_row", gettext_noop("This question has no row “{row}”."), row=str(row))
        if not is_answered(cell):
            continue
        if isinstance(cell, str) and cell.strip() == NOT_APPLICABLE and question.allow_not_applicable:
            cells[str(row)] = NOT_APPLICABLE
        else:
            cells[str(row)] = _choice_code(question, cell, codes)
    if question.required and cells and len(cells) < len(rows):
        raise _Refused("rows_missing", gettext_noop("Answer every row."))
    return {row.value: cells[row.value] for row in question.rows if row.value in cells}


def _clean_ranking(question: QuestionSpec, value: object) -> list[str]:
    if not isinstance(value, (list, tuple)):
        raise _Refused("invalid", gettext_noop("Rank the items."))
    codes = [_choice_code(question, item, question.choice_values()) for item in value]
    if len(set(codes)) != len(codes):
        raise _Refused("duplicate_rank", gettext_noop("Rank each item once."))
    if question.required and codes and len(codes) < len(question.choices):
        raise _Refused("ranks_missing", gettext_noop("Rank every item."))
    return codes


def ranking_from_ranks(question: QuestionSpec, ranks: Mapping[str, str]) -> list[str] | None:
    """Turn a form's rank per item (``{"price": "1", "speed": "2"}``) into the ordered codes.

    Blank ranks are left out; ranks must be 1, 2, … without gaps or repeats. Raises ValueError
    with a Message when they are not (the caller reports it as the question's error).
    """
    given: dict[int, str] = {}
    for code, rank in ranks.items():
        if not is_answered(rank):
            continue
        try:
            number = int(str(rank).strip())
        except ValueError:
            raise ValueError(
                message(gettext_noop("Use the numbers 1 to {count}."), count=len(question.choices))
            ) from None
        if number in given:
            raise ValueError(message(gettext_noop("Give each rank to one item only.")))
        given[number] = code
    if sorted(given) != list(range(1, len(given) + 1)):
        raise ValueError(message(gettext_noop("Use the ranks 1, 2, 3… without gaps.")))
    return [given[number] for number in sorted(given)] or None


def clean_answer(question: QuestionSpec, value: object, other: object = None) -> tuple[object, str | None]:
    """Return ``(value, other_text)`` in the stored shape; raise ValueError(Message) when invalid.

    An unanswered value returns ``(None, None)``; whether that is allowed is decided by the caller
    (a required question must be answered only when it is shown).
    """
    if not is_answered(value):
        return None, None
    try:
        kind = question.type
        if kind == QuestionType.SINGLE_CHOICE:
            return _clean_single(question, value, other)
        if kind == QuestionType.MULTIPLE_CHOICE:
            cleaned, text = _clean_multiple(question, value, other)
            return (cleaned or None), text
        if kind == QuestionType.RATING:
            return _clean_rating(question, value), None
        if kind == QuestionType.NPS:
            return _clean_nps(value), None
        if kind == QuestionType.NUMBER:
            return _clean_number(question, value), None
        if kind == QuestionType.SHORT_TEXT:
            return (_clean_text(value, MAX_SHORT_TEXT) or None), None
        if kind == QuestionType.LONG_TEXT:
            return (_clean_text(value, MAX_LONG_TEXT) or None), None
        if kind == QuestionType.DATE:
            return _clean_date(value), None
        if kind == QuestionType.MATRIX:
            return (_clean_matrix(question, value) or None), None
        if kind == QuestionType.RANKING:
            return (_clean_ranking(question, value) or None), None
    except _Refused as refused:
        raise AnswerInvalid(refused.code, refused.message) from None
    raise AnswerInvalid("unknown_type", message(gettext_noop("This question cannot be answered.")))


def _required_message(question: QuestionSpec) -> Message:
    if question.type == QuestionType.MATRIX:
        return message(gettext_noop("Answer every row."))
    if question.type == QuestionType.RANKING:
        return message(gettext_noop("Rank every item."))
    if question.type == QuestionType.MULTIPLE_CHOICE:
        return message(gettext_noop("Choose at least one option."))
    return message(gettext_noop("This question requires an answer."))


def _clean_all(
    questions: Sequence[QuestionSpec], raw: Mapping[str, object]
) -> tuple[dict[str, object], dict[str, AnswerError]]:
    values: dict[str, object] = {}
    errors: dict[str, AnswerError] = {}
    for question in questions:
        try:
            value, other = clean_answer(question, raw.get(question.key), raw.get(other_key(question.key)))
        except AnswerInvalid as invalid:
            errors[question.key] = AnswerError(question.key, invalid.code, invalid.message)
            continue
        if value is not None:
            values[question.key] = value
            if other is not None:
                values[other_key(question.key)] = other
    return values, errors


def _keep_visible(
    spec: SurveySpec,
    questions: Sequence[QuestionSpec],
    merged: Mapping[str, object],
    errors: Mapping[str, AnswerError],
    *,
    enforce_required: bool,
) -> CheckedAnswers:
    visible = {question.key for question in display_logic.visible_questions(spec, merged)}
    kept: dict[str, object] = {}
    found: list[AnswerError] = []
    for question in questions:
        if question.key not in visible:
            continue
        if question.key in errors:
            found.append(errors[question.key])
            continue
        if question.key in merged:
            kept[question.key] = merged[question.key]
            if other_key(question.key) in merged:
                kept[other_key(question.key)] = merged[other_key(question.key)]
        elif enforce_required and question.required:
            found.append(AnswerError(question.key, "required", _required_message(question)))
    return CheckedAnswers(kept, tuple(found))


def page_question_keys(page: PageSpec) -> set[str]:
    keys = {question.key for question in page.questions}
    return keys | {other_key(key) for key in keys}


def check_page(
    spec: SurveySpec,
    page: PageSpec,
    raw: Mapping[str, object],
    *,
    earlier: Mapping[str, object],
    enforce_required: bool = True,
) -> CheckedAnswers:
    """Check the answers posted for one page, given the answers already stored for the others.

    Returns the clean answers of the page's shown questions (to replace the page's stored ones)
    and the errors of its shown questions; answers to hidden questions are dropped.
    """
    values, errors = _clean_all(page.questions, raw)
    own = page_question_keys(page)
    merged = {key: value for key, value in earlier.items() if key not in own} | values
    return _keep_visible(spec, page.questions, merged, errors, enforce_required=enforce_required)


def check_response(spec: SurveySpec, raw: Mapping[str, object], *, enforce_required: bool = True) -> CheckedAnswers:
    """Check a whole response (every page at once, as an API client or an import sends it)."""
    questions = list(spec.questions())
    known = {question.key for question in questions} | {other_key(question.key) for question in questions}
    unknown = [
        AnswerError(str(key), "unknown_question", message(gettext_noop("The survey has no question “{key}”."), key=key))
        for key in raw
        if key not in known
    ]
    values, errors = _clean_all(questions, raw)
    checked = _keep_visible(spec, questions, values, errors, enforce_required=enforce_required)
    return CheckedAnswers(checked.answers, (*unknown, *checked.errors))


def drop_hidden(spec: SurveySpec, answers: Mapping[str, object]) -> dict[str, object]:
    """Return ``answers`` without those to questions the other answers now hide."""
    visible = {question.key for question in display_logic.visible_questions(spec, answers)}
    return {
        key: value
        for key, value in answers.items()
        if key in visible or (key.endswith(OTHER_SUFFIX) and key[: -len(OTHER_SUFFIX)] in visible)
    }


def answers_digest(answers: Mapping[str, object]) -> str:
    """Return a stable SHA-256 of the answers, to recognise a retry of the same submission."""
    canonical = json.dumps(answers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def answer_matches(answer: object, values: Sequence[str]) -> bool:
    """Return whether an answer falls in a quota's codes (any of them, for a list answer)."""
    if not is_answered(answer):
        return False
    if isinstance(answer, (list, tuple)):
        return any(str(item) in values for item in answer)
    if isinstance(answer, float) and answer.is_integer():
        answer = int(answer)
    return str(answer) in values
