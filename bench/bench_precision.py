"""Time the planner's survey plan and the per-segment precision against a direct formula.

Run: ``.venv/bin/python bench/bench_precision.py [--calls N]``. Both are on every page that shows a
plan or results per segment, so each must stay within the 1 ms budget of issue 4. The anchor is the
same arithmetic written inline with ``statistics.NormalDist``; the ratio shows what validation,
named results and the explanations cost.
"""

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from surveys.core.precision import segment_precision
from surveys.core.survey_plan import PlanTargets, plan_survey

NORMAL = statistics.NormalDist()
BUDGET_SECONDS = 1e-3
COUNTS = {f"segment {index}": count for index, count in enumerate([400, 12, 0, 95, 31, 250, 29, 1000, 60, 7])}


def median_seconds(function: Callable[[], object], calls: int) -> float:
    for _ in range(min(calls, 50)):
        function()
    timings = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def anchor_plan() -> tuple[int, int]:
    z = NORMAL.inv_cdf(0.975)
    n0 = z * z * 0.25 / 0.05**2
    n = math.ceil(n0 / (1 + (n0 - 1) / 1000))
    return n, math.ceil(n / (0.2 * 0.8))


def anchor_segments() -> list[tuple[float | None, bool]]:
    z = NORMAL.inv_cdf(0.975)
    return [(z * math.sqrt(0.25 / n) if n else None, n < 30) for n in COUNTS.values()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=2000)
    calls = parser.parse_args().calls
    targets = PlanTargets(population_size=1000, margin_of_error=0.05, response_rate=0.2, eligibility_rate=0.8)
    cases = [
        ("plan_survey", lambda: plan_survey(targets), anchor_plan),
        ("segment_precision (10 segments)", lambda: segment_precision(COUNTS), anchor_segments),
    ]
    over_budget = False
    for name, function, anchor in cases:
        ours, theirs = median_seconds(function, calls), median_seconds(anchor, calls)
        over_budget |= ours > BUDGET_SECONDS
        print(f"{name:34} {ours * 1e6:8.1f} µs  anchor {theirs * 1e6:7.1f} µs  ratio {ours / theirs:6.1f}")
    print("over the 1 ms budget" if over_budget else "every calculation within 1 ms")
    return 1 if over_budget else 0


if __name__ == "__main__":
    raise SystemExit(main())
