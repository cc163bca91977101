"""Does the candidate-insight core find effects that are there, and only those? A simulation.

Run: ``.venv/bin/python bench/bench_insights.py [--seeds 1 2 3 …] [--respondents N] [--json]``.

Each scenario seed draws a synthetic customer survey (pure core, no database):

* 3–6 segment variables (2–6 groups, uneven sizes, a few percent missing), like age bands,
  regions, gender;
* 12–30 closed questions: 1–5 ratings (from a latent normal score, cut at random thresholds),
  single-choice questions with 3–5 options, and yes/no options of a multiple-choice question;
* one KPI (a 1–5 satisfaction rating) that depends on a few of the ratings (the KPI drivers).

Then the same survey twice:

* **planted** — 2–5 segment effects are planted: one group of one segment variable rates one
  question higher or lower (a shift of the latent score by Cohen's d 0.35–0.8), or picks one
  option more often (Cohen's h 0.3–0.6); plus 1–2 KPI drivers (Spearman ρ about 0.3–0.5);
* **null** — the same design with no effect at all (the KPI independent of every rating).

Both go through ``analysis.core.crosstabs.compute_crosstabs`` and
``analysis.core.insights.generate_insights`` with the default thresholds (BH q < 0.05, effect
≥ 0.2, ≥ 30 answers per group, |ρ| ≥ 0.2). Reported per seed and overall:

* **recall** — planted effects found: a segment difference on the planted question, segment
  variable and group (the planted option for a choice question) in the planted direction (with
  two groups, the mirror statement about the other group counts), or a KPI driver on the
  planted rating;
* **false on planted data** — candidates on a question × segment pair (or a driver) where nothing
  was planted; consequences of a planted effect on the same pair (the other groups' mean moves
  the other way; the other options' shares fall) are not counted as false;
* **false on null data** — every candidate is false there. The target: almost none.
* **previous wave** — the null survey's respondents split at random into two waves (no change):
  changes since the previous wave found there are false; then one rating's current answers are
  moved up (40 % of them by one level) and the change must be found.

The timing line runs the same pipeline beside an anchor in the same process: the crosstab
family alone (``compute_crosstabs``), and prints the ratio (what generating candidates adds).
"""

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from analysis.core import crosstabs as ct
from analysis.core import insights as core
from surveys.core.questionnaire import Text

DEFAULT_SEEDS = tuple(range(1, 13))


@dataclass
class Plant:
    kind: str  # "mean", "share" or "driver"
    question: str
    segment: str = ""
    group: int = -1
    level: int = -1  # the option whose share moves (share)
    direction: str = "higher"
    size: float = 0.0
    n_levels_segment: int = 0


@dataclass
class Scenario:
    seed: int
    n: int
    questions: list[ct.CodedVariable]
    segments: list[ct.CodedVariable]
    kpi_values: np.ndarray
    ratings: dict[str, np.ndarray]
    plants: list[Plant] = field(default_factory=list)


