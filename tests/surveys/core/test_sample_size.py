"""Sample size and power against published values and independent recomputation.

Expected values come from the cited publications; where a value has more digits than the
source prints, it was recomputed in a scratch script with ``scipy.stats`` objects and a
hand-written bisection (never with this module), and the comment says so.
"""

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from surveys.core import sample_size as ss

Z95 = NormalDist().inv_cdf(0.975)

# Krejcie, R. V., & Morgan, D. W. (1970), Table 1: population N -> sample S at p = .5, d = .05, χ²(1) = 3.841.
KREJCIE_MORGAN = {
    10: 10, 15: 14, 20: 19, 25: 24, 30: 28, 35: 32, 40: 36, 45: 40, 50: 44, 55: 48, 60: 52, 65: 56,
    70: 59, 75: 63, 80: 66, 85: 70, 90: 73, 95: 76, 100: 80, 110: 86, 120: 92, 130: 97, 140: 103,
    150: 108, 160: 113, 170: 118, 180: 123, 190: 127, 200: 132, 210: 136, 220: 140, 230: 144, 240: 148,
    250: 152, 260: 155, 270: 159, 280: 162, 290: 165, 300: 169, 320: 175, 340: 181, 360: 186, 380: 191,
    400: 196, 420: 201, 440: 205, 460: 210, 480: 214, 500: 217, 550: 226, 600: 234, 650: 242, 700: 248,
    750: 254, 800: 260, 850: 265, 900: 269, 950: 274, 1000: 278, 1100: 285, 1200: 291, 1300: 297,
    1400: 302, 1500: 306, 1600: 310, 1700: 313, 1800: 317, 1900: 320, 2000: 322, 2200: 327, 2400: 331,
    2600: 335, 2800: 338, 3000: 341, 3500: 346, 4000: 351, 4500: 354, 5000: 357, 6000: 361, 7000: 364,
    8000: 367, 9000: 368, 10000: 370, 15000: 375, 20000: 377, 30000: 379, 40000: 380, 50000: 381,
    75000: 382, 1000000: 384,
}  # fmt: skip
# With the exact χ²(1) = z² = 3.84146 instead of their 3.841 the 40000 row gives 380.50 (see below).
KREJCIE_MORGAN_EXACT_ROWS = {n: s for n, s in KREJCIE_MORGAN.items() if n != 40000}


# --------------------------------------------------------------------------- one proportion


@pytest.mark.parametrize(("population", "table_value"), sorted(KREJCIE_MORGAN_EXACT_ROWS.items()))
def test_nearest_rounding_reproduces_krejcie_morgan_table(population, table_value):
    # Source: Krejcie & Morgan (1970), Table 1; their formula is Cochran's n0 with the FPC.
    result = ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=population, rounding="nearest")
    assert result.required_responses == table_value


def test_krejcie_morgan_40000_row_differs_only_through_their_rounded_chi_square():
    # Krejcie & Morgan used χ² = 3.841; with it their formula gives 380.46 -> 380, ours (3.84146) 380.50.
    chi_square = 3.841
    theirs = chi_square * 40000 * 0.25 / (0.05**2 * 39999 + chi_square * 0.25)
    result = ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=40000, rounding="nearest")
    assert math.floor(theirs + 0.5) == KREJCIE_MORGAN[40000]
    assert result.n_corrected == pytest.approx(theirs, abs=0.05)


@pytest.mark.parametrize(("population", "expected"), [(100, 80), (500, 218), (1000, 278), (10000, 370)])
def test_default_ceil_rounding_never_falls_below_the_krejcie_morgan_table(population, expected):
    # Krejcie & Morgan (1970), Table 1: 100 -> 80 (79.5), 1000 -> 278 (277.7), 10000 -> 370 (369.98);
    # 500 -> 217 rounds 217.49 down, which misses ±5 points, so ceil gives 218.
    result = ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=population)
    assert result.required_responses == expected
    assert result.required_responses >= KREJCIE_MORGAN[population]


