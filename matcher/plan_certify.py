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
improve the plan; those pairs are added, with the pairs whose reduced cost is nearly
negative (:data:`NEAR`), and the cohort is solved again, until none is left. Each round
only adds pairs, so this ends; at 20,000 x 5,000, after three solves.

The pricing is exact but does not read every pair: a left-out pair scores no more than
its participant's ``top_n``-th best, which bounds its reduced cost from below, and only
the placements with the highest potentials can beat that bound (:func:`priced_pairs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.plan import _plan_from
from matcher.plan_candidates import candidates
from matcher.plan_flow import FlowNetwork, flow_solution, solve_network, source_potentials
from matcher.plan_model import CohortPlan, CohortProblem, prepare, priority_weights

#: Cells (pairs) priced at a time: bounds the temporary memory of the pricing.
CELLS = 1 << 21
#: Pairs whose reduced cost is below this (in weighted-score units) are brought back with
#: the improving ones: a round's new pairs move the dual, and the pairs that then price
#: out are nearly always among these, so one more solve certifies instead of two or three.
NEAR = 0.005


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
    keep, row_cut = candidates(scores, eligible, top_n, top_per_placement)
    n, m = scores.shape
    weights = priority_weights(capacity.get("support_need"), n, priority_weight)
    key = np.flatnonzero(keep)  # pairs as row-major cell numbers, in order
    added = 0
    for rounds in range(1, max_rounds + 1):
        problem = _problem(scores, probability, key, capacity)
        prepared = prepare(problem, priority_weight, min_probability, place_first)
        network = solve_network(prepared)
        potential = source_potentials(network)
        person, place, reduced = priced_pairs(
            scores, usable, keep, weights, network.scale,
            tightened_potentials(prepared, network, potential), row_cut, NEAR * network.scale,
        )  # fmt: skip
        if not (reduced < 0).any():
            solution = flow_solution(prepared, network, potential)
            certificate = Certificate(rounds, added, len(problem.score), int(eligible.sum()))
            placed = np.zeros(n, dtype=bool)
            placed[prepared.pair_participant[solution.pair_used]] = True
            rows = (eligible[~placed], usable[~placed])
            plan = _plan_from(prepared, solution, "ortools-mcf", "optimal", rows)
            return plan, problem, certificate
        added += len(person)
        keep[person, place] = True
        key = np.sort(np.concatenate([key, person * m + place]))
    raise RuntimeError(f"pricing did not certify the plan within {max_rounds} rounds")


def _problem(scores, probability, key, capacity) -> CohortProblem:
    """The cohort problem of the kept pairs (cell numbers ``key`` of the dense matrices)."""
    n, m = scores.shape
    flat_scores = scores.reshape(-1)
    placement_department = np.asarray(capacity["placement_department"], dtype=np.int64)
    n_departments = int(placement_department.max()) + 1 if len(placement_department) else 0
    quota_max = capacity.get("quota_max")
    quota_max = np.full(n_departments, np.inf) if quota_max is None else quota_max
    quota_min = capacity.get("quota_min")
    quota_min = np.zeros(len(quota_max), dtype=np.int64) if quota_min is None else quota_min
    support_need = capacity.get("support_need")
    return CohortProblem(
        participant_index=key // m,
        placement_index=key % m,
        score=flat_scores[key],
        n_participants=n,
        slots=np.asarray(capacity["slots"], dtype=np.int64),
        placement_department=placement_department,
        quota_max=np.asarray(quota_max, dtype=float),
        quota_min=np.asarray(quota_min, dtype=np.int64),
        support_need=None if support_need is None else np.asarray(support_need),
        probability=probability.reshape(-1)[key],
    )


def tightened_potentials(
    prepared, network: FlowNetwork, potential: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Participant and placement potentials moved as far as the optimal dual allows.

    ``potential`` are the network's potentials measured from the source
    (:func:`matcher.plan_flow.source_potentials`). A placement node's residual arcs run
    to its department and, for its used pairs, back
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
    problem = prepared.problem
    n, m = problem.n_participants, problem.n_placements
    d = potential.astype(np.float64)
    used = network.flows[n : n + network.n_pairs] > 0
    person, place = prepared.pair_participant[used], prepared.pair_placement[used]
    cost = -np.rint(prepared.weighted[used] * network.scale)
    placement_d = np.full(m, -np.inf)
    has_room = np.bincount(place, minlength=m) < prepared.slots
    department_d = d[n + m + problem.placement_department]
    placement_d[has_room] = department_d[has_room]
    np.maximum.at(placement_d, place, d[person] + cost)
    participant_d = np.full(n, d[n + m + problem.n_departments] - network.place_bonus)  # source
    participant_d[person] = placement_d[place] - cost
    return participant_d, placement_d


def priced_pairs(
    scores: np.ndarray,
    usable: np.ndarray,
    keep: np.ndarray,
    weights: np.ndarray,
    cost_scale: float,
    potentials: tuple[np.ndarray, np.ndarray],
    row_cut: np.ndarray,
    margin: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Usable pairs left out of ``keep`` whose arc's reduced cost would be below ``margin``.

    Returns their participants, placements and reduced costs (integer cost units); a
    negative one is a pair that could improve the plan. The arc of ``(i, j)`` would cost
    ``c_ij = -rint(weight_i * score_ij * cost_scale)``, so its reduced cost is
    ``c_ij + d_i - d_j``. No left-out pair of participant ``i`` scores more than
    ``row_cut[i]`` (:func:`matcher.plan_candidates.candidates`), so only placements whose
    ``d_j`` exceeds ``-rint(weight_i * row_cut_i * cost_scale) + d_i - margin`` can
    qualify: with placements in falling ``d_j``, each participant needs only a prefix of
    them, and participants with similar prefixes are priced together. At 20,000 x 5,000
    that is about a tenth of the 45 million eligible pairs; the rest are bounded, not
    skipped.
    """
    n, m = scores.shape
    participant_d, placement_d = potentials
    by_potential = np.argsort(-placement_d, kind="stable")
    rising = -placement_d[by_potential]
    with np.errstate(invalid="ignore"):
        best_cost = -np.rint(weights * row_cut * cost_scale)
        floor = best_cost + participant_d - margin - 1.0  # 1: a whole cost unit of slack
    width = np.searchsorted(rising, -floor, side="left")  # placements with d_j > floor
    order = np.argsort(width, kind="stable")
    order = order[width[order] > 0]
    found = ([], [], [])
    start = 0
    while start < len(order):  # participants by width, so a block's columns fit them all
        stop = min(start + 256, len(order))
        widest = int(width[order[stop - 1]])
        stop = min(stop, start + max(1, CELLS // widest))
        widest = int(width[order[stop - 1]])
        rows = np.sort(order[start:stop])
        columns = np.sort(by_potential[:widest])
        cells = np.ix_(rows, columns)
        left_out = usable[cells] & ~keep[cells]
        priced = np.where(left_out, scores[cells], 0.0)  # ineligible entries may be NaN
        cost = -np.rint(weights[rows, None] * priced * cost_scale)
        reduced = cost + participant_d[rows, None] - placement_d[None, columns]
        r, c = np.nonzero(left_out & (reduced < margin))
        found[0].append(rows[r])
        found[1].append(columns[c])
        found[2].append(reduced[r, c])
        start = stop
    if not found[0]:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return tuple(np.concatenate(part) for part in found)
