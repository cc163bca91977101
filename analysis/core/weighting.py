"""Representativeness checks and raking weights for survey respondents.

Plain arrays in, frozen dataclasses out; numpy and scipy only.

* ``build_target_set`` turns ``{variable: {category: share or count}}`` into normalised target
  shares. Every value of a variable at most 1 → the whole set is read as **shares** (each variable
  must then add up to 1 ± 1e-6); otherwise as **counts** (every variable must add up to the same
  population total, relative tolerance 1e-9). Pass ``kind="shares"`` or ``kind="counts"`` to say
  which explicitly. Shares are the counts divided by their total; nothing else is changed.
* ``encode_categories`` turns answers (strings) into integer codes — an answer that is not a
  target category, or a missing answer, is an error naming the variable, the category and the
  row: categories are never recoded, dropped or merged here.
* ``compare_with_targets`` gives the sample-vs-target table (counts, shares, target shares,
  difference, standardised difference) and goodness of fit per variable (χ² and G tests, Cohen's w).
* ``rake`` computes raking (iterative proportional fitting) weights over any number of variables.
  Respondents are aggregated once into cells (one per combination of categories, and per distinct
  base weight when bounds are set), the cell table is raked, and each respondent gets the weight of
  its cell. The loop stops when the largest absolute error of a weighted share is at most
  ``tolerance``; the result says whether it converged, how many sweeps it used and the achieved error
  of every category. Infeasible input (a target category without respondents, a respondent category
  without a target, negative or non-finite targets, count totals that disagree) raises
  ``WeightingInputError`` before any sweep.
* ``estimate_weighted_shares`` and ``estimate_weighted_mean`` give weighted estimates with
  confidence intervals based on Kish's effective sample size.

Weights are scaled to add up to the number of respondents (mean 1) when the targets were shares
and to the population total when they were counts. Bounds on the weights are relative to the mean
weight, so they do not depend on that scale.
"""

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

from surveys.core.messages import Message, gettext_noop, message

DEFAULT_TOLERANCE = 1e-8
DEFAULT_MAX_SWEEPS = 1000
SHARE_SUM_TOLERANCE = 1e-6  # shares typed by hand or rounded to a few decimals still add up to 1
COUNT_TOTAL_RELATIVE_TOLERANCE = 1e-9
BOUND_TOLERANCE = 1e-9  # relative slack when checking that bounded weights lie within their bounds
STALL_SWEEPS = 50  # stop early when the error has not decreased for this many sweeps
WEIGHT_PERCENTILES = (1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0)
# Above this many possible cells the cell index is built with np.unique instead of np.bincount.
MAX_DENSE_CELLS = 1 << 22
_MAX_CELL_NUMBER = 1 << 62


class TargetKind(StrEnum):
    AUTO = "auto"
    SHARES = "shares"
    COUNTS = "counts"


class RakingStatus(StrEnum):
    CONVERGED = "converged"
    MAX_SWEEPS = "max_sweeps"  # still improving when the sweep limit was reached
    STALLED = "stalled"  # the error stopped decreasing: the margins cannot be reached


class WeightingInputError(ValueError):
    """Input that cannot be weighted, with a translatable message, the variable and the category."""

    def __init__(self, text: Message, *, variable: str | None = None, category: str | None = None) -> None:
        self.message = text
        self.variable = variable
        self.category = category
        super().__init__(text.render())


def _fail(template: str, *, variable: str | None = None, category: str | None = None, **params: object):
    params = {**({"variable": variable} if variable is not None else {}), **params}
    if category is not None:
        params["category"] = category
    return WeightingInputError(message(template, **params), variable=variable, category=category)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True, slots=True)
class Target:
    """The target shares of one variable; integer code ``i`` stands for ``categories[i]``."""

    variable: str
    categories: tuple[str, ...]
    shares: tuple[float, ...]
    given: tuple[float, ...]  # the values as given (shares or counts)


