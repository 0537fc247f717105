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
from matcher.domain import Participant
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
    """What a reason function reads besides the policy and the taxonomy."""

    participant: Callable[[Participant], Hashable]
    pair: Callable[[KnownPair], Hashable]
    lasting: bool  # the participant's part takes few values: keep across requests


def _nothing(_) -> None:
    return None


def _short(pair: Pair) -> int:
    return 0 if pair.capacity is None else pair.capacity.short_of_minimum


#: reason function -> what it reads (see the module docstring)
READS: dict[Callable[[Pair], Reason], Reads] = {
    r.interests_reason: Reads(
        lambda p: p.interests, lambda pair: pair.placement.work_area, lasting=False
    ),
    r.language_reason: Reads(
        lambda p: (p.language_level, p.language_entered),
        lambda pair: (pair.placement.min_language_level, pair.placement.language_practice),
        lasting=True,
    ),
    r.support_reason: Reads(
        lambda p: p.support_need, lambda pair: pair.placement.supervision, lasting=True
    ),
    r.commute_reason: Reads(_nothing, lambda pair: r.shown_km(pair.km()), lasting=True),
    r.parent_commute_reason: Reads(
        lambda p: p.parent, lambda pair: r.shown_km(pair.km()), lasting=True
    ),
    r.hours_reason: Reads(
        lambda p: p.max_hours,
        lambda pair: (pair.placement.hours_per_week, pair.placement.lowest_hours),
        lasting=True,
    ),
    r.parent_hours_reason: Reads(
        lambda p: (p.parent, p.max_hours), lambda pair: pair.placement.hours_per_week, lasting=True
    ),
    r.priority_reason: Reads(
        lambda p: (p.months_on_assistance, p.months_since_last_job), _nothing, lasting=False
    ),
    r.capacity_reason: Reads(
        _nothing, lambda pair: (pair.placement.remaining_slots, _short(pair)), lasting=True
    ),
    r.scarcity_reason: Reads(_nothing, lambda pair: pair.price, lasting=True),
}


def lasting_reasons(compiled: CompiledPlacements, policy: Policy) -> dict:
    """The reasons kept across requests for this catalog and policy (by their inputs)."""
    store = compiled.policy_memo(policy, "item_reasons", dict)
    if len(store) > LASTING_MAX:
        store.clear()
    return store


def skill_labels(compiled: CompiledPlacements, position: int):
    """(required, useful) of the placement at ``position``: (concept id, label, concept
    position) per listed skill, kept per catalog."""
    store = compiled.memo(("skill_labels",), dict)
    entries = store.get(position)
    if entries is None:
        taxonomy, q = compiled.taxonomy, compiled.placements[position]
        entries = store[position] = tuple(
            tuple((s, taxonomy.label(s), taxonomy.index_of(s)) for s in skills)
            for skills in (q.required_skills, q.useful_skills)
        )
    return entries


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
    # per factor: (its reason function, how it is shared, the participant's part)
    plan = []
    for j, factor in enumerate(REGISTRY):
        reads = READS.get(factor.reason)
        if reads is None:
            plan.append((j, factor.reason, None, None, None))
        else:
            store = lasting if reads.lasting else memo
            plan.append((j, factor.reason, reads.pair, reads.participant(participant), store))
    taxonomy, home_lat, home_lon = compiled.taxonomy, participant.home_lat, participant.home_lon
    out = []
    for position, price in zip(positions, prices, strict=True):
        placement = compiled.placements[position]
        pair = KnownPair(
            participant,
            placement,
            taxonomy,
            compiled.capacity_of(placement),
            policy,
            price,
            credits,
            haversine_km(home_lat, home_lon, placement.site_lat, placement.site_lon),
        )
        reasons = []
        for j, reason_of, pair_part, participant_part, store in plan:
            if reason_of is r.skills_reason:
                required, useful = skill_labels(compiled, position)
                reasons.append(
                    r.skills_reason_of(
                        [(s, label, credits.get(i, 0.0)) for s, label, i in required],
                        [(s, label, credits.get(i, 0.0)) for s, label, i in useful],
                    )
                )
            elif store is None:
                reasons.append(reason_of(pair))
            else:
                key = (j, participant_part, pair_part(pair))
                reason = store.get(key)
                if reason is None:
                    reason = store[key] = reason_of(pair)
                reasons.append(reason)
        out.append(reasons)
    return out