def test_cochran_infinite_population_needs_385_at_95_percent_and_5_points():
    # Source: Israel, G. D. (1992), Determining Sample Size, IFAS PEOD6, Eq. 1 (Cochran 1977): n0 = 385.
    result = ss.estimate_proportion_sample_size(margin_of_error=0.05)
    assert result.required_responses == 385
    assert result.n0 == pytest.approx(Z95**2 * 0.25 / 0.0025)
    assert result.z == pytest.approx(1.959964, abs=1e-6)


def test_cochran_finite_population_correction_for_2000_gives_323():
    # Source: Israel (1992), PEOD6, Eq. 2 example: n = 385 / (1 + 384/2000) = 323.
    result = ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=2000)
    assert result.required_responses == 323
    assert result.n_corrected == pytest.approx(result.n0 / (1 + (result.n0 - 1) / 2000))


def test_design_effect_multiplies_n0_before_the_population_correction():
    # Kish (1965): the variance of the design is deff times that of a simple random sample.
    plain = ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=5000)
    clustered = ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=5000, design_effect=2.0)
    assert clustered.n_design == pytest.approx(2 * plain.n0)
    assert clustered.n_corrected == pytest.approx(2 * plain.n0 / (1 + (2 * plain.n0 - 1) / 5000))
    # 2 · 384.146 = 768.292; 768.292 / (1 + 767.292/5000) = 666.08 (scratch, scipy.stats.norm) -> 667.
    assert clustered.required_responses == 667
    assert clustered.formula.endswith("/(1 + (n0·deff − 1)/N)")


def test_any_confidence_level_uses_its_normal_quantile():
    # z for 99% is 2.575829; n0 = 2.575829² · .25 / .03² = 1843.02 (hand computation with NormalDist).
    result = ss.estimate_proportion_sample_size(margin_of_error=0.03, confidence_level=0.99)
    z = NormalDist().inv_cdf(0.995)
    assert result.z == pytest.approx(z)
    assert result.required_responses == math.ceil(z**2 * 0.25 / 0.03**2) == 1844


def test_required_responses_never_exceed_a_small_population():
    result = ss.estimate_proportion_sample_size(margin_of_error=0.01, population_size=7, design_effect=3.0)
    assert result.required_responses == 7


def test_margin_of_error_for_1000_answers_is_3_1_points():
    # Widely published: n = 1000 at 95% gives ±3.1 points (1.959964 · √(.25/1000) = 0.0309898).
    result = ss.estimate_margin_of_error(n=1000)
    assert result.margin_of_error == pytest.approx(0.0309898, abs=1e-7)
    assert result.finite_population_correction == 1.0


def test_margin_of_error_applies_the_finite_population_correction():
    # Cochran (1977) eq. 3.6: SE = √(pq/n) · √((N − n)/(N − 1)).
    result = ss.estimate_margin_of_error(n=278, population_size=1000, proportion=0.3)
    expected = Z95 * math.sqrt(0.3 * 0.7 / 278) * math.sqrt((1000 - 278) / 999)
    assert result.margin_of_error == pytest.approx(expected)


def test_a_census_has_no_margin_of_error():
    assert ss.estimate_margin_of_error(n=120, population_size=120).margin_of_error == 0.0
    assert ss.estimate_margin_of_error(n=1, population_size=1).margin_of_error == 0.0


def test_mean_sample_size_uses_sigma_over_margin():
    # Cochran (1977) §4.3: n0 = (zσ/e)²; σ = 15, e = 3: (1.959964 · 5)² = 96.04 -> 97;
    # with N = 200: 96.04 / (1 + 95.04/200) = 65.10 -> 66 (scratch, scipy.stats.norm).
    result = ss.estimate_mean_sample_size(standard_deviation=15, margin_of_error=3)
    assert result.n0 == pytest.approx((Z95 * 5) ** 2)
    assert result.required_responses == 97
    corrected = ss.estimate_mean_sample_size(standard_deviation=15, margin_of_error=3, population_size=200)
    assert corrected.required_responses == 66