@dataclass(frozen=True, slots=True)
class TargetSet:
    targets: tuple[Target, ...]
    kind: TargetKind  # how the values were read: SHARES or COUNTS (never AUTO)
    population_total: float | None  # the common total when the values were counts

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(target.variable for target in self.targets)

    def get(self, variable: str) -> Target:
        for target in self.targets:
            if target.variable == variable:
                return target
        raise _fail(gettext_noop("There are no targets for the variable {variable}."), variable=variable)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def build_target_set(raw: Mapping[str, Mapping[str, float]], *, kind: TargetKind | str = TargetKind.AUTO) -> TargetSet:
    """Return the target shares of every variable in ``raw`` ({variable: {category: share or count}})."""
    try:
        kind = TargetKind(kind)
    except ValueError:
        raise _fail(
            gettext_noop("The kind of targets must be one of: {choices}."), choices=", ".join(TargetKind)
        ) from None
    if not isinstance(raw, Mapping) or not raw:
        raise _fail(gettext_noop("Give targets for at least one variable."))
    values: dict[str, tuple[tuple[str, float], ...]] = {}
    for variable, categories in raw.items():
        if not isinstance(variable, str) or not variable.strip():
            raise _fail(gettext_noop("Every variable needs a name."))
        if not isinstance(categories, Mapping) or len(categories) < 2:
            raise _fail(
                gettext_noop("The variable {variable} needs targets for at least two categories."), variable=variable
            )
        pairs = []
        for category, value in categories.items():
            category = str(category)
            if not _is_number(value) or not math.isfinite(value):
                raise _fail(
                    gettext_noop("The target for {category} in {variable} must be a number."),
                    variable=variable,
                    category=category,
                )
            if value < 0:
                raise _fail(
                    gettext_noop("The target for {category} in {variable} is negative ({value})."),
                    variable=variable,
                    category=category,
                    value=value,
                )
            pairs.append((category, float(value)))
        values[variable] = tuple(pairs)
    if kind is TargetKind.AUTO:
        every_value_at_most_one = all(value <= 1 for pairs in values.values() for _category, value in pairs)
        kind = TargetKind.SHARES if every_value_at_most_one else TargetKind.COUNTS
    totals = {variable: math.fsum(value for _category, value in pairs) for variable, pairs in values.items()}
    for variable, total in totals.items():
        if total <= 0:
            raise _fail(gettext_noop("The targets for {variable} add up to 0."), variable=variable)
        if kind is TargetKind.SHARES and abs(total - 1) > SHARE_SUM_TOLERANCE:
            raise _fail(
                gettext_noop("The shares for {variable} add up to {total}, not 1."),
                variable=variable,
                total=round(total, 9),
            )
    population_total = None
    if kind is TargetKind.COUNTS:
        first, population_total = next(iter(totals.items()))
        for variable, total in totals.items():
            if abs(total - population_total) > COUNT_TOTAL_RELATIVE_TOLERANCE * max(total, population_total):
                raise _fail(
                    gettext_noop(
                        "The counts for {variable} add up to {total}, but those for {first} add up to {first_total}:"
                        " every variable must describe the same population."
                    ),
                    variable=variable,
                    total=total,
                    first=first,
                    first_total=population_total,
                )
    targets = tuple(
        Target(
            variable=variable,
            categories=tuple(category for category, _value in pairs),
            shares=tuple(value / totals[variable] for _category, value in pairs),
            given=tuple(value for _category, value in pairs),
        )
        for variable, pairs in values.items()
    )
    return TargetSet(targets=targets, kind=kind, population_total=population_total)


def encode_categories(answers: Sequence[str], target: Target) -> np.ndarray:
    """Return the integer code of every answer; an answer that is not a target category is an error."""
    index = {category: code for code, category in enumerate(target.categories)}
    codes = np.empty(len(answers), dtype=np.int64)
    for row, answer in enumerate(answers):
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            raise _fail(gettext_noop("Row {row} has no answer for {variable}."), variable=target.variable, row=row + 1)
        code = index.get(str(answer))
        if code is None:
            raise _fail(
                gettext_noop("Row {row}: the category {category} of {variable} has no target (targets: {categories})."),
                variable=target.variable,
                category=str(answer),
                row=row + 1,
                categories=", ".join(target.categories),
            )
        codes[row] = code
    return codes


def _check_codes(codes: Mapping[str, ArrayLike], targets: TargetSet) -> tuple[list[np.ndarray], int]:
    """Return the code arrays in target order and the number of respondents, or raise on bad input."""
    if not isinstance(targets, TargetSet):
        raise TypeError("targets must be a TargetSet (see build_target_set)")
    missing = [variable for variable in targets.variables if variable not in codes]
    if missing:
        raise _fail(gettext_noop("The answers have no column for the variable {variable}."), variable=missing[0])
    extra = [variable for variable in codes if variable not in targets.variables]
    if extra:
        raise _fail(gettext_noop("There are no targets for the variable {variable}."), variable=extra[0])
    arrays = []
    n = None
    for target in targets.targets:
        array = np.asarray(codes[target.variable])
        if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
            raise _fail(
                gettext_noop("The codes of {variable} must be a one-dimensional array of whole numbers."),
                variable=target.variable,
            )
        if n is None:
            n = array.size
        elif array.size != n:
            raise _fail(
                gettext_noop("The variable {variable} has {size} answers, but the others have {n}."),
                variable=target.variable,
                size=array.size,
                n=n,
            )
        if array.size:
            low, high = int(array.min()), int(array.max())
            if low < 0 or high >= len(target.categories):
                bad = low if low < 0 else high
                raise _fail(
                    gettext_noop("The code {code} of {variable} stands for no target category."),
                    variable=target.variable,
                    category=str(bad),
                    code=bad,
                )
        arrays.append(array)
    if not n:
        raise _fail(gettext_noop("There are no respondents to weight."))
    return arrays, n


