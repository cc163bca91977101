"""The builder page as data: sections, question cards and their forms, and refused writes.

A refused write (an invalid form or a service's DomainError) becomes a ``Failure`` tied to the
"slot" of the form that sent it, so the page or the card is drawn again with that form bound to
what the researcher typed and the error next to it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from frontend import forms
from surveys import selectors
from surveys.core.questionnaire import CHOICE_TYPES, Logic, QuestionType
from surveys.errors import DomainError
from surveys.models import Choice, Page, Question, Survey


@dataclass(frozen=True)
class Detail:
    text: str
    anchor: str = ""


@dataclass
class Failure:
    """A refused write: where it happened, what to say, and the form to show again."""

    slot: str
    message: str
    status: int
    details: list[Detail] = field(default_factory=list)
    form: Any = None
    # False when the message already sits next to the field it is about.
    show_message: bool = True


def failure_for(
    slot: str,
    *,
    form: Any = None,
    error: DomainError | None = None,
    aliases: dict[str, str] | None = None,
) -> Failure:
    """Return a Failure for an invalid form (no error) or a refused service call."""
    if error is None:
        # The form shows its own errors; the summary at the top of a reloaded page repeats them.
        details = [
            Detail(f"{form[name].label}: {text}" if name in form.fields else str(text))
            for name, texts in (form.errors.items() if form is not None else ())
            for text in texts
        ]
        return Failure(slot, _("Please correct the errors below."), 400, details, form, show_message=False)
    unplaced = (
        form.add_domain_error(error, aliases)
        if form is not None and hasattr(form, "add_domain_error")
        else [text for texts in error.fields.values() for text in texts]
    )
    message = str(error.message)
    details = [Detail(text) for text in dict.fromkeys(unplaced) if text not in message]
    placed = form is not None and any(message in errors for errors in form.errors.values())
    return Failure(slot, message, error.http_status, details, form, show_message=not placed or bool(details))


@dataclass
class ConditionRow:
    index: int
    question_key: str
    question_text: str
    operator: str
    value: str


@dataclass
class LogicEditor:
    kind: str
    target_id: int
    conditions: list[ConditionRow]
    match: str
    form: forms.ConditionForm | None
    failure: Failure | None = None

    @property
    def dom_id(self) -> str:
        return f"logic-{self.kind}-{self.target_id}"


@dataclass
class ChoiceRow:
    choice: Choice
    form: forms.ChoiceForm | None
    failure: Failure | None
    is_first: bool
    is_last: bool


@dataclass
class QuestionCard:
    question: Question
    number: int
    form: forms.QuestionForm | None
    options: list[ChoiceRow]
    rows: list[ChoiceRow]
    new_option: forms.ChoiceForm | None
    new_row: forms.ChoiceForm | None
    logic: LogicEditor
    piping_keys: list[str]
    other_pages: list[tuple[int, int]]
    failure: Failure | None
    add_option_failure: Failure | None
    add_row_failure: Failure | None
    is_first: bool
    is_last: bool
    saved: bool = False

    @property
    def has_failure(self) -> bool:
        return any(
            (
                self.failure,
                self.add_option_failure,
                self.add_row_failure,
                self.logic.failure,
                *(row.failure for row in (*self.options, *self.rows)),
            )
        )

    @property
    def has_options(self) -> bool:
        return self.question.type in CHOICE_TYPES

    @property
    def has_rows(self) -> bool:
        return self.question.type == QuestionType.MATRIX


@dataclass
class PageSection:
    page: Page
    number: int
    form: forms.PageForm | None
    logic: LogicEditor
    cards: list[QuestionCard]
    failure: Failure | None
    add_failure: Failure | None
    is_first: bool
    is_last: bool


@dataclass
class Builder:
    survey: Survey
    can_edit: bool
    sections: list[PageSection]
    settings_form: forms.SurveyForm | None
    failure: Failure | None
    has_unpublished_changes: bool
    latest_version: Any

    def card(self, question_id: int) -> QuestionCard:
        return next(card for section in self.sections for card in section.cards if card.question.id == question_id)

    @property
    def failure_anchor(self) -> str:
        """Return the id of the part of the page that shows the refused form."""
        for section in self.sections:
            if section.failure or section.add_failure or section.logic.failure:
                return f"page-{section.page.id}"
            for card in section.cards:
                if card.has_failure:
                    return f"q-{card.question.id}"
        return ""


def _slot_failure(failure: Failure | None, slot: str) -> Failure | None:
    return failure if failure is not None and failure.slot == slot else None


def _slot_form(failure: Failure | None, slot: str, build: Callable[[], Any]) -> Any:
    matched = _slot_failure(failure, slot)
    return matched.form if matched is not None and matched.form is not None else build()


def _condition_rows(logic: Any, questions: dict[str, Question]) -> list[ConditionRow]:
    if not logic:
        return []
    rows = []
    for index, condition in enumerate(Logic.from_dict(logic).conditions):
        target = questions.get(condition.question)
        labels = (
            {c.value: forms._choice_summary(c) for c in target.choices.all() if c.kind == Choice.Kind.OPTION}
            if target is not None
            else {}
        )
        values = condition.value if isinstance(condition.value, tuple) else (condition.value,)
        shown = [labels.get(str(v), str(v)) for v in values if v is not None and v != ""]
        rows.append(
            ConditionRow(
                index=index,
                question_key=condition.question,
                question_text=forms._question_summary(target) if target is not None else "",
                operator=condition.operator.value,
                value=", ".join(shown),
            )
        )
    return rows


def _logic_editor(
    kind: str, target: Page | Question, earlier: list[Question], questions: dict[str, Question], failure: Failure | None
) -> LogicEditor:
    slot = f"{kind}-logic-{target.id}"
    form = (
        _slot_form(failure, slot, lambda: forms.ConditionForm(earlier=earlier, prefix=f"l{kind[0]}{target.id}"))
        if earlier
        else None
    )
    return LogicEditor(
        kind=kind,
        target_id=target.id,
        conditions=_condition_rows(target.logic, questions),
        match=(target.logic or {}).get("match", "all"),
        form=form,
        failure=_slot_failure(failure, slot),
    )


def _choice_rows(
    question: Question, kind: str, languages: Sequence[str], can_edit: bool, failure: Failure | None
) -> list[ChoiceRow]:
    choices = [c for c in question.choices.all() if c.kind == kind]
    return [
        ChoiceRow(
            choice=choice,
            form=_slot_form(
                failure,
                f"choice-{choice.id}",
                lambda choice=choice: forms.ChoiceForm(
                    question_type=question.type, kind=kind, languages=languages, choice=choice, prefix=f"c{choice.id}"
                ),
            )
            if can_edit
            else None,
            failure=_slot_failure(failure, f"choice-{choice.id}"),
            is_first=index == 0,
            is_last=index == len(choices) - 1,
        )
        for index, choice in enumerate(choices)
    ]


def _new_choice_form(question: Question, kind: str, languages: Sequence[str], failure: Failure | None) -> Any:
    slot = f"add-choice-{question.id}-{kind}"
    return _slot_form(
        failure,
        slot,
        lambda: forms.ChoiceForm(
            question_type=question.type, kind=kind, languages=languages, prefix=f"n{kind[0]}{question.id}"
        ),
    )


def build(survey: Survey, *, can_edit: bool, failure: Failure | None = None, saved: str = "") -> Builder:
    """Assemble the builder page: sections, cards and their forms, with a refused form shown again."""
    languages = list(survey.languages)
    pages = list(selectors.list_pages(survey=survey))
    questions = {question.key: question for page in pages for question in page.questions.all()}
    ordered = list(questions.values())
    sections: list[PageSection] = []
    number = 0
    for page_index, page in enumerate(pages):
        page_questions = list(page.questions.all())
        earlier_pages = [q for p in pages[:page_index] for q in p.questions.all()]
        cards = []
        for index, question in enumerate(page_questions):
            earlier = ordered[:number]
            number += 1
            slot = f"question-{question.id}"
            cards.append(
                QuestionCard(
                    question=question,
                    number=number,
                    form=_slot_form(
                        failure,
                        slot,
                        lambda question=question: forms.QuestionForm(
                            question=question, languages=languages, prefix=f"q{question.id}"
                        ),
                    )
                    if can_edit
                    else None,
                    options=_choice_rows(question, Choice.Kind.OPTION, languages, can_edit, failure),
                    rows=_choice_rows(question, Choice.Kind.ROW, languages, can_edit, failure),
                    new_option=_new_choice_form(question, Choice.Kind.OPTION, languages, failure) if can_edit else None,
                    new_row=_new_choice_form(question, Choice.Kind.ROW, languages, failure) if can_edit else None,
                    logic=_logic_editor("question", question, earlier, questions, failure),
                    piping_keys=[q.key for q in earlier],
                    other_pages=[(p.id, i + 1) for i, p in enumerate(pages) if p.id != page.id],
                    failure=_slot_failure(failure, slot),
                    add_option_failure=_slot_failure(failure, f"add-choice-{question.id}-{Choice.Kind.OPTION}"),
                    add_row_failure=_slot_failure(failure, f"add-choice-{question.id}-{Choice.Kind.ROW}"),
                    is_first=index == 0,
                    is_last=index == len(page_questions) - 1,
                    saved=saved == slot,
                )
            )
            if saved == f"new-{slot}" and can_edit:
                # A question just added: the cursor goes to its text, ready to type.
                cards[-1].form.fields[f"text_{languages[0]}"].widget.attrs["autofocus"] = True
        slot = f"page-{page.id}"
        sections.append(
            PageSection(
                page=page,
                number=page_index + 1,
                form=_slot_form(
                    failure,
                    slot,
                    lambda page=page: forms.PageForm(
                        initial=forms.text_initial(page.title, name="title", languages=languages)
                        | {"randomize_questions": page.randomize_questions},
                        languages=languages,
                        prefix=f"p{page.id}",
                    ),
                )
                if can_edit
                else None,
                logic=_logic_editor("page", page, earlier_pages, questions, failure),
                cards=cards,
                failure=_slot_failure(failure, slot),
                add_failure=_slot_failure(failure, f"add-question-{page.id}"),
                is_first=page_index == 0,
                is_last=page_index == len(pages) - 1,
            )
        )
    settings_form = (
        _slot_form(failure, "settings", lambda: forms.SurveyForm(initial=forms.SurveyForm.initial_for(survey)))
        if can_edit
        else None
    )
    return Builder(
        survey=survey,
        can_edit=can_edit,
        sections=sections,
        settings_form=settings_form,
        failure=failure,
        has_unpublished_changes=selectors.has_unpublished_changes(survey=survey),
        latest_version=selectors.get_latest_version(survey=survey),
    )
