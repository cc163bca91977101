"""Time every sample-size calculation against an anchor computed in the same process.

Run: ``.venv/bin/python bench/bench_sample_size.py [--calls N]``. Each calculation must take at most
1 ms per call (issue 4). The anchor is the same formula written directly with
``statistics.NormalDist`` or ``scipy.stats``, or statsmodels' solver when statsmodels is installed;
the ratio shows what the validation, the named result and the intermediate values cost.
"""

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scipy import stats
from scipy.optimize import brentq

from surveys.core import sample_size as ss

try:
    from statsmodels.stats import power as sm_power  # statsmodels is optional: never a requirement
except ImportError:
    sm_power = None

NORMAL = statistics.NormalDist()
BUDGET_SECONDS = 1e-3


def median_seconds(function: Callable[[], object], calls: int) -> float:
    """Return the median wall time of one call over ``calls`` calls, after a warm-up."""
    for _ in range(min(calls, 50)):
        function()
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def anchor_proportion() -> int:
    z = NORMAL.inv_cdf(0.975)
    n0 = z * z * 0.25 / 0.05**2
    return math.ceil(n0 / (1 + (n0 - 1) / 1000))


def anchor_margin() -> float:
    return NORMAL.inv_cdf(0.975) * math.sqrt(0.25 / 278) * math.sqrt((1000 - 278) / 999)


def anchor_mean() -> int:
    return math.ceil((NORMAL.inv_cdf(0.975) * 15 / 3) ** 2)


def anchor_invitations() -> int:
    return math.ceil(385 / (0.2 * 0.8))


def anchor_two_proportions_n() -> float:
    z_alpha, z_beta = NORMAL.inv_cdf(0.975), NORMAL.inv_cdf(0.9)
    pooled = 0.625
    return ((z_alpha * math.sqrt(2 * pooled * (1 - pooled)) + z_beta * math.sqrt(0.25 + 0.1875)) / 0.25) ** 2


def anchor_two_proportions_power() -> float:
    z = NORMAL.inv_cdf(0.975)
    return NORMAL.cdf((math.sqrt(50) * 0.25 - z * math.sqrt(2 * 0.625 * 0.375)) / math.sqrt(0.4375))


def anchor_two_proportions_effect() -> float:
    z = NORMAL.inv_cdf(0.975)

    def shortfall(p2: float) -> float:
        pooled = (0.5 + p2) / 2
        numerator = math.sqrt(50) * (p2 - 0.5) - z * math.sqrt(2 * pooled * (1 - pooled))
        return NORMAL.cdf(numerator / math.sqrt(0.25 + p2 * (1 - p2))) - 0.9

    return brentq(shortfall, 0.5 + 1e-12, 1 - 1e-12)


def anchor_arcsine_n() -> float:
    h = 2 * math.asin(math.sqrt(0.75)) - 2 * math.asin(math.sqrt(0.5))
    if sm_power is not None:
        return sm_power.NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.9)
    return 2 * ((NORMAL.inv_cdf(0.975) + NORMAL.inv_cdf(0.9)) / h) ** 2


def anchor_two_means_power() -> float:
    if sm_power is not None:
        return sm_power.TTestIndPower().power(effect_size=1.0, nobs1=20, alpha=0.05)
    return stats.nct.sf(stats.t.isf(0.025, 38), 38, math.sqrt(10))


def anchor_two_means_n() -> float:
    if sm_power is not None:
        return sm_power.TTestIndPower().solve_power(effect_size=1.0, alpha=0.05, power=0.9)

    def shortfall(n: float) -> float:
        return stats.nct.sf(stats.t.isf(0.025, 2 * n - 2), 2 * n - 2, math.sqrt(n / 2)) - 0.9

    return brentq(shortfall, 2, 1e7)


def anchor_chi_square_power() -> float:
    if sm_power is not None:
        return sm_power.GofChisquarePower().power(effect_size=0.3, nobs=100, alpha=0.05, n_bins=2)
    return stats.ncx2.sf(stats.chi2.isf(0.05, 1), 1, 9.0)


