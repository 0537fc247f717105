"""Vectorised factor columns, in both directions of ranking.

``over_placements(side)`` gives one participant's feature against many compiled
placements; ``over_participants(side)`` gives many participants' feature against one
placement. Each equals the per-pair definition in :mod:`matcher.factors` (tests compare
with :mod:`matcher.reference`); small integer inputs go through look-up tables built with
the scalar definitions themselves, so those are equal by construction. A factor without
a vectorised form here falls back to its pair definition (see
:mod:`matcher.factor_registry`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from matcher import factors as f
from matcher.compiled import CompiledPlacements
from matcher.domain import Participant, Placement
from matcher.geo import Sites
from matcher.language import MAX_LEVEL

if TYPE_CHECKING:
    from matcher.policy import Policy


@dataclass(eq=False)
class PlacementsSide:
    """One participant against the compiled placements (or the subset ``rows``)."""

    participant: Participant
    compiled: CompiledPlacements
    policy: Policy
    rows: np.ndarray | slice
    prices: np.ndarray | None
    credit: np.ndarray
    # ``compiled.skill_columns.credit_sums(credit, ...)`` over every placement, when the
    # caller has it (the pruned ranking: anything ``sums[rows]`` reads, see
    # matcher.pruning.SparseSums): the skills column on ``rows`` is then the exhaustive
    # one's, bit for bit
    skill_sums: np.ndarray | None = None
    _km: np.ndarray | None = field(default=None, repr=False)
    # the participant's small look-up tables (by work area, language code, supervision),
    # built once per side: a side may be reused for several ``rows`` (see ``at``)
    _tables: dict = field(default_factory=dict, repr=False)
    # columns two factors share (the commute, the hours and their parent forms), per rows
    _columns: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.compiled) if isinstance(self.rows, slice) else len(self.rows)

    def at(self, rows: np.ndarray | slice) -> PlacementsSide:
        """The same participant against other placements, sharing the tables."""
        return PlacementsSide(
            self.participant, self.compiled, self.policy, rows, self.prices, self.credit,
            self.skill_sums, None, self._tables,
        )  # fmt: skip

    def preset(self, name: str, table: np.ndarray) -> None:
        """Use ``table`` (equal to what ``table(name, ...)`` would compute) for ``name``."""
        self._tables[name] = table

    def table(self, name: str, compute) -> np.ndarray:
        value = self._tables.get(name)
        if value is None:
            value = self._tables[name] = compute(self)
        return value

    def shared(self, name: str, compute) -> np.ndarray:
        """A column on these rows that more than one factor reads, computed once."""
        value = self._columns.get(name)
        if value is None:
            value = self._columns[name] = compute(self)
        return value

    def km(self) -> np.ndarray:
        if self._km is None:
            c, rows = self.compiled, self.rows
            # on rows: one gather of the five numbers per site, then views of its columns,
            # the same elements as ``c.sites.take(rows)`` (only multiplied and added
            # before km_from's own arrays take over, so the same floats)
            sites = c.sites if isinstance(rows, slice) else Sites(*_site_rows(c)[rows].T)
            self._km = sites.km_from(self.participant.home_lat, self.participant.home_lon)
        return self._km


def _site_rows(compiled: CompiledPlacements) -> np.ndarray:
    """The sites' five precomputed numbers side by side, one row per placement."""
    sites = compiled.sites
    return compiled.memo(
        ("site_rows",),
        lambda: np.column_stack([getattr(sites, name) for name in Sites.__slots__]),
    )


@dataclass(eq=False)
class ParticipantsSide:
    """Many participants against one compiled placement (at ``position``)."""

    participants: Sequence[Participant]
    compiled: CompiledPlacements
    policy: Policy
    position: int
    prices: np.ndarray | None
    _km: np.ndarray | None = field(default=None, repr=False)

    @property
    def placement(self) -> Placement:
        return self.compiled.placements[self.position]

    @property
    def n(self) -> int:
        return len(self.participants)

    def column(self, attribute: str, dtype=np.float64) -> np.ndarray:
        values = (getattr(p, attribute) for p in self.participants)
        return np.fromiter(values, dtype=dtype, count=self.n)

    def km(self) -> np.ndarray:
        if self._km is None:
            homes = Sites.from_degrees(self.column("home_lat"), self.column("home_lon"))
            self._km = homes.km_from(self.placement.site_lat, self.placement.site_lon)
        return self._km


# ------------------------------------------------------------------ one participant


