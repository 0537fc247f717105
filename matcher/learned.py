"""A scorer learned from outcomes: logistic regression on the prediction features.

Why this model. A caseworker must be able to ask "why is this first?" of a learned score
as of the hand-weighted one, so the model is linear in the engine's own prediction
features (``predictors(pair_features(...).X)``, in :data:`matcher.PREDICTORS` order,
which include the interactions the domain names: parents x hours, parents x commute):

    log-odds(success) = intercept_ + sum over prediction factors f of coef_[f] * feature[f]

It predicts the log-odds of success (success: :mod:`matcher.calibration`) on the same
scale as the calibrated hand policy, and nothing else: the policy adjustments
(priority, capacity, scarcity) are never among its inputs, so activating a model can
never fit them away. Each factor's **contribution** is ``coef_[f] * feature[f]``;
``decision_function = intercept_ + sum(contributions)`` and ``predict_proba =
sigmoid(decision_function)``.

Calibration. Logistic regression minimises the log-loss, so its probabilities are
calibrated on the log-odds scale by construction (no separate calibration map, which
would break the exact per-factor decomposition); :mod:`matcher.training` checks it on
held-out outcomes with the Brier score and a reliability curve.

Department effects. Workplaces differ in how well placements go beyond what the factors
see (a department's culture, its supervisors). ``fit(..., departments=...)`` adds one
log-odds effect per department, shrunk towards 0 much harder than the factor weights
(``department_C``, an L2 penalty of its own), so a department with few outcomes keeps an
effect near 0 and one never seen gets exactly 0 (the effects are centred on the rows
fitted, their mean moved into the intercept). The engine adds a placement's department
effect to its log-odds and shows it as the ``department`` contribution.

Prior: the municipality's policy. Without a prior the L2 penalty pulls every weight
towards 0, as if nothing were known before the outcomes. But the hand policy states, from
practice, which way and how strongly each factor moves the odds, so a few hundred outcomes
should *correct* it, not start from nothing. ``prior_weights`` (the hand policy's
log-odds per feature unit, :attr:`matcher.policy.Policy.prediction_weights`) centres the
penalty on the policy's direction instead: the model is

    log-odds = intercept + s * sum(prior_weights[f] * feature[f]) + sum(delta[f] * feature[f])

with the scale ``s`` left (almost) free — it is the calibration of the hand policy,
fitted jointly — and the deviations ``delta`` penalised by ``C``. Small ``C`` gives the
calibrated hand policy back, large ``C`` the unrestricted fit; :mod:`matcher.regularisation`
chooses between them on the training outcomes by time. The coefficients are still one
weight per factor (``coef_ = s * prior_weights + delta``), so contributions, explanations
and the registry are unchanged; ``prior_scale_`` reports ``s``. (This is the Gaussian
prior N(s * prior_weights, C) on the weights, fitted with scikit-learn's own solver:
the policy's score enters as one more column, stretched so that its penalty is
``PRIOR_SCALE_C`` whatever ``C`` — the same device as the department effects' own strength.)

Fitting. Features are standardised inside ``fit`` so the L2 penalty (``C``) treats every
factor alike; the coefficients are mapped back to raw feature units afterwards, so
``contributions`` needs no scaling and reads in the factors' own units. A factor with no
variance in the training data (scarcity without planner prices) keeps the prior's
weight (``s * prior_weights``; 0 without a prior): the outcomes say nothing about it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from matcher.factor_registry import PREDICTORS
from matcher.features import sum_contributions

#: inverse L2 strength of the prior's scale (on the standardised policy score), whatever
#: ``C``: so weak that a few dozen outcomes set the scale, as calibration would
PRIOR_SCALE_C = 100.0


class LearnedScorer(ClassifierMixin, BaseEstimator):
    """P(success) of a pair from its factor features, explained factor by factor.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength on the standardised features (as in
        ``LogisticRegression``); smaller means coefficients closer to 0.
    max_iter : int
        Iterations of the L-BFGS solver.
    department_C : float
        Inverse L2 strength of the per-department effects (used only when ``fit`` is
        given ``departments``); smaller than ``C`` so they are regularised harder.
    prior_weights : array-like of shape (n_features,) or None
        Log-odds per raw feature unit the weights are shrunk towards, up to a fitted
        scale (the hand policy's prediction weights); None shrinks towards 0.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        Log-odds points per raw feature unit, one per factor.
    intercept_ : float
        Log-odds of a pair whose features are all 0 (reported, never ranked on).
    classes_ : ndarray of shape (2,)
        The two outcome labels (0 = failed, 1 = succeeded), sorted.
    factors_ : tuple of str
        Factor names of the columns: :data:`PREDICTORS` when the width matches, else ``x0..``.
    department_effect_ : dict of int to float
        Log-odds effect per department id seen in ``fit`` (empty without departments).
    n_outcomes_ : int
        How many outcomes the fit rests on (``calibration_n`` reads it).
    prior_scale_ : float
        The fitted scale ``s`` of ``prior_weights`` (0.0 without a prior).
    n_features_in_ : int
    n_iter_ : ndarray
        Solver iterations (from ``LogisticRegression``).
    """

    def __init__(
        self,
        C: float = 1.0,
        max_iter: int = 1000,
        department_C: float = 0.05,
        prior_weights=None,
    ) -> None:
        self.C = C
        self.max_iter = max_iter
        self.department_C = department_C
        self.prior_weights = prior_weights

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # success or not
        return tags

    def fit(self, X, y, sample_weight=None, departments=None) -> LearnedScorer:
        """Fit on prediction features ``X`` and 0/1 outcomes ``y`` (and each row's
        department id, for department effects); returns self."""
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
        Z = (X - mean) / scale
        prior, prior_unit = self._prior(X.shape[1]), 0.0
        if prior is not None:
            h = X @ prior
            h_mean = np.average(h, weights=sample_weight)
            h_scale = np.sqrt(np.average((h - h_mean) ** 2, weights=sample_weight))
            if h_scale > 1e-12:
                # one more column, its penalty of its own (as the department effects')
                prior_unit = np.sqrt(PRIOR_SCALE_C / self.C) / h_scale
                Z = np.hstack([Z, ((h - h_mean) * prior_unit)[:, None]])
        if departments is not None:
            departments = np.asarray(departments, dtype=np.int64).reshape(-1)
            if departments.shape[0] != X.shape[0]:
                raise ValueError("departments must give one department id per row of X")
            ids, codes = np.unique(departments, return_inverse=True)
            # scaling a column by s weakens its L2 penalty by s**2: C_dept = s**2 * C
            stretch = np.sqrt(self.department_C / self.C)
            onehot = np.zeros((X.shape[0], ids.size))
            onehot[np.arange(X.shape[0]), codes] = stretch
            Z = np.hstack([Z, onehot])
        model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        model.fit(Z, y, sample_weight=sample_weight)
        weights = model.coef_[0]
        n = X.shape[1]
        coef = np.where(varies, weights[:n] / scale, 0.0)
        self.prior_scale_ = 0.0
        if prior_unit:
            self.prior_scale_ = float(weights[n] * prior_unit)
            coef = coef + self.prior_scale_ * prior
            n += 1
        centre, self.department_effect_ = 0.0, {}
        if departments is not None:
            effects = weights[n:] * stretch
            centre = float(np.average(effects[codes], weights=sample_weight))
            self.department_effect_ = {
                int(d): float(e - centre) for d, e in zip(ids, effects, strict=True)
            }
        self.coef_ = coef
        self.intercept_ = float(model.intercept_[0] - coef @ mean + centre)
        self.classes_ = model.classes_
        self.n_iter_ = model.n_iter_
        self.factors_ = _factor_names(X.shape[1])
        self.n_outcomes_ = int(X.shape[0])
        return self

    def _prior(self, width: int) -> np.ndarray | None:
        if self.prior_weights is None:
            return None
        prior = np.asarray(self.prior_weights, dtype=np.float64).reshape(-1)
        if prior.size != width:
            raise ValueError(f"prior_weights has {prior.size} weights, but X has {width} features")
        if not np.all(np.isfinite(prior)):
            raise ValueError("prior_weights must be finite")
        return prior

    @classmethod
    def from_coefficients(
        cls,
        coef: Sequence[float],
        intercept: float,
        *,
        classes: Sequence = (0, 1),
        C: float = 1.0,
        max_iter: int = 1000,
        n_outcomes: int = 0,
        department_effect: dict | None = None,
    ) -> LearnedScorer:
        """A fitted scorer from stored coefficients (the model registry keeps these)."""
        scorer = cls(C=C, max_iter=max_iter)
        scorer.department_effect_ = {int(d): float(e) for d, e in (department_effect or {}).items()}
        scorer.coef_ = np.asarray(coef, dtype=np.float64).copy()
        scorer.intercept_ = float(intercept)
        scorer.classes_ = np.asarray(classes)
        scorer.n_features_in_ = scorer.coef_.size
        scorer.n_iter_ = np.zeros(1, dtype=np.int32)
        scorer.factors_ = _factor_names(scorer.coef_.size)
        scorer.n_outcomes_ = int(n_outcomes)
        return scorer

    def _validated(self, X) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float64, reset=False)

    def coefficients(self, width: int | None = None) -> tuple[float, np.ndarray]:
        """(intercept, log-odds per feature unit): the engine's fast path."""
        check_is_fitted(self)
        if width is not None and width != self.coef_.size:
            raise ValueError(f"X has {width} features, but the model has {self.coef_.size}")
        return self.intercept_, self.coef_

    @property
    def baseline(self) -> float:
        check_is_fitted(self)
        return self.intercept_

    def department_offsets(self, departments: np.ndarray) -> np.ndarray:
        """The department effect of each row's department (0 for one never seen)."""
        check_is_fitted(self)
        effects = self.department_effect_
        return np.fromiter(
            (effects.get(int(d), 0.0) for d in departments),
            dtype=np.float64,
            count=len(departments),
        )

    @property
    def calibration_n(self) -> int:
        """How many outcomes its probabilities rest on (its training rows)."""
        return getattr(self, "n_outcomes_", 0)

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
        """One pair's contributions by factor name (with ``intercept_``, the log-odds)."""
        row = self.contributions(np.asarray(x, dtype=np.float64).reshape(1, -1))[0]
        return dict(zip(self.factors_, row.tolist(), strict=True))


def _factor_names(n: int) -> tuple[str, ...]:
    return tuple(PREDICTORS) if n == len(PREDICTORS) else tuple(f"x{j}" for j in range(n))
