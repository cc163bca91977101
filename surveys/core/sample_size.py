"""How many answers a survey needs, how many people to invite, and how precise each number is.

Every function takes plain numbers and returns a frozen dataclass that names the formula used
and carries its intermediate values, so a number shown to a researcher can be traced back to
its inputs. Bad parameters raise ``SampleSizeInputError`` (a ``ValueError``) whose ``message``
the Django layer translates.

The distribution functions are scipy's own ``scipy.special`` routines (``ndtr``, ``ndtri``,
``stdtrit``, ``nctdtr``, ``chdtri``, ``chndtr``): the very ones behind ``scipy.stats.norm``,
``nct`` and ``ncx2``, without the 30–60 µs of argument checking each ``scipy.stats`` call adds,
which root finding would pay a dozen times per answer and which would break the 1 ms budget.
"""

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from scipy import special
from scipy.optimize import brentq

from surveys.core.messages import Message, gettext_noop, message

# A two-sample t-test needs at least one degree of freedom; R's power.t.test searches n >= 2.
MIN_T_TEST_GROUP = 2.0
# Below about 30 answers the normal approximation behind a margin of error is unreliable.
DEFAULT_MINIMUM_SEGMENT_COUNT = 30
_ROOT_XTOL = 1e-10
_MAX_N = 1e9


_Choice = TypeVar("_Choice", bound=StrEnum)


class Rounding(StrEnum):
    CEIL = "ceil"
    NEAREST = "nearest"  # Krejcie & Morgan (1970) rounded their table to the nearest whole number


class Alternative(StrEnum):
    TWO_SIDED = "two-sided"
    ONE_SIDED = "one-sided"  # in the direction of the effect, as R's power.*.test


class ProportionTestMethod(StrEnum):
    POOLED = "pooled"  # normal approximation with the pooled variance under H0, as R's power.prop.test
    ARCSINE = "arcsine"  # Cohen's h = 2·asin√p2 − 2·asin√p1


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class SampleSizeInputError(ValueError):
    """A parameter outside its domain, with a translatable message and the parameter's name."""

    def __init__(self, parameter: str, text: Message) -> None:
        self.parameter = parameter
        self.message = text
        super().__init__(text.render())


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ProportionSampleSize:
    """Responses needed to estimate a proportion within ± margin_of_error."""

    formula: str
    proportion: float
    margin_of_error: float
    confidence_level: float
    population_size: int | None
    design_effect: float
    rounding: Rounding
    z: float
    n0: float  # simple random sample from an infinite population
    n_design: float  # n0 × design effect
    n_corrected: float  # after the finite-population correction (n_design when no population)
    required_responses: int


@dataclass(frozen=True, slots=True)
class MarginOfError:
    """Half-width of the confidence interval of a proportion estimated from n answers."""

    formula: str
    n: int
    proportion: float
    confidence_level: float
    population_size: int | None
    design_effect: float
    z: float
    finite_population_correction: float  # √((N − n)/(N − 1)); 1 without a population
    standard_error: float
    margin_of_error: float


@dataclass(frozen=True, slots=True)
class MeanSampleSize:
    """Responses needed to estimate a mean within ± margin_of_error (in the unit of the answers)."""

    formula: str
    standard_deviation: float
    margin_of_error: float
    confidence_level: float
    population_size: int | None
    design_effect: float
    rounding: Rounding
    z: float
    n0: float
    n_design: float
    n_corrected: float
    required_responses: int


@dataclass(frozen=True, slots=True)
class MeanMarginOfError:
    """Half-width of the confidence interval of a mean estimated from n answers."""

    formula: str
    n: int
    standard_deviation: float
    confidence_level: float
    population_size: int | None
    design_effect: float
    z: float
    finite_population_correction: float
    standard_error: float
    margin_of_error: float


@dataclass(frozen=True, slots=True)
class InvitationEstimate:
    """People to invite so that enough eligible people answer."""

    formula: str
    required_responses: int
    response_rate: float
    eligibility_rate: float
    completion_rate: float  # response rate × eligibility rate
    invitations_exact: float
    invitations: int
    population_size: int | None
    exceeds_population: bool


@dataclass(frozen=True, slots=True)
class TwoProportionsSampleSize:
    """Answers per group for a test of p1 against p2 to reach the target power."""

    formula: str
    method: ProportionTestMethod
    p1: float
    p2: float
    difference: float  # p2 − p1
    cohens_h: float
    alpha: float
    power: float
    alternative: Alternative
    ratio: float  # n_group2 / n_group1
    z_alpha: float
    z_beta: float
    n_group1_exact: float
    n_group1: int
    n_group2: int
    total: int
    achieved_power: float  # at the whole-number group sizes


@dataclass(frozen=True, slots=True)
class TwoProportionsPower:
    """Probability that a test of p1 against p2 with the given group sizes rejects H0."""

    formula: str
    method: ProportionTestMethod
    p1: float
    p2: float
    difference: float
    cohens_h: float
    alpha: float
    alternative: Alternative
    n_group1: float
    n_group2: float
    z_alpha: float
    power: float


@dataclass(frozen=True, slots=True)
class TwoProportionsDetectableEffect:
    """Smallest change from the baseline p1 that the given group sizes detect with the target power."""

    formula: str
    method: ProportionTestMethod
    p1: float
    p2: float
    difference: float
    cohens_h: float
    direction: Direction
    alpha: float
    power: float
    alternative: Alternative
    n_group1: float
    n_group2: float


@dataclass(frozen=True, slots=True)
class TwoMeansSampleSize:
    """Answers per group for a two-sample t-test to detect Cohen's d with the target power."""

    formula: str
    effect_size: float  # Cohen's d = (μ1 − μ2)/σ
    alpha: float
    power: float
    alternative: Alternative
    ratio: float
    df: float  # at the exact n
    critical_t: float
    noncentrality: float
    n_group1_exact: float
    n_group1: int
    n_group2: int
    total: int
    achieved_power: float


@dataclass(frozen=True, slots=True)
class TwoMeansPower:
    """Probability that a two-sample t-test with the given group sizes rejects H0."""

    formula: str
    effect_size: float
    alpha: float
    alternative: Alternative
    n_group1: float
    n_group2: float
    df: float
    critical_t: float
    noncentrality: float
    power: float


@dataclass(frozen=True, slots=True)
class TwoMeansDetectableEffect:
    """Smallest Cohen's d that a two-sample t-test with the given group sizes detects."""

    formula: str
    effect_size: float
    alpha: float
    power: float
    alternative: Alternative
    n_group1: float
    n_group2: float
    df: float
    critical_t: float
    noncentrality: float


