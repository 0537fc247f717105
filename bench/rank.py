"""Benchmark: in-process top-10 placements for one participant.

Run: ``PYTHONPATH=. .venv/bin/python bench/rank.py`` (no arguments, well under two minutes).

Synthetic data from a seeded numpy Generator: a taxonomy of 2,000 concepts (40 top
concepts, 360 in the middle, 1,600 leaves), 100,000 open placements (the 1,000 and
10,000 sets are prefixes of it) and 250 participants. For each size it times
``rank_placements(k=10)`` (features, scores, eligibility, top-k and the reasons of the
ten shown) per participant and reports median and p99. The per-pair pure-Python
reference (:mod:`matcher.reference`) is timed on 10,000 placements for a few
participants, and the speed-up is the ratio of medians.

The anchor (``bench/_rank_plain.py``): the straightforward numpy/scipy.sparse ranking on
the same compiled catalog and participants, timed in the same run at 10,000 and 100,000
placements, both with the ten explanations (``rank_speedup_numpy_*``) and on the scoring
and top-10 alone (``core_speedup_numpy_*``; the engine's side is its pruned path,
:mod:`matcher.pruning`), after checking that both pick the same ten. The calls alternate
participant by participant (each engine call right after an anchor call); the same two
with-reasons calls are then timed in runs of five participants, the side going first
alternating (``rank_speedup_numpy_runs_*``), which leaves each side its own caches.
The last line is one JSON object.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _rank_plain import PlainRanker  # noqa: E402

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
RUN = 5  # participants per run in the second anchor measurement
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


def anchor_figures(results, label, compiled, scorer, people, policy) -> None:
    """The plain numpy ranking beside the engine, on the same catalog and participants."""
    from matcher import pruning
    from matcher.features import credit_vector
    from matcher.ranking import top_k

    plain = PlainRanker(compiled, scorer, policy)
    same = sum(
        [i for i, _ in plain.rank(p, AS_OF)]
        == [it.placement_id for it in rank_placements(p, compiled, scorer, k=10, as_of=AS_OF,
                                                      policy=policy).items]
        for p in people[:50]
    )  # fmt: skip

    def engine_rank(r: int) -> None:
        rank_placements(people[r], compiled, scorer, k=10, as_of=AS_OF, policy=policy)

    def plain_rank(r: int) -> None:
        plain.rank(people[r], AS_OF)

    def plain_core(r: int) -> None:
        plain.top(people[r], AS_OF)

    def engine_core(r: int) -> None:
        # what rank_placements does before the items: bounds, the blocks that can reach
        # the top 10 scored exactly, top-k and the eligible count
        credit = credit_vector(people[r], compiled, policy)
        request = pruning.Request(people[r], compiled, scorer, AS_OF, policy, None, credit)
        scored = pruning.pruned_scores(request, 10)
        top_k(scored.valued.value, compiled.ids[scored.rows], None, 10)
        pruning.eligible_count(request)

    calls = (engine_rank, plain_rank, engine_core, plain_core)
    for warm in range(5):
        for call in calls:
            call(warm)
    # interleaved, participant by participant, so a burst of load on the shared machine
    # falls on both sides of each ratio alike
    n = N_PARTICIPANTS // 2
    times = np.empty((len(calls), n))
    for r in range(n):
        for c, call in enumerate(calls):
            started = time.perf_counter()
            call(r)
            times[c, r] = (time.perf_counter() - started) * 1000
    engine_p50, plain_p50, engine_core_p50, plain_core_p50 = np.median(times, axis=1).tolist()
    # the same two calls in runs of RUN participants, the side that goes first alternating:
    # a burst of load still falls on both sides, but each side runs after itself, not
    # right after the other side's arrays have pushed its own out of the caches
    runs = np.empty((2, n))
    for start in range(0, n, RUN):
        chunk = range(start, min(start + RUN, n))
        sides = (0, 1) if (start // RUN) % 2 == 0 else (1, 0)
        for side in sides:
            for r in chunk:
                started = time.perf_counter()
                calls[side](r)
                runs[side, r] = (time.perf_counter() - started) * 1000
    engine_runs, plain_runs = np.median(runs, axis=1).tolist()
    results[f"engine_p50_ms_runs_{label}"] = round(engine_runs, 3)
    results[f"plain_p50_ms_runs_{label}"] = round(plain_runs, 3)
    results[f"rank_speedup_numpy_runs_{label}"] = round(plain_runs / engine_runs, 2)
    results[f"engine_p50_ms_interleaved_{label}"] = round(engine_p50, 3)
    results[f"plain_p50_ms_{label}"] = round(plain_p50, 3)
    results[f"rank_speedup_numpy_{label}"] = round(plain_p50 / engine_p50, 2)
    results[f"core_speedup_numpy_{label}"] = round(plain_core_p50 / engine_core_p50, 2)
    results[f"same_top10_share_{label}"] = round(same / 50, 2)
    print(
        f"  plain numpy anchor: p50 {plain_p50:.3f} ms with reasons (engine {engine_p50:.3f}; "
        f"{plain_p50 / engine_p50:.2f}x), scoring+top-10 {plain_core_p50:.3f} ms vs "
        f"{engine_core_p50:.3f} ({plain_core_p50 / engine_core_p50:.2f}x); same ten for "
        f"{same}/50 participants"
    )
    print(
        f"  in runs of {RUN}: plain {plain_runs:.3f} ms, engine {engine_runs:.3f} ms "
        f"({plain_runs / engine_runs:.2f}x)"
    )


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
        if size >= 10_000:
            anchor_figures(results, label, compiled, scorer, people, policy)
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
            "rank_speedup_numpy_10k",
            "rank_speedup_numpy_100k",
        )
    }
    summary.update({k: v for k, v in results.items() if k not in summary})
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