def test_mean_margin_of_error_is_the_inverse_of_the_mean_sample_size():
    result = ss.estimate_mean_margin_of_error(n=97, standard_deviation=15)
    assert result.margin_of_error == pytest.approx(Z95 * 15 / math.sqrt(97))
    assert result.margin_of_error <= 3


# --------------------------------------------------------------------------- invitations


def test_invitations_divide_by_the_response_rate_without_float_noise():
    # 385 / 0.2 is 1925.0000000000002 in floats; the plan must still be 1925 invitations.
    result = ss.estimate_invitations(required_responses=385, response_rate=0.2)
    assert result.invitations == 1925
    assert result.formula.startswith("invitations")


def test_invitations_account_for_eligibility_and_flag_a_too_small_population():
    result = ss.estimate_invitations(
        required_responses=385, response_rate=0.25, eligibility_rate=0.6, population_size=2000
    )
    assert result.completion_rate == pytest.approx(0.15)
    assert result.invitations == math.ceil(385 / 0.15) == 2567
    assert result.exceeds_population


# --------------------------------------------------------------------------- two proportions


def test_pooled_sample_size_matches_r_power_prop_test():
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) -> n = 76.7 (R's help page); the exact root
    # of R's equation is 76.70693 (scratch bisection); R's uniroot gives four significant digits.
    result = ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.75, power=0.9)
    assert result.n_group1_exact == pytest.approx(76.70693, abs=1e-4)
    assert (result.n_group1, result.n_group2, result.total) == (77, 77, 154)
    assert result.achieved_power >= 0.9
    assert result.method is ss.ProportionTestMethod.POOLED


def test_pooled_power_matches_r_power_prop_test():
    # R: power.prop.test(n = 50, p1 = .50, p2 = .75) -> power = 0.7401659.
    result = ss.compute_two_proportions_power(p1=0.5, p2=0.75, n=50)
    assert result.power == pytest.approx(0.7401659, abs=1e-7)


def test_pooled_detectable_effect_matches_r_power_prop_test():
    # R: power.prop.test(n = 50, p1 = .5, power = .90) -> p2 = 0.8026 (R's help page).
    result = ss.estimate_two_proportions_detectable_effect(p1=0.5, n=50, power=0.9)
    assert result.p2 == pytest.approx(0.8026, abs=5e-5)
    assert result.difference == pytest.approx(result.p2 - 0.5)


def test_arcsine_sample_size_matches_statsmodels_normal_ind_power():
    # statsmodels: NormalIndPower().solve_power(proportion_effectsize(.75, .5), power=.9, alpha=.05)
    # -> 76.65294 (both tails counted); recomputed by bisection on scipy.stats.norm in a scratch script.
    result = ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.75, power=0.9, method="arcsine")
    assert result.n_group1_exact == pytest.approx(76.65294, abs=1e-5)
    assert result.cohens_h == pytest.approx(2 * math.asin(math.sqrt(0.75)) - 2 * math.asin(math.sqrt(0.5)))


@pytest.mark.parametrize(("h", "table_n"), [(0.2, 392), (0.5, 63), (0.8, 25)])
def test_arcsine_sample_size_matches_cohen_power_primer(h, table_n):
    # Source: Cohen, J. (1992). A power primer. Psychological Bulletin 112(1), Table 2, "P dif",
    # α = .05, power .80 (his tables round approximations to the nearest whole number).
    p1 = 0.5
    p2 = math.sin(math.asin(math.sqrt(p1)) + h / 2) ** 2
    result = ss.estimate_two_proportions_sample_size(p1=p1, p2=p2, power=0.8, method="arcsine")
    assert result.cohens_h == pytest.approx(h)
    assert abs(result.n_group1_exact - table_n) < 1


