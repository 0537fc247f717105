"""Features of many participants against one placement (the other direction of ranking).

:func:`matcher.features.pair_features` is vectorised over placements, for one
participant. A placement's list of participants needs the transpose: each registered
factor's ``over_participants`` form (or, without one, its pair definition per person)
fills its column, with the placement's side fixed, so a thousand participants cost
milliseconds. The values equal the per-pair definitions in :mod:`matcher.factors`
(tests compare with the reference), up to the last bit of the haversine and skill sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from matcher.compiled import CompiledPlacements
from matcher.domain import Participant
from matcher.eligibility import pair_exclusions, rules_allow
from matcher.factor_columns import ParticipantsSide
from matcher.factor_registry import REGISTRY
from matcher.factors import Pair
from matcher.features import N_FACTORS, PairFeatures, check_prices
from matcher.policy import Policy


def _by_definition(factor, side: ParticipantsSide) -> np.ndarray:
    c, q = side.compiled, side.placement
    price = None if side.prices is None else float(side.prices[side.position])
    return np.array(
        [
            factor.pair(Pair(p, q, c.taxonomy, c.capacity_of(q), side.policy, price))
            for p in side.participants
        ],
        dtype=np.float64,
    )


def placement_features(
    placement_id: int,
    participants: Sequence[Participant],
    compiled: CompiledPlacements,
    as_of: date,
    policy: Policy,
    *,
    prices: np.ndarray | None = None,
) -> PairFeatures:
    """Features of each participant against one placement: X (n_participants, n_factors)
    and eligible (n_participants,). ``KeyError`` when the placement is not compiled."""
    prices = check_prices(prices, compiled)
    position = compiled.index_of(placement_id)
    side = ParticipantsSide(participants, compiled, policy, position, prices)
    X = np.empty((side.n, N_FACTORS), dtype=np.float64, order="F")
    for j, factor in enumerate(REGISTRY):
        vectorised = factor.over_participants
        X[:, j] = _by_definition(factor, side) if vectorised is None else vectorised(side)
    placement = side.placement
    rules = compiled.types[placement.type_code].rules
    room = bool(compiled.room_and_open(as_of, policy.book_ahead_days)[position])
    eligible = np.fromiter(
        (
            room
            and rules_allow(rules, person, as_of)
            and not pair_exclusions(person, placement, policy)
            for person in participants
        ),
        dtype=bool,
        count=side.n,
    )
    return PairFeatures(X=X, eligible=eligible)
