"""The crosstab engine against scipy's scalar functions and published examples."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.stats import contingency

from analysis.core import crosstabs as ct
from analysis.core.crosstabs import CodedVariable, Measurement, NotTestable, StatisticalTest

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def codes_from_table(table) -> tuple[np.ndarray, np.ndarray]:
    """Respondent-level codes (question, segment) that cross-tabulate to ``table``."""
    table = np.asarray(table)
    q, s = np.nonzero(np.ones_like(table))
    counts = table.ravel()
    return np.repeat(q, counts), np.repeat(s, counts)


def single(table, measurement=Measurement.NOMINAL, values=None, weights=None, **kwargs):
    table = np.asarray(table)
    q, s = codes_from_table(table)
    question = CodedVariable("q", q, table.shape[0], measurement, values)
    segment = CodedVariable("s", s, table.shape[1])
    return ct.compute_crosstabs([question], [segment], weights=weights, **kwargs)


def random_codes(seed: int, n: int, levels: int, missing: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    codes = rng.choice(levels, size=n, p=rng.dirichlet(np.ones(levels)))
    codes[rng.random(n) < missing] = -1
    return codes


def compact(table: np.ndarray) -> np.ndarray:
    table = np.asarray(table)
    return table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]


# --------------------------------------------------------------------------- published examples


def test_party_identification_by_gender_matches_agresti():
    # Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5 and §2.4.4:
    # General Social Survey, party identification by gender; X² = 30.1, df = 2, P < 0.001.
    crosstab = single([[762, 484], [327, 239], [468, 477]]).crosstab("q", "s")
    assert crosstab.omnibus.test is StatisticalTest.PEARSON_CHI_SQUARE
    assert round(crosstab.omnibus.statistic, 1) == 30.1
    assert crosstab.omnibus.df == 2
    assert crosstab.omnibus.p_value < 0.001
    assert crosstab.omnibus.effect_size.value == pytest.approx(math.sqrt(30.0701 / 2757), abs=1e-4)


def test_tea_tasting_uses_fisher_exact_test():
    # Fisher's tea-tasting experiment (Agresti 2007, §2.6.2, Table 2.8): two-sided P = 0.486.
    crosstab = single([[3, 1], [1, 3]]).crosstab("q", "s")
    assert crosstab.omnibus.test is StatisticalTest.FISHER_EXACT
    assert crosstab.omnibus.has_small_expected_counts
    assert crosstab.omnibus.p_value == pytest.approx(0.486, abs=5e-4)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873–890, Table II, method 10
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_interval_matches_the_published_table(x1, n1, x2, n2, low, high):
    lo, hi = ct.newcombe_interval(np.array([x1]), np.array([n1]), np.array([x2]), np.array([n2]), 1.959963984540054)
    assert lo[0] == pytest.approx(low, abs=1e-4)
    assert hi[0] == pytest.approx(high, abs=1e-4)


def test_benjamini_hochberg_on_the_papers_example():
    # Benjamini & Hochberg (1995), JRSS B 57:289–300, §4: 15 p-values from a clinical trial; at
    # q* = 0.05 the procedure rejects the four smallest. The expected q-values are worked by hand with
    # R's p.adjust(p, "BH") algorithm, pmin(1, cummin(m / i * p[decreasing order])), to 7 decimals.
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528]
    p = np.array([*p, 0.7590, 1.000])
    expected = [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571, 0.0638571, 0.0645, 0.0765, 0.486]
    expected += [0.5811818, 0.714875, 0.7532308, 0.8132143, 1.0]
    q = ct.benjamini_hochberg(p)
    assert q == pytest.approx(expected, abs=1e-7)
    assert (q < 0.05).sum() == 4


def test_benjamini_hochberg_with_evenly_spaced_p_values():
    # p_i = i·q*/m lie exactly on the BH line: every q-value equals q* = 0.05.
    assert ct.benjamini_hochberg(np.array([0.01, 0.02, 0.03, 0.04, 0.05])) == pytest.approx([0.05] * 5)


# --------------------------------------------------------------------------- against scipy, random data


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(40, 400),
    rows=st.integers(2, 5),
    columns=st.integers(2, 5),
)
def test_chi_square_and_cramers_v_match_scipy(seed, n, rows, columns):
    question = CodedVariable("q", random_codes(seed, n, rows), rows)
    segment = CodedVariable("s", random_codes(seed + 1, n, columns), columns)
    crosstab = ct.compute_crosstabs([question], [segment]).crosstab("q", "s")
    table = compact(np.array(crosstab.unweighted_counts))
    if min(table.shape) < 2:
        assert crosstab.omnibus is None and crosstab.not_testable is not None
        return
    expected = stats.chi2_contingency(table, correction=False)
    assert crosstab.omnibus.df == expected.dof
    assert crosstab.omnibus.statistic == pytest.approx(expected.statistic, rel=1e-12)
    assert crosstab.omnibus.effect_size.value == pytest.approx(
        contingency.association(table, method="cramer"), rel=1e-12
    )
    if crosstab.omnibus.test is StatisticalTest.PEARSON_CHI_SQUARE:
        assert abs(crosstab.omnibus.p_value - expected.pvalue) < 1e-12
    elif crosstab.omnibus.test is StatisticalTest.FISHER_EXACT:
        assert abs(crosstab.omnibus.p_value - stats.fisher_exact(table).pvalue) < 1e-10
    else:
        assert crosstab.omnibus.test is StatisticalTest.FISHER_FREEMAN_HALTON
        assert crosstab.omnibus.has_small_expected_counts


@settings(max_examples=200, deadline=None)
@given(a=st.integers(0, 40), b=st.integers(0, 40), c=st.integers(0, 40), d=st.integers(0, 40))
def test_batched_fisher_exact_matches_scipy(a, b, c, d):
    p = ct.fisher_exact_2x2(np.array([a]), np.array([b]), np.array([c]), np.array([d]))[0]
    assert abs(p - stats.fisher_exact([[a, b], [c, d]]).pvalue) < 1e-10


def test_small_r_by_c_tables_use_the_monte_carlo_fisher_test_with_a_fixed_seed():
    table = np.array([[3, 1, 0], [1, 3, 2], [0, 2, 4]])
    crosstab = single(table, monte_carlo_resamples=999, random_seed=7).crosstab("q", "s")
    assert crosstab.omnibus.test is StatisticalTest.FISHER_FREEMAN_HALTON
    assert crosstab.omnibus.monte_carlo_resamples == 999
    method = stats.MonteCarloMethod(n_resamples=999, rng=np.random.default_rng(7))
    assert crosstab.omnibus.p_value == stats.fisher_exact(table, method=method).pvalue


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(30, 300), rows=st.integers(2, 4), columns=st.integers(2, 4))
def test_column_proportion_tests_match_the_collapsed_two_by_two(seed, n, rows, columns):
    question = CodedVariable("q", random_codes(seed, n, rows), rows)
    segment = CodedVariable("s", random_codes(seed + 7, n, columns), columns)
    crosstab = ct.compute_crosstabs([question], [segment]).crosstab("q", "s")
    table = np.array(crosstab.unweighted_counts)
    for comparison in crosstab.comparisons:
        r, c = comparison.question_level, comparison.segment_level
        a = table[r, c]
        b = table[:, c].sum() - a
        cc = table[r].sum() - a
        d = table.sum() - a - b - cc
        two_by_two = np.array([[a, b], [cc, d]])
        assert comparison.n_group == a + b and comparison.n_rest == cc + d
        assert comparison.estimate_group == pytest.approx(a / (a + b), rel=1e-12)
        assert comparison.estimate_rest == pytest.approx(cc / (cc + d), rel=1e-12)
        if comparison.test is StatisticalTest.TWO_PROPORTION_Z:
            expected = stats.chi2_contingency(two_by_two, correction=False)
            assert comparison.statistic**2 == pytest.approx(expected.statistic, rel=1e-9)
            assert abs(comparison.p_value - expected.pvalue) < 1e-12
        else:
            assert comparison.test is StatisticalTest.FISHER_EXACT
            assert abs(comparison.p_value - stats.fisher_exact(two_by_two).pvalue) < 1e-10
        p1, p2 = comparison.estimate_group, comparison.estimate_rest
        assert comparison.effect_size.value == pytest.approx(
            2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2)), abs=1e-12
        )
        low1, high1 = stats.binomtest(int(a), int(a + b)).proportion_ci(method="wilson")
        low2, high2 = stats.binomtest(int(cc), int(cc + d)).proportion_ci(method="wilson")
        assert comparison.ci_low == pytest.approx(p1 - p2 - math.hypot(p1 - low1, high2 - p2), abs=1e-12)
        assert comparison.ci_high == pytest.approx(p1 - p2 + math.hypot(high1 - p1, p2 - low2), abs=1e-12)


@pytest.mark.filterwarnings("ignore:Precision loss occurred:RuntimeWarning")  # scipy, on a constant group
@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(20, 300), groups=st.integers(2, 5))
def test_ordinal_tests_match_scipy(seed, n, groups):
    values = (1.0, 2.0, 3.0, 4.0, 5.0)
    scores = random_codes(seed, n, 5)
    segment_codes = random_codes(seed + 3, n, groups)
    question = CodedVariable("q", scores, 5, Measurement.ORDINAL, values)
    segment = CodedVariable("s", segment_codes, groups)
    crosstab = ct.compute_crosstabs([question], [segment]).crosstab("q", "s")
    both = (scores >= 0) & (segment_codes >= 0)
    x, g = np.asarray(values)[scores[both]], segment_codes[both]
    samples = [x[g == level] for level in range(groups) if np.any(g == level)]
    if crosstab.omnibus is None:
        assert len(samples) < 2 or np.ptp(x) == 0
        return
    if len(samples) >= 3:
        expected = stats.kruskal(*samples)
        assert crosstab.omnibus.test is StatisticalTest.KRUSKAL_WALLIS
        assert abs(crosstab.omnibus.p_value - expected.pvalue) < 1e-12
        assert crosstab.omnibus.statistic == pytest.approx(expected.statistic, rel=1e-10)
        assert crosstab.omnibus.effect_size.value == pytest.approx(expected.statistic / (x.size - 1), rel=1e-10)
    else:
        expected = stats.mannwhitneyu(*samples, method="asymptotic")
        assert crosstab.omnibus.test is StatisticalTest.MANN_WHITNEY
        assert abs(crosstab.omnibus.p_value - expected.pvalue) < 1e-12
        assert crosstab.omnibus.statistic == pytest.approx(expected.statistic, rel=1e-12)
    for comparison in crosstab.comparisons:
        group = x[g == comparison.segment_level]
        rest = x[g != comparison.segment_level]
        if comparison.test is None:
            assert comparison.p_value is None and comparison.not_testable is not None
            continue
        welch = stats.ttest_ind(group, rest, equal_var=False)
        assert abs(comparison.p_value - welch.pvalue) < 1e-12
        assert comparison.statistic == pytest.approx(welch.statistic, rel=1e-9)
        assert comparison.df == pytest.approx(welch.df, rel=1e-9)
        interval = welch.confidence_interval(0.95)
        assert comparison.ci_low == pytest.approx(interval.low, rel=1e-9, abs=1e-12)
        assert comparison.ci_high == pytest.approx(interval.high, rel=1e-9, abs=1e-12)
        pooled = math.sqrt(((group.size - 1) * group.var(ddof=1) + (rest.size - 1) * rest.var(ddof=1)) / (x.size - 2))
        assert comparison.effect_size.value == pytest.approx((group.mean() - rest.mean()) / pooled, rel=1e-9)
        mwu = stats.mannwhitneyu(group, rest, method="asymptotic")
        assert abs(comparison.mann_whitney_p - mwu.pvalue) < 1e-12
        assert comparison.rank_biserial == pytest.approx(2 * mwu.statistic / (group.size * rest.size) - 1, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(p=st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_benjamini_hochberg_matches_scipy(p):
    assert ct.benjamini_hochberg(np.array(p)) == pytest.approx(stats.false_discovery_control(p), abs=1e-12)


def test_the_whole_family_is_adjusted_together_and_its_size_stated():
    rng = np.random.default_rng(5)
    questions = [CodedVariable(f"q{i}", rng.integers(0, 3, 200), 3) for i in range(4)]
    segments = [CodedVariable("two", rng.integers(0, 2, 200), 2), CodedVariable("three", rng.integers(0, 3, 200), 3)]
    family = ct.compute_crosstabs(questions, segments)
    assert family.omnibus_family_size == 8
    # two groups: "A vs rest" mirrors "B vs rest", so 3 rows × 1 column; three groups: 3 × 3
    assert family.comparison_family_size == 4 * (3 * 1 + 3 * 3)
    members = family.comparison_is_member
    assert np.allclose(family.comparison_q[members], stats.false_discovery_control(family.comparison_p[members]))
    assert np.allclose(family.pair_q, stats.false_discovery_control(family.pair_p))
    crosstab = family.crosstab("q0", "three")
    assert crosstab.omnibus.family_size == 8
    assert all(c.family_size == family.comparison_family_size for c in crosstab.comparisons)


def test_mirror_comparisons_are_shown_but_counted_once():
    crosstab = single([[30, 10], [20, 40]]).crosstab("q", "s")
    assert len(crosstab.comparisons) == 4
    members = [c for c in crosstab.comparisons if c.is_family_member]
    assert len(members) == 1 and members[0].q_value is not None
    assert len({round(c.p_value, 12) for c in crosstab.comparisons}) == 1


def test_derived_pairs_are_left_out_of_the_family():
    nps = CodedVariable("nps", np.arange(110) % 11, 11, Measurement.ORDINAL, tuple(range(11)))
    groups = CodedVariable(
        "nps_group", np.where(np.arange(110) % 11 >= 9, 0, np.where(np.arange(110) % 11 >= 7, 1, 2)), 3
    )
    family = ct.compute_crosstabs([nps], [groups], derived_pairs=[("nps", "nps_group")])
    crosstab = family.crosstab("nps", "nps_group")
    assert crosstab.omnibus is None and family.omnibus_family_size == 0
    assert "cut from" in crosstab.not_testable.render()


# --------------------------------------------------------------------------- weights


def test_equal_weights_give_the_unweighted_results():
    rng = np.random.default_rng(11)
    q = CodedVariable("q", rng.integers(0, 3, 300), 3)
    r = CodedVariable("r", rng.integers(0, 5, 300), 5, Measurement.ORDINAL, (1, 2, 3, 4, 5))
    s = CodedVariable("s", rng.integers(0, 3, 300), 3)
    plain = ct.compute_crosstabs([q, r], [s])
    weighted = ct.compute_crosstabs([q, r], [s], weights=np.full(300, 2.5))
    assert weighted.is_weighted
    assert np.allclose(weighted.pair_p, plain.pair_p, rtol=1e-12)
    assert np.allclose(weighted.comparison_p, plain.comparison_p, rtol=1e-12)
    assert np.allclose(weighted.counts, 2.5 * plain.counts)


def test_weighted_tests_use_the_kish_effective_n_of_each_group():
    # group 0: weights 1,1,3,3 per block → Kish n = (Σw)²/Σw²; group 1: unit weights
    q = np.array([0, 1] * 40 + [0, 1] * 40)
    s = np.array([0] * 80 + [1] * 80)
    w = np.concatenate([np.tile([1.0, 1.0, 3.0, 3.0], 20), np.ones(80)])
    family = ct.compute_crosstabs([CodedVariable("q", q, 2)], [CodedVariable("s", s, 2)], weights=w)
    crosstab = family.crosstab("q", "s")
    kish = ct.kish_effective_n(w[:80])
    assert kish == pytest.approx(64.0)  # (160)² / 400
    assert crosstab.n == 160
    assert crosstab.n_effective == pytest.approx(64.0 + 80.0)
    comparison = next(c for c in crosstab.comparisons if c.segment_level == 0)
    assert comparison.n_group == 80 and comparison.n_effective_group == pytest.approx(64.0)
    # weighted share of answer 0 in group 0: the weights are 1,1,3,3 on answers 0,1,0,1 → 4/8
    assert comparison.estimate_group == pytest.approx(0.5)


def test_weighted_mean_is_the_weighted_estimate():
    scores = np.array([0, 4, 0, 4, 2, 2])
    segment = np.array([0, 0, 0, 0, 1, 1])
    weights = np.array([3.0, 1.0, 3.0, 1.0, 1.0, 1.0])
    family = ct.compute_crosstabs(
        [CodedVariable("r", scores, 5, Measurement.ORDINAL, (1, 2, 3, 4, 5))],
        [CodedVariable("s", segment, 2)],
        weights=weights,
    )
    comparison = family.crosstab("r", "s").comparisons[0]
    assert comparison.estimate_group == pytest.approx((3 * 1 + 1 * 5) * 2 / 8)


# --------------------------------------------------------------------------- degenerate inputs


@pytest.mark.parametrize(
    ("question", "segment", "reason"),
    [
        (np.zeros(50, dtype=int), np.arange(50) % 2, NotTestable.CONSTANT_ANSWER),
        (np.arange(50) % 3, np.zeros(50, dtype=int), NotTestable.ONE_GROUP),
        (np.full(50, -1), np.arange(50) % 2, NotTestable.NO_OVERLAP),
        (
            np.where(np.arange(50) < 25, np.arange(50) % 3, -1),
            np.where(np.arange(50) < 25, -1, 1),
            NotTestable.NO_OVERLAP,
        ),
    ],
)
@pytest.mark.parametrize("measurement", [Measurement.NOMINAL, Measurement.ORDINAL])
def test_untestable_pairs_say_why_and_show_no_p_value(question, segment, reason, measurement):
    family = ct.compute_crosstabs([CodedVariable("q", question, 3, measurement)], [CodedVariable("s", segment, 2)])
    crosstab = family.crosstab("q", "s")
    assert crosstab.omnibus is None
    assert crosstab.not_testable.render() == ct.NOT_TESTABLE_TEXT[reason]
    assert crosstab.comparisons == ()
    assert family.omnibus_family_size == 0 and family.comparison_family_size == 0


def test_a_group_with_one_answer_is_not_testable_for_means():
    scores = np.array([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 2])
    segment = np.array([0] * 10 + [1])
    crosstab = ct.compute_crosstabs(
        [CodedVariable("r", scores, 5, Measurement.ORDINAL)], [CodedVariable("s", segment, 2)]
    ).crosstab("r", "s")
    assert crosstab.omnibus is not None  # the rank test still runs
    for comparison in crosstab.comparisons:
        assert comparison.p_value is None and comparison.test is None
        assert comparison.not_testable.render() == ct.NOT_TESTABLE_TEXT[NotTestable.GROUP_TOO_SMALL]
        assert not comparison.is_family_member


def test_no_nan_reaches_a_materialised_result():
    rng = np.random.default_rng(2)
    questions = [
        CodedVariable("q", rng.integers(-1, 3, 80), 3),
        CodedVariable("const", np.ones(80, dtype=int), 3),
        CodedVariable("r", rng.integers(0, 5, 80), 5, Measurement.ORDINAL),
    ]
    segments = [CodedVariable("s", rng.integers(0, 4, 80), 4), CodedVariable("empty", np.full(80, -1), 2)]
    for crosstab in ct.compute_crosstabs(questions, segments).crosstabs():
        numbers = [] if crosstab.omnibus is None else [crosstab.omnibus.p_value, crosstab.omnibus.q_value]
        for comparison in crosstab.comparisons:
            if comparison.test is None:
                assert comparison.p_value is comparison.q_value is comparison.ci_low is None
                assert comparison.not_testable is not None
            else:
                numbers += [comparison.p_value, comparison.ci_low, comparison.ci_high, comparison.effect_size.value]
                numbers += [comparison.estimate_group, comparison.estimate_rest]
                assert comparison.statistic is None or math.isfinite(comparison.statistic)
        assert all(math.isfinite(x) for x in numbers)


@pytest.mark.parametrize(
    ("questions", "segments", "weights", "field"),
    [
        ([CodedVariable("q", np.array([0, 1, 3]), 3)], [CodedVariable("s", np.array([0, 1, 0]), 2)], None, "q"),
        ([CodedVariable("q", np.array([0, 1]), 3)], [CodedVariable("s", np.array([0, 1, 0]), 2)], None, "s"),
        ([CodedVariable("q", np.array([0.0, 1.0]), 3)], [CodedVariable("s", np.array([0, 1]), 2)], None, "q"),
        ([CodedVariable("q", np.array([0, 1]), 2)], [CodedVariable("s", np.array([0, 1]), 2)], [1.0, -1.0], "weights"),
        ([CodedVariable("q", np.array([0, 1]), 2)], [CodedVariable("s", np.array([0, 1]), 2)], [0.0, 0.0], "weights"),
        ([CodedVariable("q", np.array([0, 1]), 2)], [CodedVariable("s", np.array([0, 1]), 2)], [1.0], "weights"),
        (
            [CodedVariable("q", np.array([0, 1]), 2, Measurement.ORDINAL, (2.0, 1.0))],
            [CodedVariable("s", np.array([0, 1]), 2)],
            None,
            "q",
        ),
        (
            [CodedVariable("q", np.array([0, 1]), 2)],
            [CodedVariable("s", np.array([0, 1]), 2, Measurement.ORDINAL)],
            None,
            "s",
        ),
    ],
)
def test_bad_inputs_raise_a_clear_error(questions, segments, weights, field):
    with pytest.raises(ct.CrosstabInputError) as error:
        ct.compute_crosstabs(questions, segments, weights=None if weights is None else np.array(weights))
    assert error.value.variable == field
    assert error.value.message.render()


def test_many_pairs_at_once_agree_with_one_pair_at_a_time():
    rng = np.random.default_rng(9)
    questions = [CodedVariable(f"q{i}", random_codes(i, 250, 2 + i % 4), 2 + i % 4) for i in range(6)]
    questions.append(CodedVariable("r", random_codes(99, 250, 5), 5, Measurement.ORDINAL))
    segments = [CodedVariable(f"s{j}", random_codes(50 + j, 250, 2 + j), 2 + j) for j in range(3)]
    family = ct.compute_crosstabs(questions, segments)
    for question in questions:
        for segment in segments:
            alone = ct.compute_crosstabs([question], [segment]).crosstab(question.key, segment.key)
            together = family.crosstab(question.key, segment.key)
            assert together.unweighted_counts == alone.unweighted_counts
            assert (together.omnibus is None) == (alone.omnibus is None)
            if alone.omnibus is not None:
                assert together.omnibus.p_value == pytest.approx(alone.omnibus.p_value, rel=1e-12)
            assert [c.p_value for c in together.comparisons] == pytest.approx([c.p_value for c in alone.comparisons])
    del rng


def test_without_the_monte_carlo_test_small_tables_keep_chi_square_and_are_flagged():
    table = np.array([[3, 1, 0], [1, 3, 2], [0, 2, 4]])
    crosstab = single(table, exact_rxc=False).crosstab("q", "s")
    assert crosstab.omnibus.test is StatisticalTest.PEARSON_CHI_SQUARE
    assert crosstab.omnibus.has_small_expected_counts
    assert crosstab.omnibus.p_value == pytest.approx(stats.chi2_contingency(table, correction=False).pvalue)


def test_iterating_the_family_gives_each_table_its_own_comparisons():
    rng = np.random.default_rng(3)
    questions = [
        CodedVariable("r", rng.integers(0, 5, 120), 5, Measurement.ORDINAL),
        CodedVariable("q", rng.integers(0, 3, 120), 3),
    ]
    segments = [CodedVariable("s", rng.integers(0, 3, 120), 3), CodedVariable("t", rng.integers(0, 2, 120), 2)]
    family = ct.compute_crosstabs(questions, segments)
    for crosstab in family.crosstabs():
        alone = family.crosstab(crosstab.question_key, crosstab.segment_key)
        assert crosstab == alone
        assert {(c.question_key, c.segment_key) for c in crosstab.comparisons} == {
            (crosstab.question_key, crosstab.segment_key)
        }


def test_nps_groups_follow_the_usual_cut_points():
    scores = np.array([10, 9, 8, 7, 6, 0, np.nan, 11])
    assert ct.code_nps_groups(scores).tolist() == [0, 0, 1, 1, 2, 2, -1, -1]
