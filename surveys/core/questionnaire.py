"""The questionnaire as plain values: what a version snapshot, an XLSForm and the builder share.

A ``SurveySpec`` is built from the database by the selectors, from a workbook by the XLSForm
reader, and from a version's JSON snapshot; ``validate_survey`` checks every rule that must hold
before a questionnaire may be saved or published.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from surveys.core.messages import Message, gettext_noop, message

LANGUAGES = ("vi", "en")
KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
CHOICE_VALUE_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
PIPE_PATTERN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
MAX_TEXT_LENGTH = 2000


class QuestionType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    RATING = "rating"
    NPS = "nps"
    NUMBER = "number"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    DATE = "date"
    MATRIX = "matrix"
    RANKING = "ranking"


CHOICE_TYPES = frozenset(
    {
        QuestionType.SINGLE_CHOICE,
        QuestionType.MULTIPLE_CHOICE,
        QuestionType.RATING,
        QuestionType.MATRIX,
        QuestionType.RANKING,
    }
)
TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})
NUMERIC_TYPES = frozenset({QuestionType.NUMBER, QuestionType.RATING, QuestionType.NPS})


class RoleKind(StrEnum):
    DEMOGRAPHIC = "demographic"
    KPI = "kpi"


DEMOGRAPHIC_VARIABLES = ("gender", "age", "income", "region", "area", "education", "occupation")
KPI_VARIABLES = ("satisfaction", "nps", "intent")


@dataclass(frozen=True, slots=True)
class Text:
    """A label in each survey language."""

    vi: str = ""
    en: str = ""

    def get(self, language: str, fallback: str | None = None) -> str:
        """Return the text in ``language``, else in ``fallback``, else in any language."""
        value = getattr(self, language, "") if language in LANGUAGES else ""
        if not value and fallback in LANGUAGES:
            value = getattr(self, fallback)
        return value or self.vi or self.en

    def is_empty(self) -> bool:
        return not (self.vi.strip() or self.en.strip())

    def to_dict(self) -> dict[str, str]:
        return {language: getattr(self, language) for language in LANGUAGES if getattr(self, language)}

    @classmethod
    def from_value(cls, value: "Text | Mapping[str, str] | str | None") -> "Text":
        """Build a Text from a mapping of language to text (unknown languages are ignored)."""
        if isinstance(value, Text):
            return value
        if value is None:
            return cls()
        if isinstance(value, str):
            return cls(vi=value)
        return cls(**{language: str(value.get(language) or "") for language in LANGUAGES})


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """What a question measures for analysis: a demographic variable or a KPI."""

    kind: RoleKind
    variable: str

    def to_string(self) -> str:
        return f"{self.kind.value}:{self.variable}"

    @classmethod
    def parse(cls, value: str) -> "RoleSpec":
        """Parse ``demographic:age`` or ``kpi:nps``; raise ValueError on anything else."""
        kind, sep, variable = value.strip().partition(":")
        if not sep or kind not in RoleKind._value2member_map_ or not KEY_PATTERN.match(variable):
            raise ValueError(value)
        return cls(RoleKind(kind), variable)


class Operator(StrEnum):
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    ANY_OF = "any_of"
    NONE_OF = "none_of"
    INCLUDES = "includes"
    EXCLUDES = "excludes"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    ANSWERED = "answered"
    NOT_ANSWERED = "not_answered"


VALUELESS_OPERATORS = frozenset({Operator.ANSWERED, Operator.NOT_ANSWERED})
LIST_OPERATORS = frozenset({Operator.ANY_OF, Operator.NONE_OF})
ORDER_OPERATORS = frozenset({Operator.GT, Operator.GTE, Operator.LT, Operator.LTE})
OPERATORS_BY_TYPE: Mapping[QuestionType, frozenset[Operator]] = {
    QuestionType.SINGLE_CHOICE: frozenset(
        {Operator.EQUALS, Operator.NOT_EQUALS, Operator.ANY_OF, Operator.NONE_OF} | VALUELESS_OPERATORS
    ),
    QuestionType.MULTIPLE_CHOICE: frozenset({Operator.INCLUDES, Operator.EXCLUDES} | VALUELESS_OPERATORS),
    QuestionType.RANKING: frozenset(VALUELESS_OPERATORS),
    QuestionType.MATRIX: frozenset(VALUELESS_OPERATORS),
    QuestionType.RATING: frozenset({Operator.EQUALS, Operator.NOT_EQUALS} | ORDER_OPERATORS | VALUELESS_OPERATORS),
    QuestionType.NPS: frozenset({Operator.EQUALS, Operator.NOT_EQUALS} | ORDER_OPERATORS | VALUELESS_OPERATORS),
    QuestionType.NUMBER: frozenset({Operator.EQUALS, Operator.NOT_EQUALS} | ORDER_OPERATORS | VALUELESS_OPERATORS),
    QuestionType.DATE: frozenset({Operator.EQUALS, Operator.NOT_EQUALS} | ORDER_OPERATORS | VALUELESS_OPERATORS),
    QuestionType.SHORT_TEXT: frozenset({Operator.EQUALS, Operator.NOT_EQUALS} | VALUELESS_OPERATORS),
    QuestionType.LONG_TEXT: frozenset(VALUELESS_OPERATORS),
}


@dataclass(frozen=True, slots=True)
class Condition:
    """One test on an earlier answer: ``question`` ``operator`` ``value``."""

    question: str
    operator: Operator
    value: str | float | tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"question": self.question, "operator": self.operator.value}
        if self.operator not in VALUELESS_OPERATORS:
            data["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        return data


class LogicError(ValueError):
    """Display logic of the wrong shape; ``message`` says why, in words a researcher can translate."""

    def __init__(self, template: str, **params: object) -> None:
        self.message = message(template, **params)
        super().__init__(self.message.render())


@dataclass(frozen=True, slots=True)
class Logic:
    """Display logic: show the question or page when all (or any) conditions hold."""

    conditions: tuple[Condition, ...]
    match: str = "all"

    def to_dict(self) -> dict[str, Any]:
        return {"match": self.match, "conditions": [c.to_dict() for c in self.conditions]}

    def referenced_keys(self) -> tuple[str, ...]:
        return tuple(condition.question for condition in self.conditions)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Logic":
        """Build Logic from its JSON form; raise LogicError (a ValueError) when the shape is wrong."""
        if not isinstance(data, Mapping):
            raise LogicError(gettext_noop("the logic must be an object"))
        match = data.get("match", "all")
        if match not in ("all", "any"):
            raise LogicError(gettext_noop("“match” must be “all” or “any”"))
        raw_conditions = data.get("conditions")
        if not isinstance(raw_conditions, list) or not raw_conditions:
            raise LogicError(gettext_noop("“conditions” must be a non-empty list"))
        conditions = []
        for raw in raw_conditions:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("question"), str):
                raise LogicError(gettext_noop("each condition needs a question key"))
            try:
                operator = Operator(raw.get("operator"))
            except ValueError:
                raise LogicError(
                    gettext_noop("unknown operator “{operator}”"), operator=str(raw.get("operator"))[:40]
                ) from None
            value = raw.get("value")
            if isinstance(value, list):
                value = tuple(str(item) for item in value)
            elif (value is not None and not isinstance(value, (str, int, float))) or isinstance(value, bool):
                raise LogicError(gettext_noop("a condition value must be a text, a number or a list"))
            conditions.append(Condition(raw["question"], operator, value))
        return cls(tuple(conditions), match)


@dataclass(frozen=True, slots=True)
class ChoiceSpec:
    """An answer option, a scale point or a matrix row: a stable code and its label."""

    value: str
    label: Text = field(default_factory=Text)
    is_exclusive: bool = False
    is_other: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "label": self.label.to_dict()}
        if self.is_exclusive:
            data["is_exclusive"] = True
        if self.is_other:
            data["is_other"] = True
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ChoiceSpec":
        return cls(
            value=str(data["value"]),
            label=Text.from_value(data.get("label")),
            is_exclusive=bool(data.get("is_exclusive", False)),
            is_other=bool(data.get("is_other", False)),
        )


@dataclass(frozen=True, slots=True)
class QuestionSpec:
    """One question. ``choices`` are options or scale points; ``rows`` are matrix rows."""

    key: str
    type: QuestionType
    text: Text
    help_text: Text = field(default_factory=Text)
    required: bool = False
    choices: tuple[ChoiceSpec, ...] = ()
    rows: tuple[ChoiceSpec, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    allow_not_applicable: bool = False
    randomize_choices: bool = False
    role: RoleSpec | None = None
    logic: Logic | None = None

    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "type": self.type.value,
            "text": self.text.to_dict(),
            "required": self.required,
        }
        if not self.help_text.is_empty():
            data["help_text"] = self.help_text.to_dict()
        if self.choices:
            data["choices"] = [choice.to_dict() for choice in self.choices]
        if self.rows:
            data["rows"] = [row.to_dict() for row in self.rows]
        if self.min_value is not None:
            data["min_value"] = self.min_value
        if self.max_value is not None:
            data["max_value"] = self.max_value
        if self.allow_not_applicable:
            data["allow_not_applicable"] = True
        if self.randomize_choices:
            data["randomize_choices"] = True
        if self.role is not None:
            data["role"] = self.role.to_string()
        if self.logic is not None:
            data["logic"] = self.logic.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "QuestionSpec":
        return cls(
            key=data["key"],
            type=QuestionType(data["type"]),
            text=Text.from_value(data.get("text")),
            help_text=Text.from_value(data.get("help_text")),
            required=bool(data.get("required", False)),
            choices=tuple(ChoiceSpec.from_dict(c) for c in data.get("choices", ())),
            rows=tuple(ChoiceSpec.from_dict(r) for r in data.get("rows", ())),
            min_value=data.get("min_value"),
            max_value=data.get("max_value"),
            allow_not_applicable=bool(data.get("allow_not_applicable", False)),
            randomize_choices=bool(data.get("randomize_choices", False)),
            role=RoleSpec.parse(data["role"]) if data.get("role") else None,
            logic=Logic.from_dict(data["logic"]) if data.get("logic") else None,
        )


@dataclass(frozen=True, slots=True)
class PageSpec:
    key: str
    title: Text = field(default_factory=Text)
    questions: tuple[QuestionSpec, ...] = ()
    logic: Logic | None = None
    randomize_questions: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "title": self.title.to_dict(),
            "questions": [question.to_dict() for question in self.questions],
        }
        if self.logic is not None:
            data["logic"] = self.logic.to_dict()
        if self.randomize_questions:
            data["randomize_questions"] = True
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PageSpec":
        return cls(
            key=data["key"],
            title=Text.from_value(data.get("title")),
            questions=tuple(QuestionSpec.from_dict(q) for q in data.get("questions", ())),
            logic=Logic.from_dict(data["logic"]) if data.get("logic") else None,
            randomize_questions=bool(data.get("randomize_questions", False)),
        )


@dataclass(frozen=True, slots=True)
class SurveySpec:
    """A whole questionnaire, as frozen in a version snapshot."""

    title: Text
    description: Text = field(default_factory=Text)
    languages: tuple[str, ...] = ("vi",)
    default_language: str = "vi"
    pages: tuple[PageSpec, ...] = ()

    def questions(self) -> Iterator[QuestionSpec]:
        for page in self.pages:
            yield from page.questions

    def question(self, key: str) -> QuestionSpec | None:
        return next((question for question in self.questions() if question.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title.to_dict(),
            "description": self.description.to_dict(),
            "languages": list(self.languages),
            "default_language": self.default_language,
            "pages": [page.to_dict() for page in self.pages],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SurveySpec":
        return cls(
            title=Text.from_value(data.get("title")),
            description=Text.from_value(data.get("description")),
            languages=tuple(data.get("languages", ("vi",))),
            default_language=data.get("default_language", "vi"),
            pages=tuple(PageSpec.from_dict(p) for p in data.get("pages", ())),
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """A rule the questionnaire breaks, located by a dotted path (``questions.q3.logic``)."""

    path: str
    code: str
    message: Message


def _problem(path: str, code: str, template: str, **params: object) -> Problem:
    return Problem(path, code, message(template, **params))


def validate_choices(question: QuestionSpec, path: str) -> list[Problem]:
    """Return the problems with a question's options, scale points and rows."""
    problems: list[Problem] = []
    needs_choices = question.type in CHOICE_TYPES
    if needs_choices and len(question.choices) < 2:
        problems.append(
            _problem(
                path, "too_few_choices", gettext_noop("Question “{key}” needs at least two options."), key=question.key
            )
        )
    if not needs_choices and question.choices:
        problems.append(
            _problem(
                path, "choices_not_allowed", gettext_noop("A {type} question has no options."), type=question.type.value
            )
        )
    if question.type == QuestionType.MATRIX and not question.rows:
        problems.append(
            _problem(path, "matrix_without_rows", gettext_noop("A matrix question needs at least one row."))
        )
    if question.type != QuestionType.MATRIX and question.rows:
        problems.append(_problem(path, "rows_not_allowed", gettext_noop("Only a matrix question has rows.")))
    for group, items in (("choices", question.choices), ("rows", question.rows)):
        seen: set[str] = set()
        for choice in items:
            if not CHOICE_VALUE_PATTERN.match(choice.value):
                problems.append(
                    _problem(
                        f"{path}.{group}",
                        "invalid_choice_value",
                        gettext_noop("Code “{value}” may use only letters, digits, “_”, “.” and “-” (64 at most)."),
                        value=choice.value,
                    )
                )
            if choice.value in seen:
                problems.append(
                    _problem(
                        f"{path}.{group}",
                        "duplicate_choice_value",
                        gettext_noop("Code “{value}” is used twice in question “{key}”."),
                        value=choice.value,
                        key=question.key,
                    )
                )
            seen.add(choice.value)
            if question.type != QuestionType.RATING and choice.label.is_empty():
                problems.append(
                    _problem(
                        f"{path}.{group}",
                        "empty_choice_label",
                        gettext_noop("Option “{value}” needs a label."),
                        value=choice.value,
                    )
                )
    if question.type == QuestionType.RATING:
        for choice in question.choices:
            try:
                float(choice.value)
            except ValueError:
                problems.append(
                    _problem(
                        f"{path}.choices",
                        "non_numeric_scale_point",
                        gettext_noop("Scale point “{value}” must be a number."),
                        value=choice.value,
                    )
                )
    special = [c for c in question.choices if c.is_exclusive or c.is_other]
    if special and question.type not in (QuestionType.MULTIPLE_CHOICE, QuestionType.SINGLE_CHOICE):
        problems.append(
            _problem(
                f"{path}.choices",
                "special_choice_not_allowed",
                gettext_noop("Only single and multiple choice questions have “none of these” or “other” options."),
            )
        )
    if sum(c.is_other for c in question.choices) > 1:
        problems.append(
            _problem(f"{path}.choices", "several_other", gettext_noop("A question has at most one “other” option."))
        )
    return problems


