"""Time the evaluation functions on 100,000 synthetic replayed decisions.

Run: ``.venv/bin/python bench/bench_evaluation.py`` (from the repository root). Prints one
line per function (best of 3 runs) and, last, one JSON object with every figure in
seconds. The target is "well under a second each" with 1000 bootstrap resamples.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher.exploration import explore_top_k  # noqa: E402
from matcher.groups import bootstrap_ci, group_gaps, metric_by_group  # noqa: E402
from matcher.metrics import hit_at_k, ndcg_at_k  # noqa: E402
from matcher.ope import estimate  # noqa: E402
from matcher.outcome_metrics import (  # noqa: E402
    concentration,
    rank_auc_statistic,
    rank_separation,
    success_by_rank,
)

N = 100_000
N_BOOT = 1000


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(2024)
    # 10% of accepted placements unranked by the scorer, the rest ranked 1..30.
    ranks = np.where(rng.random(N) < 0.1, np.inf, rng.integers(1, 31, N)).astype(float)
    success = (rng.random(N) < 0.5).astype(float)
    gender = rng.choice(np.array(["f", "m", "x"]), N, p=[0.48, 0.48, 0.04])
    hits = hit_at_k(ranks, 5)
    continuous = rng.random(N)
    relevance = (rng.random((N, 10)) < 0.1).astype(float)
    scores = rng.integers(0, 5, (N, 10)).astype(float)
    discrete_p = rng.choice([0.9 + 0.1 / 5, 0.1 / 5], N)
    target_p = (rng.random(N) < 0.3).astype(float)
    pairs = np.column_stack([ranks, success])

    figures = {
        "ndcg_at_k_ties_s": best_of(lambda: ndcg_at_k(relevance, 5, scores=scores)),
        "rank_separation_s": best_of(lambda: rank_separation(ranks, success)),
        "success_by_rank_s": best_of(lambda: success_by_rank(ranks, success)),
        "concentration_500k_slots_s": best_of(lambda: concentration(rng.integers(0, 40, 5 * N))),
        "bootstrap_hit_s": best_of(lambda: bootstrap_ci(hits, n_boot=N_BOOT, rng=rng)),
        "bootstrap_continuous_s": best_of(lambda: bootstrap_ci(continuous, n_boot=N_BOOT, rng=rng)),
        "bootstrap_rank_auc_s": best_of(
            lambda: bootstrap_ci(pairs, statistic=rank_auc_statistic, n_boot=N_BOOT, rng=rng)
        ),
        "metric_by_group_hit_s": best_of(
            lambda: metric_by_group(hits, gender, rng=rng, n_boot=N_BOOT)
        ),
        "group_gaps_continuous_s": best_of(
            lambda: group_gaps(continuous, gender, rng=rng, n_boot=N_BOOT)
        ),
        "ope_snips_discrete_p_s": best_of(
            lambda: estimate(success, discrete_p, target_p, rng=rng, n_boot=N_BOOT)
        ),
        "ope_snips_continuous_p_s": best_of(
            lambda: estimate(success, continuous * 0.9 + 0.1, target_p, rng=rng, n_boot=N_BOOT)
        ),
        "explore_top_k_per_call_us": 1e6
        * best_of(lambda: explore_top_k(list(range(20)), k=5, epsilon=0.1, rng=rng)),
    }
    print(f"{N:,} decisions, {N_BOOT} bootstrap resamples, best of 3:")
    for name, value in figures.items():
        print(f"  {name:32s} {value:8.4f}")
    slowest = max(v for k, v in figures.items() if k.endswith("_s"))
    print(f"slowest function: {slowest:.3f} s (target: well under 1 s)")
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