@dataclass(frozen=True, slots=True)
class ChiSquareSampleSize:
    """Answers needed for a chi-square test to detect Cohen's w with the target power."""

    formula: str
    effect_size: float  # Cohen's w
    df: int
    alpha: float
    power: float
    critical_value: float
    noncentrality: float  # n × w² at the exact n
    n_exact: float
    n: int
    achieved_power: float


@dataclass(frozen=True, slots=True)
class ChiSquarePower:
    """Probability that a chi-square test on n answers rejects H0 when the effect is w."""

    formula: str
    effect_size: float
    df: int
    alpha: float
    n: float
    critical_value: float
    noncentrality: float
    power: float


@dataclass(frozen=True, slots=True)
class ChiSquareDetectableEffect:
    """Smallest Cohen's w that a chi-square test on n answers detects with the target power."""

    formula: str
    effect_size: float
    df: int
    alpha: float
    power: float
    n: float
    critical_value: float
    noncentrality: float


@dataclass(frozen=True, slots=True)
class SegmentSampleSize:
    """Answers each segment needs so that any two segments can be compared."""

    formula: str
    segments: int
    comparisons: int  # pairs of segments
    baseline_proportion: float
    difference: float
    alpha: float  # for the whole family of comparisons when adjusted
    alpha_per_comparison: float
    is_alpha_adjusted: bool
    power: float
    n_per_segment: int
    total: int
    comparison: TwoProportionsSampleSize


@dataclass(frozen=True, slots=True)
class SegmentMargin:
    """A segment's answers so far, the margin of error they give, and whether they are too few."""

    segment: str
    n: int
    margin_of_error: float | None  # None when the segment has no answers
    is_too_small: bool
    minimum_count: int


# --------------------------------------------------------------------------- validation

_MUST_BE_UNIT = {
    "proportion": gettext_noop("The expected proportion must be greater than 0 and less than 1."),
    "baseline_proportion": gettext_noop("The baseline proportion must be greater than 0 and less than 1."),
    "margin_of_error": gettext_noop("The margin of error must be greater than 0 and less than 1."),
    "confidence_level": gettext_noop("The confidence level must be greater than 0 and less than 1."),
    "alpha": gettext_noop("The significance level (alpha) must be greater than 0 and less than 1."),
    "power": gettext_noop("The power must be greater than 0 and less than 1."),
    "p1": gettext_noop("The proportion in group 1 (p1) must be greater than 0 and less than 1."),
    "p2": gettext_noop("The proportion in group 2 (p2) must be greater than 0 and less than 1."),
}
_MUST_BE_RATE = {
    "response_rate": gettext_noop("The response rate must be greater than 0 and at most 1."),
    "eligibility_rate": gettext_noop("The eligibility rate must be greater than 0 and at most 1."),
}
_MUST_BE_POSITIVE = {
    "margin_of_error": gettext_noop("The margin of error must be greater than 0."),
    "standard_deviation": gettext_noop("The standard deviation must be greater than 0."),
    "design_effect": gettext_noop("The design effect must be greater than 0."),
    "ratio": gettext_noop("The allocation ratio must be greater than 0."),
    "effect_size": gettext_noop("The effect size must be greater than 0."),
    "difference": gettext_noop("The difference to detect must be greater than 0."),
}
_MUST_BE_COUNT = {
    "population_size": gettext_noop("The population size must be a whole number of at least 1."),
    "n": gettext_noop("The number of answers must be a whole number of at least 1."),
    "required_responses": gettext_noop("The number of answers needed must be a whole number of at least 1."),
    "df": gettext_noop("The degrees of freedom must be a whole number of at least 1."),
    "minimum_count": gettext_noop("The minimum count per segment must be a whole number of at least 1."),
}
_MUST_BE_CHOICE = {
    "rounding": gettext_noop("Rounding must be one of: {choices}."),
    "alternative": gettext_noop("The alternative must be one of: {choices}."),
    "method": gettext_noop("The method must be one of: {choices}."),
    "direction": gettext_noop("The direction must be one of: {choices}."),
}


def _fail(parameter: str, template: str, **params: object) -> SampleSizeInputError:
    return SampleSizeInputError(parameter, message(template, **params))


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _unit(value: float, parameter: str, template_key: str | None = None) -> float:
    """Return ``value`` as a float in the open interval (0, 1)."""
    if not (_is_real(value) and 0 < value < 1):
        raise _fail(parameter, _MUST_BE_UNIT[template_key or parameter])
    return float(value)


def _rate(value: float, parameter: str) -> float:
    """Return ``value`` as a float in (0, 1]."""
    if not (_is_real(value) and 0 < value <= 1):
        raise _fail(parameter, _MUST_BE_RATE[parameter])
    return float(value)


def _positive(value: float, parameter: str) -> float:
    if not (_is_real(value) and value > 0):
        raise _fail(parameter, _MUST_BE_POSITIVE[parameter])
    return float(value)


def _count(value: int, parameter: str) -> int:
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1):
        raise _fail(parameter, _MUST_BE_COUNT[parameter])
    return int(value)


def _group_size(value: float, parameter: str = "n") -> float:
    """Accept a fractional group size too: power curves are evaluated between whole numbers."""
    if not (_is_real(value) and value >= 1):
        raise _fail(parameter, _MUST_BE_COUNT["n"])
    return float(value)


def _group_sizes(n: float, ratio: float) -> tuple[float, float]:
    """Return the sizes of group 1 (n) and group 2 (ratio·n), each at least one answer."""
    n1 = _group_size(n)
    if ratio * n1 < 1:
        raise _fail("ratio", gettext_noop("With this allocation ratio group 2 would have less than one answer."))
    return n1, ratio * n1


def _choice(value: str, enum: type[_Choice], parameter: str) -> _Choice:
    try:
        return enum(value)
    except ValueError:
        raise _fail(parameter, _MUST_BE_CHOICE[parameter], choices=", ".join(m.value for m in enum)) from None


def _population(value: int | None) -> int | None:
    return None if value is None else _count(value, "population_size")


def _power_above_alpha(power: float, alpha: float) -> None:
    # At zero effect a test rejects with probability alpha, so lower targets need no sample at all.
    if power <= alpha:
        raise _fail("power", gettext_noop("The power must be greater than the significance level (alpha)."))


# --------------------------------------------------------------------------- shared pieces


def _z_for_confidence(confidence_level: float) -> float:
    return float(special.ndtri(0.5 + confidence_level / 2))


def _round_up(value: float) -> int:
    # Rounding to 9 decimals first keeps float noise (385/0.2 = 1925.0000000000002) from adding one.
    return math.ceil(round(value, 9))


