"""Choosing a learned model's regularisation on its own training outcomes, by time.

``C`` (the factor weights) and ``department_C`` (the department effects) are inverse L2
strengths (:class:`matcher.learned.LearnedScorer`). Fixed numbers suit no municipality in
particular: with few outcomes the weights need shrinking, with departments that differ
much their effects need room. So they are chosen where the model is trained, by rolling-origin
validation in the same direction in time as the cut itself (matcher.training): the
latest ``VALIDATION_SHARE`` of the training rows is cut into ``VALIDATION_FOLDS``
consecutive blocks, each judged by log-loss after fitting on every row before it
(scikit-learn's ``TimeSeriesSplit``), and the strengths with the lowest log-loss over all
judged rows win. One judged block of ~100 outcomes chose erratically (on the demo
histories of seeds 7-12 the chosen department strength swung between the grid's ends from
one cut to the next); three blocks average that noise out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.metrics import log_loss
from sklearn.model_selection import TimeSeriesSplit

from matcher.learned import LearnedScorer

__all__ = ["Regularisation", "choose_regularisation"]

#: the strengths :func:`choose_regularisation` chooses from (inverse L2, as in scikit-learn)
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
DEPARTMENT_C_GRID = (0.01, 0.05, 0.2, 1.0)
#: the latest share of the training rows that judges the strengths ...
VALIDATION_SHARE = 0.5
#: ... in this many consecutive blocks, each fitted on all rows before it
VALIDATION_FOLDS = 3
#: fewer validation outcomes than this (or one class only): keep the defaults
MIN_VALIDATION = 30
DEFAULT_C, DEFAULT_DEPARTMENT_C = 1.0, 0.05


@dataclass(frozen=True, slots=True)
class Regularisation:
    """The strengths a learned model was fitted with, and how they were chosen.

    ``validation_log_loss`` is None when they were not chosen by validation (fixed by the
    caller, or too few validation outcomes: then the defaults)."""

    C: float
    department_C: float
    validation_log_loss: float | None = None
    n_validation: int = 0


def choose_regularisation(
    X: np.ndarray,
    y: np.ndarray,
    order: np.ndarray,
    departments: np.ndarray | None = None,
    *,
    C_grid: tuple[float, ...] = C_GRID,
    department_C_grid: tuple[float, ...] = DEPARTMENT_C_GRID,
    prior_weights: np.ndarray | None = None,
) -> Regularisation:
    """The ``C`` and ``department_C`` with the lowest log-loss on the latest training rows.

    ``X`` holds prediction features, ``y`` 0/1 outcomes, ``order`` each row's moment
    (rows are sorted by it, stably; the latest ``VALIDATION_SHARE`` judge, block by
    block, each block fitted on all rows before it). Ties keep the earlier grid entry.
    Without departments only ``C`` is chosen. Too few validation outcomes, or one class
    only among the judged rows or in a block's fitting rows: the defaults.
    ``prior_weights``: what the weights are shrunk towards (:class:`LearnedScorer`).
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    rows = np.argsort(np.asarray(order), kind="stable")
    block = int(round(len(rows) * VALIDATION_SHARE / VALIDATION_FOLDS))
    folds = []
    if block > 0 and len(rows) > block * VALIDATION_FOLDS:
        splitter = TimeSeriesSplit(n_splits=VALIDATION_FOLDS, test_size=block)
        folds = [(rows[a], rows[b]) for a, b in splitter.split(rows)]
    judged = np.concatenate([judge for _, judge in folds]) if folds else rows[:0]
    usable = (
        judged.size >= MIN_VALIDATION
        and 0 < y[judged].sum() < judged.size
        and all(0 < y[fit].sum() < fit.size for fit, _ in folds)
    )
    if not usable:  # a single-entry grid is the caller's fixed strength
        return Regularisation(
            C_grid[0] if len(C_grid) == 1 else DEFAULT_C,
            department_C_grid[0] if len(department_C_grid) == 1 else DEFAULT_DEPARTMENT_C,
        )
    grid_d = department_C_grid if departments is not None else (DEFAULT_DEPARTMENT_C,)
    d = None if departments is None else np.asarray(departments)
    best: Regularisation | None = None
    for C in C_grid:
        for department_C in grid_d:
            z = np.empty(judged.size)
            at = 0
            for fit, judge in folds:
                model = LearnedScorer(
                    C=C, department_C=department_C, prior_weights=prior_weights
                ).fit(X[fit], y[fit], departments=None if d is None else d[fit])
                z_block = model.decision_function(X[judge])
                if d is not None:
                    z_block = z_block + model.department_offsets(d[judge])
                z[at : at + judge.size] = z_block
                at += judge.size
            loss = float(log_loss(y[judged], expit(z), labels=[0, 1]))
            if best is None or loss < best.validation_log_loss:
                best = Regularisation(C, department_C, loss, int(judged.size))
    return best
