"""What goes into the linter and what comes out: frozen values only."""

from dataclasses import dataclass
from enum import StrEnum

from surveys.core.messages import Message


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Category(StrEnum):
    LEADING = "leading"
    LOADED = "loaded"
    DOUBLE_BARRELED = "double_barreled"
    ABSOLUTE = "absolute"
    DOUBLE_NEGATIVE = "double_negative"
    ASSUMPTIVE = "assumptive"
    JARGON = "jargon"
    VAGUE = "vague"
    ACQUIESCENCE = "acquiescence"
    YES_NO_CLOSED = "yes_no_closed"
    TOO_LONG = "too_long"
    UNBALANCED_SCALE = "unbalanced_scale"
    OVERLAPPING_OPTIONS = "overlapping_options"
    NON_EXHAUSTIVE_OPTIONS = "non_exhaustive_options"
    MISSING_OPT_OUT = "missing_opt_out"
    DUPLICATE_OPTIONS = "duplicate_options"
    SENSITIVE_EARLY = "sensitive_early"
    DUPLICATE_QUESTION = "duplicate_question"
    INCONSISTENT_SCALES = "inconsistent_scales"
    # Not in the list: the whole-survey completion-time estimate.
    SURVEY_LENGTH = "survey_length"


@dataclass(frozen=True, slots=True)
class QuestionInput:
    """One question to lint. ``lang`` None means detect it; ``role`` is e.g. "demographic:income"."""

    text: str
    options: tuple[str, ...] = ()
    type: str | None = None
    lang: str | None = None
    key: str = ""
    role: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise ValueError("text must be a string")
        if not isinstance(self.options, tuple) or not all(isinstance(o, str) for o in self.options):
            raise ValueError("options must be a tuple of strings")
        if self.lang not in (None, "vi", "en"):
            raise ValueError("lang must be 'vi', 'en' or None")


@dataclass(frozen=True, slots=True)
class SurveyInput:
    """A questionnaire to lint, questions in the order respondents see them."""

    questions: tuple[QuestionInput, ...]
    lang: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.questions, tuple) or not all(isinstance(q, QuestionInput) for q in self.questions):
            raise ValueError("questions must be a tuple of QuestionInput")
        if self.lang not in (None, "vi", "en"):
            raise ValueError("lang must be 'vi', 'en' or None")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A neutral rewrite: replacement question text(s) (several when splitting) and/or options."""

    questions: tuple[str, ...] = ()
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One problem: where it is, why it biases or breaks answers, and how to fix it.

    ``spans`` are (start, end) offsets into the original question text, or into option
    ``option_index``'s text when that is set. ``question_index`` is set by ``lint_survey``.
    """

    rule: str
    category: Category
    severity: Severity
    spans: tuple[tuple[int, int], ...]
    message: Message
    suggestion: Suggestion | None = None
    option_index: int | None = None
    question_index: int | None = None

    @property
    def start(self) -> int:
        return self.spans[0][0] if self.spans else 0

    @property
    def end(self) -> int:
        return self.spans[0][1] if self.spans else 0

    @property
    def is_blocking(self) -> bool:
        return self.severity == Severity.ERROR


@dataclass(frozen=True, slots=True)
class SurveyLintReport:
    """Findings for every question and for the survey as a whole, and the time it takes."""

    findings: tuple[LintFinding, ...]
    estimated_seconds: int
    languages: tuple[str, ...]

    @property
    def is_blocking(self) -> bool:
        return any(finding.is_blocking for finding in self.findings)