def _round(value: float, rounding: Rounding) -> int:
    if rounding is Rounding.NEAREST:
        return math.floor(round(value, 9) + 0.5)  # half up, as tables are rounded, not half to even
    return _round_up(value)


def _correct_for_population(n_design: float, population_size: int | None) -> float:
    if population_size is None:
        return n_design
    return n_design / (1 + (n_design - 1) / population_size)


def _finite_population_factor(n: int, population_size: int | None) -> float:
    if population_size is None:
        return 1.0
    if n > population_size:
        raise _fail("n", gettext_noop("The number of answers cannot exceed the population size."))
    if population_size == 1:
        return 0.0
    return math.sqrt((population_size - n) / (population_size - 1))


def _required(n_corrected: float, rounding: Rounding, population_size: int | None) -> int:
    required = max(_round(n_corrected, rounding), 1)
    return required if population_size is None else min(required, population_size)


def _tails(alternative: Alternative) -> int:
    return 2 if alternative is Alternative.TWO_SIDED else 1


def _solve_increasing(function: Callable[[float], float], low: float, high: float) -> float:
    """Return the root of an increasing ``function`` above ``low``, doubling ``high`` until bracketed."""
    while function(high) < 0:
        if high >= _MAX_N:
            raise _fail(
                "effect_size", gettext_noop("The effect size is too small: over a billion answers would be needed.")
            )
        low, high = high, min(high * 2, _MAX_N)
    return float(brentq(function, low, high, xtol=_ROOT_XTOL, rtol=1e-12))


# --------------------------------------------------------------------------- one group


def estimate_proportion_sample_size(
    *,
    margin_of_error: float,
    confidence_level: float = 0.95,
    proportion: float = 0.5,
    population_size: int | None = None,
    design_effect: float = 1.0,
    rounding: Rounding | str = Rounding.CEIL,
) -> ProportionSampleSize:
    """Return the responses needed to estimate a proportion within ± margin_of_error.

    Parameters
    ----------
    margin_of_error : float
        Half-width of the confidence interval, as a proportion (0.05 for ±5 points).
    confidence_level : float
        Probability that the interval covers the population value.
    proportion : float
        Expected proportion; 0.5 (the default) gives the largest, safest sample.
    population_size : int, optional
        Size N of the finite population sampled without replacement.
    design_effect : float
        Variance of the actual design relative to simple random sampling (Kish's deff).
    rounding : {"ceil", "nearest"}
        ``"ceil"`` guarantees the margin; ``"nearest"`` reproduces Krejcie & Morgan's table.

    Returns
    -------
    ProportionSampleSize
        ``n0 = z²·p(1−p)/e²``, ``n_design = n0·deff``,
        ``n_corrected = n_design / (1 + (n_design − 1)/N)`` and the rounded answer, capped at N.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques* (3rd ed.), ch. 4. Wiley.
    .. [2] Krejcie, R. V., & Morgan, D. W. (1970). Determining sample size for research
       activities. *Educational and Psychological Measurement*, 30(3), 607–610.
    .. [3] Kish, L. (1965). *Survey Sampling*. Wiley. (design effect)
    """
    margin_of_error = _unit(margin_of_error, "margin_of_error")
    confidence_level = _unit(confidence_level, "confidence_level")
    proportion = _unit(proportion, "proportion")
    population_size = _population(population_size)
    design_effect = _positive(design_effect, "design_effect")
    rounding = _choice(rounding, Rounding, "rounding")

    z = _z_for_confidence(confidence_level)
    n0 = z * z * proportion * (1 - proportion) / margin_of_error**2
    n_design = n0 * design_effect
    n_corrected = _correct_for_population(n_design, population_size)
    formula = "n0 = z²·p(1−p)/e²; n = n0·deff" + ("/(1 + (n0·deff − 1)/N)" if population_size else "")
    return ProportionSampleSize(
        formula=formula,
        proportion=proportion,
        margin_of_error=margin_of_error,
        confidence_level=confidence_level,
        population_size=population_size,
        design_effect=design_effect,
        rounding=rounding,
        z=z,
        n0=n0,
        n_design=n_design,
        n_corrected=n_corrected,
        required_responses=_required(n_corrected, rounding, population_size),
    )


def estimate_margin_of_error(
    *,
    n: int,
    confidence_level: float = 0.95,
    proportion: float = 0.5,
    population_size: int | None = None,
    design_effect: float = 1.0,
) -> MarginOfError:
    """Return the margin of error of a proportion estimated from n answers.

    Parameters
    ----------
    n : int
        Answers received (or planned).
    confidence_level : float
        Probability that the interval covers the population value.
    proportion : float
        Observed or expected proportion; 0.5 (the default) is the worst case.
    population_size : int, optional
        Size N of the finite population; n may not exceed it.
    design_effect : float
        Kish's design effect.

    Returns
    -------
    MarginOfError
        ``z·√(deff·p(1−p)/n)·√((N − n)/(N − 1))``, the inverse of
        :func:`estimate_proportion_sample_size`.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques* (3rd ed.), ch. 3–4. Wiley.
    .. [2] Kish, L. (1965). *Survey Sampling*. Wiley.
    """
    n = _count(n, "n")
    confidence_level = _unit(confidence_level, "confidence_level")
    proportion = _unit(proportion, "proportion")
    population_size = _population(population_size)
    design_effect = _positive(design_effect, "design_effect")

    z = _z_for_confidence(confidence_level)
    fpc = _finite_population_factor(n, population_size)
    standard_error = math.sqrt(design_effect * proportion * (1 - proportion) / n) * fpc
    formula = "e = z·√(deff·p(1−p)/n)" + ("·√((N − n)/(N − 1))" if population_size else "")
    return MarginOfError(
        formula=formula,
        n=n,
        proportion=proportion,
        confidence_level=confidence_level,
        population_size=population_size,
        design_effect=design_effect,
        z=z,
        finite_population_correction=fpc,
        standard_error=standard_error,
        margin_of_error=z * standard_error,
    )


