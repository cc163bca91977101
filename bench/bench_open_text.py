"""Accuracy and speed of the open-answer analysis on the labelled set in tests/data/open_text/.

Run: .venv/bin/python bench/bench_open_text.py [--skip-speed] [--n 100000] [--misses]

Accuracy, per language, on the dev split, the held-out test split and both:
- sentiment macro-F1 over negative / neutral / positive / mixed (target ≥ 0.75);
- theme purity and NMI of the main theme against the labelled theme:
  * unsupervised: themes discovered on the dev answers of both languages together; the dev
    figures are on those answers, the test figures on held-out answers assigned by the resulting
    codebook (as new answers would be) (target purity ≥ 0.65);
  * pinned: a codebook with 10 pinned dev examples per labelled theme and nothing else, applied to
    the answers that were not pinned (target purity ≥ 0.85).
Speed: N short answers (two labelled answers of one language glued together, some stripped of
diacritics, some with an emoji, so that few are exact duplicates) end to end, next to an anchor
(lower-case + split + count of the same texts) timed in the same process; peak memory (RSS).
"""

import argparse
import json
import os
import random
import resource
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.metrics import f1_score, normalized_mutual_info_score

from analysis.core.open_text.codebook import Codebook, make_theme
from analysis.core.open_text.normalization import fold_accents
from analysis.core.open_text.pipeline import analyze_answers, process_text
from analysis.core.open_text.sentiment import LABELS

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "open_text"
TARGET_F1, TARGET_PURITY, TARGET_PURITY_PINNED = 0.75, 0.65, 0.85
PINS_PER_THEME = 10


def load() -> list[dict]:
    rows = []
    for lang in ("vi", "en"):
        with (DATA / f"{lang}.jsonl").open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def purity(predicted: list[str], gold: list[str]) -> float:
    groups: dict[str, Counter] = defaultdict(Counter)
    for p, g in zip(predicted, gold, strict=True):
        groups[p][g] += 1
    return sum(c.most_common(1)[0][1] for c in groups.values()) / len(gold) if gold else 0.0


def report_sentiment(rows: list[dict], misses: bool) -> None:
    print("Sentiment macro-F1 (negative/neutral/positive/mixed), target ≥ 0.75")
    predicted = {r["id"]: process_text(r["text"]).sentiment.label for r in rows}
    for lang in ("vi", "en"):
        for split in ("dev", "test", "all"):
            sel = [r for r in rows if r["lang"] == lang and (split == "all" or r["split"] == split)]
            f1 = f1_score(
                [r["sentiment"] for r in sel], [predicted[r["id"]] for r in sel], labels=list(LABELS), average="macro"
            )
            mark = "ok" if f1 >= TARGET_F1 else "BELOW"
            print(f"  {lang} {split:<4} n={len(sel):3d}  macro-F1 {f1:.3f}  {mark}")
    if misses:
        for r in rows:
            if predicted[r["id"]] != r["sentiment"] and r["split"] == "dev":
                print(f"    miss {r['id']} gold={r['sentiment']} got={predicted[r['id']]}: {r['text']}")


def _theme_scores(label: str, rows: list[dict], main_theme: dict[str, str]) -> None:
    for lang in ("vi", "en", "both"):
        sel = [r for r in rows if lang == "both" or r["lang"] == lang]
        pred = [main_theme[r["id"]] for r in sel]
        gold = [r["theme"] for r in sel]
        p = purity(pred, gold)
        nmi = normalized_mutual_info_score(gold, pred)
        other = sum(1 for x in pred if x == "other") / len(pred)
        print(f"  {label:<22} {lang:<4} n={len(sel):3d}  purity {p:.3f}  NMI {nmi:.3f}  other {other:.0%}")


