"""Candidate insights: the findings in the answers that survive "So what?", with their evidence.

Three kinds of candidate, all from plain inputs (no Django):

* **segment differences** — from a ``CrosstabFamily`` (``analysis.core.crosstabs``): a segment
  group that rates a question higher or lower than the other groups (Welch's t-test on the means),
  or chooses an answer more or less often (two-proportion z-test, Fisher's exact test when the
  counts are small). Kept when the comparison's Benjamini–Hochberg q-value over the whole family
  of comparisons is below ``alpha``, the effect is at least ``min_effect_size`` (Cohen's d or h)
  and both sides have at least ``min_group_n`` answers (effective n when weighted).
* **theme concentrations** — from a theme-membership matrix (respondents × themes, 1 when the open
  answer carries the theme): a theme over-represented in a segment group (detractors, an age
  band …) compared with the other groups, tested like the choice shares above in one family of
  themes × segment groups.
* **KPI drivers** — which ratings move a KPI (satisfaction, NPS) most: Spearman's rank correlation
  of each rating with the KPI (pairwise complete answers), its p-value from the t distribution (as
  ``scipy.stats.spearmanr``), a confidence interval from Fisher's z with the Bonett–Wright (2000)
  standard error √((1 + ρ²/2)/(n − 3)), BH q-values over the ratings. A correlation, named as
  such: the statement says the two move together, not that one causes the other. Drivers are
  unweighted (Spearman's ρ has no standard weighted form): their evidence says ``is_weighted=False``.

Every candidate carries a statement in Vietnamese and in English built from templates with the
language's number format ("2,8 so với 3,6 trên 5" / "2.8 vs 3.6 out of 5"), its evidence (test,
n per group, estimates, difference with its interval, effect size, p, q, family size, weighted or
not) and the criteria of customer-insight practice that data can judge: *validated* (q below
alpha and every group large enough), *specific* (about one segment group), *actionable* (tied to a
KPI question or a KPI grouping). *Surprising* compares the finding with what was known
(``compare_with_references``): the previous wave's estimate for the same question and group
(two-sample tests) or a benchmark the researcher entered (one-sample tests); without either it
says no benchmark was entered (``None``) instead of guessing. *Clear* needs a reader (``None``).
Changes since the previous wave and gaps from a benchmark are candidates of their own
(``find_reference_changes``). Each candidate gets an explainable impact / effort estimate
(``estimate_impact_effort``). A candidate that leans on a variable whose sample mix is skewed
against the population carries a caveat.

The thresholds are parameters (``InsightThresholds``); the defaults: alpha 0.05 (FDR level), 30
answers per group (the usual floor below which a group's margin of error is unreliable, as
``surveys.core.sample_size.DEFAULT_MINIMUM_SEGMENT_COUNT``), Cohen's "small" effect 0.2 for d and h,
|ρ| ≥ 0.2 for a driver (4 % of rank variance shared; Cohen's small r of 0.1 flags links too weak to
act on).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from scipy import special, stats

from analysis.core import crosstabs as ct
from surveys.core.messages import Message, gettext_noop, message
from surveys.core.questionnaire import Text
from surveys.core.sample_size import DEFAULT_MINIMUM_SEGMENT_COUNT


class CandidateKind(StrEnum):
    SEGMENT_DIFFERENCE = "segment_difference"
    THEME_CONCENTRATION = "theme_concentration"
    KPI_DRIVER = "kpi_driver"
    WAVE_CHANGE = "wave_change"  # an estimate that moved since the previous wave
    BENCHMARK_GAP = "benchmark_gap"  # an estimate away from the value the researcher expected


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class InsightInputError(ValueError):
    """Inputs that cannot produce candidates, with a translatable message and the parameter's name."""

    def __init__(self, parameter: str, text: Message) -> None:
        self.parameter = parameter
        self.message = text
        super().__init__(text.render())


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class InsightThresholds:
    alpha: float = 0.05  # false-discovery rate for the BH q-values
    min_group_n: int = DEFAULT_MINIMUM_SEGMENT_COUNT  # per side of a comparison (effective n when weighted)
    min_effect_size: float = 0.2  # Cohen's d (means) or h (shares): Cohen's "small"
    min_driver_correlation: float = 0.2  # |Spearman ρ|
    max_quotes: int = 3

    def check(self) -> None:
        if not 0 < self.alpha < 1:
            raise InsightInputError("alpha", message(gettext_noop("alpha must lie between 0 and 1.")))
        if self.min_group_n < 2:
            raise InsightInputError("min_group_n", message(gettext_noop("Each group needs at least 2 answers.")))
        if self.min_effect_size < 0 or not 0 <= self.min_driver_correlation < 1:
            raise InsightInputError(
                "min_effect_size", message(gettext_noop("Minimum effect sizes must be non-negative (ρ below 1)."))
            )
        if self.max_quotes < 0:
            raise InsightInputError("max_quotes", message(gettext_noop("The number of quotes cannot be negative.")))


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    """What a statement needs to know about a question (or a theme, or a rating)."""

    key: str
    label: Text
    level_labels: tuple[Text, ...] = ()
    is_kpi: bool = False
    scale_max: float | None = None  # "out of 5"; None when the scale has no natural maximum


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    key: str
    label: Text  # the variable: "độ tuổi" / "age"
    level_labels: tuple[Text, ...]  # the groups: "18–24"
    is_kpi_grouping: bool = False  # e.g. NPS promoters / passives / detractors
    derived_from: str | None = None  # the question the groups were cut from: never compared with it


@dataclass(frozen=True, slots=True)
class SkewInfo:
    """How far the sample's mix of a variable is from the population (from representativeness)."""

    max_deviation_points: float  # largest |sample share − population share|, percentage points
    is_weighted: bool  # whether the analysis weights correct for it
    is_skewed: bool = True


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Evidence:
    test: str  # a StatisticalTest value, or "spearman"
    test_label: str  # English; translated by the Django layer
    estimate: str  # "mean", "proportion", "spearman_rho"
    n_group: int
    n_rest: int | None  # None for a driver (one sample)
    n_effective_group: float
    n_effective_rest: float | None
    estimate_group: float  # the group's mean / share, or ρ for a driver
    estimate_rest: float | None
    difference: float | None
    ci_low: float
    ci_high: float  # of the difference (ρ for a driver)
    confidence_level: float
    ci_method: str
    effect_size_name: str
    effect_size: float
    p_value: float
    q_value: float
    family: str  # which multiple-testing family the q-value controls
    family_size: int
    is_weighted: bool
    reach: float | None  # the group's share of the respondents who answered
    mann_whitney_p: float | None = None
    rank_biserial: float | None = None


@dataclass(frozen=True, slots=True)
class Criterion:
    value: bool | None  # None: the data cannot say; the analyst decides
    reason: Message


@dataclass(frozen=True, slots=True)
class Criteria:
    validated: Criterion
    surprising: Criterion
    specific: Criterion
    actionable: Criterion
    clear: Criterion


@dataclass(frozen=True, slots=True)
class Caveat:
    variable: str
    text_vi: str
    text_en: str


@dataclass(frozen=True, slots=True)
class CandidateInsight:
    id: str
    kind: CandidateKind
    question: str  # question, theme or rating key
    segment_variable: str | None
    segment: int | None  # the segment level (group) the statement is about
    answer_level: int | None  # the answer level whose share is compared (choice questions)
    kpi: str | None  # the KPI a driver moves
    direction: Direction
    statement_vi: str
    statement_en: str
    evidence: Evidence
    criteria: Criteria
    caveats: tuple[Caveat, ...]
    quotes: tuple[str, ...]
    score: float  # ranking key: |effect| in Cohen's-d units, × 2 when actionable, × 1.5 / 0.75 when (not) surprising
    rank: int


