"""How precise each segment's number is, and which segments have too few answers to trust.

Every page that shows results per segment (collection monitoring, crosstabs, insights) marks a
segment with too few answers and shows its margin of error. They all call ``segment_precision``
so the threshold and its explanation are the same everywhere::

    from surveys.core.precision import segment_precision

    rows = segment_precision({"Hà Nội": 120, "Đà Nẵng": 18}, confidence_level=0.95)
    rows[1].is_too_small   # True: 18 < 30 answers
    rows[1].reason.render(gettext)   # "Only 18 answers: at least 30 are needed …"

and render each row with the ``{% segment_precision_badge row %}`` tag of
``frontend/templatetags/precision.py`` (which also accepts a plain count).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from surveys.core.messages import Message, gettext_noop, message
from surveys.core.sample_size import DEFAULT_MINIMUM_SEGMENT_COUNT, estimate_segment_margins

# The margin of error is that of a proportion at p = 0.5 unless told otherwise: the widest one,
# so a segment marked precise enough is precise enough for any percentage shown for it.
WORST_CASE_PROPORTION = 0.5


@dataclass(frozen=True, slots=True)
class SegmentPrecision:
    """A segment's answers, their margin of error and whether they are too few to trust."""

    segment: str
    n: int
    margin_of_error: float | None  # None when the segment has no answers
    confidence_level: float
    minimum_count: int
    maximum_margin_of_error: float | None
    is_too_small: bool
    reason: Message | None  # why the segment is marked; None when it is not


def _reason(n: int, margin: float | None, minimum_count: int, maximum_margin_of_error: float | None) -> Message | None:
    if n == 0:
        return message(gettext_noop("No answers yet: this segment has no margin of error."))
    if n < minimum_count:
        return message(
            gettext_noop(
                "Only {n} answers: at least {minimum} are needed before a percentage for this segment can be trusted."
            ),
            n=n,
            minimum=minimum_count,
        )
    if maximum_margin_of_error is not None and margin is not None and margin > maximum_margin_of_error:
        return message(
            gettext_noop("The margin of error ±{margin} is wider than the target ±{target}."),
            margin=f"{margin * 100:.1f}%",
            target=f"{maximum_margin_of_error * 100:.1f}%",
        )
    return None


def segment_precision(
    counts: Mapping[str, int],
    *,
    confidence_level: float = 0.95,
    proportion: float = WORST_CASE_PROPORTION,
    design_effect: float = 1.0,
    population_sizes: Mapping[str, int] | None = None,
    minimum_count: int = DEFAULT_MINIMUM_SEGMENT_COUNT,
    maximum_margin_of_error: float | None = None,
) -> tuple[SegmentPrecision, ...]:
    """Return the margin of error of each segment and mark the segments with too few answers.

    Parameters
    ----------
    counts : Mapping[str, int]
        Answers per segment (0 allowed), in the order to show them.
    confidence_level : float
        Confidence level of the margins.
    proportion : float
        Proportion at which the margin is evaluated; 0.5 (the default) is the widest margin.
    design_effect : float
        Kish's design effect (e.g. from weighting).
    population_sizes : Mapping[str, int], optional
        People in each segment, for the finite-population correction.
    minimum_count : int
        Below this many answers a segment is too small (30 by default: below it the normal
        approximation behind a margin of error is unreliable).
    maximum_margin_of_error : float, optional
        A segment whose margin is wider (e.g. the survey's target margin) is too small as well.

    Returns
    -------
    tuple of SegmentPrecision
        In the order of ``counts``, each with the reason it is marked (or None).

    Raises
    ------
    SampleSizeInputError
        A count below 0 or a parameter outside its domain, naming the parameter.
    """
    margins = estimate_segment_margins(
        counts=counts,
        confidence_level=confidence_level,
        proportion=proportion,
        design_effect=design_effect,
        population_sizes=population_sizes,
        minimum_count=minimum_count,
        maximum_margin_of_error=maximum_margin_of_error,
    )
    return tuple(
        SegmentPrecision(
            segment=margin.segment,
            n=margin.n,
            margin_of_error=margin.margin_of_error,
            confidence_level=float(confidence_level),
            minimum_count=margin.minimum_count,
            maximum_margin_of_error=maximum_margin_of_error,
            is_too_small=margin.is_too_small,
            reason=_reason(margin.n, margin.margin_of_error, margin.minimum_count, maximum_margin_of_error)
            if margin.is_too_small
            else None,
        )
        for margin in margins
    )