def validate_question(question: QuestionSpec, path: str) -> list[Problem]:
    """Return the problems of one question taken alone (not its logic)."""
    problems: list[Problem] = []
    if not KEY_PATTERN.match(question.key):
        problems.append(
            _problem(
                f"{path}.key",
                "invalid_key",
                gettext_noop("Key “{key}” must start with a letter or “_” and use only letters, digits and “_”."),
                key=question.key,
            )
        )
    if question.text.is_empty():
        problems.append(
            _problem(f"{path}.text", "empty_text", gettext_noop("Question “{key}” has no text."), key=question.key)
        )
    for language in LANGUAGES:
        if len(getattr(question.text, language)) > MAX_TEXT_LENGTH:
            problems.append(
                _problem(
                    f"{path}.text",
                    "text_too_long",
                    gettext_noop("A question text has at most {limit} characters."),
                    limit=MAX_TEXT_LENGTH,
                )
            )
    problems.extend(validate_choices(question, path))
    if question.min_value is not None and question.max_value is not None and question.min_value > question.max_value:
        problems.append(_problem(path, "min_above_max", gettext_noop("The minimum is larger than the maximum.")))
    if (question.min_value is not None or question.max_value is not None) and question.type != QuestionType.NUMBER:
        problems.append(
            _problem(path, "bounds_not_allowed", gettext_noop("Only a number question has a minimum and maximum."))
        )
    if question.allow_not_applicable and question.type not in (QuestionType.RATING, QuestionType.MATRIX):
        problems.append(
            _problem(
                path,
                "not_applicable_not_allowed",
                gettext_noop("Only rating and matrix questions offer “not applicable”."),
            )
        )
    return problems


