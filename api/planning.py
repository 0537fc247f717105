"""Cohort planning from the database: build the problem, solve it, keep the plan's rows.

The engine sees what a one-at-a-time suggestion made now would see: open placements with
their remaining slots, each department's quota covering today (remaining maximum and the
bookings still missing to its minimum), participants as of today. ``score_matrix`` gives
every pair's score and eligibility; the exact solver places the cohort on each
participant's best ``candidates_per_participant`` eligible pairs, and the pairs left out
are priced with the plan's duals and added back until none could improve it
(:func:`matcher.plan_certify.solve_pruned`): the plan is optimal for all eligible pairs.

A plan is for *today's* capacity: the places it proposes are not held. Applying it later
re-checks everything (:func:`api.services.plans.apply`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from api.catalog_cache import Catalog
from matcher import domain
from matcher.domain import DepartmentCapacity
from matcher.features import pair_features
from matcher.plan import CohortPlan
from matcher.plan_certify import solve_pruned
from matcher.ranking import why_not
from matcher.value import Valued, explained_row, probability_matrix, values
from models.convert import participant_to_domain
from models.participant import Participant
from models.plans import Plan, PlanOptions, PlanRow

#: reasons the planner itself gives before the solver sees a participant
ALREADY_PLACED = "already_placed"
INACTIVE = "inactive"

# Each placement also keeps its best participants as candidates, so a placement (and a
# department with a minimum) that nobody ranks high is in the network from the start:
# the certificate then brings back a few dozen pairs instead of tens of thousands
# (bench/README.md, plan.py).
PLACEMENT_CANDIDATES = 10


def department_capacities(catalog: Catalog) -> Mapping[int, DepartmentCapacity]:
    """Capacity of every department with a quota covering the catalog's day.

    The catalog holds departments without open placements too, so one that promised a
    minimum but offers nothing open still shows up as falling short.
    """
    return catalog.compiled.capacities


def pair_value(
    catalog: Catalog,
    participant: domain.Participant,
    position: int,
    prices: np.ndarray | None = None,
) -> tuple[Valued, dict[str, float], dict[str, float]]:
    """One pair's value (log-odds, probability, adjustments, ranking value), the prediction's
    contributions and the policy adjustments by factor (matcher.value).

    ``prices`` feed the scarcity adjustment (``catalog.prices``); a plan row leaves them out.
    """
    X = pair_features(
        participant,
        catalog.compiled,
        catalog.day,
        catalog.policy,
        prices=prices,
        rows=np.array([position]),
    ).X
    department = int(catalog.compiled.department_ids[position])
    valued = values(catalog.scorer, X, catalog.policy, [department])
    contributions, adjustments = explained_row(catalog.scorer, X, catalog.policy, 0, department)
    return valued, contributions, adjustments


def contributions_of(
    catalog: Catalog, participant: domain.Participant, position: int
) -> dict[str, float]:
    """Per-factor parts of one plan row, rounded: the prediction's log-odds contributions and
    the policy adjustments (probability points); see matcher.value."""
    _, contributions, adjustments = pair_value(catalog, participant, position)
    return {name: round(float(v), 4) for name, v in {**contributions, **adjustments}.items()}


def pair_exclusions(catalog: Catalog, participant: domain.Participant, position: int) -> list[str]:
    """Every rule excluding the pair (English sentences, from ``why_not``); empty when eligible."""
    placement_id = catalog.compiled.placements[position].id
    found = why_not(
        participant, placement_id, catalog.compiled, as_of=catalog.day, policy=catalog.policy
    )
    return [f"{e.rule}: {e.en}" for e in found]


def planning_scores(scorer, values: np.ndarray) -> np.ndarray:
    """What the cohort plan maximises: the engine's ranking values, P(success) plus the
    policy adjustments (matcher.value), for the hand policy and a learned model alike."""
    return values


def capacity_arrays(
    catalog: Catalog, capacities: Mapping[int, DepartmentCapacity]
) -> tuple[list[int], dict[str, np.ndarray]]:
    """Department ids (index order) and the capacity keywords of ``solve_pruned``: slots
    left, each placement's department index, remaining quota maxima and missing minima."""
    compiled = catalog.compiled
    # departments with a quota but no open placement can still fall short of a minimum
    department_ids = sorted({p.department_id for p in compiled.placements} | set(capacities))
    department_index = {d: k for k, d in enumerate(department_ids)}
    placement_department = np.array(
        [department_index[p.department_id] for p in compiled.placements], dtype=np.int64
    )
    quota_max = np.full(len(department_ids), np.inf)
    quota_min = np.zeros(len(department_ids), dtype=np.int64)
    for d, k in department_index.items():
        capacity = capacities.get(d)
        if capacity is not None and capacity.remaining_quota is not None:
            quota_max[k] = capacity.remaining_quota
        if capacity is not None:
            quota_min[k] = capacity.short_of_minimum
    return department_ids, {
        "slots": np.asarray(compiled.remaining_slots),
        "placement_department": placement_department,
        "quota_max": quota_max,
        "quota_min": quota_min,
    }


