"""Build what a respondent would see on one page of a survey, for the researcher's preview.

The preview keeps the answers typed so far in the query string (``a-<key>``), so display logic
and piping react to them exactly as for a respondent, while nothing is ever stored.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import QueryDict

from surveys.core import display_logic, piping, randomization
from surveys.core.questionnaire import ChoiceSpec, QuestionSpec, QuestionType, SurveySpec

ANSWER_PREFIX = "a-"
NUMBER_TYPES = frozenset({QuestionType.NUMBER, QuestionType.RATING, QuestionType.NPS})
PREVIEW_SEED = "preview"


@dataclass(frozen=True, slots=True)
class PreviewOption:
    value: str
    label: str
    is_selected: bool = False
    is_exclusive: bool = False
    is_other: bool = False


@dataclass(frozen=True, slots=True)
class PreviewRow:
    value: str
    label: str
    selected: str


@dataclass(frozen=True, slots=True)
class PreviewQuestion:
    key: str
    type: str
    number: int
    text: str
    help_text: str
    required: bool
    field_name: str
    options: tuple[PreviewOption, ...] = ()
    rows: tuple[PreviewRow, ...] = ()
    value: str = ""
    min_value: float | None = None
    max_value: float | None = None
    allow_not_applicable: bool = False
    is_shuffled: bool = False


@dataclass(frozen=True, slots=True)
class PreviewPage:
    language: str
    index: int | None
    position: int
    page_count: int
    title: str
    questions: tuple[PreviewQuestion, ...]
    hidden_count: int
    previous_index: int | None
    next_index: int | None
    carried: tuple[tuple[str, str], ...]

    @property
    def is_end(self) -> bool:
        return self.index is None


def _field_name(key: str) -> str:
    return f"{ANSWER_PREFIX}{key}"


def parse_answers(spec: SurveySpec, query: QueryDict) -> dict[str, object]:
    """Return the preview answers in the shapes display logic and piping expect."""
    answers: dict[str, object] = {}
    for question in spec.questions():
        name = _field_name(question.key)
        question_type = QuestionType(question.type)
        if question_type == QuestionType.MULTIPLE_CHOICE:
            values = [v for v in query.getlist(name) if v]
            if values:
                answers[question.key] = values
        elif question_type == QuestionType.MATRIX:
            cells = {row.value: query.get(f"{name}.{row.value}", "") for row in question.rows}
            cells = {row: value for row, value in cells.items() if value}
            if cells:
                answers[question.key] = cells
        elif question_type == QuestionType.RANKING:
            ranks = []
            for choice in question.choices:
                try:
                    ranks.append((int(query.get(f"{name}.{choice.value}", "")), choice.value))
                except ValueError:
                    continue
            if ranks:
                answers[question.key] = [value for _, value in sorted(ranks)]
        else:
            value = query.get(name, "").strip()
            if not value:
                continue
            if question_type in NUMBER_TYPES:
                try:
                    number = float(value)
                except ValueError:
                    continue
                answers[question.key] = int(number) if number.is_integer() else number
            else:
                answers[question.key] = value
    return answers


def _carry(question: QuestionSpec, answer: object) -> list[tuple[str, str]]:
    name = _field_name(question.key)
    if isinstance(answer, Mapping):
        return [(f"{name}.{row}", str(value)) for row, value in answer.items()]
    if question.type == QuestionType.RANKING and isinstance(answer, list):
        return [(f"{name}.{value}", str(rank)) for rank, value in enumerate(answer, start=1)]
    if isinstance(answer, list):
        return [(name, str(value)) for value in answer]
    return [(name, str(answer))]


def _options(choices: tuple[ChoiceSpec, ...], language: str, fallback: str, selected: set[str]) -> tuple:
    return tuple(
        PreviewOption(
            value=choice.value,
            label=choice.label.get(language, fallback) or choice.value,
            is_selected=choice.value in selected,
            is_exclusive=choice.is_exclusive,
            is_other=choice.is_other,
        )
        for choice in choices
    )


def _question(
    question: QuestionSpec, *, number: int, spec: SurveySpec, answers: Mapping[str, object], language: str
) -> PreviewQuestion:
    fallback = spec.default_language
    answer = answers.get(question.key)
    options: tuple[PreviewOption, ...] = ()
    rows: tuple[PreviewRow, ...] = ()
    value = ""
    if question.type == QuestionType.RANKING:
        ranks = {item: str(rank) for rank, item in enumerate(answer, start=1)} if isinstance(answer, list) else {}
        rows = tuple(
            PreviewRow(choice.value, choice.label.get(language, fallback) or choice.value, ranks.get(choice.value, ""))
            for choice in randomization.order_choices(question, seed=PREVIEW_SEED)
        )
    elif question.type == QuestionType.MATRIX:
        cells = answer if isinstance(answer, Mapping) else {}
        options = _options(question.choices, language, fallback, set())
        rows = tuple(
            PreviewRow(row.value, row.label.get(language, fallback) or row.value, str(cells.get(row.value, "")))
            for row in question.rows
        )
    elif question.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE, QuestionType.RATING):
        selected = {str(item) for item in answer} if isinstance(answer, list) else {str(answer)}
        options = _options(randomization.order_choices(question, seed=PREVIEW_SEED), language, fallback, selected)
    elif question.type == QuestionType.NPS:
        points = tuple(ChoiceSpec(str(point)) for point in range(11))
        options = _options(points, language, fallback, {str(answer)})
    elif answer is not None:
        value = str(answer)

    def pipe(text: str) -> str:
        return piping.render_piped_text(text, spec=spec, answers=answers, language=language)

    return PreviewQuestion(
        key=question.key,
        type=question.type.value,
        number=number,
        text=pipe(question.text.get(language, fallback)),
        help_text=pipe(question.help_text.get(language, fallback)),
        required=question.required,
        field_name=_field_name(question.key),
        options=options,
        rows=rows,
        value=value,
        min_value=question.min_value,
        max_value=question.max_value,
        allow_not_applicable=question.allow_not_applicable,
        is_shuffled=question.randomize_choices,
    )


def build_page(spec: SurveySpec, *, answers: Mapping[str, object], language: str, index: int | None) -> PreviewPage:
    """Return page ``index`` (None: the end) as shown for ``answers`` in ``language``."""
    language = language if language in spec.languages else spec.default_language
    effective: dict[str, object] = {}
    shown_pages: list[int] = []
    numbers: dict[str, int] = {}
    shown_keys: set[str] = set()
    for page_index, page in enumerate(spec.pages):
        if not display_logic.evaluate_logic(page.logic, effective):
            continue
        shown_pages.append(page_index)
        for question in page.questions:
            if display_logic.evaluate_logic(question.logic, effective):
                shown_keys.add(question.key)
                numbers[question.key] = len(numbers) + 1
                if question.key in answers:
                    effective[question.key] = answers[question.key]
    if index is not None and index not in shown_pages:
        # A page hidden by the answers so far: go to the next one that is shown.
        index = next((i for i in shown_pages if i > index), None)
    position = shown_pages.index(index) if index is not None else len(shown_pages)
    previous_index = shown_pages[position - 1] if position > 0 else None
    next_index = shown_pages[position + 1] if index is not None and position + 1 < len(shown_pages) else None
    page = spec.pages[index] if index is not None else None
    on_page = page.questions if page is not None else ()
    visible = [q for q in randomization.order_questions(page, seed=PREVIEW_SEED) if q.key in shown_keys] if page else []
    carried = tuple(
        pair
        for question in spec.questions()
        if question.key in effective and question not in on_page
        for pair in _carry(question, effective[question.key])
    )
    return PreviewPage(
        language=language,
        index=index,
        position=position + 1,
        page_count=len(shown_pages),
        title=page.title.get(language, spec.default_language) if page is not None else "",
        questions=tuple(
            _question(q, number=numbers[q.key], spec=spec, answers=effective, language=language) for q in visible
        ),
        hidden_count=len(on_page) - len(visible),
        previous_index=previous_index,
        next_index=next_index,
        carried=carried,
    )
