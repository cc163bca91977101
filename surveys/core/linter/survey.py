"""Rules on the questionnaire as a whole: order, repetition, consistent scales and length."""

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from surveys.core.linter import lexicon
from surveys.core.linter.context import QuestionContext
from surveys.core.linter.findings import Category, Severity, Suggestion
from surveys.core.linter.registry import Hit, Scope, rule
from surveys.core.linter.scales import scale_direction, scale_points
from surveys.core.messages import gettext_noop, message

# Rapport first: the first questions should be easy; private ones wait until the respondent is engaged.
RAPPORT_QUESTIONS = 3
SURVEY_WARNING_SECONDS = 10 * 60
# Reading speed of adults on a phone (~200 English words a minute); Vietnamese syllables read a little faster.
SECONDS_PER_WORD = {"en": 0.30, "vi": 0.24}
ANSWER_SECONDS = {
    "single_choice": 4,
    "multiple_choice": 6,
    "rating": 4,
    "nps": 4,
    "number": 7,
    "short_text": 15,
    "long_text": 40,
    "date": 6,
    "matrix": 4,
    "ranking": 10,
}


@dataclass(frozen=True, slots=True)
class SurveyContext:
    questions: tuple[QuestionContext, ...]


def estimate_question_seconds(ctx: QuestionContext) -> float:
    """Return the seconds a respondent needs to read and answer one question."""
    per_word = SECONDS_PER_WORD.get(ctx.lang, 0.3)
    option_words = sum(len(o.normalised.split()) for o in ctx.options)
    answer = ANSWER_SECONDS.get(ctx.type or "", 4 if ctx.options else 12)
    if ctx.type == "matrix":
        answer += 3 * len(ctx.options)
    return (ctx.word_count + option_words) * per_word + answer


def _private(ctx: QuestionContext) -> bool:
    return "income" in ctx.topics or "private" in ctx.topics


@rule(
    id="sensitive_early",
    category=Category.SENSITIVE_EARLY,
    severity=Severity.WARNING,
    scope=Scope.SURVEY,
    summary=gettext_noop("Income and other private questions at the start make respondents quit or refuse."),
)
def check_sensitive_early(survey: SurveyContext) -> Iterator[Hit]:
    questions = survey.questions
    for index, ctx in enumerate(questions[:RAPPORT_QUESTIONS]):
        later_easy = any(not _private(other) for other in questions[index + 1 :])
        if _private(ctx) and later_easy:
            yield Hit(
                spans=((0, len(ctx.text.normalised)),),
                question_index=index,
                message=message(
                    gettext_noop(
                        "Question {number} asks about a private matter before respondents are at ease; many quit or "
                        "refuse here. Move it towards the end."
                    ),
                    number=index + 1,
                ),
            )


def _content_words(ctx: QuestionContext) -> frozenset[str]:
    words = re.findall(r"[^\W_]+", ctx.text.folded)
    return frozenset(word for word in words if word not in lexicon.STOPWORDS and len(word) > 1)


@rule(
    id="duplicate_question",
    category=Category.DUPLICATE_QUESTION,
    severity=Severity.WARNING,
    scope=Scope.SURVEY,
    summary=gettext_noop("The same question asked twice tires respondents and splits the data."),
)
def check_duplicate_questions(survey: SurveyContext) -> Iterator[Hit]:
    seen: list[tuple[int, frozenset[str], str]] = []
    for index, ctx in enumerate(survey.questions):
        words = _content_words(ctx)
        flat = " ".join(re.findall(r"[^\W_]+", ctx.text.folded))
        for earlier, earlier_words, earlier_flat in seen:
            union = words | earlier_words
            similarity = len(words & earlier_words) / len(union) if union else 0.0
            if flat == earlier_flat or (len(union) >= 3 and similarity >= 0.8):
                yield Hit(
                    spans=((0, len(ctx.text.normalised)),),
                    question_index=index,
                    message=message(
                        gettext_noop("Question {number} repeats question {earlier}; keep one of them."),
                        number=index + 1,
                        earlier=earlier + 1,
                    ),
                )
                break
        seen.append((index, words, flat))


@rule(
    id="inconsistent_scale_direction",
    category=Category.INCONSISTENT_SCALES,
    severity=Severity.WARNING,
    scope=Scope.SURVEY,
    summary=gettext_noop("Scales that run positive-first in one question and negative-first in another cause slips."),
)
def check_scale_direction(survey: SurveyContext) -> Iterator[Hit]:
    directions = []
    for index, ctx in enumerate(survey.questions):
        direction = scale_direction(scale_points(ctx.options, ctx.special_options))
        if direction:
            directions.append((index, direction))
    counts = Counter(direction for _, direction in directions)
    if len(counts) < 2:
        return
    # The survey's own habit is the majority direction; on a tie, the first scale sets it.
    usual = directions[0][1] if counts[1] == counts[-1] else counts.most_common(1)[0][0]
    for index, direction in directions:
        if direction != usual:
            ctx = survey.questions[index]
            reversed_options = tuple(o.normalised for o in reversed(ctx.options) if o)
            yield Hit(
                spans=((0, len(ctx.text.normalised)),),
                question_index=index,
                message=message(
                    gettext_noop(
                        "Question {number}'s scale runs the other way from the rest of the survey; respondents who "
                        "expect the usual order tick the wrong end. Keep one direction throughout."
                    ),
                    number=index + 1,
                ),
                suggestion=Suggestion(options=reversed_options),
            )


@rule(
    id="survey_too_long",
    category=Category.SURVEY_LENGTH,
    severity=Severity.WARNING,
    scope=Scope.SURVEY,
    summary=gettext_noop("A survey that takes more than about ten minutes loses respondents before the end."),
)
def check_survey_length(survey: SurveyContext) -> Iterator[Hit]:
    seconds = sum(estimate_question_seconds(ctx) for ctx in survey.questions)
    if seconds > SURVEY_WARNING_SECONDS:
        yield Hit(
            spans=(),
            message=message(
                gettext_noop(
                    "The survey takes about {minutes} minutes; completion drops sharply after about ten. "
                    "Cut questions that do not serve a decision."
                ),
                minutes=math.ceil(seconds / 60),
            ),
        )