def _check_weights(weights: ArrayLike, n: int, *, name: str) -> np.ndarray:
    array = np.asarray(weights, dtype=np.float64)
    if array.shape != (n,):
        raise _fail(gettext_noop("There must be one {name} per respondent ({n})."), name=name, n=n)
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        row = int(np.flatnonzero(~(np.isfinite(array) & (array > 0)))[0])
        raise _fail(
            gettext_noop("Every {name} must be a number greater than 0 (row {row} is {value})."),
            name=name,
            row=row + 1,
            value=float(array[row]),
        )
    return array


# --------------------------------------------------------------------------- comparison and fit


@dataclass(frozen=True, slots=True)
class CategoryComparison:
    """One category of the sample-vs-target table.

    ``standardised_difference`` is the difference divided by the standard deviation of the
    category's indicator in the target population, sqrt(p(1 − p)) — the absolute standardised mean
    difference that the ``balance`` package reports, signed.
    """

    variable: str
    category: str
    code: int
    count: int
    weighted_count: float
    share: float
    target_share: float
    difference: float
    standardised_difference: float | None  # None when the target share is 0 or 1


@dataclass(frozen=True, slots=True)
class GoodnessOfFit:
    """χ² (Pearson) and G (likelihood ratio) tests of one variable's shares against its targets.

    ``n`` is the number of respondents before weighting and Kish's effective sample size after;
    categories with a target share of 0 (and, necessarily, no respondents) add nothing and no
    degree of freedom.
    """

    variable: str
    n: float
    degrees_of_freedom: int
    chi_square: float
    chi_square_p_value: float
    g_statistic: float
    g_p_value: float
    cohens_w: float


@dataclass(frozen=True, slots=True)
class SampleComparison:
    n: int
    is_weighted: bool
    effective_sample_size: float
    categories: tuple[CategoryComparison, ...]
    fits: tuple[GoodnessOfFit, ...]


def assess_goodness_of_fit(observed: ArrayLike, target_shares: ArrayLike, *, variable: str = "") -> GoodnessOfFit:
    """Return χ², G and Cohen's w for observed counts (weighted counts allowed) against target shares."""
    observed = np.asarray(observed, dtype=np.float64)
    shares = np.asarray(target_shares, dtype=np.float64)
    if observed.shape != shares.shape or observed.ndim != 1:
        raise _fail(gettext_noop("Give one observed count per target share."), variable=variable)
    if np.any(~np.isfinite(observed)) or np.any(observed < 0):
        raise _fail(gettext_noop("The observed counts of {variable} must be numbers of at least 0."), variable=variable)
    n = float(observed.sum())
    if n <= 0:
        raise _fail(gettext_noop("The variable {variable} has no answers."), variable=variable)
    positive = shares > 0
    stray = np.flatnonzero(~positive & (observed > 0))
    if stray.size:
        raise _fail(
            gettext_noop("The variable {variable} has answers in a category whose target share is 0."),
            variable=variable,
            category=str(int(stray[0])),
        )
    observed, shares = observed[positive], shares[positive] / shares[positive].sum()
    expected = shares * n
    chi_square, chi_p = stats.power_divergence(observed, expected, lambda_="pearson")
    g_statistic, g_p = stats.power_divergence(observed, expected, lambda_="log-likelihood")
    if not g_statistic > 0:
        # Rounding makes G a hair below 0 when the margins match exactly (raked data); G >= 0 in theory.
        g_statistic, g_p = 0.0, 1.0
    return GoodnessOfFit(
        variable=variable,
        n=n,
        degrees_of_freedom=int(observed.size - 1),
        chi_square=float(chi_square),
        chi_square_p_value=float(chi_p),
        g_statistic=float(g_statistic),
        g_p_value=float(g_p),
        cohens_w=math.sqrt(float(chi_square) / n),
    )


