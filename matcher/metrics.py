"""Ranking, outcome, coverage and concentration metrics for replayed decisions.

Pure functions over numpy arrays; the replay builds the arrays, these only count.

Rank convention (used by every function here and in :mod:`matcher.groups`):
ranks are **1-based** floats, and a decision whose accepted placement the scorer did not
rank at all (ineligible, or outside the candidate set) has rank ``np.inf``. ``inf`` makes
every metric fall out naturally: it is never within the top k, its reciprocal rank and
its discounted gain are 0, and it sorts below every ranked placement. A rank of 0 or
below, or NaN, is rejected with a ``ValueError`` (0 is a common "missing" marker
elsewhere, and silently reading it as "first" would flatter a scorer).

Per-decision functions (``hit_at_k``, ``recall_at_k``, ``reciprocal_rank``,
``ndcg_at_k``, ``ndcg_from_ranks``) return one float per decision, so the same array
can be averaged, split by group and bootstrapped (:func:`matcher.groups.metric_by_group`).
Summaries return frozen dataclasses whose fields are plain ``int``/``float``/``str``/
tuples, so ``dataclasses.asdict`` gives a JSON-ready dict; ``None`` marks an undefined
value (an empty bin, a class with no members) rather than NaN, which JSON lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Concentration",
    "Coverage",
    "RankBins",
    "RankSeparation",
    "as_ranks",
    "concentration",
    "coverage",
    "hit_at_k",
    "mrr",
    "ndcg_at_k",
    "ndcg_from_ranks",
    "rank_auc_statistic",
    "rank_separation",
    "ranks_to_csr",
    "recall_at_k",
    "reciprocal_rank",
    "success_by_rank",
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


@dataclass(frozen=True, slots=True)
class RankBins:
    """Outcome of accepted matches by the rank the scorer gave them.

    ``labels[i]`` names bin i (``"1"``, ``"2-3"``, ``">10"``, ``"unranked"``); ``n`` is the
    number of accepted matches with a known outcome in the bin, ``successes`` how many
    succeeded, ``success_rate`` their share (None for an empty bin).
    """

    labels: tuple[str, ...]
    n: tuple[int, ...]
    successes: tuple[int, ...]
    success_rate: tuple[float | None, ...]


def _bin_labels(upper: np.ndarray) -> list[str]:
    labels, low = [], 0.0
    for high in upper:
        lo_txt, hi_txt = f"{low + 1:g}", f"{high:g}"
        labels.append(hi_txt if lo_txt == hi_txt else f"{lo_txt}-{hi_txt}")
        low = high
    return [*labels, f">{low:g}", "unranked"]


def success_by_rank(
    ranks: np.ndarray, success: np.ndarray, bins: Sequence[float] = (1, 3, 5, 10)
) -> RankBins:
    """Success rate of accepted matches, binned by the rank the scorer gives them.

    Parameters
    ----------
    ranks
        Rank of each accepted placement (1-based, ``inf`` = not ranked).
    success
        1/True when the placement succeeded (the outcome the evaluator chose, e.g. completed
        or self-supporting after 6 months), 0/False when it failed, NaN when the outcome is
        not known yet; NaN rows are left out.
    bins
        Increasing inclusive upper rank bounds. The default gives the bins 1, 2-3, 4-5,
        6-10, >10 and a last bin for unranked placements.
    """
    ranks = as_ranks(ranks)
    success = np.asarray(success, dtype=np.float64)
    upper = np.asarray(bins, dtype=np.float64)
    if upper.ndim != 1 or np.any(np.diff(upper) <= 0) or upper.size == 0 or upper[0] < 1:
        raise ValueError("bins must be increasing upper rank bounds >= 1")
    known = ~np.isnan(success)
    ranks, success = ranks[known], success[known]
    # searchsorted(side="left") puts rank r in the first bin whose upper bound is >= r.
    index = np.where(np.isinf(ranks), upper.size + 1, np.searchsorted(upper, ranks))
    n = np.bincount(index, minlength=upper.size + 2)
    wins = np.bincount(index, weights=success, minlength=upper.size + 2)
    return RankBins(
        labels=tuple(_bin_labels(upper)),
        n=tuple(int(x) for x in n),
        successes=tuple(int(round(x)) for x in wins),
        success_rate=tuple(float(w / c) if c else None for w, c in zip(wins, n, strict=True)),
    )


@dataclass(frozen=True, slots=True)
class RankSeparation:
    """How much higher the scorer ranks matches that succeeded than those that failed.

    ``auc`` is the Mann-Whitney probability that a random succeeded match is ranked
    strictly better (lower rank) than a random failed one, counting ties as one half;
    0.5 means no separation, 1.0 perfect. Unranked (``inf``) matches tie with each other
    and rank below every ranked one. ``mean_rank_*`` average the ranked (finite) ranks
    only, and ``unranked_share_*`` give the share not ranked at all. None = undefined.
    """

    auc: float | None
    n_success: int
    n_failure: int
    mean_rank_success: float | None
    mean_rank_failure: float | None
    unranked_share_success: float | None
    unranked_share_failure: float | None


def _auc_from_counts(success_counts: np.ndarray, failure_counts: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC from counts per distinct rank (columns sorted best rank first).

    Works on ``(n_resamples, n_ranks)`` count matrices, so one call scores a whole
    bootstrap. Returns NaN where either class is empty.
    """
    total_f = failure_counts.sum(axis=-1, keepdims=True)
    failed_worse = total_f - np.cumsum(failure_counts, axis=-1)  # failures ranked below
    pairs = success_counts.sum(axis=-1) * total_f[..., 0]
    wins = (success_counts * (failed_worse + 0.5 * failure_counts)).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, wins / pairs, np.nan)


