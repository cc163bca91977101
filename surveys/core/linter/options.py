"""Rules on one question's answer options: ranges, coverage, balance, duplicates and opt-outs."""

import itertools
import math
import re
from collections.abc import Iterator

from surveys.core.linter import lexicon
from surveys.core.linter.context import QuestionContext
from surveys.core.linter.findings import Category, Severity, Suggestion
from surveys.core.linter.numbers import Band, Quantity
from surveys.core.linter.registry import Hit, rule
from surveys.core.linter.scales import scale_points
from surveys.core.messages import gettext_noop, message

SCALE_TYPES = frozenset({"rating", "nps", "matrix"})


def _whole(ctx: QuestionContext, index: int) -> tuple[tuple[int, int], ...]:
    return ((0, len(ctx.options[index].normalised)),)


def _label(ctx: QuestionContext, index: int) -> str:
    return ctx.options[index].normalised.strip()


@rule(
    id="duplicate_options",
    category=Category.DUPLICATE_OPTIONS,
    severity=Severity.ERROR,
    summary=gettext_noop("The same answer appears twice, so answers split between two identical options."),
)
def check_duplicate_options(ctx: QuestionContext) -> Iterator[Hit]:
    seen: dict[str, int] = {}
    for index, key in enumerate(ctx.option_folds):
        if not key:
            continue
        if key in seen:
            kept = tuple(o.normalised for i, o in enumerate(ctx.options) if i != index)
            yield Hit(
                spans=_whole(ctx, index),
                option_index=index,
                message=message(
                    gettext_noop("Option {number} “{label}” repeats option {first}; remove one of them."),
                    number=index + 1,
                    label=_label(ctx, index),
                    first=seen[key] + 1,
                ),
                suggestion=Suggestion(options=kept),
            )
        else:
            seen[key] = index


def _range_bands(ctx: QuestionContext) -> list[tuple[int, Band]]:
    if ctx.type in SCALE_TYPES or len(ctx.bands) < 2 or not any(band.is_range for _, band in ctx.bands):
        return []
    plain = [i for i in range(len(ctx.options)) if i not in ctx.special_options]
    if len(ctx.bands) < 0.6 * len(plain):
        return []
    return sorted(ctx.bands, key=lambda item: (item[1].low, item[1].high))


def _overlaps(first: Band, second: Band) -> bool:
    if first.high > second.low:
        return True
    return first.high == second.low and first.high_inclusive and second.low_inclusive


def _gap(first: Band, second: Band) -> bool:
    """Return whether values fall between two bands; a step of one written unit (24 → 25, 49,999 → 50,000) is none."""
    if not first.high_inclusive or not second.low_inclusive:
        return second.low > first.high
    return second.low - first.high > min(first.step, second.step) + 1e-9


def _format_amount(value: float, quantity: Quantity) -> str:
    if math.isinf(value):
        return "∞"
    if quantity == Quantity.MONEY and value >= 1e6:
        return f"{value / 1e6:g}M"
    if quantity == Quantity.MONEY and value >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


@rule(
    id="overlapping_ranges",
    category=Category.OVERLAPPING_OPTIONS,
    severity=Severity.ERROR,
    summary=gettext_noop("Two numeric ranges share values, so some respondents fit two options."),
)
def check_overlapping_ranges(ctx: QuestionContext) -> Iterator[Hit]:
    bands = _range_bands(ctx)
    for (first_index, first), (second_index, second) in itertools.pairwise(bands):
        if _overlaps(first, second):
            shared = max(second.low, first.low)
            yield Hit(
                spans=_whole(ctx, second_index),
                option_index=second_index,
                message=message(
                    gettext_noop(
                        "“{first}” and “{second}” both include {value}; a respondent at {value} fits both. "
                        "Make the ranges meet without sharing an end (e.g. “5 – under 10”)."
                    ),
                    first=_label(ctx, first_index),
                    second=_label(ctx, second_index),
                    value=_format_amount(shared, first.quantity),
                ),
            )


@rule(
    id="range_gap",
    category=Category.NON_EXHAUSTIVE_OPTIONS,
    severity=Severity.WARNING,
    summary=gettext_noop("Values fall between two numeric ranges, so some respondents have no option."),
)
def check_range_gaps(ctx: QuestionContext) -> Iterator[Hit]:
    bands = _range_bands(ctx)
    for (first_index, first), (second_index, second) in itertools.pairwise(bands):
        if not _overlaps(first, second) and _gap(first, second):
            yield Hit(
                spans=_whole(ctx, second_index),
                option_index=second_index,
                message=message(
                    gettext_noop(
                        "Nothing covers the values between “{first}” and “{second}”; respondents there cannot answer."
                    ),
                    first=_label(ctx, first_index),
                    second=_label(ctx, second_index),
                ),
            )


