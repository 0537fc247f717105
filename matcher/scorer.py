"""The hand-weighted scorer, as a scikit-learn estimator.

A scorer maps the factor features of pairs (rows of ``pair_features(...).X``) to
per-factor contributions; the score is their sum. The policy scorer's contributions are
``X * weights``. Because it follows the estimator contract (keyword hyperparameters,
``fit`` returning self, learned attributes ending in ``_``), a learned model with the
same ``contributions``/``decision_function`` methods can replace it anywhere, and it
can be cloned, pickled and grid-searched.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from matcher.features import sum_contributions
from matcher.policy import FACTORS, Policy


class PolicyScorer(BaseEstimator):
    """Score = sum over factors of ``w_<factor> * feature``.

    Parameters
    ----------
    w_skills, w_interests, w_language, w_support, w_priority, w_commute, w_hours,
    w_capacity, w_scarcity : float
        Points per feature unit of each factor (see ``matcher/policies/default.toml``).

    Attributes
    ----------
    n_features_in_ : int
        Set by :meth:`fit`; always ``len(FACTORS)``.

    Notes
    -----
    Nothing is learned: ``fit`` only checks the shape. The scorer is usable without
    ``fit`` (``requires_fit`` is False in its tags) so ``PolicyScorer.from_policy(p)``
    ranks straight away.
    """

    def __init__(
        self,
        w_skills: float = 1.0,
        w_interests: float = 1.0,
        w_language: float = 1.0,
        w_support: float = 1.0,
        w_priority: float = 1.0,
        w_commute: float = 1.0,
        w_hours: float = 1.0,
        w_capacity: float = 1.0,
        w_scarcity: float = 1.0,
    ) -> None:
        self.w_skills = w_skills
        self.w_interests = w_interests
        self.w_language = w_language
        self.w_support = w_support
        self.w_priority = w_priority
        self.w_commute = w_commute
        self.w_hours = w_hours
        self.w_capacity = w_capacity
        self.w_scarcity = w_scarcity

    @classmethod
    def from_policy(cls, policy: Policy) -> PolicyScorer:
        """The scorer with the policy's weights."""
        return cls(**{f"w_{name}": value for name, value in policy.weights.as_dict().items()})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    @property
    def weights(self) -> np.ndarray:
        """The weights in FACTORS order (float64)."""
        return np.array([getattr(self, f"w_{name}") for name in FACTORS], dtype=np.float64)

    def fit(self, X, y=None) -> PolicyScorer:
        """Check that X has one column per factor; nothing is learned. Returns self."""
        X = validate_data(self, X, dtype=np.float64)
        self._check_width(X)
        return self

    def _check_width(self, X: np.ndarray) -> None:
        if X.shape[1] != len(FACTORS):
            raise ValueError(
                f"X has {X.shape[1]} features, but PolicyScorer is expecting "
                f"{len(FACTORS)} features as input (one per factor: {', '.join(FACTORS)})."
            )

    def _validated(self, X) -> np.ndarray:
        if hasattr(self, "n_features_in_"):
            check_is_fitted(self)
            return validate_data(self, X, dtype=np.float64, reset=False)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        self._check_width(X)
        return X

    def contributions(self, X) -> np.ndarray:
        """Per-factor contributions, ``X * weights`` (n_samples x n_factors)."""
        return self._validated(X) * self.weights

    def decision_function(self, X) -> np.ndarray:
        """Scores: the contributions summed in FACTORS order (n_samples,)."""
        return sum_contributions(self.contributions(X))

    def predict(self, X) -> np.ndarray:
        """Alias of :meth:`decision_function` (a score, not a class)."""
        return self.decision_function(X)
