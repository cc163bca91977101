"""Randomised order of answer options and of the questions on a page.

The order is drawn from a seed (the response's id, say) so one respondent sees the same order
on every visit and resume, while respondents as a whole see every order equally often.
"""

import hashlib
import random

from surveys.core.questionnaire import PIPE_PATTERN, ChoiceSpec, PageSpec, QuestionSpec


def _rng(seed: str, scope: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}:{scope}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def order_choices(question: QuestionSpec, *, seed: str) -> tuple[ChoiceSpec, ...]:
    """Return the options in display order; "other" and "none of these" stay last, as asked."""
    if not question.randomize_choices:
        return question.choices
    movable = [c for c in question.choices if not (c.is_other or c.is_exclusive)]
    anchored = [c for c in question.choices if c.is_other or c.is_exclusive]
    _rng(seed, question.key).shuffle(movable)
    return (*movable, *anchored)


def order_questions(page: PageSpec, *, seed: str) -> tuple[QuestionSpec, ...]:
    """Return the page's questions in display order.

    Questions whose display logic or piping depends on another question of the same page keep
    their relative order after it, so a follow-up never appears above what it follows.
    """
    if not page.randomize_questions:
        return page.questions
    questions = list(page.questions)
    _rng(seed, page.key).shuffle(questions)
    on_page = {q.key for q in page.questions}
    placed: list[QuestionSpec] = []
    pending = questions
    while pending:
        waiting = []
        for question in pending:
            needs = set(question.logic.referenced_keys()) if question.logic else set()
            needs |= set(_piped_keys(question))
            needs &= on_page
            if needs <= {q.key for q in placed}:
                placed.append(question)
            else:
                waiting.append(question)
        if len(waiting) == len(pending):  # validated questionnaires have no cycles; keep authored order
            placed.extend(q for q in page.questions if q in waiting)
            break
        pending = waiting
    return tuple(placed)


def _piped_keys(question: QuestionSpec) -> list[str]:
    return PIPE_PATTERN.findall(question.text.vi) + PIPE_PATTERN.findall(question.text.en)
