"""The cohort plan's input and output types, and the shared preparation of a problem.

A *cohort problem* lists the candidate pairs (participant, placement) that are eligible,
each with its score, plus the capacity left: ``slots`` per placement, and per department a
remaining quota maximum and the bookings still missing to reach a promised minimum.

Scores, weights and units
-------------------------
``score``
    The engine's ranking value of a pair (``matcher.value``: P(success) plus the policy
    adjustments, in probability points; higher is better). Adjustments can be negative,
    so a value can be below 0; the plan still places everyone it can (see *placing
    first* below).
``probability``
    Optional, per pair: the predicted P(success) alone, what ``min_probability`` is
    compared with (None: the score is compared, e.g. when scores are probabilities).
``priority weight``
    ``weight_i = 1 + priority_weight * (support_need_i - 1) / 4``: with
    ``support_need`` on the 1 (close to the labour market) .. 5 (furthest) scale and
    ``priority_weight = 1``, a placement for someone furthest away counts twice as much as
    the same score for someone closest. The plan maximises ``sum(weight_i * score_ij)``,
    the *objective*; ``total_score`` reports the unweighted sum of the chosen scores.
``min_probability``
    The stated minimum P(success) of a plan (a plan option): pairs whose probability is
    below it are never assigned, not even to reach a minimum. It is the only reason the
    plan leaves someone out while an eligible place with room (slot and quota) is left.

Placing first
-------------
The plan is lexicographic: (1) as many bookings towards the departments' promised
minima as possible, (2) as many participants placed as possible, (3) the largest
objective. (1) and (2) never conflict: a flow that meets the most minima can be
augmented to a maximum one without unmeeting any (an augmenting path ends on a
department-to-sink arc and never runs one backwards), so both are reached at once with a
single bonus per booking and per placement (:func:`minimum_bonus`). Hence nobody is left
out while a usable eligible pair with a slot and quota left exists, whatever its value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.plan_candidates import candidate_mask

#: Why a participant is left without a placement (``""`` for the assigned).
NO_ELIGIBLE = "no_eligible_placement"  # no eligible pair with a slot and quota left
BELOW_MIN_PROBABILITY = "below_min_probability"  # open pairs exist, all below the minimum
CAPACITY = "capacity"  # usable open pairs exist; the plan gave every one of those places
#: (slots, or the department's quota) to someone else: ``CohortPlan.taken_by`` says whom
NEGATIVE_VALUE = "negative_value"  # only with place_first=False: every open pair is < 0


@dataclass(frozen=True, eq=False)
class CohortProblem:
    """A cohort to place at once, as sparse candidate pairs.

    Parameters
    ----------
    participant_index, placement_index, score
        One entry per eligible pair; pairs not listed are ineligible. A pair must appear
        at most once.
    n_participants
        Participants are ``0 .. n_participants - 1``; those without a pair stay unassigned.
    slots
        Remaining slots per placement (``remaining_slots``); 0 closes the placement.
    placement_department
        Department index of each placement, ``0 .. n_departments - 1``.
    quota_max
        Remaining quota maximum per department (headcount it may still take); ``np.inf``
        when no quota is set. Fractions are rounded down.
    quota_min
        Bookings still missing to reach the department's promised minimum (0 if none).
    support_need
        Optional 1..5 distance from the labour market per participant, used by the
        ``priority_weight`` option of the solvers.
    probability
        Optional P(success) per pair, compared with ``min_probability`` (None: ``score``).
    """

    participant_index: np.ndarray
    placement_index: np.ndarray
    score: np.ndarray
    n_participants: int
    slots: np.ndarray
    placement_department: np.ndarray
    quota_max: np.ndarray
    quota_min: np.ndarray
    support_need: np.ndarray | None = None
    probability: np.ndarray | None = None

    def __post_init__(self) -> None:
        n_pairs = len(self.score)
        if len(self.participant_index) != n_pairs or len(self.placement_index) != n_pairs:
            raise ValueError("participant_index, placement_index and score differ in length")
        if len(self.slots) != len(self.placement_department):
            raise ValueError("slots and placement_department differ in length")
        if len(self.quota_max) != len(self.quota_min):
            raise ValueError("quota_max and quota_min differ in length")
        if n_pairs:
            if (
                self.participant_index.min() < 0
                or self.participant_index.max() >= self.n_participants
            ):
                raise ValueError("participant_index out of range")
            if self.placement_index.min() < 0 or self.placement_index.max() >= len(self.slots):
                raise ValueError("placement_index out of range")
            if not np.all(np.isfinite(self.score)):
                raise ValueError("scores must be finite (list only eligible pairs)")
        if len(self.slots) and (
            self.placement_department.min() < 0
            or self.placement_department.max() >= len(self.quota_max)
        ):
            raise ValueError("placement_department out of range")
        if np.any(self.slots < 0) or np.any(self.quota_min < 0) or np.any(self.quota_max < 0):
            raise ValueError("slots and quotas must be >= 0")
        if self.support_need is not None and len(self.support_need) != self.n_participants:
            raise ValueError("support_need needs one entry per participant")
        if self.probability is not None and len(self.probability) != n_pairs:
            raise ValueError("probability needs one entry per pair")

    @property
    def n_placements(self) -> int:
        return len(self.slots)

    @property
    def n_departments(self) -> int:
        return len(self.quota_max)

    @classmethod
    def from_dense(
        cls,
        scores: np.ndarray,
        eligible: np.ndarray,
        *,
        slots: np.ndarray,
        placement_department: np.ndarray,
        quota_max: np.ndarray | None = None,
        quota_min: np.ndarray | None = None,
        support_need: np.ndarray | None = None,
        top_n: int | None = None,
        top_per_placement: int | None = None,
        probability: np.ndarray | None = None,
    ) -> CohortProblem:
        """Build the sparse problem from a participants x placements score matrix.

        Candidate pruning, for cohorts too large to list every eligible pair: ``top_n``
        keeps each participant's ``top_n`` best eligible placements (by score; the priority
        weight is per participant, so it does not change that order), and
        ``top_per_placement`` adds each placement's best eligible participants, so a
        placement (and a department with a minimum) that nobody ranks high keeps
        candidates. Both None: every eligible pair. ``probability`` is a matrix like
        ``scores`` (P(success) per pair, for ``min_probability``).

        The plan is exact for the *pruned* problem, and optimal for the full one unless
        the full optimum places someone outside the kept pairs. Measured (bench/plan.py,
        bench/README.md) at ``top_n=50, top_per_placement=10``: 99.985 % of the unpruned
        optimum at 3,000 x 1,000 and 99.95 % at 20,000 x 5,000, with the same shortfalls;
        a pair the pruning dropped can only help if its score exceeds its participant's
        surplus plus the placement's :func:`matcher.plan.opportunity_cost`, which is how
        the benchmark finds the exact full optimum.
        """
        scores = np.asarray(scores, dtype=float)
        eligible = np.asarray(eligible, dtype=bool) & np.isfinite(scores)
        n_participants, n_placements = scores.shape
        eligible = candidate_mask(scores, eligible, top_n, top_per_placement)
        participant_index, placement_index = np.nonzero(eligible)
        n_departments = int(placement_department.max()) + 1 if len(placement_department) else 0
        if quota_max is None:
            quota_max = np.full(n_departments, np.inf)
        if quota_min is None:
            quota_min = np.zeros(len(quota_max), dtype=np.int64)
        return cls(
            participant_index=participant_index.astype(np.int64),
            placement_index=placement_index.astype(np.int64),
            score=scores[participant_index, placement_index],
            n_participants=n_participants,
            slots=np.asarray(slots, dtype=np.int64),
            placement_department=np.asarray(placement_department, dtype=np.int64),
            quota_max=np.asarray(quota_max, dtype=float),
            quota_min=np.asarray(quota_min, dtype=np.int64),
            support_need=None if support_need is None else np.asarray(support_need),
            probability=(
                None
                if probability is None
                else np.asarray(probability, dtype=float)[participant_index, placement_index]
            ),
        )


@dataclass(frozen=True, eq=False)
class CohortPlan:
    """An assignment of a cohort, and what it costs the departments and the next decisions.

    Attributes
    ----------
    assignment
        Placement index per participant, -1 when unassigned.
    total_score
        Sum of the (unweighted) scores of the assigned pairs.
    objective
        Sum of ``weight_i * score`` of the assigned pairs: what the plan maximises (after
        meeting as many minimum bookings as possible).
    unassigned_reason
        Per participant: ``""`` when assigned, else ``"no_eligible_placement"``,
        ``"below_min_probability"`` or ``"capacity"`` (see the module constants).
    taken_by, taken_places
        Per participant, for ``"capacity"`` only (else empty): the participants the plan
        gave the places to (those booked into each usable open placement that is full,
        or into its department when the quota is what ran out), and those placements;
        each entry is a tuple, in index order. A sequence that makes an entry's tuple
        when it is read (:class:`matcher.plan_reasons.TakenLists`): at 20,000 x 5,000
        they hold some 70 million numbers that most callers never read.
    shortfalls
        Department index -> bookings still short of its minimum after this plan; only
        departments that fall short are listed.
    placement_prices, department_prices
        Opportunity cost, in objective (weighted score) units, of one unit of a
        placement's slots or of a department's quota: the optimal dual prices of the slot
        and quota constraints (see :mod:`matcher.plan_flow`). 0 where the capacity is not
        used up. A one-at-a-time decision that takes a slot of placement ``j`` gives up
        about ``placement_prices[j] + department_prices[dept[j]]`` elsewhere in the cohort.
        The greedy baseline has no prices (all zeros).
    solver
        ``"ortools-mcf"``, ``"highs-lp"`` or ``"greedy"``.
    solver_seconds
        Time spent inside the solver proper (not building the model or the plan).
    status
        ``"optimal"`` (exact), or ``"greedy"`` for the baseline.
    """

    assignment: np.ndarray
    total_score: float
    objective: float
    unassigned_reason: tuple[str, ...]
    shortfalls: dict[int, int]
    placement_prices: np.ndarray
    department_prices: np.ndarray
    solver: str
    solver_seconds: float
    status: str
    taken_by: Sequence[tuple[int, ...]] = ()
    taken_places: Sequence[tuple[int, ...]] = ()


def priority_weights(support_need: np.ndarray | None, n: int, priority_weight: float) -> np.ndarray:
    """Per-participant weight ``1 + priority_weight * (support_need - 1) / 4`` (1 if unknown)."""
    if priority_weight < 0:
        raise ValueError("priority_weight must be >= 0")
    if support_need is None or priority_weight == 0:
        return np.ones(n)
    need = np.clip(np.asarray(support_need, dtype=float), 1, 5)
    return 1.0 + priority_weight * (need - 1.0) / 4.0


@dataclass(frozen=True, eq=False)
class PreparedCohort:
    """A problem reduced to what the solvers use: usable pairs and integer capacities.

    ``pair_*`` hold only the pairs at or above ``min_probability``; ``weighted`` is
    ``weight_i * score``. ``quota_cap`` is the finite quota (a department without quota
    gets its total slots + 1, so that it never binds); ``min_cap`` is the part of the
    minimum the quota allows.
    """

    problem: CohortProblem
    pair_participant: np.ndarray
    pair_placement: np.ndarray
    pair_department: np.ndarray
    pair_score: np.ndarray
    weighted: np.ndarray
    slots: np.ndarray
    quota_cap: np.ndarray
    quota_finite: np.ndarray
    min_cap: np.ndarray
    place_first: bool = True  # False: leaving someone out is allowed when it scores more


def usable_pairs(problem: CohortProblem, min_probability: float | None) -> np.ndarray | slice:
    """The pairs at or above the stated minimum probability (all when it is None)."""
    if min_probability is None:
        return slice(None)
    probability = problem.score if problem.probability is None else problem.probability
    return probability >= min_probability


def prepare(
    problem: CohortProblem,
    priority_weight: float,
    min_probability: float | None,
    place_first: bool = True,
) -> PreparedCohort:
    """Filter pairs by ``min_probability``, weight the scores, make capacities integral.

    ``place_first=False`` drops step (2)'s placing (not the minima): the plan then only
    maximises the objective and may leave someone out rather than take a negative value
    or a smaller total; its prices are then the exact dual of that linear programme.
    """
    keep = usable_pairs(problem, min_probability)
    pair_participant = problem.participant_index[keep]
    pair_placement = problem.placement_index[keep]
    pair_score = problem.score[keep]
    weights = priority_weights(problem.support_need, problem.n_participants, priority_weight)
    slots = problem.slots.astype(np.int64)
    department_slots = np.bincount(
        problem.placement_department, weights=slots, minlength=problem.n_departments
    ).astype(np.int64)
    quota_finite = np.isfinite(problem.quota_max)
    quota_cap = np.where(
        quota_finite,
        np.floor(np.where(quota_finite, problem.quota_max, 0.0)),
        department_slots + 1,
    ).astype(np.int64)
    return PreparedCohort(
        problem=problem,
        pair_participant=pair_participant,
        pair_placement=pair_placement,
        pair_department=problem.placement_department[pair_placement],
        pair_score=pair_score,
        weighted=weights[pair_participant] * pair_score,
        slots=slots,
        quota_cap=quota_cap,
        quota_finite=quota_finite,
        min_cap=np.minimum(problem.quota_min.astype(np.int64), quota_cap),
        place_first=place_first,
    )


def minimum_bonus(prepared: PreparedCohort, max_cost: float) -> float:
    """The bonus per minimum booking, and per participant placed, that makes the plan
    lexicographic (see *placing first* in the module docstring).

    Scores may be negative, so no exchange of assignments can change the score part by
    more than ``(2K + 1) * max_cost`` where K (at most min(participants, slots)) is the
    number that can be placed; a bonus above twice that makes one more minimum booking
    or one more placement worth more than any score, and lets a price be split exactly
    into bonus and score parts.
    """
    placeable = min(prepared.problem.n_participants, int(prepared.slots.sum()))
    return (4 * placeable + 4) * max_cost + 1
