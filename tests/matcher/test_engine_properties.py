"""Properties of the scoring engine that must hold for any inputs."""

from __future__ import annotations

import dataclasses
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import (
    ADJUSTMENTS,
    FACTORS,
    PREDICTORS,
    CompiledPlacements,
    PolicyScorer,
    load_policy,
    pair_features,
    rank_participants,
    rank_placements,
    values,
    why_not,
)
from tests.strategies import department_capacities, worlds

POLICY = load_policy()
SCORER = PolicyScorer.from_policy(POLICY)
FAST = settings(max_examples=60, deadline=None)


def _all(participant, compiled, world):
    return rank_placements(
        participant, compiled, SCORER, k=len(compiled), as_of=world.as_of, policy=POLICY
    )


def _pair_score(participant, compiled, world, placement_id) -> float:
    pf = pair_features(participant, compiled, world.as_of, POLICY)
    row = pf.X[compiled.index_of(placement_id)]
    return float(values(SCORER, row[None, :], POLICY).probability[0])


@FAST
@given(worlds())
def test_ineligible_or_full_placements_are_never_ranked(world):
    compiled = world.compile()
    for participant in world.participants:
        ranking = _all(participant, compiled, world)
        ranked = {item.placement_id for item in ranking.items}
        for placement in world.placements:
            excluded = why_not(
                participant, placement.id, compiled, as_of=world.as_of, policy=POLICY
            )
            assert (placement.id in ranked) == (not excluded)
            if placement.remaining_slots <= 0:
                assert placement.id not in ranked
        assert ranking.candidate_count == len(ranked)
        assert ranking.candidate_count + ranking.excluded_count == len(world.placements)


@FAST
@given(worlds())
def test_contributions_sum_to_the_score_and_cover_every_factor(world):
    compiled = world.compile()
    for participant in world.participants:
        for item in _all(participant, compiled, world).items:
            assert tuple(item.contributions) == PREDICTORS
            assert tuple(item.adjustments) == ADJUSTMENTS
            total = 0.0
            for name in PREDICTORS:
                total += item.contributions[name]
            assert item.baseline + total == item.log_odds
            assert item.probability == pytest.approx(1 / (1 + math.exp(-item.log_odds)))
            adjustment = 0.0
            for name in ADJUSTMENTS:
                adjustment += item.adjustments[name]
            assert item.probability + adjustment == item.score
            assert [reason.factor for reason in item.reasons] == list(FACTORS)
            assert [r.kind for r in item.reasons[len(PREDICTORS) :]] == ["adjustment"] * 3


@FAST
@given(worlds(), st.data())
def test_adding_a_required_skill_never_lowers_the_pair_score(world, data):
    compiled = world.compile()
    placement = data.draw(st.sampled_from(world.placements))
    participant = data.draw(st.sampled_from(world.participants))
    if not placement.required_skills:
        return
    skill = data.draw(st.sampled_from(placement.required_skills))
    better = dataclasses.replace(participant, skills=(*participant.skills, skill))
    before = _pair_score(participant, compiled, world, placement.id)
    assert _pair_score(better, compiled, world, placement.id) >= before


@FAST
@given(worlds(), st.data())
def test_higher_language_or_lower_support_need_never_lowers_the_pair_score(world, data):
    compiled = world.compile()
    placement = data.draw(st.sampled_from(world.placements))
    participant = data.draw(st.sampled_from(world.participants))
    before = _pair_score(participant, compiled, world, placement.id)
    if participant.language_level < 6:
        higher = dataclasses.replace(participant, language_level=participant.language_level + 1)
        assert _pair_score(higher, compiled, world, placement.id) >= before
    if participant.support_need > 1:
        lower = dataclasses.replace(participant, support_need=participant.support_need - 1)
        assert _pair_score(lower, compiled, world, placement.id) >= before


