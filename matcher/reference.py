"""A straightforward per-pair implementation of the scores, the check on the vectorised one.

No arrays, no look-up tables: for each placement, each factor is computed from the
definitions in :mod:`matcher.factors` and the eligibility rules in
:mod:`matcher.eligibility`, in plain Python. Tests demand that the engine equals this
(up to float rounding in the haversine and the skill sums); the benchmark measures how
much faster the engine is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from matcher.domain import DepartmentCapacity, Participant, Placement, PlacementType
from matcher.eligibility import pair_exclusions, placement_exclusions, rules_allow
from matcher.factor_registry import ADJUSTMENTS, PREDICTORS, REGISTRY
from matcher.factors import Pair
from matcher.policy import Policy
from matcher.taxonomy import Taxonomy


@dataclass(frozen=True, slots=True)
class ReferenceScore:
    """One pair by definition: ``score`` is the ranking value, P(success) + adjustments."""

    placement_id: int
    eligible: bool
    features: dict[str, float]
    contributions: dict[str, float]  # log-odds per prediction factor
    adjustments: dict[str, float]  # probability points per adjustment
    log_odds: float
    probability: float
    score: float


def reference_features(
    participant: Participant,
    placement: Placement,
    taxonomy: Taxonomy,
    capacity: DepartmentCapacity | None,
    policy: Policy,
    price: float | None = None,
) -> dict[str, float]:
    """The factor features of one pair, by definition (the registry's pair functions)."""
    pair = Pair(participant, placement, taxonomy, capacity, policy, price)
    return {factor.name: factor.pair(pair) for factor in REGISTRY}


def reference_scores(
    participant: Participant,
    placements: Sequence[Placement],
    taxonomy: Taxonomy,
    types: Mapping[str, PlacementType],
    capacities: Mapping[int, DepartmentCapacity],
    as_of: date,
    policy: Policy,
    prices: Mapping[int, float] | None = None,
) -> list[ReferenceScore]:
    """Score every placement for one participant with the uncalibrated hand policy, one
    pair at a time (input order kept). ``prices`` maps placement id to its price."""
    weights = policy.weights.as_dict()
    scored = []
    for placement in placements:
        capacity = capacities.get(placement.department_id)
        price = None if prices is None else prices[placement.id]
        features = reference_features(participant, placement, taxonomy, capacity, policy, price)
        contributions = {name: weights[name] * features[name] for name in PREDICTORS}
        adjustments = {name: weights[name] * features[name] for name in ADJUSTMENTS}
        log_odds = 0.0
        for name in PREDICTORS:
            log_odds += contributions[name]
        log_odds = policy.scale.prior_intercept + log_odds
        probability = 1.0 / (1.0 + math.exp(-log_odds))
        adjustment = 0.0
        for name in ADJUSTMENTS:
            adjustment += adjustments[name]
        eligible = (
            rules_allow(types[placement.type_code].rules, participant, as_of)
            and not pair_exclusions(participant, placement, policy)
            and not placement_exclusions(placement, capacity, as_of, policy.book_ahead_days)
        )
        scored.append(
            ReferenceScore(
                placement.id,
                eligible,
                features,
                contributions,
                adjustments,
                log_odds,
                probability,
                probability + adjustment,
            )  # fmt: skip
        )
    return scored


def reference_rank(
    participant: Participant,
    placements: Sequence[Placement],
    taxonomy: Taxonomy,
    types: Mapping[str, PlacementType],
    capacities: Mapping[int, DepartmentCapacity],
    as_of: date,
    policy: Policy,
    k: int = 10,
    prices: Mapping[int, float] | None = None,
) -> list[ReferenceScore]:
    """The top-``k`` eligible placements: score descending, then id ascending."""
    scored = reference_scores(
        participant, placements, taxonomy, types, capacities, as_of, policy, prices
    )
    eligible = [s for s in scored if s.eligible]
    eligible.sort(key=lambda s: (-s.score, s.placement_id))
    return eligible[:k]
