"""Which page a respondent sees next, what it shows, and how far along they are.

Display logic is evaluated on the server for every page: a page or question is shown when its
conditions hold for the answers to the questions shown before it. A question whose conditions
test another question of the same page is sent to the browser too (hidden while its conditions
fail) so that JavaScript can show it as soon as the respondent answers; without JavaScript the
server shows it after the page is posted.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from surveys.core import display_logic, randomization
from surveys.core.questionnaire import PageSpec, QuestionSpec, SurveySpec


@dataclass(frozen=True, slots=True)
class Route:
    """The pages shown for the answers so far (indices into ``spec.pages``)."""

    pages: tuple[int, ...]
    visible_questions: frozenset[str]

    def first(self) -> int | None:
        return self.pages[0] if self.pages else None

    def next_after(self, index: int) -> int | None:
        return next((page for page in self.pages if page > index), None)

    def previous_before(self, index: int) -> int | None:
        return next((page for page in reversed(self.pages) if page < index), None)

    def is_last(self, index: int) -> bool:
        return self.next_after(index) is None

    def position(self, index: int) -> int:
        """Return the 1-based position of page ``index`` among the shown pages."""
        return sum(1 for page in self.pages if page < index) + 1


@dataclass(frozen=True, slots=True)
class Progress:
    position: int
    total: int

    @property
    def percent(self) -> int:
        """Share of the shown pages already behind the respondent (0 on the first page)."""
        return round(100 * (self.position - 1) / self.total) if self.total else 100


@dataclass(frozen=True, slots=True)
class ShownQuestion:
    question: QuestionSpec
    is_visible: bool  # False: sent hidden, for JavaScript to reveal when same-page answers allow
    number: int


def route(spec: SurveySpec, answers: Mapping[str, object]) -> Route:
    """Return the pages and questions shown for ``answers``."""
    effective: dict[str, object] = {}
    pages: list[int] = []
    visible: set[str] = set()
    for index, page in enumerate(spec.pages):
        if not display_logic.evaluate_logic(page.logic, effective):
            continue
        shown_here = False
        for question in page.questions:
            if display_logic.evaluate_logic(question.logic, effective):
                visible.add(question.key)
                shown_here = True
                if question.key in answers:
                    effective[question.key] = answers[question.key]
        # A page whose every question is hidden (or that has none) would be an empty screen: skip it.
        if shown_here:
            pages.append(index)
    return Route(tuple(pages), frozenset(visible))


def progress(spec: SurveySpec, answers: Mapping[str, object], index: int) -> Progress:
    shown = route(spec, answers)
    return Progress(position=shown.position(index), total=max(len(shown.pages), 1))


def _depends_on_page(question: QuestionSpec, page: PageSpec) -> bool:
    if question.logic is None:
        return False
    on_page = {q.key for q in page.questions}
    return any(key in on_page for key in question.logic.referenced_keys())


def page_questions(
    spec: SurveySpec, index: int, answers: Mapping[str, object], *, seed: str
) -> tuple[ShownQuestion, ...]:
    """Return the questions of page ``index`` in display order (seeded per response).

    Questions hidden by answers on earlier pages are left out; those that depend on an answer
    on this page are kept, marked hidden while their conditions fail.
    """
    page = spec.pages[index]
    shown = route(spec, answers)
    numbers: dict[str, int] = {}
    for question in spec.questions():
        if question.key in shown.visible_questions or question.key in {q.key for q in page.questions}:
            numbers[question.key] = len(numbers) + 1
    result = []
    for question in randomization.order_questions(page, seed=seed):
        is_visible = question.key in shown.visible_questions
        if is_visible or _depends_on_page(question, page):
            result.append(ShownQuestion(question, is_visible, numbers[question.key]))
    return tuple(result)


def referenced_answers(spec: SurveySpec, page: PageSpec, answers: Mapping[str, object]) -> dict[str, object]:
    """Return the stored answers from other pages that this page's display logic tests.

    The browser needs them to evaluate a same-page condition that also tests an earlier answer.
    """
    on_page = {q.key for q in page.questions}
    keys = {
        key
        for question in page.questions
        if question.logic is not None
        for key in question.logic.referenced_keys()
        if key not in on_page
    }
    return {key: answers[key] for key in sorted(keys) if key in answers}