@FAST
@given(worlds(), st.randoms(use_true_random=False))
def test_shuffling_inputs_never_changes_either_ranking(world, rnd: random.Random):
    compiled = world.compile()
    shuffled_placements = list(world.placements)
    rnd.shuffle(shuffled_placements)
    shuffled = CompiledPlacements.build(
        shuffled_placements, world.taxonomy, world.types, world.capacities
    )
    for participant in world.participants:
        assert _all(participant, compiled, world) == _all(participant, shuffled, world)
    shuffled_people = list(world.participants)
    rnd.shuffle(shuffled_people)
    for placement in world.placements:
        kwargs = dict(k=3, as_of=world.as_of, policy=POLICY)
        first = rank_participants(placement.id, world.participants, compiled, SCORER, **kwargs)
        again = rank_participants(placement.id, shuffled_people, shuffled, SCORER, **kwargs)
        assert first == again


@FAST
@given(worlds())
def test_ranking_is_sorted_by_score_then_id_and_deterministic(world):
    compiled = world.compile()
    for participant in world.participants:
        ranking = rank_placements(
            participant, compiled, SCORER, k=5, as_of=world.as_of, policy=POLICY
        )
        keys = [(-item.score, item.placement_id) for item in ranking.items]
        assert keys == sorted(keys)
        assert [item.rank for item in ranking.items] == list(range(1, len(keys) + 1))
        assert ranking == rank_placements(
            participant, world.compile(), SCORER, k=5, as_of=world.as_of, policy=POLICY
        )


@FAST
@given(worlds(), st.data())
def test_a_capacity_refresh_ranks_exactly_like_a_fresh_build(world, data):
    """After bookings and quota changes the API refreshes only the capacity columns
    (CompiledPlacements.with_capacity); rankings, exclusions and reasons must be those of
    a catalog compiled from scratch with the same capacities."""
    compiled = world.compile()
    _all(world.participants[0], compiled, world)  # fill derived-array caches first
    remaining = {
        p.id: data.draw(st.integers(-1, 4), label=f"slots {p.id}") for p in world.placements
    }
    capacities = data.draw(department_capacities(), label="capacities")
    refreshed = compiled.with_capacity(remaining, capacities)
    rebuilt = CompiledPlacements.build(
        [dataclasses.replace(p, remaining_slots=remaining[p.id]) for p in world.placements],
        world.taxonomy,
        world.types,
        capacities,
    )
    assert refreshed.required is compiled.required  # shared, not recompiled
    for column in ("remaining_slots", "short_of_minimum", "has_room", "ids"):
        assert (getattr(refreshed, column) == getattr(rebuilt, column)).all(), column
    assert refreshed.placements == rebuilt.placements
    for participant in world.participants:
        assert _all(participant, refreshed, world) == _all(participant, rebuilt, world)
        for placement in world.placements:
            assert why_not(
                participant, placement.id, refreshed, as_of=world.as_of, policy=POLICY
            ) == why_not(participant, placement.id, rebuilt, as_of=world.as_of, policy=POLICY)


@FAST
@given(worlds())
def test_a_capacity_refresh_needs_every_placement(world):
    compiled = world.compile()
    remaining = {p.id: p.remaining_slots for p in world.placements}
    remaining.pop(world.placements[-1].id)
    with pytest.raises(KeyError):
        compiled.with_capacity(remaining, world.capacities)


@given(
    values=st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.5]), min_size=1, max_size=12),
    k=st.integers(1, 12),
    data=st.data(),
)
def test_the_preferred_placement_goes_first_among_its_ties_and_nothing_else_moves(values, k, data):
    from matcher.ranking import TIE, prefer, top_k

    scores = np.array(values)
    ids = np.arange(len(values)) + 100
    eligible = np.ones(len(values), dtype=bool)
    preferred = data.draw(st.integers(0, len(values) - 1))
    best = top_k(scores, ids, eligible, k)
    ordered = prefer(best, scores, preferred, k)
    assert len(ordered) == len(best)
    # still best-first: the preferred placement only moves ahead of entries it ties with
    assert np.all(np.diff(scores[ordered]) <= TIE)
    if scores[preferred] >= scores[best[-1]] - TIE:
        position = int(np.flatnonzero(ordered == preferred)[0])
        assert np.all(scores[ordered[:position]] > scores[preferred] + TIE)
    else:
        assert ordered.tolist() == best.tolist()
    others = [p for p in ordered.tolist() if p != preferred]
    assert others == [p for p in best.tolist() if p != preferred][: len(others)]
