"""Ranking, outcome, coverage and concentration metrics (matcher.metrics)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import mannwhitneyu
from sklearn.metrics import ndcg_score

from matcher.groups import bootstrap_ci
from matcher.metrics import (
    hit_at_k,
    mrr,
    ndcg_at_k,
    ndcg_from_ranks,
    ranks_to_csr,
    recall_at_k,
    reciprocal_rank,
)
from matcher.outcome_metrics import (
    concentration,
    coverage,
    rank_auc_statistic,
    rank_separation,
    success_by_rank,
)

INF = np.inf


@st.composite
def relevance_and_scores(draw):
    """Small relevance/score matrices; scores drawn from few values so ties are common."""
    n_rows = draw(st.integers(1, 6))
    n_cols = draw(st.integers(2, 8))
    relevance = draw(arrays(np.int64, (n_rows, n_cols), elements=st.integers(0, 3)))
    scores = draw(arrays(np.int64, (n_rows, n_cols), elements=st.integers(0, 4)))
    k = draw(st.none() | st.integers(1, n_cols + 2))
    return relevance.astype(float), scores.astype(float), k


@settings(max_examples=150, deadline=None)
@given(relevance_and_scores())
def test_ndcg_matches_sklearn_with_ties(case):
    relevance, scores, k = case
    ours = ndcg_at_k(relevance, k, scores=scores)
    assert ours.mean() == pytest.approx(ndcg_score(relevance, scores, k=k), abs=1e-12)
    for row in range(relevance.shape[0]):  # per row too, not only on average
        expected = ndcg_score(relevance[[row]], scores[[row]], k=k)
        assert ours[row] == pytest.approx(expected, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(relevance_and_scores(), st.randoms(use_true_random=False))
def test_ndcg_ranked_order_and_ignore_ties_match_sklearn_without_ties(case, random):
    relevance, _, k = case
    n_rows, n_cols = relevance.shape
    # Distinct scores: a random permutation per row.
    scores = np.array([random.sample(range(n_cols), n_cols) for _ in range(n_rows)], float)
    expected = ndcg_score(relevance, scores, k=k)
    assert ndcg_at_k(relevance, k, scores=scores, ignore_ties=True).mean() == pytest.approx(
        expected, abs=1e-12
    )
    order = np.argsort(-scores, axis=1)
    in_ranked_order = np.take_along_axis(relevance, order, axis=1)
    assert ndcg_at_k(in_ranked_order, k).mean() == pytest.approx(expected, abs=1e-12)


def test_ndcg_worked_example_and_irrelevant_rows():
    # sklearn docstring example: ties averaged -> (10/10 + 5/10) / 2 at k=1.
    relevance = np.array([[10, 0, 0, 1, 5]], float)
    assert ndcg_at_k(relevance, 1, scores=np.array([[1, 0, 0, 0, 1]]))[0] == pytest.approx(0.75)
    assert ndcg_at_k(np.zeros((2, 3)), 2).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="non-negative"):
        ndcg_at_k(np.array([[1.0, -1.0]]))


def test_ndcg_from_ranks_equals_one_hot_ndcg():
    ranks = np.array([1, 2, 3, 5, INF])
    one_hot = np.zeros((5, 6))
    for row, rank in enumerate(ranks):
        if np.isfinite(rank):
            one_hot[row, int(rank) - 1] = 1.0
    # The unranked row stays all zero: its NDCG is 0 either way.
    np.testing.assert_allclose(ndcg_from_ranks(ranks, 3), ndcg_at_k(one_hot, 3))
    assert ndcg_from_ranks(ranks, 3).tolist()[:3] == pytest.approx([1, 1 / np.log2(3), 0.5])


def test_hit_recall_and_reciprocal_rank_on_known_ranks():
    ranks = np.array([1, 3, 7, INF])
    assert hit_at_k(ranks, 3).tolist() == [1, 1, 0, 0]
    assert recall_at_k(ranks, 3).tolist() == [1, 1, 0, 0]
    assert reciprocal_rank(ranks).tolist() == pytest.approx([1, 1 / 3, 1 / 7, 0])
    assert mrr(ranks) == pytest.approx((1 + 1 / 3 + 1 / 7) / 4)
    assert mrr(np.array([])) == 0.0


def test_rank_zero_or_nan_is_rejected_with_the_rows():
    with pytest.raises(ValueError, match=r"rows \[1\]"):
        hit_at_k(np.array([1, 0, 2]), 1)
    with pytest.raises(ValueError, match="1-based"):
        mrr(np.array([np.nan]))


def test_recall_with_several_relevant_placements():
    flat, indptr = ranks_to_csr([[1, 4, INF], [2], [], [6, 7]])
    assert indptr.tolist() == [0, 3, 4, 4, 6]
    recall = recall_at_k(flat, 5, indptr=indptr)
    np.testing.assert_allclose(recall, [2 / 3, 1.0, np.nan, 0.0])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(1, 12) | st.just(INF), min_size=1, max_size=40), st.integers(1, 12))
def test_recall_with_one_relevant_equals_hit(ranks, k):
    flat, indptr = ranks_to_csr([[r] for r in ranks])
    np.testing.assert_array_equal(recall_at_k(flat, k, indptr=indptr), hit_at_k(ranks, k))


def test_success_by_rank_bins():
    ranks = np.array([1, 1, 2, 3, 4, 6, 11, INF, INF, 2])
    success = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, np.nan])
    bins = success_by_rank(ranks, success, bins=(1, 3, 5, 10))
    assert bins.labels == ("1", "2-3", "4-5", "6-10", ">10", "unranked")
    assert bins.n == (2, 2, 1, 1, 1, 2)  # the NaN outcome is left out
    assert bins.successes == (1, 2, 0, 0, 1, 0)
    assert bins.success_rate == (0.5, 1.0, 0.0, 0.0, 1.0, 0.0)
    empty = success_by_rank(np.array([1.0]), np.array([1.0]), bins=(1, 2))
    assert empty.success_rate[1] is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 8) | st.just(INF), st.booleans()), min_size=2, max_size=60)
)
def test_rank_separation_auc_matches_mann_whitney(pairs):
    ranks = np.array([r for r, _ in pairs], float)
    success = np.array([s for _, s in pairs], float)
    result = rank_separation(ranks, success)
    won, lost = ranks[success == 1], ranks[success == 0]
    if won.size == 0 or lost.size == 0:
        assert result.auc is None
        return
    # U counts pairs where the first sample is larger; a lower rank is better, so pass -rank.
    big = 1e9  # scipy needs finite values; inf ties with inf either way
    u = mannwhitneyu(-np.minimum(won, big), -np.minimum(lost, big)).statistic
    assert result.auc == pytest.approx(u / (won.size * lost.size))
    # The weighted-statistic form gives the same point estimate.
    ci = bootstrap_ci(
        np.column_stack([ranks, success]),
        statistic=rank_auc_statistic,
        n_boot=50,
        rng=np.random.default_rng(0),
    )
    assert ci.estimate == pytest.approx(result.auc)


def test_rank_separation_summary():
    result = rank_separation(np.array([1, 2, INF, 5, INF, INF]), np.array([1, 1, 1, 0, 0, 0]))
    assert result.n_success == 3 and result.n_failure == 3
    assert result.mean_rank_success == 1.5 and result.mean_rank_failure == 5.0
    assert result.unranked_share_success == pytest.approx(1 / 3)
    assert result.unranked_share_failure == pytest.approx(2 / 3)
    # pairs: (1|2) beat all 3 failures, inf beats none, ties 2 unranked failures
    assert result.auc == pytest.approx((3 + 3 + 0.5 * 2) / 9)


def test_coverage_ignores_repeats_and_unknown_ids():
    result = coverage(np.array([1, 1, 2, 99]), np.array([1, 2, 3, 4]))
    assert (result.covered, result.total, result.share) == (2, 4, 0.5)
    assert coverage(np.array([]), np.array([])).share is None


def test_concentration_even_and_monopoly():
    even = concentration(np.array([1, 2, 3, 1, 2, 3]))
    assert even.hhi == pytest.approx(1 / 3) and even.gini == pytest.approx(0.0)
    one = concentration(np.array([7, 7, 7]), all_department_ids=np.array([5, 6, 7, 8]))
    assert one.department_ids == (5, 6, 7, 8) and one.slots == (0, 0, 3, 0)
    assert one.hhi == pytest.approx(1.0)
    assert one.gini == pytest.approx(0.75)  # (n - 1) / n for one department of n
    with pytest.raises(ValueError, match="missing"):
        concentration(np.array([1]), all_department_ids=np.array([2]))
