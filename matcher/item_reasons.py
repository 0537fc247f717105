"""The reasons of one ranking's items, equal to :func:`matcher.ranking.explain` per item.

Within one ranking the participant and the policy are fixed, so most reasons depend on a
few attributes of the placement only: items that share them share the (frozen)
:class:`~matcher.reasons.Reason`, built once. :data:`SHARED` names, per reason function,
what it reads beyond the participant and the policy; a reason function not listed there
(a new factor, say) is called for every item. The pair given to the reason functions
reads its credits from the participant's credit vector (the same maxima over the same
taxonomy credits as :meth:`matcher.factors.Pair.credit`) and computes its distance once.
``tests/matcher/test_pruning.py`` checks the result against :func:`explain` on drawn
worlds; extend :data:`SHARED` when a reason starts reading something else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matcher import reasons as r
from matcher.compiled import CompiledPlacements
from matcher.domain import Participant, Placement
from matcher.factor_registry import REGISTRY
from matcher.factors import Pair
from matcher.policy import Policy
from matcher.reasons import Reason


@dataclass(frozen=True, slots=True)
class KnownPair(Pair):
    """A :class:`Pair` with its credits looked up (``credits``: concept id -> credit,
    the non-zero ones) and its distance computed once."""

    credits: dict[str, float] | None = None
    distance: float | None = None

    def credit(self, want: str) -> float:
        return self.credits.get(want, 0.0)

    def km(self) -> float:
        return self.distance


def _short(pair: Pair) -> int:
    return 0 if pair.capacity is None else pair.capacity.short_of_minimum


#: reason function -> what it reads beyond the participant and the policy
SHARED: dict[Callable[[Pair], Reason], Callable[[Pair], object]] = {
    r.interests_reason: lambda pair: pair.placement.work_area,
    r.language_reason: lambda pair: (
        pair.placement.min_language_level,
        pair.placement.language_practice,
    ),
    r.support_reason: lambda pair: pair.placement.supervision,
    r.hours_reason: lambda pair: (pair.placement.hours_per_week, pair.placement.lowest_hours),
    r.parent_hours_reason: lambda pair: pair.placement.hours_per_week,
    r.priority_reason: lambda pair: None,
    r.capacity_reason: lambda pair: (pair.placement.remaining_slots, _short(pair)),
    r.scarcity_reason: lambda pair: pair.price,
    r.parent_commute_reason: lambda pair: pair.km() if pair.participant.parent else None,
}


def credit_lookup(credit: np.ndarray, compiled: CompiledPlacements) -> dict[str, float]:
    """The non-zero entries of a credit vector by concept id."""
    concepts = compiled.taxonomy.concepts
    positions = np.flatnonzero(credit)
    return {
        concepts[i].id: value
        for i, value in zip(positions.tolist(), credit[positions].tolist(), strict=True)
    }


def item_reasons(
    participant: Participant,
    placements: Sequence[Placement],
    prices: Sequence[float | None],
    compiled: CompiledPlacements,
    policy: Policy,
    credit: np.ndarray,
) -> list[list[Reason]]:
    """One reason list per placement (FACTORS order), as :func:`explain` gives them."""
    from matcher.geo import haversine_km

    credits = credit_lookup(credit, compiled)
    memo: dict[tuple, Reason] = {}
    out = []
    for placement, price in zip(placements, prices, strict=True):
        pair = KnownPair(
            participant,
            placement,
            compiled.taxonomy,
            compiled.capacity_of(placement),
            policy,
            price,
            credits,
            haversine_km(
                participant.home_lat, participant.home_lon, placement.site_lat, placement.site_lon
            ),
        )
        reasons = []
        for factor in REGISTRY:
            shared = SHARED.get(factor.reason)
            if shared is None:
                reasons.append(factor.reason(pair))
                continue
            key = (factor.name, shared(pair))
            reason = memo.get(key)
            if reason is None:
                reason = memo[key] = factor.reason(pair)
            reasons.append(reason)
        out.append(reasons)
    return out
