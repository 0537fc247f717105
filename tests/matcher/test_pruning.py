"""The pruned ranking (matcher.pruning) equals the exhaustive one, item for item.

``rank_placements`` scores only the blocks of placements whose upper bound reaches the
k-th best value found; ``rank_placements_exhaustive`` scores every placement. Same items,
order, values, contributions, explanations and counts, whatever the scorer (including a
learned model with negative weights and department effects), prices, the standing plan's
preferred placement and k.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import PREDICTORS, CompiledPlacements, PolicyScorer, Taxonomy, load_policy, pruning
from matcher.domain import (
    Concept,
    DepartmentCapacity,
    EligibilityRules,
    Participant,
    Placement,
    PlacementType,
)
from matcher.features import credit_vector, eligible_mask
from matcher.item_reasons import item_reasons
from matcher.learned import LearnedScorer
from matcher.ranking import explain, rank_placements, rank_placements_exhaustive
from tests.strategies import (
    World,
    concept_lists,
    department_capacities,
    participants,
    placement_types,
    placements,
    worlds,
)

POLICY = load_policy()
AS_OF = date(2026, 3, 1)

hand_scorers = st.builds(
    lambda a, b: PolicyScorer.from_policy(POLICY, intercept=a, scale=b, n=100),
    st.floats(-4, 4),
    st.floats(0, 3),
)
learned_scorers = st.builds(
    lambda coef, b, effects: LearnedScorer.from_coefficients(
        coef, b, department_effect=dict(enumerate(effects, start=1))
    ),
    st.lists(st.floats(-3, 3), min_size=len(PREDICTORS), max_size=len(PREDICTORS)),
    st.floats(-3, 3),
    st.lists(st.floats(-1, 1), max_size=3),
)


@st.composite
def big_worlds(draw) -> World:
    """Worlds of 20-60 placements, where whole blocks can be pruned."""
    concepts = draw(concept_lists(min_size=4))
    ids = tuple(c.id for c in concepts)
    n = draw(st.integers(20, 60))
    return World(
        concepts=concepts,
        types=draw(placement_types()),
        capacities=draw(department_capacities()),
        placements=[draw(placements(ids, ids=st.just(i + 1))) for i in range(n)],
        participants=[draw(participants(ids, ids=st.just(i + 1))) for i in range(2)],
    )


def _always_prune(first: int = 1):
    """Prune even the small catalogs hypothesis draws (the production floor is 2,000),
    with a first batch of ``first`` rows and blocks of a placement or two, so that the
    second batch and the bounds (nearly tight on one placement) decide."""
    return mock.patch.multiple(
        pruning, MIN_PLACEMENTS=0, FIRST_BATCH=first, FIRST_PER_ITEM=1, BLOCK_ROWS=0.01
    )


@settings(max_examples=60, deadline=None)
@given(big_worlds(), hand_scorers | learned_scorers, st.data())
def test_pruned_ranking_equals_the_exhaustive_one(world, scorer, data):
    compiled = world.compile()
    n = len(compiled)
    k = data.draw(st.integers(1, 3) | st.integers(1, n + 2))
    prices = data.draw(
        st.none() | st.lists(st.floats(-0.2, 0.5), min_size=n, max_size=n).map(np.array)
    )
    preferred = data.draw(st.none() | st.integers(0, n - 1))
    kwargs = dict(k=k, as_of=world.as_of, policy=POLICY, prices=prices, preferred=preferred)
    for person in world.participants:
        with _always_prune():
            pruned = rank_placements(person, compiled, scorer, **kwargs)
        assert pruned == rank_placements_exhaustive(person, compiled, scorer, **kwargs)


@settings(max_examples=30, deadline=None)
@given(worlds(max_placements=30))
def test_item_reasons_equal_explain(world):
    compiled = world.compile()
    prices = [None if i % 3 else 0.01 * i for i in range(len(compiled))]
    for person in world.participants:
        credit = credit_vector(person, compiled, POLICY)
        fast = item_reasons(person, range(len(compiled)), prices, compiled, POLICY, credit)
        slow = [
            explain(person, q, compiled, POLICY, price)
            for q, price in zip(compiled.placements, prices, strict=True)
        ]
        assert fast == slow


@settings(max_examples=30, deadline=None)
@given(worlds(max_placements=30))
def test_eligible_count_equals_the_mask(world):
    compiled = world.compile()
    scorer = PolicyScorer.from_policy(POLICY)
    for person in world.participants:
        credit = credit_vector(person, compiled, POLICY)
        request = pruning.Request(person, compiled, scorer, world.as_of, POLICY, None, credit)
        mask = eligible_mask(
            person, compiled, world.as_of, book_ahead_days=POLICY.book_ahead_days, policy=POLICY
        )
        assert pruning.eligible_count(request) == int(mask.sum())
        rows = np.arange(len(compiled))
        assert np.array_equal(request.eligible(rows), mask)


def _catalog(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    concepts = [Concept(f"top-{i}", f"Top {i}") for i in range(8)]
    concepts += [Concept(f"mid-{i}", f"Mid {i}", broader=f"top-{i % 8}") for i in range(40)]
    concepts += [Concept(f"leaf-{i}", f"Leaf {i}", broader=f"mid-{i % 40}") for i in range(200)]
    ids = [c.id for c in concepts[8:]]
    areas = [f"area-{i}" for i in range(12)]
    types = {
        "praktik": PlacementType("praktik", "Praktik"),
        "ungdom": PlacementType("ungdom", "Ungdom", EligibilityRules(max_age=24)),
    }

    def pick(low, high):
        return tuple(rng.choice(ids, size=int(rng.integers(low, high + 1)), replace=False))

    placements = [
        Placement(
            id=i + 1,
            department_id=int(rng.integers(1, 6)),
            work_area=areas[rng.integers(len(areas))],
            required_skills=pick(0, 3),
            useful_skills=pick(0, 2),
            min_language_level=int(rng.integers(0, 5)),
            language_practice=bool(rng.random() < 0.2),
            supervision=int(rng.integers(1, 4)),
            remaining_slots=int(rng.integers(0, 4)),
            hours_per_week=int(rng.choice([20, 30, 40])),
            site_lat=float(rng.uniform(55.4, 56.1)),
            site_lon=float(rng.uniform(12.8, 14.0)),
            type_code=("praktik", "ungdom")[rng.integers(2)],
        )
        for i in range(n)
    ]
    people = [
        Participant(
            id=i + 1,
            birth_year=int(rng.integers(1965, 2007)),
            skills=pick(1, 6),
            interests=tuple(rng.choice(areas, size=3, replace=False)),
            language_level=int(rng.integers(0, 7)),
            support_need=int(rng.integers(1, 6)),
            months_on_assistance=int(rng.integers(0, 72)),
            months_since_last_job=int(rng.integers(0, 120)),
            newcomer=bool(rng.random() < 0.4),
            parent=bool(rng.random() < 0.4),
            home_lat=float(rng.uniform(55.4, 56.1)),
            home_lon=float(rng.uniform(12.8, 14.0)),
            max_hours=int(rng.choice([20, 30, 40])),
        )
        for i in range(30)
    ]
    capacities = {
        d: DepartmentCapacity(d, remaining_quota=d * 3, short_of_minimum=d % 2) for d in range(1, 6)
    }
    compiled = CompiledPlacements.build(placements, Taxonomy(concepts), types, capacities)
    return compiled, people


def test_a_large_catalog_is_pruned_and_ranked_as_exhaustively():
    compiled, people = _catalog(4_000)
    scorer = PolicyScorer.from_policy(POLICY)
    assert pruning.supported(compiled, scorer, POLICY)
    rng = np.random.default_rng(3)
    scored = []
    for i, person in enumerate(people):
        prices = rng.uniform(0, 0.1, len(compiled)) if i % 2 else None
        kwargs = dict(k=10, as_of=AS_OF, policy=POLICY, prices=prices, preferred=i * 101)
        exhaustive = rank_placements_exhaustive(person, compiled, scorer, **kwargs)
        assert rank_placements(person, compiled, scorer, **kwargs) == exhaustive
        with _always_prune(first=40):
            assert rank_placements(person, compiled, scorer, **kwargs) == exhaustive
        credit = credit_vector(person, compiled, POLICY)
        request = pruning.Request(person, compiled, scorer, AS_OF, POLICY, prices, credit)
        scored.append(len(pruning.pruned_scores(request, 10).rows))
    # the point of it: most participants' lists come from a small part of the catalog
    assert np.median(scored) < len(compiled) / 4


def test_a_policy_change_keeps_the_pruned_ranking_exact():
    compiled, people = _catalog(3_000, seed=11)
    policy = replace(POLICY).with_weights(commute=0.9, skills=0.2, capacity=0.3, priority=-0.1)
    scorer = PolicyScorer.from_policy(policy)
    for person in people[:15]:
        kwargs = dict(k=5, as_of=AS_OF, policy=policy)
        exhaustive = rank_placements_exhaustive(person, compiled, scorer, **kwargs)
        with _always_prune(first=20):
            assert rank_placements(person, compiled, scorer, **kwargs) == exhaustive


def test_a_booking_keeps_the_blocks_and_the_ranking_stays_exact():
    compiled, people = _catalog(3_000, seed=5)
    scorer = PolicyScorer.from_policy(POLICY)
    kwargs = dict(k=10, as_of=AS_OF, policy=POLICY)
    before = rank_placements(people[0], compiled, scorer, **kwargs)
    # fill every placement the first list shows, and empty one department's quota
    full = {item.placement_id for item in before.items}
    slots = {int(i): 0 if int(i) in full else 2 for i in compiled.ids}
    capacities = {**compiled.capacities, 1: DepartmentCapacity(1, remaining_quota=0)}
    booked = compiled.with_capacity(slots, capacities)
    assert pruning.blocks_of(booked) is pruning.blocks_of(compiled)
    for person in people[:10]:
        after = rank_placements(person, booked, scorer, **kwargs)
        assert after == rank_placements_exhaustive(person, booked, scorer, **kwargs)
    assert not full & {item.placement_id for item in after.items}