def _skills_denominator(compiled: CompiledPlacements, policy: Policy):
    rw, uw = policy.skills.required_weight, policy.skills.useful_weight

    def compute():
        denominator = rw * compiled.n_required + uw * compiled.n_useful
        empty = denominator == 0
        empty.setflags(write=False)
        # Divide by 1 where nothing is listed; those rows get empty_coverage afterwards.
        return np.where(empty, 1.0, denominator), np.flatnonzero(empty), empty

    return compiled.memo(("skills_denominator", rw, uw), compute)


def skills_over_placements(side: PlacementsSide) -> np.ndarray:
    c, policy, rows, credit = side.compiled, side.policy, side.rows, side.credit
    rw, uw = policy.skills.required_weight, policy.skills.useful_weight
    denominator, empty, is_empty = _skills_denominator(c, policy)
    if isinstance(rows, slice):
        sums = side.skill_sums
        if sums is None:
            sums = c.skill_columns.credit_sums(credit, len(c), rw, uw)
        out = sums / denominator
        out[empty] = policy.skills.empty_coverage
    elif side.skill_sums is not None:
        out = side.skill_sums[rows] / denominator[rows]
        out[is_empty[rows]] = policy.skills.empty_coverage
    else:
        numerator = rw * (c.required[rows] @ credit) + uw * (c.useful[rows] @ credit)
        out = numerator / denominator[rows]
        out[is_empty[rows]] = policy.skills.empty_coverage
    return out


#: what each table below reads of the participant (besides the policy): participants
#: with equal values get equal tables, so a ranking may keep a table across requests
TABLE_READS = {
    "interests": lambda p: p.interests,
    "language": lambda p: p.language_level,
    "support": lambda p: p.support_need,
}


def interest_table(side: PlacementsSide) -> np.ndarray:
    """The interests feature per work area (``compiled.areas`` order)."""
    c, p = side.compiled, side.participant
    table = np.zeros(len(c.areas), dtype=np.float64)
    for area in p.interests:
        position = c.area_position.get(area)
        if position is not None:
            table[position] = f.interest_feature(p.interests, area, side.policy)
    return table


def language_table(side: PlacementsSide) -> np.ndarray:
    """The language feature per code ``min_level * 2 + language_practice`` (as
    ``compiled.language_code``)."""
    level = side.participant.language_level
    return np.array(
        [
            f.language_feature(level, minimum, bool(practice), side.policy)
            for minimum in range(MAX_LEVEL + 1)
            for practice in (0, 1)
        ]
    )


def support_table(side: PlacementsSide) -> np.ndarray:
    """The support feature per supervision level 0..3."""
    need = side.participant.support_need
    return np.array([f.support_feature(need, s, side.policy) for s in range(4)])


def interests_over_placements(side: PlacementsSide) -> np.ndarray:
    return side.table("interests", interest_table)[side.compiled.area_index[side.rows]]


def language_over_placements(side: PlacementsSide) -> np.ndarray:
    return side.table("language", language_table)[side.compiled.language_code[side.rows]]


def support_over_placements(side: PlacementsSide) -> np.ndarray:
    return side.table("support", support_table)[side.compiled.supervision[side.rows]]


def _commute(km: np.ndarray, policy: Policy) -> np.ndarray:
    c = policy.commute
    return -np.maximum(np.minimum(km, c.cap_km) - c.free_km, 0.0) / c.km_unit


def _commute_column(side: PlacementsSide) -> np.ndarray:
    return _commute(side.km(), side.policy)


def commute_over_placements(side: PlacementsSide) -> np.ndarray:
    return side.shared("commute", _commute_column)


def parent_commute_over_placements(side: PlacementsSide) -> np.ndarray:
    if not side.participant.parent:
        return np.zeros(side.n)
    return side.shared("commute", _commute_column)


def _hours(hours: np.ndarray, max_hours, policy: Policy) -> np.ndarray:
    return -np.maximum(hours - max_hours, 0.0) / policy.hours.hours_unit


def _hours_column(side: PlacementsSide) -> np.ndarray:
    hours = side.compiled.hours_per_week[side.rows]
    return _hours(hours, side.participant.max_hours, side.policy)


def hours_over_placements(side: PlacementsSide) -> np.ndarray:
    return side.shared("hours", _hours_column)


def parent_hours_over_placements(side: PlacementsSide) -> np.ndarray:
    if not side.participant.parent:
        return np.zeros(side.n)
    return side.shared("hours", _hours_column)