def estimate_mean_sample_size(
    *,
    standard_deviation: float,
    margin_of_error: float,
    confidence_level: float = 0.95,
    population_size: int | None = None,
    design_effect: float = 1.0,
    rounding: Rounding | str = Rounding.CEIL,
) -> MeanSampleSize:
    """Return the responses needed to estimate a mean within ± margin_of_error.

    Parameters
    ----------
    standard_deviation : float
        Expected standard deviation σ of the answers (from a pilot or a past survey).
    margin_of_error : float
        Half-width of the confidence interval, in the unit of the answers.
    confidence_level : float
        Probability that the interval covers the population mean.
    population_size : int, optional
        Size N of the finite population.
    design_effect : float
        Kish's design effect.
    rounding : {"ceil", "nearest"}
        How the exact size becomes a whole number.

    Returns
    -------
    MeanSampleSize
        ``n0 = (z·σ/e)²``, then the design effect and the finite-population correction as for
        a proportion.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques* (3rd ed.), §4.3. Wiley.
    """
    standard_deviation = _positive(standard_deviation, "standard_deviation")
    margin_of_error = _positive(margin_of_error, "margin_of_error")
    confidence_level = _unit(confidence_level, "confidence_level")
    population_size = _population(population_size)
    design_effect = _positive(design_effect, "design_effect")
    rounding = _choice(rounding, Rounding, "rounding")

    z = _z_for_confidence(confidence_level)
    n0 = (z * standard_deviation / margin_of_error) ** 2
    n_design = n0 * design_effect
    n_corrected = _correct_for_population(n_design, population_size)
    formula = "n0 = (z·σ/e)²; n = n0·deff" + ("/(1 + (n0·deff − 1)/N)" if population_size else "")
    return MeanSampleSize(
        formula=formula,
        standard_deviation=standard_deviation,
        margin_of_error=margin_of_error,
        confidence_level=confidence_level,
        population_size=population_size,
        design_effect=design_effect,
        rounding=rounding,
        z=z,
        n0=n0,
        n_design=n_design,
        n_corrected=n_corrected,
        required_responses=_required(n_corrected, rounding, population_size),
    )


def estimate_mean_margin_of_error(
    *,
    n: int,
    standard_deviation: float,
    confidence_level: float = 0.95,
    population_size: int | None = None,
    design_effect: float = 1.0,
) -> MeanMarginOfError:
    """Return the margin of error of a mean estimated from n answers.

    Parameters
    ----------
    n : int
        Answers received (or planned).
    standard_deviation : float
        Standard deviation σ of the answers.
    confidence_level : float
        Probability that the interval covers the population mean.
    population_size : int, optional
        Size N of the finite population; n may not exceed it.
    design_effect : float
        Kish's design effect.

    Returns
    -------
    MeanMarginOfError
        ``z·σ·√(deff/n)·√((N − n)/(N − 1))``, the inverse of :func:`estimate_mean_sample_size`.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques* (3rd ed.), ch. 2. Wiley.
    """
    n = _count(n, "n")
    standard_deviation = _positive(standard_deviation, "standard_deviation")
    confidence_level = _unit(confidence_level, "confidence_level")
    population_size = _population(population_size)
    design_effect = _positive(design_effect, "design_effect")

    z = _z_for_confidence(confidence_level)
    fpc = _finite_population_factor(n, population_size)
    standard_error = standard_deviation * math.sqrt(design_effect / n) * fpc
    formula = "e = z·σ·√(deff/n)" + ("·√((N − n)/(N − 1))" if population_size else "")
    return MeanMarginOfError(
        formula=formula,
        n=n,
        standard_deviation=standard_deviation,
        confidence_level=confidence_level,
        population_size=population_size,
        design_effect=design_effect,
        z=z,
        finite_population_correction=fpc,
        standard_error=standard_error,
        margin_of_error=z * standard_error,
    )


def estimate_invitations(
    *,
    required_responses: int,
    response_rate: float,
    eligibility_rate: float = 1.0,
    population_size: int | None = None,
) -> InvitationEstimate:
    """Return the invitations needed for ``required_responses`` eligible, completed answers.

    Parameters
    ----------
    required_responses : int
        Completed, eligible answers needed (from a sample-size estimate).
    response_rate : float
        Expected share of invited people who complete the survey, in (0, 1].
    eligibility_rate : float
        Expected share of respondents who pass the screening questions, in (0, 1].
    population_size : int, optional
        People who can be invited; ``exceeds_population`` tells whether the plan needs more.

    Returns
    -------
    InvitationEstimate
        ``invitations = ⌈n / (response rate × eligibility rate)⌉``.

    References
    ----------
    .. [1] Dillman, D. A., Smyth, J. D., & Christian, L. M. (2014). *Internet, Phone, Mail,
       and Mixed-Mode Surveys: The Tailored Design Method* (4th ed.). Wiley.
    """
    required_responses = _count(required_responses, "required_responses")
    response_rate = _rate(response_rate, "response_rate")
    eligibility_rate = _rate(eligibility_rate, "eligibility_rate")
    population_size = _population(population_size)

    completion_rate = response_rate * eligibility_rate
    invitations_exact = required_responses / completion_rate
    invitations = _round_up(invitations_exact)
    return InvitationEstimate(
        formula="invitations = ⌈n / (response rate × eligibility rate)⌉",
        required_responses=required_responses,
        response_rate=response_rate,
        eligibility_rate=eligibility_rate,
        completion_rate=completion_rate,
        invitations_exact=invitations_exact,
        invitations=invitations,
        population_size=population_size,
        exceeds_population=population_size is not None and invitations > population_size,
    )


# --------------------------------------------------------------------------- two proportions

_POOLED_FORMULA = (
    "power = Φ((|p1 − p2| − z·√(p̄(1−p̄)(1/n1 + 1/n2))) / √(p1(1−p1)/n1 + p2(1−p2)/n2)); "
    "z = z(1 − α/tails), p̄ = (n1·p1 + n2·p2)/(n1 + n2)"
)
_ARCSINE_FORMULA = (
    "h = 2·asin√p2 − 2·asin√p1; power = Φ(|h|·√(n1·n2/(n1 + n2)) − z) "
    "+ [two-sided] Φ(−|h|·√(n1·n2/(n1 + n2)) − z); z = z(1 − α/tails)"
)


def _cohens_h(p1: float, p2: float) -> float:
    return 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))


def _two_proportions_power(
    n1: float, n2: float, p1: float, p2: float, z_alpha: float, method: ProportionTestMethod, two_sided: bool
) -> float:
    if method is ProportionTestMethod.POOLED:
        # R's power.prop.test (strict = FALSE) counts rejections in the direction of the effect only.
        pooled = (n1 * p1 + n2 * p2) / (n1 + n2)
        se_null = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        se_alternative = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        return float(special.ndtr((abs(p1 - p2) - z_alpha * se_null) / se_alternative))
    shift = abs(_cohens_h(p1, p2)) * math.sqrt(n1 * n2 / (n1 + n2))
    # Cohen (1988) and statsmodels' NormalIndPower count both tails of a two-sided test.
    opposite = float(special.ndtr(-shift - z_alpha)) if two_sided else 0.0
    return float(special.ndtr(shift - z_alpha)) + opposite


