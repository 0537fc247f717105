"""The reasons of one ranking's items, equal to :func:`matcher.ranking.explain` per item.

Most reasons depend on a few values of the participant and the placement only, so pairs
that share those values share the (frozen) :class:`~matcher.reasons.Reason`, built once.
:data:`READS` names, per reason function, what it reads beyond the policy and the
taxonomy: a part of the participant and a part of the pair (the placement, its
department's capacity, its price, the shown distance). Where the participant's part takes
few values (a language level, a support need, whether a parent) the reasons are kept
across requests, per compiled catalog and policy (:func:`lasting_reasons`); the others
(the participant's own interests and months) are shared within one ranking. A reason
function not listed there (a new factor, say) is called for every item. The skills
reason is built from the catalog's labels of each placement's skills and the
participant's credit vector (the same maxima over the same taxonomy credits as
:meth:`matcher.factors.Pair.credit`), the distance is computed once per item.
``tests/matcher/test_pruning.py`` and ``tests/matcher/test_ranking_reasons.py`` check the
result against :func:`explain` on drawn worlds, one catalog across many participants and
policies; extend :data:`READS` when a reason starts reading something else.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from matcher import reasons as r
from matcher.compiled import CompiledPlacements
from matcher.domain import DepartmentCapacity, Participant, Placement
from matcher.factor_registry import REGISTRY
from matcher.factors import Pair
from matcher.geo import haversine_km
from matcher.policy import Policy
from matcher.reasons import Reason

#: lasting reasons kept per catalog and policy before the store starts afresh
LASTING_MAX = 50_000


@dataclass(frozen=True, slots=True)
class KnownPair(Pair):
    """A :class:`Pair` with its credits looked up (``credits``: concept position ->
    credit, the non-zero ones) and its distance computed once."""

    credits: dict[int, float] | None = None
    distance: float | None = None

    def credit(self, want: str) -> float:
        if want not in self.taxonomy:
            return 0.0
        return self.credits.get(self.taxonomy.index_of(want), 0.0)

    def km(self) -> float:
        return self.distance


@dataclass(frozen=True, slots=True)
class Reads:
    """What a reason function reads besides the policy and the taxonomy: a part of the
    participant, and either a part of the placement and its department's capacity
    (``placement``, kept per catalog position) or of the item's shown distance and price
    (``item``)."""

    participant: Callable[[Participant], Hashable]
    placement: Callable[[Placement, DepartmentCapacity | None], Hashable] | None = None
    item: Callable[[float, float | None], Hashable] | None = None
    lasting: bool = True  # the participant's part takes few values: keep across requests


def _nothing(*_) -> None:
    return None


def _short(capacity: DepartmentCapacity | None) -> int:
    return 0 if capacity is None else capacity.short_of_minimum


#: reason function -> what it reads (see the module docstring)
READS: dict[Callable[[Pair], Reason], Reads] = {
    r.interests_reason: Reads(
        lambda p: p.interests, placement=lambda q, _: q.work_area, lasting=False
    ),
    r.language_reason: Reads(
        lambda p: (p.language_level, p.language_entered),
        placement=lambda q, _: (q.min_language_level, q.language_practice),
    ),
    r.support_reason: Reads(lambda p: p.support_need, placement=lambda q, _: q.supervision),
    r.commute_reason: Reads(_nothing, item=lambda km, _: r.shown_km(km)),
    r.parent_commute_reason: Reads(lambda p: p.parent, item=lambda km, _: r.shown_km(km)),
    r.hours_reason: Reads(
        lambda p: p.max_hours, placement=lambda q, _: (q.hours_per_week, q.lowest_hours)
    ),
    r.parent_hours_reason: Reads(
        lambda p: (p.parent, p.max_hours), placement=lambda q, _: q.hours_per_week
    ),
    r.priority_reason: Reads(
        lambda p: (p.months_on_assistance, p.months_since_last_job),
        placement=_nothing,
        lasting=False,
    ),
    r.capacity_reason: Reads(
        _nothing, placement=lambda q, capacity: (q.remaining_slots, _short(capacity))
    ),
    r.scarcity_reason: Reads(_nothing, item=lambda _, price: price),
}


def lasting_reasons(compiled: CompiledPlacements, policy: Policy) -> dict:
    """The reasons kept across requests for this catalog and policy (by their inputs)."""
    store = compiled.memo_for(policy, "item_reasons", dict)
    if len(store) > LASTING_MAX:
        store.clear()
    return store


def placement_parts(compiled: CompiledPlacements, position: int):
    """What the reasons read of the placement at ``position``, kept per catalog: its
    skills' (concept id, label, concept position), required and useful, and per factor
    the :attr:`Reads.placement` part (None for the others)."""
    store = compiled.memo(("reason_parts",), dict)
    parts = store.get(position)
    if parts is None:
        taxonomy, q = compiled.taxonomy, compiled.placements[position]
        capacity = compiled.capacity_of(q)
        skills = tuple(
            tuple((s, taxonomy.label(s), taxonomy.index_of(s)) for s in listed)
            for listed in (q.required_skills, q.useful_skills)
        )
        reads = (READS.get(factor.reason) for factor in REGISTRY)
        of_placement = tuple(
            None if x is None or x.placement is None else x.placement(q, capacity) for x in reads
        )
        parts = store[position] = (*skills, of_placement)
    return parts


def credit_lookup(credit: np.ndarray) -> dict[int, float]:
    """The non-zero entries of a credit vector by concept position."""
    positions = np.flatnonzero(credit)
    return dict(zip(positions.tolist(), credit[positions].tolist(), strict=True))


def item_reasons(
    participant: Participant,
    positions: Sequence[int],
    prices: Sequence[float | None],
    compiled: CompiledPlacements,
    policy: Policy,
    credit: np.ndarray,
) -> list[list[Reason]]:
    """One reason list per compiled position (FACTORS order), as :func:`explain` gives."""
    credits = credit_lookup(credit)
    lasting = lasting_reasons(compiled, policy)
    memo: dict[tuple, Reason] = {}
    # per factor: (its position, reason function, the participant's part, item part, store)
    plan = []
    for j, factor in enumerate(REGISTRY):
        reads = READS.get(factor.reason)
        if reads is None:
            plan.append((j, factor.reason, None, None, None))
        else:
            store = lasting if reads.lasting else memo
            plan.append((j, factor.reason, reads.participant(participant), reads.item, store))
    taxonomy, home_lat, home_lon = compiled.taxonomy, participant.home_lat, participant.home_lon
    out = []
    for position, price in zip(positions, prices, strict=True):
        placement = compiled.placements[position]
        required, useful, of_placement = placement_parts(compiled, position)
        km = haversine_km(home_lat, home_lon, placement.site_lat, placement.site_lon)
        pair = None
        reasons = []
        for j, reason_of, participant_part, of_item, store in plan:
            if reason_of is r.skills_reason:
                reasons.append(
                    r.skills_reason_of(
                        [(s, label, credits.get(i, 0.0)) for s, label, i in required],
                        [(s, label, credits.get(i, 0.0)) for s, label, i in useful],
                    )
                )
                continue
            if store is not None:
                part = of_placement[j] if of_item is None else of_item(km, price)
                key = (j, participant_part, part)
                reason = store.get(key)
                if reason is not None:
                    reasons.append(reason)
                    continue
            if pair is None:
                pair = KnownPair(
                    participant, placement, taxonomy, compiled.capacity_of(placement),
                    policy, price, credits, km,
                )  # fmt: skip
            reason = reason_of(pair)
            if store is not None:
                store[key] = reason
            reasons.append(reason)
        out.append(reasons)
    return out
