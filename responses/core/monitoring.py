"""Where respondents stop: drop-off by page and by question, from the partial responses.

A partial response stopped on the page it was last sent to (``current_page``: the page a resume
link would open), at the first question of that page or later that it was shown but did not
answer (display logic decides what it was shown, from the answers it gave; optional questions
skipped on earlier pages are not where it stopped). A partial response that answered every
question it was shown stopped before submitting: it is counted on its page with no question.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from responses.core.answers import is_answered
from surveys.core import display_logic
from surveys.core.questionnaire import SurveySpec


@dataclass(frozen=True, slots=True)
class StopCount:
    key: str  # a page key or a question key; "" for "before submitting"
    count: int


@dataclass(frozen=True, slots=True)
class DropOff:
    partial_count: int
    by_page: tuple[StopCount, ...]  # every page of the questionnaire, in order, then unknown pages
    by_question: tuple[StopCount, ...]  # the questions where someone stopped, in questionnaire order


def drop_off(spec: SurveySpec, partials: Iterable[tuple[str, Mapping[str, object]]]) -> DropOff:
    """Count where the partial responses ``(current_page, answers)`` stopped."""
    page_of = {question.key: page.key for page in spec.pages for question in page.questions}
    page_index = {page.key: index for index, page in enumerate(spec.pages)}
    pages: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    total = 0
    for current_page, answers in partials:
        total += 1
        answers = answers if isinstance(answers, Mapping) else {}
        start = page_index.get(current_page, 0)
        stopped = next(
            (
                q.key
                for q in display_logic.visible_questions(spec, answers)
                if page_index.get(page_of.get(q.key, ""), 0) >= start and not is_answered(answers.get(q.key))
            ),
            "",
        )
        page = current_page or (page_of.get(stopped, "") if stopped else "")
        if not page and spec.pages:
            page = spec.pages[0].key
        pages[page] += 1
        if stopped:
            questions[stopped] += 1
    order = [page.key for page in spec.pages]
    by_page = [StopCount(key, pages.get(key, 0)) for key in order]
    by_page += [StopCount(key, count) for key, count in sorted(pages.items()) if key not in order]
    by_question = [StopCount(q.key, questions[q.key]) for q in spec.questions() if questions.get(q.key)]
    return DropOff(total, tuple(by_page), tuple(by_question))
