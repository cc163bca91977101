"""Time raking 1,000,000 respondents over 4 variables (2 × 6 × 5 × 6 categories) to 1e-8.

Run: ``.venv/bin/python bench/bench_weighting.py [--respondents N] [--repeats R] [--balance-venv PATH]``.
Issue 6 asks for at most 50 ms and 32 MB of extra memory (tracemalloc peak) from integer codes.
Beside it, in the same run and on the same data, it times:

* a naive numpy IPF over the respondents (no cells: one bincount and one gather per variable and
  sweep), the anchor that always runs;
* ``ipfn`` (numpy mode) on the cell table, the aggregation and the gather back included, when it is
  installed (``pip install -r requirements-bench.txt``);
* the ``balance`` package's rake, when the virtualenv ``--balance-venv`` (default ``.venv-balance``
  at the top of the project, see bench/README.md) exists. balance 0.23 pins numpy < 2, scipy < 1.14
  and scikit-learn < 1.4, which would downgrade SoWhat's, so it runs in a child process with that
  virtualenv's Python (``bench/balance_rake_child.py``) on the same codes and targets, written to a
  temporary .npz file; its weights come back as .npy.

Every method must reach the same margins; the largest error in a share is printed beside its time.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.core import weighting

try:
    from ipfn import ipfn as ipfn_module
except ImportError:
    ipfn_module = None

ROOT = Path(__file__).resolve().parent.parent
BALANCE_CHILD = Path(__file__).resolve().parent / "balance_rake_child.py"
SIZES = (2, 6, 5, 6)
NAMES = ("sex", "age", "income", "region")
TOLERANCE = 1e-8
BUDGET_SECONDS = 0.050
BUDGET_BYTES = 32 * 1024 * 1024


def make_data(n: int, seed: int = 2019) -> tuple[dict[str, np.ndarray], dict[str, dict[str, float]]]:
    """Return correlated integer codes (so raking needs several sweeps) and target shares unlike the sample's."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    codes = {}
    for name, size in zip(NAMES, SIZES, strict=True):
        noisy = latent + rng.normal(scale=1.5, size=n)
        edges = np.quantile(noisy, np.linspace(0, 1, size + 1)[1:-1] + rng.uniform(-0.05, 0.05, size - 1))
        codes[name] = np.searchsorted(edges, noisy).astype(np.int8)
    targets = {
        name: {str(k): float(v) for k, v in enumerate(rng.dirichlet(np.full(size, 4.0)))}
        for name, size in zip(NAMES, SIZES, strict=True)
    }
    return codes, targets


def max_share_error(codes: dict[str, np.ndarray], weights: np.ndarray, targets: weighting.TargetSet) -> float:
    total = weights.sum()
    return max(
        float(np.abs(np.bincount(codes[t.variable], weights=weights, minlength=len(t.shares)) / total - t.shares).max())
        for t in targets.targets
    )


def naive_ipf(codes: dict[str, np.ndarray], targets: weighting.TargetSet) -> np.ndarray:
    """Rake every respondent's weight directly, with the same stopping rule (absolute error in shares)."""
    arrays = [codes[t.variable].astype(np.intp) for t in targets.targets]
    shares = [np.asarray(t.shares) for t in targets.targets]
    n = arrays[0].size
    weights = np.ones(n)
    for _sweep in range(weighting.DEFAULT_MAX_SWEEPS):
        for array, target in zip(arrays, shares, strict=True):
            margin = np.bincount(array, weights=weights, minlength=target.size)
            weights *= (target * n / margin)[array]
        error = max(
            float(np.abs(np.bincount(a, weights=weights, minlength=t.size) / n - t).max())
            for a, t in zip(arrays, shares, strict=True)
        )
        if error <= TOLERANCE:
            break
    return weights


def ipfn_on_cells(codes: dict[str, np.ndarray], targets: weighting.TargetSet) -> np.ndarray:
    """Aggregate into the 2 × 6 × 5 × 6 table, rake it with ipfn, and give each respondent its cell's weight."""
    cell = np.ravel_multi_index([codes[name].astype(np.intp) for name in NAMES], SIZES)
    counts = np.bincount(cell, minlength=int(np.prod(SIZES))).astype(np.float64)
    seed = counts.reshape(SIZES)
    n = counts.sum()
    aggregates = [np.asarray(targets.get(name).shares) * n for name in NAMES]
    solver = ipfn_module.ipfn(
        seed.copy(),
        aggregates,
        [[axis] for axis in range(len(SIZES))],
        convergence_rate=TOLERANCE,  # ipfn stops on the relative error, which bounds the error in shares
        max_iteration=weighting.DEFAULT_MAX_SWEEPS,
        rate_tolerance=0.0,
    )
    fitted = solver.iteration().ravel()
    factors = np.divide(fitted, counts, out=np.zeros_like(fitted), where=counts > 0)
    return factors[cell]


def venv_python(venv: Path) -> Path | None:
    """Return the Python of a virtualenv, or None when there is none."""
    for candidate in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
        if candidate.exists():
            return candidate
    return None


