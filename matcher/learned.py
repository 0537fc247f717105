"""A scorer learned from outcomes: calibrated logistic regression on the factor features.

Why this model. A caseworker must be able to ask "why is this first?" of a learned score
as of the hand-weighted one, so the model is linear in the engine's own factor features
(the columns of ``pair_features(...).X``, in :data:`matcher.FACTORS` order):

    log-odds(success) = intercept_ + sum over factors f of coef_[f] * feature[f]

Each factor's **contribution** is ``coef_[f] * feature[f]`` (log-odds points), exactly as
the policy's is ``weight[f] * feature[f]``; the engine ranks with
``sum(contributions)`` unchanged. The **intercept** is the same for every pair, so it
never reorders a list; it is reported separately (``intercept_``) and enters only the
probability: ``decision_function = intercept_ + sum(contributions)`` (the log-odds, as
for any scikit-learn classifier) and ``predict_proba = sigmoid(decision_function)``.

Calibration. Logistic regression minimises the log-loss, so its probabilities are
calibrated on the log-odds scale by construction (no separate calibration map, which
would break the exact per-factor decomposition); :mod:`matcher.training` checks it on
held-out outcomes with the Brier score and a reliability curve.

Fitting. Features are standardised inside ``fit`` so the L2 penalty (``C``) treats every
factor alike; the coefficients are mapped back to raw feature units afterwards, so
``contributions`` needs no scaling and reads in the factors' own units. A factor with no
variance in the training data (scarcity without planner prices) gets coefficient 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from matcher.features import sum_contributions
from matcher.policy import FACTORS


class LearnedScorer(ClassifierMixin, BaseEstimator):
    """P(success) of a pair from its factor features, explained factor by factor.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength on the standardised features (as in
        ``LogisticRegression``); smaller means coefficients closer to 0.
    max_iter : int
        Iterations of the L-BFGS solver.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Log-odds points per raw feature unit, one per factor.
    intercept_ : float
        Log-odds of a pair whose features are all 0 (reported, never ranked on).
    classes_ : ndarray of shape (2,)
        The two outcome labels (0 = failed, 1 = succeeded), sorted.
    factors_ : tuple of str
        Factor names of the columns: :data:`FACTORS` when there are nine, else ``x0..``.
    n_features_in_ : int
    n_iter_ : ndarray
        Solver iterations (from ``LogisticRegression``).
    """

    def __init__(self, C: float = 1.0, max_iter: int = 1000) -> None:
        self.C = C
        self.max_iter = max_iter

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # success or not
        return tags

    def fit(self, X, y, sample_weight=None) -> LearnedScorer:
        """Fit on factor features ``X`` and 0/1 outcomes ``y``; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size > 2:
            raise ValueError(
                f"Only binary classification is supported (success or not); got {classes.size}"
                " classes"
            )
        if classes.size < 2:
            raise ValueError("outcomes hold one class only: need successes and failures")
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
            if not sample_weight.sum() > 0:
                raise ValueError("sample weights are all zero: nothing to fit")
        # Weighted moments, so weights act exactly like repeated rows.
        mean = np.average(X, axis=0, weights=sample_weight)
        scale = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=sample_weight))
        varies = scale > 1e-12
        scale = np.where(varies, scale, 1.0)
        model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        model.fit((X - mean) / scale, y, sample_weight=sample_weight)
        coef = np.where(varies, model.coef_[0] / scale, 0.0)
        self.coef_ = coef
        self.intercept_ = float(model.intercept_[0] - coef @ mean)
        self.classes_ = model.classes_
        self.n_iter_ = model.n_iter_
        self.factors_ = _factor_names(X.shape[1])
        return self

    @classmethod
    def from_coefficients(
        cls,
        coef: Sequence[float],
        intercept: float,
        *,
        classes: Sequence = (0, 1),
        C: float = 1.0,
        max_iter: int = 1000,
    ) -> LearnedScorer:
        """A fitted scorer from stored coefficients (the model registry keeps these)."""
        scorer = cls(C=C, max_iter=max_iter)
        scorer.coef_ = np.asarray(coef, dtype=np.float64).copy()
        scorer.intercept_ = float(intercept)
        scorer.classes_ = np.asarray(classes)
        scorer.n_features_in_ = scorer.coef_.size
        scorer.n_iter_ = np.zeros(1, dtype=np.int32)
        scorer.factors_ = _factor_names(scorer.coef_.size)
        return scorer

    def _validated(self, X) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float64, reset=False)

    @property
    def weights(self) -> np.ndarray:
        """The coefficients, named as the policy scorer's weights (the engine's fast path)."""
        check_is_fitted(self)
        return self.coef_

    def contributions(self, X) -> np.ndarray:
        """Per-factor log-odds contributions ``X * coef_`` (n_samples x n_factors)."""
        return self._validated(X) * self.coef_

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of success: ``intercept_ + sum(contributions)`` (added in factor order)."""
        check_is_fitted(self)
        return self.intercept_ + sum_contributions(self.contributions(X))

    def predict_proba(self, X) -> np.ndarray:
        """Columns P(failure), P(success), calibrated by the log-loss fit."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X) -> np.ndarray:
        """The likelier outcome label."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def explain(self, x: Sequence[float]) -> dict[str, float]:
        """One pair's contributions by factor name (they add up to the ranking score)."""
        row = self.contributions(np.asarray(x, dtype=np.float64).reshape(1, -1))[0]
        return dict(zip(self.factors_, row.tolist(), strict=True))


def _factor_names(n: int) -> tuple[str, ...]:
    return tuple(FACTORS) if n == len(FACTORS) else tuple(f"x{j}" for j in range(n))
