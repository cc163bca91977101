"""Theme × segment: which themes are over-represented in which segment of respondents.

For every (theme, segment) pair: the share of the segment's answers that carry the theme, the share
among everyone else, the lift (ratio of the two), a two-sided two-proportion z-test (pooled) and the
Benjamini–Hochberg q-value across the whole family of pairs tested. Pairs where the segment or the
rest has fewer than ``min_n`` answers are reported but not tested (``is_tested`` false), and do not
count in the family size.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import sqrt
from statistics import NormalDist

from surveys.core.messages import gettext_noop, message

MIN_N = 30
ALPHA = 0.05
NO_SEGMENTS = gettext_noop("Every answer needs a segment to compare themes across segments.")


@dataclass(frozen=True, slots=True)
class ThemeSegmentCell:
    theme_id: str
    segment: str
    n_segment: int  # answers in the segment
    k_segment: int  # of which carry the theme
    n_rest: int
    k_rest: int
    share: float  # k_segment / n_segment
    share_rest: float
    lift: float | None  # share / share_rest (None when the rest has no mention)
    z: float | None
    p_value: float | None
    q_value: float | None  # Benjamini–Hochberg over the family
    is_tested: bool  # false when a side has fewer than min_n answers
    is_significant: bool  # q ≤ alpha


@dataclass(frozen=True, slots=True)
class ThemeSegmentTable:
    cells: tuple[ThemeSegmentCell, ...]
    family_size: int  # number of tests the BH correction ran over
    min_n: int
    alpha: float
    test: str = "two-proportion z-test (pooled), two-sided; Benjamini–Hochberg FDR"


PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"


def nps_segment(score: int) -> str:
    """The NPS group of a 0–10 answer: 9–10 promoter, 7–8 passive, 0–6 detractor."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise ValueError("an NPS answer is a whole number from 0 to 10")
    return PROMOTER if score >= 9 else PASSIVE if score >= 7 else DETRACTOR


def two_proportion_test(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """Pooled two-sided z-test of k1/n1 against k2/n2; returns (z, p)."""
    pooled = (k1 + k2) / (n1 + n2)
    se = sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (k1 / n1 - k2 / n2) / se
    return z, 2 * (1 - NormalDist().cdf(abs(z)))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted q-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = min(1.0, running)
    return q


class SegmentError(ValueError):
    def __init__(self, template: str) -> None:
        self.message = message(template)
        super().__init__(self.message.render())


def compare_themes_across_segments(
    answer_themes: Mapping[str, Sequence[str]],
    answer_segment: Mapping[str, str],
    *,
    min_n: int = MIN_N,
    alpha: float = ALPHA,
    exclude_themes: Sequence[str] = (),
) -> ThemeSegmentTable:
    """Theme shares per segment against the rest, tested and BH-corrected as one family.

    ``answer_themes`` maps answer id → its theme ids; ``answer_segment`` answer id → segment name
    (e.g. "promoter", "18–24", "Hà Nội"). Answers without a segment are left out.
    """
    ids = [a for a in answer_themes if a in answer_segment]
    if not ids:
        raise SegmentError(NO_SEGMENTS)
    segments = sorted({answer_segment[a] for a in ids})
    themes = sorted({t for a in ids for t in answer_themes[a]} - set(exclude_themes))
    total = len(ids)
    seg_n = {s: sum(1 for a in ids if answer_segment[a] == s) for s in segments}
    count: dict[tuple[str, str], int] = {}
    theme_total: dict[str, int] = {}
    for a in ids:
        for t in set(answer_themes[a]):
            count[(t, answer_segment[a])] = count.get((t, answer_segment[a]), 0) + 1
            theme_total[t] = theme_total.get(t, 0) + 1
    raw = []
    for t in themes:
        for s in segments:
            n1, k1 = seg_n[s], count.get((t, s), 0)
            n2, k2 = total - n1, theme_total.get(t, 0) - k1
            share = k1 / n1
            share_rest = k2 / n2 if n2 else 0.0
            tested = n1 >= min_n and n2 >= min_n
            z = p = None
            if tested:
                z, p = two_proportion_test(k1, n1, k2, n2)
            lift = share / share_rest if share_rest else None
            raw.append((t, s, n1, k1, n2, k2, share, share_rest, lift, z, p, tested))
    tested_p = [r[10] for r in raw if r[11]]
    q_values = iter(benjamini_hochberg(tested_p))
    cells = []
    for t, s, n1, k1, n2, k2, share, share_rest, lift, z, p, tested in raw:
        q = next(q_values) if tested else None
        cells.append(
            ThemeSegmentCell(
                t,
                s,
                n1,
                k1,
                n2,
                k2,
                round(share, 6),
                round(share_rest, 6),
                None if lift is None else round(lift, 6),
                None if z is None else round(z, 6),
                p,
                q,
                tested,
                q is not None and q <= alpha,
            )
        )
    return ThemeSegmentTable(tuple(cells), len(tested_p), min_n, alpha)