@dataclass(frozen=True, slots=True)
class InsightReport:
    candidates: tuple[CandidateInsight, ...]
    warnings: tuple[Message, ...]
    thresholds: InsightThresholds
    family_sizes: Mapping[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- number formats


def format_number(value: float, language: str, decimals: int = 1) -> str:
    """``3.6`` in English, ``3,6`` in Vietnamese; thousands ``1,234`` / ``1.234``."""
    text = f"{value:,.{decimals}f}"
    if language == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text.replace("-", "−")


def format_percent(share: float, language: str, decimals: int = 0) -> str:
    """A share as a percentage: ``42%`` (both languages write the sign without a space)."""
    return f"{format_number(100 * share, language, decimals)}%"


def _share_decimals(a: float, b: float) -> int:
    """Whole percentages, unless they would print the same number for two different shares."""
    return 0 if round(100 * a) != round(100 * b) else 1


# --------------------------------------------------------------------------- templates

_TEMPLATES: Mapping[str, Mapping[str, str]] = {
    "mean": {
        "vi": "Khách có {variable} “{group}” chấm “{question}” {direction} {others}: {a} so với {b}{scale}.",
        "en": "Respondents with {variable} “{group}” rate “{question}” {direction} {others}: {a} vs {b}{scale}.",
    },
    "share": {
        "vi": "Khách có {variable} “{group}” chọn “{answer}” ở câu “{question}” {direction} {others}: {a} so với {b}.",
        "en": "Respondents with {variable} “{group}” choose “{answer}” for “{question}” {direction} {others}: "
        "{a} vs {b}.",
    },
    "theme": {
        "vi": "Khách có {variable} “{group}” nhắc đến “{question}” {direction} {others}: {a} so với {b} "
        "số câu trả lời mở.",
        "en": "Respondents with {variable} “{group}” mention “{question}” {direction} {others}: {a} vs {b} "
        "of open answers.",
    },
    "driver_first": {
        "vi": "{subject} gắn chặt nhất với {kpi}: {direction} (ρ Spearman = {rho}; KTC {level}%: {low} đến {high}).",
        "en": "{subject} is the strongest driver of {kpi}: {direction} (Spearman ρ = {rho}; {level}% CI {low} "
        "to {high}).",
    },
    "driver": {
        "vi": "{subject} đứng thứ {rank}/{count} trong các yếu tố gắn với {kpi}: {direction} (ρ Spearman = {rho}; "
        "KTC {level}%: {low} đến {high}).",
        "en": "{subject} is driver #{rank} of {count} for {kpi}: {direction} (Spearman ρ = {rho}; {level}% CI "
        "{low} to {high}).",
    },
    "wave_mean": {
        "vi": "{prefix}“{question}” được chấm {direction} đợt khảo sát trước: {a} so với {b}{scale}.",
        "en": "{prefix}“{question}” is rated {direction} in the previous wave: {a} vs {b}{scale}.",
    },
    "wave_share": {
        "vi": "{prefix}tỷ lệ chọn “{answer}” ở câu “{question}” {direction} so với đợt khảo sát trước: {a} so với {b}.",
        "en": "{prefix}the share choosing “{answer}” for “{question}” {direction} since the previous wave: {a} vs {b}.",
    },
    "benchmark_mean": {
        "vi": "{prefix}“{question}” được chấm {direction} mức chuẩn đã nhập: {a} so với {b}{scale}.",
        "en": "{prefix}“{question}” is rated {direction} the benchmark you entered: {a} vs {b}{scale}.",
    },
    "benchmark_share": {
        "vi": "{prefix}tỷ lệ chọn “{answer}” ở câu “{question}” {direction} mức chuẩn đã nhập: {a} so với {b}.",
        "en": "{prefix}the share choosing “{answer}” for “{question}” is {direction} the benchmark you entered: "
        "{a} vs {b}.",
    },
    "caveat": {
        "vi": "Lưu ý: cơ cấu “{variable}” của mẫu lệch so với tổng thể tới {points} điểm phần trăm{weighted}; "
        "kết quả này có thể không đúng với mọi khách hàng.",
        "en": "Caution: the sample's mix of “{variable}” differs from the population by up to {points} percentage "
        "points{weighted}; this finding may not hold for all customers.",
    },
}
_WORDS: Mapping[str, Mapping[str, str]] = {
    "mean_higher": {"vi": "cao hơn", "en": "higher than"},
    "mean_lower": {"vi": "thấp hơn", "en": "lower than"},
    "share_higher": {"vi": "nhiều hơn", "en": "more often than"},
    "share_lower": {"vi": "ít hơn", "en": "less often than"},
    "others": {"vi": "các nhóm khác", "en": "the other groups"},
    "other": {"vi": "nhóm “{name}”", "en": "the “{name}” group"},
    "scale": {"vi": " trên {max}", "en": " out of {max}"},
    "driver_higher": {
        "vi": "khách chấm tiêu chí này cao hơn thường cũng chấm {kpi} cao hơn",
        "en": "respondents who rate it higher also tend to rate {kpi} higher",
    },
    "driver_lower": {
        "vi": "khách chấm tiêu chí này cao hơn lại thường chấm {kpi} thấp hơn",
        "en": "respondents who rate it higher tend to rate {kpi} lower",
    },
    "subject_short": {"vi": "Đánh giá về {label}", "en": "{label} rating"},
    "subject_long": {"vi": "Đánh giá “{label}”", "en": "The rating “{label}”"},
    "wave_mean_higher": {"vi": "cao hơn", "en": "higher than"},
    "wave_mean_lower": {"vi": "thấp hơn", "en": "lower than"},
    "wave_share_higher": {"vi": "tăng", "en": "rose"},
    "wave_share_lower": {"vi": "giảm", "en": "fell"},
    "benchmark_mean_higher": {"vi": "cao hơn", "en": "above"},
    "benchmark_mean_lower": {"vi": "thấp hơn", "en": "below"},
    "benchmark_share_higher": {"vi": "cao hơn", "en": "above"},
    "benchmark_share_lower": {"vi": "thấp hơn", "en": "below"},
    "in_group": {"vi": "Ở nhóm khách có {variable} “{group}”, ", "en": "Among respondents with {variable} “{group}”, "},
    "weighted": {"vi": ", dù đã áp dụng trọng số", "en": ", even with weights applied"},
    "unweighted": {"vi": " và chưa được gia quyền", "en": " and the results are not weighted"},
}
_LANGUAGES = ("vi", "en")

_NOT_SURPRISING_YET = gettext_noop(
    "Cannot be judged from this survey alone: compare with the previous wave or a benchmark you enter."
)
_CLEAR_BY_ANALYST = gettext_noop("Judged by the analyst: is the statement plain enough to act on?")


def _words(key: str, language: str, **params: object) -> str:
    return _WORDS[key][language].format(**params)


def _label(text: Text, language: str) -> str:
    return text.get(language, "vi" if language == "en" else "en")


def _level_label(labels: tuple[Text, ...], level: int, language: str) -> str:
    if 0 <= level < len(labels):
        return _label(labels[level], language)
    return str(level)


def _is_short(label: str) -> bool:
    """A short name ("delivery speed") reads inside a sentence; a whole question is quoted instead."""
    text = label.strip()
    return bool(text) and len(text.split()) <= 5 and not text.endswith(("?", ".", ":", "!"))


def _name(text: Text, language: str) -> str:
    """A variable's name inside a sentence: as it is when short, in quotes when it is a whole question."""
    label = _label(text, language).strip()
    return label if _is_short(label) else f"“{label}”"


def _lower_first(label: str) -> str:
    """ "Tốc độ giao hàng" → "tốc độ giao hàng", leaving acronyms ("NPS", "CSKH") alone."""
    if len(label) > 1 and label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def _rating_subject(text: Text, language: str) -> str:
    """The rating a driver statement starts with: "Đánh giá về tốc độ giao hàng" / "Delivery speed rating"."""
    label = _label(text, language).strip()
    if not _is_short(label):
        return _words("subject_long", language, label=label)
    if language == "vi":
        if label.lower().startswith(("đánh giá", "mức độ", "sự hài lòng")):
            return label[:1].upper() + label[1:]
        return _words("subject_short", language, label=_lower_first(label))
    if label.lower().endswith(("rating", "score", "satisfaction")):
        return label[:1].upper() + label[1:]
    return _words("subject_short", language, label=label[:1].upper() + label[1:])


# --------------------------------------------------------------------------- criteria and caveats


def _criteria(evidence: Evidence, thresholds: InsightThresholds, *, specific: bool, actionable: bool) -> Criteria:
    smallest = min(
        x for x in (evidence.n_effective_group, evidence.n_effective_rest) if x is not None
    )  # a driver has one sample
    validated = evidence.q_value < thresholds.alpha and smallest >= thresholds.min_group_n
    return Criteria(
        validated=Criterion(
            validated,
            message(
                gettext_noop(
                    "q = {q:.3g} (alpha {alpha}) over a family of {family_size} tests; smallest group n = {n:.0f} "
                    "(minimum {minimum})."
                ),
                q=evidence.q_value,
                alpha=thresholds.alpha,
                family_size=evidence.family_size,
                n=smallest,
                minimum=thresholds.min_group_n,
            ),
        ),
        surprising=Criterion(None, message(_NOT_SURPRISING_YET)),
        specific=Criterion(
            specific,
            message(gettext_noop("About one segment group and one answer."))
            if specific
            else message(gettext_noop("About all respondents, not one segment group.")),
        ),
        actionable=Criterion(
            actionable,
            message(gettext_noop("Tied to a KPI question."))
            if actionable
            else message(gettext_noop("Not tied to a KPI question: link it to a business goal before acting on it.")),
        ),
        clear=Criterion(None, message(_CLEAR_BY_ANALYST)),
    )


def _caveats(variables: Sequence[tuple[str, Text]], skew: Mapping[str, SkewInfo]) -> tuple[Caveat, ...]:
    caveats = []
    for key, label in variables:
        info = skew.get(key)
        if info is None or not info.is_skewed:
            continue
        texts = {
            language: _TEMPLATES["caveat"][language].format(
                variable=_label(label, language),
                points=format_number(info.max_deviation_points, language, 0),
                weighted=_words("weighted" if info.is_weighted else "unweighted", language),
            )
            for language in _LANGUAGES
        }
        caveats.append(Caveat(key, texts["vi"], texts["en"]))
    return tuple(caveats)


def _d_units(name: str, value: float) -> float:
    """Effect sizes on one scale for ranking: Cohen's d and h as they are, ρ as d = 2ρ/√(1 − ρ²)."""
    if name == "spearman_rho":
        rho = min(abs(value), 0.999)
        return 2 * rho / np.sqrt(1 - rho * rho)
    return abs(value)


# --------------------------------------------------------------------------- segment differences


def _comparison_evidence(
    family: ct.CrosstabFamily, index: int, family_name: str, *, flip: bool = False
) -> tuple[Evidence, ct.Comparison]:
    comparison = family.comparison(index)
    assert comparison.p_value is not None and comparison.q_value is not None and comparison.effect_size
    sign = -1.0 if flip else 1.0
    group, rest = comparison.estimate_group, comparison.estimate_rest
    n_group, n_rest = comparison.n_group, comparison.n_rest
    ne_group, ne_rest = comparison.n_effective_group, comparison.n_effective_rest
    low, high = comparison.ci_low, comparison.ci_high
    if flip:  # the mirror comparison: the other of two groups against this one
        group, rest, n_group, n_rest, ne_group, ne_rest = rest, group, n_rest, n_group, ne_rest, ne_group
        low, high = -high, -low
    evidence = Evidence(
        test=str(comparison.test),
        test_label=ct.TEST_LABELS[comparison.test],
        estimate="mean" if comparison.kind is ct.ComparisonKind.MEAN else "proportion",
        n_group=n_group,
        n_rest=n_rest,
        n_effective_group=ne_group,
        n_effective_rest=ne_rest,
        estimate_group=group,
        estimate_rest=rest,
        difference=group - rest,
        ci_low=low,
        ci_high=high,
        confidence_level=comparison.confidence_level,
        ci_method=comparison.ci_method,
        effect_size_name=str(comparison.effect_size.name),
        effect_size=sign * comparison.effect_size.value,
        p_value=comparison.p_value,
        q_value=comparison.q_value,
        family=family_name,
        family_size=comparison.family_size,
        is_weighted=family.is_weighted,
        reach=n_group / (n_group + n_rest) if n_group + n_rest else None,
        mann_whitney_p=comparison.mann_whitney_p,
        rank_biserial=None if comparison.rank_biserial is None else sign * comparison.rank_biserial,
    )
    return evidence, comparison


def _passing(family: ct.CrosstabFamily, thresholds: InsightThresholds) -> np.ndarray:
    """Indices of the family's comparisons that pass q, effect-size and group-size thresholds."""
    with np.errstate(invalid="ignore"):
        keep = (
            family.comparison_is_member
            & (family.comparison_q < thresholds.alpha)
            & (np.abs(family.comparison_effect) >= thresholds.min_effect_size)
            & (np.minimum(family.comparison_neff_group, family.comparison_neff_rest) >= thresholds.min_group_n)
        )
    return np.flatnonzero(keep)


def _other_groups(family: ct.CrosstabFamily, comparison_index: int, segment: SegmentInfo, language: str) -> str:
    """Return "the other groups", or the other group by name when only two groups have answers."""
    pair = int(family.comparison_pair[comparison_index])
    used = np.flatnonzero(family.unweighted_counts[pair].sum(axis=0) > 0)
    column = int(family.comparison_column[comparison_index])
    if used.size == 2:
        other = int(used[used != column][0])
        return _words("other", language, name=_level_label(segment.level_labels, other, language))
    return _words("others", language)


def find_segment_differences(
    family: ct.CrosstabFamily,
    questions: Mapping[str, QuestionInfo],
    segments: Mapping[str, SegmentInfo],
    *,
    thresholds: InsightThresholds | None = None,
    skew: Mapping[str, SkewInfo] | None = None,
) -> list[CandidateInsight]:
    """Segment groups that answer a question differently from the other groups, with evidence."""
    thresholds = thresholds or InsightThresholds()
    thresholds.check()
    skew = skew or {}
    candidates = []
    for index in _passing(family, thresholds):
        evidence, comparison = _comparison_evidence(family, int(index), "segment comparisons")
        question = questions.get(comparison.question_key) or QuestionInfo(
            comparison.question_key, Text(comparison.question_key, comparison.question_key)
        )
        segment = segments.get(comparison.segment_key) or SegmentInfo(
            comparison.segment_key, Text(comparison.segment_key, comparison.segment_key), ()
        )
        if segment.derived_from == comparison.question_key:
            continue  # detractors rate the NPS question lower by definition
        direction = Direction.HIGHER if evidence.difference > 0 else Direction.LOWER
        is_mean = comparison.kind is ct.ComparisonKind.MEAN
        statements = {}
        for language in _LANGUAGES:
            params = {
                "variable": _label(segment.label, language),
                "group": _level_label(segment.level_labels, comparison.segment_level, language),
                "question": _label(question.label, language),
                "others": _other_groups(family, int(index), segment, language),
            }
            if is_mean:
                scale = "" if question.scale_max is None else _words("scale", language, max=_scale(question, language))
                statements[language] = _TEMPLATES["mean"][language].format(
                    direction=_words(f"mean_{direction}", language),
                    a=format_number(evidence.estimate_group, language),
                    b=format_number(evidence.estimate_rest, language),
                    scale=scale,
                    **params,
                )
            else:
                decimals = _share_decimals(evidence.estimate_group, evidence.estimate_rest)
                statements[language] = _TEMPLATES["share"][language].format(
                    direction=_words(f"share_{direction}", language),
                    answer=_level_label(question.level_labels, comparison.question_level, language),
                    a=format_percent(evidence.estimate_group, language, decimals),
                    b=format_percent(evidence.estimate_rest, language, decimals),
                    **params,
                )
        actionable = question.is_kpi or segment.is_kpi_grouping
        level_part = "mean" if is_mean else f"answer{comparison.question_level}"
        candidates.append(
            _candidate(
                id=f"segment:{comparison.question_key}:{level_part}:{comparison.segment_key}:{comparison.segment_level}",
                kind=CandidateKind.SEGMENT_DIFFERENCE,
                question=comparison.question_key,
                segment_variable=comparison.segment_key,
                segment=comparison.segment_level,
                answer_level=comparison.question_level,
                kpi=comparison.question_key if question.is_kpi else None,
                direction=direction,
                statements=statements,
                evidence=evidence,
                criteria=_criteria(evidence, thresholds, specific=True, actionable=actionable),
                caveats=_caveats([(segment.key, segment.label), (question.key, question.label)], skew),
                quotes=(),
                actionable=actionable,
            )
        )
    return candidates


def _scale(question: QuestionInfo, language: str) -> str:
    value = question.scale_max
    return format_number(value, language, 0 if float(value).is_integer() else 1)


def _candidate(*, statements: Mapping[str, str], actionable: bool, **fields: object) -> CandidateInsight:
    evidence: Evidence = fields["evidence"]  # type: ignore[assignment]
    score = _d_units(evidence.effect_size_name, evidence.effect_size) * (2.0 if actionable else 1.0)
    return CandidateInsight(
        statement_vi=statements["vi"], statement_en=statements["en"], score=float(score), rank=0, **fields
    )


# --------------------------------------------------------------------------- theme concentrations


def find_theme_concentrations(
    membership: np.ndarray,
    themes: Sequence[QuestionInfo],
    segment_variables: Sequence[ct.CodedVariable],
    segments: Mapping[str, SegmentInfo],
    *,
    answered: np.ndarray | None = None,
    texts: Sequence[str] | None = None,
    weights: np.ndarray | None = None,
    thresholds: InsightThresholds | None = None,
    skew: Mapping[str, SkewInfo] | None = None,
) -> tuple[list[CandidateInsight], int]:
    """Themes over-represented in a segment group (detractors, an age band …) among open answers.

    ``membership`` is respondents × themes (1 when the respondent's open answer carries the
    theme); ``answered`` marks who gave an open answer at all (default: anyone with a theme), and
    only they count. Returns the candidates and the size of the themes × groups family.
    """
    thresholds = thresholds or InsightThresholds()
    thresholds.check()
    skew = skew or {}
    matrix = np.asarray(membership)
    if matrix.ndim != 2 or matrix.shape[1] != len(themes) or not np.all(np.isin(matrix, (0, 1))):
        raise InsightInputError(
            "membership", message(gettext_noop("Theme membership must be a respondents × themes matrix of 0 and 1."))
        )
    answered = matrix.any(axis=1) if answered is None else np.asarray(answered, dtype=bool)
    if answered.shape != (matrix.shape[0],) or (texts is not None and len(texts) != matrix.shape[0]):
        raise InsightInputError(
            "answered", message(gettext_noop("Every respondent needs one entry in the open-answer inputs."))
        )
    # level 0 = mentions the theme (the level the family keeps when a yes/no question mirrors itself)
    theme_variables = [
        ct.CodedVariable(theme.key, np.where(answered, 1 - matrix[:, i].astype(np.int64), -1), 2)
        for i, theme in enumerate(themes)
    ]
    family = ct.compute_crosstabs(theme_variables, segment_variables, weights=weights)
    by_key = {theme.key: theme for theme in themes}
    candidates = []
    for index in _passing(family, thresholds):
        index = int(index)
        pair = int(family.comparison_pair[index])
        flip = False
        if int(family.comparison_row[index]) != 0:
            continue
        if family.comparison_estimate_group[index] <= family.comparison_estimate_rest[index]:
            used = np.flatnonzero(family.unweighted_counts[pair].sum(axis=0) > 0)
            if used.size != 2:
                continue  # under-represented: not a concentration
            flip = True  # with two groups, "less in A" is "more in B"
        evidence, comparison = _comparison_evidence(family, index, "themes × segment groups", flip=flip)
        level = comparison.segment_level
        if flip:
            used = np.flatnonzero(family.unweighted_counts[pair].sum(axis=0) > 0)
            level = int(used[used != level][0])
        theme = by_key[comparison.question_key]
        segment = segments.get(comparison.segment_key) or SegmentInfo(
            comparison.segment_key, Text(comparison.segment_key, comparison.segment_key), ()
        )
        statements = {}
        for language in _LANGUAGES:
            decimals = _share_decimals(evidence.estimate_group, evidence.estimate_rest)
            used = np.flatnonzero(family.unweighted_counts[pair].sum(axis=0) > 0)
            others = (
                _words(
                    "other", language, name=_level_label(segment.level_labels, int(used[used != level][0]), language)
                )
                if used.size == 2
                else _words("others", language)
            )
            statements[language] = _TEMPLATES["theme"][language].format(
                variable=_label(segment.label, language),
                group=_level_label(segment.level_labels, level, language),
                question=_label(theme.label, language),
                direction=_words("share_higher", language),
                others=others,
                a=format_percent(evidence.estimate_group, language, decimals),
                b=format_percent(evidence.estimate_rest, language, decimals),
            )
        quotes: tuple[str, ...] = ()
        if texts is not None and thresholds.max_quotes:
            segment_codes = next(v.codes for v in segment_variables if v.key == comparison.segment_key)
            theme_column = themes.index(theme)
            rows = np.flatnonzero(answered & (matrix[:, theme_column] == 1) & (np.asarray(segment_codes) == level))
            quotes = tuple(str(texts[i]).strip() for i in rows if str(texts[i]).strip())[: thresholds.max_quotes]
        actionable = theme.is_kpi or segment.is_kpi_grouping
        candidates.append(
            _candidate(
                id=f"theme:{theme.key}:{comparison.segment_key}:{level}",
                kind=CandidateKind.THEME_CONCENTRATION,
                question=theme.key,
                segment_variable=comparison.segment_key,
                segment=level,
                answer_level=None,
                kpi=None,
                direction=Direction.HIGHER,
                statements=statements,
                evidence=evidence,
                criteria=_criteria(evidence, thresholds, specific=True, actionable=actionable),
                caveats=_caveats([(segment.key, segment.label)], skew),
                quotes=quotes,
                actionable=actionable,
            )
        )
    return candidates, family.comparison_family_size


# --------------------------------------------------------------------------- KPI drivers


@dataclass(frozen=True, slots=True)
class DriverEstimate:
    """One rating's Spearman correlation with the KPI."""

    rating: str
    n: int
    rho: float | None  # None when not testable (too few pairs, a constant rating)
    p_value: float | None
    q_value: float | None
    ci_low: float | None
    ci_high: float | None


def _midranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    ends = np.r_[starts[1:], values.size]
    ranks = np.empty(values.size)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def estimate_drivers(
    kpi_values: np.ndarray, ratings: Mapping[str, np.ndarray], *, confidence_level: float = 0.95
) -> tuple[DriverEstimate, ...]:
    """Spearman's ρ of every rating with the KPI (NaN = missing), p-values, CIs and BH q-values."""
    kpi = np.asarray(kpi_values, dtype=float)
    if kpi.ndim != 1:
        raise InsightInputError("kpi_values", message(gettext_noop("The KPI answers must be one list of numbers.")))
    z = float(special.ndtri(0.5 + confidence_level / 2))
    rows = []
    for key, values in ratings.items():
        rating = np.asarray(values, dtype=float)
        if rating.shape != kpi.shape:
            raise InsightInputError(
                key, message(gettext_noop("{key}: one answer per respondent is needed, as for the KPI."), key=key)
            )
        both = np.isfinite(rating) & np.isfinite(kpi)
        n = int(both.sum())
        x, y = rating[both], kpi[both]
        if n < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
            rows.append([key, n, None, None, None, None])
            continue
        rho = float(np.corrcoef(_midranks(x), _midranks(y))[0, 1])
        rho = max(-1.0, min(1.0, rho))
        dof = n - 2
        if abs(rho) < 1:
            t = rho * np.sqrt(dof / ((1 - rho) * (1 + rho)))
            p = float(2 * special.stdtr(dof, -abs(t)))
        else:
            p = 0.0
        half = z * np.sqrt((1 + rho * rho / 2) / (n - 3))
        centre = np.arctanh(min(abs(rho), 1 - 1e-15)) * np.sign(rho)
        rows.append([key, n, rho, p, float(np.tanh(centre - half)), float(np.tanh(centre + half))])
    tested = [i for i, row in enumerate(rows) if row[2] is not None]
    q = ct.benjamini_hochberg(np.array([rows[i][3] for i in tested], dtype=float))
    q_by_row = dict(zip(tested, q.tolist(), strict=True))
    return tuple(
        DriverEstimate(row[0], row[1], row[2], row[3], q_by_row.get(i), row[4], row[5]) for i, row in enumerate(rows)
    )


def find_kpi_drivers(
    kpi: QuestionInfo,
    kpi_values: np.ndarray,
    ratings: Mapping[str, np.ndarray],
    rating_info: Mapping[str, QuestionInfo],
    *,
    thresholds: InsightThresholds | None = None,
    skew: Mapping[str, SkewInfo] | None = None,
    confidence_level: float = 0.95,
) -> tuple[list[CandidateInsight], tuple[DriverEstimate, ...]]:
    """The ratings most closely linked to a KPI, strongest first; also returns every estimate."""
    thresholds = thresholds or InsightThresholds()
    thresholds.check()
    skew = skew or {}
    estimates = estimate_drivers(kpi_values, ratings, confidence_level=confidence_level)
    tested = [e for e in estimates if e.rho is not None]
    order = sorted(tested, key=lambda e: -abs(e.rho))
    rank_of = {e.rating: position + 1 for position, e in enumerate(order)}
    candidates = []
    for estimate in order:
        if not (
            estimate.q_value < thresholds.alpha
            and abs(estimate.rho) >= thresholds.min_driver_correlation
            and estimate.n >= thresholds.min_group_n
        ):
            continue
        info = rating_info.get(estimate.rating) or QuestionInfo(estimate.rating, Text(estimate.rating, estimate.rating))
        direction = Direction.HIGHER if estimate.rho > 0 else Direction.LOWER
        evidence = Evidence(
            test="spearman",
            test_label=gettext_noop("Spearman's rank correlation (t approximation)"),
            estimate="spearman_rho",
            n_group=estimate.n,
            n_rest=None,
            n_effective_group=float(estimate.n),
            n_effective_rest=None,
            estimate_group=estimate.rho,
            estimate_rest=None,
            difference=None,
            ci_low=estimate.ci_low,
            ci_high=estimate.ci_high,
            confidence_level=confidence_level,
            ci_method="fisher_z_bonett_wright",
            effect_size_name="spearman_rho",
            effect_size=estimate.rho,
            p_value=estimate.p_value,
            q_value=estimate.q_value,
            family="KPI drivers of " + kpi.key,
            family_size=len(tested),
            is_weighted=False,
            reach=None,
        )
        statements = {}
        for language in _LANGUAGES:
            kpi_name = _name(kpi.label, language)
            template = "driver_first" if rank_of[estimate.rating] == 1 else "driver"
            statements[language] = _TEMPLATES[template][language].format(
                subject=_rating_subject(info.label, language),
                kpi=kpi_name,
                rank=rank_of[estimate.rating],
                count=len(tested),
                direction=_words(f"driver_{direction}", language, kpi=kpi_name),
                rho=format_number(estimate.rho, language, 2),
                level=format_number(100 * confidence_level, language, 0),
                low=format_number(estimate.ci_low, language, 2),
                high=format_number(estimate.ci_high, language, 2),
            )
        candidates.append(
            _candidate(
                id=f"driver:{kpi.key}:{estimate.rating}",
                kind=CandidateKind.KPI_DRIVER,
                question=estimate.rating,
                segment_variable=None,
                segment=None,
                answer_level=None,
                kpi=kpi.key,
                direction=direction,
                statements=statements,
                evidence=evidence,
                criteria=_criteria(evidence, thresholds, specific=False, actionable=True),
                caveats=_caveats([(estimate.rating, info.label), (kpi.key, kpi.label)], skew),
                quotes=(),
                actionable=True,
            )
        )
    return candidates, estimates


# --------------------------------------------------------------------------- previous wave and benchmarks


class ReferenceSource(StrEnum):
    PREVIOUS_WAVE = "previous_wave"
    BENCHMARK = "benchmark"


@dataclass(frozen=True, slots=True)
class BenchmarkValue:
    """A value the researcher expects: the share choosing an answer level, or the mean of a rating.

    ``level`` is the answer level (code) whose share is expected; None for the mean of an ordinal
    question. ``segment_variable`` / ``segment`` narrow it to one segment group (None: everyone).
    """

    question: str
    level: int | None
    value: float
    segment_variable: str | None = None
    segment: int | None = None


@dataclass(frozen=True, slots=True, eq=False)
class PreviousWave:
    """The earlier survey's answers, coded with the same variable keys and levels as this one."""

    questions: Sequence[ct.CodedVariable]
    segments: Sequence[ct.CodedVariable] = ()
    weights: np.ndarray | None = None
    numeric: Mapping[str, np.ndarray] = field(default_factory=dict)  # ratings as numbers, for drivers
    label: str = ""


@dataclass(frozen=True, slots=True)
class ReferenceTest:
    """One current estimate tested against the previous wave's estimate or a benchmark."""

    source: ReferenceSource
    question: str
    level: int | None  # None: the mean (or, for a driver, ρ with ``kpi``)
    segment_variable: str | None
    segment: int | None
    estimate: str  # "proportion", "mean" or "spearman_rho"
    current: float
    reference: float
    n: int
    n_effective: float
    n_reference: int | None  # None for a benchmark (a fixed value)
    n_effective_reference: float | None
    difference: float
    ci_low: float
    ci_high: float  # of the difference current − reference
    test: str
    statistic: float | None
    p_value: float
    q_value: float
    family: str
    family_size: int
    effect_size_name: str
    effect_size: float
    kpi: str | None = None

    @property
    def key(self) -> tuple[str, int | None, str | None, int | None]:
        return (self.question, self.level, self.segment_variable, self.segment)


@dataclass(frozen=True, slots=True)
class References:
    """Every reference test, and whether the researcher gave any reference at all."""

    tests: tuple[ReferenceTest, ...]
    has_previous_wave: bool
    has_benchmarks: bool
    confidence_level: float = 0.95

    def find(self, key: tuple[str, int | None, str | None, int | None]) -> list[ReferenceTest]:
        return [t for t in self.tests if t.key == key]


REFERENCE_FAMILY = "previous wave and benchmarks"
GROUP_REFERENCE_FAMILY = "segment groups vs previous wave"
DRIVER_REFERENCE_FAMILY = "KPI drivers vs previous wave"


@dataclass(frozen=True, slots=True)
class _Sample:
    n: int
    n_effective: float
    weight: float  # Σw
    value: float  # share or mean (weighted)
    variance: float  # of one answer (weighted, Bessel-corrected with the effective n); share: p(1 − p)


def _sample(values: np.ndarray, weights: np.ndarray) -> _Sample | None:
    if values.size == 0:
        return None
    total = float(weights.sum())
    if total <= 0:
        return None
    n_eff = total * total / float(np.square(weights).sum())
    mean = float((weights * values).sum() / total)
    spread = float((weights * (values - mean) ** 2).sum() / total)
    variance = spread * n_eff / (n_eff - 1) if n_eff > 1 else float("nan")
    return _Sample(int(values.size), n_eff, total, mean, variance)


def _variable_samples(
    variable: ct.CodedVariable, weights: np.ndarray, mask: np.ndarray | None
) -> dict[int | None, _Sample]:
    """The shares of each level (nominal) or the mean (ordinal) among the respondents in ``mask``."""
    codes = np.asarray(variable.codes)
    answered = codes >= 0 if mask is None else (codes >= 0) & mask
    if not answered.any():
        return {}
    chosen, w = codes[answered], weights[answered]
    if variable.measurement is ct.Measurement.ORDINAL:
        sample = _sample(variable.level_values()[chosen], w)
        return {} if sample is None else {None: sample}
    result = {}
    for level in range(variable.n_levels):
        sample = _sample((chosen == level).astype(float), w)
        if sample is not None:
            result[level] = sample
    return result


def _two_sample_test(current: _Sample, previous: _Sample, is_share: bool, z: float) -> dict[str, float | str | None]:
    """Two-proportion z-test (Fisher's exact test when counts are small) or Welch's t-test."""
    n1, n2 = current.n_effective, previous.n_effective
    p1, p2 = current.value, previous.value
    difference = p1 - p2
    if is_share:
        x1, x2 = p1 * n1, p2 * n2
        pooled = (x1 + x2) / (n1 + n2)
        se0 = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        if se0 <= 0:
            return {}
        statistic: float | None = difference / se0
        if min(n1, n2) * min(pooled, 1 - pooled) < ct.SMALL_EXPECTED_2X2:
            a, c = round(x1), round(x2)
            p = float(ct.fisher_exact_2x2([a], [round(n1) - a], [c], [round(n2) - c])[0])
            test, statistic = str(ct.StatisticalTest.FISHER_EXACT), None
        else:
            p = float(2 * special.ndtr(-abs(statistic)))
            test = str(ct.StatisticalTest.TWO_PROPORTION_Z)
        low, high = ct.newcombe_interval(np.array([x1]), np.array([n1]), np.array([x2]), np.array([n2]), z)
        effect = 2 * (np.arcsin(np.sqrt(min(max(p1, 0), 1))) - np.arcsin(np.sqrt(min(max(p2, 0), 1))))
        return {
            "test": test,
            "statistic": statistic,
            "p": p,
            "low": float(low[0]),
            "high": float(high[0]),
            "effect_name": "cohens_h",
            "effect": float(effect),
        }
    if n1 < 2 or n2 < 2:
        return {}
    a1, a2 = current.variance / n1, previous.variance / n2
    se = np.sqrt(a1 + a2)
    if not se > 0:
        return {}
    t = difference / se
    dof = (a1 + a2) ** 2 / (a1**2 / (n1 - 1) + a2**2 / (n2 - 1))
    quantile = float(special.stdtrit(dof, special.ndtr(z)))
    margin = quantile * se
    pooled_sd = np.sqrt(((n1 - 1) * current.variance + (n2 - 1) * previous.variance) / (n1 + n2 - 2))
    return {
        "test": str(ct.StatisticalTest.WELCH_T),
        "statistic": float(t),
        "p": float(2 * special.stdtr(dof, -abs(t))),
        "low": float(difference - margin),
        "high": float(difference + margin),
        "effect_name": "cohens_d",
        "effect": float(difference / pooled_sd) if pooled_sd > 0 else 0.0,
    }


def _one_sample_test(current: _Sample, value: float, is_share: bool, z: float) -> dict[str, float | str | None]:
    """Against a fixed benchmark: the one-sample score z-test of a share (the exact binomial test when
    the expected counts are small), or the one-sample t-test of a mean."""
    n = current.n_effective
    difference = current.value - value
    if is_share:
        if not 0 < value < 1:
            return {}
        se0 = np.sqrt(value * (1 - value) / n)
        statistic: float | None = difference / se0
        if n * min(value, 1 - value) < ct.SMALL_EXPECTED_2X2:
            p = float(stats.binomtest(round(current.value * n), max(round(n), 1), value).pvalue)
            test, statistic = "binomial_exact", None
        else:
            p = float(2 * special.ndtr(-abs(statistic)))
            test = "one_sample_z"
        low, high = ct.wilson_interval(np.array([current.value * n]), np.array([n]), z)
        effect = 2 * (np.arcsin(np.sqrt(min(max(current.value, 0), 1))) - np.arcsin(np.sqrt(value)))
        return {
            "test": test,
            "statistic": statistic,
            "p": p,
            "low": float(low[0]) - value,
            "high": float(high[0]) - value,
            "effect_name": "cohens_h",
            "effect": float(effect),
        }
    if n < 2 or not current.variance > 0:
        return {}
    se = np.sqrt(current.variance / n)
    t = difference / se
    margin = float(special.stdtrit(n - 1, special.ndtr(z))) * se
    return {
        "test": "one_sample_t",
        "statistic": float(t),
        "p": float(2 * special.stdtr(n - 1, -abs(t))),
        "low": float(difference - margin),
        "high": float(difference + margin),
        "effect_name": "cohens_d",
        "effect": float(difference / np.sqrt(current.variance)),
    }


def _correlation_test(current: DriverEstimate, previous: DriverEstimate, z: float) -> dict[str, float | str | None]:
    """Two independent Spearman correlations: Fisher's z with the Bonett–Wright standard errors."""
    r1, r2 = float(current.rho), float(previous.rho)
    if current.n < 4 or previous.n < 4:
        return {}
    z1, z2 = np.arctanh(np.clip(r1, -0.999999, 0.999999)), np.arctanh(np.clip(r2, -0.999999, 0.999999))
    se = np.sqrt((1 + r1 * r1 / 2) / (current.n - 3) + (1 + r2 * r2 / 2) / (previous.n - 3))
    statistic = (z1 - z2) / se
    # interval of ρ1 − ρ2 by Zou's (2007) method from the two Fisher-z intervals
    half1 = z * np.sqrt((1 + r1 * r1 / 2) / (current.n - 3))
    half2 = z * np.sqrt((1 + r2 * r2 / 2) / (previous.n - 3))
    l1, u1 = np.tanh(z1 - half1), np.tanh(z1 + half1)
    l2, u2 = np.tanh(z2 - half2), np.tanh(z2 + half2)
    d = r1 - r2
    return {
        "test": "fisher_z_correlations",
        "statistic": float(statistic),
        "p": float(2 * special.ndtr(-abs(statistic))),
        "low": float(d - np.sqrt((r1 - l1) ** 2 + (u2 - r2) ** 2)),
        "high": float(d + np.sqrt((u1 - r1) ** 2 + (r2 - l2) ** 2)),
        "effect_name": "cohens_q",
        "effect": float(z1 - z2),
    }


REFERENCE_TEST_LABELS: Mapping[str, str] = {
    "one_sample_z": gettext_noop("one-sample z-test against the benchmark"),
    "binomial_exact": gettext_noop("exact binomial test against the benchmark"),
    "one_sample_t": gettext_noop("one-sample t-test against the benchmark"),
    "fisher_z_correlations": gettext_noop("Fisher's z-test of two correlations"),
    **{str(key): label for key, label in ct.TEST_LABELS.items()},
}


def compare_with_references(
    questions: Sequence[ct.CodedVariable],
    segments: Sequence[ct.CodedVariable] = (),
    *,
    weights: np.ndarray | None = None,
    benchmarks: Sequence[BenchmarkValue] = (),
    previous: PreviousWave | None = None,
    drivers: Sequence["DriverInput"] = (),
    confidence_level: float = 0.95,
) -> References:
    """Test the current estimates against the previous wave and the benchmarks the researcher entered.

    * previous wave, everyone: every level's share of each nominal question and the mean of each
      ordinal question present in both waves with the same levels — the two-proportion z-test
      (Fisher's exact test when counts are small) or Welch's t-test on effective n; one BH family
      with the benchmark tests (``REFERENCE_FAMILY``).
    * benchmarks: the one-sample z-test of a share (exact binomial test when n·p₀ or n·(1 − p₀) is
      below 5) or the one-sample t-test of a mean, for everyone or the segment group entered.
    * previous wave, per segment group (segment variables in both waves): the same tests, in their
      own family (``GROUP_REFERENCE_FAMILY``): they judge whether a segment finding is new.
    * previous wave, KPI drivers: Spearman's ρ now vs then, Fisher's z-test with Bonett–Wright
      standard errors (``DRIVER_REFERENCE_FAMILY``).
    """
    n = int(np.asarray(questions[0].codes).size) if questions else 0
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    z = float(special.ndtri(0.5 + confidence_level / 2))
    rows: dict[str, list[dict[str, object]]] = {
        REFERENCE_FAMILY: [],
        GROUP_REFERENCE_FAMILY: [],
        DRIVER_REFERENCE_FAMILY: [],
    }
    by_key = {v.key: v for v in questions}
    segment_by_key = {v.key: v for v in segments}

    def add(family: str, source: ReferenceSource, key: tuple, now: _Sample, result: dict, ref: float, then=None):
        if not result:
            return
        variable = by_key.get(key[0])
        estimate = "mean" if variable is not None and variable.measurement is ct.Measurement.ORDINAL else "proportion"
        rows[family].append(
            {
                "source": source,
                "question": key[0],
                "level": key[1],
                "segment_variable": key[2],
                "segment": key[3],
                "estimate": estimate,
                "current": now.value,
                "reference": ref,
                "n": now.n,
                "n_effective": now.n_effective,
                "n_reference": None if then is None else then.n,
                "n_effective_reference": None if then is None else then.n_effective,
                "difference": now.value - ref,
                "ci_low": result["low"],
                "ci_high": result["high"],
                "test": result["test"],
                "statistic": result["statistic"],
                "p_value": result["p"],
                "effect_size_name": result["effect_name"],
                "effect_size": result["effect"],
            }
        )

    if previous is not None and previous.questions:
        m = int(np.asarray(previous.questions[0].codes).size)
        w_prev = np.ones(m) if previous.weights is None else np.asarray(previous.weights, dtype=float)
        previous_by_key = {v.key: v for v in previous.questions}
        previous_segments = {v.key: v for v in previous.segments}
        groups: list[tuple[str | None, int | None, np.ndarray | None, np.ndarray | None]] = [(None, None, None, None)]
        for key, segment in segment_by_key.items():
            then_segment = previous_segments.get(key)
            if then_segment is None or then_segment.n_levels != segment.n_levels:
                continue
            for level in range(segment.n_levels):
                groups.append((key, level, np.asarray(segment.codes) == level, np.asarray(then_segment.codes) == level))
        for variable in questions:
            then_variable = previous_by_key.get(variable.key)
            if (
                then_variable is None
                or then_variable.n_levels != variable.n_levels
                or then_variable.measurement is not variable.measurement
            ):
                continue
            is_share = variable.measurement is ct.Measurement.NOMINAL
            for segment_key, level, mask_now, mask_then in groups:
                if segment_key is not None and _derived(variable.key, segment_key):
                    continue
                now_samples = _variable_samples(variable, w, mask_now)
                then_samples = _variable_samples(then_variable, w_prev, mask_then)
                for answer, now in now_samples.items():
                    then = then_samples.get(answer)
                    if then is None:
                        continue
                    result = _two_sample_test(now, then, is_share, z)
                    family = REFERENCE_FAMILY if segment_key is None else GROUP_REFERENCE_FAMILY
                    key = (variable.key, answer, segment_key, level)
                    add(family, ReferenceSource.PREVIOUS_WAVE, key, now, result, then.value, then)
        for driver in drivers:
            then_kpi = previous.numeric.get(driver.kpi.key)
            if then_kpi is None:
                continue
            then_ratings = {k: previous.numeric[k] for k in driver.ratings if k in previous.numeric}
            if not then_ratings:
                continue
            now_estimates = {e.rating: e for e in estimate_drivers(driver.kpi_values, driver.ratings)}
            for then_estimate in estimate_drivers(then_kpi, then_ratings):
                now_estimate = now_estimates.get(then_estimate.rating)
                if now_estimate is None or now_estimate.rho is None or then_estimate.rho is None:
                    continue
                result = _correlation_test(now_estimate, then_estimate, z)
                if not result:
                    continue
                now = _Sample(now_estimate.n, float(now_estimate.n), float(now_estimate.n), now_estimate.rho, 0.0)
                then = _Sample(then_estimate.n, float(then_estimate.n), float(then_estimate.n), then_estimate.rho, 0.0)
                key = (then_estimate.rating, None, None, None)
                add(DRIVER_REFERENCE_FAMILY, ReferenceSource.PREVIOUS_WAVE, key, now, result, then.value, then)
                rows[DRIVER_REFERENCE_FAMILY][-1]["estimate"] = "spearman_rho"
                rows[DRIVER_REFERENCE_FAMILY][-1]["kpi"] = driver.kpi.key

    for benchmark in benchmarks:
        variable = by_key.get(benchmark.question)
        if variable is None:
            continue
        is_share = variable.measurement is ct.Measurement.NOMINAL
        if is_share != (benchmark.level is not None):
            continue
        mask = None
        if benchmark.segment_variable is not None:
            segment = segment_by_key.get(benchmark.segment_variable)
            if segment is None or benchmark.segment is None:
                continue
            mask = np.asarray(segment.codes) == benchmark.segment
        now = _variable_samples(variable, w, mask).get(benchmark.level)
        if now is None:
            continue
        result = _one_sample_test(now, benchmark.value, is_share, z)
        key = (benchmark.question, benchmark.level, benchmark.segment_variable, benchmark.segment)
        add(REFERENCE_FAMILY, ReferenceSource.BENCHMARK, key, now, result, benchmark.value)

    tests = []
    for family, family_rows in rows.items():
        q = ct.benjamini_hochberg(np.array([r["p_value"] for r in family_rows], dtype=float))
        for row, q_value in zip(family_rows, q.tolist(), strict=True):
            tests.append(ReferenceTest(q_value=q_value, family=family, family_size=len(family_rows), **row))
    return References(
        tests=tuple(tests),
        has_previous_wave=previous is not None,
        has_benchmarks=bool(benchmarks),
        confidence_level=confidence_level,
    )


def _derived(question_key: str, segment_key: str) -> bool:
    """NPS groups cut from the question itself: comparing them over time says nothing new."""
    return segment_key.startswith(question_key + "__")


_SOURCE_WORDS = {
    ReferenceSource.PREVIOUS_WAVE: gettext_noop("the previous wave"),
    ReferenceSource.BENCHMARK: gettext_noop("the benchmark"),
}


def _surprising(candidate: CandidateInsight, references: References | None, alpha: float) -> Criterion:
    """Whether the finding differs from what was known: the previous wave or a benchmark entered."""
    if candidate.kind in (CandidateKind.WAVE_CHANGE, CandidateKind.BENCHMARK_GAP):
        return Criterion(
            True,
            message(
                gettext_noop("Differs from what was expected: q = {q:.3g} over a family of {family_size} tests."),
                q=candidate.evidence.q_value,
                family_size=candidate.evidence.family_size,
            ),
        )
    if references is None or not (references.has_previous_wave or references.has_benchmarks):
        return Criterion(
            None,
            message(
                gettext_noop(
                    "No benchmark entered and no previous wave linked: cannot say whether this is already known."
                )
            ),
        )
    if candidate.kind is CandidateKind.KPI_DRIVER:
        found = [t for t in references.find((candidate.question, None, None, None)) if t.kpi == candidate.kpi]
    elif candidate.kind is CandidateKind.SEGMENT_DIFFERENCE:
        level = None if candidate.evidence.estimate == "mean" else candidate.answer_level
        found = references.find((candidate.question, level, candidate.segment_variable, candidate.segment))
    else:
        found = []
    if not found:
        return Criterion(
            None,
            message(
                gettext_noop(
                    "No benchmark or previous-wave value for this finding: enter one to judge whether it is new."
                )
            ),
        )
    test = min(found, key=lambda t: t.q_value)
    params = {
        "current": test.current,
        "reference": test.reference,
        "q": test.q_value,
        "family_size": test.family_size,
    }
    if test.q_value < alpha:
        template = {
            ReferenceSource.PREVIOUS_WAVE: gettext_noop(
                "New since the previous wave: {current:.3g} now vs {reference:.3g} then (q = {q:.3g}, "
                "family of {family_size})."
            ),
            ReferenceSource.BENCHMARK: gettext_noop(
                "Differs from the benchmark entered: {current:.3g} vs {reference:.3g} expected (q = {q:.3g}, "
                "family of {family_size})."
            ),
        }[test.source]
        return Criterion(True, message(template, **params))
    template = {
        ReferenceSource.PREVIOUS_WAVE: gettext_noop(
            "Already seen in the previous wave: {current:.3g} now vs {reference:.3g} then, no significant change "
            "(q = {q:.3g})."
        ),
        ReferenceSource.BENCHMARK: gettext_noop(
            "As expected from the benchmark: {current:.3g} vs {reference:.3g} (q = {q:.3g}), no significant gap."
        ),
    }[test.source]
    return Criterion(False, message(template, **params))


SURPRISE_FACTORS = {True: 1.5, None: 1.0, False: 0.75}


def apply_references(
    candidates: Sequence[CandidateInsight], references: References | None, thresholds: InsightThresholds
) -> list[CandidateInsight]:
    """Set every candidate's *surprising* criterion from the references and weigh its score by it:
    × 1.5 when it differs from what was known, × 0.75 when it only repeats it, unchanged when
    nothing was entered to judge by."""
    result = []
    for candidate in candidates:
        surprising = _surprising(candidate, references, thresholds.alpha)
        base = _d_units(candidate.evidence.effect_size_name, candidate.evidence.effect_size)
        base *= 2.0 if candidate.criteria.actionable.value else 1.0
        result.append(
            replace(
                candidate,
                criteria=replace(candidate.criteria, surprising=surprising),
                score=float(base * SURPRISE_FACTORS[surprising.value]),
            )
        )
    return result


def find_reference_changes(
    references: References,
    questions: Mapping[str, QuestionInfo],
    segments: Mapping[str, SegmentInfo],
    *,
    is_weighted: bool,
    thresholds: InsightThresholds | None = None,
    skew: Mapping[str, SkewInfo] | None = None,
) -> list[CandidateInsight]:
    """Changes since the previous wave (everyone) and gaps from the benchmarks entered, significant
    after BH over ``REFERENCE_FAMILY``, with a large enough effect and enough answers."""
    thresholds = thresholds or InsightThresholds()
    skew = skew or {}
    candidates = []
    for test in references.tests:
        if test.family != REFERENCE_FAMILY:
            continue
        smallest = min(x for x in (test.n_effective, test.n_effective_reference) if x is not None)
        if not (
            test.q_value < thresholds.alpha
            and abs(test.effect_size) >= thresholds.min_effect_size
            and smallest >= thresholds.min_group_n
        ):
            continue
        question = questions.get(test.question) or QuestionInfo(test.question, Text(test.question, test.question))
        segment = segments.get(test.segment_variable) if test.segment_variable else None
        direction = Direction.HIGHER if test.difference > 0 else Direction.LOWER
        is_mean = test.estimate == "mean"
        source = "wave" if test.source is ReferenceSource.PREVIOUS_WAVE else "benchmark"
        statements = {}
        for language in _LANGUAGES:
            prefix = ""
            if segment is not None and test.segment is not None:
                prefix = _words(
                    "in_group",
                    language,
                    variable=_label(segment.label, language),
                    group=_level_label(segment.level_labels, test.segment, language),
                )
            template = f"{source}_{'mean' if is_mean else 'share'}"
            if is_mean:
                scale = "" if question.scale_max is None else _words("scale", language, max=_scale(question, language))
                text = _TEMPLATES[template][language].format(
                    prefix=prefix,
                    question=_label(question.label, language),
                    direction=_words(f"{template}_{direction}", language),
                    a=format_number(test.current, language),
                    b=format_number(test.reference, language),
                    scale=scale,
                )
            else:
                decimals = _share_decimals(test.current, test.reference)
                text = _TEMPLATES[template][language].format(
                    prefix=prefix,
                    question=_label(question.label, language),
                    answer=_level_label(question.level_labels, int(test.level), language),
                    direction=_words(f"{template}_{direction}", language),
                    a=format_percent(test.current, language, decimals),
                    b=format_percent(test.reference, language, decimals),
                )
            statements[language] = text[:1].upper() + text[1:]
        evidence = Evidence(
            test=test.test,
            test_label=REFERENCE_TEST_LABELS.get(test.test, test.test),
            estimate=test.estimate,
            n_group=test.n,
            n_rest=test.n_reference,
            n_effective_group=test.n_effective,
            n_effective_rest=test.n_effective_reference,
            estimate_group=test.current,
            estimate_rest=test.reference,
            difference=test.difference,
            ci_low=test.ci_low,
            ci_high=test.ci_high,
            confidence_level=references.confidence_level,
            ci_method="newcombe_hybrid_score"
            if test.test in ("two_proportion_z", "fisher_exact")
            else ("wilson" if test.estimate == "proportion" else "t"),
            effect_size_name=test.effect_size_name,
            effect_size=test.effect_size,
            p_value=test.p_value,
            q_value=test.q_value,
            family=REFERENCE_FAMILY,
            family_size=test.family_size,
            is_weighted=is_weighted,
            reach=None,
        )
        actionable = question.is_kpi
        kind = CandidateKind.WAVE_CHANGE if source == "wave" else CandidateKind.BENCHMARK_GAP
        level_part = "mean" if is_mean else f"answer{test.level}"
        group_part = f":{test.segment_variable}:{test.segment}" if test.segment_variable else ""
        variables = [(question.key, question.label)]
        if segment is not None:
            variables.insert(0, (segment.key, segment.label))
        candidates.append(
            _candidate(
                id=f"{kind}:{test.question}:{level_part}{group_part}",
                kind=kind,
                question=test.question,
                segment_variable=test.segment_variable,
                segment=test.segment,
                answer_level=test.level,
                kpi=test.question if question.is_kpi else None,
                direction=direction,
                statements=statements,
                evidence=evidence,
                criteria=_criteria(
                    evidence, thresholds, specific=segment is not None or not is_mean, actionable=actionable
                ),
                caveats=_caveats(variables, skew),
                quotes=(),
                actionable=actionable,
            )
        )
    return candidates


# --------------------------------------------------------------------------- impact and effort

IMPACT_HIGH = 0.3
IMPACT_MEDIUM = 0.1
KPI_FACTOR = 2.0
EFFORT_NARROW_REACH = 0.2  # an action for less than a fifth of the customers


@dataclass(frozen=True, slots=True)
class ImpactEffort:
    """A first estimate the analyst can override: impact = reach × effect × KPI tie; effort by reach.

    * reach: the share of respondents the finding is about (its segment group; everyone for a
      driver or a change of the whole sample);
    * effect: the effect size in Cohen's-d units (ρ converted to d);
    * KPI tie: × 2 when the finding is about a KPI question, a KPI grouping or a KPI driver.
    Impact is high from 0.3, medium from 0.1. Effort follows a simple rule: an action aimed at one
    group of under 20 % of the customers is low effort, a larger group medium, everyone high.
    """

    impact: str
    impact_score: float
    reach: float
    effect: float
    kpi_factor: float
    effort: str
    effort_rule: str


def estimate_impact_effort(candidate: CandidateInsight) -> ImpactEffort:
    evidence = candidate.evidence
    reach = 1.0 if evidence.reach is None else float(evidence.reach)
    effect = float(_d_units(evidence.effect_size_name, evidence.effect_size))
    kpi_factor = KPI_FACTOR if candidate.criteria.actionable.value else 1.0
    score = reach * effect * kpi_factor
    impact = "high" if score >= IMPACT_HIGH else ("medium" if score >= IMPACT_MEDIUM else "low")
    if candidate.segment_variable is None or candidate.segment is None:
        effort, rule = "high", "everyone"
    elif reach < EFFORT_NARROW_REACH:
        effort, rule = "low", "narrow_group"
    else:
        effort, rule = "medium", "large_group"
    return ImpactEffort(impact, float(score), reach, effect, kpi_factor, effort, rule)


# --------------------------------------------------------------------------- everything together


@dataclass(frozen=True, slots=True, eq=False)
class ThemeInput:
    membership: np.ndarray
    themes: tuple[QuestionInfo, ...]
    answered: np.ndarray | None = None
    texts: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, eq=False)