def rank_auc_statistic(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted-statistic form of the rank-separation AUC, for :func:`bootstrap_ci`.

    ``rows`` is ``(m, 2)``: rank, success (0/1); ``weights`` is ``(b, m)`` resample counts.
    Returns ``(b,)`` AUCs. Example:
    ``bootstrap_ci(np.column_stack([ranks, success]), statistic=rank_auc_statistic, rng=rng)``.
    """
    ranks, success = as_ranks(rows[:, 0]), rows[:, 1] > 0.5
    weights = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    # Sort rows by (rank, class) so each distinct rank is one contiguous run per class,
    # then sum the resample counts of each run with reduceat (O(b * m), no dense one-hot).
    order = np.lexsort((success, ranks))
    ranks, success, weights = ranks[order], success[order], weights[:, order]
    distinct, start = np.unique(ranks, return_index=True)
    per_class = []
    for cls in (True, False):
        w = np.where(success == cls, weights, 0.0)
        per_class.append(np.add.reduceat(w, start, axis=1))
    return _auc_from_counts(per_class[0], per_class[1])


def rank_separation(ranks: np.ndarray, success: np.ndarray) -> RankSeparation:
    """Compare the ranks of accepted matches that succeeded with those that failed.

    ``success`` as in :func:`success_by_rank` (NaN = outcome unknown, left out).
    """
    ranks = as_ranks(ranks)
    success = np.asarray(success, dtype=np.float64)
    known = ~np.isnan(success)
    ranks, won = ranks[known], success[known] > 0.5
    distinct, column = np.unique(ranks, return_inverse=True)
    s_counts = np.bincount(column[won], minlength=distinct.size).astype(np.float64)
    f_counts = np.bincount(column[~won], minlength=distinct.size).astype(np.float64)
    auc = float(_auc_from_counts(s_counts, f_counts))

    def mean_finite(r: np.ndarray) -> float | None:
        finite = r[np.isfinite(r)]
        return float(finite.mean()) if finite.size else None

    def unranked(r: np.ndarray) -> float | None:
        return float(np.isinf(r).mean()) if r.size else None

    return RankSeparation(
        auc=None if np.isnan(auc) else auc,
        n_success=int(won.sum()),
        n_failure=int((~won).sum()),
        mean_rank_success=mean_finite(ranks[won]),
        mean_rank_failure=mean_finite(ranks[~won]),
        unranked_share_success=unranked(ranks[won]),
        unranked_share_failure=unranked(ranks[~won]),
    )


@dataclass(frozen=True, slots=True)
class Coverage:
    """Share of placements that were suggested at least once (``covered / total``)."""

    covered: int
    total: int
    share: float | None


def coverage(suggested_ids: np.ndarray, all_ids: np.ndarray) -> Coverage:
    """How many of ``all_ids`` (the placements open in the period) were ever suggested.

    ``suggested_ids`` may repeat and may hold ids outside ``all_ids`` (placements closed
    since); those are ignored, so the share never exceeds 1.
    """
    all_ids = np.unique(np.asarray(all_ids))
    hit = np.isin(all_ids, np.asarray(suggested_ids).ravel())
    covered = int(hit.sum())
    return Coverage(covered, int(all_ids.size), covered / all_ids.size if all_ids.size else None)


@dataclass(frozen=True, slots=True)
class Concentration:
    """How suggestion slots spread over departments.

    ``shares[i]`` is department ``department_ids[i]``'s share of all slots. ``hhi`` is the
    Herfindahl-Hirschman index ``sum(share**2)`` (1/n_departments when even, 1 when one
    department takes every slot). ``gini`` is the Gini coefficient of the slot counts
    (0 = even, approaching 1 when one department takes all); departments listed in
    ``all_department_ids`` that got no slot count with share 0.
    """

    department_ids: tuple[int, ...]
    slots: tuple[int, ...]
    shares: tuple[float, ...]
    hhi: float | None
    gini: float | None


def concentration(
    department_ids_of_suggestions: np.ndarray,
    all_department_ids: np.ndarray | None = None,
) -> Concentration:
    """Share of suggestion slots per department, with HHI and Gini.

    Parameters
    ----------
    department_ids_of_suggestions
        The department of every suggested slot (e.g. of each top-k entry of every
        decision, flattened).
    all_department_ids
        Every department that offers placements; without it departments never suggested
        are invisible and the Gini understates concentration.
    """
    ids = np.asarray(department_ids_of_suggestions).ravel()
    universe = np.unique(ids if all_department_ids is None else np.asarray(all_department_ids))
    if not np.isin(ids, universe).all():
        raise ValueError("a suggested department is missing from all_department_ids")
    slots = np.bincount(np.searchsorted(universe, ids), minlength=universe.size)
    total = slots.sum()
    shares = slots / total if total else np.zeros(universe.size)
    hhi = float(np.sum(shares**2)) if total else None
    # Gini via the sorted-values formula: G = sum((2i - n - 1) x_i) / (n sum x), i = 1..n.
    n = universe.size
    ordered = np.sort(slots).astype(np.float64)
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    gini = float(weights @ ordered / (n * total)) if total else None
    return Concentration(
        department_ids=tuple(int(d) for d in universe),
        slots=tuple(int(s) for s in slots),
        shares=tuple(float(s) for s in shares),
        hhi=hhi,
        gini=gini,
    )