def test_pooled_one_sided_sample_size_halves_nothing_of_alpha():
    # R's closed form for one.sided: ((z.95·√(2p̄q̄) + z.90·√(p1q1 + p2q2)) / Δ)² = 62.33551 (scratch, NormalDist).
    result = ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.75, power=0.9, alternative="one-sided")
    assert result.n_group1_exact == pytest.approx(62.33551, abs=1e-5)


def test_pooled_unequal_allocation_matches_fleiss_levin_paik():
    # Fleiss, Levin & Paik (2003) §4.2 without continuity correction, r = n2/n1 = 2, p1 = .3, p2 = .4:
    # m = [z.975·√((r+1)p̄q̄) + z.8·√(r·p1q1 + p2q2)]² / (r·Δ²) = 269.039 (scratch, NormalDist).
    result = ss.estimate_two_proportions_sample_size(p1=0.3, p2=0.4, ratio=2)
    assert result.n_group1_exact == pytest.approx(269.039, abs=1e-3)
    assert (result.n_group1, result.n_group2) == (270, 540)


def test_swapping_groups_and_inverting_the_ratio_gives_the_same_design():
    forward = ss.estimate_two_proportions_sample_size(p1=0.2, p2=0.35, ratio=3)
    backward = ss.estimate_two_proportions_sample_size(p1=0.35, p2=0.2, ratio=1 / 3)
    assert backward.n_group1_exact == pytest.approx(3 * forward.n_group1_exact)


def test_detectable_decrease_lies_below_the_baseline():
    result = ss.estimate_two_proportions_detectable_effect(p1=0.4, n=200, direction="decrease")
    assert result.p2 < 0.4
    assert ss.compute_two_proportions_power(p1=0.4, p2=result.p2, n=200).power == pytest.approx(0.8, abs=1e-8)


def test_too_few_answers_to_detect_any_change_is_refused():
    with pytest.raises(ss.SampleSizeInputError) as raised:
        ss.estimate_two_proportions_detectable_effect(p1=0.95, n=2, power=0.99)
    assert raised.value.parameter == "n"


# --------------------------------------------------------------------------- two means


def test_t_test_power_matches_r_power_t_test():
    # R: power.t.test(n = 20, delta = 1) -> power = 0.8689528.
    assert ss.compute_two_means_power(effect_size=1, n=20).power == pytest.approx(0.8689528, abs=1e-7)


def test_t_test_sample_size_matches_r_power_t_test():
    # R: power.t.test(power = .90, delta = 1) -> n = 22.02110 (uniroot, tol ≈ 1.2e-4).
    result = ss.estimate_two_means_sample_size(effect_size=1, power=0.9)
    assert result.n_group1_exact == pytest.approx(22.02110, abs=1e-4)
    assert (result.n_group1, result.n_group2) == (23, 23)
    assert result.df == pytest.approx(2 * result.n_group1_exact - 2)


def test_one_sided_t_test_sample_size_matches_r_power_t_test():
    # R: power.t.test(power = .90, delta = 1, alternative = "one.sided") -> n = 17.84713.
    result = ss.estimate_two_means_sample_size(effect_size=1, power=0.9, alternative="one-sided")
    assert result.n_group1_exact == pytest.approx(17.84713, abs=1e-4)


@pytest.mark.parametrize(("d", "table_n"), [(0.2, 393), (0.5, 64), (0.8, 26)])
def test_t_test_sample_size_matches_cohen_power_primer(d, table_n):
    # Source: Cohen (1992), A power primer, Table 2, "Mean dif", α = .05 two-sided, power .80.
    assert abs(ss.estimate_two_means_sample_size(effect_size=d).n_group1_exact - table_n) < 1


