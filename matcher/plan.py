"""Cohort planning: place a whole cohort at once so scarce places go where they do most good.

One-at-a-time decisions in arrival order leave value behind: an early participant takes
the slot a later one needed more. :func:`solve_cohort` instead returns an optimal plan for
the whole cohort, and :func:`greedy_cohort` the "best pairs first" baseline it is measured
against (bench/plan.py).

The plan, in order of precedence:

1. only listed (eligible) pairs scoring at least ``min_score``; each participant at most
   one placement, each placement at most its ``slots``, each department at most its
   remaining ``quota_max``;
2. as many of the departments' missing minimum bookings (``quota_min``) as can be met;
   the rest is reported exactly in ``shortfalls``;
3. the largest objective ``sum(weight_i * score_ij)``, with ``weight_i`` raised for those
   furthest from the labour market by ``priority_weight`` (see :mod:`matcher.plan_model`).

The solver is OR-Tools' min-cost flow (:mod:`matcher.plan_flow`, where the choice is
argued); ``solver="highs"`` runs the same model as a linear programme
(:mod:`matcher.plan_lp`). The plan's dual prices are the opportunity cost of a slot or a
unit of quota; a one-at-a-time ranking can subtract them (see :func:`opportunity_cost`)
so that its decisions come close to the cohort optimum.
"""

from __future__ import annotations

import numpy as np

from matcher.plan_flow import FlowSolution, solve_flow
from matcher.plan_lp import solve_lp
from matcher.plan_model import (
    BELOW_MIN_SCORE,
    CAPACITY,
    NO_ELIGIBLE,
    CohortPlan,
    CohortProblem,
    PreparedCohort,
    prepare,
    priority_weights,
)

__all__ = [
    "BELOW_MIN_SCORE",
    "CAPACITY",
    "NO_ELIGIBLE",
    "CohortPlan",
    "CohortProblem",
    "greedy_cohort",
    "opportunity_cost",
    "priority_weights",
    "solve_cohort",
]

_BACKENDS = {"auto": ("ortools-mcf", solve_flow), "ortools": ("ortools-mcf", solve_flow)}
_BACKENDS["highs"] = ("highs-lp", solve_lp)


def solve_cohort(
    problem: CohortProblem,
    *,
    priority_weight: float = 0.0,
    min_score: float | None = None,
    solver: str = "auto",
) -> CohortPlan:
    """Return an optimal plan for the cohort (see the module docstring for its rules).

    Parameters
    ----------
    priority_weight
        0 treats everyone alike; 1 makes a placement for someone with support_need 5
        count twice as much as for support_need 1 (needs ``problem.support_need``).
    min_score
        Pairs scoring below it are never assigned; None keeps every listed pair.
    solver
        ``"auto"`` or ``"ortools"`` (min-cost flow), or ``"highs"`` (linear programme).
    """
    if solver not in _BACKENDS:
        raise ValueError(f"unknown solver {solver!r}; use one of {sorted(_BACKENDS)}")
    name, backend = _BACKENDS[solver]
    prepared = prepare(problem, priority_weight, min_score)
    solution = backend(prepared)
    return _plan_from(prepared, solution, name, "optimal")


def greedy_cohort(
    problem: CohortProblem, *, priority_weight: float = 0.0, min_score: float | None = None
) -> CohortPlan:
    """The baseline: take pairs best (weighted) score first while places are left.

    Pairs worth less than nobody (negative weighted score) are skipped, and minima are
    ignored (their shortfall is still reported). Ties go to the lower participant, then
    the lower placement, so the result is deterministic.
    """
    prepared = prepare(problem, priority_weight, min_score)
    order = np.lexsort((prepared.pair_placement, prepared.pair_participant, -prepared.weighted))
    order = order[prepared.weighted[order] >= 0]
    free = np.ones(problem.n_participants, dtype=bool)
    slots_left = prepared.slots.copy()
    quota_left = prepared.quota_cap.copy()
    used = np.zeros(len(prepared.weighted), dtype=bool)
    places_left = min(int(slots_left.sum()), int(quota_left.sum()), problem.n_participants)
    participants, placements = prepared.pair_participant, prepared.pair_placement
    departments = prepared.pair_department
    for pair in order.tolist():
        if places_left == 0:
            break
        i, j, d = participants[pair], placements[pair], departments[pair]
        if free[i] and slots_left[j] > 0 and quota_left[d] > 0:
            free[i] = False
            slots_left[j] -= 1
            quota_left[d] -= 1
            used[pair] = True
            places_left -= 1
    zero_m, zero_d = np.zeros(problem.n_placements), np.zeros(problem.n_departments)
    solution = FlowSolution(used, zero_m, zero_d, solver_seconds=0.0)
    return _plan_from(prepared, solution, "greedy", "greedy")


def opportunity_cost(problem: CohortProblem, plan: CohortPlan) -> np.ndarray:
    """Per placement: what one more booking there costs the rest of the cohort plan.

    ``placement_prices[j] + department_prices[department of j]``, in objective units. A
    one-at-a-time ranking that uses ``score - factor * opportunity_cost`` (factor 1 for
    the full effect) makes each participant prefer the placement the cohort plan gives
    them: at the plan's prices, every assigned pair is a best choice for its participant.
    """
    return plan.placement_prices + plan.department_prices[problem.placement_department]


def _plan_from(
    prepared: PreparedCohort, solution: FlowSolution, solver: str, status: str
) -> CohortPlan:
    """Turn the used pairs into a plan: assignment, reasons and shortfalls."""
    problem = prepared.problem
    n = problem.n_participants
    used = solution.pair_used
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[prepared.pair_participant[used]] = prepared.pair_placement[used]

    def has_open_pair(participants: np.ndarray, placements: np.ndarray) -> np.ndarray:
        departments = problem.placement_department[placements]
        is_open = (prepared.slots[placements] > 0) & (prepared.quota_cap[departments] > 0)
        return np.bincount(participants[is_open], minlength=n) > 0

    any_open = has_open_pair(problem.participant_index, problem.placement_index)
    usable_open = has_open_pair(prepared.pair_participant, prepared.pair_placement)
    reasons = np.where(
        assignment >= 0,
        "",
        np.where(~any_open, NO_ELIGIBLE, np.where(~usable_open, BELOW_MIN_SCORE, CAPACITY)),
    )
    booked = np.bincount(
        problem.placement_department[assignment[assignment >= 0]],
        minlength=problem.n_departments,
    )
    short = problem.quota_min - booked
    return CohortPlan(
        assignment=assignment,
        total_score=float(prepared.pair_score[used].sum()),
        objective=float(prepared.weighted[used].sum()),
        unassigned_reason=tuple(reasons.tolist()),
        shortfalls={int(d): int(short[d]) for d in np.flatnonzero(short > 0)},
        placement_prices=solution.placement_prices,
        department_prices=solution.department_prices,
        solver=solver,
        solver_seconds=solution.solver_seconds,
        status=status,
    )
