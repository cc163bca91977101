"""Per-question summaries against hand-computed values and independent computations."""

import math
import statistics
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.core.results import (
    METHOD_MEAN,
    METHOD_NPS,
    METHOD_SHARES,
    ResultsInputError,
    merge_versions,
    net_promoter_score,
    nice_bin_edges,
    segment_questions,
    summarize_by_segment,
    summarize_question,
    weighted_median,
    weights_for,
)
from surveys.core.questionnaire import (
    ChoiceSpec,
    PageSpec,
    QuestionSpec,
    QuestionType,
    RoleKind,
    RoleSpec,
    SurveySpec,
    Text,
)

Z95 = NormalDist().inv_cdf(0.975)


def choices(*codes: str, other: str = "") -> tuple[ChoiceSpec, ...]:
    return tuple(ChoiceSpec(code, Text(vi=code.upper(), en=code.upper()), is_other=code == other) for code in codes)


def question(type_: QuestionType, key: str = "q", **fields) -> QuestionSpec:
    return QuestionSpec(key=key, type=type_, text=Text(vi="Câu hỏi?", en="Question?"), **fields)


SINGLE = question(QuestionType.SINGLE_CHOICE, choices=choices("a", "b", "c", other="c"))
MULTIPLE = question(QuestionType.MULTIPLE_CHOICE, choices=choices("web", "app", "shop"))
RATING = question(
    QuestionType.RATING, choices=tuple(ChoiceSpec(str(n)) for n in range(1, 6)), allow_not_applicable=True
)
NPS = question(QuestionType.NPS)
NUMBER = question(QuestionType.NUMBER)


def shares(summary) -> dict[str, float]:
    return {share.code: share.share for share in summary.shares}


# --- choice questions ----------------------------------------------------------------------


def test_single_choice_counts_shares_and_wald_margins_by_hand():
    summary = summarize_question(SINGLE, ["a", "a", "b", None, "c"], others=[None, None, None, None, "Zalo"])
    assert (summary.n, summary.base, summary.is_weighted, summary.method) == (4, 5, False, METHOD_SHARES)
    assert [s.count for s in summary.shares] == [2, 1, 1]
    assert shares(summary) == {"a": 0.5, "b": 0.25, "c": 0.25}
    a = summary.shares[0]
    assert a.margin_of_error == pytest.approx(Z95 * math.sqrt(0.5 * 0.5 / 4))  # 0.49
    assert (a.lower, a.upper) == pytest.approx((0.5 - 0.48999, 0.5 + 0.48999), abs=1e-4)
    assert summary.effective_n == 4 and summary.design_effect == 1
    assert summary.other_texts == ("Zalo",) and summary.other_count == 1


def test_weighted_single_choice_uses_kish_effective_n():
    summary = summarize_question(SINGLE, ["a", "b", "a", "b"], weights=[1, 1, 2, 4])
    # Σw = 8, Σw² = 22, n_eff = 64/22; p_a = 3/8
    n_eff = 64 / 22
    assert summary.is_weighted and summary.effective_n == pytest.approx(n_eff)
    assert summary.design_effect == pytest.approx(4 / n_eff)
    assert shares(summary)["a"] == pytest.approx(0.375)
    assert summary.shares[0].weighted_count == 3
    assert summary.shares[0].margin_of_error == pytest.approx(Z95 * math.sqrt(0.375 * 0.625 / n_eff))


def test_equal_weights_give_the_unweighted_results():
    answers = ["a", "b", "b", "c", None, "a", "b"]
    plain = summarize_question(SINGLE, answers)
    weighted = summarize_question(SINGLE, answers, weights=[2.5] * len(answers))
    for left, right in zip(plain.shares, weighted.shares, strict=True):
        assert left.share == pytest.approx(right.share)
        assert left.margin_of_error == pytest.approx(right.margin_of_error)
    assert weighted.effective_n == pytest.approx(plain.n)


def test_multiple_choice_shares_are_of_respondents_and_may_add_above_one():
    summary = summarize_question(MULTIPLE, [["web", "app"], ["web"], None, ["shop", "web"]])
    assert summary.n == 3
    assert shares(summary) == pytest.approx({"web": 1.0, "app": 1 / 3, "shop": 1 / 3})
    assert sum(shares(summary).values()) > 1