def test_t_test_unequal_allocation_agrees_with_simulation():
    # Independent check of the ratio: Student t-tests on seeded simulated samples, n1 = 30, n2 = 60.
    rng = np.random.default_rng(20240611)
    reps, n1, n2, d = 20_000, 30, 60, 0.6
    x = rng.standard_normal((reps, n1))
    y = rng.standard_normal((reps, n2)) + d
    pooled_sd = np.sqrt(((n1 - 1) * x.var(axis=1, ddof=1) + (n2 - 1) * y.var(axis=1, ddof=1)) / (n1 + n2 - 2))
    t = (y.mean(axis=1) - x.mean(axis=1)) / (pooled_sd * math.sqrt(1 / n1 + 1 / n2))
    simulated = float((t > stats.t.isf(0.025, n1 + n2 - 2)).mean())
    computed = ss.compute_two_means_power(effect_size=d, n=n1, ratio=2).power
    assert abs(simulated - computed) < 4 * math.sqrt(computed * (1 - computed) / reps)


def test_huge_effects_need_the_t_test_minimum_of_two_per_group():
    assert ss.estimate_two_means_sample_size(effect_size=20).n_group1_exact == 2.0


def test_detectable_d_reaches_exactly_the_target_power():
    result = ss.estimate_two_means_detectable_effect(n=20, power=0.9)
    assert ss.compute_two_means_power(effect_size=result.effect_size, n=20).power == pytest.approx(0.9, abs=1e-8)
    # Solving R's power.t.test equation for delta (n = 20, power = .90) by bisection on scipy.stats.nct
    # in a scratch script gives 1.051993.
    assert result.effect_size == pytest.approx(1.051993, abs=1e-6)


# --------------------------------------------------------------------------- chi-square


def test_chi_square_power_matches_statsmodels_gof_example():
    # statsmodels GofChisquarePower().solve_power(effect_size=.3, nobs=100, alpha=.05, n_bins=2):
    # df = 1 so χ'²(1, 9) = (Z + 3)² and power = Φ(3 − 1.95996) + Φ(−3 − 1.95996) = 0.8508388.
    result = ss.compute_chi_square_power(effect_size=0.3, df=1, n=100)
    expected = NormalDist().cdf(3 - Z95) + NormalDist().cdf(-3 - Z95)
    assert result.power == pytest.approx(expected, abs=1e-9)
    assert result.power == pytest.approx(0.8508388, abs=1e-7)
    assert result.noncentrality == pytest.approx(9.0)


@pytest.mark.parametrize(
    ("df", "w", "table_n"),
    [
        (1, 0.1, 785), (1, 0.3, 87),
        (2, 0.1, 964), (2, 0.3, 107), (2, 0.5, 39),
        (3, 0.1, 1090), (3, 0.3, 121), (3, 0.5, 44),
        (4, 0.1, 1194), (4, 0.3, 133), (4, 0.5, 48),
        (6, 0.1, 1362), (6, 0.3, 151), (6, 0.5, 54),
    ],
)  # fmt: skip
def test_chi_square_sample_size_matches_cohen_power_primer(df, w, table_n):
    # Source: Cohen (1992), A power primer, Table 2, "χ²", α = .05, power .80 (nearest whole number).
    assert abs(ss.estimate_chi_square_sample_size(effect_size=w, df=df).n_exact - table_n) < 1


def test_chi_square_power_agrees_with_the_poisson_mixture_of_central_chi_squares():
    # Independent of scipy's noncentral routine: P(χ'² > c) = Σ_j Pois(j; λ/2) · P(χ²(df + 2j) > c).
    df, n, w = 4, 150, 0.25
    critical = stats.chi2.isf(0.05, df)
    mixture = sum(stats.poisson.pmf(j, n * w * w / 2) * stats.chi2.sf(critical, df + 2 * j) for j in range(200))
    assert ss.compute_chi_square_power(effect_size=w, df=df, n=n).power == pytest.approx(mixture, abs=1e-10)


def test_detectable_w_reaches_exactly_the_target_power():
    result = ss.estimate_chi_square_detectable_effect(df=3, n=200)
    power = ss.compute_chi_square_power(effect_size=result.effect_size, df=3, n=200).power
    assert power == pytest.approx(0.8, abs=1e-8)


