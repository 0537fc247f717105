"""A straightforward per-pair implementation of the scores, the check on the vectorised one.

No arrays, no look-up tables: for each placement, each factor is computed from the
definitions in :mod:`matcher.factors` and the eligibility rules in
:mod:`matcher.eligibility`, in plain Python. Tests demand that the engine equals this
(up to float rounding in the haversine and the skill sums); the benchmark measures how
much faster the engine is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from matcher import factors as f
from matcher.domain import DepartmentCapacity, Participant, Placement, PlacementType
from matcher.eligibility import placement_exclusions, rules_allow
from matcher.geo import haversine_km
from matcher.policy import FACTORS, Policy
from matcher.taxonomy import Taxonomy


@dataclass(frozen=True, slots=True)
class ReferenceScore:
    placement_id: int
    eligible: bool
    features: dict[str, float]
    contributions: dict[str, float]
    score: float


def _credit(taxonomy: Taxonomy, have: Sequence[str], want: str, policy: Policy) -> float:
    best = 0.0
    for skill in have:
        credit = taxonomy.credit(
            skill,
            want,
            broader_credit=policy.skills.broader_credit,
            sibling_credit=policy.skills.sibling_credit,
        )
        best = max(best, credit)
    return best


def reference_features(
    participant: Participant,
    placement: Placement,
    taxonomy: Taxonomy,
    capacity: DepartmentCapacity | None,
    policy: Policy,
    price: float | None = None,
) -> dict[str, float]:
    """The factor features of one pair, by definition."""
    required = [_credit(taxonomy, participant.skills, s, policy) for s in placement.required_skills]
    useful = [_credit(taxonomy, participant.skills, s, policy) for s in placement.useful_skills]
    km = haversine_km(
        participant.home_lat, participant.home_lon, placement.site_lat, placement.site_lon
    )
    return {
        "skills": f.skills_coverage(required, useful, policy),
        "interests": f.interest_feature(participant.interests, placement.work_area, policy),
        "language": f.language_feature(
            participant.language_level,
            placement.min_language_level,
            placement.language_practice,
            policy,
        ),
        "support": f.support_feature(participant.support_need, placement.supervision, policy),
        "priority": f.priority_feature(
            participant.months_on_assistance, participant.months_since_last_job, policy
        ),
        "commute": f.commute_feature(km, participant.parent, policy),
        "hours": f.hours_feature(placement.hours_per_week, participant.max_hours, policy),
        "capacity": f.capacity_feature(
            0 if capacity is None else capacity.short_of_minimum, placement.remaining_slots, policy
        ),
        "scarcity": f.scarcity_feature(price),
    }


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
    """Score every placement for one participant, one pair at a time (input order kept).

    ``prices`` maps placement id to its opportunity-cost price.
    """
    weights = policy.weights.as_dict()
    scored = []
    for placement in placements:
        capacity = capacities.get(placement.department_id)
        price = None if prices is None else prices[placement.id]
        features = reference_features(participant, placement, taxonomy, capacity, policy, price)
        contributions = {name: weights[name] * features[name] for name in FACTORS}
        score = 0.0
        for name in FACTORS:
            score += contributions[name]
        eligible = rules_allow(types[placement.type_code].rules, participant, as_of) and not (
            placement_exclusions(placement, capacity, as_of, policy.book_ahead_days)
        )
        scored.append(ReferenceScore(placement.id, eligible, features, contributions, score))
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
