"""Settings for bench/bench_submission.py only: production settings plus a bench-only URLconf.

The URLconf adds a trivial view (the anchor) beside the real routes; production never serves it.
"""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.submission_urls"