def anchor_chi_square_n() -> float:
    if sm_power is not None:
        return sm_power.GofChisquarePower().solve_power(effect_size=0.3, alpha=0.05, power=0.8, n_bins=4)
    critical = stats.chi2.isf(0.05, 3)
    return brentq(lambda n: stats.ncx2.sf(critical, 3, n * 0.09) - 0.8, 1, 1e7)


SEGMENT_COUNTS = {f"segment-{i}": 12 + 37 * i for i in range(10)}


def anchor_segment_margins() -> list[float]:
    z = NORMAL.inv_cdf(0.975)
    return [z * math.sqrt(0.25 / n) for n in SEGMENT_COUNTS.values()]


CASES: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
    (
        "proportion (N=1000)",
        lambda: ss.estimate_proportion_sample_size(margin_of_error=0.05, population_size=1000),
        anchor_proportion,
    ),
    (
        "margin of error (n=278, N=1000)",
        lambda: ss.estimate_margin_of_error(n=278, population_size=1000),
        anchor_margin,
    ),
    ("mean", lambda: ss.estimate_mean_sample_size(standard_deviation=15, margin_of_error=3), anchor_mean),
    (
        "invitations",
        lambda: ss.estimate_invitations(required_responses=385, response_rate=0.2, eligibility_rate=0.8),
        anchor_invitations,
    ),
    (
        "two proportions n (pooled)",
        lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.75, power=0.9),
        anchor_two_proportions_n,
    ),
    (
        "two proportions n (arcsine)",
        lambda: ss.estimate_two_proportions_sample_size(p1=0.5, p2=0.75, power=0.9, method="arcsine"),
        anchor_arcsine_n,
    ),
    (
        "two proportions power",
        lambda: ss.compute_two_proportions_power(p1=0.5, p2=0.75, n=50),
        anchor_two_proportions_power,
    ),
    (
        "two proportions detectable p2",
        lambda: ss.estimate_two_proportions_detectable_effect(p1=0.5, n=50, power=0.9),
        anchor_two_proportions_effect,
    ),
    ("two means power", lambda: ss.compute_two_means_power(effect_size=1, n=20), anchor_two_means_power),
    ("two means n", lambda: ss.estimate_two_means_sample_size(effect_size=1, power=0.9), anchor_two_means_n),
    (
        "two means detectable d",
        lambda: ss.estimate_two_means_detectable_effect(n=20, power=0.9),
        anchor_two_means_n,
    ),
    (
        "chi-square power",
        lambda: ss.compute_chi_square_power(effect_size=0.3, df=1, n=100),
        anchor_chi_square_power,
    ),
    ("chi-square n (df=3)", lambda: ss.estimate_chi_square_sample_size(effect_size=0.3, df=3), anchor_chi_square_n),
    (
        "chi-square detectable w",
        lambda: ss.estimate_chi_square_detectable_effect(df=3, n=120),
        anchor_chi_square_n,
    ),
    (
        "segment n (4 segments)",
        lambda: ss.estimate_segment_sample_size(segments=4, difference=0.1, adjust_alpha=True),
        anchor_two_proportions_n,
    ),
    (
        "segment margins (10 segments)",
        lambda: ss.estimate_segment_margins(counts=SEGMENT_COUNTS),
        anchor_segment_margins,
    ),
]


def main() -> int:
    """Print each calculation's median time per call, its anchor's, their ratio and the budget verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="timed calls per calculation")
    calls = parser.parse_args().calls
    anchor_kind = "statsmodels where it applies" if sm_power is not None else "NormalDist / scipy.stats"
    print(f"anchor: {anchor_kind}; {calls} calls each; Python {sys.version.split()[0]}")
    print(f"{'calculation':34} {'ours µs':>9} {'anchor µs':>10} {'ratio':>7}  ≤ 1 ms")
    over_budget = 0
    for name, ours, anchor in CASES:
        ours_seconds = median_seconds(ours, calls)
        anchor_seconds = median_seconds(anchor, calls)
        within = ours_seconds <= BUDGET_SECONDS
        over_budget += not within
        print(
            f"{name:34} {ours_seconds * 1e6:9.1f} {anchor_seconds * 1e6:10.1f} "
            f"{ours_seconds / anchor_seconds:7.2f}  {'yes' if within else 'NO'}"
        )
    return 1 if over_budget else 0


if __name__ == "__main__":
    sys.exit(main())