@pytest.mark.parametrize("df", [1, 2, 5])
def test_special_functions_give_the_same_numbers_as_scipy_stats(df):
    # The module calls scipy.special for speed; scipy.stats.nct / ncx2 must agree exactly.
    t_power = ss.compute_two_means_power(effect_size=0.4, n=50 + df)
    nu = 2 * (50 + df) - 2
    expected_t = stats.nct.sf(stats.t.isf(0.025, nu), nu, 0.4 * math.sqrt((50 + df) / 2))
    assert t_power.power == pytest.approx(expected_t, rel=1e-12)
    chi = ss.compute_chi_square_power(effect_size=0.2, df=df, n=180)
    expected_chi = stats.ncx2.sf(stats.chi2.isf(0.05, df), df, 180 * 0.04)
    assert chi.power == pytest.approx(expected_chi, rel=1e-10)


# --------------------------------------------------------------------------- segments


def test_segment_sample_size_is_the_per_group_size_of_one_comparison():
    result = ss.estimate_segment_sample_size(segments=4, difference=0.1, baseline_proportion=0.4)
    comparison = ss.estimate_two_proportions_sample_size(p1=0.4, p2=0.5)
    assert result.n_per_segment == comparison.n_group1
    assert result.total == 4 * comparison.n_group1
    assert result.comparisons == 6


def test_segment_sample_size_can_split_alpha_over_all_pairs():
    result = ss.estimate_segment_sample_size(segments=3, difference=0.1, adjust_alpha=True)
    assert result.alpha_per_comparison == pytest.approx(0.05 / 3)
    assert result.is_alpha_adjusted
    assert result.n_per_segment > ss.estimate_segment_sample_size(segments=3, difference=0.1).n_per_segment


def test_segment_margins_mark_segments_with_too_few_answers():
    margins = ss.estimate_segment_margins(
        counts={"north": 0, "centre": 12, "south": 400}, population_sizes={"south": 500}
    )
    by_name = {m.segment: m for m in margins}
    assert [m.segment for m in margins] == ["north", "centre", "south"]
    assert by_name["north"].margin_of_error is None
    assert by_name["north"].is_too_small
    assert by_name["centre"].is_too_small
    assert by_name["centre"].margin_of_error == pytest.approx(Z95 * math.sqrt(0.25 / 12))
    assert not by_name["south"].is_too_small
    assert by_name["south"].margin_of_error == pytest.approx(Z95 * math.sqrt(0.25 / 400) * math.sqrt(100 / 499))


