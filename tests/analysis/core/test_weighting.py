import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.core import weighting as w
from analysis.core.census import CENSUS_2019_POPULATION, load_vietnam_census_2019


def respondents_from_table(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Return row and column codes of respondents laid out as a two-way table of counts."""
    rows, cols = [], []
    for i, line in enumerate(table):
        for j, count in enumerate(line):
            rows += [i] * count
            cols += [j] * count
    return np.array(rows), np.array(cols)


def two_way_targets(row_targets, col_targets, kind="auto"):
    return w.build_target_set(
        {
            "row": {f"r{i}": value for i, value in enumerate(row_targets)},
            "col": {f"c{j}": value for j, value in enumerate(col_targets)},
        },
        kind=kind,
    )


def cell_totals(rows, cols, weights, shape):
    table = np.zeros(shape)
    np.add.at(table, (rows, cols), weights)
    return table


# --------------------------------------------------------------------------- targets


def test_shares_and_counts_are_read_and_normalised_explicitly():
    shares = w.build_target_set({"sex": {"male": 0.49, "female": 0.51}})
    assert shares.kind is w.TargetKind.SHARES
    assert shares.population_total is None
    counts = w.build_target_set({"sex": {"male": 490, "female": 510}, "area": {"urban": 300, "rural": 700}})
    assert counts.kind is w.TargetKind.COUNTS
    assert counts.population_total == 1000
    assert counts.get("sex").shares == (0.49, 0.51)
    assert counts.get("sex").given == (490, 510)
    # Said explicitly, counts that happen to be at most 1 are still counts.
    tiny = w.build_target_set({"sex": {"male": 0.2, "female": 0.3}}, kind="counts")
    assert tiny.get("sex").shares == pytest.approx((0.4, 0.6))


@pytest.mark.parametrize(
    ("raw", "kind", "variable", "category", "text"),
    [
        ({"sex": {"male": 0.5, "female": 0.4}}, "auto", "sex", None, "add up to 0.9, not 1"),
        ({"sex": {"male": 0.5, "female": -0.5}}, "auto", "sex", "female", "negative"),
        ({"sex": {"male": float("nan"), "female": 1}}, "auto", "sex", "male", "must be a number"),
        ({"sex": {"male": "half", "female": 1}}, "auto", "sex", "male", "must be a number"),
        ({"sex": {"male": 1.0}}, "auto", "sex", None, "at least two categories"),
        ({"sex": {"male": 0, "female": 0}}, "counts", "sex", None, "add up to 0"),
        (
            {"sex": {"male": 49, "female": 51}, "area": {"urban": 30, "rural": 71}},
            "auto",
            "area",
            None,
            "every variable must describe the same population",
        ),
        ({}, "auto", None, None, "at least one variable"),
    ],
)
def test_bad_targets_raise_an_error_naming_the_variable_and_category(raw, kind, variable, category, text):
    with pytest.raises(w.WeightingInputError, match=text) as caught:
        w.build_target_set(raw, kind=kind)
    assert caught.value.variable == variable
    assert caught.value.category == category


def test_encoding_never_recodes_or_drops_an_unknown_or_missing_answer():
    target = w.build_target_set({"sex": {"male": 0.5, "female": 0.5}}).get("sex")
    assert w.encode_categories(["female", "male", "female"], target).tolist() == [1, 0, 1]
    with pytest.raises(w.WeightingInputError, match="Row 2: the category Male of sex has no target") as caught:
        w.encode_categories(["female", "Male"], target)
    assert (caught.value.variable, caught.value.category) == ("sex", "Male")
    with pytest.raises(w.WeightingInputError, match="Row 3 has no answer for sex"):
        w.encode_categories(["female", "male", ""], target)


# --------------------------------------------------------------------------- goodness of fit


def test_goodness_of_fit_matches_the_scipy_documentation_examples():
    # scipy.stats.chisquare docstring: chisquare([16, 18, 16, 14, 12, 12]) ->
    # statistic=2.0, pvalue=0.84914503608460956; with f_exp=[16, 16, 16, 16, 16, 8] ->
    # statistic=3.5, pvalue=0.62338762774958223.
    uniform = w.assess_goodness_of_fit([16, 18, 16, 14, 12, 12], [1 / 6] * 6)
    assert uniform.chi_square == pytest.approx(2.0, rel=1e-12)
    assert uniform.chi_square_p_value == pytest.approx(0.84914503608460956, rel=1e-12)
    assert uniform.degrees_of_freedom == 5
    skewed = w.assess_goodness_of_fit([16, 18, 16, 14, 12, 12], np.array([16, 16, 16, 16, 16, 8]) / 88)
    assert skewed.chi_square == pytest.approx(3.5, rel=1e-12)
    assert skewed.chi_square_p_value == pytest.approx(0.62338762774958223, rel=1e-12)
    # scipy.stats.power_divergence docstring, lambda_='log-likelihood' (the G-test):
    # (2.006573162632538, 0.84823476779463769) and with that f_exp (3.3281031458963746, 0.6495419288047497).
    assert uniform.g_statistic == pytest.approx(2.006573162632538, rel=1e-12)
    assert uniform.g_p_value == pytest.approx(0.84823476779463769, rel=1e-12)
    assert skewed.g_statistic == pytest.approx(3.3281031458963746, rel=1e-12)
    assert skewed.g_p_value == pytest.approx(0.6495419288047497, rel=1e-12)


def test_goodness_of_fit_matches_the_r_chisq_test_examples():
    # R, ?chisq.test: x <- c(A = 20, B = 15, C = 25); chisq.test(x) -> X-squared = 2.5, df = 2, p-value = 0.2865.
    fit = w.assess_goodness_of_fit([20, 15, 25], [1 / 3] * 3)
    assert (fit.chi_square, fit.degrees_of_freedom) == (pytest.approx(2.5), 2)
    assert round(fit.chi_square_p_value, 4) == 0.2865
    # x <- c(89,37,30,28,2); p <- c(40,20,20,15,5); chisq.test(x, p = p, rescale.p = TRUE)
    # -> X-squared = 9.9901, df = 4, p-value = 0.04059 (the shares are rescaled like counts here).
    rescaled = w.assess_goodness_of_fit([89, 37, 30, 28, 2], np.array([40, 20, 20, 15, 5]) / 100)
    assert round(rescaled.chi_square, 4) == 9.9901
    assert round(rescaled.chi_square_p_value, 5) == 0.04059
    # p <- c(0.40,0.20,0.20,0.19,0.01); chisq.test(x, p = p) -> X-squared = 5.7947, df = 4, p-value = 0.215.
    fit = w.assess_goodness_of_fit([89, 37, 30, 28, 2], [0.40, 0.20, 0.20, 0.19, 0.01])
    assert round(fit.chi_square, 4) == 5.7947
    assert round(fit.chi_square_p_value, 3) == 0.215


def test_cohens_w_matches_the_pwr_documentation_example():
    # R package pwr, ?ES.w1: P0 <- rep(1/4, 4); P1 <- c(rep(1/8, 2), rep(3/8, 2)); ES.w1(P0, P1) -> 0.5.
    fit = w.assess_goodness_of_fit(np.array([1 / 8, 1 / 8, 3 / 8, 3 / 8]) * 800, [1 / 4] * 4)
    assert fit.cohens_w == pytest.approx(0.5, rel=1e-12)


def test_goodness_of_fit_refuses_answers_in_a_category_whose_target_is_zero():
    with pytest.raises(w.WeightingInputError, match="target share is 0"):
        w.assess_goodness_of_fit([10, 5, 1], [0.5, 0.5, 0.0])
    # A category absent from both the sample and the population adds no term and no degree of freedom.
    fit = w.assess_goodness_of_fit([20, 15, 25, 0], [1 / 3, 1 / 3, 1 / 3, 0])
    assert (fit.chi_square, fit.degrees_of_freedom) == (pytest.approx(2.5), 2)


def test_sample_vs_target_table():
    targets = w.build_target_set({"sex": {"male": 0.5, "female": 0.5}})
    comparison = w.compare_with_targets({"sex": np.array([0, 0, 0, 1])}, targets)
    male, female = comparison.categories
    assert (male.count, male.share, male.target_share, male.difference) == (3, 0.75, 0.5, 0.25)
    assert male.standardised_difference == pytest.approx(0.5)  # 0.25 / sqrt(0.5 · 0.5)
    assert female.standardised_difference == pytest.approx(-0.5)
    assert comparison.fits[0].chi_square == pytest.approx(stats.chisquare([3, 1]).statistic)
    weighted = w.compare_with_targets({"sex": np.array([0, 0, 0, 1])}, targets, weights=[1, 1, 1, 3])
    assert weighted.categories[0].share == 0.5
    assert weighted.fits[0].chi_square == 0
    assert weighted.effective_sample_size == pytest.approx(36 / 12)


# --------------------------------------------------------------------------- Kish


def test_kish_design_effect_follows_its_formula():
    # Kish (1965, 1992): deff = n Σw² / (Σw)² = 1 + cv² of the weights (cv with the population variance).
    weights = [1.0, 1.0, 3.0, 3.0]
    assert w.kish_design_effect(weights) == pytest.approx(4 * 20 / 64)  # = 1.25
    assert w.kish_effective_sample_size(weights) == pytest.approx(64 / 20)
    rng = np.random.default_rng(7)
    weights = rng.lognormal(size=500)
    cv2 = statistics.pvariance(weights) / statistics.fmean(weights) ** 2
    assert w.kish_design_effect(weights) == pytest.approx(1 + cv2, rel=1e-10)
    assert w.kish_design_effect(np.full(10, 2.5)) == pytest.approx(1.0)


@given(st.lists(st.floats(min_value=1e-3, max_value=1e3), min_size=1, max_size=200))
def test_design_effect_is_at_least_one_and_effective_n_at_most_n(weights):
    assert w.kish_design_effect(weights) >= 1 - 1e-12
    assert w.kish_effective_sample_size(weights) <= len(weights) * (1 + 1e-12)


# --------------------------------------------------------------------------- raking: known answers


def test_raking_a_two_by_two_table_matches_the_closed_form_solution():
    # Survey table [[7, 9], [12, 7]] raked to census rows (5, 15) and columns (10, 10). IPF keeps the
    # odds ratio θ = (7·7)/(9·12) (Deming & Stephan 1940; Mosteller 1968), so the top-left cell x solves
    # x (r2 − c1 + x) = θ (r1 − x)(c1 − x): (1 − θ) x² + (r2 − c1 + θ (r1 + c1)) x − θ r1 c1 = 0.
    rows, cols = respondents_from_table([[7, 9], [12, 7]])
    result = w.rake({"row": rows, "col": cols}, two_way_targets([5, 15], [10, 10]), tolerance=1e-12)
    theta, r1, r2, c1 = 49 / 108, 5, 15, 10
    a, b, c = 1 - theta, r2 - c1 + theta * (r1 + c1), -theta * r1 * c1
    x = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
    expected = np.array([[x, r1 - x], [c1 - x, r2 - c1 + x]])
    assert result.converged
    np.testing.assert_allclose(cell_totals(rows, cols, result.weights, (2, 2)), expected, rtol=1e-10)
    assert result.summary.total == pytest.approx(20)  # counts give expansion weights
    assert result.cells == 4


def test_raking_the_ardilly_tille_table_gives_the_unique_table_with_its_margins_and_odds_ratios():
    # R package TeachingSampling, ?IPFP, "example of Ardilly and Tillé": Table <- matrix(c(80, 90, 10,
    # 170, 80, 80, 150, 210, 130), 3, 3), Row.knw <- c(430, 360, 210), Col.knw <- c(150, 300, 550).
    # The raking solution is the only table with these margins whose cross-product ratios equal the
    # seed's (Ireland & Kullback 1968), which this checks without running IPF.
    seed = np.array([[80, 170, 150], [90, 80, 210], [10, 80, 130]])
    rows, cols = respondents_from_table(seed.tolist())
    result = w.rake({"row": rows, "col": cols}, two_way_targets([430, 360, 210], [150, 300, 550]), tolerance=1e-13)
    fitted = cell_totals(rows, cols, result.weights, (3, 3))
    np.testing.assert_allclose(fitted.sum(axis=1), [430, 360, 210], rtol=1e-11)
    np.testing.assert_allclose(fitted.sum(axis=0), [150, 300, 550], rtol=1e-11)
    interaction = np.log(fitted) - np.log(seed)  # must be a_i + b_j
    np.testing.assert_allclose(interaction - interaction[:, :1] - interaction[:1, :] + interaction[0, 0], 0, atol=1e-10)
    # Every respondent of a cell has the same weight.
    for i in range(3):
        for j in range(3):
            cell = result.weights[(rows == i) & (cols == j)]
            assert np.ptp(cell) == 0


def test_raking_reports_every_diagnostic():
    rows, cols = respondents_from_table([[30, 10], [20, 40]])
    result = w.rake({"row": rows, "col": cols}, two_way_targets([0.5, 0.5], [0.3, 0.7]))
    assert result.converged and result.status is w.RakingStatus.CONVERGED
    assert result.max_error <= 1e-8
    assert result.sweeps >= 2
    assert result.summary.total == pytest.approx(100)  # shares give weights with mean 1
    assert result.summary.design_effect == pytest.approx(w.kish_design_effect(result.weights))
    assert result.summary.effective_sample_size == pytest.approx(w.kish_effective_sample_size(result.weights))
    assert result.summary.ratio == pytest.approx(result.weights.max() / result.weights.min())
    expected_percentiles = np.percentile(result.weights, w.WEIGHT_PERCENTILES)
    np.testing.assert_allclose([p for _q, p in result.summary.percentiles], expected_percentiles, rtol=1e-12)
    assert [(e.variable, e.category) for e in result.errors] == [
        ("row", "r0"),
        ("row", "r1"),
        ("col", "c0"),
        ("col", "c1"),
    ]
    assert all(e.absolute_error <= 1e-8 for e in result.errors)
    segment = next(s for s in result.segments if (s.variable, s.category) == ("row", "r0"))
    in_segment = result.weights[rows == 0]
    assert segment.n == 40
    assert segment.design_effect == pytest.approx(w.kish_design_effect(in_segment))
    assert segment.effective_sample_size == pytest.approx(w.kish_effective_sample_size(in_segment))
    before = {(c.variable, c.category): c for c in result.before.categories}
    after = {(c.variable, c.category): c for c in result.after.categories}
    assert before[("col", "c0")].share == 0.5 and after[("col", "c0")].share == pytest.approx(0.3)
    assert result.before.fits[1].chi_square > 10 and result.after.fits[1].chi_square < 1e-10
    assert result.message is None
    with pytest.raises(ValueError, match="read-only"):
        result.weights[0] = 1.0


def test_base_weights_are_carried_through():
    rows, cols = respondents_from_table([[30, 10], [20, 40]])
    base = np.where(np.arange(100) % 2 == 0, 1.0, 3.0)
    targets = two_way_targets([0.5, 0.5], [0.3, 0.7])
    result = w.rake({"row": rows, "col": cols}, targets, base_weights=base)
    assert result.converged and result.has_base_weights
    ratio = result.weights / base
    for i in range(2):  # the raking factor is the same within a cell
        for j in range(2):
            assert np.ptp(ratio[(rows == i) & (cols == j)]) < 1e-12
    assert result.summary.design_effect == pytest.approx(w.kish_design_effect(result.weights))
    np.testing.assert_allclose(
        [p for _q, p in result.summary.percentiles], np.percentile(result.weights, w.WEIGHT_PERCENTILES)
    )
    assert result.before.is_weighted
    assert result.before.effective_sample_size == pytest.approx(w.kish_effective_sample_size(base))


def test_bounds_are_enforced_and_reported_when_they_make_the_margins_unreachable():
    rows, cols = respondents_from_table([[45, 5], [25, 25]])
    targets = two_way_targets([0.5, 0.5], [0.3, 0.7])
    free = w.rake({"row": rows, "col": cols}, targets)
    assert free.summary.maximum / free.summary.mean > 3
    bounded = w.rake({"row": rows, "col": cols}, targets, lower_bound=0.5, upper_bound=3)
    assert bounded.weights.max() <= 3 * bounded.weights.mean() * (1 + 1e-9)
    assert bounded.weights.min() >= 0.5 * bounded.weights.mean() * (1 - 1e-9)
    if bounded.converged:
        assert bounded.max_error <= 1e-8
    tight = w.rake({"row": rows, "col": cols}, targets, lower_bound=0.9, upper_bound=1.1)
    assert not tight.converged
    assert tight.status in {w.RakingStatus.STALLED, w.RakingStatus.MAX_SWEEPS}
    assert tight.max_error > 0.01
    assert tight.weights.max() <= 1.1 * tight.weights.mean() * (1 + 1e-9)
    text = tight.message.render()
    assert "bounds on the weights make the targets unreachable" in text
    worst = max(tight.errors, key=lambda e: e.absolute_error)
    assert worst.category in text and f"{worst.absolute_error:.3g}" in text


def test_unreachable_margins_are_reported_never_silently_converged():
    # Nobody is both r0 and c1 or both r1 and c0: the row shares fix the column shares.
    rows, cols = respondents_from_table([[10, 0], [0, 10]])
    result = w.rake({"row": rows, "col": cols}, two_way_targets([0.5, 0.5], [0.2, 0.8]), max_sweeps=200)
    assert not result.converged
    assert result.max_error > 0.1
    assert "cannot all be reached" in result.message.render() or "did not converge" in result.message.render()


def test_bounded_raking_with_base_weights_keeps_each_respondents_weight_within_bounds():
    rows, cols = respondents_from_table([[30, 10], [20, 40]])
    base = np.linspace(0.5, 2, 100)
    result = w.rake(
        {"row": rows, "col": cols},
        two_way_targets([0.5, 0.5], [0.4, 0.6]),
        base_weights=base,
        lower_bound=0.3,
        upper_bound=2.5,
    )
    mean = result.weights.mean()
    assert result.weights.max() <= 2.5 * mean * (1 + 1e-9)
    assert result.weights.min() >= 0.3 * mean * (1 - 1e-9)
    assert result.converged
    assert result.summary.design_effect == pytest.approx(w.kish_design_effect(result.weights))


def naive_row_ipf(codes: dict[str, np.ndarray], targets: w.TargetSet, base=None) -> np.ndarray:
    """Rake every respondent's weight directly, without cells: the textbook algorithm."""
    weights = np.ones(len(next(iter(codes.values())))) if base is None else np.array(base, dtype=float)
    for _sweep in range(5000):
        for target in targets.targets:
            array = codes[target.variable]
            margin = np.bincount(array, weights=weights, minlength=len(target.shares))
            weights *= (np.asarray(target.shares) * weights.sum() / margin)[array]
        shares = [np.bincount(codes[t.variable], weights=weights) / weights.sum() for t in targets.targets]
        if max(np.abs(s - t.shares).max() for s, t in zip(shares, targets.targets, strict=True)) < 1e-14:
            break
    return weights / weights.mean()


@pytest.mark.parametrize(
    ("variables", "n"),
    [
        (3, 400),  # a dense cell table indexed by np.bincount
        (24, 400),  # 2**24 possible cells: np.unique over the cell numbers
        (70, 400),  # 2**70 does not fit in 64 bits: cells are renumbered while they are built
    ],
)
def test_cells_give_the_same_weights_as_raking_every_respondent(variables, n):
    rng = np.random.default_rng(variables)
    codes = {f"v{i}": rng.integers(0, 2, n).astype(np.uint8) for i in range(variables)}
    raw = {}
    for name, array in codes.items():
        share = min(0.8, max(0.2, array.mean() + rng.uniform(-0.05, 0.05)))
        raw[name] = {"no": 1 - share, "yes": share}
    targets = w.build_target_set(raw)
    base = rng.uniform(0.5, 2.0, n)
    result = w.rake(codes, targets, base_weights=base, tolerance=1e-13)
    assert result.converged
    expected = naive_row_ipf({k: v.astype(np.intp) for k, v in codes.items()}, targets, base)
    np.testing.assert_allclose(result.weights / result.weights.mean(), expected, rtol=1e-8)
    unweighted = w.rake(codes, targets, tolerance=1e-13)
    expected = naive_row_ipf({k: v.astype(np.intp) for k, v in codes.items()}, targets)
    np.testing.assert_allclose(unweighted.weights / unweighted.weights.mean(), expected, rtol=1e-8)
    assert unweighted.cells == len({tuple(row) for row in np.column_stack(list(codes.values()))})


# --------------------------------------------------------------------------- raking: feasibility


def test_a_target_category_without_respondents_is_an_error():
    rows, cols = respondents_from_table([[10, 5], [0, 0]])
    with pytest.raises(w.WeightingInputError, match="Nobody answered r1 for row") as caught:
        w.rake({"row": rows, "col": cols}, two_way_targets([0.5, 0.5], [0.5, 0.5]))
    assert (caught.value.variable, caught.value.category) == ("row", "r1")


def test_a_respondent_code_without_a_target_is_an_error():
    targets = two_way_targets([0.5, 0.5], [0.5, 0.5])
    with pytest.raises(w.WeightingInputError, match="The code 2 of col stands for no target category"):
        w.rake({"row": np.array([0, 1, 0]), "col": np.array([0, 1, 2])}, targets)
    with pytest.raises(w.WeightingInputError, match="stands for no target category"):
        w.rake({"row": np.array([0, 1, -1]), "col": np.array([0, 1, 1])}, targets)


def test_a_zero_target_for_a_category_with_respondents_is_an_error():
    targets = two_way_targets([1.0, 0.0], [0.5, 0.5])
    with pytest.raises(w.WeightingInputError, match="target share of r1 in row is 0"):
        w.rake({"row": np.array([0, 1, 0, 1]), "col": np.array([0, 1, 1, 0])}, targets)


@pytest.mark.parametrize(
    ("codes", "options", "text"),
    [
        ({"row": np.array([0, 1])}, {}, "no column for the variable col"),
        (
            {"row": np.array([0, 1]), "col": np.array([0, 1]), "age": np.array([0, 1])},
            {},
            "no targets for the variable age",
        ),
        ({"row": np.array([0, 1]), "col": np.array([0, 1, 1])}, {}, "has 3 answers, but the others have 2"),
        ({"row": np.array([0.0, 1.0]), "col": np.array([0, 1])}, {}, "whole numbers"),
        ({"row": np.array([], dtype=int), "col": np.array([], dtype=int)}, {}, "no respondents"),
        ({"row": np.array([0, 1]), "col": np.array([0, 1])}, {"base_weights": [1.0, 0.0]}, "greater than 0"),
        ({"row": np.array([0, 1]), "col": np.array([0, 1])}, {"base_weights": [1.0, np.nan]}, "greater than 0"),
        ({"row": np.array([0, 1]), "col": np.array([0, 1])}, {"base_weights": [1.0]}, "one base weight per respondent"),
        ({"row": np.array([0, 1]), "col": np.array([0, 1])}, {"upper_bound": 0.8}, "maximum weight must be at least 1"),
        ({"row": np.array([0, 1]), "col": np.array([0, 1])}, {"lower_bound": 1.5}, "minimum weight must be at most 1"),
        ({"row": np.array([0, 1]), "col": np.array([0, 1])}, {"lower_bound": -1}, "at least 0"),
        ({"row": np.array([0, 1]), "col": np.array([0, 1])}, {"tolerance": 0}, "tolerance"),
        ({"row": np.array([0, 1]), "col": np.array([0, 1])}, {"max_sweeps": 0}, "sweeps"),
    ],
)
def test_bad_raking_input_is_a_clear_error(codes, options, text):
    with pytest.raises(w.WeightingInputError, match=text):
        w.rake(codes, two_way_targets([0.5, 0.5], [0.5, 0.5]), **options)


# --------------------------------------------------------------------------- raking: properties


@st.composite
def raking_problems(draw):
    """Every combination of categories answered at least once (so the targets are reachable), plus extras."""
    sizes = draw(st.lists(st.integers(2, 4), min_size=1, max_size=3))
    grid = np.array(np.meshgrid(*[np.arange(k) for k in sizes], indexing="ij")).reshape(len(sizes), -1)
    extra = draw(st.integers(0, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    codes = np.concatenate([grid, np.array([rng.integers(0, k, extra) for k in sizes]).reshape(len(sizes), -1)], 1)
    raw = {}
    for v, k in enumerate(sizes):
        values = draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k))
        raw[f"v{v}"] = {f"c{j}": value / sum(values) for j, value in enumerate(values)}
    return {f"v{v}": codes[v] for v in range(len(sizes))}, raw, rng


@settings(max_examples=60, deadline=None)
@given(raking_problems())
def test_raked_margins_equal_the_targets(problem):
    codes, raw, _rng = problem
    targets = w.build_target_set(raw)
    result = w.rake(codes, targets)
    assert result.converged
    for target in targets.targets:
        shares = np.bincount(codes[target.variable], weights=result.weights) / result.weights.sum()
        np.testing.assert_allclose(shares, target.shares, atol=1e-8)
    assert result.summary.design_effect >= 1 - 1e-12
    assert result.summary.effective_sample_size <= result.summary.n * (1 + 1e-12)
    assert all(s.design_effect is None or s.design_effect >= 1 - 1e-12 for s in result.segments)


@settings(max_examples=40, deadline=None)
@given(raking_problems())
def test_weights_do_not_depend_on_respondent_order_or_variable_order(problem):
    codes, raw, rng = problem
    targets = w.build_target_set(raw)
    result = w.rake(codes, targets, tolerance=1e-13)
    order = rng.permutation(len(result.weights))
    shuffled = w.rake({name: array[order] for name, array in codes.items()}, targets, tolerance=1e-13)
    np.testing.assert_allclose(shuffled.weights, result.weights[order], rtol=1e-9)
    reversed_targets = w.build_target_set(dict(reversed(list(raw.items()))))
    reversed_codes = dict(reversed(list(codes.items())))
    other = w.rake(reversed_codes, reversed_targets, tolerance=1e-13)
    np.testing.assert_allclose(other.weights, result.weights, rtol=1e-7)


@settings(max_examples=40, deadline=None)
@given(raking_problems(), st.floats(0.1, 0.9), st.floats(1.2, 5.0))
def test_bounded_weights_stay_within_their_bounds(problem, lower, upper):
    codes, raw, rng = problem
    n = len(next(iter(codes.values())))
    base = rng.uniform(0.5, 2.0, n) if rng.random() < 0.5 else None
    result = w.rake(codes, w.build_target_set(raw), lower_bound=lower, upper_bound=upper, base_weights=base)
    mean = result.weights.mean()
    assert result.weights.max() <= upper * mean * (1 + 1e-8)
    assert result.weights.min() >= lower * mean * (1 - 1e-8)
    assert result.converged == (result.max_error <= 1e-8)
    assert result.converged or result.message is not None


# --------------------------------------------------------------------------- weighted estimates


def test_weighted_shares_use_the_effective_sample_size():
    codes = np.array([0, 0, 1, 1, 1, 0])
    weights = np.array([2.0, 1.0, 1.0, 1.0, 1.0, 2.0])
    result = w.estimate_weighted_shares(codes, ["yes", "no"], weights)
    n_eff = 8**2 / 12
    p = 5 / 8
    se = math.sqrt(p * (1 - p) / n_eff)
    first = result.shares[0]
    assert result.effective_sample_size == pytest.approx(n_eff)
    assert (first.category, first.count, first.share) == ("yes", 3, pytest.approx(p))
    assert first.standard_error == pytest.approx(se)
    assert first.margin_of_error == pytest.approx(1.959963984540054 * se)
    assert (first.lower, first.upper) == (
        pytest.approx(p - 1.959963984540054 * se),
        pytest.approx(min(1, p + 1.959963984540054 * se)),
    )


def test_unweighted_mean_interval_is_the_classic_t_interval():
    values = [4.0, 5.0, 7.0, 9.0, 10.0, 3.0]
    result = w.estimate_weighted_mean(values)
    low, high = stats.ttest_1samp(values, 0).confidence_interval(0.95)
    assert (result.lower, result.upper) == (pytest.approx(low), pytest.approx(high))
    assert result.design_effect == pytest.approx(1)


def test_weighted_mean_uses_the_effective_sample_size():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    weights = np.array([1.0, 1.0, 2.0, 4.0])
    result = w.estimate_weighted_mean(values, weights)
    mean = (1 + 2 + 6 + 16) / 8
    n_eff = 64 / 22
    variance = (1 * (1 - mean) ** 2 + 1 * (2 - mean) ** 2 + 2 * (3 - mean) ** 2 + 4 * (4 - mean) ** 2) / 8
    sd = math.sqrt(variance * n_eff / (n_eff - 1))
    assert result.mean == pytest.approx(mean)
    assert result.effective_sample_size == pytest.approx(n_eff)
    assert result.standard_error == pytest.approx(sd / math.sqrt(n_eff))
    assert result.margin_of_error == pytest.approx(stats.t.ppf(0.975, n_eff - 1) * sd / math.sqrt(n_eff))


def test_weighted_estimates_refuse_missing_values():
    with pytest.raises(w.WeightingInputError, match="row 2 is not"):
        w.estimate_weighted_mean([1.0, float("nan"), 3.0])
    with pytest.raises(w.WeightingInputError, match="stands for no category"):
        w.estimate_weighted_shares([0, 2], ["a", "b"])


# --------------------------------------------------------------------------- census preset


def test_census_preset_variables_each_add_up_to_the_population():
    preset = load_vietnam_census_2019()
    assert preset.population == CENSUS_2019_POPULATION == 96_208_984
    assert [v.name for v in preset.variables] == ["sex", "area", "region"]
    for variable in preset.variables:
        assert sum(c.population for c in variable.categories) == 96_208_984
    assert len(preset.variable("region").categories) == 6
    female = preset.variable("sex").categories[1]
    assert (female.code, female.label("vi"), female.label("en"), female.population) == (
        "female",
        "Nữ",
        "Female",
        48327923,
    )
    assert preset.variable("area").label_vi == "Thành thị/nông thôn"


def test_census_preset_gives_count_targets_to_rake_to():
    preset = load_vietnam_census_2019()
    targets = preset.target_set()
    assert targets.kind is w.TargetKind.COUNTS
    assert targets.population_total == 96_208_984
    assert targets.get("sex").shares == pytest.approx((47881061 / 96208984, 48327923 / 96208984))
    rng = np.random.default_rng(3)
    codes = {t.variable: rng.integers(0, len(t.categories), 2000) for t in targets.targets}
    result = w.rake(codes, targets)
    assert result.converged
    assert result.summary.total == pytest.approx(96_208_984)
    assert preset.target_set(("sex",)).variables == ("sex",)


def test_counts_and_the_same_shares_give_proportional_weights():
    rows, cols = respondents_from_table([[30, 10], [20, 40]])
    by_shares = w.rake({"row": rows, "col": cols}, two_way_targets([0.4, 0.6], [0.3, 0.7]))
    by_counts = w.rake({"row": rows, "col": cols}, two_way_targets([4000, 6000], [3000, 7000]))
    np.testing.assert_allclose(by_counts.weights, by_shares.weights * 100, rtol=1e-12)
    assert by_counts.summary.design_effect == pytest.approx(by_shares.summary.design_effect)
    assert by_counts.targets.kind is w.TargetKind.COUNTS and by_shares.targets.kind is w.TargetKind.SHARES


def test_goodness_of_fit_of_exactly_matching_weighted_margins_is_zero_not_nan():
    # Raked margins equal the targets up to rounding, where scipy's G comes out a hair below 0 with a NaN
    # p-value (found on these counts); G is 0 with p = 1 then, never NaN.
    observed = np.array([2.16029899, 10.61579781, 6.6591557, 3.68600385, 5.19841479])
    fit = w.assess_goodness_of_fit(observed, observed / observed.sum(), variable="region")
    assert fit.g_statistic == 0.0 and fit.g_p_value == 1.0
    assert fit.chi_square_p_value == pytest.approx(1.0)


# --------------------------------------------------------------------------- raking: stopping rule and reports


def test_the_stopping_rule_defaults_to_1e8_in_shares_and_1000_sweeps():
    assert w.DEFAULT_TOLERANCE == 1e-8 and w.DEFAULT_MAX_SWEEPS == 1000
    rows, cols = respondents_from_table([[45, 5], [25, 25]])
    targets = two_way_targets([0.5, 0.5], [0.3, 0.7])
    result = w.rake({"row": rows, "col": cols}, targets)
    assert (result.tolerance, result.max_sweeps) == (1e-8, 1000)
    assert result.converged and result.max_error <= 1e-8
    # One sweep less than it needed: not converged, and it says so with the remaining error.
    short = w.rake({"row": rows, "col": cols}, targets, max_sweeps=result.sweeps - 1)
    assert not short.converged and short.status is w.RakingStatus.MAX_SWEEPS
    assert short.sweeps == result.sweeps - 1 and short.max_error > 1e-8
    assert short.message.render().startswith(f"Raking did not converge in {short.sweeps} sweeps")


def test_margins_that_contradict_each_other_stop_early_with_a_stalled_report():
    # Everyone in r0 is in c0 and everyone in r1 in c1: rows 50/50 and columns 20/80 cannot both hold.
    rows, cols = respondents_from_table([[10, 0], [0, 10]])
    result = w.rake({"row": rows, "col": cols}, two_way_targets([0.5, 0.5], [0.2, 0.8]))
    assert result.status is w.RakingStatus.STALLED and not result.converged
    assert result.sweeps <= w.STALL_SWEEPS + 1  # it does not spin through all 1,000 sweeps
    assert result.max_error == pytest.approx(0.3)
    assert "cannot all be reached" in result.message.render()


def test_bounds_equal_to_the_mean_make_any_imbalance_unreachable_and_say_so():
    rows, cols = respondents_from_table([[30, 10], [20, 40]])
    result = w.rake({"row": rows, "col": cols}, two_way_targets([0.5, 0.5], [0.3, 0.7]), lower_bound=1, upper_bound=1)
    assert not result.converged
    np.testing.assert_allclose(result.weights, 1.0)  # the only weights within the bounds
    assert result.max_error == pytest.approx(0.2)  # columns stay at 50/50 against 30/70
    assert "bounds on the weights make the targets unreachable" in result.message.render()
    assert {(e.variable, e.category) for e in result.errors if e.absolute_error > 0.1} == {("col", "c0"), ("col", "c1")}


def test_a_zero_target_for_a_category_nobody_chose_is_kept_at_zero():
    rows, cols = respondents_from_table([[30, 10, 0], [20, 40, 0]])
    targets = two_way_targets([0.5, 0.5], [0.4, 0.6, 0.0])
    result = w.rake({"row": rows, "col": cols}, targets)
    assert result.converged
    empty = next(e for e in result.errors if (e.variable, e.category) == ("col", "c2"))
    assert empty.achieved_share == 0 and empty.absolute_error == 0
    assert next(s for s in result.segments if s.category == "c2").design_effect is None


def test_counts_give_weights_that_add_up_to_the_population_and_reach_every_count():
    rows, cols = respondents_from_table([[30, 10], [20, 40]])
    result = w.rake({"row": rows, "col": cols}, two_way_targets([400, 600], [250, 750]))
    assert result.converged
    assert result.weights.sum() == pytest.approx(1000, rel=1e-12)
    np.testing.assert_allclose(np.bincount(rows, weights=result.weights), [400, 600], rtol=1e-7)
    np.testing.assert_allclose(np.bincount(cols, weights=result.weights), [250, 750], rtol=1e-7)
    assert result.summary.mean == pytest.approx(10)
    # Bounds are relative to the mean weight, whatever the scale.
    bounded = w.rake({"row": rows, "col": cols}, two_way_targets([400, 600], [250, 750]), upper_bound=2.0)
    assert bounded.weights.max() <= 2.0 * bounded.weights.mean() * (1 + 1e-9)


# --------------------------------------------------------------------------- raking: more properties


@settings(max_examples=40, deadline=None)
@given(raking_problems(), st.booleans())
def test_with_base_weights_raked_margins_equal_the_targets_and_the_report_is_true(problem, as_counts):
    codes, raw, rng = problem
    n = len(next(iter(codes.values())))
    base = rng.uniform(0.2, 5.0, n)
    if as_counts:
        raw = {name: {c: share * 5000 for c, share in shares.items()} for name, shares in raw.items()}
    targets = w.build_target_set(raw)
    result = w.rake(codes, targets, base_weights=base)
    assert result.converged and result.max_error <= 1e-8
    total = result.weights.sum()
    assert total == pytest.approx(5000 if as_counts else n, rel=1e-9)
    for target in targets.targets:
        shares = np.bincount(codes[target.variable], weights=result.weights, minlength=len(target.shares)) / total
        np.testing.assert_allclose(shares, target.shares, atol=1e-8)
        reported = [e.achieved_share for e in result.errors if e.variable == target.variable]
        np.testing.assert_allclose(reported, shares, atol=1e-12)
    assert result.max_error == max(e.absolute_error for e in result.errors)
    assert result.summary.design_effect == pytest.approx(w.kish_design_effect(result.weights), rel=1e-9)
    assert result.summary.design_effect >= 1 - 1e-12
    assert result.summary.effective_sample_size <= n * (1 + 1e-12)
    assert result.before.effective_sample_size <= n * (1 + 1e-12)
    for segment in result.segments:
        if segment.design_effect is not None:
            assert segment.design_effect >= 1 - 1e-12
            assert segment.effective_sample_size <= segment.n * (1 + 1e-12)


@settings(max_examples=30, deadline=None)
@given(raking_problems(), st.floats(0.1, 0.9), st.floats(1.2, 5.0))
def test_bounded_raking_with_base_weights_does_not_depend_on_respondent_order(problem, lower, upper):
    codes, raw, rng = problem
    n = len(next(iter(codes.values())))
    base = rng.choice([0.5, 1.0, 2.0], n)  # ties: respondents of a cell share a base weight
    targets = w.build_target_set(raw)
    result = w.rake(codes, targets, base_weights=base, lower_bound=lower, upper_bound=upper)
    order = rng.permutation(n)
    shuffled = w.rake(
        {name: array[order] for name, array in codes.items()},
        targets,
        base_weights=base[order],
        lower_bound=lower,
        upper_bound=upper,
    )
    np.testing.assert_allclose(shuffled.weights, result.weights[order], rtol=1e-9)
    assert (shuffled.converged, shuffled.sweeps, shuffled.cells) == (result.converged, result.sweeps, result.cells)


@settings(max_examples=30, deadline=None)
@given(raking_problems())
def test_base_weighted_raking_does_not_depend_on_variable_order(problem):
    codes, raw, rng = problem
    n = len(next(iter(codes.values())))
    base = rng.uniform(0.5, 2.0, n)
    result = w.rake(codes, w.build_target_set(raw), base_weights=base, tolerance=1e-13)
    other = w.rake(
        dict(reversed(list(codes.items()))),
        w.build_target_set(dict(reversed(list(raw.items())))),
        base_weights=base,
        tolerance=1e-13,
    )
    np.testing.assert_allclose(other.weights, result.weights, rtol=1e-7)