def test_weighted_multiple_choice():
    summary = summarize_question(MULTIPLE, [["web", "app"], ["app"], ["shop"]], weights=[1, 2, 1])
    assert shares(summary) == pytest.approx({"web": 0.25, "app": 0.75, "shop": 0.25})
    assert summary.effective_n == pytest.approx(16 / 6)


def test_answers_that_do_not_fit_are_reported_not_counted():
    summary = summarize_question(SINGLE, ["a", "zzz", 3, ["a"], None])
    assert (summary.n, summary.n_invalid) == (1, 3)
    multiple = summarize_question(MULTIPLE, [["web", "nope"], "web", ["app"]])
    assert (multiple.n, multiple.n_invalid) == (1, 2)


# --- scales and numbers --------------------------------------------------------------------


def test_rating_mean_median_sd_and_t_interval_match_scipy():
    values = [5, 4, 4, 3, 5, 2, 4]
    summary = summarize_question(RATING, [*values, "n/a", None])
    estimate = summary.estimate
    assert summary.n == 7 and summary.not_applicable == 1 and summary.method == METHOD_MEAN
    assert estimate.mean == pytest.approx(statistics.mean(values))
    assert estimate.median == statistics.median(values)
    assert estimate.standard_deviation == pytest.approx(statistics.stdev(values))
    low, high = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert (estimate.lower, estimate.upper) == pytest.approx((low, high))
    assert [s.count for s in summary.shares] == [0, 1, 1, 3, 2]
    assert sum(shares(summary).values()) == pytest.approx(1)


def test_rating_off_the_scale_is_invalid():
    summary = summarize_question(RATING, [4, 7, "n/a", True])
    assert (summary.n, summary.n_invalid, summary.not_applicable) == (1, 2, 1)


def test_number_distribution_per_value_and_in_bins():
    few = summarize_question(NUMBER, [1, 2, 2, 3.5, None])
    assert [(s.code, s.count) for s in few.shares] == [("1", 1), ("2", 2), ("3.5", 1)]
    assert few.estimate.median == 2
    many = summarize_question(NUMBER, list(range(100)))
    assert 5 <= len(many.shares) <= 20
    assert sum(s.count for s in many.shares) == 100
    assert many.estimate.mean == pytest.approx(49.5)


def test_one_answer_has_no_interval():
    summary = summarize_question(NUMBER, [7, None])
    assert summary.estimate.mean == 7 and summary.estimate.margin_of_error is None


def test_weighted_median_is_numpys_for_equal_weights_and_splits_at_half():
    assert weighted_median(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4)) == 2.5
    assert weighted_median(np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0])) == 3.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(1, 5)), min_size=1, max_size=30))
def test_weighted_median_equals_the_median_of_repeated_values(pairs):
    values = np.array([float(v) for v, _ in pairs])
    counts = np.array([float(c) for _, c in pairs])
    assert weighted_median(values, counts) == pytest.approx(float(np.median(np.repeat(values, counts.astype(int)))))


# --- NPS ---------------------------------------------------------------------------------------


def test_nps_score_and_margin_by_hand():
    answers = [10] * 50 + [7] * 30 + [3] * 20
    summary = summarize_question(NPS, answers)
    nps = summary.nps
    assert summary.method == METHOD_NPS
    assert nps.score == pytest.approx(30)
    # Var = (0.5 + 0.2 − 0.3²) / 100 = 0.0061 → SE 7.81 points, margin 15.31
    assert nps.standard_error == pytest.approx(100 * math.sqrt(0.0061))
    assert nps.margin_of_error == pytest.approx(Z95 * 100 * math.sqrt(0.0061))
    assert (nps.promoters.count, nps.passives.count, nps.detractors.count) == (50, 30, 20)


def test_nps_variance_equals_that_of_the_plus_one_zero_minus_one_score():
    rng = np.random.default_rng(7)
    answers = rng.integers(0, 11, 500).tolist()
    nps = summarize_question(NPS, answers).nps
    x = np.where(np.array(answers) >= 9, 1.0, np.where(np.array(answers) <= 6, -1.0, 0.0))
    assert nps.score == pytest.approx(100 * x.mean())
    assert nps.standard_error == pytest.approx(100 * math.sqrt(x.var() / x.size))


