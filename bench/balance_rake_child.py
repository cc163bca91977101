"""Time the ``balance`` package's rake on data written by bench_weighting.py (run in balance's own virtualenv).

Not run by hand: ``bench/bench_weighting.py`` writes the integer codes and target shares to a
temporary .npz file and starts this script with the Python of ``--balance-venv`` (balance pins
numpy < 2, scipy < 1.14 and scikit-learn < 1.4, so it cannot share SoWhat's virtualenv). It imports
nothing from SoWhat.

What is timed is ``balance.weighting_methods.rake.rake`` on a pandas DataFrame of the codes (built
once, outside the timing), as a balance user calls it: ``transformations=None`` (balance's default
transformations would lump rare categories together), IPF to ``convergence_rate`` = the tolerance
with ``rate_tolerance=0`` (balance otherwise also stops when the error moves by less than 1e-8) and
the same sweep limit. balance reads targets from a target frame; the frame given is the 360-row
product of the categories weighted by the product of their shares, whose margins are exactly the
target shares. Prints one JSON line (median seconds, tracemalloc peak, versions, sweeps) and saves
the weights as .npy.
"""

import argparse
import itertools
import json
import logging
import statistics
import time
import tracemalloc
import warnings

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help=".npz with names, sizes, codes_<name>, shares_<name>")
    parser.add_argument("--weights-out", required=True, help="where to save balance's weights (.npy)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tolerance", type=float, default=1e-8)
    parser.add_argument("--max-sweeps", type=int, default=1000)
    options = parser.parse_args()

    logging.disable(logging.WARNING)  # balance logs every call at INFO and WARNING level
    warnings.simplefilter("ignore")
    import balance
    import pandas as pd
    import scipy
    from balance.weighting_methods.rake import rake

    logging.disable(logging.WARNING)

    data = np.load(options.data)
    names = [str(name) for name in data["names"]]
    sample = pd.DataFrame({name: data[f"codes_{name}"] for name in names})
    sample_weights = pd.Series(np.ones(len(sample)), index=sample.index)
    shares = [data[f"shares_{name}"] for name in names]
    rows = list(itertools.product(*[range(len(s)) for s in shares]))
    target = pd.DataFrame(rows, columns=names).astype(sample.dtypes.to_dict())
    target_weights = pd.Series(
        [float(np.prod([s[code] for s, code in zip(shares, row, strict=True)])) for row in rows], index=target.index
    )

    def run() -> dict:
        return rake(
            sample,
            sample_weights,
            target,
            target_weights,
            transformations=None,
            max_iteration=options.max_sweeps,
            convergence_rate=options.tolerance,
            rate_tolerance=0.0,
        )

    result = run()  # warm-up
    timings = []
    for _ in range(options.repeats):
        start = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - start)
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    weights = result["weight"].reindex(sample.index).to_numpy(dtype=np.float64)
    np.save(options.weights_out, weights)
    print(
        json.dumps(
            {
                "seconds": statistics.median(timings),
                "peak_bytes": peak,
                "converged": int(result["model"]["converged"]),
                "sweeps": len(result["model"]["iterations"]),
                "balance": balance.__version__,
                "numpy": np.__version__,
                "pandas": pd.__version__,
                "scipy": scipy.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
