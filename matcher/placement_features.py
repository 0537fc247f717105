"""Features of many participants against one placement (the other direction of ranking).

:func:`matcher.features.pair_features` is vectorised over placements, for one
participant. A placement's list of participants needs the transpose: here the loop is
over participants, with the placement's side fixed, so a thousand participants cost
milliseconds rather than a thousand calls over the placement arrays. The values equal
the per-pair definitions in :mod:`matcher.factors` (tests compare with the reference);
they may differ from ``pair_features`` in the last bit of the haversine and skills sums.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from matcher import factors as f
from matcher.compiled import CompiledPlacements
from matcher.domain import Participant
from matcher.eligibility import rules_allow
from matcher.features import COLUMN, N_FACTORS, PairFeatures, check_prices
from matcher.geo import Sites
from matcher.language import MAX_LEVEL
from matcher.policy import Policy
from matcher.taxonomy import Taxonomy


def _credit_table(taxonomy: Taxonomy, want: str, policy: Policy) -> dict[str, float]:
    """Every concept that earns credit towards ``want``, with that credit."""
    s = policy.skills
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
    placement = compiled.placements[position]
    n = len(participants)
    X = np.empty((n, N_FACTORS), dtype=np.float64, order="F")

    required = [_credit_table(compiled.taxonomy, w, policy) for w in placement.required_skills]
    useful = [_credit_table(compiled.taxonomy, w, policy) for w in placement.useful_skills]

    def credits(tables, skills) -> list[float]:
        return [max((table.get(s, 0.0) for s in skills), default=0.0) for table in tables]

    X[:, COLUMN["skills"]] = [
        f.skills_coverage(credits(required, p.skills), credits(useful, p.skills), policy)
        for p in participants
    ]
    X[:, COLUMN["interests"]] = [
        f.interest_feature(p.interests, placement.work_area, policy) for p in participants
    ]

    def column(attribute: str, dtype=np.float64) -> np.ndarray:
        return np.fromiter((getattr(p, attribute) for p in participants), dtype=dtype, count=n)

    levels = np.clip(column("language_level", np.int64), 0, MAX_LEVEL)
    language = [
        f.language_feature(level, placement.min_language_level, placement.language_practice, policy)
        for level in range(MAX_LEVEL + 1)
    ]
    X[:, COLUMN["language"]] = np.take(language, levels)
    needs = np.clip(column("support_need", np.int64), 1, 5)
    support = [f.support_feature(need, placement.supervision, policy) for need in range(6)]
    X[:, COLUMN["support"]] = np.take(support, needs)
    p = policy.priority
    on_assistance = np.minimum(
        1.0, np.maximum(column("months_on_assistance"), 0) / p.assistance_cap_months
    )
    without_job = np.minimum(
        1.0, np.maximum(column("months_since_last_job"), 0) / p.no_job_cap_months
    )
    X[:, COLUMN["priority"]] = (
        p.assistance_share * on_assistance + (1.0 - p.assistance_share) * without_job
    )
    homes = Sites.from_degrees(column("home_lat"), column("home_lon"))
    km = homes.km_from(placement.site_lat, placement.site_lon)
    c = policy.commute
    commute = np.maximum(np.minimum(km, c.cap_km) - c.free_km, 0.0) / c.km_unit
    commute = np.where(column("parent", bool), commute * c.parent_multiplier, commute)
    X[:, COLUMN["commute"]] = -commute
    excess = np.maximum(placement.hours_per_week - column("max_hours"), 0.0)
    X[:, COLUMN["hours"]] = -excess / policy.hours.hours_unit
    capacity = compiled.capacity_of(placement)
    X[:, COLUMN["capacity"]] = f.capacity_feature(
        0 if capacity is None else capacity.short_of_minimum, placement.remaining_slots, policy
    )
    X[:, COLUMN["scarcity"]] = 0.0 if prices is None else -prices[position]
    rules = compiled.types[placement.type_code].rules
    room = bool(compiled.room_and_open(as_of, policy.book_ahead_days)[position])
    eligible = np.fromiter(
        (room and rules_allow(rules, person, as_of) for person in participants), dtype=bool, count=n
    )
    return PairFeatures(X=X, eligible=eligible)
