"""The vectorised engine equals the per-pair reference implementation."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import (
    FACTORS,
    PolicyScorer,
    feature_matrix,
    load_policy,
    pair_features,
    rank_placements,
    score_matrix,
    values,
    why_not,
)
from matcher.placement_features import placement_features
from matcher.policy import EligibilityPolicy
from matcher.reference import reference_rank, reference_scores
from tests.strategies import policies_with_horizon, worlds

POLICY = load_policy()
SCORER = PolicyScorer.from_policy(POLICY)
FAST = settings(max_examples=80, deadline=None)


@FAST
@given(worlds(), st.booleans(), st.data())
def test_features_scores_and_eligibility_equal_the_reference(world, with_prices, data):
    compiled = world.compile()
    prices = None
    if with_prices:
        drawn = data.draw(
            st.lists(st.floats(0, 0.5), min_size=len(compiled), max_size=len(compiled))
        )
        prices = np.array(drawn)
    by_id = (
        None if prices is None else dict(zip(compiled.ids.tolist(), prices.tolist(), strict=True))
    )
    for participant in world.participants:
        pf = pair_features(participant, compiled, world.as_of, POLICY, prices=prices)
        scores = values(SCORER, pf.X, POLICY).value
        expected = reference_scores(
            participant,
            world.placements,
            world.taxonomy,
            world.types,
            world.capacities,
            world.as_of,
            POLICY,
            by_id,
        )
        for ref in expected:
            i = compiled.index_of(ref.placement_id)
            assert pf.eligible[i] == ref.eligible
            got = dict(zip(FACTORS, pf.X[i].tolist(), strict=True))
            for name in FACTORS:
                assert np.isclose(got[name], ref.features[name], rtol=1e-12, atol=1e-12), name
            assert np.isclose(scores[i], ref.score, rtol=1e-12, atol=1e-9)


@FAST
@given(worlds(), st.integers(1, 6))
def test_top_k_equals_the_reference_ranking(world, k):
    compiled = world.compile()
    for participant in world.participants:
        ranking = rank_placements(
            participant, compiled, SCORER, k=k, as_of=world.as_of, policy=POLICY
        )
        expected = reference_rank(
            participant,
            world.placements,
            world.taxonomy,
            world.types,
            world.capacities,
            world.as_of,
            POLICY,
            k=k,
        )
        assert [item.placement_id for item in ranking.items] == [r.placement_id for r in expected]
        for item, ref in zip(ranking.items, expected, strict=True):
            assert np.isclose(item.score, ref.score, rtol=1e-12, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(worlds())
def test_batched_features_and_scores_equal_one_participant_at_a_time(world):
    compiled = world.compile()
    batch = feature_matrix(world.participants, compiled, world.as_of, POLICY)
    scores, eligible = score_matrix(world.participants, compiled, SCORER, world.as_of, POLICY)
    assert batch.X.shape == (len(world.participants), len(compiled), len(FACTORS))
    assert scores.dtype == np.float32
    for i, participant in enumerate(world.participants):
        pf = pair_features(participant, compiled, world.as_of, POLICY)
        np.testing.assert_array_equal(batch.X[i], pf.X)
        np.testing.assert_array_equal(batch.eligible[i], pf.eligible)
        np.testing.assert_array_equal(eligible[i], pf.eligible)
        np.testing.assert_allclose(scores[i], values(SCORER, pf.X, POLICY).value, rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(worlds(), st.data())
def test_features_of_a_subset_of_rows_equal_the_full_computation(world, data):
    # rank_participants scores one placement's row; rank_placements scores all rows.
    compiled = world.compile()
    rows = np.array(data.draw(st.lists(st.integers(0, len(compiled) - 1), min_size=1, max_size=4)))
    for participant in world.participants:
        full = pair_features(participant, compiled, world.as_of, POLICY)
        subset = pair_features(participant, compiled, world.as_of, POLICY, rows=rows)
        np.testing.assert_allclose(subset.X, full.X[rows], rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(subset.eligible, full.eligible[rows])


@settings(max_examples=60, deadline=None)
@given(worlds(max_participants=6), policies_with_horizon(POLICY))
def test_features_by_placement_equal_the_reference(world, policy):
    compiled = world.compile()
    for placement in world.placements:
        pf = placement_features(placement.id, world.participants, compiled, world.as_of, policy)
        for i, participant in enumerate(world.participants):
            (ref,) = reference_scores(
                participant,
                [placement],
                world.taxonomy,
                world.types,
                world.capacities,
                world.as_of,
                policy,
            )
            assert pf.eligible[i] == ref.eligible
            expected = [ref.features[name] for name in FACTORS]
            np.testing.assert_allclose(pf.X[i], expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(worlds(), policies_with_horizon(POLICY), st.integers(1, 6))
def test_any_booking_horizon_gives_the_reference_eligibility_and_ranking(world, policy, k):
    # Starts are drawn from a month before as_of to 250 days after; the horizon from 0 up.
    compiled = world.compile()
    # Warm the per-date cache with another horizon first: the cache must key by horizon.
    other = dataclasses.replace(policy, eligibility=EligibilityPolicy(policy.book_ahead_days + 45))
    pair_features(world.participants[0], compiled, world.as_of, other)
    scorer = PolicyScorer.from_policy(policy)
    for participant in world.participants:
        pf = pair_features(participant, compiled, world.as_of, policy)
        expected = reference_scores(
            participant,
            world.placements,
            world.taxonomy,
            world.types,
            world.capacities,
            world.as_of,
            policy,
        )
        for ref in expected:
            i = compiled.index_of(ref.placement_id)
            assert pf.eligible[i] == ref.eligible
            exclusions = why_not(
                participant, ref.placement_id, compiled, as_of=world.as_of, policy=policy
            )
            assert (not exclusions) == ref.eligible
            placement = compiled.placements[i]
            opens = placement.start is None or (
                (placement.start - world.as_of).days <= policy.book_ahead_days
            )
            closes = placement.end is None or placement.end >= world.as_of
            assert ("not_open" in [e.rule for e in exclusions]) == (not (opens and closes))
        ranking = rank_placements(
            participant, compiled, scorer, k=k, as_of=world.as_of, policy=policy
        )
        reference = reference_rank(
            participant,
            world.placements,
            world.taxonomy,
            world.types,
            world.capacities,
            world.as_of,
            policy,
            k=k,
        )
        assert [item.placement_id for item in ranking.items] == [r.placement_id for r in reference]
