"""Cohort planning: place a whole cohort at once so scarce places go where they do most good.

One-at-a-time decisions in arrival order leave value behind: an early participant takes
the slot a later one needed more. :func:`solve_cohort` instead returns an optimal plan for
the whole cohort, and :func:`greedy_cohort` the "best pairs first" baseline it is measured
against (bench/plan.py).

The plan, in order of precedence:

1. only listed (eligible) pairs whose probability is at least ``min_probability``; each
   participant at most one placement, each placement at most its ``slots``, each
   department at most its remaining ``quota_max``;
2. as many of the departments' missing minimum bookings (``quota_min``) as can be met
   (the rest is reported exactly in ``shortfalls``), and as many participants placed as
   can be: nobody is left out while a usable pair with a slot and quota left exists;
3. the largest objective ``sum(weight_i * score_ij)`` (expected successes plus the
   policy adjustments), with ``weight_i`` raised for those furthest from the labour
   market by ``priority_weight`` (see :mod:`matcher.plan_model`).

Every participant left out gets the true reason (:func:`unassigned_reasons`).

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
    BELOW_MIN_PROBABILITY,
    CAPACITY,
    NEGATIVE_VALUE,
    NO_ELIGIBLE,
    CohortPlan,
    CohortProblem,
    PreparedCohort,
    prepare,
    priority_weights,
)
from matcher.plan_reasons import unassigned_reasons

__all__ = [
    "BELOW_MIN_PROBABILITY",
    "CAPACITY",
    "NEGATIVE_VALUE",
    "NO_ELIGIBLE",
    "CohortPlan",
    "CohortProblem",
    "greedy_cohort",
    "opportunity_cost",
    "priority_weights",
    "scarcity_prices",
    "solve_cohort",
    "unassigned_reasons",
]

_BACKENDS = {"auto": ("ortools-mcf", solve_flow), "ortools": ("ortools-mcf", solve_flow)}
_BACKENDS["highs"] = ("highs-lp", solve_lp)


def solve_cohort(
    problem: CohortProblem,
    *,
    priority_weight: float = 0.0,
    min_probability: float | None = None,
    solver: str = "auto",
    place_first: bool = True,
) -> CohortPlan:
    """Return an optimal plan for the cohort (see the module docstring for its rules).

    Parameters
    ----------
    priority_weight
        0 treats everyone alike; 1 makes a placement for someone with support_need 5
        count twice as much as for support_need 1 (needs ``problem.support_need``).
    min_probability
        Pairs whose probability (``problem.probability``, else the score) is below it are
        never assigned; None keeps every listed pair.
    solver
        ``"auto"`` or ``"ortools"`` (min-cost flow), or ``"highs"`` (linear programme).
    place_first
        True (the rule): place as many as can be placed before maximising the objective;
        False: maximise the objective alone (see :func:`matcher.plan_model.prepare`).
    """
    if solver not in _BACKENDS:
        raise ValueError(f"unknown solver {solver!r}; use one of {sorted(_BACKENDS)}")
    name, backend = _BACKENDS[solver]
    prepared = prepare(problem, priority_weight, min_probability, place_first)
    solution = backend(prepared)
    return _plan_from(prepared, solution, name, "optimal")


def greedy_cohort(
    problem: CohortProblem, *, priority_weight: float = 0.0, min_probability: float | None = None
) -> CohortPlan:
    """The baseline: take pairs best (weighted) score first while places are left.

    Every usable pair is taken in turn, negative values too (placing first, like the
    plan), and minima are ignored (their shortfall is still reported). Ties go to the
    lower participant, then the lower placement, so the result is deterministic.
    """
    prepared = prepare(problem, priority_weight, min_probability)
    order = np.lexsort((prepared.pair_placement, prepared.pair_participant, -prepared.weighted))
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


def scarcity_prices(
    values: np.ndarray,
    eligible: np.ndarray,
    slots: np.ndarray,
    placement_department: np.ndarray,
    quota_max: np.ndarray | None = None,
    quota_min: np.ndarray | None = None,
    *,
    support_need: np.ndarray | None = None,
    priority_weight: float = 0.0,
    top_n: int | None = 50,
    place_first: bool = True,
) -> np.ndarray:
    """Per placement, the standing plan's scarcity price, in probability points.

    ``values`` (participants x placements) are the ranking values without scarcity
    (``matcher.value.probability_matrix``: probability + adjustments), ``eligible`` the
    eligibility; capacities as in :meth:`CohortProblem.from_dense`. Solves the certified
    cohort plan over everyone waiting and returns :func:`opportunity_cost`: what one
    more booking of each placement costs the rest of that plan. This is what the system's
    standing plan stores (api/standing_plan.py) and what bench/quality.py can call in
    process.
    """
    from matcher.plan_certify import solve_pruned  # plan_certify imports this module

    plan, problem, _ = solve_pruned(
        values,
        eligible,
        slots=np.asarray(slots),
        placement_department=np.asarray(placement_department),
        quota_max=quota_max,
        quota_min=quota_min,
        support_need=support_need,
        priority_weight=priority_weight,
        top_n=top_n,
        place_first=place_first,
    )
    return opportunity_cost(problem, plan)


def _plan_from(
    prepared: PreparedCohort,
    solution: FlowSolution,
    solver: str,
    status: str,
    rows: tuple[np.ndarray, np.ndarray] | None = None,
) -> CohortPlan:
    """Turn the used pairs into a plan: assignment, reasons and shortfalls.

    ``rows`` are the unassigned participants' eligible and usable rows over all
    placements (see :func:`unassigned_reasons`); by default they come from the
    problem's pairs (a pruned problem's caller passes the full ones).
    """
    problem = prepared.problem
    n, m = problem.n_participants, problem.n_placements
    used = solution.pair_used
    assignment = np.full(n, -1, dtype=np.int64)
    assignment[prepared.pair_participant[used]] = prepared.pair_placement[used]
    left = np.flatnonzero(assignment < 0)
    if rows is None:
        row_of = np.full(n, -1)
        row_of[left] = np.arange(len(left))
        rows = (np.zeros((len(left), m), dtype=bool), np.zeros((len(left), m), dtype=bool))
        for matrix, people, places in (
            (rows[0], problem.participant_index, problem.placement_index),
            (rows[1], prepared.pair_participant, prepared.pair_placement),
        ):
            mine = row_of[people] >= 0
            matrix[row_of[people[mine]], places[mine]] = True
    found, whom, where = unassigned_reasons(
        assignment, rows[0], rows[1], prepared.slots, prepared.quota_cap,
        problem.placement_department, prepared.place_first,
    )  # fmt: skip
    reasons = [""] * n
    for k, i in enumerate(left.tolist()):
        reasons[i] = found[k]
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[left] = np.arange(len(left))
    booked = np.bincount(
        problem.placement_department[assignment[assignment >= 0]],
        minlength=problem.n_departments,
    )
    short = problem.quota_min - booked
    return CohortPlan(
        assignment=assignment,
        total_score=float(prepared.pair_score[used].sum()),
        objective=float(prepared.weighted[used].sum()),
        unassigned_reason=tuple(reasons),
        shortfalls={int(d): int(short[d]) for d in np.flatnonzero(short > 0)},
        placement_prices=solution.placement_prices,
        department_prices=solution.department_prices,
        solver=solver,
        solver_seconds=solution.solver_seconds,
        status=status,
        taken_by=whom.reindexed(row_of),
        taken_places=where.reindexed(row_of),
    )
