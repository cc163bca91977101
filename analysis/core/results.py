"""Per-question results: counts, shares, means and NPS with margins of error, weighted or not.

Plain values in, frozen dataclasses out; numpy (and the weighted estimates of
``analysis.core.weighting``) only. The caller passes, for one question, the answers of every
response in the filtered set in the stored shapes (``responses.core.answers``; ``None`` when the
question was not answered) and, optionally, one weight per response in the same order.

**What each type gives**

=================  ==========================================================================
single choice      count and share of each option among those who answered, "other" texts
multiple choice    share of respondents (who answered) choosing each option; shares add to ≥ 100 %
rating             mean, median, SD with a t interval; distribution over the scale points;
                   "not applicable" answers are counted apart and left out of both
number             mean, median, SD with a t interval; distribution per value (≤ 12 distinct
                   values) or over Sturges' bins
NPS                promoters (9–10), passives (7–8), detractors (0–6) and the score
                   100·(p_promoters − p_detractors) with its margin of error; the 0–10 distribution
matrix             per row: distribution over the scale and mean (of the codes when they are all
                   numbers, else of the scale positions 1…k)
ranking            per item: mean rank among those who ranked it and the share ranking it first
short / long text  the number of answers (the themes come from the open-text analysis)
date               first and last date and the count per month
=================  ==========================================================================

**Margins of error.** Every interval uses Kish's effective sample size
``n_eff = (Σw)² / Σw²`` of the respondents who answered (``n_eff = n`` unweighted), so weighting
widens the intervals by the design effect it causes. Shares get a Wald interval
``p ± z·sqrt(p(1 − p) / n_eff)`` clipped to [0, 1] (method ``wald_effective_n``); means a Student t
interval on ``n_eff − 1`` degrees of freedom (``t_effective_n``), both from
``analysis.core.weighting``. The NPS is a difference of two shares of one multinomial sample, so
its variance is ``(p_P + p_D − (p_P − p_D)²) / n_eff`` (``nps_wald_effective_n``; Rocks, B. (2016),
"Interval estimation for the 'Net Promoter Score'", *The American Statistician* 70(4), 365–372).
A Wald interval is poor for a handful of answers: segment pages mark segments with too few answers
with ``surveys.core.precision.segment_precision`` (30 by default) rather than hide them.

Answers that do not fit the question (a code the questionnaire never had, a text where a number
belongs — possible only for data written around the validation) are never counted silently:
they are left out and reported in ``n_invalid``.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain, pairwise, repeat
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

from analysis.core.weighting import estimate_weighted_mean, kish_effective_sample_size
from responses.core.answers import NOT_APPLICABLE
from surveys.core.precision import SegmentPrecision, segment_precision
from surveys.core.questionnaire import ChoiceSpec, QuestionSpec, QuestionType, SurveySpec, Text

CONFIDENCE_LEVEL = 0.95
MAX_OTHER_TEXTS = 100  # "other" texts kept per question; the count says how many there were
MAX_DISTINCT_NUMBERS = 12  # up to this many distinct numbers, the distribution is per value
MAX_BINS = 20

METHOD_SHARES = "wald_effective_n"
METHOD_MEAN = "t_effective_n"
METHOD_NPS = "nps_wald_effective_n"
METHOD_RANKING = "mean_rank"
METHOD_COUNT = "count"

NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6


class ResultsInputError(ValueError):
    """Answers and weights that cannot be summarised together (wrong lengths, bad weights)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Share:
    """One category: its count, weighted count and share with a confidence interval."""

    code: str
    label: Text
    count: int
    weighted_count: float
    share: float  # 0…1 of the base named by the summary
    margin_of_error: float | None  # None without answers
    lower: float | None
    upper: float | None


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean with its t interval on the effective n, the median and the standard deviation."""

    mean: float
    median: float
    standard_deviation: float | None  # None below two answers
    margin_of_error: float | None
    lower: float | None
    upper: float | None
    minimum: float
    maximum: float


@dataclass(frozen=True, slots=True)
class NetPromoterScore:
    """NPS = 100·(share of promoters − share of detractors), in points from −100 to 100."""

    promoters: Share
    passives: Share
    detractors: Share
    score: float
    standard_error: float
    margin_of_error: float
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class MatrixRow:
    code: str
    label: Text
    n: int
    effective_n: float
    not_applicable: int
    shares: tuple[Share, ...]
    estimate: Estimate | None
    mean_basis: str  # "code" (the scale codes are numbers) or "position" (1…k)


@dataclass(frozen=True, slots=True)
class RankedItem:
    code: str
    label: Text
    n: int  # respondents who gave the item a rank
    mean_rank: float | None  # 1 = most important; None when nobody ranked it
    first_place: Share  # share of the question's respondents who ranked it first


@dataclass(frozen=True, slots=True)
class QuestionSummary:
    """The results of one question over one set of responses.

    ``n`` counts the responses with a usable answer, ``base`` the responses considered (answered
    or not); ``weighted_n``, ``effective_n`` and ``design_effect`` describe the answered ones
    (equal to n, n and 1 unweighted). Which parts are filled depends on the type (see the module).
    """

    key: str
    type: QuestionType
    text: Text
    n: int
    base: int
    n_invalid: int
    is_weighted: bool
    weighted_n: float
    effective_n: float
    design_effect: float
    method: str
    confidence_level: float
    shares: tuple[Share, ...] = ()
    estimate: Estimate | None = None
    nps: NetPromoterScore | None = None
    rows: tuple[MatrixRow, ...] = ()
    ranks: tuple[RankedItem, ...] = ()
    not_applicable: int = 0
    other_count: int = 0
    other_texts: tuple[str, ...] = ()
    first_date: str | None = None
    last_date: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.n == 0


@dataclass(frozen=True, slots=True)
class SegmentSummary:
    code: str
    label: Text
    precision: SegmentPrecision
    summary: QuestionSummary


@dataclass(frozen=True, slots=True)
class SegmentBreakdown:
    """A question's results per answer of a segment question (a demographic one, usually)."""

    segment_key: str
    segment_text: Text
    segments: tuple[SegmentSummary, ...]
    unsegmented: int  # responses in the set without a (valid) answer to the segment question