def priority_over_placements(side: PlacementsSide) -> np.ndarray:
    p = side.participant
    value = f.priority_feature(p.months_on_assistance, p.months_since_last_job, side.policy)
    return np.full(side.n, value)


def capacity_over_placements(side: PlacementsSide) -> np.ndarray:
    c, cap = side.compiled, side.policy.capacity

    def compute() -> np.ndarray:
        slack = np.minimum(np.maximum(c.remaining_slots, 0), cap.slack_cap)
        boost = np.where(c.short_of_minimum > 0, cap.below_minimum_boost, 0.0)
        return boost + (cap.slack_bonus * slack / cap.slack_cap)

    key = ("capacity", cap.below_minimum_boost, cap.slack_bonus, cap.slack_cap)
    return c.memo(key, compute)[side.rows]


def scarcity_over_placements(side: PlacementsSide) -> np.ndarray:
    return np.zeros(side.n) if side.prices is None else -side.prices[side.rows]


# ------------------------------------------------------------------ one placement


def interests_over_participants(side: ParticipantsSide) -> np.ndarray:
    area, policy = side.placement.work_area, side.policy
    return np.array([f.interest_feature(p.interests, area, policy) for p in side.participants])


def language_over_participants(side: ParticipantsSide) -> np.ndarray:
    q, policy = side.placement, side.policy
    table = [
        f.language_feature(level, q.min_language_level, q.language_practice, policy)
        for level in range(MAX_LEVEL + 1)
    ]
    return np.take(table, np.clip(side.column("language_level", np.int64), 0, MAX_LEVEL))


def support_over_participants(side: ParticipantsSide) -> np.ndarray:
    supervision, policy = side.placement.supervision, side.policy
    table = [f.support_feature(need, supervision, policy) for need in range(6)]
    return np.take(table, np.clip(side.column("support_need", np.int64), 1, 5))


def commute_over_participants(side: ParticipantsSide) -> np.ndarray:
    return _commute(side.km(), side.policy)


def parent_commute_over_participants(side: ParticipantsSide) -> np.ndarray:
    return np.where(side.column("parent", bool), _commute(side.km(), side.policy), 0.0)


def hours_over_participants(side: ParticipantsSide) -> np.ndarray:
    hours = float(side.placement.hours_per_week)
    return _hours(hours, side.column("max_hours"), side.policy)


def parent_hours_over_participants(side: ParticipantsSide) -> np.ndarray:
    return np.where(side.column("parent", bool), hours_over_participants(side), 0.0)


def capacity_over_participants(side: ParticipantsSide) -> np.ndarray:
    q = side.placement
    cap = side.compiled.capacity_of(q)
    short = 0 if cap is None else cap.short_of_minimum
    return np.full(side.n, f.capacity_feature(short, q.remaining_slots, side.policy))


def scarcity_over_participants(side: ParticipantsSide) -> np.ndarray:
    price = 0.0 if side.prices is None else float(side.prices[side.position])
    return np.full(side.n, -price)


def _credit_table(compiled: CompiledPlacements, want: str, policy: Policy) -> dict[str, float]:
    """Every concept that earns credit towards ``want``, with that credit."""
    s, taxonomy = policy.skills, compiled.taxonomy
    table: dict[str, float] = {}
    up = taxonomy.broader_of(want)
    if up is not None:
        for concept in taxonomy.children_of(up):
            table[concept] = s.sibling_credit
        table[up] = max(table.get(up, 0.0), s.broader_credit)
    for concept in taxonomy.children_of(want):
        table[concept] = max(table.get(concept, 0.0), s.broader_credit)
    table[want] = 1.0
    return table


def skills_over_participants(side: ParticipantsSide) -> np.ndarray:
    q, c, policy = side.placement, side.compiled, side.policy
    required = [_credit_table(c, w, policy) for w in q.required_skills]
    useful = [_credit_table(c, w, policy) for w in q.useful_skills]

    def credits(tables, skills) -> list[float]:
        return [max((table.get(s, 0.0) for s in skills), default=0.0) for table in tables]

    return np.array(
        [
            f.skills_coverage(credits(required, p.skills), credits(useful, p.skills), policy)
            for p in side.participants
        ]
    )


def priority_over_participants(side: ParticipantsSide) -> np.ndarray:
    policy = side.policy
    return np.array(
        [
            f.priority_feature(p.months_on_assistance, p.months_since_last_job, policy)
            for p in side.participants
        ]
    )
