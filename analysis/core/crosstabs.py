"""Every closed question crossed with every segment variable, tested at once.

Inputs are integer-coded answers: one array per variable, one entry per respondent, codes
``0 … n_levels − 1`` and ``-1`` for a missing answer (not asked, skipped, "don't know" when the
caller treats it as missing). A multiple-choice question enters as one yes/no variable per option.
Segment variables are nominal groupings: demographic roles, NPS promoters / passives /
detractors, or any other grouping the caller codes.

**How the tables are built.** All contingency tables come from one matrix product. Each variable
becomes an indicator matrix (respondents × levels, all zeros for a missing answer, so each table
uses the respondents who answered both variables: pairwise deletion), and
``Qᵀ · diag(w) · S`` holds every question × segment table as a block. This is the vectorised form
of ``np.bincount`` on combined codes: the counts are the same (exact in float32 up to 2²⁴
respondents; weighted sums in float64), the cost is one BLAS call instead of one pass over the
respondents per pair. The tables are then
padded to a common shape ``(pairs, rows, columns)`` and every statistic is computed on the whole
batch; empty rows and columns (a level nobody in the overlap chose) drop out of the degrees of
freedom exactly as if they were removed, as ``scipy.stats.chi2_contingency`` requires.

**Weights.** With weights, each segment group's column is rescaled to its Kish effective size
``(Σw)² / Σw²``, so every test sees the information the weights leave rather than the weighted
total; the effective n per group is part of the result. Estimates (proportions, means) are the
weighted ones. The rank tests on effective counts are an approximation (ranks of weighted data
have no exact small-sample theory); Fisher's tests use the effective counts rounded to integers.

**Which test.**

* nominal question × segment (omnibus): Pearson's χ² test of independence without Yates'
  correction (Agresti 2013, §3.2: the correction is too conservative). When expected counts are
  small — a 2 × 2 table with any expected count below 5, or a larger table breaking Cochran's rule
  (an expected count below 1, or more than 20 % below 5) — Fisher's exact test for 2 × 2 and the
  Fisher–Freeman–Halton test for r × c, whose p-value scipy estimates by Monte Carlo from
  ``random_table`` (``scipy.stats.fisher_exact(method=MonteCarloMethod)``, scipy ≥ 1.15; a fixed
  seed makes it reproducible; the number of simulated tables is part of the result).
  ``exact_rxc=False`` keeps χ² for those r × c tables, flagged: scipy's simulation costs 5–40 ms
  a table, the one part of the engine that is not vectorised.
  Effect size: Cramér's V, and Bergsma's (2013) bias-corrected V, because V is biased upwards in
  small samples and with many cells.
* nominal question, per cell (column-proportion z-tests): the share of segment group *g* choosing
  level *r* against the share among all other groups combined (the comparison is named in each
  result), pooled two-proportion z-test (its square is the 2 × 2 χ²), Fisher's exact test when an
  expected count of that 2 × 2 table is below 5 (computed for all such cells at once over each
  table's hypergeometric support); Cohen's h; Newcombe's hybrid-score interval (Newcombe 1998,
  method 10, from Wilson intervals) for the difference.
* ordinal question (rating, Likert, NPS) × segment (omnibus): Kruskal–Wallis H for three or more
  groups, Mann–Whitney U for two, both tie-corrected, asymptotic (as scipy chooses whenever there
  are ties, which a rating scale always has), Mann–Whitney with the continuity correction.
  Effect size: ε² = H / (n − 1) for Kruskal–Wallis, the rank-biserial correlation for
  Mann–Whitney.
* ordinal question, per group (group against all other groups): Welch's t-test on the means with
  the Welch–Satterthwaite interval for the difference and Cohen's d (pooled SD); Mann–Whitney U
  with the rank-biserial correlation as a check that does not assume interval scores.

**Multiplicity.** Benjamini–Hochberg q-values over the whole family: one family of omnibus tests
(every testable pair) and one family of comparisons (every testable cell or group comparison,
counting once a comparison that mirrors another: with two groups "A vs rest" is "B vs rest", with
a yes/no question "yes" is "not no"). Each result states its family size. Pairs whose segment
is cut from the question itself (NPS groups × the NPS question) can be left out
(``derived_pairs``), so no comparison that is true by construction enters a family.

Confidence intervals are computed when a comparison is read (``CrosstabFamily.comparison`` /
``comparison_intervals``), not for every cell of every table up front.

A pair that cannot be tested (nobody answered both, one group only, everyone gave the same
answer) is ``NOT_TESTABLE`` with a reason and no p-value: never a NaN presented as a result.
"""

import itertools
import math
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

import numpy as np
from scipy import special, stats

from surveys.core.messages import Message, gettext_noop, message

DEFAULT_CONFIDENCE_LEVEL = 0.95
DEFAULT_MONTE_CARLO_RESAMPLES = 9999
DEFAULT_RANDOM_SEED = 20240601
# Expected-count thresholds: Cochran (1954) for r × c, the usual "below 5" for 2 × 2 tables.
SMALL_EXPECTED_2X2 = 5.0
COCHRAN_MINIMUM_EXPECTED = 1.0
COCHRAN_SMALL_EXPECTED = 5.0
COCHRAN_MAX_SMALL_SHARE = 0.2
# R's fisher.test treats probabilities within this relative distance of the observed one as ties.
_FISHER_RELATIVE_TOLERANCE = 1e-7
_FISHER_CHUNK_CELLS = 2_000_000
# Tables per block of vectorised work (see ``_blocks``).
_BLOCK_PAIRS = 1024


class Measurement(StrEnum):
    NOMINAL = "nominal"  # single choice, one option of a multiple choice, a segment
    ORDINAL = "ordinal"  # rating, Likert, NPS: ordered levels with numeric values


class StatisticalTest(StrEnum):
    PEARSON_CHI_SQUARE = "pearson_chi_square"
    FISHER_EXACT = "fisher_exact"
    FISHER_FREEMAN_HALTON = "fisher_freeman_halton_monte_carlo"
    KRUSKAL_WALLIS = "kruskal_wallis"
    MANN_WHITNEY = "mann_whitney_u"
    WELCH_T = "welch_t"
    TWO_PROPORTION_Z = "two_proportion_z"


TEST_LABELS: Mapping[StatisticalTest, str] = {
    StatisticalTest.PEARSON_CHI_SQUARE: gettext_noop("Pearson's chi-square test of independence"),
    StatisticalTest.FISHER_EXACT: gettext_noop("Fisher's exact test"),
    StatisticalTest.FISHER_FREEMAN_HALTON: gettext_noop("Fisher–Freeman–Halton exact test (Monte Carlo p-value)"),
    StatisticalTest.KRUSKAL_WALLIS: gettext_noop("Kruskal–Wallis H test"),
    StatisticalTest.MANN_WHITNEY: gettext_noop("Mann–Whitney U test"),
    StatisticalTest.WELCH_T: gettext_noop("Welch's t-test"),
    StatisticalTest.TWO_PROPORTION_Z: gettext_noop("two-proportion z-test"),
}