def _validate_two_proportions(
    p1: float, p2: float, alpha: float, alternative: str, ratio: float, method: str
) -> tuple[float, float, float, Alternative, float, ProportionTestMethod]:
    p1 = _unit(p1, "p1")
    p2 = _unit(p2, "p2")
    if p1 == p2:
        raise _fail("p2", gettext_noop("The two proportions must differ."))
    return (
        p1,
        p2,
        _unit(alpha, "alpha"),
        _choice(alternative, Alternative, "alternative"),
        _positive(ratio, "ratio"),
        _choice(method, ProportionTestMethod, "method"),
    )


def estimate_two_proportions_sample_size(
    *,
    p1: float,
    p2: float,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative | str = Alternative.TWO_SIDED,
    ratio: float = 1.0,
    method: ProportionTestMethod | str = ProportionTestMethod.POOLED,
) -> TwoProportionsSampleSize:
    """Return the answers per group an A/B test needs to tell p1 from p2.

    Parameters
    ----------
    p1, p2 : float
        Proportions expected in group 1 (e.g. control) and group 2.
    alpha : float
        Significance level (type I error).
    power : float
        Target probability of detecting the difference (1 − type II error).
    alternative : {"two-sided", "one-sided"}
        A one-sided test looks only in the direction of the expected difference.
    ratio : float
        Allocation ratio n2/n1.
    method : {"pooled", "arcsine"}
        ``"pooled"``: normal approximation with the pooled variance under H0, exactly R's
        ``power.prop.test`` when ``ratio`` is 1 (and Fleiss's unequal-group form otherwise);
        ``"arcsine"``: Cohen's h with both tails of a two-sided test, as statsmodels'
        ``NormalIndPower``.

    Returns
    -------
    TwoProportionsSampleSize
        The exact n1 solving the power equation, the whole-number group sizes
        (n2 = ⌈ratio·n1⌉) and the power they achieve.

    References
    ----------
    .. [1] R Core Team. ``power.prop.test``, package *stats*.
    .. [2] Fleiss, J. L., Levin, B., & Paik, M. C. (2003). *Statistical Methods for Rates and
       Proportions* (3rd ed.), §4.2. Wiley.
    .. [3] Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
       (2nd ed.), ch. 6. Erlbaum.
    """
    p1, p2, alpha, alternative, ratio, method = _validate_two_proportions(p1, p2, alpha, alternative, ratio, method)
    power = _unit(power, "power")
    _power_above_alpha(power, alpha)
    two_sided = alternative is Alternative.TWO_SIDED
    z_alpha = float(special.ndtri(1 - alpha / _tails(alternative)))
    z_beta = float(special.ndtri(power))
    h = _cohens_h(p1, p2)

    if method is ProportionTestMethod.POOLED:
        # The power equation is linear in √n1, so its root has a closed form.
        pooled = (p1 + ratio * p2) / (1 + ratio)
        numerator = z_alpha * math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio)) + z_beta * math.sqrt(
            p1 * (1 - p1) + p2 * (1 - p2) / ratio
        )
        if numerator <= 0:
            raise _fail("power", gettext_noop("The power is so low that any number of answers reaches it."))
        n1_exact = (numerator / abs(p1 - p2)) ** 2
    else:
        one_tail = (1 + 1 / ratio) * ((z_alpha + z_beta) / h) ** 2
        # The opposite tail only adds power, so the one-tail size brackets the root from above.
        n1_exact = (
            float(
                brentq(
                    lambda n1: _two_proportions_power(n1, ratio * n1, p1, p2, z_alpha, method, two_sided) - power,
                    1e-9,
                    one_tail,
                    xtol=_ROOT_XTOL,
                )
            )
            if two_sided
            else one_tail
        )
    n_group1 = max(_round_up(n1_exact), 1)
    n_group2 = max(_round_up(ratio * n_group1), 1)
    return TwoProportionsSampleSize(
        formula=_POOLED_FORMULA if method is ProportionTestMethod.POOLED else _ARCSINE_FORMULA,
        method=method,
        p1=p1,
        p2=p2,
        difference=p2 - p1,
        cohens_h=h,
        alpha=alpha,
        power=power,
        alternative=alternative,
        ratio=ratio,
        z_alpha=z_alpha,
        z_beta=z_beta,
        n_group1_exact=n1_exact,
        n_group1=n_group1,
        n_group2=n_group2,
        total=n_group1 + n_group2,
        achieved_power=_two_proportions_power(n_group1, n_group2, p1, p2, z_alpha, method, two_sided),
    )


def compute_two_proportions_power(
    *,
    p1: float,
    p2: float,
    n: float,
    alpha: float = 0.05,
    alternative: Alternative | str = Alternative.TWO_SIDED,
    ratio: float = 1.0,
    method: ProportionTestMethod | str = ProportionTestMethod.POOLED,
) -> TwoProportionsPower:
    """Return the power of a test of p1 against p2 with n answers in group 1 and ratio·n in group 2.

    Parameters
    ----------
    p1, p2 : float
        Proportions in group 1 and group 2.
    n : float
        Answers in group 1.
    alpha : float
        Significance level.
    alternative : {"two-sided", "one-sided"}
        Sidedness of the test.
    ratio : float
        Allocation ratio n2/n1.
    method : {"pooled", "arcsine"}
        See :func:`estimate_two_proportions_sample_size`.

    Returns
    -------
    TwoProportionsPower

    References
    ----------
    .. [1] R Core Team. ``power.prop.test``, package *stats*.
    .. [2] Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
       (2nd ed.), ch. 6. Erlbaum.
    """
    p1, p2, alpha, alternative, ratio, method = _validate_two_proportions(p1, p2, alpha, alternative, ratio, method)
    n1, n2 = _group_sizes(n, ratio)
    z_alpha = float(special.ndtri(1 - alpha / _tails(alternative)))
    return TwoProportionsPower(
        formula=_POOLED_FORMULA if method is ProportionTestMethod.POOLED else _ARCSINE_FORMULA,
        method=method,
        p1=p1,
        p2=p2,
        difference=p2 - p1,
        cohens_h=_cohens_h(p1, p2),
        alpha=alpha,
        alternative=alternative,
        n_group1=n1,
        n_group2=n2,
        z_alpha=z_alpha,
        power=_two_proportions_power(n1, n2, p1, p2, z_alpha, method, alternative is Alternative.TWO_SIDED),
    )