def report_themes(rows: list[dict]) -> None:
    dev = [r for r in rows if r["split"] == "dev"]
    test = [r for r in rows if r["split"] == "test"]
    print(f"\nThemes, unsupervised (target purity ≥ {TARGET_PURITY}); discovery on {len(dev)} dev answers")
    found = analyze_answers([(r["id"], r["text"]) for r in dev])
    print(f"  k chosen {found.k}, silhouette {found.silhouette}, scores by k {dict(found.k_scores)}")
    for theme in found.themes:
        words = "; ".join(f"{lang}: {', '.join(w[:4])}" for lang, w in theme.keywords.items())
        print(f"    {theme.id:<6} n={theme.n_answers:3d}  {theme.label}  [{words}]")
    _theme_scores("dev (discovered on)", dev, {a.id: a.themes[0] if a.themes else "other" for a in found.answers})
    applied = analyze_answers([(r["id"], r["text"]) for r in test], codebook=found.codebook)
    _theme_scores("test (held out)", test, {a.id: a.themes[0] if a.themes else "other" for a in applied.answers})

    print(
        f"\nThemes with {PINS_PER_THEME} pinned dev examples per labelled theme"
        f" (target purity ≥ {TARGET_PURITY_PINNED})"
    )
    rng = random.Random(7)
    by_theme: dict[str, list[dict]] = defaultdict(list)
    for r in dev:
        by_theme[r["theme"]].append(r)
    themes, pinned_ids = [], set()
    for number, (name, members) in enumerate(sorted(by_theme.items()), start=1):
        pins = rng.sample(members, PINS_PER_THEME)
        pinned_ids.update(p["id"] for p in pins)
        themes.append(make_theme(f"T{number}", name, pinned=[p["text"] for p in pins], is_edited=True))
    codebook = Codebook(tuple(themes), len(themes) + 1)
    name_of = {t.id: t.label for t in themes}
    rest_dev = [r for r in dev if r["id"] not in pinned_ids]
    for label, subset in (("dev (not pinned)", rest_dev), ("test (held out)", test)):
        result = analyze_answers([(r["id"], r["text"]) for r in subset], codebook=codebook)
        _theme_scores(
            label, subset, {a.id: name_of.get(a.themes[0], "other") if a.themes else "other" for a in result.answers}
        )


def synthetic_answers(rows: list[dict], n: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    by_lang = {lang: [r["text"] for r in rows if r["lang"] == lang] for lang in ("vi", "en")}
    emojis = ["", "", "", " 😍", " 😡", " 👍", " :(", " =))"]
    out = []
    for i in range(n):
        pool = by_lang["vi" if i % 2 == 0 else "en"]
        a, b = rng.choice(pool), rng.choice(pool)
        text = f"{a}, {b[0].lower()}{b[1:]}{rng.choice(emojis)}"
        if i % 2 == 0 and rng.random() < 0.3:
            text = fold_accents(text)
        out.append((str(i), text))
    return out


def _pss_mb(pid: int) -> float:
    """Proportional set size of a process (shared pages split between their users), in MB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(x) for x in handle.read().split()]
    except OSError:
        return []


class PeakMemory:
    """Samples the PSS of this process plus its children every 0.2 s; keeps the peak sum."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.2):
            total = _pss_mb(me) + sum(_pss_mb(child) for child in _children(me))
            self.peak_mb = max(self.peak_mb, total)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def report_speed(rows: list[dict], n: int, workers: int) -> None:
    answers = synthetic_answers(rows, n)
    distinct = len({t for _, t in answers})
    print(
        f"\nSpeed: {n} answers ({distinct} distinct), cores available {os.cpu_count()}, load average {os.getloadavg()}"
    )
    start = time.perf_counter()
    counts: Counter = Counter()
    for _, text in answers:
        counts.update(text.lower().split())
    anchor = time.perf_counter() - start
    start = time.perf_counter()
    with PeakMemory() as memory:
        result = analyze_answers(answers, workers=workers)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  anchor (lower+split+count): {anchor:.2f} s")
    print(f"  analyze_answers end to end: {elapsed:.1f} s (target ≤ 120 s), ratio to anchor {elapsed / anchor:.0f}×")
    print(
        f"  workers {workers}; peak PSS of all processes together {memory.peak_mb:.0f} MB (target ≤ 1024 MB);"
        f" peak RSS main process {peak_mb:.0f} MB, largest worker {child_mb:.0f} MB"
    )
    print(f"  themes found {len(result.themes) - 1}, k={result.k}")
    print(f"  load average after {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--misses", action="store_true", help="list dev sentiment misses")
    args = parser.parse_args()
    rows = load()
    print(
        f"Labelled answers: {Counter(r['lang'] for r in rows)};"
        f" held out: {Counter(r['lang'] for r in rows if r['split'] == 'test')}"
    )
    report_sentiment(rows, args.misses)
    report_themes(rows)
    if not args.skip_speed:
        report_speed(rows, args.n, args.workers)


if __name__ == "__main__":
    main()