def balance_in_child(
    python: Path, codes: dict[str, np.ndarray], targets: weighting.TargetSet, repeats: int
) -> tuple[dict, np.ndarray]:
    """Run balance's rake in its own virtualenv on the same codes and targets; return its figures and weights."""
    with tempfile.TemporaryDirectory(prefix="bench-balance-") as folder:
        data, out = Path(folder) / "data.npz", Path(folder) / "weights.npy"
        arrays = {f"codes_{name}": codes[name] for name in NAMES}
        arrays.update({f"shares_{name}": np.asarray(targets.get(name).shares) for name in NAMES})
        np.savez(data, names=np.array(NAMES), **arrays)
        completed = subprocess.run(
            [
                str(python),
                str(BALANCE_CHILD),
                "--data",
                str(data),
                "--weights-out",
                str(out),
                "--repeats",
                str(repeats),
                "--tolerance",
                repr(TOLERANCE),
                "--max-sweeps",
                str(weighting.DEFAULT_MAX_SWEEPS),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "failed")
        figures = json.loads(completed.stdout.strip().splitlines()[-1])
        return figures, np.load(out)


def median_seconds(function: Callable[[], object], repeats: int) -> float:
    function()  # warm-up
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def peak_bytes(function: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument(
        "--balance-venv",
        type=Path,
        default=ROOT / ".venv-balance",
        help="virtualenv with the balance package (default: .venv-balance; see bench/README.md)",
    )
    options = parser.parse_args()
    codes, raw = make_data(options.respondents)
    targets = weighting.build_target_set(raw)
    result = weighting.rake(codes, targets, tolerance=TOLERANCE)
    print(
        f"{options.respondents:,} respondents, {' × '.join(map(str, SIZES))} categories, codes {codes['sex'].dtype};"
        f" {result.cells} cells; {result.sweeps} sweeps; converged {result.converged};"
        f" design effect {result.summary.design_effect:.3f}; Python {sys.version.split()[0]}, numpy {np.__version__}"
    )

    def ours() -> object:
        return weighting.rake(codes, targets, tolerance=TOLERANCE)

    methods: list[tuple[str, Callable[[], object], Callable[[], np.ndarray]]] = [
        ("naive numpy IPF over rows", lambda: naive_ipf(codes, targets), lambda: naive_ipf(codes, targets)),
    ]
    if ipfn_module is not None:
        methods.append(
            ("ipfn 1.4 (numpy, on cells)", lambda: ipfn_on_cells(codes, targets), lambda: ipfn_on_cells(codes, targets))
        )
    else:
        print("ipfn: not installed (pip install -r requirements-bench.txt)")
    balance_python = venv_python(options.balance_venv)
    if balance_python is None:
        print(f"balance: no virtualenv at {options.balance_venv} (see bench/README.md to create it)")

    our_seconds = median_seconds(ours, options.repeats)
    our_peak = peak_bytes(ours)
    our_error = max_share_error(codes, result.weights, targets)
    print(f"{'method':30} {'ms':>9} {'peak MB':>8} {'max share error':>16} {'time ratio':>11} {'memory ratio':>13}")
    print(
        f"{'sowhat rake (cells)':30} {our_seconds * 1e3:9.1f} {our_peak / 2**20:8.1f} {our_error:16.2e}"
        f" {1:11.2f} {1:13.2f}"
    )
    for name, run, weights_of in methods:
        seconds = median_seconds(run, options.repeats if "naive" in name else max(1, options.repeats // 3))
        peak = peak_bytes(run)
        weights = weights_of()
        error = max_share_error(codes, weights, targets)
        agreement = float(np.abs(weights / weights.mean() - result.weights / result.weights.mean()).max())
        print(
            f"{name:30} {seconds * 1e3:9.1f} {peak / 2**20:8.1f} {error:16.2e} {seconds / our_seconds:11.2f}"
            f" {peak / our_peak:13.2f}   (largest weight difference from ours: {agreement:.1e})"
        )
    if balance_python is not None:
        try:
            figures, weights = balance_in_child(balance_python, codes, targets, max(1, options.repeats // 3))
        except (RuntimeError, OSError, ValueError) as error:
            print(f"balance: the child process failed: {error}")
        else:
            seconds, peak = figures["seconds"], figures["peak_bytes"]
            error = max_share_error(codes, weights, targets)
            agreement = float(np.abs(weights / weights.mean() - result.weights / result.weights.mean()).max())
            name = f"balance {figures['balance']} rake (child)"
            print(
                f"{name:30} {seconds * 1e3:9.1f} {peak / 2**20:8.1f} {error:16.2e} {seconds / our_seconds:11.2f}"
                f" {peak / our_peak:13.2f}   (largest weight difference from ours: {agreement:.1e})"
            )
            print(
                f"  balance ran in {options.balance_venv.name}: numpy {figures['numpy']}, pandas {figures['pandas']},"
                f" scipy {figures['scipy']}; {figures['sweeps']} sweeps; converged {bool(figures['converged'])};"
                " timed from a pandas DataFrame of the codes (building it and importing balance not timed)"
            )
    within_time = our_seconds <= BUDGET_SECONDS
    within_memory = our_peak <= BUDGET_BYTES
    print(
        f"budget: ≤ {BUDGET_SECONDS * 1e3:.0f} ms {'yes' if within_time else 'NO'};"
        f" ≤ {BUDGET_BYTES / 2**20:.0f} MB {'yes' if within_memory else 'NO'}"
    )
    return 0 if within_time and within_memory and result.converged else 1


if __name__ == "__main__":
    sys.exit(main())