def test_weighted_nps():
    summary = summarize_question(NPS, [10, 9, 7, 0, 6], weights=[1, 2, 1, 1, 3])
    assert summary.nps.score == pytest.approx(100 * (3 / 8 - 4 / 8))
    n_eff = 64 / 16
    assert summary.effective_n == pytest.approx(n_eff)
    p, d = 3 / 8, 4 / 8
    assert summary.nps.standard_error == pytest.approx(100 * math.sqrt((p + d - (p - d) ** 2) / n_eff))


def test_nps_refuses_impossible_shares():
    with pytest.raises(ResultsInputError):
        net_promoter_score(0.7, 0.5, 100)
    with pytest.raises(ResultsInputError):
        net_promoter_score(0.5, 0.2, 0)


def test_nps_out_of_range_is_invalid():
    summary = summarize_question(NPS, [10, 11, 2.5, "9"])
    assert (summary.n, summary.n_invalid) == (1, 3)


# --- matrix, ranking, text, date -------------------------------------------------------------


def test_matrix_rows_distribution_and_mean_of_positions():
    matrix = question(
        QuestionType.MATRIX,
        choices=choices("bad", "ok", "good"),
        rows=choices("speed", "price"),
        allow_not_applicable=True,
    )
    summary = summarize_question(
        matrix, [{"speed": "good", "price": "ok"}, {"speed": "bad"}, {"price": "n/a"}, None, {"speed": "meh"}]
    )
    speed, price = summary.rows
    assert (speed.n, price.n, price.not_applicable) == (2, 1, 1)
    assert [s.share for s in speed.shares] == [0.5, 0, 0.5]
    assert speed.estimate.mean == 2 and speed.mean_basis == "position"
    assert summary.n == 3 and summary.n_invalid == 1


def test_matrix_mean_of_numeric_codes():
    matrix = question(QuestionType.MATRIX, choices=choices("1", "2", "5"), rows=choices("r"))
    assert summarize_question(matrix, [{"r": "5"}, {"r": "2"}]).rows[0].estimate.mean == 3.5


def test_ranking_mean_rank_and_first_place():
    ranking = question(QuestionType.RANKING, choices=choices("price", "speed", "service"))
    summary = summarize_question(
        ranking, [["price", "speed", "service"], ["speed", "price"], ["speed", "service", "price"], None]
    )
    items = {item.code: item for item in summary.ranks}
    assert summary.n == 3
    assert items["price"].mean_rank == pytest.approx((1 + 2 + 3) / 3)
    assert items["speed"].mean_rank == pytest.approx((2 + 1 + 1) / 3)
    assert items["service"].mean_rank == pytest.approx((3 + 2) / 2) and items["service"].n == 2
    assert items["speed"].first_place.share == pytest.approx(2 / 3)
    assert sum(item.first_place.share for item in summary.ranks) == pytest.approx(1)


def test_text_counts_answers():
    summary = summarize_question(question(QuestionType.LONG_TEXT), ["Tốt", "  ", None, "Chậm", 5])
    assert (summary.n, summary.n_invalid) == (2, 1)


def test_date_range_and_months():
    summary = summarize_question(
        question(QuestionType.DATE), ["2026-01-03", "2026-02-01", "2026-01-20", None, "yesterday"]
    )
    assert (summary.first_date, summary.last_date) == ("2026-01-03", "2026-02-01")
    assert [(s.code, s.count) for s in summary.shares] == [("2026-01", 2), ("2026-02", 1)]
    assert summary.n_invalid == 1


# --- segments, versions, inputs ---------------------------------------------------------------


def test_segment_breakdown_marks_small_segments():
    region = question(QuestionType.SINGLE_CHOICE, key="region", choices=choices("north", "south"))
    segments = ["north"] * 40 + ["south"] * 10 + [None] * 3
    answers = [9] * 30 + [3] * 10 + [10] * 10 + [5] * 3
    breakdown = summarize_by_segment(NPS, answers, region, segments)
    north, south = breakdown.segments
    assert (north.summary.n, south.summary.n, breakdown.unsegmented) == (40, 10, 3)
    assert north.summary.nps.score == pytest.approx(100 * (30 - 10) / 40)
    assert not north.precision.is_too_small and south.precision.is_too_small
    assert south.precision.margin_of_error == pytest.approx(Z95 * math.sqrt(0.25 / 10))


def test_segment_question_must_be_single_choice():
    with pytest.raises(ResultsInputError):
        summarize_by_segment(NPS, [1], MULTIPLE, [["web"]])