def _cut(latent: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    return np.searchsorted(thresholds, latent).astype(np.int64)


def _missing(rng: np.random.Generator, codes: np.ndarray, share: float) -> np.ndarray:
    codes = codes.copy()
    codes[rng.random(codes.size) < share] = -1
    return codes


def make_scenario(seed: int, respondents: int | None, planted: bool) -> Scenario:
    """The survey design depends only on the seed; ``planted`` decides whether effects are added."""
    rng = np.random.default_rng(seed)
    n = respondents or int(rng.choice([300, 500, 800, 1200]))
    # -- segments
    segments = []
    for s in range(int(rng.integers(3, 7))):
        levels = int(rng.integers(2, 7))
        probabilities = rng.dirichlet(np.full(levels, 3.0))
        codes = rng.choice(levels, size=n, p=probabilities)
        segments.append(ct.CodedVariable(f"seg{s}", _missing(rng, codes, 0.03), levels))
    # -- questions: latent scores and choice probabilities, before any plant
    n_questions = int(rng.integers(12, 31))
    kinds = rng.choice(["rating", "choice", "yesno"], size=n_questions, p=[0.5, 0.3, 0.2])
    latents: dict[str, np.ndarray] = {}
    thresholds: dict[str, np.ndarray] = {}
    choice_probabilities: dict[str, np.ndarray] = {}
    for q, kind in enumerate(kinds):
        key = f"q{q}"
        if kind == "rating":
            latents[key] = rng.normal(0, 1, n)
            thresholds[key] = np.sort(rng.normal(0, 0.8, 4))
        else:
            levels = 2 if kind == "yesno" else int(rng.integers(3, 6))
            choice_probabilities[key] = rng.dirichlet(np.full(levels, 4.0))
    plant_rng = np.random.default_rng(seed + 10_000)  # the plants' choices, drawn the same either way
    plants: list[Plant] = []
    n_plants = int(plant_rng.integers(2, 6))
    used_pairs: set[tuple[str, str]] = set()
    rating_keys = sorted(latents, key=lambda k: int(k[1:]))
    choice_keys = sorted(choice_probabilities, key=lambda k: int(k[1:]))
    driver_count = int(plant_rng.integers(1, 3))
    drivers = list(plant_rng.choice(rating_keys, size=min(driver_count, len(rating_keys)), replace=False))
    for _ in range(n_plants):
        segment = segments[int(plant_rng.integers(len(segments)))]
        counts = np.bincount(segment.codes[segment.codes >= 0], minlength=segment.n_levels)
        group = int(np.argmax(counts * plant_rng.uniform(0.5, 1.5, counts.size)))  # a reasonably large group
        use_rating = plant_rng.random() < 0.6 and len(rating_keys) > len(drivers)
        pool = [k for k in rating_keys if k not in drivers] if use_rating else choice_keys
        if not pool:
            continue
        question = str(pool[int(plant_rng.integers(len(pool)))])
        if (question, segment.key) in used_pairs:
            continue
        used_pairs.add((question, segment.key))
        direction = "higher" if plant_rng.random() < 0.5 else "lower"
        if use_rating:
            size = float(plant_rng.uniform(0.35, 0.8))
            plants.append(Plant("mean", question, segment.key, group, -1, direction, size, segment.n_levels))
        else:
            size = float(plant_rng.uniform(0.3, 0.6))
            level = int(plant_rng.integers(len(choice_probabilities[question])))
            plants.append(Plant("share", question, segment.key, group, level, direction, size, segment.n_levels))
    driver_strength = {key: float(plant_rng.uniform(0.35, 0.6)) for key in drivers}
    if not planted:
        plants = []
        driver_strength = {}
    # -- apply the plants to the latent scores and choice probabilities
    by_key = {v.key: v for v in segments}
    choice_codes: dict[str, np.ndarray] = {}
    for key, probabilities in choice_probabilities.items():
        levels = probabilities.size
        draws = np.empty(n, dtype=np.int64)
        moved = np.zeros(n, dtype=bool)
        for plant in (p for p in plants if p.question == key):
            in_group = by_key[plant.segment].codes == plant.group
            base = probabilities[plant.level]
            # Cohen's h: 2·asin(√p′) − 2·asin(√p) = ± size
            sign = 1 if plant.direction == "higher" else -1
            target = np.sin(np.clip(np.arcsin(np.sqrt(base)) + sign * plant.size / 2, 0.02, np.pi / 2 - 0.02)) ** 2
            shifted = probabilities * (1 - target) / max(1 - base, 1e-9)
            shifted[plant.level] = target
            draws[in_group] = rng.choice(levels, size=int(in_group.sum()), p=shifted / shifted.sum())
            moved |= in_group
        draws[~moved] = rng.choice(levels, size=int((~moved).sum()), p=probabilities)
        choice_codes[key] = draws
    for plant in (p for p in plants if p.kind == "mean"):
        in_group = by_key[plant.segment].codes == plant.group
        latents[plant.question] = (
            latents[plant.question] + (plant.size if plant.direction == "higher" else -plant.size) * in_group
        )
    for plant_key in driver_strength:
        plants.append(Plant("driver", plant_key, direction="higher", size=driver_strength[plant_key]))
    kpi_latent = rng.normal(0, 1, n)
    for key, rho in driver_strength.items():
        kpi_latent = kpi_latent + rho / np.sqrt(1 - rho * rho) * latents[key] / np.sqrt(len(driver_strength))
    kpi_codes = _cut(kpi_latent / kpi_latent.std(), np.array([-1.5, -0.6, 0.3, 1.2]))
    # -- coded variables
    questions = []
    ratings = {}
    values = (1.0, 2.0, 3.0, 4.0, 5.0)
    for q, kind in enumerate(kinds):
        key = f"q{q}"
        if kind == "rating":
            codes = _missing(rng, _cut(latents[key], thresholds[key]), 0.05)
            questions.append(ct.CodedVariable(key, codes, 5, ct.Measurement.ORDINAL, values))
            ratings[key] = np.where(codes >= 0, codes + 1.0, np.nan)
        else:
            codes = _missing(rng, choice_codes[key], 0.03)
            questions.append(ct.CodedVariable(key, codes, int(choice_probabilities[key].size)))
    kpi = _missing(rng, kpi_codes, 0.02)
    questions.append(ct.CodedVariable("kpi", kpi, 5, ct.Measurement.ORDINAL, values))
    return Scenario(seed, n, questions, segments, np.where(kpi >= 0, kpi + 1.0, np.nan), ratings, plants)


def analyse(scenario: Scenario) -> tuple[core.InsightReport, float, float]:
    started = time.perf_counter()
    family = ct.compute_crosstabs(scenario.questions, scenario.segments)
    anchor = time.perf_counter() - started
    questions = {
        v.key: core.QuestionInfo(v.key, Text(vi=v.key, en=v.key), is_kpi=v.key == "kpi") for v in scenario.questions
    }
    segments = {
        v.key: core.SegmentInfo(
            v.key, Text(vi=v.key, en=v.key), tuple(Text(vi=str(i), en=str(i)) for i in range(v.n_levels))
        )
        for v in scenario.segments
    }
    driver = core.DriverInput(questions["kpi"], scenario.kpi_values, scenario.ratings)
    report = core.generate_insights(family, questions, segments, segment_variables=scenario.segments, drivers=[driver])
    return report, anchor, time.perf_counter() - started


def _matches(candidate: core.CandidateInsight, plant: Plant) -> bool:
    if plant.kind == "driver":
        return candidate.kind is core.CandidateKind.KPI_DRIVER and candidate.question == plant.question
    if candidate.kind is not core.CandidateKind.SEGMENT_DIFFERENCE:
        return False
    if candidate.question != plant.question or candidate.segment_variable != plant.segment:
        return False
    if plant.kind == "share" and candidate.answer_level != plant.level:
        return False
    if plant.kind == "mean" and candidate.answer_level is not None:
        return False
    same = candidate.segment == plant.group and str(candidate.direction) == plant.direction
    mirror = (
        plant.n_levels_segment == 2 and candidate.segment != plant.group and str(candidate.direction) != plant.direction
    )
    return same or mirror


def _is_false(candidate: core.CandidateInsight, plants: list[Plant]) -> bool:
    """A candidate on a pair (or a driver) where nothing was planted."""
    if candidate.kind is core.CandidateKind.KPI_DRIVER:
        return not any(p.kind == "driver" and p.question == candidate.question for p in plants)
    return not any(
        p.kind != "driver" and (p.question, p.segment) == (candidate.question, candidate.segment_variable)
        for p in plants
    )


def _subset(variables: list[ct.CodedVariable], rows: np.ndarray) -> list[ct.CodedVariable]:
    return [ct.CodedVariable(v.key, v.codes[rows], v.n_levels, v.measurement, v.values) for v in variables]


def wave_check(scenario: Scenario, seed: int) -> dict:
    """Two waves from one null survey: its respondents split at random into a previous and a current
    wave (same design, no change). Counts the changes found there (all false), then plants one
    change — 40 % of one rating's current answers moved up a level — and checks it is found."""
    rng = np.random.default_rng(seed + 20_000)
    order = rng.permutation(scenario.n)
    before, now = np.sort(order[: scenario.n // 2]), np.sort(order[scenario.n // 2 :])
    questions = {
        v.key: core.QuestionInfo(v.key, Text(vi=v.key, en=v.key), is_kpi=v.key == "kpi") for v in scenario.questions
    }
    segments = {
        v.key: core.SegmentInfo(
            v.key, Text(vi=v.key, en=v.key), tuple(Text(vi=str(i), en=str(i)) for i in range(v.n_levels))
        )
        for v in scenario.segments
    }
    numeric = dict(scenario.ratings)
    numeric["kpi"] = scenario.kpi_values
    previous = core.PreviousWave(
        _subset(scenario.questions, before),
        _subset(scenario.segments, before),
        numeric={key: values[before] for key, values in numeric.items()},
    )

    def changes(current: list[ct.CodedVariable]) -> tuple[list[core.CandidateInsight], int]:
        driver = core.DriverInput(
            questions["kpi"], scenario.kpi_values[now], {k: v[now] for k, v in scenario.ratings.items()}
        )
        references = core.compare_with_references(
            current, _subset(scenario.segments, now), previous=previous, drivers=[driver]
        )
        found = core.find_reference_changes(references, questions, segments, is_weighted=False)
        group_flags = sum(t.q_value < 0.05 for t in references.tests if t.family != core.REFERENCE_FAMILY)
        return found, group_flags

    current = _subset(scenario.questions, now)
    null_changes, null_group_flags = changes(current)
    ratings = [v for v in current if v.measurement is ct.Measurement.ORDINAL and v.key != "kpi"]
    target = ratings[int(rng.integers(len(ratings)))]
    codes = target.codes.copy()
    move = (codes >= 0) & (codes < target.n_levels - 1) & (rng.random(codes.size) < 0.4)
    codes[move] += 1
    shifted = [
        ct.CodedVariable(v.key, codes, v.n_levels, v.measurement, v.values) if v.key == target.key else v
        for v in current
    ]
    planted_changes, _flags = changes(shifted)
    hit = any(
        c.question == target.key and c.answer_level is None and c.direction is core.Direction.HIGHER
        for c in planted_changes
    )
    return {
        "false_wave_changes_on_null": len(null_changes),
        "false_group_changes_on_null": int(null_group_flags),
        "planted_wave_change_found": bool(hit),
    }


def run(seeds: list[int], respondents: int | None) -> dict:
    rows = []
    for seed in seeds:
        planted = make_scenario(seed, respondents, planted=True)
        null = make_scenario(seed, respondents, planted=False)
        report, anchor, total = analyse(planted)
        null_report, _a, _t = analyse(null)
        found = [any(_matches(c, p) for c in report.candidates) for p in planted.plants]
        rows.append(
            {
                "seed": seed,
                "respondents": planted.n,
                "questions": len(planted.questions),
                "segments": len(planted.segments),
                "comparisons": report.family_sizes.get("segment comparisons", 0),
                "planted": len(planted.plants),
                "found": int(sum(found)),
                "missed": [
                    f"{p.kind} {p.question}×{p.segment or 'kpi'}[{p.group}] {p.direction} size {p.size:.2f}"
                    for p, hit in zip(planted.plants, found, strict=True)
                    if not hit
                ],
                "candidates": len(report.candidates),
                "false_on_planted": sum(_is_false(c, planted.plants) for c in report.candidates),
                "false_on_null": len(null_report.candidates),
                "seconds": total,
                "anchor_seconds": anchor,
                **wave_check(null, seed),
            }
        )
    planted_total = sum(r["planted"] for r in rows)
    found_total = sum(r["found"] for r in rows)
    return {
        "scenarios": rows,
        "recall": found_total / planted_total if planted_total else None,
        "planted": planted_total,
        "found": found_total,
        "false_on_planted": sum(r["false_on_planted"] for r in rows),
        "candidates_on_planted": sum(r["candidates"] for r in rows),
        "false_on_null": sum(r["false_on_null"] for r in rows),
        "null_scenarios_with_any_candidate": sum(r["false_on_null"] > 0 for r in rows),
        "false_wave_changes_on_null": sum(r["false_wave_changes_on_null"] for r in rows),
        "false_group_changes_on_null": sum(r["false_group_changes_on_null"] for r in rows),
        "planted_wave_changes_found": sum(r["planted_wave_change_found"] for r in rows),
        "time_ratio_to_crosstabs_alone": sum(r["seconds"] for r in rows) / sum(r["anchor_seconds"] for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(DEFAULT_SEEDS))
    parser.add_argument("--respondents", type=int, default=None, help="Fixed sample size (default: drawn per seed).")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.seeds, args.respondents)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{'seed':>4} {'n':>5} {'Q':>3} {'S':>2} {'tests':>5} {'planted':>7} {'found':>5} "
        f"{'false(pl)':>9} {'false(null)':>11}"
    )
    for r in result["scenarios"]:
        print(
            f"{r['seed']:>4} {r['respondents']:>5} {r['questions']:>3} {r['segments']:>2} {r['comparisons']:>5} "
            f"{r['planted']:>7} {r['found']:>5} {r['false_on_planted']:>9} {r['false_on_null']:>11}"
        )
        for missed in r["missed"]:
            print(f"       missed: {missed}")
    print(
        f"recall of planted effects: {result['found']}/{result['planted']} = {result['recall']:.2f}; "
        f"false candidates on planted data: {result['false_on_planted']} of {result['candidates_on_planted']}; "
        f"false candidates on null data: {result['false_on_null']} in {len(result['scenarios'])} scenarios "
        f"({result['null_scenarios_with_any_candidate']} with any)"
    )
    print(
        "previous wave (the null survey split into two waves): "
        f"false changes {result['false_wave_changes_on_null']}, false segment-group changes "
        f"{result['false_group_changes_on_null']}; planted change found in "
        f"{result['planted_wave_changes_found']}/{len(result['scenarios'])} scenarios"
    )
    print(f"time: crosstabs + candidates / crosstabs alone = {result['time_ratio_to_crosstabs_alone']:.2f}")


if __name__ == "__main__":
    main()