class EffectSizeName(StrEnum):
    CRAMERS_V = "cramers_v"
    EPSILON_SQUARED = "epsilon_squared"
    RANK_BISERIAL = "rank_biserial"
    COHENS_H = "cohens_h"
    COHENS_D = "cohens_d"


class ComparisonKind(StrEnum):
    PROPORTION = "proportion"  # share of a group choosing one level vs the other groups
    MEAN = "mean"  # mean score of a group vs the other groups


class NotTestable(IntEnum):
    """Why a pair or a comparison has no test (0: it has one)."""

    TESTED = 0
    NO_OVERLAP = 1
    ONE_GROUP = 2
    CONSTANT_ANSWER = 3
    GROUP_TOO_SMALL = 4
    NO_VARIATION = 5
    DERIVED = 6


NOT_TESTABLE_TEXT: Mapping[NotTestable, str] = {
    NotTestable.NO_OVERLAP: gettext_noop("Not testable: nobody answered both questions."),
    NotTestable.ONE_GROUP: gettext_noop("Not testable: only one group of the segment has answers."),
    NotTestable.CONSTANT_ANSWER: gettext_noop("Not testable: everyone who answered gave the same answer."),
    NotTestable.GROUP_TOO_SMALL: gettext_noop("Not testable: a group has fewer than two answers."),
    NotTestable.NO_VARIATION: gettext_noop("Not testable: the answers do not vary within the groups."),
    NotTestable.DERIVED: gettext_noop("Not tested: the segment groups are cut from this question's answers."),
}

_OMNIBUS_TESTS = (
    StatisticalTest.PEARSON_CHI_SQUARE,
    StatisticalTest.FISHER_EXACT,
    StatisticalTest.FISHER_FREEMAN_HALTON,
    StatisticalTest.KRUSKAL_WALLIS,
    StatisticalTest.MANN_WHITNEY,
)
_COMPARISON_TESTS = (StatisticalTest.TWO_PROPORTION_Z, StatisticalTest.FISHER_EXACT, StatisticalTest.WELCH_T)


class CrosstabInputError(ValueError):
    """Inputs that cannot be cross-tabulated, with a translatable message and the variable's key."""

    def __init__(self, variable: str, text: Message) -> None:
        self.variable = variable
        self.message = text
        super().__init__(text.render())


@dataclass(frozen=True, slots=True, eq=False)
class CodedVariable:
    """One variable's answers: ``codes[i]`` is respondent i's level, ``-1`` when missing.

    ``values`` gives the score of each level of an ordinal variable (default ``0 … n_levels − 1``);
    for a 1–5 scale coded 0–4 pass ``(1, 2, 3, 4, 5)``; for NPS coded 0–10, ``range(11)``.
    """

    key: str
    codes: np.ndarray
    n_levels: int
    measurement: Measurement = Measurement.NOMINAL
    values: tuple[float, ...] | None = None

    def level_values(self) -> np.ndarray:
        if self.values is None:
            return np.arange(self.n_levels, dtype=float)
        return np.asarray(self.values, dtype=float)


@dataclass(frozen=True, slots=True)
class EffectSize:
    name: EffectSizeName
    value: float
    bias_corrected: float | None = None  # Bergsma's corrected Cramér's V


@dataclass(frozen=True, slots=True)
class OmnibusTest:
    """The test of a whole question × segment table."""

    test: StatisticalTest
    statistic: float
    df: float | None
    p_value: float
    q_value: float
    family_size: int
    effect_size: EffectSize
    has_small_expected_counts: bool
    monte_carlo_resamples: int | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """One group against all the other groups of its segment, on one level or on the mean."""

    question_key: str
    segment_key: str
    kind: ComparisonKind
    segment_level: int
    question_level: int | None  # the level whose share is compared (PROPORTION only)
    description: Message  # the comparison, named
    n_group: int  # respondents (unweighted)
    n_rest: int
    n_effective_group: float  # Kish effective n (equals n when unweighted)
    n_effective_rest: float
    estimate_group: float  # proportion or mean
    estimate_rest: float
    difference: float  # group − rest
    ci_low: float | None  # None when not testable
    ci_high: float | None
    confidence_level: float
    ci_method: str
    test: StatisticalTest | None
    statistic: float | None
    df: float | None
    p_value: float | None
    q_value: float | None
    family_size: int
    effect_size: EffectSize | None
    mann_whitney_p: float | None  # MEAN only: the rank test as a check
    rank_biserial: float | None
    is_family_member: bool  # False for a mirror of another comparison or an untestable one
    not_testable: Message | None


@dataclass(frozen=True, slots=True)
class Crosstab:
    """One question × segment table with its omnibus test and its comparisons."""

    question_key: str
    segment_key: str
    measurement: Measurement
    counts: tuple[tuple[float, ...], ...]  # question levels × segment levels, weighted when weights exist
    unweighted_counts: tuple[tuple[int, ...], ...]
    n: int
    n_effective: float  # sum of the groups' Kish effective sizes (n when unweighted)
    is_weighted: bool
    omnibus: OmnibusTest | None
    not_testable: Message | None
    comparisons: tuple[Comparison, ...]