def validate_condition(condition: Condition, target: QuestionSpec, path: str) -> list[Problem]:
    """Return the problems of a condition on an earlier question ``target``."""
    allowed = OPERATORS_BY_TYPE[target.type]
    if condition.operator not in allowed:
        return [
            _problem(
                path,
                "operator_not_allowed",
                gettext_noop("Operator “{operator}” cannot test a {type} question."),
                operator=condition.operator.value,
                type=target.type.value,
            )
        ]
    if condition.operator in VALUELESS_OPERATORS:
        return []
    value = condition.value
    if condition.operator in LIST_OPERATORS:
        values = value if isinstance(value, tuple) else ((str(value),) if value is not None else ())
        if not values:
            return [_problem(path, "missing_value", gettext_noop("The condition needs at least one value."))]
    else:
        if value is None or value == "" or isinstance(value, tuple):
            return [_problem(path, "missing_value", gettext_noop("The condition needs a single value."))]
        values = (str(value),)
    if target.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        known = set(target.choice_values())
        unknown = [v for v in values if v not in known]
        if unknown:
            return [
                _problem(
                    path,
                    "unknown_choice",
                    gettext_noop("Question “{key}” has no option “{value}”."),
                    key=target.key,
                    value=unknown[0],
                )
            ]
    if target.type in NUMERIC_TYPES:
        try:
            float(values[0])
        except ValueError:
            return [_problem(path, "not_a_number", gettext_noop("“{value}” is not a number."), value=values[0])]
    if target.type == QuestionType.DATE and not re.match(r"^\d{4}-\d{2}-\d{2}$", values[0]):
        return [_problem(path, "not_a_date", gettext_noop("“{value}” is not a date (YYYY-MM-DD)."), value=values[0])]
    return []