def _compare(
    targets: TargetSet,
    counts: list[np.ndarray],
    weighted: list[np.ndarray],
    n: int,
    n_effective: float,
    is_weighted: bool,
) -> SampleComparison:
    rows = []
    fits = []
    for target, count, total in zip(targets.targets, counts, weighted, strict=True):
        target_shares = np.asarray(target.shares)
        shares = total / total.sum()
        for code, category in enumerate(target.categories):
            p = target_shares[code]
            difference = float(shares[code] - p)
            spread = math.sqrt(p * (1 - p))
            rows.append(
                CategoryComparison(
                    variable=target.variable,
                    category=category,
                    code=code,
                    count=int(count[code]),
                    weighted_count=float(total[code]),
                    share=float(shares[code]),
                    target_share=float(p),
                    difference=difference,
                    standardised_difference=difference / spread if spread > 0 else None,
                )
            )
        fits.append(assess_goodness_of_fit(shares * n_effective, target_shares, variable=target.variable))
    return SampleComparison(
        n=n, is_weighted=is_weighted, effective_sample_size=n_effective, categories=tuple(rows), fits=tuple(fits)
    )


def compare_with_targets(
    codes: Mapping[str, ArrayLike], targets: TargetSet, *, weights: ArrayLike | None = None
) -> SampleComparison:
    """Return the sample-vs-target table and the goodness of fit of every variable.

    With ``weights`` the shares are weighted and the tests use Kish's effective sample size.
    """
    arrays, n = _check_codes(codes, targets)
    counts = [np.bincount(array, minlength=len(t.categories)) for array, t in zip(arrays, targets.targets, strict=True)]
    if weights is None:
        return _compare(targets, counts, [c.astype(np.float64) for c in counts], n, float(n), False)
    w = _check_weights(weights, n, name="weight")
    totals = [
        np.bincount(array, weights=w, minlength=len(t.categories))
        for array, t in zip(arrays, targets.targets, strict=True)
    ]
    return _compare(targets, counts, totals, n, kish_effective_sample_size(w), True)


# --------------------------------------------------------------------------- design effect


def kish_design_effect(weights: ArrayLike) -> float:
    """Return Kish's design effect due to unequal weighting, n·Σw² / (Σw)² (Kish 1965)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0:
        raise _fail(gettext_noop("There are no weights."))
    return float(w.size * np.dot(w, w) / w.sum() ** 2)


def kish_effective_sample_size(weights: ArrayLike) -> float:
    """Return Kish's effective sample size, (Σw)² / Σw² = n / design effect."""
    w = np.asarray(weights, dtype=np.float64)
    if w.size == 0:
        raise _fail(gettext_noop("There are no weights."))
    return float(w.sum() ** 2 / np.dot(w, w))


@dataclass(frozen=True, slots=True)
class WeightSummary:
    n: int
    total: float
    mean: float
    minimum: float
    maximum: float
    ratio: float  # maximum / minimum
    percentiles: tuple[tuple[float, float], ...]  # (percent, weight), numpy's linear interpolation
    design_effect: float
    effective_sample_size: float


@dataclass(frozen=True, slots=True)
class SegmentDesignEffect:
    """Kish's design effect within the respondents of one category of a raking variable."""

    variable: str
    category: str
    n: int
    design_effect: float | None  # None when the category has no respondents
    effective_sample_size: float


def _grouped_percentiles(values: np.ndarray, counts: np.ndarray, percents: Sequence[float]) -> list[float]:
    """Return np.percentile(np.repeat(values, counts), percents) without expanding the array."""
    order = np.argsort(values, kind="stable")
    values, counts = values[order], counts[order]
    cumulative = np.cumsum(counts)
    n = int(cumulative[-1])
    result = []
    for percent in percents:
        position = (n - 1) * percent / 100
        low, high = math.floor(position), math.ceil(position)
        value_low = values[np.searchsorted(cumulative, low, side="right")]
        value_high = values[np.searchsorted(cumulative, high, side="right")]
        result.append(float(value_low + (position - low) * (value_high - value_low)))
    return result


# --------------------------------------------------------------------------- raking


@dataclass(frozen=True, slots=True)
class CategoryError:
    variable: str
    category: str
    target_share: float
    achieved_share: float
    absolute_error: float


@dataclass(frozen=True, slots=True)
class RakingResult:
    """Raking weights with everything used to compute them and the diagnostics to judge them.

    ``weights`` is read-only, one per respondent in input order. ``cells`` is the number of cells
    the respondents were aggregated into (combinations of categories present, split by base weight
    when bounds are set).
    """

    weights: np.ndarray
    status: RakingStatus
    converged: bool
    sweeps: int
    max_error: float
    errors: tuple[CategoryError, ...]
    message: Message | None  # why it did not converge
    tolerance: float
    max_sweeps: int
    lower_bound: float | None
    upper_bound: float | None
    has_base_weights: bool
    targets: TargetSet
    cells: int
    summary: WeightSummary
    segments: tuple[SegmentDesignEffect, ...]
    before: SampleComparison
    after: SampleComparison