def estimate_two_proportions_detectable_effect(
    *,
    p1: float,
    n: float,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative | str = Alternative.TWO_SIDED,
    ratio: float = 1.0,
    method: ProportionTestMethod | str = ProportionTestMethod.POOLED,
    direction: Direction | str = Direction.INCREASE,
) -> TwoProportionsDetectableEffect:
    """Return the closest p2 to the baseline p1 that n answers per group detect with the target power.

    Parameters
    ----------
    p1 : float
        Baseline proportion (group 1).
    n : float
        Answers in group 1; group 2 gets ratio·n.
    alpha, power : float
        Significance level and target power.
    alternative : {"two-sided", "one-sided"}
        Sidedness of the test.
    ratio : float
        Allocation ratio n2/n1.
    method : {"pooled", "arcsine"}
        See :func:`estimate_two_proportions_sample_size`.
    direction : {"increase", "decrease"}
        Whether p2 lies above or below p1.

    Returns
    -------
    TwoProportionsDetectableEffect
        p2 found by Brent's method on the power equation, as R's ``power.prop.test(p2 = NULL)``.

    References
    ----------
    .. [1] R Core Team. ``power.prop.test``, package *stats*.
    .. [2] Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*. Prentice-Hall.
    """
    p1 = _unit(p1, "p1")
    alpha = _unit(alpha, "alpha")
    power = _unit(power, "power")
    _power_above_alpha(power, alpha)
    alternative = _choice(alternative, Alternative, "alternative")
    ratio = _positive(ratio, "ratio")
    method = _choice(method, ProportionTestMethod, "method")
    direction = _choice(direction, Direction, "direction")
    two_sided = alternative is Alternative.TWO_SIDED
    z_alpha = float(special.ndtri(1 - alpha / _tails(alternative)))
    n1, n2 = _group_sizes(n, ratio)

    def shortfall(distance: float) -> float:
        p2 = p1 + distance if direction is Direction.INCREASE else p1 - distance
        return _two_proportions_power(n1, n2, p1, p2, z_alpha, method, two_sided) - power

    room = (1 - p1) if direction is Direction.INCREASE else p1
    farthest = room * (1 - 1e-12)
    if shortfall(farthest) < 0:
        raise _fail("n", gettext_noop("With this many answers no proportion can be detected with the requested power."))
    distance = float(brentq(shortfall, room * 1e-12, farthest, xtol=1e-12))
    p2 = p1 + distance if direction is Direction.INCREASE else p1 - distance
    return TwoProportionsDetectableEffect(
        formula=_POOLED_FORMULA if method is ProportionTestMethod.POOLED else _ARCSINE_FORMULA,
        method=method,
        p1=p1,
        p2=p2,
        difference=p2 - p1,
        cohens_h=_cohens_h(p1, p2),
        direction=direction,
        alpha=alpha,
        power=power,
        alternative=alternative,
        n_group1=n1,
        n_group2=n2,
    )


# --------------------------------------------------------------------------- two means

_T_FORMULA = "df = n1 + n2 − 2; ncp = |d|·√(n1·n2/(n1 + n2)); power = P(T'(df, ncp) > t(1 − α/tails, df))"


@dataclass(frozen=True, slots=True)
class _TTest:
    df: float
    critical_t: float
    noncentrality: float
    power: float


def _t_test(n1: float, n2: float, d: float, alpha: float, tails: int) -> _TTest:
    df = n1 + n2 - 2
    critical = float(special.stdtrit(df, 1 - alpha / tails))
    ncp = abs(d) * math.sqrt(n1 * n2 / (n1 + n2))
    # R's power.t.test (strict = FALSE) counts rejections in the direction of the effect only.
    return _TTest(df, critical, ncp, 1 - float(special.nctdtr(df, ncp, critical)))


def _validate_two_means(alpha: float, alternative: str, ratio: float) -> tuple[float, Alternative, float]:
    return (
        _unit(alpha, "alpha"),
        _choice(alternative, Alternative, "alternative"),
        _positive(ratio, "ratio"),
    )


def _effect_size_d(value: float) -> float:
    if not (_is_real(value) and value != 0):
        raise _fail("effect_size", gettext_noop("The effect size must be a number other than 0."))
    return abs(float(value))


def estimate_two_means_sample_size(
    *,
    effect_size: float,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative | str = Alternative.TWO_SIDED,
    ratio: float = 1.0,
) -> TwoMeansSampleSize:
    """Return the answers per group a two-sample t-test needs to detect Cohen's d.

    Parameters
    ----------
    effect_size : float
        Cohen's d, the difference of the means over the common standard deviation
        (R's ``delta/sd``); only its size matters.
    alpha : float
        Significance level.
    power : float
        Target power.
    alternative : {"two-sided", "one-sided"}
        Sidedness of the test.
    ratio : float
        Allocation ratio n2/n1.

    Returns
    -------
    TwoMeansSampleSize
        n1 solving the noncentral-t power equation by Brent's method (at least 2, like R), the
        whole-number group sizes and the power they achieve.

    References
    ----------
    .. [1] R Core Team. ``power.t.test``, package *stats*.
    .. [2] Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
       (2nd ed.), ch. 2. Erlbaum.
    """
    d = _effect_size_d(effect_size)
    alpha, alternative, ratio = _validate_two_means(alpha, alternative, ratio)
    power = _unit(power, "power")
    _power_above_alpha(power, alpha)
    tails = _tails(alternative)

    def shortfall(n1: float) -> float:
        return _t_test(n1, ratio * n1, d, alpha, tails).power - power

    if shortfall(MIN_T_TEST_GROUP) >= 0:
        n1_exact = MIN_T_TEST_GROUP
    else:
        # The normal approximation is a little low, so it is a close lower bracket.
        normal = (1 + 1 / ratio) * ((special.ndtri(1 - alpha / tails) + special.ndtri(power)) / d) ** 2
        low = max(MIN_T_TEST_GROUP, float(normal))
        low = low if shortfall(low) < 0 else MIN_T_TEST_GROUP
        n1_exact = _solve_increasing(shortfall, low, low * 1.5 + 4)
    n_group1 = max(_round_up(n1_exact), 2)
    n_group2 = max(_round_up(ratio * n_group1), 1)
    at_exact = _t_test(n1_exact, ratio * n1_exact, d, alpha, tails)
    return TwoMeansSampleSize(
        formula=_T_FORMULA,
        effect_size=d,
        alpha=alpha,
        power=power,
        alternative=alternative,
        ratio=ratio,
        df=at_exact.df,
        critical_t=at_exact.critical_t,
        noncentrality=at_exact.noncentrality,
        n_group1_exact=n1_exact,
        n_group1=n_group1,
        n_group2=n_group2,
        total=n_group1 + n_group2,
        achieved_power=_t_test(n_group1, n_group2, d, alpha, tails).power,
    )


def _t_group_sizes(n: float, ratio: float) -> tuple[float, float]:
    n1, n2 = _group_sizes(n, ratio)
    if n1 + n2 <= 2:
        raise _fail("n", gettext_noop("A t-test needs more than 2 answers in the two groups together."))
    return n1, n2


