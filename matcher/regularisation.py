"""Choosing a learned model's regularisation on its own training outcomes, by time.

``C`` (the factor weights) and ``department_C`` (the department effects) are inverse L2
strengths (:class:`matcher.learned.LearnedScorer`). Fixed numbers suit no municipality in
particular: with few outcomes the weights need shrinking, with departments that differ
much their effects need room. So they are chosen where the model is trained: fitted on the
earliest ``1 - VALIDATION_SHARE`` of the training rows and judged by log-loss on the
latest share, the same direction in time as the cut itself (matcher.training).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.metrics import log_loss

from matcher.learned import LearnedScorer

__all__ = ["Regularisation", "choose_regularisation"]

#: the strengths :func:`choose_regularisation` chooses from (inverse L2, as in scikit-learn)
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
DEPARTMENT_C_GRID = (0.01, 0.05, 0.2, 1.0)
#: the latest share of the training rows that judges the strengths
VALIDATION_SHARE = 0.25
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
) -> Regularisation:
    """The ``C`` and ``department_C`` with the lowest log-loss on the latest training rows.

    ``X`` holds prediction features, ``y`` 0/1 outcomes, ``order`` each row's moment
    (rows are sorted by it, stably; earlier rows fit, the latest ``VALIDATION_SHARE``
    judge). Ties keep the earlier grid entry. Without departments only ``C`` is chosen.
    Too few validation outcomes, or one class only on either side: the defaults.
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    rows = np.argsort(np.asarray(order), kind="stable")
    n_fit = int(round(len(rows) * (1 - VALIDATION_SHARE)))
    fit, judge = rows[:n_fit], rows[n_fit:]
    usable = (
        judge.size >= MIN_VALIDATION
        and 0 < y[judge].sum() < judge.size
        and 0 < y[fit].sum() < fit.size
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
            model = LearnedScorer(C=C, department_C=department_C).fit(
                X[fit], y[fit], departments=None if d is None else d[fit]
            )
            z = model.decision_function(X[judge])
            if d is not None:
                z = z + model.department_offsets(d[judge])
            loss = float(log_loss(y[judge], expit(z), labels=[0, 1]))
            if best is None or loss < best.validation_log_loss:
                best = Regularisation(C, department_C, loss, int(judge.size))
    return best