def _bound(value: float | None, name: str) -> float | None:
    if value is None:
        return None
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise _fail(gettext_noop("The {name} weight must be a number of at least 0."), name=name)
    return float(value)


def _cell_index(arrays: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, int, bool]:
    """Return each respondent's cell number, the number of possible cells, and whether the numbers decode.

    The cell number is the mixed-radix number whose digits are the codes (variable 0 the lowest
    digit), so it decodes back into the codes. With so many variables that the number would not fit
    in 62 bits, the combinations seen so far are renumbered (np.unique) before the next digit is
    added; those numbers still tell cells apart but no longer decode.
    """
    cell = arrays[-1].astype(np.intp)
    radix = sizes[-1]
    decodes = True
    for array, size in zip(reversed(arrays[:-1]), reversed(sizes[:-1]), strict=True):
        if radix * size >= _MAX_CELL_NUMBER:
            _seen, cell = np.unique(cell, return_inverse=True)
            radix = int(cell.max()) + 1
            decodes = False
        cell *= size  # in place: with byte codes this stays one intp array
        np.add(cell, array, out=cell, casting="unsafe")  # codes were checked to lie in [0, size)
        radix *= size
    return cell, radix, decodes


def _unit_codes(cell_ids: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Return each variable's code for every cell number (the inverse of _cell_index)."""
    codes = []
    rest = cell_ids.copy()
    for size in sizes:
        codes.append(rest % size)
        rest //= size
    return codes


def rake(
    codes: Mapping[str, ArrayLike],
    targets: TargetSet,
    *,
    base_weights: ArrayLike | None = None,
    lower_bound: float | None = None,
    upper_bound: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_sweeps: int = DEFAULT_MAX_SWEEPS,
) -> RakingResult:
    """Return raking weights that make the weighted shares of every variable equal its targets.

    ``codes`` maps each target variable to the integer codes of the respondents' categories
    (``encode_categories``). ``base_weights`` (design or non-response weights) are multiplied in:
    the result is base weight × raking factor of the respondent's cell. ``lower_bound`` and
    ``upper_bound`` bound every weight relative to the mean weight (0.3 and 3 keep weights within
    0.3× and 3× the mean); they are enforced after each sweep, and when they make the margins
    unreachable the result is not converged and says how far off each category is.
    """
    if not _is_number(tolerance) or not 0 < tolerance < 1:
        raise _fail(gettext_noop("The tolerance must be greater than 0 and less than 1."))
    if not isinstance(max_sweeps, numbers.Integral) or isinstance(max_sweeps, bool) or max_sweeps < 1:
        raise _fail(gettext_noop("The number of sweeps must be a whole number of at least 1."))
    lower, upper = _bound(lower_bound, "minimum"), _bound(upper_bound, "maximum")
    if lower is not None and lower > 1:
        raise _fail(gettext_noop("The minimum weight must be at most 1 (the mean weight), not {value}."), value=lower)
    if upper is not None and upper < 1:
        raise _fail(gettext_noop("The maximum weight must be at least 1 (the mean weight), not {value}."), value=upper)
    arrays, n = _check_codes(codes, targets)
    sizes = [len(target.categories) for target in targets.targets]
    base = None if base_weights is None else _check_weights(base_weights, n, name="base weight")

    # Aggregate respondents into cells once: every respondent of a cell gets the same weight.
    cell, possible, decodes = _cell_index(arrays, sizes)
    bounded = lower is not None or upper is not None
    if base is not None and bounded:
        # A bound applies to each respondent's weight, so respondents of a cell with different
        # base weights must stay apart: split cells by base weight.
        order = np.lexsort((base, cell))
        sorted_cell, sorted_base = cell[order], base[order]
        starts = np.concatenate(([True], (np.diff(sorted_cell) != 0) | (np.diff(sorted_base) != 0)))
        unit_of_sorted = np.cumsum(starts) - 1
        unit = np.empty(n, dtype=np.intp)
        unit[order] = unit_of_sorted
        unit_cells = sorted_cell[starts]
        representatives = order[starts]  # one respondent of each unit
        unit_counts = np.bincount(unit_of_sorted).astype(np.float64)
        unit_base = sorted_base[starts] * unit_counts  # total base weight of the unit
        unit_base_squares = sorted_base[starts] ** 2 * unit_counts
        del order, sorted_cell, sorted_base, unit_of_sorted
    elif decodes and possible <= max(MAX_DENSE_CELLS, 4 * n):
        all_counts = np.bincount(cell, minlength=possible)
        unit_cells = np.flatnonzero(all_counts)
        unit_counts = all_counts[unit_cells].astype(np.float64)
        if base is None:
            unit_base, unit_base_squares = unit_counts, unit_counts
        else:
            unit_base = np.bincount(cell, weights=base, minlength=possible)[unit_cells]
            unit_base_squares = np.bincount(cell, weights=base * base, minlength=possible)[unit_cells]
        unit = None  # the cell number indexes a dense table
        representatives = None
    else:
        unit_cells, representatives, unit, counts = np.unique(
            cell, return_index=True, return_inverse=True, return_counts=True
        )
        unit_counts = counts.astype(np.float64)
        if base is None:
            unit_base, unit_base_squares = unit_counts, unit_counts
        else:
            unit_base = np.bincount(unit, weights=base)
            unit_base_squares = np.bincount(unit, weights=base * base)
    if representatives is None:
        codes_of_unit = _unit_codes(unit_cells, sizes)
    else:
        codes_of_unit = [array[representatives].astype(np.intp) for array in arrays]
    respondents = [np.bincount(c, weights=unit_counts, minlength=s) for c, s in zip(codes_of_unit, sizes, strict=True)]
    target_shares = [np.asarray(target.shares) for target in targets.targets]
    for target, count, shares in zip(targets.targets, respondents, target_shares, strict=True):
        empty = np.flatnonzero((count == 0) & (shares > 0))
        if empty.size:
            raise _fail(
                gettext_noop("Nobody answered {category} for {variable}, so its target share cannot be reached."),
                variable=target.variable,
                category=target.categories[empty[0]],
            )
        excluded = np.flatnonzero((count > 0) & (shares == 0))
        if excluded.size:
            raise _fail(
                gettext_noop(
                    "The target share of {category} in {variable} is 0, which would give its respondents no weight."
                ),
                variable=target.variable,
                category=target.categories[excluded[0]],
            )

    # Rake the cell table. ``totals`` holds each cell's total weight, scaled to add up to 1.
    totals = unit_base / unit_base.sum()

    def margins(values: np.ndarray) -> list[np.ndarray]:
        return [np.bincount(c, weights=values, minlength=s) for c, s in zip(codes_of_unit, sizes, strict=True)]

    def max_error(values: np.ndarray) -> float:
        grand = values.sum()
        return max(float(np.abs(m / grand - t).max()) for m, t in zip(margins(values), target_shares, strict=True))

    def clip(values: np.ndarray) -> np.ndarray:
        # Keep every respondent's weight within [lower, upper] × the mean of the clipped weights.
        # Clipping moves the mean, so solve mean(clip(w, L·m, U·m)) = m for m: the gap is positive
        # where every weight is capped at U·m and negative where every weight is raised to L·m.
        per_respondent = values / unit_counts
        high = math.inf if upper is None else upper
        low = 0.0 if lower is None else lower
        mean = values.sum() / n
        if per_respondent.min() >= low * mean and per_respondent.max() <= high * mean:
            return values

        def gap(m: float) -> float:
            return float(np.dot(unit_counts, np.clip(per_respondent, low * m, high * m))) / n - m

        start = per_respondent.min() / high if upper is not None else 0.0
        stop = per_respondent.max() / low if low > 0 else per_respondent.max()
        mean = optimize.brentq(gap, start, stop, xtol=1e-15 * stop, rtol=1e-15)
        return np.clip(per_respondent, low * mean, high * mean) * unit_counts

    error = max_error(totals)
    if bounded:
        error = math.inf  # the starting weights need not respect the bounds
    sweeps = 0
    best, since_best = math.inf, 0
    status = RakingStatus.MAX_SWEEPS
    while True:
        within_bounds = not bounded or _within_bounds(totals / unit_counts, totals.sum() / n, lower, upper)
        if error <= tolerance and within_bounds:
            status = RakingStatus.CONVERGED
            break
        if sweeps >= max_sweeps:
            break
        if error < best * (1 - 1e-12):
            best, since_best = error, 0
        else:
            since_best += 1
            if since_best >= STALL_SWEEPS:
                status = RakingStatus.STALLED
                break
        for unit_code, shares in zip(codes_of_unit, target_shares, strict=True):
            margin = np.bincount(unit_code, weights=totals, minlength=shares.size)
            factor = np.divide(shares * totals.sum(), margin, out=np.ones_like(margin), where=margin > 0)
            totals = totals * factor[unit_code]
        if bounded:
            totals = clip(totals)
        totals = totals / totals.sum()
        sweeps += 1
        error = max_error(totals)

    weight_total = targets.population_total if targets.kind is TargetKind.COUNTS else float(n)
    totals = totals * weight_total
    factors = totals / unit_base  # raking factor of each unit, times the respondent's base weight
    if unit is None:
        dense = np.zeros(possible)
        dense[unit_cells] = factors
        weights = dense[cell]
    else:
        weights = factors[unit]
    del cell
    if base is not None:
        weights *= base
    weights.flags.writeable = False

    sum_squares = factors**2 * unit_base_squares
    if base is None or bounded:  # every respondent of a unit has the same weight
        unit_weights = totals / unit_counts
        percentiles = _grouped_percentiles(unit_weights, unit_counts.astype(np.int64), WEIGHT_PERCENTILES)
        minimum, maximum = float(unit_weights.min()), float(unit_weights.max())
    else:  # respondents of a cell differ by their base weights
        percentiles = [float(v) for v in np.percentile(weights, WEIGHT_PERCENTILES)]
        minimum, maximum = float(weights.min()), float(weights.max())
    total = float(totals.sum())
    square_total = float(sum_squares.sum())
    summary = WeightSummary(
        n=n,
        total=total,
        mean=total / n,
        minimum=minimum,
        maximum=maximum,
        ratio=maximum / minimum,
        percentiles=tuple(zip(WEIGHT_PERCENTILES, percentiles, strict=True)),
        design_effect=n * square_total / total**2,
        effective_sample_size=total**2 / square_total,
    )

    segments = []
    weighted_margins = margins(totals)
    square_margins = margins(sum_squares)
    for target, count, weighted, squares in zip(
        targets.targets, respondents, weighted_margins, square_margins, strict=True
    ):
        for code, category in enumerate(target.categories):
            has_answers = count[code] > 0
            segments.append(
                SegmentDesignEffect(
                    variable=target.variable,
                    category=category,
                    n=int(count[code]),
                    design_effect=float(count[code] * squares[code] / weighted[code] ** 2) if has_answers else None,
                    effective_sample_size=float(weighted[code] ** 2 / squares[code]) if has_answers else 0.0,
                )
            )

    errors = []
    for target, weighted, shares in zip(targets.targets, weighted_margins, target_shares, strict=True):
        achieved = weighted / weighted.sum()
        for code, category in enumerate(target.categories):
            errors.append(
                CategoryError(
                    variable=target.variable,
                    category=category,
                    target_share=float(shares[code]),
                    achieved_share=float(achieved[code]),
                    absolute_error=float(abs(achieved[code] - shares[code])),
                )
            )
    worst = max(errors, key=lambda e: e.absolute_error)
    converged = status is RakingStatus.CONVERGED
    note = None
    if not converged:
        params = {
            "sweeps": sweeps,
            "error": f"{worst.absolute_error:.3g}",
            "variable": worst.variable,
            "category": worst.category,
        }
        if bounded:
            template = gettext_noop(
                "The bounds on the weights make the targets unreachable: after {sweeps} sweeps the share of"
                " {category} in {variable} is still off by {error}. Widen the bounds or merge categories."
            )
        elif status is RakingStatus.STALLED:
            template = gettext_noop(
                "The targets cannot all be reached with these respondents: after {sweeps} sweeps the share of"
                " {category} in {variable} is still off by {error}. Some combinations of categories have no"
                " respondents."
            )
        else:
            template = gettext_noop(
                "Raking did not converge in {sweeps} sweeps: the share of {category} in {variable} is still off"
                " by {error}."
            )
        note = message(template, **params)

    before_counts = [count.astype(np.int64) for count in respondents]
    base_margins = margins(unit_base)
    base_n_effective = float(unit_base.sum() ** 2 / unit_base_squares.sum())
    before = _compare(targets, before_counts, base_margins, n, base_n_effective, base is not None)
    after = _compare(targets, before_counts, weighted_margins, n, summary.effective_sample_size, True)
    return RakingResult(
        weights=weights,
        status=status,
        converged=converged,
        sweeps=sweeps,
        max_error=worst.absolute_error,
        errors=tuple(errors),
        message=note,
        tolerance=float(tolerance),
        max_sweeps=int(max_sweeps),
        lower_bound=lower,
        upper_bound=upper,
        has_base_weights=base is not None,
        targets=targets,
        cells=int(unit_cells.size),
        summary=summary,
        segments=tuple(segments),
        before=before,
        after=after,
    )


def _within_bounds(weights: np.ndarray, mean: float, lower: float | None, upper: float | None) -> bool:
    slack = BOUND_TOLERANCE * mean
    if lower is not None and weights.min() < lower * mean - slack:
        return False
    return upper is None or weights.max() <= upper * mean + slack


# --------------------------------------------------------------------------- weighted estimates


def _z(confidence_level: float) -> float:
    if not _is_number(confidence_level) or not 0 < confidence_level < 1:
        raise _fail(gettext_noop("The confidence level must be greater than 0 and less than 1."))
    return float(special.ndtri(0.5 + confidence_level / 2))


@dataclass(frozen=True, slots=True)
class WeightedShare:
    """A weighted share with a Wald interval on Kish's effective sample size, clipped to [0, 1]."""

    category: str
    count: int
    weighted_count: float
    share: float
    standard_error: float
    margin_of_error: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class WeightedShares:
    n: int
    effective_sample_size: float
    design_effect: float
    confidence_level: float
    shares: tuple[WeightedShare, ...]


def estimate_weighted_shares(
    codes: ArrayLike, categories: Sequence[str], weights: ArrayLike | None = None, *, confidence_level: float = 0.95
) -> WeightedShares:
    """Return the weighted share of every category with its confidence interval.

    The standard error is sqrt(p(1 − p) / n_eff) with n_eff Kish's effective sample size.
    """
    z = _z(confidence_level)
    array = np.asarray(codes)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise _fail(gettext_noop("The codes must be a one-dimensional array of whole numbers."))
    n = array.size
    if n == 0:
        raise _fail(gettext_noop("There are no answers."))
    if array.min() < 0 or array.max() >= len(categories):
        raise _fail(gettext_noop("A code stands for no category."))
    w = np.ones(n) if weights is None else _check_weights(weights, n, name="weight")
    counts = np.bincount(array, minlength=len(categories))
    totals = np.bincount(array, weights=w, minlength=len(categories))
    n_effective = kish_effective_sample_size(w)
    rows = []
    for code, category in enumerate(categories):
        p = float(totals[code] / totals.sum())
        se = math.sqrt(p * (1 - p) / n_effective)
        rows.append(
            WeightedShare(
                category=str(category),
                count=int(counts[code]),
                weighted_count=float(totals[code]),
                share=p,
                standard_error=se,
                margin_of_error=z * se,
                lower=max(0.0, p - z * se),
                upper=min(1.0, p + z * se),
            )
        )
    return WeightedShares(
        n=n,
        effective_sample_size=n_effective,
        design_effect=n / n_effective,
        confidence_level=float(confidence_level),
        shares=tuple(rows),
    )


@dataclass(frozen=True, slots=True)
class WeightedMean:
    """A weighted mean with a Student t interval on Kish's effective sample size (n_eff − 1 df)."""

    n: int
    effective_sample_size: float
    design_effect: float
    mean: float
    standard_deviation: float
    standard_error: float
    margin_of_error: float
    lower: float
    upper: float
    confidence_level: float


def estimate_weighted_mean(
    values: ArrayLike, weights: ArrayLike | None = None, *, confidence_level: float = 0.95
) -> WeightedMean:
    """Return the weighted mean of ``values`` with its confidence interval.

    The standard deviation is the weighted one with the n_eff / (n_eff − 1) correction, and the
    standard error is that over sqrt(n_eff). A missing value (NaN) is an error: drop it first.
    """
    _z(confidence_level)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise _fail(gettext_noop("A mean with a confidence interval needs at least two answers."))
    if not np.all(np.isfinite(x)):
        raise _fail(
            gettext_noop("Every value must be a number (row {row} is not)."),
            row=int(np.flatnonzero(~np.isfinite(x))[0]) + 1,
        )
    w = np.ones(x.size) if weights is None else _check_weights(weights, x.size, name="weight")
    n_effective = kish_effective_sample_size(w)
    mean = float(np.dot(w, x) / w.sum())
    variance = float(np.dot(w, (x - mean) ** 2) / w.sum())
    sd = math.sqrt(variance * n_effective / (n_effective - 1)) if n_effective > 1 else math.nan
    se = sd / math.sqrt(n_effective)
    t = float(stats.t.ppf(0.5 + confidence_level / 2, n_effective - 1)) if n_effective > 1 else math.nan
    return WeightedMean(
        n=int(x.size),
        effective_sample_size=n_effective,
        design_effect=x.size / n_effective,
        mean=mean,
        standard_deviation=sd,
        standard_error=se,
        margin_of_error=t * se,
        lower=mean - t * se,
        upper=mean + t * se,
        confidence_level=float(confidence_level),
    )