def test_segment_margins_also_mark_margins_wider_than_the_limit():
    margins = ss.estimate_segment_margins(counts={"a": 100, "b": 1000}, maximum_margin_of_error=0.05)
    assert [m.is_too_small for m in margins] == [True, False]


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "parameter"),
    [
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=0), "margin_of_error"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=-0.1), "margin_of_error"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=0.05, proportion=0), "proportion"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=0.05, proportion=1.2), "proportion"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=0), "population_size"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=2.5), "population_size"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=0.05, confidence_level=1), "confidence_level"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=0.05, design_effect=0), "design_effect"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=0.05, rounding="floor"), "rounding"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=float("nan")), "margin_of_error"),
        (lambda: ss.estimate_proportion_sample_size(margin_of_error=True), "margin_of_error"),
        (lambda: ss.estimate_margin_of_error(n=0), "n"),
        (lambda: ss.estimate_margin_of_error(n=11, population_size=10), "n"),
        (lambda: ss.estimate_mean_sample_size(standard_deviation=0, margin_of_error=1), "standard_deviation"),
        (lambda: ss.estimate_mean_sample_size(standard_deviation=1, margin_of_error=0), "margin_of_error"),
        (lambda: ss.estimate_invitations(required_responses=100, response_rate=0), "response_rate"),
        (lambda: ss.estimate_invitations(required_responses=100, response_rate=1.5), "response_rate"),
        (
            lambda: ss.estimate_invitations(required_responses=100, response_rate=0.3, eligibility_rate=0),
            "eligibility_rate",
        ),
        (lambda: ss.estimate_invitations(required_responses=0, response_rate=0.3), "required_responses"),
        (lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.5), "p2"),
        (lambda: ss.estimate_two_proportions_sample_size(p1=0, p2=0.5), "p1"),
        (lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.6, power=1), "power"),
        (lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.6, power=0.04), "power"),
        (lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.6, alpha=0), "alpha"),
        (lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.6, ratio=0), "ratio"),
        (lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.6, method="exact"), "method"),
        (lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.6, alternative="less"), "alternative"),
        (lambda: ss.estimate_two_means_sample_size(effect_size=0), "effect_size"),
        (lambda: ss.compute_two_means_power(effect_size=0.5, n=1), "n"),
        (lambda: ss.compute_two_proportions_power(p1=0.2, p2=0.3, n=3, ratio=0.2), "ratio"),
        (lambda: ss.estimate_chi_square_sample_size(effect_size=0.3, df=0), "df"),
        (lambda: ss.estimate_chi_square_sample_size(effect_size=-0.3, df=1), "effect_size"),
        (lambda: ss.estimate_segment_sample_size(segments=1, difference=0.1), "segments"),
        (lambda: ss.estimate_segment_sample_size(segments=2, difference=0.6), "difference"),
        (lambda: ss.estimate_segment_margins(counts={"a": -1}), "counts"),
        (lambda: ss.estimate_segment_margins(counts={}, confidence_level=2), "confidence_level"),
        (lambda: ss.estimate_segment_margins(counts={"a": 5}, maximum_margin_of_error=0), "maximum_margin_of_error"),
    ],
)  # fmt: skip
def test_bad_parameters_raise_a_value_error_naming_the_parameter(call, parameter):
    with pytest.raises(ValueError) as raised:
        call()
    assert isinstance(raised.value, ss.SampleSizeInputError)
    assert raised.value.parameter == parameter
    assert str(raised.value) == raised.value.message.render()
    assert str(raised.value).endswith(".")


def test_error_messages_are_translatable_templates_with_parameters():
    with pytest.raises(ss.SampleSizeInputError) as raised:
        ss.estimate_proportion_sample_size(margin_of_error=0.05, rounding="floor")
    catalog = {"Rounding must be one of: {choices}.": "Cách làm tròn phải là một trong: {choices}."}
    assert raised.value.message.render(catalog.get) == "Cách làm tròn phải là một trong: ceil, nearest."


# --------------------------------------------------------------------------- round trips

unit_interior = st.floats(min_value=0.02, max_value=0.98)
confidences = st.floats(min_value=0.8, max_value=0.999)
populations = st.one_of(st.none(), st.integers(min_value=1, max_value=2_000_000))
design_effects = st.floats(min_value=0.5, max_value=4.0)


@settings(max_examples=300, deadline=None)
@given(
    margin=st.floats(min_value=0.005, max_value=0.3),
    confidence=confidences,
    proportion=unit_interior,
    population=populations,
    deff=design_effects,
)
def test_required_responses_are_the_smallest_n_within_the_margin(margin, confidence, proportion, population, deff):
    options = {"confidence_level": confidence, "proportion": proportion, "population_size": population}
    n = ss.estimate_proportion_sample_size(margin_of_error=margin, design_effect=deff, **options).required_responses
    assert ss.estimate_margin_of_error(n=n, design_effect=deff, **options).margin_of_error <= margin * (1 + 1e-9)
    if n > 1:
        assert ss.estimate_margin_of_error(n=n - 1, design_effect=deff, **options).margin_of_error > margin