def standing_solve(
    catalog: Catalog,
    participants: Sequence[Participant],
    turned_down: Collection[tuple[int, int]] = (),
) -> tuple[CohortPlan, dict[str, float], dict[str, float]]:
    """The standing plan over everyone waiting: the plan and its non-zero prices by
    placement id and department id (probability points; str keys, as stored).

    Default options (no priority weight, no minimum probability: the policy's priority
    adjustment already speaks for those furthest away), values without scarcity, so
    the prices never feed on themselves. ``turned_down``: (participant, placement) pairs
    the lists leave out (declined or withdrawn lately), left out of the plan too.
    """
    people = [participant_to_domain(p, catalog.day) for p in participants]
    department_ids, capacity = capacity_arrays(catalog, department_capacities(catalog))
    probability, scores, eligible = cohort_values(catalog, people, turned_down)
    result, _, _ = solve_pruned(
        scores,
        eligible,
        **capacity,
        top_n=PlanOptions().candidates_per_participant,
        top_per_placement=PLACEMENT_CANDIDATES,
        probability=probability,
    )
    placement = _nonzero(catalog.compiled.ids, result.placement_prices)
    return result, placement, _nonzero(department_ids, result.department_prices)


def cohort_values(
    catalog: Catalog,
    people: Sequence[domain.Participant],
    turned_down: Collection[tuple[int, int]] = (),
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(success), ranking values without scarcity (what a plan maximises) and
    eligibility, participants x open placements (matcher.value.probability_matrix);
    the (participant id, placement id) pairs in ``turned_down`` are not eligible."""
    compiled = catalog.compiled
    if not people or not len(compiled):
        empty = np.zeros((len(people), len(compiled)))
        return empty, empty, empty.astype(bool)
    probability, adjustment, eligible = probability_matrix(
        people, compiled, catalog.scorer, catalog.day, catalog.policy
    )
    if turned_down:
        row = {p.id: i for i, p in enumerate(people)}
        column = {int(pid): j for j, pid in enumerate(compiled.ids)}
        for participant_id, placement_id in turned_down:
            i, j = row.get(participant_id), column.get(placement_id)
            if i is not None and j is not None:
                eligible[i, j] = False
    return probability, planning_scores(catalog.scorer, probability + adjustment), eligible


def make_plan(
    catalog: Catalog,
    participants: Sequence[Participant],
    options: PlanOptions,
    *,
    capacities: dict[int, DepartmentCapacity],
    catalog_version: int,
    excluded: dict[int, str],
    unit_id: int | None,
    by: int | None,
    turned_down: Collection[tuple[int, int]] = (),
) -> tuple[Plan, list[PlanRow]]:
    """Solve the cohort and return the plan and its rows (not yet saved).

    ``capacities`` are :func:`department_capacities`; ``excluded`` maps participants kept
    out of the solve (already placed, inactive) to their reason, each gets an unassigned
    row; ``turned_down`` pairs (declined or withdrawn lately) are never planned.
    """
    compiled = catalog.compiled
    cohort = [p for p in participants if p.id not in excluded]
    people = [participant_to_domain(p, catalog.day) for p in cohort]
    department_ids, capacity = capacity_arrays(catalog, capacities)
    probability, scores, eligible = cohort_values(catalog, people, turned_down)
    # Candidates pruned to each participant's best, then certified optimal for the whole
    # cohort by pricing out the pairs left out (matcher.plan_certify).
    result, _, _ = solve_pruned(
        scores,
        eligible,
        **capacity,
        support_need=np.array([p.support_need for p in people], dtype=np.int64),
        top_n=options.candidates_per_participant,
        top_per_placement=PLACEMENT_CANDIDATES,
        priority_weight=options.priority_weight,
        min_probability=options.min_probability,
        probability=probability,
    )
    rows = []
    for i, (row, person) in enumerate(zip(cohort, people, strict=True)):
        j = int(result.assignment[i])
        if j < 0:
            taken = {}
            if result.taken_by[i]:
                taken = {
                    "participant_ids": sorted(cohort[k].id for k in result.taken_by[i]),
                    "placement_ids": [int(compiled.ids[k]) for k in result.taken_places[i]],
                }
            reason = result.unassigned_reason[i]
            rows.append(PlanRow(participant_id=row.id, reason=reason, taken=taken))
            continue
        placement = compiled.placements[j]
        rows.append(
            PlanRow(
                participant_id=row.id,
                placement_id=placement.id,
                department_id=placement.department_id,
                score=round(float(scores[i, j]), 4),
                contributions=contributions_of(catalog, person, j),
            )
        )
    rows += [PlanRow(participant_id=pid, reason=why) for pid, why in sorted(excluded.items())]
    plan = Plan(
        unit_id=unit_id,
        planned_on=catalog.day,
        options=options.model_dump(),
        policy_version=catalog.policy.version,
        catalog_version=catalog_version,
        solver=result.solver,
        solver_seconds=float(result.solver_seconds),
        total_score=round(float(result.total_score), 4),
        objective=round(float(result.objective), 4),
        n_participants=len(participants),
        n_assigned=int((result.assignment >= 0).sum()),
        shortfalls={str(department_ids[k]): int(n) for k, n in result.shortfalls.items()},
        placement_prices=_nonzero(compiled.ids, result.placement_prices),
        department_prices=_nonzero(department_ids, result.department_prices),
        created_by=by,
    )
    return plan, rows


def _nonzero(ids: Sequence[int], prices: np.ndarray) -> dict[str, float]:
    return {str(int(k)): round(float(v), 6) for k, v in zip(ids, prices, strict=True) if v > 1e-9}


def capacity_conflicts(catalog: Catalog, rows: Sequence[PlanRow]) -> list[dict]:
    """Where the plan's live rows ask more than the catalog has left (slots or quota)."""
    compiled = catalog.compiled
    live = [r for r in rows if r.placement_id is not None and not r.dropped]
    per_placement: dict[int, list[int]] = {}
    per_department: dict[int, list[int]] = {}
    for row in live:
        per_placement.setdefault(row.placement_id, []).append(row.participant_id)
        per_department.setdefault(row.department_id, []).append(row.participant_id)
    conflicts = []
    for placement_id, people in sorted(per_placement.items()):
        left = int(compiled.remaining_slots[compiled.index_of(placement_id)])
        if len(people) > left:
            conflicts.append(
                {
                    "what": "placement",
                    "placement_id": placement_id,
                    "participant_ids": people,
                    "needed": len(people),
                    "available": left,
                    "detail": f"placement {placement_id} has {left} slot(s) left",
                }
            )
    for department_id, people in sorted(per_department.items()):
        capacity = compiled.capacities.get(department_id)
        if capacity is None or capacity.remaining_quota is None:
            continue
        if len(people) > capacity.remaining_quota:
            conflicts.append(
                {
                    "what": "quota",
                    "department_id": department_id,
                    "participant_ids": people,
                    "needed": len(people),
                    "available": capacity.remaining_quota,
                    "detail": f"department {department_id}'s quota has "
                    f"{capacity.remaining_quota} place(s) left",
                }
            )
    return conflicts


def plan_shortfalls(
    capacities: dict[int, DepartmentCapacity], rows: Sequence[PlanRow]
) -> dict[str, int]:
    """Department id -> bookings still short of its minimum if the live rows are booked."""
    planned: dict[int, int] = {}
    for row in rows:
        if row.placement_id is not None and not row.dropped:
            planned[row.department_id] = planned.get(row.department_id, 0) + 1
    return {
        str(d): c.short_of_minimum - planned.get(d, 0)
        for d, c in sorted(capacities.items())
        if c.short_of_minimum - planned.get(d, 0) > 0
    }


def reassign_row(
    catalog: Catalog, row: PlanRow, participant: Participant, placement_id: int
) -> list[str]:
    """Point a row at another placement if the pair is eligible now; else the exclusions.

    Returns the rules that exclude the pair (the row is then left unchanged).
    """
    compiled = catalog.compiled
    position = compiled.index_of(placement_id)
    person = participant_to_domain(participant, catalog.day)
    exclusions = pair_exclusions(catalog, person, position)
    if exclusions:
        return exclusions
    contributions = contributions_of(catalog, person, position)
    valued, _, _ = pair_value(catalog, person, position)
    row.placement_id = placement_id
    row.department_id = compiled.placements[position].department_id
    row.contributions = contributions
    row.score = round(float(valued.value[0]), 4)
    row.reason = None
    row.dropped = False
    row.edited = True
    return []
