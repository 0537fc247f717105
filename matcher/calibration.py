"""Calibration: the hand policy's log-odds made honest by two numbers fitted to outcomes.

**Success** (defined once, for calibration, training and evaluation): an accepted
placement succeeds when any of its outcomes is ``completed``, ``regular_job``,
``studies``, ``self_supporting_6m`` or ``self_supporting_12m``; it fails when its only
known outcome is ``ended_early`` (``models.match.SUCCESS_OUTCOMES``; the labels are
built by :func:`matcher.training.outcome_labels`).

The hand policy's weights are the municipality's, stated as log-odds effects from
practice; calibration fits **only** an intercept ``a`` and an overall scale ``b``
(Platt scaling on the hand score as the single feature)::

    log-odds(success) = a + b * sum(weight[f] * feature[f])

on the accepted decisions before a time cut whose outcomes were known by then (the
same cut as training, :func:`matcher.training.split_by_cut`), so nothing after the cut
leaks in. ``b`` is kept at 0 or above: calibration may say the score separates less than
its weights claim, never turn the order the policy states upside down. Without
outcomes the scorer uses the policy's documented ``[scale] prior_intercept`` and
``b = 1``, with ``n = 0`` shown beside each probability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.linear_model import LogisticRegression

from matcher.features import predictors, sum_contributions
from matcher.policy import Policy
from matcher.scorer import PolicyScorer

if TYPE_CHECKING:
    from matcher.training import Split

__all__ = ["Calibration", "calibrate_at_cut", "calibrated_scorer", "fit_calibration", "prior"]


@dataclass(frozen=True, slots=True)
class Calibration:
    """``intercept`` and ``scale`` of the hand score, and the ``n`` outcomes they rest on."""

    intercept: float
    scale: float
    n: int
    successes: int


def prior(policy: Policy) -> Calibration:
    """The uncalibrated policy: its prior intercept, scale 1, resting on no outcome."""
    return Calibration(policy.scale.prior_intercept, 1.0, 0, 0)


def hand_score(X: np.ndarray, policy: Policy) -> np.ndarray:
    """``sum(weight[f] * feature[f])`` over the prediction factors (no intercept)."""
    X = predictors(np.asarray(X, dtype=np.float64))
    return sum_contributions(X * policy.prediction_weights)


def fit_calibration(score: np.ndarray, y: np.ndarray) -> Calibration:
    """Fit ``a + b * score`` to 0/1 outcomes by maximum likelihood (``b`` kept >= 0).

    ``ValueError`` when the outcomes hold one class only (nothing to calibrate on).
    """
    score = np.asarray(score, dtype=np.float64).reshape(-1, 1)
    y = np.asarray(y, dtype=np.int64)
    if y.size == 0 or y.min() == y.max():
        raise ValueError("calibration needs both successes and failures among the outcomes")
    model = LogisticRegression(C=1e6, max_iter=1000).fit(score, y)
    scale = float(model.coef_[0, 0])
    if scale < 0:
        # keep the policy's order: refit the intercept alone (the observed base rate)
        scale = 0.0
        rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        intercept = float(np.log(rate / (1 - rate)))
    else:
        intercept = float(model.intercept_[0])
    return Calibration(intercept, scale, int(y.size), int(y.sum()))


def calibrate_at_cut(X: np.ndarray, split: Split, policy: Policy) -> Calibration:
    """Calibrate on the training side of a time cut (rows ``split.train`` of ``X``)."""
    X = np.asarray(X, dtype=np.float64)
    return fit_calibration(hand_score(X[split.train], policy), split.y_train)


def calibrated_scorer(policy: Policy, calibration: Calibration | None = None) -> PolicyScorer:
    """The policy's scorer with ``calibration`` (default: the prior)."""
    c = calibration or prior(policy)
    return PolicyScorer.from_policy(policy, intercept=c.intercept, scale=c.scale, n=c.n)