def validate_logic(logic: Logic, earlier: Mapping[str, QuestionSpec], path: str) -> list[Problem]:
    """Return the problems of display logic that may test only the ``earlier`` questions."""
    problems: list[Problem] = []
    for index, condition in enumerate(logic.conditions):
        condition_path = f"{path}.conditions.{index}"
        target = earlier.get(condition.question)
        if target is None:
            problems.append(
                _problem(
                    condition_path,
                    "logic_not_earlier",
                    gettext_noop("Display logic may only test an earlier question; “{key}” is not one."),
                    key=condition.question,
                )
            )
            continue
        problems.extend(validate_condition(condition, target, condition_path))
    return problems


def validate_piping(text: Text, earlier: Mapping[str, QuestionSpec], path: str) -> list[Problem]:
    """Return the problems of ``{{key}}`` recalls that do not name an earlier question."""
    problems = []
    for language in LANGUAGES:
        for key in PIPE_PATTERN.findall(getattr(text, language)):
            if key not in earlier:
                problems.append(
                    _problem(
                        path,
                        "piping_not_earlier",
                        gettext_noop("“{{{{{key}}}}}” can only recall an earlier question."),
                        key=key,
                    )
                )
    return problems


# A draft may be incomplete while the researcher builds it; these only block publishing.
INCOMPLETE_CODES = frozenset(
    {"too_few_choices", "matrix_without_rows", "empty_text", "empty_choice_label", "empty_title", "no_questions"}
)


