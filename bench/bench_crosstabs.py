"""Time the vectorised crosstab engine against a loop over scipy, in one process.

Run: ``.venv/bin/python bench/bench_crosstabs.py [--respondents N] [--questions Q] [--segments S]``.
Issue 8 asks for 10,000 crosstabs in at most 50 ms. The default data: 1,000 respondents,
400 closed questions (2–6 levels, a few percent missing) × 25 segment variables (2–6 levels) =
10,000 question × segment tables.

Two runs:

* **nominal**: every question nominal. The engine (tables, χ² or Fisher's exact test where
  expected counts are small, Cramér's V, every column-proportion z-test with Cohen's h,
  Benjamini–Hochberg over both families; intervals are computed when a comparison is read)
  against the anchor: per pair, the table from ``np.bincount`` on combined codes and
  ``scipy.stats.chi2_contingency``. Prints the ratio and the largest absolute difference of the
  p-values (χ², and Fisher's exact test for the 2 × 2 tables that need it).
* **mixed**: a quarter of the questions are 1–5 ratings. The engine against a loop of
  ``chi2_contingency`` / ``kruskal`` / ``mannwhitneyu`` (the omnibus tests only: the loop does
  not even attempt the per-group comparisons the engine also computes). Prints the ratio and the
  largest absolute p-value differences per test.

The budget applies to the vectorised engine (``exact_rxc=False``); the Monte Carlo
Fisher–Freeman–Halton test of r × c tables with small expected counts is one scipy call per such
table (5–40 ms each) and is timed and counted separately.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: all the work in this thread

import numpy as np
from scipy import stats

from analysis.core import crosstabs as ct

BUDGET_SECONDS = 0.050


def make_variables(rng, count, respondents, *, ordinal_share=0.0, prefix="q"):
    variables = []
    for i in range(count):
        if rng.random() < ordinal_share:
            levels = 5
            probabilities = rng.dirichlet(np.full(levels, 4.0))
            measurement, values = ct.Measurement.ORDINAL, (1.0, 2.0, 3.0, 4.0, 5.0)
        else:
            levels = int(rng.integers(2, 7))
            probabilities = rng.dirichlet(np.full(levels, 3.0))
            measurement, values = ct.Measurement.NOMINAL, None
        codes = rng.choice(levels, size=respondents, p=probabilities)
        codes[rng.random(respondents) < 0.03] = -1
        variables.append(ct.CodedVariable(f"{prefix}{i}", codes, levels, measurement, values))
    return variables


def timings(function: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Fastest and median wall time of one call after a warm-up, and the fastest CPU time of this thread.

    On a shared machine the wall time includes waiting for a core; the CPU time does not (BLAS
    runs in this thread: the bench sets OPENBLAS_NUM_THREADS=1 unless it is already set).
    """
    function()
    seconds, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.thread_time()
        function()
        cpu.append(time.thread_time() - start_cpu)
        seconds.append(time.perf_counter() - start)
    return min(seconds), statistics.median(seconds), min(cpu)


def anchor(questions, segments):
    """One scipy call per pair, the table from np.bincount on combined codes."""
    p_values = {}
    for qi, question in enumerate(questions):
        for si, segment in enumerate(segments):
            valid = (question.codes >= 0) & (segment.codes >= 0)
            q, s = question.codes[valid], segment.codes[valid]
            if question.measurement is ct.Measurement.NOMINAL:
                table = np.bincount(q * segment.n_levels + s, minlength=question.n_levels * segment.n_levels)
                table = table.reshape(question.n_levels, segment.n_levels)
                table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
                if min(table.shape) < 2:
                    continue
                p_values[qi * len(segments) + si] = ("chi2", stats.chi2_contingency(table, correction=False).pvalue)
            else:
                groups = [q[s == g] for g in range(segment.n_levels) if np.any(s == g)]
                if len(groups) == 2:
                    p_values[qi * len(segments) + si] = ("mwu", stats.mannwhitneyu(*groups).pvalue)
                elif len(groups) > 2:
                    p_values[qi * len(segments) + si] = ("kw", stats.kruskal(*groups).pvalue)
    return p_values


def compare(family, p_values):
    """Largest |p − p_scipy| per test; 2 × 2 tables sent to Fisher's test are checked against scipy's."""
    worst: dict[str, float] = {}
    names = {
        "chi2": ct.StatisticalTest.PEARSON_CHI_SQUARE,
        "mwu": ct.StatisticalTest.MANN_WHITNEY,
        "kw": ct.StatisticalTest.KRUSKAL_WALLIS,
    }
    for index, (kind, p) in p_values.items():
        test = ct._OMNIBUS_TESTS[int(family.pair_test[index])]
        if test is ct.StatisticalTest.FISHER_EXACT:
            table = family.unweighted_counts[index]
            table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
            kind, p = "fisher", stats.fisher_exact(table.astype(int)).pvalue
        elif test is not names[kind]:
            continue
        worst[kind] = max(worst.get(kind, 0.0), abs(float(family.pair_p[index]) - p))
    return worst


def run(label, questions, segments, repeats):
    fastest, median, cpu = timings(lambda: ct.compute_crosstabs(questions, segments, exact_rxc=False), repeats)
    start = time.perf_counter()
    family = ct.compute_crosstabs(questions, segments)
    full = time.perf_counter() - start
    start = time.perf_counter()
    p_values = anchor(questions, segments)
    loop = time.perf_counter() - start
    used = [ct._OMNIBUS_TESTS[int(t)] for t in family.pair_test if t >= 0]
    fisher = used.count(ct.StatisticalTest.FISHER_EXACT)
    halton = used.count(ct.StatisticalTest.FISHER_FREEMAN_HALTON)
    exact_cells = int(np.sum(family.comparison_test == ct._COMPARISON_TESTS.index(ct.StatisticalTest.FISHER_EXACT)))
    differences = compare(family, p_values)
    print(f"[{label}] {family.pair_count} crosstabs, {family.comparison_family_size} comparisons in the family")
    print(f"  engine, vectorised (fastest / median of {repeats}): {fastest * 1e3:7.1f} / {median * 1e3:7.1f} ms wall")
    print(f"    fastest CPU time of the thread: {cpu * 1e3:7.1f} ms (load average {os.getloadavg()[0]:.1f})")
    print(f"    budget {BUDGET_SECONDS * 1e3:.0f} ms; includes {fisher} Fisher 2×2 tables, {exact_cells} Fisher cells")
    print(f"  engine with {halton} Monte Carlo Fisher–Freeman–Halton r×c tables: {full * 1e3:7.1f} ms")
    print(f"  scipy loop (omnibus tests only): {loop * 1e3:7.1f} ms   ratio loop / engine {loop / median:6.1f}×")
    for kind, difference in sorted(differences.items()):
        print(f"  max |p − p_scipy| ({kind}): {difference:.2e}")
    return fastest <= BUDGET_SECONDS and all(d < 1e-10 for d in differences.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--segments", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=7)
    arguments = parser.parse_args()
    rng = np.random.default_rng(8)
    segments = make_variables(rng, arguments.segments, arguments.respondents, prefix="s")
    nominal = make_variables(rng, arguments.questions, arguments.respondents)
    mixed = make_variables(rng, arguments.questions, arguments.respondents, ordinal_share=0.25)
    ok = run("nominal", nominal, segments, arguments.repeats)
    ok = run("mixed", mixed, segments, arguments.repeats) and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