@settings(max_examples=200, deadline=None)
@given(
    sd=st.floats(min_value=0.1, max_value=100),
    relative_margin=st.floats(min_value=0.02, max_value=2),
    confidence=confidences,
    population=populations,
)
def test_mean_sample_size_and_margin_are_inverse(sd, relative_margin, confidence, population):
    margin = sd * relative_margin
    options = {"standard_deviation": sd, "confidence_level": confidence, "population_size": population}
    n = ss.estimate_mean_sample_size(margin_of_error=margin, **options).required_responses
    assert ss.estimate_mean_margin_of_error(n=n, **options).margin_of_error <= margin * (1 + 1e-9)
    if n > 1:
        assert ss.estimate_mean_margin_of_error(n=n - 1, **options).margin_of_error > margin


alphas = st.sampled_from([0.01, 0.05, 0.1])
powers = st.floats(min_value=0.5, max_value=0.99)
alternatives = st.sampled_from(list(ss.Alternative))
ratios = st.floats(min_value=0.25, max_value=4)


@settings(max_examples=300, deadline=None)
@given(
    p1=unit_interior,
    p2=unit_interior,
    alpha=alphas,
    power=powers,
    alternative=alternatives,
    ratio=ratios,
    method=st.sampled_from(list(ss.ProportionTestMethod)),
)
def test_two_proportion_sizes_reach_the_target_power(p1, p2, alpha, power, alternative, ratio, method):
    if abs(p1 - p2) < 0.01:
        p2 = p1 + 0.01 if p1 < 0.5 else p1 - 0.01
    options = {"p1": p1, "p2": p2, "alpha": alpha, "alternative": alternative, "ratio": ratio, "method": method}
    result = ss.estimate_two_proportions_sample_size(power=power, **options)
    assert result.achieved_power >= power - 1e-9
    assume(result.n_group1_exact * min(ratio, 1) >= 1)  # power is only defined for groups of 1 answer or more
    at_exact = ss.compute_two_proportions_power(n=result.n_group1_exact, **options).power
    assert at_exact == pytest.approx(power, abs=1e-7)


@settings(max_examples=150, deadline=None)
@given(d=st.floats(min_value=0.05, max_value=3), alpha=alphas, power=powers, alternative=alternatives, ratio=ratios)
def test_two_means_sizes_reach_the_target_power(d, alpha, power, alternative, ratio):
    result = ss.estimate_two_means_sample_size(
        effect_size=d, alpha=alpha, power=power, alternative=alternative, ratio=ratio
    )
    assert result.achieved_power >= power - 1e-9
    assume(result.n_group1_exact > ss.MIN_T_TEST_GROUP and result.n_group1_exact * ratio >= 1)
    exact = ss.compute_two_means_power(
        effect_size=d, n=result.n_group1_exact, alpha=alpha, alternative=alternative, ratio=ratio
    )
    assert exact.power == pytest.approx(power, abs=1e-7)


@settings(max_examples=150, deadline=None)
@given(
    w=st.floats(min_value=0.05, max_value=1.5), df=st.integers(min_value=1, max_value=30), alpha=alphas, power=powers
)
def test_chi_square_sizes_reach_the_target_power(w, df, alpha, power):
    result = ss.estimate_chi_square_sample_size(effect_size=w, df=df, alpha=alpha, power=power)
    assert result.achieved_power >= power - 1e-9
    assert ss.compute_chi_square_power(effect_size=w, df=df, n=max(result.n_exact, 1), alpha=alpha).power >= (
        power - 1e-7
    )


@settings(max_examples=150, deadline=None)
@given(
    p1=st.floats(min_value=0.05, max_value=0.6),
    n=st.integers(min_value=50, max_value=5000),
    power=powers,
    method=st.sampled_from(list(ss.ProportionTestMethod)),
)
def test_detectable_p2_is_where_power_meets_the_target(p1, n, power, method):
    effect = ss.estimate_two_proportions_detectable_effect(p1=p1, n=n, power=power, method=method)
    achieved = ss.compute_two_proportions_power(p1=p1, p2=effect.p2, n=n, method=method).power
    assert achieved == pytest.approx(power, abs=1e-7)
