"""Ranking metrics for replayed decisions: hit@k, recall@k, MRR, NDCG@k.

Pure functions over numpy arrays; the replay builds the arrays, these only count.
Outcome, coverage and concentration metrics live in :mod:`matcher.outcome_metrics`.

Rank convention (used by every function here and in :mod:`matcher.groups`):
ranks are **1-based** floats, and a decision whose accepted placement the scorer did not
rank at all (ineligible, or outside the candidate set) has rank ``np.inf``. ``inf`` makes
every metric fall out naturally: it is never within the top k, its reciprocal rank and
its discounted gain are 0, and it sorts below every ranked placement. A rank of 0 or
below, or NaN, is rejected with a ``ValueError`` (0 is a common "missing" marker
elsewhere, and silently reading it as "first" would flatter a scorer).

Every function but :func:`mrr` returns one float per decision, so the same array can be
averaged, split by group and bootstrapped (:func:`matcher.groups.metric_by_group`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_ranks",
    "hit_at_k",
    "mrr",
    "ndcg_at_k",
    "ndcg_from_ranks",
    "ranks_to_csr",
    "recall_at_k",
    "reciprocal_rank",
]


def as_ranks(ranks: np.ndarray | Sequence[float]) -> np.ndarray:
    """Validate ranks (1-based, ``np.inf`` = not ranked) and return them as float64.

    Raises ``ValueError`` naming the first offending rows when a rank is NaN or below 1.
    """
    ranks = np.asarray(ranks, dtype=np.float64)
    bad = np.flatnonzero(np.isnan(ranks) | (ranks < 1))
    if bad.size:
        raise ValueError(
            "ranks are 1-based and use np.inf for 'not ranked'; "
            f"rows {bad[:10].tolist()} hold {ranks.ravel()[bad[:10]].tolist()}"
        )
    return ranks


def _check_k(k: int) -> int:
    if int(k) != k or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    return int(k)


def hit_at_k(ranks: np.ndarray, k: int) -> np.ndarray:
    """Per decision, 1.0 when the accepted placement is ranked within the top ``k``.

    ``hit_at_k(ranks, k).mean()`` is the hit rate at k.
    """
    return (as_ranks(ranks) <= _check_k(k)).astype(np.float64)


def ranks_to_csr(rank_lists: Sequence[Sequence[float]]) -> tuple[np.ndarray, np.ndarray]:
    """Pack one list of relevant-item ranks per decision into ``(flat_ranks, indptr)``.

    Decision ``i`` owns ``flat_ranks[indptr[i]:indptr[i + 1]]`` (the scipy CSR layout).
    """
    lengths = np.fromiter((len(r) for r in rank_lists), dtype=np.int64, count=len(rank_lists))
    indptr = np.zeros(len(rank_lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    flat = np.fromiter(
        (r for ranks in rank_lists for r in ranks), dtype=np.float64, count=int(indptr[-1])
    )
    return flat, indptr


def recall_at_k(ranks: np.ndarray, k: int, *, indptr: np.ndarray | None = None) -> np.ndarray:
    """Per decision, the share of its relevant placements ranked within the top ``k``.

    Parameters
    ----------
    ranks
        Without ``indptr``: one rank per decision (the accepted placement), and recall@k
        equals :func:`hit_at_k`. With ``indptr``: the ranks of every relevant placement of
        every decision, concatenated (see :func:`ranks_to_csr`); relevant placements the
        scorer did not rank count in the denominator with rank ``inf``.
    k
        Cut-off.
    indptr
        CSR offsets, length ``n_decisions + 1``.

    Returns
    -------
    Float array, one value per decision; NaN for a decision with no relevant placement
    (recall is undefined there; :func:`matcher.groups.metric_by_group` leaves NaN out).
    """
    if indptr is None:
        return hit_at_k(ranks, k)
    ranks = as_ranks(ranks)
    indptr = np.asarray(indptr, dtype=np.int64)
    if indptr[0] != 0 or indptr[-1] != ranks.size or np.any(np.diff(indptr) < 0):
        raise ValueError("indptr must start at 0, be non-decreasing and end at len(ranks)")
    n_relevant = np.diff(indptr)
    owner = np.repeat(np.arange(n_relevant.size), n_relevant)
    hits = np.bincount(owner, weights=ranks <= _check_k(k), minlength=n_relevant.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_relevant > 0, hits / n_relevant, np.nan)


def reciprocal_rank(ranks: np.ndarray) -> np.ndarray:
    """Per decision, ``1 / rank`` of the accepted placement (0 when not ranked)."""
    return 1.0 / as_ranks(ranks)


def mrr(ranks: np.ndarray) -> float:
    """Mean reciprocal rank over decisions (0.0 for no decisions)."""
    rr = reciprocal_rank(ranks)
    return float(rr.mean()) if rr.size else 0.0


def ndcg_from_ranks(ranks: np.ndarray, k: int | None = None) -> np.ndarray:
    """Per decision NDCG@k when exactly one placement (the accepted one) is relevant.

    With one relevant item of gain 1 the ideal DCG is 1 (it belongs first), so
    ``NDCG@k = 1 / log2(rank + 1)`` when ``rank <= k`` and 0 otherwise (also 0 when not
    ranked). Equals :func:`ndcg_at_k` on a one-hot relevance row.
    """
    ranks = as_ranks(ranks)
    gain = 1.0 / np.log2(ranks + 1.0)  # inf -> 0
    if k is not None:
        gain = np.where(ranks <= _check_k(k), gain, 0.0)
    return gain


def ndcg_at_k(
    relevance: np.ndarray,
    k: int | None = None,
    *,
    scores: np.ndarray | None = None,
    ignore_ties: bool = False,
) -> np.ndarray:
    """Per decision NDCG@k, with the semantics of ``sklearn.metrics.ndcg_score``.

    DCG@k = sum over shown positions ``p = 1..k`` of ``gain_p / log2(p + 1)``, with the
    gain linear in the relevance (not ``2**rel - 1``). NDCG divides by the DCG of the
    ideal order of the same row (relevance sorted descending); a row whose relevance is
    all zero scores 0 (sklearn's choice). ``ndcg_at_k(rel, k, scores=s).mean()`` equals
    ``ndcg_score(rel, s, k=k)``.

    Parameters
    ----------
    relevance
        ``(n_decisions, n_candidates)`` non-negative gains. Without ``scores`` each row
        is already in the ranked order shown (column 0 = position 1); pad short lists
        with 0, which changes neither DCG nor the ideal DCG.
    k
        Cut-off; ``None`` uses the whole row.
    scores
        Optional scorer outputs of the same shape; the ranking is by descending score.
    ignore_ties
        Ties handling when ``scores`` is given. ``False`` (default, as sklearn): tied
        candidates share the mean gain of their tie group, i.e. the expected DCG over all
        orders of the ties (McSherry & Najork 2008); a tie group straddling position k
        counts only the discounts inside the top k. ``True``: ties are broken by column
        order (a stable sort), which is faster and deterministic but differs from
        sklearn's ``ignore_ties=True`` whenever there are ties (sklearn's order among ties
        is unspecified there).

    Returns
    -------
    Float array of NDCG values in [0, 1], one per decision.
    """
    relevance = np.atleast_2d(np.asarray(relevance, dtype=np.float64))
    if relevance.size and (np.isnan(relevance).any() or relevance.min() < 0):
        raise ValueError("relevance must be non-negative and not NaN (as in ndcg_score)")
    n_rows, n_cols = relevance.shape
    discount = 1.0 / np.log2(np.arange(n_cols) + 2.0)
    if k is not None:
        discount[_check_k(k) :] = 0.0
    ideal = -np.sort(-relevance, axis=1) @ discount
    if scores is None:
        dcg = relevance @ discount
    else:
        scores = np.atleast_2d(np.asarray(scores, dtype=np.float64))
        if scores.shape != relevance.shape:
            raise ValueError(f"scores {scores.shape} and relevance {relevance.shape} differ")
        if np.isnan(scores).any():
            raise ValueError("scores must not be NaN")
        order = np.argsort(-scores, axis=1, kind="stable")
        ranked_gain = np.take_along_axis(relevance, order, axis=1)
        if ignore_ties:
            dcg = ranked_gain @ discount
        else:
            dcg = _tie_averaged_dcg(ranked_gain, np.take_along_axis(scores, order, 1), discount)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ideal > 0, dcg / ideal, 0.0)


def _tie_averaged_dcg(ranked_gain: np.ndarray, ranked_score: np.ndarray, discount: np.ndarray):
    """DCG per row where each tie group of scores gets its mean gain, vectorised.

    Rows are already sorted by descending score, so tie groups are contiguous runs; the
    runs of all rows are numbered in one pass and summed with ``bincount``.
    """
    n_rows, n_cols = ranked_gain.shape
    if n_cols == 0:
        return np.zeros(n_rows)
    starts = np.ones((n_rows, n_cols), dtype=bool)
    starts[:, 1:] = ranked_score[:, 1:] != ranked_score[:, :-1]
    group = np.cumsum(starts.ravel()) - 1
    n_groups = int(group[-1]) + 1
    gain_sum = np.bincount(group, weights=ranked_gain.ravel(), minlength=n_groups)
    size = np.bincount(group, minlength=n_groups)
    discount_sum = np.bincount(group, weights=np.tile(discount, n_rows), minlength=n_groups)
    group_row = np.repeat(np.arange(n_rows), n_cols)[starts.ravel()]
    return np.bincount(group_row, weights=gain_sum / size * discount_sum, minlength=n_rows)
