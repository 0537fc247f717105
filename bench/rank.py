"""Benchmark: in-process top-10 placements for one participant.

Run: ``PYTHONPATH=. .venv/bin/python bench/rank.py`` (no arguments, well under two minutes).

Synthetic data from a seeded numpy Generator: a taxonomy of 2,000 concepts (40 top
concepts, 360 in the middle, 1,600 leaves), 100,000 open placements (the 1,000 and
10,000 sets are prefixes of it) and 250 participants. For each size it times
``rank_placements(k=10)`` (features, scores, eligibility, top-k and the reasons of the
ten shown) per participant and reports median and p99. The per-pair pure-Python
reference (:mod:`matcher.reference`) is timed on 10,000 placements for a few
participants, and the speed-up is the ratio of medians. The last line is one JSON object.
"""

from __future__ import annotations

import json
import time
from datetime import date

import numpy as np

from matcher import CompiledPlacements, PolicyScorer, Taxonomy, load_policy, rank_placements
from matcher.domain import (
    Concept,
    DepartmentCapacity,
    EligibilityRules,
    Participant,
    Placement,
    PlacementType,
)
from matcher.reference import reference_rank

AS_OF = date(2026, 3, 1)
SEED = 20260301
N_PARTICIPANTS = 250
N_REFERENCE = 10
SIZES = (1_000, 10_000, 100_000)
AREAS = tuple(f"area-{i}" for i in range(30))
TYPES = {
    "praktik": PlacementType("praktik", "Praktik"),
    "kommunal": PlacementType("kommunal", "Kommunal", EligibilityRules(min_months_on_assistance=6)),
    "ungdom": PlacementType("ungdom", "Ungdomsanställning", EligibilityRules(max_age=24)),
    "extra": PlacementType("extra", "Extratjänst", EligibilityRules(newcomer_or_long_term=True)),
}


def make_taxonomy(rng: np.random.Generator) -> list[Concept]:
    concepts = [Concept(f"top-{i}", f"Top {i}") for i in range(40)]
    concepts += [
        Concept(f"mid-{i}", f"Mid {i}", broader=f"top-{rng.integers(40)}") for i in range(360)
    ]
    concepts += [
        Concept(f"leaf-{i}", f"Leaf {i}", broader=f"mid-{rng.integers(360)}") for i in range(1600)
    ]
    return concepts


def _pick(rng: np.random.Generator, ids: list[str], low: int, high: int) -> tuple[str, ...]:
    count = int(rng.integers(low, high + 1))
    return tuple(ids[j] for j in rng.choice(len(ids), size=count, replace=False))


def make_placements(rng: np.random.Generator, ids: list[str], n: int) -> list[Placement]:
    types = tuple(TYPES)
    return [
        Placement(
            id=i + 1,
            department_id=int(rng.integers(1, 41)),
            work_area=AREAS[rng.integers(len(AREAS))],
            required_skills=_pick(rng, ids, 1, 4),
            useful_skills=_pick(rng, ids, 0, 3),
            min_language_level=int(rng.integers(0, 5)),
            language_practice=bool(rng.random() < 0.2),
            supervision=int(rng.integers(1, 4)),
            remaining_slots=int(rng.integers(0, 4)),  # about a quarter are full
            hours_per_week=int(rng.choice([20, 30, 40])),
            site_lat=float(rng.uniform(55.4, 56.1)),
            site_lon=float(rng.uniform(12.8, 14.0)),
            type_code=types[rng.integers(len(types))],
        )
        for i in range(n)
    ]


def make_participants(rng: np.random.Generator, ids: list[str], n: int) -> list[Participant]:
    return [
        Participant(
            id=i + 1,
            birth_year=int(rng.integers(1965, 2007)),
            skills=_pick(rng, ids, 2, 8),
            interests=tuple(AREAS[j] for j in rng.choice(len(AREAS), size=3, replace=False)),
            language_level=int(rng.integers(0, 7)),
            support_need=int(rng.integers(1, 6)),
            months_on_assistance=int(rng.integers(0, 72)),
            months_since_last_job=int(rng.integers(0, 120)),
            newcomer=bool(rng.random() < 0.4),
            parent=bool(rng.random() < 0.4),
            home_lat=float(rng.uniform(55.4, 56.1)),
            home_lon=float(rng.uniform(12.8, 14.0)),
            max_hours=int(rng.choice([20, 30, 40])),
        )
        for i in range(n)
    ]


def time_ms(call, repeat: int) -> np.ndarray:
    times = np.empty(repeat)
    for r in range(repeat):
        start = time.perf_counter()
        call(r)
        times[r] = (time.perf_counter() - start) * 1000
    return times


def main() -> None:
    rng = np.random.default_rng(SEED)
    concepts = make_taxonomy(rng)
    taxonomy = Taxonomy(concepts)
    skill_ids = [c.id for c in concepts if not c.id.startswith("top-")]
    placements = make_placements(rng, skill_ids, max(SIZES))
    people = make_participants(rng, skill_ids, N_PARTICIPANTS)
    capacities = {
        d: DepartmentCapacity(d, remaining_quota=int(rng.integers(0, 20)), short_of_minimum=d % 3)
        for d in range(1, 41)
    }
    policy = load_policy()
    scorer = PolicyScorer.from_policy(policy)
    results: dict[str, float] = {}
    print(f"taxonomy {len(taxonomy)} concepts, {N_PARTICIPANTS} participants, top-10")
    for size in SIZES:
        start = time.perf_counter()
        compiled = CompiledPlacements.build(placements[:size], taxonomy, TYPES, capacities)
        build_s = time.perf_counter() - start

        def rank(r: int, compiled=compiled) -> None:
            rank_placements(people[r], compiled, scorer, k=10, as_of=AS_OF, policy=policy)

        for warm in range(5):
            rank(warm)
        times = time_ms(rank, N_PARTICIPANTS)
        p50, p99 = float(np.median(times)), float(np.percentile(times, 99))
        label = f"{size // 1000}k"
        results[f"p50_ms_{label}"] = round(p50, 3)
        results[f"p99_ms_{label}"] = round(p99, 3)
        print(
            f"{size:>7} placements: p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  (compile {build_s:.2f} s)"
        )
        if size == 10_000:
            subset = placements[:size]

            def reference(r: int, subset=subset) -> None:
                reference_rank(people[r], subset, taxonomy, TYPES, capacities, AS_OF, policy, k=10)

            ref = time_ms(reference, N_REFERENCE)
            speedup = float(np.median(ref)) / p50
            results["reference_p50_ms_10k"] = round(float(np.median(ref)), 1)
            results["speedup_vs_reference_10k"] = round(speedup, 1)
            print(f"  per-pair reference: p50 {np.median(ref):.1f} ms, speed-up {speedup:.0f}x")
    summary = {
        key: results[key]
        for key in (
            "p50_ms_1k",
            "p50_ms_10k",
            "p99_ms_10k",
            "p50_ms_100k",
            "speedup_vs_reference_10k",
        )
    }
    summary.update({k: v for k, v in results.items() if k not in summary})
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