@dataclass(frozen=True, slots=True, eq=False)
class CrosstabFamily:
    """Every question × segment pair, as arrays (one entry per pair or per comparison).

    Materialise one table with ``crosstab(question_key, segment_key)`` and comparisons with
    ``comparison(index)``; the arrays stay for bulk work (insights, export).
    """

    questions: tuple[CodedVariable, ...]
    segments: tuple[CodedVariable, ...]
    is_weighted: bool
    confidence_level: float
    # per pair (P)
    pair_question: np.ndarray
    pair_segment: np.ndarray
    counts: np.ndarray  # (P, R, C) weighted
    unweighted_counts: np.ndarray  # (P, R, C)
    effective_counts: np.ndarray  # (P, R, C)
    pair_status: np.ndarray  # NotTestable codes
    pair_test: np.ndarray  # index into _OMNIBUS_TESTS, -1 when untested
    pair_statistic: np.ndarray
    pair_df: np.ndarray
    pair_p: np.ndarray
    pair_q: np.ndarray
    pair_effect: np.ndarray
    pair_effect_corrected: np.ndarray
    pair_small_expected: np.ndarray
    omnibus_family_size: int
    monte_carlo_resamples: int
    # per comparison (K)
    comparison_pair: np.ndarray
    comparison_row: np.ndarray  # question level, -1 for MEAN
    comparison_column: np.ndarray  # segment level
    comparison_status: np.ndarray
    comparison_test: np.ndarray  # index into _COMPARISON_TESTS
    comparison_n_group: np.ndarray  # whole numbers, as float64
    comparison_n_rest: np.ndarray
    comparison_neff_group: np.ndarray
    comparison_neff_rest: np.ndarray
    comparison_estimate_group: np.ndarray
    comparison_estimate_rest: np.ndarray
    comparison_standard_error: np.ndarray  # of the difference of means (MEAN only)
    comparison_statistic: np.ndarray
    comparison_df: np.ndarray
    comparison_p: np.ndarray
    comparison_q: np.ndarray
    comparison_effect: np.ndarray  # Cohen's h (PROPORTION) or Cohen's d (MEAN)
    comparison_mwu_p: np.ndarray
    comparison_rank_biserial: np.ndarray
    comparison_is_member: np.ndarray
    comparison_family_size: int

    @property
    def pair_count(self) -> int:
        return int(self.pair_question.size)

    def pair_index(self, question_key: str, segment_key: str) -> int:
        q = next((i for i, v in enumerate(self.questions) if v.key == question_key), None)
        s = next((i for i, v in enumerate(self.segments) if v.key == segment_key), None)
        if q is None or s is None:
            raise KeyError((question_key, segment_key))
        return q * len(self.segments) + s

    def crosstab(self, question_key: str, segment_key: str) -> Crosstab:
        return self.crosstab_at(self.pair_index(question_key, segment_key))

    def crosstabs(self) -> Iterator[Crosstab]:
        """Every table in order, its comparisons grouped once (not searched for each table)."""
        order = np.argsort(self.comparison_pair, kind="stable")
        bounds = np.searchsorted(self.comparison_pair[order], np.arange(self.pair_count + 1))
        for index in range(self.pair_count):
            yield self.crosstab_at(index, order[bounds[index] : bounds[index + 1]])

    def crosstab_at(self, index: int, comparisons: np.ndarray | None = None) -> Crosstab:
        question = self.questions[int(self.pair_question[index])]
        segment = self.segments[int(self.pair_segment[index])]
        r, c = question.n_levels, segment.n_levels
        status = NotTestable(int(self.pair_status[index]))
        omnibus = None
        if status is NotTestable.TESTED:
            test = _OMNIBUS_TESTS[int(self.pair_test[index])]
            effect_name = {
                StatisticalTest.KRUSKAL_WALLIS: EffectSizeName.EPSILON_SQUARED,
                StatisticalTest.MANN_WHITNEY: EffectSizeName.RANK_BISERIAL,
            }.get(test, EffectSizeName.CRAMERS_V)
            corrected = self.pair_effect_corrected[index]
            omnibus = OmnibusTest(
                test=test,
                statistic=float(self.pair_statistic[index]),
                df=None if np.isnan(self.pair_df[index]) else float(self.pair_df[index]),
                p_value=float(self.pair_p[index]),
                q_value=float(self.pair_q[index]),
                family_size=self.omnibus_family_size,
                effect_size=EffectSize(
                    effect_name,
                    float(self.pair_effect[index]),
                    None if np.isnan(corrected) else float(corrected),
                ),
                has_small_expected_counts=bool(self.pair_small_expected[index]),
                monte_carlo_resamples=self.monte_carlo_resamples
                if test is StatisticalTest.FISHER_FREEMAN_HALTON
                else None,
            )
        members = np.flatnonzero(self.comparison_pair == index) if comparisons is None else comparisons
        return Crosstab(
            question_key=question.key,
            segment_key=segment.key,
            measurement=question.measurement,
            counts=tuple(tuple(float(x) for x in row[:c]) for row in self.counts[index, :r]),
            unweighted_counts=tuple(tuple(int(x) for x in row[:c]) for row in self.unweighted_counts[index, :r]),
            n=int(self.unweighted_counts[index].sum()),
            n_effective=float(self.effective_counts[index].sum()),
            is_weighted=self.is_weighted,
            omnibus=omnibus,
            not_testable=None if omnibus else message(NOT_TESTABLE_TEXT[status]),
            comparisons=tuple(self.comparison(int(k)) for k in members),
        )

    def comparison_intervals(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Confidence intervals of the differences (group − rest) of the given comparisons.

        Computed on demand, for the comparisons someone reads: Newcombe's hybrid-score interval
        for a difference of proportions (on the effective counts), the Welch–Satterthwaite t
        interval for a difference of means. NaN where the comparison is not testable.
        """
        index = np.asarray(indices, dtype=np.int64)
        group, rest = self.comparison_estimate_group[index], self.comparison_estimate_rest[index]
        n_group, n_rest = self.comparison_neff_group[index], self.comparison_neff_rest[index]
        difference = group - rest
        is_mean = self.comparison_row[index] < 0
        z = float(special.ndtri(0.5 + self.confidence_level / 2))
        low, high = newcombe_interval(group * n_group, n_group, rest * n_rest, n_rest, z)
        with np.errstate(invalid="ignore"):
            margin = special.stdtrit(self.comparison_df[index], 0.5 + self.confidence_level / 2)
            margin = margin * self.comparison_standard_error[index]
        low = np.where(is_mean, difference - margin, low)
        high = np.where(is_mean, difference + margin, high)
        untested = self.comparison_status[index] != NotTestable.TESTED
        return np.where(untested, np.nan, low), np.where(untested, np.nan, high)

    def comparison(self, index: int) -> Comparison:
        pair = int(self.comparison_pair[index])
        question = self.questions[int(self.pair_question[pair])]
        segment = self.segments[int(self.pair_segment[pair])]
        row = int(self.comparison_row[index])
        column = int(self.comparison_column[index])
        kind = ComparisonKind.MEAN if row < 0 else ComparisonKind.PROPORTION
        status = NotTestable(int(self.comparison_status[index]))
        tested = status is NotTestable.TESTED
        if kind is ComparisonKind.MEAN:
            description = message(
                gettext_noop("mean of {question} in {segment} = level {level} vs all other levels combined"),
                question=question.key,
                segment=segment.key,
                level=column,
            )
            effect_name, ci_method = EffectSizeName.COHENS_D, "welch"
        else:
            description = message(
                gettext_noop(
                    "share choosing level {row} of {question} in {segment} = level {level} vs all other levels combined"
                ),
                question=question.key,
                segment=segment.key,
                level=column,
                row=row,
            )
            effect_name, ci_method = EffectSizeName.COHENS_H, "newcombe_hybrid_score"

        def value(array: np.ndarray) -> float | None:
            x = float(array[index])
            return x if tested and np.isfinite(x) else None

        group, rest = float(self.comparison_estimate_group[index]), float(self.comparison_estimate_rest[index])
        low, high = self.comparison_intervals(np.array([index]))
        effect = value(self.comparison_effect)
        return Comparison(
            question_key=question.key,
            segment_key=segment.key,
            kind=kind,
            segment_level=column,
            question_level=None if row < 0 else row,
            description=description,
            n_group=round(self.comparison_n_group[index]),
            n_rest=round(self.comparison_n_rest[index]),
            n_effective_group=float(self.comparison_neff_group[index]),
            n_effective_rest=float(self.comparison_neff_rest[index]),
            estimate_group=group,
            estimate_rest=rest,
            difference=group - rest,
            ci_low=float(low[0]) if tested else None,
            ci_high=float(high[0]) if tested else None,
            confidence_level=self.confidence_level,
            ci_method=ci_method,
            test=_COMPARISON_TESTS[int(self.comparison_test[index])] if tested else None,
            statistic=value(self.comparison_statistic),
            df=value(self.comparison_df),
            p_value=value(self.comparison_p),
            q_value=value(self.comparison_q) if self.comparison_is_member[index] else None,
            family_size=self.comparison_family_size,
            effect_size=EffectSize(effect_name, effect) if effect is not None else None,
            mann_whitney_p=value(self.comparison_mwu_p),
            rank_biserial=value(self.comparison_rank_biserial),
            is_family_member=bool(self.comparison_is_member[index]),
            not_testable=None if tested else message(NOT_TESTABLE_TEXT[status]),
        )


NPS_GROUP_LEVELS = ("promoter", "passive", "detractor")


def code_nps_groups(scores: np.ndarray) -> np.ndarray:
    """Segment codes from 0–10 NPS answers: 0 promoters (9–10), 1 passives (7–8), 2 detractors (0–6).

    Missing answers (NaN, or anything outside 0–10) get -1. Pass the NPS question and this segment
    as a ``derived_pairs`` entry to ``compute_crosstabs``.
    """
    values = np.asarray(scores, dtype=float)
    codes = np.full(values.shape, -1, dtype=np.int64)
    valid = np.isfinite(values) & (values >= 0) & (values <= 10)
    codes[valid & (values >= 9)] = 0
    codes[valid & (values >= 7) & (values < 9)] = 1
    codes[valid & (values < 7)] = 2
    return codes


# --------------------------------------------------------------------------- input checks


def _check_variables(variables: Sequence[CodedVariable], n: int | None, role: str) -> int | None:
    for variable in variables:
        codes = variable.codes if isinstance(variable.codes, np.ndarray) else np.asarray(variable.codes)
        if codes.ndim != 1 or codes.dtype.kind not in "iu":
            raise CrosstabInputError(
                variable.key,
                message(gettext_noop("{key}: codes must be a one-dimensional integer array."), key=variable.key),
            )
        if n is not None and codes.size != n:
            raise CrosstabInputError(
                variable.key,
                message(
                    gettext_noop("{key}: {size} answers, but the other variables have {n}."),
                    key=variable.key,
                    size=codes.size,
                    n=n,
                ),
            )
        n = codes.size
        if not isinstance(variable.n_levels, int) or variable.n_levels < 1:
            raise _out_of_range(variable)
        if role == "segment" and variable.measurement is not Measurement.NOMINAL:
            raise CrosstabInputError(
                variable.key, message(gettext_noop("{key}: a segment variable must be nominal."), key=variable.key)
            )
        if variable.measurement is Measurement.ORDINAL:
            values = variable.level_values().tolist()
            if (
                len(values) != variable.n_levels
                or not all(math.isfinite(x) for x in values)
                or any(b <= a for a, b in itertools.pairwise(values))
            ):
                raise CrosstabInputError(
                    variable.key,
                    message(
                        gettext_noop("{key}: an ordinal variable needs one increasing value per level."),
                        key=variable.key,
                    ),
                )
    return n


def _out_of_range(variable: CodedVariable) -> CrosstabInputError:
    return CrosstabInputError(
        variable.key,
        message(
            gettext_noop("{key}: codes must lie between -1 (missing) and {last}."),
            key=variable.key,
            last=variable.n_levels - 1,
        ),
    )


def _indicator_matrix(variables: Sequence[CodedVariable], n: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Respondents × (all levels of all variables, then "missing"), 1 where the respondent gave that level.

    Also returns, for each column, its place in a layout where every variable has ``width`` levels.
    float32 holds counts exactly (up to 2²⁴ respondents) and halves the cost of the product.
    """
    sizes = np.array([v.n_levels for v in variables], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    total = int(offsets[-1])
    # one extra column collects the missing answers, so the scatter needs no mask; the product
    # uses the whole contiguous matrix and its last row (the missing answers) is dropped
    matrix = np.zeros((n, total + 1), dtype=np.float32)
    if variables:
        codes = np.stack([np.asarray(v.codes, dtype=np.int64) for v in variables], axis=1)
        if n:
            bad = (codes.min(axis=0) < -1) | (codes.max(axis=0) >= sizes)
            if bad.any():
                raise _out_of_range(variables[int(np.argmax(bad))])
        flat = np.where(codes >= 0, codes + offsets[:-1], total)
        flat += (np.arange(n, dtype=np.int64) * (total + 1))[:, None]
        matrix.ravel()[flat.ravel()] = 1.0
    variable_of_column = np.repeat(np.arange(len(variables)), sizes)
    padded_position = variable_of_column * width + (np.arange(int(offsets[-1])) - offsets[variable_of_column])
    return matrix, padded_position


def _padded_tables(
    left: np.ndarray, right: np.ndarray, left_position: np.ndarray, right_position: np.ndarray, shape: tuple
) -> np.ndarray:
    """Every question × segment table of ``leftᵀ · right``, as (pairs, width_r, width_c)."""
    n_q, width_r, n_s, width_c = shape
    padded = np.zeros((n_q * width_r, n_s * width_c))
    padded[np.ix_(left_position, right_position)] = (left.T @ right)[:-1, :-1]
    return padded.reshape(shape).transpose(0, 2, 1, 3).reshape(n_q * n_s, width_r, width_c)


# --------------------------------------------------------------------------- vectorised statistics


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), as R's ``p.adjust(p, "BH")``."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p)  # ties may come in any order: the running minimum gives them one q
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(ranked, 1.0)
    return q


def kish_effective_n(weights: np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw²."""
    w = np.asarray(weights, dtype=float)
    total = w.sum()
    return float(total * total / np.square(w).sum()) if total > 0 else 0.0


def wilson_interval(successes: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (Wilson 1927); ``n`` may be an effective n."""
    successes, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = successes / n
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def newcombe_interval(
    x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid-score interval for p1 − p2 (Newcombe 1998, method 10)."""
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = np.asarray(x1) / n1, np.asarray(x2) / n2
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def fisher_exact_2x2(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Two-sided Fisher exact p-values for a batch of 2 × 2 tables ``[[a, b], [c, d]]``.

    The p-value sums the hypergeometric probabilities of the tables no more probable than the
    observed one (the definition of ``scipy.stats.fisher_exact`` and R's ``fisher.test``, with
    R's relative tolerance for ties), over each table's whole support at once.
    """
    a, b, c, d = (np.asarray(x, dtype=np.int64).ravel() for x in (a, b, c, d))
    result = np.ones(a.size)
    row1, col1, total = a + b, a + c, a + b + c + d
    low = np.maximum(0, row1 + col1 - total)
    high = np.minimum(row1, col1)
    span = high - low + 1
    degenerate = (row1 == 0) | (col1 == 0) | (row1 == total) | (col1 == total)
    log_factorial = special.gammaln(np.arange(int(total.max(initial=0)) + 1, dtype=float) + 1)  # log(m!)
    todo = np.flatnonzero(~degenerate)
    todo = todo[np.argsort(span[todo], kind="stable")]
    start = 0
    while start < todo.size:  # tables sorted by support size, in chunks of bounded memory
        stop = min(todo.size, start + 1024)
        width = int(span[todo[stop - 1]])
        if width * (stop - start) > _FISHER_CHUNK_CELLS:
            stop = start + max(1, _FISHER_CHUNK_CELLS // width)
            width = int(span[todo[stop - 1]])
        idx = todo[start:stop]
        x = low[idx, None] + np.arange(width)[None, :]
        valid = x <= high[idx, None]
        k, n_draw, n_total = col1[idx, None], row1[idx, None], total[idx, None]
        xs = np.where(valid, x, low[idx, None])

        def log_pmf(x_: np.ndarray, k_=k, n_draw_=n_draw, n_total_=n_total) -> np.ndarray:
            # log C(k, x) + log C(N − k, n − x), without the constant log C(N, n)
            return -(
                log_factorial[x_]
                + log_factorial[k_ - x_]
                + log_factorial[n_draw_ - x_]
                + log_factorial[n_total_ - k_ - n_draw_ + x_]
            )

        logs = np.where(valid, log_pmf(xs), -np.inf)
        observed = log_pmf(a[idx, None])
        peak = logs.max(axis=1, keepdims=True)
        mass = np.exp(logs - peak)
        threshold = np.exp(observed - peak) * (1 + _FISHER_RELATIVE_TOLERANCE)
        result[idx] = np.minimum(1.0, (mass * (mass <= threshold)).sum(axis=1) / mass.sum(axis=1))
        start = stop
    return result


def _fisher_freeman_halton(table: np.ndarray, resamples: int, seed: int) -> float:
    method = stats.MonteCarloMethod(n_resamples=resamples, rng=np.random.default_rng(seed))
    return float(stats.fisher_exact(table, method=method).pvalue)


def _margins(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column totals of every (pairs, rows, columns) table of whole counts, as two
    matrix–vector products (exact for whole numbers in any order of summation; a numpy reduction
    over a short last axis costs several times more)."""
    rows = tables @ np.ones(tables.shape[2])
    columns = np.ones(tables.shape[1]) @ tables
    return rows, columns


def _blocks(indices: np.ndarray, size: int = _BLOCK_PAIRS) -> Iterator[tuple[slice | np.ndarray, np.ndarray]]:
    """``indices`` (increasing) in consecutive blocks: a slice when a block is contiguous, else the indices.

    Working through the tables a block at a time keeps every temporary array small enough to stay
    in the processor's cache and in memory the allocator reuses, instead of asking the operating
    system for (and zeroing) fresh pages for each whole-family temporary.
    """
    for start in range(0, indices.size, size):
        block = indices[start : start + size]
        first, last = int(block[0]), int(block[-1])
        yield (slice(first, last + 1) if last - first + 1 == block.size else block), block


def _compact(table: np.ndarray) -> np.ndarray:
    return table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]


def _rank_sums(totals_by_level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Midranks of each level (ties share the average rank), and the tie term Σ(t³ − t)."""
    below = np.cumsum(totals_by_level, axis=-1) - totals_by_level
    midrank = below + (totals_by_level + 1) / 2
    tie_term = np.sum(totals_by_level**3 - totals_by_level, axis=-1)
    return midrank, tie_term


def _mann_whitney_from_counts(group: np.ndarray, rest: np.ndarray):
    """U of ``group`` vs ``rest`` from counts per ordered level (last axis), tie-corrected.

    Returns (U1, p two-sided with continuity correction, rank-biserial, testable).
    """
    n1, n2 = group.sum(axis=-1), rest.sum(axis=-1)
    rest_below = np.cumsum(rest, axis=-1) - rest
    u1 = np.sum(group * (rest_below + rest / 2), axis=-1)
    t = group + rest
    n = n1 + n2
    tie_term = np.sum(t**3 - t, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)))
        s = np.sqrt(np.maximum(variance, 0.0))
        u = np.maximum(u1, n1 * n2 - u1)
        z = (u - n1 * n2 / 2 - 0.5) / s
        p = np.clip(2 * special.ndtr(-z), 0.0, 1.0)
        rank_biserial = 2 * u1 / (n1 * n2) - 1
    testable = (n1 > 0) & (n2 > 0) & (variance > 1e-12 * np.maximum(n1 * n2 * n, 1))
    return u1, p, rank_biserial, testable


# --------------------------------------------------------------------------- the engine


def compute_crosstabs(
    questions: Sequence[CodedVariable],
    segments: Sequence[CodedVariable],
    *,
    weights: np.ndarray | None = None,
    confidence_level: float = DEFAULT_CONFIDENCE_LEVEL,
    monte_carlo_resamples: int = DEFAULT_MONTE_CARLO_RESAMPLES,
    random_seed: int = DEFAULT_RANDOM_SEED,
    derived_pairs: Collection[tuple[str, str]] = (),
    exact_rxc: bool = True,
) -> CrosstabFamily:
    """Cross every question with every segment variable and test every table and comparison.

    ``derived_pairs`` lists (question key, segment key) pairs whose segment is cut from the
    question (NPS groups from the NPS question): they are not tested, so the family holds no
    comparison that is true by construction.

    ``exact_rxc=False`` keeps Pearson's χ² for larger-than-2 × 2 tables with small expected counts
    (flagged ``has_small_expected_counts``) instead of the Monte Carlo Fisher–Freeman–Halton test,
    which costs scipy 5–40 ms per table (it simulates ``monte_carlo_resamples`` tables with the
    observed margins). Its p-value cannot fall below 1 / (resamples + 1), so in a large family such
    a table can only be significant after BH when resamples ≫ family size / alpha.
    """
    if not 0 < confidence_level < 1:
        raise CrosstabInputError(
            "confidence_level", message(gettext_noop("The confidence level must lie between 0 and 1."))
        )
    if monte_carlo_resamples < 99:
        raise CrosstabInputError(
            "monte_carlo_resamples",
            message(gettext_noop("Use at least 99 simulated tables for a Monte Carlo p-value.")),
        )
    keys = [v.key for v in questions] + [v.key for v in segments]
    if len({v.key for v in questions}) != len(questions) or len({v.key for v in segments}) != len(segments):
        raise CrosstabInputError(",".join(keys), message(gettext_noop("Variable keys must be unique.")))
    n = _check_variables(questions, None, "question")
    n = _check_variables(segments, n, "segment")
    n = n or 0
    if weights is not None:
        weights = np.asarray(weights, dtype=float)
        if weights.shape != (n,) or not np.all(np.isfinite(weights)) or np.any(weights < 0) or not weights.sum() > 0:
            raise CrosstabInputError(
                "weights",
                message(gettext_noop("Weights must be {n} finite, non-negative numbers, not all zero."), n=n),
            )

    # -- tables: Qᵀ diag(w) S for counts, weighted sums and sums of squared weights
    n_q, n_s = len(questions), len(segments)
    width_r = max((v.n_levels for v in questions), default=1)
    width_c = max((v.n_levels for v in segments), default=1)
    shape = (n_q, width_r, n_s, width_c)
    q_matrix, q_position = _indicator_matrix(questions, n, width_r)
    s_matrix, s_position = _indicator_matrix(segments, n, width_c)
    pair_question = np.repeat(np.arange(n_q), n_s)
    pair_segment = np.tile(np.arange(n_s), n_q)
    if weights is None:
        counts0 = counts = effective = _padded_tables(q_matrix, s_matrix, q_position, s_position, shape)
    else:
        answered = (weights > 0).astype(np.float32)
        counts0 = _padded_tables(q_matrix * answered[:, None], s_matrix, q_position, s_position, shape)
        counts = _padded_tables(q_matrix * weights[:, None], s_matrix, q_position, s_position, shape)
        squares = _padded_tables(q_matrix * np.square(weights)[:, None], s_matrix, q_position, s_position, shape)
        column_w, column_w2 = counts.sum(axis=1), squares.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(column_w2 > 0, column_w / column_w2, 0.0)
        effective = counts * scale[:, None, :]

    pairs = n_q * n_s
    is_ordinal_question = np.array([v.measurement is Measurement.ORDINAL for v in questions], dtype=bool)
    ordinal = is_ordinal_question[pair_question] if pairs else np.zeros(0, dtype=bool)
    row_totals_u, column_totals_u = _margins(counts0)
    if effective is counts0:
        row_totals, column_totals = row_totals_u, column_totals_u
    else:
        row_totals, column_totals = effective.sum(axis=2), effective.sum(axis=1)
    total = row_totals.sum(axis=1)
    rows_used = (row_totals_u > 0).sum(axis=1)
    columns_used = (column_totals_u > 0).sum(axis=1)

    status = np.zeros(pairs, dtype=np.int8)
    status[rows_used < 2] = NotTestable.CONSTANT_ANSWER
    status[columns_used < 2] = NotTestable.ONE_GROUP
    status[total <= 0] = NotTestable.NO_OVERLAP
    question_index = {v.key: i for i, v in enumerate(questions)}
    segment_index = {v.key: i for i, v in enumerate(segments)}
    for question_key, segment_key in derived_pairs:
        if question_key in question_index and segment_key in segment_index:
            status[question_index[question_key] * n_s + segment_index[segment_key]] = NotTestable.DERIVED

    pair_test = np.full(pairs, -1, dtype=np.int8)
    statistic = np.full(pairs, np.nan)
    df = np.full(pairs, np.nan)
    p = np.full(pairs, np.nan)
    effect = np.full(pairs, np.nan)
    effect_corrected = np.full(pairs, np.nan)
    small = np.zeros(pairs, dtype=bool)

    # -- nominal questions: χ², in blocks of tables whose temporaries stay small (cache-sized)
    nominal = np.flatnonzero(~ordinal & (status == NotTestable.TESTED))
    small_2x2_pairs: list[np.ndarray] = []
    small_rxc_pairs: list[np.ndarray] = []
    for block, block_pairs in _blocks(nominal):
        t, rt, ct_, tot = (x[block] for x in (effective, row_totals, column_totals, total))
        expected = rt[:, :, None] * ct_[:, None, :]
        expected /= tot[:, None, None]
        used = expected > 0
        # padding and empty rows or columns have count 0 and expectation 0: they add nothing
        deviation = t - expected
        deviation *= deviation
        deviation /= np.where(used, expected, 1.0)
        chi2 = deviation.sum(axis=(1, 2))
        r_used, c_used = rows_used[block], columns_used[block]
        dof = (r_used - 1) * (c_used - 1)
        statistic[block], df[block] = chi2, dof
        p[block] = special.chdtrc(dof, chi2)
        pair_test[block] = _OMNIBUS_TESTS.index(StatisticalTest.PEARSON_CHI_SQUARE)
        k = np.minimum(r_used, c_used) - 1
        effect[block] = np.sqrt(chi2 / (tot * k))
        # Bergsma (2013): φ² − (r−1)(c−1)/(n−1), with r and c shrunk the same way
        with np.errstate(divide="ignore", invalid="ignore"):
            phi2 = np.maximum(0.0, chi2 / tot - dof / (tot - 1))
            r_tilde = r_used - (r_used - 1) ** 2 / (tot - 1)
            c_tilde = c_used - (c_used - 1) ** 2 / (tot - 1)
            corrected = np.sqrt(phi2 / np.minimum(r_tilde - 1, c_tilde - 1))
        effect_corrected[block] = np.where(tot > 1, corrected, np.nan)
        cells = used.sum(axis=(1, 2))
        low = (expected < COCHRAN_SMALL_EXPECTED) & used
        is_2x2 = (r_used == 2) & (c_used == 2)
        low_count = low.sum(axis=(1, 2))
        small_2x2 = is_2x2 & (low_count > 0)
        tiny = ((expected < COCHRAN_MINIMUM_EXPECTED) & used).any(axis=(1, 2))
        small_rxc = ~is_2x2 & (tiny | (low_count > COCHRAN_MAX_SMALL_SHARE * cells))
        small[block] = small_2x2 | small_rxc
        small_2x2_pairs.append(block_pairs[small_2x2])
        small_rxc_pairs.append(block_pairs[small_rxc])
    where = np.concatenate(small_2x2_pairs) if small_2x2_pairs else np.zeros(0, dtype=np.int64)
    if where.size:
        compact = np.rint(np.stack([_compact(effective[i]).ravel() for i in where])).astype(np.int64)
        p[where] = fisher_exact_2x2(compact[:, 0], compact[:, 1], compact[:, 2], compact[:, 3])
        pair_test[where] = _OMNIBUS_TESTS.index(StatisticalTest.FISHER_EXACT)
    for i in np.concatenate(small_rxc_pairs) if exact_rxc and small_rxc_pairs else ():
        table = np.rint(_compact(effective[i])).astype(np.int64)
        p[i] = _fisher_freeman_halton(table, monte_carlo_resamples, random_seed)
        pair_test[i] = _OMNIBUS_TESTS.index(StatisticalTest.FISHER_FREEMAN_HALTON)

    # -- ordinal questions: Kruskal–Wallis (k ≥ 3) or Mann–Whitney (k = 2) from the counts
    ordinal_pairs = np.flatnonzero(ordinal & (status == NotTestable.TESTED))
    if ordinal_pairs.size:
        t = np.swapaxes(effective[ordinal_pairs], 1, 2)  # (m, C, R): groups × ordered levels
        level_totals = row_totals[ordinal_pairs]
        tot = total[ordinal_pairs]
        midrank, tie_term = _rank_sums(level_totals)
        group_n = t.sum(axis=2)
        rank_sum = np.sum(t * midrank[:, None, :], axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            h = 12 / (tot * (tot + 1)) * np.where(group_n > 0, rank_sum**2 / group_n, 0.0).sum(axis=1) - 3 * (tot + 1)
            ties = 1 - tie_term / (tot**3 - tot)
            h = h / ties
        constant = ~(ties > 1e-12)
        status[ordinal_pairs[constant]] = NotTestable.CONSTANT_ANSWER
        k = columns_used[ordinal_pairs]
        kw = (k >= 3) & ~constant
        where = ordinal_pairs[kw]
        statistic[where] = h[kw]
        df[where] = k[kw] - 1
        p[where] = special.chdtrc(k[kw] - 1, h[kw])
        effect[where] = h[kw] / (tot[kw] - 1)
        pair_test[where] = _OMNIBUS_TESTS.index(StatisticalTest.KRUSKAL_WALLIS)
        two = (k == 2) & ~constant
        if two.any():
            sub = t[two]
            present = sub.sum(axis=2) > 0
            first = np.argmax(present, axis=1)
            group = sub[np.arange(sub.shape[0]), first]
            u1, p_mw, rb, ok = _mann_whitney_from_counts(group, sub.sum(axis=1) - group)
            where = ordinal_pairs[two]
            status[where[~ok]] = NotTestable.CONSTANT_ANSWER
            statistic[where], p[where], effect[where] = u1, p_mw, rb
            pair_test[where] = _OMNIBUS_TESTS.index(StatisticalTest.MANN_WHITNEY)

    tested = status == NotTestable.TESTED
    q = np.full(pairs, np.nan)
    q[tested] = benjamini_hochberg(p[tested])

    comparisons = _compare_groups(
        counts=counts,
        unweighted=counts0,
        effective=effective,
        totals=(row_totals_u, column_totals_u, row_totals, column_totals),
        tested=tested,
        ordinal=ordinal,
        values=[v.level_values() if v.measurement is Measurement.ORDINAL else None for v in questions],
        pair_question=pair_question,
        width_r=width_r,
    )
    return CrosstabFamily(
        questions=tuple(questions),
        segments=tuple(segments),
        is_weighted=weights is not None,
        confidence_level=confidence_level,
        pair_question=pair_question,
        pair_segment=pair_segment,
        counts=counts,
        unweighted_counts=counts0,
        effective_counts=effective,
        pair_status=status,
        pair_test=pair_test,
        pair_statistic=statistic,
        pair_df=df,
        pair_p=p,
        pair_q=q,
        pair_effect=effect,
        pair_effect_corrected=effect_corrected,
        pair_small_expected=small,
        omnibus_family_size=int(tested.sum()),
        monte_carlo_resamples=monte_carlo_resamples,
        **comparisons,
    )


_COMPARISON_COLUMNS = (
    *("pair", "row", "column", "status", "test", "n_group", "n_rest", "neff_group", "neff_rest"),
    *("estimate_group", "estimate_rest", "standard_error", "statistic", "df", "p", "effect"),
    *("mwu_p", "rank_biserial", "member"),
)
# counts stay float64 (whole numbers): no conversion pass
_COMPARISON_DTYPES = {"pair": np.int64, "row": np.int64, "column": np.int64, "status": np.int8, "test": np.int8}
_COMPARISON_DTYPES["member"] = bool


def _compare_groups(
    *,
    counts: np.ndarray,
    unweighted: np.ndarray,
    effective: np.ndarray,
    totals: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    tested: np.ndarray,
    ordinal: np.ndarray,
    values: list[np.ndarray | None],
    pair_question: np.ndarray,
    width_r: int,
) -> dict[str, np.ndarray | int]:
    rows_u_all, cols_u_all = totals[0], totals[1]
    nominal = np.flatnonzero(tested & ~ordinal)
    ordinal_pairs = np.flatnonzero(tested & ordinal)
    # every output column is allocated once, at its final size, and filled part by part
    cells_per_pair = (rows_u_all > 0).sum(axis=1) * (cols_u_all > 0).sum(axis=1)
    size_nominal = int(cells_per_pair[nominal].sum())
    size = size_nominal + int((cols_u_all[ordinal_pairs] > 0).sum())
    out = {name: np.empty(size, dtype=_COMPARISON_DTYPES.get(name, float)) for name in _COMPARISON_COLUMNS}

    # -- nominal: every non-empty cell, its group vs the other groups (column-proportion tests),
    # a block of tables at a time on the dense (pairs, rows, columns) arrays by broadcasting, kept
    # where both the row and the column have answers; Fisher's test for the small cells at the end
    offset = 0
    exact_at: list[np.ndarray] = []
    exact_tables: list[tuple[np.ndarray, ...]] = []
    for block, block_pairs in _blocks(nominal):
        part = _nominal_comparisons(
            counts[block],
            unweighted[block],
            effective[block] if effective is not unweighted else None,
            tuple(x[block] for x in totals),
            is_weighted=counts is not effective,
        )
        stop = offset + part["row"].size
        part["pair"] = block_pairs[part.pop("cell_pair")]
        exact = part.pop("exact")
        exact_at.append(offset + np.flatnonzero(exact))
        exact_tables.append(part.pop("exact_table"))
        for name, column in part.items():
            out[name][offset:stop] = column
        offset = stop
    if size_nominal:
        for name in ("standard_error", "df", "mwu_p", "rank_biserial"):
            out[name][:size_nominal] = np.nan
        where = np.concatenate(exact_at)
        if where.size:
            a, b, c, d = (np.concatenate([table[i] for table in exact_tables]) for i in range(4))
            out["p"][where] = fisher_exact_2x2(a, b, c, d)
            out["test"][where] = _COMPARISON_TESTS.index(StatisticalTest.FISHER_EXACT)
            out["statistic"][where] = np.nan

    # -- ordinal: every non-empty group vs the other groups, Welch's t and Mann–Whitney U
    if ordinal_pairs.size:
        level_values = np.zeros((len(values), width_r))
        for i in np.unique(pair_question[ordinal_pairs]).tolist():
            level_values[i, : values[i].size] = values[i]
        level_values = level_values[pair_question[ordinal_pairs]]
        t = np.swapaxes(effective[ordinal_pairs], 1, 2)  # (m, C, R)
        w = t if counts is effective else np.swapaxes(counts[ordinal_pairs], 1, 2)
        u = t if unweighted is effective else np.swapaxes(unweighted[ordinal_pairs], 1, 2)
        group_u = u.sum(axis=2)
        gp, gc = np.nonzero(group_u > 0)
        group_t = t[gp, gc]
        rest_t = t.sum(axis=1)[gp] - group_t
        group_w, rest_w = (group_t, rest_t) if w is t else (w[gp, gc], w.sum(axis=1)[gp] - w[gp, gc])
        v = level_values[gp]
        n1, n2 = group_t.sum(axis=1), rest_t.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            w1, w2 = (n1, n2) if w is t else (group_w.sum(axis=1), rest_w.sum(axis=1))
            mean1 = (group_w * v).sum(axis=1) / w1
            mean2 = (rest_w * v).sum(axis=1) / w2
            # weighted variance around the weighted mean, with the effective n's Bessel correction
            var1 = (group_w * (v - mean1[:, None]) ** 2).sum(axis=1) / w1 * n1 / (n1 - 1)
            var2 = (rest_w * (v - mean2[:, None]) ** 2).sum(axis=1) / w2 * n2 / (n2 - 1)
            a1, a2 = var1 / n1, var2 / n2
            se = np.sqrt(a1 + a2)
            t_stat = (mean1 - mean2) / se
            dof = (a1 + a2) ** 2 / (a1**2 / (n1 - 1) + a2**2 / (n2 - 1))
            p_t = 2 * special.stdtr(dof, -np.abs(t_stat))
            pooled_sd = np.sqrt(((n1 - 1) * var1 + (n2 - 1) * var2) / (n1 + n2 - 2))
            d = (mean1 - mean2) / pooled_sd
        _, p_mw, rb, _ = _mann_whitney_from_counts(group_t, rest_t)
        big_enough = (n1 >= 2) & (n2 >= 2)
        varies = se > 1e-12 * np.maximum(1.0, np.abs(v).max(axis=1))
        ok = big_enough & varies
        status = np.where(
            ok, NotTestable.TESTED, np.where(big_enough, NotTestable.NO_VARIATION, NotTestable.GROUP_TOO_SMALL)
        ).astype(np.int8)
        groups_used = (group_u > 0).sum(axis=1)[gp]
        first = np.argmax(group_u > 0, axis=1)[gp]
        mirror = (groups_used == 2) & (gc != first)
        n_group = group_u[gp, gc]
        ordinal_part = {
            "pair": ordinal_pairs[gp],
            "row": -1,
            "column": gc,
            "status": status,
            "test": _COMPARISON_TESTS.index(StatisticalTest.WELCH_T),
            "n_group": n_group,
            "n_rest": group_u.sum(axis=1)[gp] - n_group,
            "neff_group": n1,
            "neff_rest": n2,
            "estimate_group": mean1,
            "estimate_rest": mean2,
            "standard_error": se,
            "statistic": t_stat,
            "df": dof,
            "p": np.where(ok, p_t, np.nan),
            "effect": d,
            "mwu_p": p_mw,
            "rank_biserial": rb,
            "member": ok & ~mirror,
        }
        for name, column in ordinal_part.items():
            out[name][size_nominal:] = column

    member = out.pop("member")
    q = np.full(member.size, np.nan)
    q[member] = benjamini_hochberg(out["p"][member])
    result: dict[str, np.ndarray | int] = {f"comparison_{name}": array for name, array in out.items()}
    result["comparison_is_member"] = member
    result["comparison_q"] = q
    result["comparison_family_size"] = int(member.sum())
    return result


def _nominal_comparisons(
    counts: np.ndarray,
    unweighted: np.ndarray,
    effective: np.ndarray | None,
    totals: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    *,
    is_weighted: bool,
) -> dict[str, np.ndarray]:
    """Column-proportion z-tests of every non-empty cell of a block of nominal tables.

    ``effective`` is None when it equals ``unweighted`` (no weights). Returns the output columns
    (``cell_pair`` indexes the block) plus the cells that need Fisher's exact test
    (``exact``, a mask) and their 2 × 2 tables (``exact_table``: a, b, c, d).
    """
    u = unweighted
    t = u if effective is None else effective
    rows_u, cols_u, rows_t, cols_t = totals
    keep = (rows_u[:, :, None] > 0) & (cols_u[:, None, :] > 0)
    cell_pair, cell_row, cell_col = np.nonzero(keep)
    tot = rows_t.sum(axis=1)
    n1 = np.broadcast_to(cols_t[:, None, :], t.shape)[keep]
    n2 = np.broadcast_to(tot[:, None, None], t.shape)[keep] - n1
    row_share = (rows_t / tot[:, None])[:, :, None]
    pooled = np.broadcast_to(row_share, t.shape)[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        if not is_weighted:
            e1 = t[keep]
            p1 = e1 / n1
            e2 = np.broadcast_to(rows_t[:, :, None], t.shape)[keep] - e1
            p2 = e2 / n2
        else:
            # weighted shares; the tests use the effective counts: weighted share × effective n
            w = counts
            w_rows, w_cols = w.sum(axis=2), w.sum(axis=1)
            w_total = w_rows.sum(axis=1)
            wx1 = w[keep]
            wn1 = np.broadcast_to(w_cols[:, None, :], w.shape)[keep]
            p1 = wx1 / wn1
            p2 = (np.broadcast_to(w_rows[:, :, None], w.shape)[keep] - wx1) / (
                np.broadcast_to(w_total[:, None, None], w.shape)[keep] - wn1
            )
            e1, e2 = p1 * n1, p2 * n2
            pooled = (e1 + e2) / (n1 + n2)
        se0 = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        zs = (p1 - p2) / se0
    ok = (n2 > 0) & (se0 > 0)
    pz = 2 * special.ndtr(-np.abs(zs))
    smaller_n = np.minimum(n1, n2)
    exact = ok & (smaller_n * np.minimum(pooled, 1 - pooled) < SMALL_EXPECTED_2X2)
    a, b = np.rint(e1[exact]), np.rint(n1[exact] - e1[exact])
    c, d = np.rint(e2[exact]), np.rint(n2[exact] - e2[exact])
    h = 2 * (np.arcsin(np.sqrt(np.clip(p1, 0, 1))) - np.arcsin(np.sqrt(np.clip(p2, 0, 1))))
    rows_present, cols_present = rows_u > 0, cols_u > 0
    mirror_col = np.where(cols_present.sum(axis=1) == 2, np.argmax(cols_present, axis=1), -1)
    mirror_row = np.where(rows_present.sum(axis=1) == 2, np.argmax(rows_present, axis=1), -1)
    mirror = ((mirror_col[cell_pair] >= 0) & (cell_col != mirror_col[cell_pair])) | (
        (mirror_row[cell_pair] >= 0) & (cell_row != mirror_row[cell_pair])
    )
    if effective is None:
        n_group, n_rest = n1, n2
    else:
        n_group = np.broadcast_to(cols_u[:, None, :], u.shape)[keep]
        n_rest = np.broadcast_to(rows_u.sum(axis=1)[:, None, None], u.shape)[keep] - n_group
    return {
        "cell_pair": cell_pair,
        "row": cell_row,
        "column": cell_col,
        "status": np.where(ok, NotTestable.TESTED, NotTestable.CONSTANT_ANSWER).astype(np.int8),
        "test": _COMPARISON_TESTS.index(StatisticalTest.TWO_PROPORTION_Z),
        "n_group": n_group,
        "n_rest": n_rest,
        "neff_group": n1,
        "neff_rest": n2,
        "estimate_group": p1,
        "estimate_rest": p2,
        "statistic": zs,
        "p": pz,
        "effect": h,
        "member": ok & ~mirror,
        "exact": exact,
        "exact_table": (a, b, c, d),
    }
