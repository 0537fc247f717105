"""PolicyScorer follows scikit-learn's estimator contract and predicts log-odds."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from matcher import PREDICTORS, PolicyScorer, load_policy
from matcher.features import sum_contributions


# The neutral instance (weights=None: weight 1 per column of whatever width it sees) is
# the class the engine uses with the policy's weights; every common check runs on it, with
# no expected failure. The policy instance is checked on prediction-shaped data below.
@parametrize_with_checks([PolicyScorer()])
def test_sklearn_common_checks(estimator, check):
    check(estimator)


def _features(n: int = 30) -> np.ndarray:
    return np.random.default_rng(7).normal(size=(n, len(PREDICTORS)))


def test_contract_on_prediction_shaped_data():
    policy = load_policy()
    scorer = PolicyScorer.from_policy(policy)
    X = _features()
    assert scorer.fit(X) is scorer and scorer.n_features_in_ == len(PREDICTORS)
    log_odds = scorer.decision_function(X)
    np.testing.assert_array_equal(scorer.predict(X), log_odds)
    np.testing.assert_array_equal(scorer.fit(X).decision_function(X), log_odds)  # idempotent
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_array_equal(scorer.decision_function(X[order]), log_odds[order])
    np.testing.assert_array_equal(scorer.decision_function(X[:5]), log_odds[:5])
    np.testing.assert_array_equal(scorer.decision_function(np.asfortranarray(X)), log_odds)
    restored = pickle.loads(pickle.dumps(scorer))
    np.testing.assert_array_equal(restored.decision_function(X), log_odds)
    cloned = clone(scorer)
    assert cloned.get_params() == scorer.get_params() and not hasattr(cloned, "n_features_in_")
    with pytest.raises(ValueError, match="NaN"):
        scorer.decision_function(np.full((2, len(PREDICTORS)), np.nan))
    with pytest.raises(ValueError, match=f"expecting {len(PREDICTORS)} features"):
        PolicyScorer.from_policy(policy).decision_function(X[:, :3])


def test_contributions_are_scale_times_weights_and_add_up_with_the_intercept():
    policy = load_policy()
    scorer = PolicyScorer.from_policy(policy, intercept=-0.4, scale=0.5, n=120)
    X = _features(4)
    np.testing.assert_array_equal(scorer.contributions(X), X * 0.5 * policy.prediction_weights)
    np.testing.assert_array_equal(
        scorer.decision_function(X), -0.4 + sum_contributions(scorer.contributions(X))
    )
    p = scorer.predict_proba(X)
    np.testing.assert_allclose(p[:, 1], 1 / (1 + np.exp(-scorer.decision_function(X))))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert scorer.get_params() == {
        "weights": tuple(policy.prediction_weights.tolist()),
        "intercept": -0.4,
        "scale": 0.5,
        "calibration_n": 120,
    }


def test_the_uncalibrated_policy_uses_the_documented_prior_intercept():
    policy = load_policy()
    scorer = PolicyScorer.from_policy(policy)
    assert (scorer.intercept, scorer.scale, scorer.calibration_n) == (
        policy.scale.prior_intercept,
        1.0,
        0,
    )
    # the neutral pair (no skill, no interest, no shortfall): the prior rate
    zero = np.zeros((1, len(PREDICTORS)))
    assert scorer.predict_proba(zero)[0, 1] == pytest.approx(
        1 / (1 + np.exp(-policy.scale.prior_intercept))
    )


def test_unfitted_scorer_scores_without_fit():
    # The hand-weighted policy learns nothing from X, so the API need not call fit.
    X = _features(3)
    assert PolicyScorer().decision_function(X).shape == (3,)
