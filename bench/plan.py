"""Benchmark of the cohort plan (matcher.plan): speed, solver choice, pruning, baselines.

Run from the repository root: ``PYTHONPATH=. .venv/bin/python bench/plan.py``.

1. Speed: the whole ``solve_cohort`` call and the raw solver inside it (best of 3), at
   3,000 participants x 1,000 placements in 25 departments and 20,000 x 5,000 in 60,
   with candidates pruned to each participant's best 50 plus each placement's best 10.
2. Quality of the baselines, as a share of the optimal score: greedy (best pairs first),
   and one-at-a-time decisions in arrival order without and with the plan's prices.
3. Solver choice: OR-Tools min-cost flow against SciPy HiGHS (dual simplex).
4. Pruning: the optimum at several ``top_n`` against the unpruned one (3k) or the widest
   (20k), and at 20k a dual certificate over all ~45M eligible pairs.
5. The anchor: OR-Tools' min-cost flow on the full, unpruned graph (all ~45M eligible
   pairs at 20,000 x 5,000) beside the production plan on the same dense scores (each
   participant's best 50 and each placement's best 10, certified and repaired by
   ``matcher.plan_certify``, as
   ``api.planning`` calls it): the ratio of whole-call times and the objective gap.
   Both timings exclude the scoring: the dense score and eligibility matrices are made
   once, before either clock starts, and both sides read the same ones; both include
   building their network and the whole plan (assignment, prices, reasons).
   ``--anchor`` runs only this part (about a minute and a half, 7.8 GB peak);
   ``--anchor --small`` runs it at 3,000 x 1,000 (seconds; the figures' keys say 3k).

The last line is one JSON object with the headline figures.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

# bench/ goes last: run as a script, Python puts it first, and there bench/api.py would
# shadow the api package (``import api.planning`` failed with "'api' is not a package")
_BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _BENCH]
sys.path.insert(0, str(_BENCH.parent))
sys.path.append(str(_BENCH))

from _plan_instances import CHUNK, candidate_problems, synthetic_cohort  # noqa: E402

from api.planning import PLACEMENT_CANDIDATES  # noqa: E402
from matcher.plan import (  # noqa: E402
    CohortPlan,
    CohortProblem,
    greedy_cohort,
    opportunity_cost,
    solve_cohort,
)
from matcher.plan_certify import solve_pruned  # noqa: E402

TOP_N, TOP_PER_PLACEMENT = 50, 10
SIZES = {"3k": (3000, 1000, 25), "20k": (20000, 5000, 60)}


def timed_plan(
    problem: CohortProblem, repeats: int = 3, **options
) -> tuple[CohortPlan, float, float]:
    """Best whole-call time of ``repeats`` runs, with the solver time of that run."""
    best = (None, np.inf, np.inf)
    for _ in range(repeats):
        started = time.perf_counter()
        plan = solve_cohort(problem, **options)
        whole = time.perf_counter() - started
        if whole < best[1]:
            best = (plan, whole, plan.solver_seconds)
    return best


def arrival_order(problem: CohortProblem, seed: int, prices: np.ndarray | None = None) -> float:
    """One decision at a time in a random arrival order; returns the total score.

    Each participant takes the open placement with the best score, or, with prices, the
    best ``score - opportunity cost``, and waits (stays unassigned) when even that is
    below 0: a slot that the cohort needs more is left for a later participant.
    """
    order = np.argsort(problem.participant_index, kind="stable")
    person = problem.participant_index[order]
    place = problem.placement_index[order]
    score = problem.score[order]
    value = score if prices is None else score - prices[place]
    bounds = np.searchsorted(person, np.arange(problem.n_participants + 1))
    slots_left = problem.slots.copy()
    finite = np.isfinite(problem.quota_max)
    quota_left = np.full(problem.n_departments, problem.n_participants + 1, dtype=np.int64)
    quota_left[finite] = np.floor(problem.quota_max[finite])
    department = problem.placement_department
    total = 0.0
    for i in np.random.default_rng(seed).permutation(problem.n_participants):
        lo, hi = bounds[i], bounds[i + 1]
        mine = place[lo:hi]
        open_ = (slots_left[mine] > 0) & (quota_left[department[mine]] > 0)
        if not open_.any():
            continue
        candidates = np.where(open_, value[lo:hi], -np.inf)
        pick = int(np.argmax(candidates))
        if candidates[pick] < 0:
            continue
        slots_left[mine[pick]] -= 1
        quota_left[department[mine[pick]]] -= 1
        total += score[lo + pick]
    return total


def without_minima(problem: CohortProblem, extra: tuple | None = None) -> CohortProblem:
    """The same cohort with no minima, optionally with extra (participant, placement, score)."""
    pairs = (problem.participant_index, problem.placement_index, problem.score)
    if extra is not None:
        pairs = tuple(np.concatenate([a, b]) for a, b in zip(pairs, extra, strict=True))
    return CohortProblem(
        *pairs,
        problem.n_participants,
        problem.slots,
        problem.placement_department,
        problem.quota_max,
        np.zeros_like(problem.quota_min),
        problem.support_need,
    )


def improving_pairs(cohort, problem: CohortProblem, plan: CohortPlan) -> tuple:
    """Eligible pairs outside the candidates that would improve the plan at its prices.

    For a plan without minima or placing first (a pure LP, whose prices are an exact
    optimal dual) a pair
    can only improve it if ``score - opportunity cost > the participant's surplus``. An
    empty answer is a certificate that the plan is optimal for the full, unpruned cohort.
    """
    cost = opportunity_cost(problem, plan)
    surplus = np.zeros(problem.n_participants)
    np.maximum.at(surplus, problem.participant_index, problem.score - cost[problem.placement_index])
    kept_key = np.sort(problem.participant_index * problem.n_placements + problem.placement_index)
    found = ([], [], [])
    for start in range(0, cohort.n_participants, CHUNK):
        stop = min(start + CHUNK, cohort.n_participants)
        scores, eligible = cohort.chunk(start, stop)
        excess = scores - cost[None, :] - surplus[start:stop, None]
        r, c = np.nonzero(eligible & (excess > 1e-6))
        outside = ~np.isin((r + start) * problem.n_placements + c, kept_key)
        found[0].append(r[outside] + start)
        found[1].append(c[outside])
        found[2].append(scores[r[outside], c[outside]])
    return tuple(np.concatenate(part) for part in found)


def full_optimum(cohort, problem: CohortProblem, rounds: int = 6) -> tuple[float, float, int]:
    """Exact optimum over all eligible pairs by pricing (minima left out).

    Solves the pruned cohort, adds every pair the certificate finds, and repeats until it
    finds none. Returns the pruned objective, the full one, and the pairs added.
    """
    current = without_minima(problem)
    pruned_objective = solve_cohort(current, place_first=False).objective
    added = 0
    for _ in range(rounds):
        plan = solve_cohort(current, place_first=False)
        extra = improving_pairs(cohort, current, plan)
        if len(extra[0]) == 0:
            return pruned_objective, plan.objective, added
        added += len(extra[0])
        current = without_minima(current, extra)
    raise RuntimeError("pricing did not converge")


def full_graph_anchor(cohort, label: str = "20k") -> dict[str, float]:
    """Production plan (pruned, certified) against min-cost flow on every eligible pair.

    Scoring is outside both clocks (the matrices below are shared), so the ratio
    compares the two planners alone.
    """
    n, m = cohort.n_participants, cohort.n_placements
    scores = np.empty((n, m))
    eligible = np.empty((n, m), dtype=bool)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        scores[start:stop], eligible[start:stop] = cohort.chunk(start, stop)
    capacity = {
        "slots": cohort.slots,
        "placement_department": cohort.placement_department,
        "quota_max": cohort.quota_max,
        "quota_min": cohort.quota_min,
        "support_need": cohort.support_need,
    }
    started, cpu = time.perf_counter(), time.process_time()
    plan, problem, certificate = solve_pruned(
        scores, eligible, top_n=TOP_N, top_per_placement=PLACEMENT_CANDIDATES, **capacity
    )
    production_s = time.perf_counter() - started
    production_cpu = time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    full_problem = CohortProblem.from_dense(scores, eligible, **capacity)
    del scores, eligible
    full = solve_cohort(full_problem)
    full_s = time.perf_counter() - started
    full_cpu = time.process_time() - cpu
    gap = full.objective - plan.objective
    print(
        f"\nanchor at {n:,} x {m:,}: production (top {TOP_N}, certified in "
        f"{certificate.rounds} round(s), {certificate.pairs_added:,} pairs priced back in, "
        f"{certificate.pairs_solved:,} solved) {production_s:.2f} s; full graph "
        f"({len(full_problem.score):,} pairs) {full_s:.2f} s (solver {full.solver_seconds:.2f} s)"
        f"; speed-up {full_s / production_s:.1f}x (CPU {production_cpu:.2f} s vs "
        f"{full_cpu:.2f} s: {full_cpu / production_cpu:.1f}x); objective {plan.objective:.6f} vs "
        f"{full.objective:.6f} (gap {gap:.2e}); shortfalls {sum(plan.shortfalls.values())} "
        f"vs {sum(full.shortfalls.values())}; placed {(plan.assignment >= 0).sum():,} vs "
        f"{(full.assignment >= 0).sum():,}"
    )
    return {
        f"plan_production_s_{label}": round(production_s, 3),
        f"plan_full_graph_s_{label}": round(full_s, 3),
        "plan_speedup_full_graph": round(full_s / production_s, 2),
        # CPU seconds of the process: less moved by other work on a shared machine
        "plan_speedup_full_graph_cpu": round(full_cpu / production_cpu, 2),
        # |gap| below the integer rounding of costs (1e-6 of the largest score per pair)
        # is rounding, not a different optimum
        "plan_objective_gap": round(gap, 6),
        "plan_certificate_rounds": certificate.rounds,
        "plan_pairs_priced_in": certificate.pairs_added,
        "plan_placed_gap": int((full.assignment >= 0).sum() - (plan.assignment >= 0).sum()),
    }


def main() -> None:
    if "--anchor" in sys.argv:
        label = "3k" if "--small" in sys.argv else "20k"
        figures = full_graph_anchor(synthetic_cohort(*SIZES[label]), label)
        print(json.dumps(figures))
        return
    figures: dict[str, float] = {}
    print(
        f"cohort plan benchmark; candidates: top {TOP_N} per participant + top "
        f"{TOP_PER_PLACEMENT} per placement\n"
    )
    header = (
        f"{'size':>5} {'pairs':>9} {'slots':>6} {'plan s':>7} {'solver s':>8} "
        f"{'ratio':>5} {'score':>9} {'short':>5} {'greedy':>7} {'arrive':>7} "
        f"{'arrive+price':>12}"
    )
    print(header)
    problems_20k = None
    for label, (n, m, n_dep) in SIZES.items():
        cohort = synthetic_cohort(n, m, n_dep)
        top_ns = (10, 25, TOP_N, 100, None) if label == "3k" else (25, TOP_N, 100, 200)
        problems = candidate_problems(cohort, top_ns, TOP_PER_PLACEMENT)
        problem = problems[TOP_N]
        plan, whole, solver = timed_plan(problem)
        greedy = greedy_cohort(problem)
        arrive = arrival_order(problem, seed=1)
        priced = arrival_order(problem, seed=1, prices=opportunity_cost(problem, plan))
        print(
            f"{label:>5} {len(problem.score):>9,} {cohort.slots.sum():>6,} {whole:>7.3f} "
            f"{solver:>8.3f} {whole / solver:>5.2f} {plan.total_score:>9.1f} "
            f"{sum(plan.shortfalls.values()):>5} {greedy.total_score / plan.total_score:>7.4f} "
            f"{arrive / plan.total_score:>7.4f} {priced / plan.total_score:>12.4f}"
        )
        figures[f"plan_s_{label}"] = round(whole, 3)
        figures[f"solver_s_{label}"] = round(solver, 3)
        figures[f"greedy_share_{label}"] = round(greedy.total_score / plan.total_score, 4)
        figures[f"arrival_share_{label}"] = round(arrive / plan.total_score, 4)
        figures[f"arrival_priced_share_{label}"] = round(priced / plan.total_score, 4)
        if label == "3k":
            problems_3k = problems
        else:
            problems_20k, cohort_20k = problems, cohort

    print("\npruning: optimum at each top_n (+ top 10 per placement) against the widest")
    print(
        f"{'size':>5} {'top_n':>6} {'pairs':>11} {'solver s':>8} {'score':>9} {'short':>5} "
        f"{'share':>9}"
    )
    for label, problems in (("3k", problems_3k), ("20k", problems_20k)):
        reference_n = None if label == "3k" else 200
        plans = {k: timed_plan(p, repeats=1) for k, p in problems.items()}
        reference = plans[reference_n][0].objective
        for k, (plan, _, solver) in plans.items():
            print(
                f"{label:>5} {str(k or 'all'):>6} {len(problems[k].score):>11,} {solver:>8.3f} "
                f"{plan.total_score:>9.2f} {sum(plan.shortfalls.values()):>5} "
                f"{plan.objective / reference:>9.6f}"
            )
        figures[f"pruned_share_{label}"] = round(plans[TOP_N][0].objective / reference, 6)
    pruned, full, added = full_optimum(cohort_20k, problems_20k[TOP_N])
    print(
        f" 20k without minima, exact by pricing all ~45M eligible pairs: top_n={TOP_N} "
        f"reaches {pruned / full:.6f} of the full optimum ({full:.2f}; {added:,} pairs "
        f"priced in)"
    )
    figures["pruned_exact_share_20k"] = round(pruned / full, 6)

    print("\nsolver choice: same candidates, same optimum")
    for label, problems in (("3k", problems_3k), ("20k", problems_20k)):
        problem = problems[TOP_N]
        flow, flow_whole, flow_solver = timed_plan(problem, repeats=1, solver="ortools")
        lp, lp_whole, lp_solver = timed_plan(problem, repeats=1, solver="highs")
        print(
            f"{label:>5} ortools-mcf solver {flow_solver:6.2f} s (call {flow_whole:6.2f} s) | "
            f"highs-lp solver {lp_solver:6.2f} s (call {lp_whole:6.2f} s) | "
            f"objective gap {abs(flow.objective - lp.objective):.2e}"
        )
        figures[f"highs_s_{label}"] = round(lp_solver, 3)

    del problems_3k, problems_20k
    figures.update(full_graph_anchor(cohort_20k))
    print("\nall figures:", json.dumps(figures))
    headline = ("plan_s_3k", "plan_s_20k", "solver_s_20k", "greedy_share_20k")
    headline += ("plan_speedup_full_graph", "plan_objective_gap")
    print(json.dumps({k: figures[k] for k in headline}))


if __name__ == "__main__":
    main()