# --------------------------------------------------------------------------- helpers


def _z(confidence_level: float) -> float:
    if not isinstance(confidence_level, (int, float)) or not 0 < confidence_level < 1:
        raise ResultsInputError("confidence_level must lie strictly between 0 and 1")
    return NormalDist().inv_cdf(0.5 + confidence_level / 2)


def _weights(weights: ArrayLike | None, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ResultsInputError(f"there must be one weight per response ({n}), not {w.size}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ResultsInputError("every weight must be a finite number of at least 0")
    return w


def _kish(w: np.ndarray | None, n: int) -> tuple[float, float, float]:
    """Return (weighted n, effective n, design effect) of the answered respondents."""
    if n == 0:
        return 0.0, 0.0, 1.0
    if w is None:
        return float(n), float(n), 1.0
    total = float(w.sum())
    if total <= 0:
        return 0.0, 0.0, 1.0
    n_eff = kish_effective_sample_size(w)
    return total, n_eff, n / n_eff


def _interval(p: float, n_eff: float, z: float) -> tuple[float | None, float | None, float | None]:
    if n_eff <= 0:
        return None, None, None
    margin = z * math.sqrt(max(p * (1 - p), 0.0) / n_eff)
    return margin, max(0.0, p - margin), min(1.0, p + margin)


def _shares(
    categories: Sequence[ChoiceSpec],
    counts: np.ndarray,
    weighted: np.ndarray,
    total: float,
    n_eff: float,
    z: float,
) -> tuple[Share, ...]:
    rows = []
    for index, category in enumerate(categories):
        p = float(weighted[index] / total) if total > 0 else 0.0
        margin, lower, upper = _interval(p, n_eff, z)
        rows.append(
            Share(
                code=category.value,
                label=category.label,
                count=int(counts[index]),
                weighted_count=float(weighted[index]),
                share=p,
                margin_of_error=margin,
                lower=lower,
                upper=upper,
            )
        )
    return tuple(rows)


def _count_codes(
    codes: np.ndarray, w: np.ndarray | None, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Return counts and weighted counts of codes 0…size−1, and the weights of those answers."""
    answered = codes >= 0
    kept = codes[answered]
    counts = np.bincount(kept, minlength=size)
    if w is None:
        return counts, counts.astype(np.float64), None
    w_kept = w[answered]
    return counts, np.bincount(kept, weights=w_kept, minlength=size), w_kept


def weighted_median(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Return the (weighted) median; with equal weights it equals ``numpy.median``.

    The median is the smallest value whose cumulative weight reaches half the total; when the
    cumulative weight equals half exactly, it is the midpoint with the next value.
    """
    if values.size == 0:
        raise ResultsInputError("a median needs at least one value")
    if weights is None:
        return float(np.median(values))
    order = np.argsort(values, kind="stable")
    x = values[order]
    cumulative = np.cumsum(weights[order])
    half = cumulative[-1] / 2
    index = int(np.searchsorted(cumulative, half, side="left"))
    index = min(index, x.size - 1)
    if math.isclose(cumulative[index], half, rel_tol=1e-12) and index + 1 < x.size:
        return float((x[index] + x[index + 1]) / 2)
    return float(x[index])


def _estimate(values: np.ndarray, w: np.ndarray | None, confidence_level: float) -> Estimate | None:
    if values.size == 0:
        return None
    if w is not None and float(w.sum()) <= 0:
        return None
    if values.size == 1:
        only = float(values[0])
        return Estimate(only, only, None, None, None, None, only, only)
    if w is not None and np.any(w == 0):  # zero weights carry no information: leave them out
        values, w = values[w > 0], w[w > 0]
        if values.size < 2:
            only = float(values[0])
            return Estimate(only, only, None, None, None, None, only, only)
    mean = estimate_weighted_mean(values, w, confidence_level=confidence_level)
    finite = math.isfinite(mean.margin_of_error)
    return Estimate(
        mean=mean.mean,
        median=weighted_median(values, w),
        standard_deviation=mean.standard_deviation if math.isfinite(mean.standard_deviation) else None,
        margin_of_error=mean.margin_of_error if finite else None,
        lower=mean.lower if finite else None,
        upper=mean.upper if finite else None,
        minimum=float(values.min()),
        maximum=float(values.max()),
    )


def _as_number(value: object) -> float | None:
    """Return a stored number as a float; None for anything else (bools are not numbers)."""
    if type(value) is int or type(value) is float:
        return float(value) if math.isfinite(value) else None
    return None


def _lookup(mapping: Mapping[object, int], values, count: int, missing: int) -> np.ndarray:
    """Return ``mapping.get(value, missing)`` for every value, looked up at C speed.

    An unhashable value (a list where a code belongs) cannot be a key: it maps to ``missing``.
    """
    values = list(values)
    try:
        return np.fromiter(map(mapping.get, values, repeat(missing, count)), np.int64, count)
    except TypeError:
        return np.fromiter(
            (mapping.get(v, missing) if not isinstance(v, (list, dict, set)) else missing for v in values),
            np.int64,
            count,
        )


def _types(answers: Sequence[object], base: int) -> np.ndarray:
    return np.fromiter(map(type, answers), object, base)


def _of_type(types: np.ndarray, kind: type) -> np.ndarray:
    """Return where ``types`` (from ``_types``) is exactly ``kind``, elementwise."""
    return types == kind


def _summary(question: QuestionSpec, **fields: object) -> QuestionSummary:
    return QuestionSummary(key=question.key, type=question.type, text=question.text, **fields)


# --------------------------------------------------------------------------- per type


def _single(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    choices = question.choices
    index: dict[object, int] = {choice.value: i for i, choice in enumerate(choices)}
    index[None] = -1
    codes = _lookup(index, answers, base, -2)  # -1: unanswered, -2: not an option (e.g. 3 for "3")
    n_invalid = int(np.count_nonzero(codes == -2))
    counts, weighted, w_kept = _count_codes(codes, w, len(choices))
    n = int(counts.sum())
    weighted_n, n_eff, deff = _kish(w_kept, n)
    other_codes = {i for i, choice in enumerate(choices) if choice.is_other}
    texts = _other_texts(others, codes, lambda code: code in other_codes)
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=n_invalid,
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_SHARES,
        confidence_level=confidence_level,
        shares=_shares(choices, counts, weighted, float(weighted.sum()), n_eff, z),
        other_count=len(texts),
        other_texts=tuple(texts[:MAX_OTHER_TEXTS]),
    )


def _other_texts(others: Sequence[object] | None, selections: Sequence[object], chose_other) -> list[str]:
    if others is None:
        return []
    return [
        text.strip()
        for text, selected in zip(others, selections, strict=True)
        if isinstance(text, str) and text.strip() and chose_other(selected)
    ]


def _coded_lists(answers: Sequence[object], index: Mapping[str, int], base: int):
    """Code list answers (multiple choice, ranking) at once, without a Python loop per item.

    Returns the row of every item, its code (−1 when unknown), its position in its list, the
    rows with a usable answer, and the count of unusable answers (not a list, an unknown code or a
    code twice). An empty list is no answer.
    """
    types = _types(answers, base)
    is_list = _of_type(types, list)
    list_rows = np.flatnonzero(is_list)
    lists = [answers[row] for row in list_rows.tolist()]
    lengths = np.fromiter(map(len, lists), np.int64, len(lists))
    shape_errors = int(np.count_nonzero(~is_list & ~_of_type(types, type(None))))
    total = int(lengths.sum())
    item_rows = np.repeat(list_rows.astype(np.int64), lengths)
    codes = _lookup(index, chain.from_iterable(lists), total, -1)
    positions = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    bad = np.zeros(base, dtype=bool)
    bad[item_rows[codes < 0]] = True
    known = codes >= 0
    pairs, repeats = np.unique(item_rows[known] * max(len(index), 1) + codes[known], return_counts=True)
    bad[pairs[repeats > 1] // max(len(index), 1)] = True
    answered = np.zeros(base, dtype=bool)
    answered[item_rows] = True
    answered &= ~bad
    return item_rows, codes, positions, answered, shape_errors + int(bad.sum())


def _multiple(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    choices = question.choices
    index = {choice.value: i for i, choice in enumerate(choices)}
    item_rows, codes, _positions, answered, n_invalid = _coded_lists(answers, index, base)
    keep = answered[item_rows]
    kept_codes, kept_rows = codes[keep], item_rows[keep]
    counts = np.bincount(kept_codes, minlength=len(choices))
    n = int(answered.sum())
    if w is None:
        weighted = counts.astype(np.float64)
        w_kept = None
        total = float(n)
    else:
        weighted = np.bincount(kept_codes, weights=w[kept_rows], minlength=len(choices))
        w_kept = w[answered]
        total = float(w_kept.sum())
    weighted_n, n_eff, deff = _kish(w_kept, n)
    is_other = np.array([choice.is_other for choice in choices] + [False], dtype=bool)
    chose_other = np.zeros(base, dtype=bool)
    chose_other[kept_rows[is_other[kept_codes]]] = True
    texts = _other_texts(others, chose_other, bool)
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=n_invalid,
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_SHARES,
        confidence_level=confidence_level,
        shares=_shares(choices, counts, weighted, total, n_eff, z),
        other_count=len(texts),
        other_texts=tuple(texts[:MAX_OTHER_TEXTS]),
    )


def _numbers(answers: Sequence[object], base: int, *, allow_not_applicable: bool) -> tuple[np.ndarray, int, int]:
    """Return the values (NaN where unanswered or invalid), the invalid count and the n/a count."""
    types = _types(answers, base)
    numeric = _of_type(types, int) | _of_type(types, float)  # exact types: a bool is not a number
    values = np.full(base, np.nan)
    if numeric.any():
        values[numeric] = np.array(answers, dtype=object)[numeric].astype(np.float64)
    values[~np.isfinite(values)] = np.nan
    n_invalid = 0
    not_applicable = 0
    for row in np.flatnonzero(np.isnan(values)).tolist():
        answer = answers[row]
        if answer is None:
            continue
        if allow_not_applicable and answer == NOT_APPLICABLE:
            not_applicable += 1
        else:
            n_invalid += 1
    return values, n_invalid, not_applicable


def _rating(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    values, n_invalid, not_applicable = _numbers(answers, base, allow_not_applicable=question.allow_not_applicable)
    points = np.array([float(choice.value) for choice in question.choices])
    codes = np.full(base, -1, dtype=np.int64)
    answered = ~np.isnan(values)
    if points.size:
        order = np.argsort(points, kind="stable")
        sorted_points = points[order]
        position = np.clip(np.searchsorted(sorted_points, values[answered]), 0, points.size - 1)
        codes[answered] = np.where(sorted_points[position] == values[answered], order[position], -2)
    else:
        codes[answered] = -2
    off_scale = int(np.count_nonzero(codes == -2))  # a number that is not a scale point
    codes[codes == -2] = -1
    counts, weighted, w_kept = _count_codes(codes, w, len(question.choices))
    n = int(counts.sum())
    weighted_n, n_eff, deff = _kish(w_kept, n)
    kept = codes >= 0
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=n_invalid + off_scale,
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_MEAN,
        confidence_level=confidence_level,
        shares=_shares(question.choices, counts, weighted, float(weighted.sum()), n_eff, z),
        estimate=_estimate(values[kept], w_kept, confidence_level),
        not_applicable=not_applicable,
    )


NPS_POINTS = tuple(ChoiceSpec(str(point), Text(vi=str(point), en=str(point))) for point in range(11))
NPS_GROUPS = (
    ChoiceSpec("promoters", Text(vi="Người ủng hộ (9–10)", en="Promoters (9–10)")),
    ChoiceSpec("passives", Text(vi="Trung lập (7–8)", en="Passives (7–8)")),
    ChoiceSpec("detractors", Text(vi="Người phản đối (0–6)", en="Detractors (0–6)")),
)


def net_promoter_score(promoters: float, detractors: float, n_effective: float, confidence_level: float = 0.95):
    """Return (score, standard error, margin of error) in points for the shares given.

    Var(p̂_P − p̂_D) = (p_P + p_D − (p_P − p_D)²) / n for one multinomial sample (Rocks 2016).
    """
    z = _z(confidence_level)
    if not 0 <= promoters <= 1 or not 0 <= detractors <= 1 or promoters + detractors > 1 + 1e-12:
        raise ResultsInputError("the shares of promoters and detractors must lie in [0, 1] and add up to at most 1")
    if n_effective <= 0:
        raise ResultsInputError("the effective sample size must be greater than 0")
    difference = promoters - detractors
    variance = max(promoters + detractors - difference**2, 0.0) / n_effective
    se = 100 * math.sqrt(variance)
    return 100 * difference, se, z * se


def _nps(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    values, n_invalid, _ = _numbers(answers, base, allow_not_applicable=False)
    codes = np.full(base, -1, dtype=np.int64)
    answered = ~np.isnan(values)
    valid = answered & (values >= 0) & (values <= 10) & (np.mod(np.nan_to_num(values), 1) == 0)
    n_invalid += int(np.count_nonzero(answered & ~valid))
    codes[valid] = values[valid].astype(np.int64)
    counts, weighted, w_kept = _count_codes(codes, w, 11)
    n = int(counts.sum())
    weighted_n, n_eff, deff = _kish(w_kept, n)
    total = float(weighted.sum())
    group_counts = np.array([counts[9:].sum(), counts[7:9].sum(), counts[:7].sum()])
    group_weighted = np.array([weighted[9:].sum(), weighted[7:9].sum(), weighted[:7].sum()])
    groups = _shares(NPS_GROUPS, group_counts, group_weighted, total, n_eff, z)
    score = None
    if n > 0 and total > 0:
        value, se, margin = net_promoter_score(groups[0].share, groups[2].share, n_eff, confidence_level)
        score = NetPromoterScore(
            promoters=groups[0],
            passives=groups[1],
            detractors=groups[2],
            score=value,
            standard_error=se,
            margin_of_error=margin,
            lower=max(-100.0, value - margin),
            upper=min(100.0, value + margin),
        )
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=n_invalid,
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_NPS,
        confidence_level=confidence_level,
        shares=_shares(NPS_POINTS, counts, weighted, total, n_eff, z),
        estimate=_estimate(values[valid], w_kept, confidence_level),
        nps=score,
    )


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def _sturges(n: int) -> int:
    """Return Sturges' number of bins, ⌈log2 n⌉ + 1, at most MAX_BINS."""
    return min(MAX_BINS, math.ceil(math.log2(max(n, 1))) + 1)


def nice_bin_edges(low: float, high: float, bins: int) -> np.ndarray:
    """Return edges of about ``bins`` equal bins covering [low, high] with a 1, 2 or 5 × 10^k width.

    Readable edges ("0–0.5", "0.5–1") instead of raw fractions of the range; every value falls in
    a bin (the last edge is above ``high`` or equal to it).
    """
    if not high > low:
        return np.array([low, low + 1.0])
    raw = (high - low) / max(bins, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step)
    count = max(1, math.ceil(high / step - first - 1e-9))
    if (first + count) * step <= high:
        count += 1  # half-open bins: the last one must reach past the maximum
    return (first + np.arange(count + 1)) * step


def _number(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    values, n_invalid, _ = _numbers(answers, base, allow_not_applicable=False)
    answered = ~np.isnan(values)
    kept = values[answered]
    w_kept = None if w is None else w[answered]
    n = int(kept.size)
    weighted_n, n_eff, deff = _kish(w_kept, n)
    shares: tuple[Share, ...] = ()
    if n:
        distinct = np.unique(kept)
        if distinct.size <= MAX_DISTINCT_NUMBERS:
            codes = np.searchsorted(distinct, kept)
            categories = [
                ChoiceSpec(_format_number(v), Text(vi=_format_number(v), en=_format_number(v))) for v in distinct
            ]
        else:
            edges = nice_bin_edges(float(kept.min()), float(kept.max()), _sturges(kept.size))
            codes = np.clip(np.searchsorted(edges, kept, side="right") - 1, 0, edges.size - 2)
            categories = []
            for low, high in pairwise(edges):
                label = f"{_format_number(low)}–{_format_number(high)}"
                categories.append(ChoiceSpec(label, Text(vi=label, en=label)))
        counts = np.bincount(codes, minlength=len(categories))
        weighted = counts.astype(np.float64) if w_kept is None else np.bincount(codes, w_kept, len(categories))
        shares = _shares(categories, counts, weighted, float(weighted.sum()), n_eff, z)
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=n_invalid,
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_MEAN,
        confidence_level=confidence_level,
        shares=shares,
        estimate=_estimate(kept, w_kept, confidence_level),
    )


def _matrix(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    scale = question.choices
    try:
        scores = np.array([float(choice.value) for choice in scale])
        basis = "code"
    except ValueError:
        scores = np.arange(1, len(scale) + 1, dtype=np.float64)
        basis = "position"
    not_applicable_code = -3
    cell_index: dict[str, int] = {choice.value: i for i, choice in enumerate(scale)}
    if question.allow_not_applicable:
        cell_index[NOT_APPLICABLE] = not_applicable_code
    row_index = {row.value: i for i, row in enumerate(question.rows)}
    types = _types(answers, base)
    is_dict = _of_type(types, dict)
    dict_rows = np.flatnonzero(is_dict)
    dicts = [answers[column] for column in dict_rows.tolist()]
    shape_errors = int(np.count_nonzero(~is_dict & ~_of_type(types, type(None))))
    lengths = np.fromiter(map(len, dicts), np.int64, len(dicts))
    total = int(lengths.sum())
    columns = np.repeat(dict_rows.astype(np.int64), lengths)
    row_codes = _lookup(row_index, chain.from_iterable(dicts), total, -1)
    cell_codes = _lookup(cell_index, chain.from_iterable(map(dict.values, dicts)), total, -2)
    bad_items = (row_codes < 0) | (cell_codes == -2)
    bad = np.zeros(base, dtype=bool)
    bad[columns[bad_items]] = True  # the cells that fit are kept; the response is reported once
    usable = ~bad_items
    answered = np.zeros(base, dtype=bool)
    answered[columns[usable]] = True
    is_na = usable & (cell_codes == not_applicable_code)
    not_applicable = np.bincount(row_codes[is_na], minlength=len(question.rows))
    scored = usable & (cell_codes >= 0)
    codes = np.full((len(question.rows), base), -1, dtype=np.int64)
    codes[row_codes[scored], columns[scored]] = cell_codes[scored]
    rows = []
    for row_number, row in enumerate(question.rows):
        counts, weighted, w_kept = _count_codes(codes[row_number], w, len(scale))
        n_row = int(counts.sum())
        _, n_eff, _ = _kish(w_kept, n_row)
        kept = codes[row_number] >= 0
        rows.append(
            MatrixRow(
                code=row.value,
                label=row.label,
                n=n_row,
                effective_n=n_eff,
                not_applicable=int(not_applicable[row_number]),
                shares=_shares(scale, counts, weighted, float(weighted.sum()), n_eff, z),
                estimate=_estimate(scores[codes[row_number][kept]], w_kept, confidence_level),
                mean_basis=basis,
            )
        )
    n = int(answered.sum())
    weighted_n, n_eff, deff = _kish(None if w is None else w[answered], n)
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=shape_errors + int(bad.sum()),
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_MEAN,
        confidence_level=confidence_level,
        rows=tuple(rows),
    )


def _ranking(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    items = question.choices
    index = {choice.value: i for i, choice in enumerate(items)}
    item_rows, codes, positions, answered, n_invalid = _coded_lists(answers, index, base)
    ranks = np.zeros((base, len(items)), dtype=np.int64)  # 0 = not ranked
    keep = answered[item_rows]
    ranks[item_rows[keep], codes[keep]] = positions[keep] + 1
    n = int(answered.sum())
    w_answered = None if w is None else w[answered]
    weighted_n, n_eff, deff = _kish(w_answered, n)
    sub = ranks[answered]
    weight_rows = np.ones(n) if w_answered is None else w_answered
    total = float(weight_rows.sum())
    ranked_items = []
    for column, item in enumerate(items):
        has_rank = sub[:, column] > 0
        item_weights = weight_rows[has_rank]
        mean_rank = (
            float(np.dot(sub[has_rank, column], item_weights) / item_weights.sum())
            if has_rank.any() and item_weights.sum() > 0
            else None
        )
        first = sub[:, column] == 1
        first_weighted = float(weight_rows[first].sum())
        p = first_weighted / total if total > 0 else 0.0
        margin, lower, upper = _interval(p, n_eff, z)
        ranked_items.append(
            RankedItem(
                code=item.value,
                label=item.label,
                n=int(has_rank.sum()),
                mean_rank=mean_rank,
                first_place=Share(item.value, item.label, int(first.sum()), first_weighted, p, margin, lower, upper),
            )
        )
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=n_invalid,
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_RANKING,
        confidence_level=confidence_level,
        ranks=tuple(ranked_items),
    )


def _text(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    answered = np.fromiter((type(a) is str and bool(a.strip()) for a in answers), bool, base)
    n_invalid = sum(1 for a in answers if a is not None and type(a) is not str)
    n = int(answered.sum())
    weighted_n, n_eff, deff = _kish(None if w is None else w[answered], n)
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=n_invalid,
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_COUNT,
        confidence_level=confidence_level,
    )


def _date(question, answers, others, w, z, confidence_level, base) -> QuestionSummary:
    days: list[str | None] = []
    n_invalid = 0
    for answer in answers:
        if answer is None:
            days.append(None)
        elif isinstance(answer, str) and len(answer) == 10 and answer[4] == "-" and answer[7] == "-":
            days.append(answer)
        else:
            n_invalid += 1
            days.append(None)
    answered = np.fromiter((day is not None for day in days), bool, base)
    n = int(answered.sum())
    w_kept = None if w is None else w[answered]
    weighted_n, n_eff, deff = _kish(w_kept, n)
    shares: tuple[Share, ...] = ()
    first = last = None
    if n:
        kept = [day for day in days if day is not None]
        months = sorted({day[:7] for day in kept})
        month_index = {month: i for i, month in enumerate(months)}
        codes = np.fromiter((month_index[day[:7]] for day in kept), np.int64, n)
        counts = np.bincount(codes, minlength=len(months))
        weighted = counts.astype(np.float64) if w_kept is None else np.bincount(codes, w_kept, len(months))
        categories = [ChoiceSpec(month, Text(vi=month, en=month)) for month in months]
        shares = _shares(categories, counts, weighted, float(weighted.sum()), n_eff, z)
        first, last = min(kept), max(kept)
    return _summary(
        question,
        n=n,
        base=base,
        n_invalid=n_invalid,
        is_weighted=w is not None,
        weighted_n=weighted_n,
        effective_n=n_eff,
        design_effect=deff,
        method=METHOD_COUNT,
        confidence_level=confidence_level,
        shares=shares,
        first_date=first,
        last_date=last,
    )


_SUMMARIES = {
    QuestionType.SINGLE_CHOICE: _single,
    QuestionType.MULTIPLE_CHOICE: _multiple,
    QuestionType.RATING: _rating,
    QuestionType.NPS: _nps,
    QuestionType.NUMBER: _number,
    QuestionType.MATRIX: _matrix,
    QuestionType.RANKING: _ranking,
    QuestionType.SHORT_TEXT: _text,
    QuestionType.LONG_TEXT: _text,
    QuestionType.DATE: _date,
}


# --------------------------------------------------------------------------- entry points


def summarize_question(
    question: QuestionSpec,
    answers: Sequence[object],
    *,
    others: Sequence[object] | None = None,
    weights: ArrayLike | None = None,
    confidence_level: float = CONFIDENCE_LEVEL,
) -> QuestionSummary:
    """Summarise one question's answers (one per response; None where unanswered).

    ``others`` holds the "other" texts (the ``key.other`` answers) in the same order, for
    choice questions; ``weights`` one weight per response, ≥ 0.
    """
    z = _z(confidence_level)
    base = len(answers)
    if others is not None and len(others) != base:
        raise ResultsInputError(f"there must be one 'other' text (or None) per response ({base})")
    w = _weights(weights, base)
    return _SUMMARIES[question.type](question, answers, others, w, z, float(confidence_level), base)


def summarize_by_segment(
    question: QuestionSpec,
    answers: Sequence[object],
    segment_question: QuestionSpec,
    segment_answers: Sequence[object],
    *,
    others: Sequence[object] | None = None,
    weights: ArrayLike | None = None,
    confidence_level: float = CONFIDENCE_LEVEL,
    minimum_count: int | None = None,
) -> SegmentBreakdown:
    """Summarise a question within each option of a single-choice segment question.

    Each segment is marked by ``segment_precision`` on the answers to ``question`` within it and
    the segment's own Kish design effect, so a small or heavily weighted segment is flagged.
    """
    if segment_question.type != QuestionType.SINGLE_CHOICE:
        raise ResultsInputError("a segment question must be a single-choice question")
    base = len(answers)
    if len(segment_answers) != base:
        raise ResultsInputError(f"there must be one segment answer per response ({base})")
    w = _weights(weights, base)
    index = {choice.value: i for i, choice in enumerate(segment_question.choices)}
    segment_codes = np.fromiter((index.get(a, -1) if type(a) is str else -1 for a in segment_answers), np.int64, base)
    options = {} if minimum_count is None else {"minimum_count": minimum_count}
    segments = []
    for code, choice in enumerate(segment_question.choices):
        rows = np.flatnonzero(segment_codes == code)
        summary = summarize_question(
            question,
            [answers[row] for row in rows],
            others=None if others is None else [others[row] for row in rows],
            weights=None if w is None else w[rows],
            confidence_level=confidence_level,
        )
        precision = segment_precision(
            {choice.value: summary.n},
            confidence_level=confidence_level,
            design_effect=max(summary.design_effect, 1.0),
            **options,
        )[0]
        segments.append(SegmentSummary(choice.value, choice.label, precision, summary))
    return SegmentBreakdown(
        segment_key=segment_question.key,
        segment_text=segment_question.text,
        segments=tuple(segments),
        unsegmented=int(np.count_nonzero(segment_codes < 0)),
    )


def _merge_choices(current: tuple[ChoiceSpec, ...], older: tuple[ChoiceSpec, ...]) -> tuple[ChoiceSpec, ...]:
    known = {choice.value for choice in current}
    extra = tuple(choice for choice in older if choice.value not in known)
    return current + extra


def merge_versions(current: SurveySpec, older: Sequence[SurveySpec]) -> tuple[QuestionSpec, ...]:
    """Return the questions to report on across versions, labelled as in ``current``.

    Answers are keyed by stable question keys and option codes, so versions align by key: a
    question keeps the current version's text, type and option labels; options and matrix rows
    that only older versions had are appended (with their old labels), and questions that only
    older versions had come last, newest version first. Nothing is renamed or merged.
    """
    merged: dict[str, QuestionSpec] = {question.key: question for question in current.questions()}
    for spec in older:
        for question in spec.questions():
            mine = merged.get(question.key)
            if mine is None:
                merged[question.key] = question
            elif mine.type == question.type:
                merged[question.key] = replace(
                    mine,
                    choices=_merge_choices(mine.choices, question.choices),
                    rows=_merge_choices(mine.rows, question.rows),
                )
    return tuple(merged.values())


def segment_questions(questions: Sequence[QuestionSpec]) -> tuple[QuestionSpec, ...]:
    """Return the questions a breakdown can use: single choice, demographic roles first."""
    single = [question for question in questions if question.type == QuestionType.SINGLE_CHOICE]
    demographic = [q for q in single if q.role is not None and q.role.kind.value == "demographic"]
    return tuple(demographic + [q for q in single if q not in demographic])


def weights_for(ids: Sequence[int], weights: Mapping[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """Return (mask of the ids that have a weight, their weights in order)."""
    mask = np.fromiter((response_id in weights for response_id in ids), bool, len(ids))
    values = np.fromiter((weights[i] for i, kept in zip(ids, mask, strict=True) if kept), np.float64)
    return mask, values