def test_segment_questions_put_demographics_first():
    plain = question(QuestionType.SINGLE_CHOICE, key="plain", choices=choices("a", "b"))
    region = question(
        QuestionType.SINGLE_CHOICE,
        key="region",
        choices=choices("n", "s"),
        role=RoleSpec(RoleKind.DEMOGRAPHIC, "region"),
    )
    assert [q.key for q in segment_questions([plain, NPS, region])] == ["region", "plain"]


def test_merge_versions_keeps_current_labels_and_appends_old_options_and_questions():
    current = SurveySpec(
        title=Text(vi="S"),
        pages=(PageSpec("p", questions=(question(QuestionType.SINGLE_CHOICE, key="q", choices=choices("a", "b")),)),),
    )
    old_q = question(QuestionType.SINGLE_CHOICE, key="q", choices=(ChoiceSpec("a", Text(vi="cũ")), *choices("x")))
    older = SurveySpec(
        title=Text(vi="S"), pages=(PageSpec("p", questions=(old_q, question(QuestionType.NPS, "gone"))),)
    )
    merged = merge_versions(current, [older])
    assert [q.key for q in merged] == ["q", "gone"]
    assert [c.value for c in merged[0].choices] == ["a", "b", "x"]
    assert merged[0].choices[0].label.vi == "A"


def test_bad_weights_and_levels_are_refused():
    with pytest.raises(ResultsInputError):
        summarize_question(SINGLE, ["a", "b"], weights=[1.0])
    with pytest.raises(ResultsInputError):
        summarize_question(SINGLE, ["a", "b"], weights=[1.0, -1.0])
    with pytest.raises(ResultsInputError):
        summarize_question(SINGLE, ["a", "b"], weights=[1.0, float("nan")])
    with pytest.raises(ResultsInputError):
        summarize_question(SINGLE, ["a"], confidence_level=1.5)
    with pytest.raises(ResultsInputError):
        summarize_question(SINGLE, ["a"], others=[])


def test_no_answers_gives_an_empty_summary():
    summary = summarize_question(NPS, [None, None])
    assert summary.is_empty and summary.nps is None and summary.estimate is None


def test_weights_for_picks_the_weighted_ids():
    mask, values = weights_for([3, 5, 9], {3: 0.5, 9: 2.0})
    assert mask.tolist() == [True, False, True] and values.tolist() == [0.5, 2.0]


# --- properties ------------------------------------------------------------------------------

answer = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(answer, st.floats(0.05, 20, allow_nan=False)), min_size=1, max_size=60),
    st.booleans(),
)
def test_single_choice_percentages_add_to_100_and_n_matches(rows, use_weights):
    answers = [a for a, _ in rows]
    weights = [w for _, w in rows] if use_weights else None
    summary = summarize_question(SINGLE, answers, weights=weights)
    answered = sum(a is not None for a in answers)
    assert summary.n == answered == sum(s.count for s in summary.shares)
    if answered:
        assert sum(s.share for s in summary.shares) == pytest.approx(1)
        assert summary.effective_n <= answered + 1e-9
        assert summary.design_effect >= 1 - 1e-12
        assert all(0 <= s.lower <= s.share <= s.upper <= 1 for s in summary.shares)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(0, 10)), min_size=1, max_size=80))
def test_nps_groups_add_up_and_score_stays_in_range(answers):
    summary = summarize_question(NPS, answers)
    n = sum(a is not None for a in answers)
    assert summary.n == n
    if n:
        groups = summary.nps
        assert groups.promoters.share + groups.passives.share + groups.detractors.share == pytest.approx(1)
        assert -100 <= groups.lower <= groups.score <= groups.upper <= 100


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False), min_size=2, max_size=50),
    st.integers(1, 20),
)
def test_nice_bins_cover_every_value_with_a_round_width(values, bins):
    low, high = min(values), max(values)
    edges = nice_bin_edges(low, high, bins)
    assert edges[0] <= low and edges[-1] > high
    width = edges[1] - edges[0]
    mantissa = width / 10 ** math.floor(math.log10(width))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))
    assert len(edges) - 1 <= 2 * bins + 2


def test_number_bins_are_labelled_with_round_edges():
    summary = summarize_question(NUMBER, [0.6 + 0.3 * i for i in range(23)])  # 0.6 … 7.2
    assert summary.shares[0].code == "0–2" and summary.shares[-1].code == "6–8"
    assert sum(share.count for share in summary.shares) == 23
