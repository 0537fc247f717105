"""Outcome, coverage and concentration metrics for replayed decisions.

Ranks follow :mod:`matcher.metrics`: 1-based, ``np.inf`` for an accepted placement the
scorer did not rank. ``success`` arrays hold 1/True (the placement succeeded, by the
outcome the evaluator chose: completed, or self-supporting after 6 months...), 0/False
(it failed) or NaN (outcome not known yet; such rows are left out).

Summaries are frozen dataclasses whose fields are plain ``int``/``float``/``str``/tuples,
so ``dataclasses.asdict`` gives a JSON-ready dict; ``None`` marks an undefined value (an
empty bin, a class with no members) rather than NaN, which JSON lacks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.metrics import as_ranks

__all__ = [
    "Concentration",
    "Coverage",
    "RankBins",
    "RankSeparation",
    "concentration",
    "coverage",
    "rank_auc_statistic",
    "rank_separation",
    "success_by_rank",
]


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
