"""A pruned cohort plan, certified optimal for the whole (unpruned) cohort.

Listing every eligible pair of a large cohort makes the network huge (20,000 x 5,000 has
about 45 million eligible pairs), so the planner keeps each participant's ``top_n`` best
placements and each placement's ``top_per_placement`` best participants. That is a
heuristic unless it is checked, and :func:`solve_pruned` checks it: linear-programming
duality prices every pair that was left out.

The min-cost flow's node potentials ``d`` (:attr:`matcher.plan_flow.FlowSolution.potential`,
measured from the source) are an optimal dual: every residual arc has a non-negative
reduced cost. A left-out pair
``(i, j)`` would enter the network as an arc ``participant i -> placement j`` with cost
``c_ij = -round(weight_i * score_ij * scale)`` and no flow. If ``c_ij + d[i] - d[j] >= 0``
for every left-out pair, the same potentials stay a feasible dual of the full network, so
the pruned plan is optimal for the full cohort (minimum bookings included: they live on
arcs the pruning never touches). A pair with a negative reduced cost is one that could
improve the plan; those pairs are added and the cohort is solved again, until none is
left. Each round only adds pairs, so this ends, usually after one or two rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.plan import _plan_from
from matcher.plan_flow import FlowSolution, solve_flow
from matcher.plan_model import (
    CohortPlan,
    CohortProblem,
    candidate_mask,
    prepare,
    priority_weights,
)

#: Rows priced at a time: bounds the temporary memory to about ROWS x placements floats.
ROWS = 2048


@dataclass(frozen=True)
class Certificate:
    """How the pruned plan was proved optimal for the full cohort."""

    rounds: int  # solves; 1 means the first pruned plan was already optimal
    pairs_added: int  # left-out pairs the pricing brought back
    pairs_solved: int  # candidate pairs in the last solve
    pairs_eligible: int  # every eligible pair of the cohort


def solve_pruned(
    scores: np.ndarray,
    eligible: np.ndarray,
    *,
    top_n: int | None = 50,
    top_per_placement: int | None = 10,
    priority_weight: float = 0.0,
    min_probability: float | None = None,
    probability: np.ndarray | None = None,
    place_first: bool = True,
    max_rounds: int = 50,
    **capacity,
) -> tuple[CohortPlan, CohortProblem, Certificate]:
    """The optimal plan of the full cohort, solved on pruned candidates and certified.

    ``capacity`` holds the keyword arguments of :meth:`CohortProblem.from_dense`
    (``slots``, ``placement_department``, quotas, ``support_need``); the rest are those of
    :func:`matcher.plan.solve_cohort` and the pruning; ``probability`` is the P(success)
    matrix ``min_probability`` is compared with (None: ``scores``). Returns the plan (its
    reasons judged on every eligible pair, not only the kept ones), the candidate problem
    it was solved on (its pairs index the plan) and the :class:`Certificate`.
    ``place_first`` as in :func:`matcher.plan_model.prepare`.
    """
    scores = np.asarray(scores, dtype=float)
    eligible = np.asarray(eligible, dtype=bool) & np.isfinite(scores)
    probability = scores if probability is None else np.asarray(probability, dtype=float)
    usable = eligible if min_probability is None else eligible & (probability >= min_probability)
    keep = candidate_mask(scores, eligible, top_n, top_per_placement)
    weights = priority_weights(capacity.get("support_need"), len(scores), priority_weight)
    added = 0
    for rounds in range(1, max_rounds + 1):
        problem = CohortProblem.from_dense(scores, keep, probability=probability, **capacity)
        prepared = prepare(problem, priority_weight, min_probability, place_first)
        solution = solve_flow(prepared, certifying=True)
        improving = improving_pairs(
            scores, usable & ~keep, weights, solution.cost_scale,
            tightened_potentials(prepared, solution),
        )  # fmt: skip
        if not improving.any():
            certificate = Certificate(rounds, added, len(problem.score), int(eligible.sum()))
            left = ~np.isin(np.arange(len(scores)), prepared.pair_participant[solution.pair_used])
            rows = (eligible[left], usable[left])
            plan = _plan_from(prepared, solution, "ortools-mcf", "optimal", rows)
            return plan, problem, certificate
        added += int(improving.sum())
        keep |= improving
    raise RuntimeError(f"pricing did not certify the plan within {max_rounds} rounds")


def tightened_potentials(prepared, solution: FlowSolution) -> tuple[np.ndarray, np.ndarray]:
    """Participant and placement potentials moved as far as the optimal dual allows.

    A placement node's residual arcs run to its department and, for its used pairs, back
    to their participants; a participant's run to the source and to its placements. So,
    keeping the other potentials, a placement's may fall to the largest of ``d[i] + c_ij``
    over its assigned participants and ``d[department]`` when it has a slot left (minus
    infinity when neither applies: it can take nobody), and then a participant's may rise
    to ``d[j] - c_ij`` for its assigned placement, or ``d[source] - M`` when unassigned
    (the arc into a participant carries the placing bonus ``M``). Both
    moves keep every residual reduced cost non-negative, so the result is still an
    optimal dual, the one that prices left-out pairs most favourably. Without this, the
    large minimum bonus makes the dual very degenerate and flags pairs that cannot help.
    """
    if solution.potential is None:
        raise ValueError("the solution carries no potentials (use the min-cost flow)")
    problem = prepared.problem
    n, m = problem.n_participants, problem.n_placements
    d = solution.potential.astype(np.float64)
    used = solution.pair_used
    person, place = prepared.pair_participant[used], prepared.pair_placement[used]
    cost = -np.rint(prepared.weighted[used] * solution.cost_scale)
    placement_d = np.full(m, -np.inf)
    has_room = np.bincount(place, minlength=m) < prepared.slots
    department_d = d[n + m + problem.placement_department]
    placement_d[has_room] = department_d[has_room]
    np.maximum.at(placement_d, place, d[person] + cost)
    participant_d = np.full(n, d[n + m + problem.n_departments] - solution.place_bonus)  # source
    participant_d[person] = placement_d[place] - cost
    return participant_d, placement_d


def improving_pairs(
    scores: np.ndarray,
    left_out: np.ndarray,
    weights: np.ndarray,
    cost_scale: float,
    potentials: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Mask of left-out usable pairs whose arc would have a negative reduced cost."""
    n, m = scores.shape
    improving = np.zeros((n, m), dtype=bool)
    participant_d, placement_d = potentials
    for start in range(0, n, ROWS):
        rows = slice(start, min(start + ROWS, n))
        candidates = left_out[rows]
        if not candidates.any():
            continue
        priced = np.where(candidates, scores[rows], 0.0)  # ineligible entries may be NaN
        cost = -np.rint(weights[rows, None] * priced * cost_scale)
        reduced = cost + participant_d[rows, None] - placement_d[None, :]
        improving[rows] = candidates & (reduced < 0)
    return improving
