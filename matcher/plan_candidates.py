"""Candidate pruning of a dense cohort: each participant's and each placement's best pairs.

A cohort of 20,000 x 5,000 has about 45 million eligible pairs; the planner solves on
the kept ones and :mod:`matcher.plan_certify` proves (or repairs) the result for all.
"""

from __future__ import annotations

import numpy as np

#: Participants (rows) pruned at a time: bounds the temporary memory of candidate_mask.
CANDIDATE_ROWS = 1024


def candidate_mask(
    scores: np.ndarray, eligible: np.ndarray, top_n: int | None, top_per_placement: int | None
) -> np.ndarray:
    """The eligible pairs kept by pruning (see :meth:`CohortProblem.from_dense`)."""
    return candidates(scores, eligible, top_n, top_per_placement)[0]


def candidates(
    scores: np.ndarray, eligible: np.ndarray, top_n: int | None, top_per_placement: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs kept by pruning, and per participant a bound on the score of the rest.

    The bound is the lowest score among the participant's ``top_n`` kept (``inf`` when
    ``top_n`` is None; ``-inf`` when every eligible pair is kept): no eligible pair left
    out scores more, which lets :mod:`matcher.plan_certify` skip most pairs when it
    prices them out. Ties are broken arbitrarily but repeatably. Done in blocks of
    rows, so that each selection runs over contiguous memory: the best ``top_n`` of each
    row, and each column's best ``top_per_placement`` within the block, merged at the
    end (a whole-matrix ``argpartition``, and one over the transposed matrix, took 13 s
    of the 20,000 x 5,000 plan; the blocks take about 3 s).
    """
    n, m = eligible.shape
    row_cut = np.full(n, np.inf)
    if top_n is None and top_per_placement is None:
        return eligible.copy(), np.full(n, -np.inf)
    keep = np.zeros_like(eligible)
    column_cost, column_row = [], []
    for start in range(0, n, CANDIDATE_ROWS):
        rows = slice(start, min(start + CANDIDATE_ROWS, n))
        cost = np.where(eligible[rows], scores[rows], -np.inf)
        np.negative(cost, out=cost)  # best first
        if top_n is not None:
            best = _smallest(cost, top_n)
            np.put_along_axis(keep[rows], best, True, axis=1)
            chosen = np.take_along_axis(cost, best, axis=1)
            row_cut[rows] = -chosen.max(axis=1, initial=-np.inf)
        if top_per_placement is not None:
            by_placement = np.ascontiguousarray(cost.T)
            best = _smallest(by_placement, top_per_placement)
            column_cost.append(np.take_along_axis(by_placement, best, axis=1))
            column_row.append(best + start)
    if top_per_placement is not None and top_per_placement > 0 and n > 0:
        cost, row = np.hstack(column_cost), np.hstack(column_row)
        best = _smallest(cost, top_per_placement)
        row, cost = np.take_along_axis(row, best, 1), np.take_along_axis(cost, best, 1)
        listed = np.isfinite(cost)
        keep[row[listed], np.nonzero(listed)[0]] = True
    return keep & eligible, row_cut


def _smallest(cost: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` smallest entries of each row (all when k >= width)."""
    width = cost.shape[1]
    if k <= 0 or width == 0:
        return np.zeros((len(cost), 0), dtype=np.intp)
    if k >= width:
        return np.broadcast_to(np.arange(width), cost.shape).copy()
    return np.argpartition(cost, k - 1, axis=1)[:, :k]
