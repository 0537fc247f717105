"""Top-k exploration and its propensities (matcher.exploration)."""

from __future__ import annotations

import doctest
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matcher.exploration as exploration
from matcher.exploration import expected_ndcg_cost, explore_top_k, shown_position_propensity
from matcher.metrics import ndcg_at_k

ranked_lists = st.lists(st.integers(1, 10_000), min_size=0, max_size=9, unique=True)


@settings(max_examples=60, deadline=None)
@given(ranked_lists, st.integers(1, 10))
def test_epsilon_zero_is_the_identity(ids, k):
    result = explore_top_k(ids, k=k)  # no rng needed: nothing is drawn
    assert result.order == tuple(ids) and not result.explored
    assert result.position_propensities == (1.0,) * len(ids)
    assert result.list_propensity == 1.0


@settings(max_examples=60, deadline=None)
@given(ranked_lists, st.integers(1, 6), st.floats(0.0, 1.0), st.integers(0, 2**32 - 1))
def test_explored_list_is_a_top_k_permutation_with_consistent_propensities(ids, k, eps, seed):
    result = explore_top_k(ids, k=k, epsilon=eps, rng=np.random.default_rng(seed))
    m = min(k, len(ids))
    assert sorted(result.order[:m]) == sorted(ids[:m])
    assert result.order[m:] == tuple(ids[m:])
    assert all(0 < p <= 1 for p in result.position_propensities)
    assert 0 < result.list_propensity <= 1
    again = explore_top_k(ids, k=k, epsilon=eps, rng=np.random.default_rng(seed))
    assert again == result


@pytest.mark.parametrize("m", [1, 2, 3, 4])
@pytest.mark.parametrize("epsilon", [0.0, 0.2, 1.0])
def test_propensities_sum_to_one_over_permutations_and_positions(m, epsilon):
    ids = list(range(100, 100 + m + 2))  # two untouched entries after the top k
    k = m
    # Over every possible shown top-k, the list propensities sum to 1 ...
    total = 0.0
    for perm in itertools.permutations(ids[:m]):
        shown = list(perm) + ids[m:]
        same = shown == ids
        total += 1.0 if m == 1 else (1 - epsilon) * same + epsilon / math.factorial(m)
    assert total == pytest.approx(1.0)
    # ... and each placement's position propensities sum to 1 over positions (and each
    # position's over placements).
    positions = np.arange(1, len(ids) + 1)
    matrix = shown_position_propensity(
        positions[:, None], positions[None, :], epsilon=epsilon, k=k, n_items=len(ids)
    )
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    np.testing.assert_allclose(matrix.sum(axis=0), 1.0)


def test_logged_propensities_match_observed_frequencies():
    ids = [11, 22, 33, 44]
    rng = np.random.default_rng(0)
    draws = [explore_top_k(ids, k=3, epsilon=0.3, rng=rng) for _ in range(20_000)]
    first_is_22 = np.mean([d.order[0] == 22 for d in draws])
    assert first_is_22 == pytest.approx(0.3 / 3, abs=0.01)
    unchanged = np.mean([d.order == tuple(ids) for d in draws])
    assert unchanged == pytest.approx(0.7 + 0.3 / 6, abs=0.01)
    logged = {d.order: d.list_propensity for d in draws}
    assert logged[tuple(ids)] == pytest.approx(0.7 + 0.3 / 6)
    assert logged[(22, 11, 33, 44)] == pytest.approx(0.3 / 6)
    assert all(d.position_propensities[3] == 1.0 for d in draws)


def test_expected_ndcg_cost_equals_exact_enumeration():
    rng = np.random.default_rng(3)
    gains = rng.integers(0, 4, size=7).astype(float)
    epsilon, k, cutoff = 0.15, 4, 5
    expected = 0.0
    perms = list(itertools.permutations(range(k)))
    for perm in perms:
        shown = np.concatenate([gains[list(perm)], gains[k:]])
        expected += ndcg_at_k(shown[None, :], cutoff)[0] / len(perms)
    deterministic = ndcg_at_k(gains[None, :], cutoff)[0]
    exact_cost = epsilon * (deterministic - expected)
    cost = expected_ndcg_cost(gains, epsilon=epsilon, k=k, cutoff=cutoff)
    assert cost == pytest.approx(exact_cost)
    assert expected_ndcg_cost(gains, epsilon=0.0, k=k) == 0.0
    rows = expected_ndcg_cost(np.stack([gains, gains[::-1]]), epsilon=epsilon, k=k)
    assert rows.shape == (2,) and rows[0] == pytest.approx(
        expected_ndcg_cost(gains, epsilon=epsilon, k=k)
    )


def test_the_documented_cost_figures_are_computed_by_code():
    failures, tried = doctest.testmod(exploration)
    assert tried >= 2 and failures == 0


def test_invalid_settings_are_rejected():
    with pytest.raises(ValueError, match="epsilon"):
        explore_top_k([1, 2], k=2, epsilon=1.5)
    with pytest.raises(ValueError, match="rng"):
        explore_top_k([1, 2], k=2, epsilon=0.1)
    with pytest.raises(ValueError, match="repeat"):
        explore_top_k([1, 1], k=2)