def compute_two_means_power(
    *,
    effect_size: float,
    n: float,
    alpha: float = 0.05,
    alternative: Alternative | str = Alternative.TWO_SIDED,
    ratio: float = 1.0,
) -> TwoMeansPower:
    """Return the power of a two-sample t-test with n answers in group 1 and ratio·n in group 2.

    Parameters
    ----------
    effect_size : float
        Cohen's d.
    n : float
        Answers in group 1.
    alpha : float
        Significance level.
    alternative : {"two-sided", "one-sided"}
        Sidedness of the test.
    ratio : float
        Allocation ratio n2/n1.

    Returns
    -------
    TwoMeansPower
        ``P(T' > t_crit)`` for the noncentral t with ``df = n1 + n2 − 2`` and
        ``ncp = d·√(n1·n2/(n1 + n2))``.

    References
    ----------
    .. [1] R Core Team. ``power.t.test``, package *stats*.
    """
    d = _effect_size_d(effect_size)
    alpha, alternative, ratio = _validate_two_means(alpha, alternative, ratio)
    n1, n2 = _t_group_sizes(n, ratio)
    test = _t_test(n1, n2, d, alpha, _tails(alternative))
    return TwoMeansPower(
        formula=_T_FORMULA,
        effect_size=d,
        alpha=alpha,
        alternative=alternative,
        n_group1=n1,
        n_group2=n2,
        df=test.df,
        critical_t=test.critical_t,
        noncentrality=test.noncentrality,
        power=test.power,
    )


def estimate_two_means_detectable_effect(
    *,
    n: float,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative | str = Alternative.TWO_SIDED,
    ratio: float = 1.0,
) -> TwoMeansDetectableEffect:
    """Return the smallest Cohen's d a two-sample t-test with these group sizes detects.

    Parameters
    ----------
    n : float
        Answers in group 1; group 2 gets ratio·n.
    alpha, power : float
        Significance level and target power.
    alternative : {"two-sided", "one-sided"}
        Sidedness of the test.
    ratio : float
        Allocation ratio n2/n1.

    Returns
    -------
    TwoMeansDetectableEffect
        d found by Brent's method, as R's ``power.t.test(delta = NULL)``.

    References
    ----------
    .. [1] R Core Team. ``power.t.test``, package *stats*.
    """
    alpha, alternative, ratio = _validate_two_means(alpha, alternative, ratio)
    power = _unit(power, "power")
    _power_above_alpha(power, alpha)
    n1, n2 = _t_group_sizes(n, ratio)
    tails = _tails(alternative)
    d = _solve_increasing(lambda effect: _t_test(n1, n2, effect, alpha, tails).power - power, 1e-9, 1.0)
    test = _t_test(n1, n2, d, alpha, tails)
    return TwoMeansDetectableEffect(
        formula=_T_FORMULA,
        effect_size=d,
        alpha=alpha,
        power=power,
        alternative=alternative,
        n_group1=n1,
        n_group2=n2,
        df=test.df,
        critical_t=test.critical_t,
        noncentrality=test.noncentrality,
    )


# --------------------------------------------------------------------------- chi-square

_CHI_SQUARE_FORMULA = "λ = n·w²; power = P(χ'²(df, λ) > χ²(1 − α, df))"


def _chi_square_power(n: float, w: float, df: int, critical: float) -> float:
    return 1 - float(special.chndtr(critical, df, n * w * w))


def _validate_chi_square(df: int, alpha: float) -> tuple[int, float, float]:
    df = _count(df, "df")
    alpha = _unit(alpha, "alpha")
    return df, alpha, float(special.chdtri(df, alpha))


def estimate_chi_square_sample_size(
    *, effect_size: float, df: int, alpha: float = 0.05, power: float = 0.8
) -> ChiSquareSampleSize:
    """Return the answers a chi-square test needs to detect Cohen's w with the target power.

    Parameters
    ----------
    effect_size : float
        Cohen's w (0.1 small, 0.3 medium, 0.5 large).
    df : int
        Degrees of freedom: categories − 1 for goodness of fit, (r − 1)(c − 1) for a table.
    alpha : float
        Significance level.
    power : float
        Target power.

    Returns
    -------
    ChiSquareSampleSize
        n solving ``P(χ'²(df, n·w²) > χ²_crit) = power`` by Brent's method.

    References
    ----------
    .. [1] Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
       (2nd ed.), ch. 7. Erlbaum.
    .. [2] statsmodels. ``statsmodels.stats.power.GofChisquarePower``.
    """
    w = _positive(effect_size, "effect_size")
    df, alpha, critical = _validate_chi_square(df, alpha)
    power = _unit(power, "power")
    _power_above_alpha(power, alpha)
    n_exact = _solve_increasing(lambda n: _chi_square_power(n, w, df, critical) - power, 0.0, 10 / (w * w))
    n = max(_round_up(n_exact), 1)
    return ChiSquareSampleSize(
        formula=_CHI_SQUARE_FORMULA,
        effect_size=w,
        df=df,
        alpha=alpha,
        power=power,
        critical_value=critical,
        noncentrality=n_exact * w * w,
        n_exact=n_exact,
        n=n,
        achieved_power=_chi_square_power(n, w, df, critical),
    )


def compute_chi_square_power(*, effect_size: float, df: int, n: float, alpha: float = 0.05) -> ChiSquarePower:
    """Return the power of a chi-square test on n answers when the effect is Cohen's w.

    Parameters
    ----------
    effect_size : float
        Cohen's w.
    df : int
        Degrees of freedom.
    n : float
        Answers.
    alpha : float
        Significance level.

    Returns
    -------
    ChiSquarePower
        ``P(χ'²(df, n·w²) > χ²_crit)``.

    References
    ----------
    .. [1] Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
       (2nd ed.), ch. 7. Erlbaum.
    .. [2] statsmodels. ``statsmodels.stats.power.GofChisquarePower``.
    """
    w = _positive(effect_size, "effect_size")
    df, alpha, critical = _validate_chi_square(df, alpha)
    n = _group_size(n)
    return ChiSquarePower(
        formula=_CHI_SQUARE_FORMULA,
        effect_size=w,
        df=df,
        alpha=alpha,
        n=n,
        critical_value=critical,
        noncentrality=n * w * w,
        power=_chi_square_power(n, w, df, critical),
    )


