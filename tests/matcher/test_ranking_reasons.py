"""What a ranking keeps across requests never changes an answer.

``rank_placements`` keeps, per compiled catalog and policy, the small participant-side
tables and their per-block ranges (matcher.pruning.Tables) and the reasons whose inputs
take few values (matcher.item_reasons.lasting_reasons). Here one catalog serves a stream
of drawn participants under three policies that word and score reasons differently, with
prices and bookings in between, and every ranking must equal the exhaustive one (items,
values, contributions, reasons in sv and en) and every item's reasons ``explain``'s.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import CompiledPlacements, PolicyScorer, Taxonomy, load_policy
from matcher.domain import Concept, DepartmentCapacity, EligibilityRules, Placement, PlacementType
from matcher.ranking import explain, rank_placements, rank_placements_exhaustive
from tests.matcher.test_pruning import _always_prune
from tests.strategies import AREAS, AS_OF, participants

BASE = load_policy()
POLICIES = (
    BASE,
    replace(
        BASE,
        language=replace(BASE.language, tolerance=2, well_above_steps=1),
        support=replace(BASE.support, max_missing_steps=0),
    ).with_weights(commute=1.2, hours=0.1, capacity=0.4),
    replace(BASE, capacity=replace(BASE.capacity, slack_cap=2)).with_weights(interests=0.2),
)
CONCEPTS = [Concept(f"c{i}", f"Skill {i % 9}", None if i < 3 else f"c{i % 3}") for i in range(12)]
TYPES = {
    "praktik": PlacementType("praktik", "Praktik"),
    "ungdom": PlacementType("ungdom", "Ungdom", EligibilityRules(max_age=24)),
    "extra": PlacementType("extra", "Extra", EligibilityRules(newcomer_or_long_term=True)),
}


def _catalog() -> CompiledPlacements:
    """One fixed catalog of 80 placements (labels repeat, skills repeat, some list none)."""
    rng = np.random.default_rng(2026)
    ids = [c.id for c in CONCEPTS]

    def pick(most: int) -> tuple[str, ...]:
        return tuple(rng.choice(ids, size=int(rng.integers(0, most + 1))).tolist())

    placements = [
        Placement(
            id=i + 1,
            department_id=int(rng.integers(1, 4)),
            work_area=AREAS[rng.integers(len(AREAS))],
            required_skills=pick(3),
            useful_skills=pick(2),
            min_language_level=int(rng.integers(0, 7)),
            language_practice=bool(rng.random() < 0.3),
            supervision=int(rng.integers(1, 4)),
            remaining_slots=int(rng.integers(0, 4)),
            hours_per_week=int(rng.choice([15, 20, 30, 40])),
            min_hours=None if rng.random() < 0.6 else int(rng.integers(5, 30)),
            site_lat=float(rng.uniform(55.55, 55.85)),
            site_lon=float(rng.uniform(13.0, 13.45)),
            type_code=tuple(TYPES)[rng.integers(len(TYPES))],
        )
        for i in range(80)
    ]
    capacities = {d: DepartmentCapacity(d, None, short_of_minimum=d - 1) for d in (1, 2, 3)}
    return CompiledPlacements.build(placements, Taxonomy(CONCEPTS), TYPES, capacities)


CATALOG = {"now": _catalog()}  # booked in place between examples, as the API's cache is
SCORERS = [PolicyScorer.from_policy(p) for p in POLICIES]
people = participants(tuple(c.id for c in CONCEPTS))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(people, st.integers(0, len(POLICIES) - 1)), min_size=1, max_size=6),
    st.integers(1, 12),
    st.booleans(),
    st.none() | st.integers(0, 2**32 - 1),
)
def test_what_a_ranking_keeps_across_requests_changes_no_answer(stream, k, priced, booking):
    compiled = CATALOG["now"]
    if booking is not None:
        rng = np.random.default_rng(booking)
        slots = {int(i): int(rng.integers(0, 4)) for i in compiled.ids}
        short = {d: int(rng.integers(0, 3)) for d in (1, 2, 3)}
        capacities = {d: DepartmentCapacity(d, None, short_of_minimum=s) for d, s in short.items()}
        compiled = CATALOG["now"] = compiled.with_capacity(slots, capacities)
    prices = np.round(np.linspace(-0.05, 0.2, len(compiled)), 3) if priced else None
    for person, which in stream:
        policy, scorer = POLICIES[which], SCORERS[which]
        kwargs = dict(k=k, as_of=AS_OF, policy=policy, prices=prices)
        with _always_prune(first=4):
            ranking = rank_placements(person, compiled, scorer, **kwargs)
        assert ranking == rank_placements_exhaustive(person, compiled, scorer, **kwargs)
        for item in ranking.items:
            position = compiled.index_of(item.placement_id)
            price = None if prices is None else float(prices[position])
            placement = compiled.placements[position]
            assert item.reasons == explain(person, placement, compiled, policy, price)