class DriverInput:
    kpi: QuestionInfo
    kpi_values: np.ndarray
    ratings: Mapping[str, np.ndarray]


def generate_insights(
    family: ct.CrosstabFamily,
    questions: Mapping[str, QuestionInfo],
    segments: Mapping[str, SegmentInfo],
    *,
    segment_variables: Sequence[ct.CodedVariable] = (),
    themes: ThemeInput | None = None,
    drivers: Sequence[DriverInput] = (),
    weights: np.ndarray | None = None,
    thresholds: InsightThresholds | None = None,
    skew: Mapping[str, SkewInfo] | None = None,
    references: References | None = None,
) -> InsightReport:
    """Every candidate, ranked (actionable, large and surprising effects first), duplicates merged, with warnings.

    Warns, instead of inventing segment insights, when no segment group reaches ``min_group_n``
    answers, and says how many tests each family held. ``references`` (``compare_with_references``)
    adds the changes since the previous wave and the gaps from benchmarks, and judges every
    candidate's *surprising* criterion; without it the criterion says nothing was entered.
    """
    thresholds = thresholds or InsightThresholds()
    thresholds.check()
    warnings: list[Message] = []
    sizes: dict[str, int] = {
        "omnibus tests": family.omnibus_family_size,
        "segment comparisons": family.comparison_family_size,
    }
    largest_group = float(np.max(np.minimum(family.comparison_neff_group, family.comparison_neff_rest), initial=0.0))
    if family.pair_count and largest_group < thresholds.min_group_n:
        warnings.append(
            message(
                gettext_noop(
                    "Too few answers for segment insights: no segment group and its comparison group both reach "
                    "{minimum} answers (the best has {n:.0f}). Collect more answers before comparing segments."
                ),
                minimum=thresholds.min_group_n,
                n=largest_group,
            )
        )
    if family.pair_count and family.omnibus_family_size == 0:
        warnings.append(message(gettext_noop("No question × segment table could be tested.")))
    candidates = find_segment_differences(family, questions, segments, thresholds=thresholds, skew=skew)
    if themes is not None:
        found, size = find_theme_concentrations(
            themes.membership,
            themes.themes,
            segment_variables,
            segments,
            answered=themes.answered,
            texts=themes.texts,
            weights=weights,
            thresholds=thresholds,
            skew=skew,
        )
        candidates += found
        sizes["themes × segment groups"] = size
    for driver in drivers:
        found, estimates = find_kpi_drivers(
            driver.kpi, driver.kpi_values, driver.ratings, questions, thresholds=thresholds, skew=skew
        )
        candidates += found
        sizes["KPI drivers of " + driver.kpi.key] = sum(e.rho is not None for e in estimates)
    if references is not None:
        candidates += find_reference_changes(
            references, questions, segments, is_weighted=family.is_weighted, thresholds=thresholds, skew=skew
        )
        for test in references.tests:
            sizes[test.family] = test.family_size
    candidates = apply_references(candidates, references, thresholds)
    return InsightReport(
        candidates=rank_candidates(candidates),
        warnings=tuple(warnings),
        thresholds=thresholds,
        family_sizes=sizes,
    )


def rank_candidates(candidates: Sequence[CandidateInsight]) -> tuple[CandidateInsight, ...]:
    """Merge candidates with the same id (keeping the strongest) and rank by score, then q."""
    best: dict[str, CandidateInsight] = {}
    for candidate in candidates:
        kept = best.get(candidate.id)
        if kept is None or (candidate.score, -candidate.evidence.q_value) > (kept.score, -kept.evidence.q_value):
            best[candidate.id] = candidate
    ordered = sorted(best.values(), key=lambda c: (-c.score, c.evidence.q_value, c.id))
    return tuple(_with_rank(candidate, position + 1) for position, candidate in enumerate(ordered))


def _with_rank(candidate: CandidateInsight, rank: int) -> CandidateInsight:
    return replace(candidate, rank=rank)