def estimate_chi_square_detectable_effect(
    *, df: int, n: float, alpha: float = 0.05, power: float = 0.8
) -> ChiSquareDetectableEffect:
    """Return the smallest Cohen's w a chi-square test on n answers detects with the target power.

    Parameters
    ----------
    df : int
        Degrees of freedom.
    n : float
        Answers.
    alpha, power : float
        Significance level and target power.

    Returns
    -------
    ChiSquareDetectableEffect
        w = √(λ/n) where λ solves ``P(χ'²(df, λ) > χ²_crit) = power``.

    References
    ----------
    .. [1] Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*
       (2nd ed.), ch. 7. Erlbaum.
    """
    df, alpha, critical = _validate_chi_square(df, alpha)
    n = _group_size(n)
    power = _unit(power, "power")
    _power_above_alpha(power, alpha)
    # Power depends on n and w only through λ = n·w², so solve for λ once.
    noncentrality = _solve_increasing(lambda lam: 1 - float(special.chndtr(critical, df, lam)) - power, 0.0, 10.0)
    return ChiSquareDetectableEffect(
        formula=_CHI_SQUARE_FORMULA,
        effect_size=math.sqrt(noncentrality / n),
        df=df,
        alpha=alpha,
        power=power,
        n=n,
        critical_value=critical,
        noncentrality=noncentrality,
    )


# --------------------------------------------------------------------------- segments


def estimate_segment_sample_size(
    *,
    segments: int,
    difference: float,
    baseline_proportion: float = 0.5,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative | str = Alternative.TWO_SIDED,
    method: ProportionTestMethod | str = ProportionTestMethod.POOLED,
    adjust_alpha: bool = False,
) -> SegmentSampleSize:
    """Return the answers each segment needs so that two segments differing by ``difference`` differ significantly.

    Parameters
    ----------
    segments : int
        Number of segments (e.g. regions), at least 2.
    difference : float
        Smallest difference in proportion worth detecting between two segments.
    baseline_proportion : float
        Proportion expected in a segment; the other is ``baseline + difference``.
    alpha, power : float
        Significance level and target power for one comparison (or the family, if adjusted).
    alternative : {"two-sided", "one-sided"}
        Sidedness of the test.
    method : {"pooled", "arcsine"}
        See :func:`estimate_two_proportions_sample_size`.
    adjust_alpha : bool
        Split alpha over all k(k − 1)/2 pairs of segments (Bonferroni).

    Returns
    -------
    SegmentSampleSize
        The per-segment size of one two-group comparison and the total for all segments.

    References
    ----------
    .. [1] Fleiss, J. L., Levin, B., & Paik, M. C. (2003). *Statistical Methods for Rates and
       Proportions* (3rd ed.), §4.2. Wiley.
    .. [2] Dunn, O. J. (1961). Multiple comparisons among means. *Journal of the American
       Statistical Association*, 56(293), 52–64.
    """
    if not (isinstance(segments, numbers.Integral) and not isinstance(segments, bool) and segments >= 2):
        raise _fail("segments", gettext_noop("The number of segments must be a whole number of at least 2."))
    difference = _positive(difference, "difference")
    baseline_proportion = _unit(baseline_proportion, "baseline_proportion")
    if baseline_proportion + difference >= 1:
        raise _fail("difference", gettext_noop("The baseline proportion plus the difference must be less than 1."))
    alpha = _unit(alpha, "alpha")
    comparisons = segments * (segments - 1) // 2
    alpha_per_comparison = alpha / comparisons if adjust_alpha else alpha
    comparison = estimate_two_proportions_sample_size(
        p1=baseline_proportion,
        p2=baseline_proportion + difference,
        alpha=alpha_per_comparison,
        power=power,
        alternative=alternative,
        method=method,
    )
    return SegmentSampleSize(
        formula="n per segment = n per group of the two-proportion test at α/pairs"
        if adjust_alpha
        else "n per segment = n per group of the two-proportion test",
        segments=int(segments),
        comparisons=comparisons,
        baseline_proportion=baseline_proportion,
        difference=difference,
        alpha=alpha,
        alpha_per_comparison=alpha_per_comparison,
        is_alpha_adjusted=adjust_alpha,
        power=comparison.power,
        n_per_segment=comparison.n_group1,
        total=comparison.n_group1 * int(segments),
        comparison=comparison,
    )


def estimate_segment_margins(
    *,
    counts: Mapping[str, int],
    confidence_level: float = 0.95,
    proportion: float = 0.5,
    design_effect: float = 1.0,
    population_sizes: Mapping[str, int] | None = None,
    minimum_count: int = DEFAULT_MINIMUM_SEGMENT_COUNT,
    maximum_margin_of_error: float | None = None,
) -> tuple[SegmentMargin, ...]:
    """Return each segment's margin of error for its answers so far, marking segments with too few.

    Parameters
    ----------
    counts : Mapping[str, int]
        Answers so far per segment (0 allowed).
    confidence_level : float
        Confidence level of the margins.
    proportion : float
        Proportion at which to evaluate the margins; 0.5 (the default) is the worst case.
    design_effect : float
        Kish's design effect (e.g. from weighting).
    population_sizes : Mapping[str, int], optional
        Size of each segment in the population, for the finite-population correction.
    minimum_count : int
        Segments with fewer answers are marked ``is_too_small``.
    maximum_margin_of_error : float, optional
        Segments whose margin is wider are marked ``is_too_small`` too.

    Returns
    -------
    tuple of SegmentMargin
        In the order of ``counts``; a segment without answers has no margin.

    References
    ----------
    .. [1] Cochran, W. G. (1977). *Sampling Techniques* (3rd ed.), ch. 3. Wiley.
    """
    minimum_count = _count(minimum_count, "minimum_count")
    # Validate once up front: a report of empty segments must not hide a bad parameter.
    _unit(confidence_level, "confidence_level")
    _unit(proportion, "proportion")
    _positive(design_effect, "design_effect")
    if maximum_margin_of_error is not None:
        maximum_margin_of_error = _unit(maximum_margin_of_error, "maximum_margin_of_error", "margin_of_error")
    population_sizes = population_sizes or {}
    margins = []
    for segment, n in counts.items():
        if not (isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 0):
            raise _fail("counts", gettext_noop("Each segment count must be a whole number of at least 0."))
        margin = (
            estimate_margin_of_error(
                n=n,
                confidence_level=confidence_level,
                proportion=proportion,
                population_size=population_sizes.get(segment),
                design_effect=design_effect,
            ).margin_of_error
            if n > 0
            else None
        )
        too_wide = margin is None or (maximum_margin_of_error is not None and margin > maximum_margin_of_error)
        margins.append(
            SegmentMargin(
                segment=str(segment),
                n=int(n),
                margin_of_error=margin,
                is_too_small=n < minimum_count or too_wide,
                minimum_count=minimum_count,
            )
        )
    return tuple(margins)
