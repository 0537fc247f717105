"""The hand-weighted policy as a scorer of the log-odds of success (scikit-learn estimator).

A scorer sees the prediction columns of ``pair_features(...).X`` (``X[:, :N_PREDICTORS]``,
see :func:`matcher.features.predictors`) and predicts the log-odds that the placement
succeeds (success: :mod:`matcher.calibration`)::

    log-odds = intercept + sum over prediction factors f of scale * weight[f] * feature[f]

Each factor's **contribution** is ``scale * weight[f] * feature[f]`` (log-odds points) and
the contributions plus the intercept add up to the log-odds. The weights are the
policy's, justified from practice (``matcher/policies/default.toml``); only ``intercept``
and ``scale`` are ever fitted to outcomes, by :func:`matcher.calibration.fit_calibration`
(until then, the policy's documented prior intercept and scale 1).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from matcher.factor_registry import PREDICTORS
from matcher.features import sum_contributions
from matcher.policy import Policy


class PolicyScorer(BaseEstimator):
    """Log-odds of success from the hand weights, calibrated by an intercept and a scale.

    Parameters
    ----------
    weights : tuple of float or None
        Log-odds per feature unit, one per prediction factor (:data:`PREDICTORS` order).
        None: weight 1 for every column of whatever width ``fit`` (or the first call)
        sees, the neutral scorer.
    intercept : float
        Log-odds of a pair whose features are all 0.
    scale : float
        Multiplies every weight (>= 0): what calibration fits besides the intercept.
    calibration_n : int
        How many logged outcomes ``intercept`` and ``scale`` rest on (0: the prior).

    Attributes
    ----------
    n_features_in_ : int
        Set by :meth:`fit`.

    Notes
    -----
    Nothing is learned from ``X``: ``fit`` checks the shape (and ignores ``y``; calibration
    is :mod:`matcher.calibration`'s). The scorer works without ``fit`` (``requires_fit``
    is False in its tags), so ``PolicyScorer.from_policy(p)`` ranks straight away.
    """

    def __init__(
        self,
        weights: tuple[float, ...] | None = None,
        intercept: float = 0.0,
        scale: float = 1.0,
        calibration_n: int = 0,
    ) -> None:
        self.weights = weights
        self.intercept = intercept
        self.scale = scale
        self.calibration_n = calibration_n

    @classmethod
    def from_policy(
        cls, policy: Policy, *, intercept: float | None = None, scale: float = 1.0, n: int = 0
    ) -> PolicyScorer:
        """The policy's weights with its prior intercept, or a fitted calibration's."""
        return cls(
            weights=tuple(policy.prediction_weights.tolist()),
            intercept=policy.scale.prior_intercept if intercept is None else float(intercept),
            scale=float(scale),
            calibration_n=int(n),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    def _weights(self, width: int) -> np.ndarray:
        if self.weights is None:
            return np.ones(width, dtype=np.float64)
        weights = np.asarray(self.weights, dtype=np.float64)
        if width != weights.size:
            names = ", ".join(PREDICTORS) if weights.size == len(PREDICTORS) else "its weights"
            raise ValueError(
                f"X has {width} features, but PolicyScorer is expecting {weights.size} "
                f"features as input (one per prediction factor: {names})."
            )
        return weights

    def fit(self, X, y=None) -> PolicyScorer:
        """Check X (one column per weight); nothing is learned. Returns self."""
        X = validate_data(self, X, dtype=np.float64)
        self._weights(X.shape[1])
        return self

    def _validated(self, X) -> np.ndarray:
        if hasattr(self, "n_features_in_"):
            check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        self._weights(X.shape[1])
        return X

    def coefficients(self, width: int | None = None) -> tuple[float, np.ndarray]:
        """(intercept, log-odds per feature unit): the engine's fast path."""
        if width is None:
            width = getattr(self, "n_features_in_", len(PREDICTORS))
        return float(self.intercept), self.scale * self._weights(width)

    @property
    def baseline(self) -> float:
        """The intercept: the log-odds every pair starts from."""
        return float(self.intercept)

    def contributions(self, X) -> np.ndarray:
        """Per-factor log-odds contributions, ``X * scale * weights`` (n_samples x n_factors)."""
        X = self._validated(X)
        return X * self.coefficients(X.shape[1])[1]

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of success: the intercept plus the contributions in factor order."""
        return self.intercept + sum_contributions(self.contributions(X))

    def predict_proba(self, X) -> np.ndarray:
        """Columns P(failure), P(success)."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """Alias of :meth:`decision_function` (the log-odds, not a class)."""
        return self.decision_function(X)