def validate_survey(spec: SurveySpec, *, for_publish: bool = True) -> list[Problem]:
    """Return the problems that prevent publishing (or, with ``for_publish=False``, saving)."""
    problems = _all_problems(spec)
    if for_publish:
        if not any(True for _ in spec.questions()):
            problems.append(_problem("pages", "no_questions", gettext_noop("The survey has no questions yet.")))
        return problems
    return [problem for problem in problems if problem.code not in INCOMPLETE_CODES]


def _all_problems(spec: SurveySpec) -> list[Problem]:
    problems: list[Problem] = []
    if spec.title.is_empty():
        problems.append(_problem("title", "empty_title", gettext_noop("The survey needs a title.")))
    if not spec.languages or any(language not in LANGUAGES for language in spec.languages):
        problems.append(
            _problem(
                "languages", "invalid_languages", gettext_noop("Survey languages must be Vietnamese and/or English.")
            )
        )
    if spec.default_language not in spec.languages:
        problems.append(
            _problem(
                "default_language",
                "invalid_default_language",
                gettext_noop("The default language must be one of the survey languages."),
            )
        )
    earlier: dict[str, QuestionSpec] = {}
    page_keys: set[str] = set()
    for page in spec.pages:
        page_path = f"pages.{page.key}"
        if page.key in page_keys:
            problems.append(
                _problem(page_path, "duplicate_page_key", gettext_noop("Page key “{key}” is used twice."), key=page.key)
            )
        page_keys.add(page.key)
        if page.logic is not None:
            problems.extend(validate_logic(page.logic, earlier, f"{page_path}.logic"))
        for question in page.questions:
            path = f"questions.{question.key}"
            if question.key in earlier:
                problems.append(
                    _problem(
                        path, "duplicate_key", gettext_noop("Question key “{key}” is used twice."), key=question.key
                    )
                )
            problems.extend(validate_question(question, path))
            if question.logic is not None:
                problems.extend(validate_logic(question.logic, earlier, f"{path}.logic"))
            problems.extend(validate_piping(question.text, earlier, f"{path}.text"))
            earlier[question.key] = question
    return problems