@rule(
    id="range_missing_end",
    category=Category.NON_EXHAUSTIVE_OPTIONS,
    severity=Severity.WARNING,
    summary=gettext_noop("Numeric ranges stop short: nothing below the first or above the last band."),
)
def check_range_ends(ctx: QuestionContext) -> Iterator[Hit]:
    bands = _range_bands(ctx)
    if not bands:
        return
    first_index, first = bands[0]
    last_index, last = max(bands, key=lambda item: item[1].high)
    quantity = first.quantity
    # A worded option ("Same day", "Không có thu nhập", "Never") can be the missing end; then nothing is missing.
    if len(bands) < len(ctx.options) - len(ctx.special_options):
        return
    lowest_expected = {Quantity.AGE: 18.0, Quantity.COUNT: 1.0}.get(quantity, 0.0)
    if first.low > lowest_expected and not (quantity == Quantity.PERCENT and first.low <= 1):
        yield Hit(
            spans=_whole(ctx, first_index),
            option_index=first_index,
            message=message(
                gettext_noop("Nothing covers values below “{label}”; add a lowest band (e.g. “under …”)."),
                label=_label(ctx, first_index),
            ),
        )
    top_is_natural = quantity == Quantity.PERCENT and last.high >= 100
    if not last.is_open_above and not top_is_natural:
        yield Hit(
            spans=_whole(ctx, last_index),
            option_index=last_index,
            message=message(
                gettext_noop("Nothing covers values above “{label}”; add a top band (e.g. “… or more”)."),
                label=_label(ctx, last_index),
            ),
        )


@rule(
    id="missing_other_option",
    category=Category.NON_EXHAUSTIVE_OPTIONS,
    severity=Severity.INFO,
    summary=gettext_noop("A list of reasons, channels or brands without “Other” forces a wrong choice."),
)
def check_missing_other(ctx: QuestionContext) -> Iterator[Hit]:
    if len(ctx.options) < 3 or ctx.type in SCALE_TYPES or ctx.special_options or ctx.bands:
        return
    if ctx.has_yes_no_options or scale_points(ctx.options, frozenset()):
        return
    cue = lexicon.OPEN_SET_CUES.search(ctx.text)
    if cue is None:
        return
    other = "Khác (ghi rõ)" if ctx.lang == "vi" else "Other (please specify)"
    yield Hit(
        spans=((cue.start(), cue.end()),),
        message=message(
            gettext_noop(
                "The list of options is unlikely to cover every {topic}; add “Other (please specify)” so nobody "
                "has to pick an answer that is not theirs."
            ),
            topic=ctx.text.normalised[cue.start() : cue.end()],
        ),
        suggestion=Suggestion(options=(*(o.normalised for o in ctx.options), other)),
    )


@rule(
    id="missing_opt_out_sensitive",
    category=Category.MISSING_OPT_OUT,
    severity=Severity.WARNING,
    summary=gettext_noop("A question on income, age or other private matters needs “Prefer not to say”."),
)
def check_missing_opt_out(ctx: QuestionContext) -> Iterator[Hit]:
    if not ctx.options or not ctx.topics or ctx.type in SCALE_TYPES:
        return
    if any(lexicon.OPT_OUT_OPTIONS.search(option) is not None for option in ctx.options):
        return
    if ctx.has_yes_no_options and "private" not in ctx.topics:
        return
    match = next((words.search(ctx.text) for name, words in lexicon.OPT_OUT_TOPICS.items() if name in ctx.topics), None)
    spans = ((match.start(), match.end()),) if match else ((0, len(ctx.text.normalised)),)
    opt_out = "Không muốn trả lời" if ctx.lang == "vi" else "Prefer not to say"
    yield Hit(
        spans=spans,
        message=message(
            gettext_noop(
                "Some respondents will not share this; without “Prefer not to say” they quit or give a false "
                "answer. Add that option."
            )
        ),
        suggestion=Suggestion(options=(*(o.normalised for o in ctx.options), opt_out)),
    )


_BALANCED = {
    "vi": ("Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng", "Rất không hài lòng"),
    "en": (
        "Very satisfied",
        "Somewhat satisfied",
        "Neither satisfied nor dissatisfied",
        "Somewhat dissatisfied",
        "Very dissatisfied",
    ),
}
_BALANCED_AGREE = {
    "vi": ("Hoàn toàn đồng ý", "Đồng ý", "Không đồng ý cũng không phản đối", "Không đồng ý", "Hoàn toàn không đồng ý"),
    "en": ("Strongly agree", "Agree", "Neither agree nor disagree", "Disagree", "Strongly disagree"),
}


@rule(
    id="unbalanced_scale",
    category=Category.UNBALANCED_SCALE,
    severity=Severity.WARNING,
    summary=gettext_noop("More positive than negative points (or the reverse) pulls answers to one side."),
)
def check_unbalanced_scale(ctx: QuestionContext) -> Iterator[Hit]:
    points = scale_points(ctx.options, ctx.special_options)
    if not points:
        return
    positive = [i for i, p in points if p > 0]
    negative = [i for i, p in points if p < 0]
    if len(positive) == len(negative):
        return
    heavier = positive if len(positive) > len(negative) else negative
    labels = " ".join(ctx.option_folds)
    replacement = _BALANCED_AGREE if re.search(r"\b(?:agree|dong y)\b", labels) else _BALANCED
    suggestion = None
    if re.search(r"\b(?:satisf|hai long|agree|dong y)", labels):
        suggestion = Suggestion(options=replacement["vi" if ctx.lang == "vi" else "en"])
    yield Hit(
        spans=_whole(ctx, heavier[0]),
        option_index=heavier[0],
        message=message(
            gettext_noop(
                "The scale has {positive} positive and {negative} negative points, which nudges answers towards "
                "the longer side. Mirror every point on the other side."
            ),
            positive=len(positive),
            negative=len(negative),
        ),
        suggestion=suggestion,
    )
