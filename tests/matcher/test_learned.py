"""LearnedScorer: the scikit-learn contract, exact per-factor explanations, the engine
ranking with it unchanged, and the time cut of matcher.training."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from matcher import FACTORS, PREDICTORS, PolicyScorer, load_policy, rank_placements
from matcher.features import sum_contributions
from matcher.learned import LearnedScorer
from matcher.training import outcome_labels, split_by_cut, train_at_cut
from matcher.value import explained_row, values
from tests.strategies import worlds


@parametrize_with_checks([LearnedScorer()])
def test_scikit_learn_common_checks(estimator, check):
    check(estimator)


def _outcomes(rng: np.random.Generator, n: int = 400):
    """Prediction features and outcomes drawn from a known logistic model."""
    X = rng.normal(size=(n, len(PREDICTORS)))
    X[:, -1] = 0.0  # a column without variance (parents x hours when no one is a parent)
    true = np.array([0.5, 2.0, 0.3, 0.7, 0.4, 0.1, 0.2, 0.0])
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ true - 0.5)))).astype(int)
    return X, y, true


def test_contributions_plus_intercept_are_the_decision_function_exactly():
    X, y, _ = _outcomes(np.random.default_rng(1))
    scorer = LearnedScorer().fit(X, y)
    contributions = scorer.contributions(X)
    assert np.array_equal(contributions, X * scorer.coef_)
    assert np.array_equal(
        scorer.decision_function(X), scorer.intercept_ + sum_contributions(contributions)
    )
    # and the engine's score of a pair is the sum of its explanation's values
    row = scorer.explain(X[0])
    assert list(row) == list(PREDICTORS)
    assert sum(row.values()) == pytest.approx(
        scorer.decision_function(X[:1])[0] - scorer.intercept_
    )


def test_probabilities_equal_an_unpenalised_logistic_regression_in_the_limit():
    X, y, _ = _outcomes(np.random.default_rng(2))
    ours = LearnedScorer(C=1e6).fit(X, y)
    theirs = LogisticRegression(C=1e6, max_iter=1000).fit(X[:, :-1], y)
    assert np.allclose(
        ours.predict_proba(X)[:, 1], theirs.predict_proba(X[:, :-1])[:, 1], atol=1e-3
    )
    assert ours.coef_[-1] == 0.0  # the constant column learns nothing


def test_it_recovers_the_direction_of_the_true_model():
    X, y, true = _outcomes(np.random.default_rng(3), n=4000)
    scorer = LearnedScorer().fit(X, y)
    assert np.argmax(scorer.coef_) == np.argmax(true)  # interests matter most
    assert np.corrcoef(scorer.coef_[:-1], true[:-1])[0, 1] > 0.95


def test_from_coefficients_round_trips_and_pickles():
    X, y, _ = _outcomes(np.random.default_rng(4))
    fitted = LearnedScorer(C=0.5).fit(X, y)
    stored = LearnedScorer.from_coefficients(fitted.coef_.tolist(), fitted.intercept_, C=0.5)
    assert np.array_equal(stored.decision_function(X), fitted.decision_function(X))
    again = pickle.loads(pickle.dumps(stored))
    assert np.array_equal(again.predict_proba(X), fitted.predict_proba(X))
    assert clone(fitted).get_params() == {
        "C": 0.5,
        "max_iter": 1000,
        "department_C": 0.05,
        "prior_weights": None,
    }


def _policy_prior() -> np.ndarray:
    """A hand policy's direction that is close to, but not, the true model's."""
    return np.array([0.6, 1.5, 0.6, 0.4, 0.4, 0.3, 0.3, 0.2])


def test_with_a_prior_and_strong_shrinkage_it_is_the_calibrated_policy():
    """C -> 0 leaves only the prior's scale free: the hand score calibrated (Platt)."""
    from matcher.calibration import fit_calibration

    X, y, _ = _outcomes(np.random.default_rng(5))
    prior = _policy_prior()
    shrunk = LearnedScorer(C=1e-4, prior_weights=prior).fit(X, y)
    platt = fit_calibration(X @ prior, y)
    assert shrunk.prior_scale_ == pytest.approx(platt.scale, rel=2e-2)
    assert np.allclose(shrunk.coef_, shrunk.prior_scale_ * prior, rtol=1e-2)
    assert shrunk.intercept_ == pytest.approx(platt.intercept, abs=2e-2)


def test_with_a_prior_and_weak_shrinkage_it_is_the_unrestricted_fit():
    X, y, _ = _outcomes(np.random.default_rng(6))
    free = LearnedScorer(C=1e6).fit(X, y)
    loose = LearnedScorer(C=1e6, prior_weights=_policy_prior()).fit(X, y)
    # the outcomes decide every factor they vary in; the constant column keeps the prior's
    assert np.allclose(loose.coef_[:-1], free.coef_[:-1], atol=2e-2)
    assert loose.coef_[-1] == pytest.approx(loose.prior_scale_ * _policy_prior()[-1])
    assert np.allclose(loose.predict_proba(X), free.predict_proba(X), atol=1e-3)


def test_a_prior_pulls_a_small_sample_towards_the_policy_not_towards_zero():
    X, y, true = _outcomes(np.random.default_rng(7), n=80)
    prior = _policy_prior()
    towards_zero = LearnedScorer(C=0.05).fit(X, y)
    towards_policy = LearnedScorer(C=0.05, prior_weights=prior).fit(X, y)
    cosine = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    assert cosine(towards_policy.coef_, prior) > cosine(towards_zero.coef_, prior)
    # and its weights are of the policy's size, where shrinking to 0 leaves them small
    assert np.linalg.norm(towards_policy.coef_) > 2 * np.linalg.norm(towards_zero.coef_)


def test_a_prior_of_the_wrong_width_is_refused():
    X, y, _ = _outcomes(np.random.default_rng(8))
    with pytest.raises(ValueError, match="prior_weights has 3 weights, but X has 8 features"):
        LearnedScorer(prior_weights=[1.0, 2.0, 3.0]).fit(X, y)


def test_one_class_only_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="one class"):
        LearnedScorer().fit(np.ones((5, len(PREDICTORS))), np.ones(5))


@settings(max_examples=15, deadline=None)
@given(world=worlds())
def test_the_engine_ranks_with_it_as_with_a_policy_of_the_same_weights(world):
    compiled = world.compile()
    policy = load_policy()
    coef = np.random.default_rng(5).normal(size=len(PREDICTORS))
    learned = LearnedScorer.from_coefficients(coef, -1.0, n_outcomes=300)
    twin = PolicyScorer(weights=tuple(coef.tolist()), intercept=-1.0)
    hand = PolicyScorer.from_policy(policy)
    for participant in world.participants:
        ours = rank_placements(
            participant, compiled, learned, k=5, as_of=world.as_of, policy=policy
        )
        same = rank_placements(participant, compiled, twin, k=5, as_of=world.as_of, policy=policy)
        assert [(i.placement_id, i.score) for i in ours.items] == [
            (i.placement_id, i.score) for i in same.items
        ]
        by_policy = {
            i.placement_id: i.adjustments
            for i in rank_placements(
                participant, compiled, hand, k=len(compiled), as_of=world.as_of, policy=policy
            ).items
        }
        for item in ours.items:
            total = item.baseline + sum(item.contributions.values())
            assert total == pytest.approx(item.log_odds, abs=1e-9)
            assert item.calibration_n == 300
            # a learned model predicts; the adjustments stay the policy's
            assert item.adjustments == by_policy[item.placement_id]


def test_labels_count_only_outcomes_known_at_the_moment():
    at = np.datetime64("2026-01-01T00:00:00", "us")
    before, after = at - np.timedelta64(1, "D"), at + np.timedelta64(1, "D")
    labels = outcome_labels(
        4,
        outcome_decision=np.array([0, 1, 1, 2]),
        outcome_success=np.array([True, False, True, False]),
        outcome_known_at=np.array([before, before, after, before]),
        at=at,
    )
    # 0: success known; 1: only the failure known yet; 2: failure; 3: nothing known
    assert labels[:3].tolist() == [1.0, 0.0, 0.0] and np.isnan(labels[3])
    assert (
        outcome_labels(2, np.array([0, 0]), np.array([False, True]), np.array([before] * 2), at)[0]
        == 1.0
    )


def test_the_time_cut_keeps_training_and_held_out_apart():
    day = np.timedelta64(1, "D")
    start = np.datetime64("2025-01-01T12:00:00", "us")
    decided = start + np.arange(100) * 3 * day
    accepted = np.ones(100, dtype=bool)
    accepted[::7] = False
    at_cut = np.where(np.arange(100) % 5 == 0, np.nan, np.arange(100) % 2).astype(float)
    at_end = (np.arange(100) % 2).astype(float)
    cut, end = start + 150 * day, start + 300 * day
    split = split_by_cut(decided, accepted, at_cut, at_end, cut=cut, end=end, horizon_days=30)
    assert (decided[split.train] < cut - 30 * day).all()
    assert (decided[split.test] >= cut).all() and (decided[split.test] < end - 30 * day).all()
    assert accepted[split.train].all() and accepted[split.test].all()
    assert not np.isnan(at_cut[split.train]).any()
    assert split.unresolved_train > 0  # the NaN labels before the cut are counted, not used


def test_train_at_cut_reports_both_scorers_on_the_same_held_out_rows():
    X, y, _ = _outcomes(np.random.default_rng(6), n=600)
    day = np.timedelta64(1, "D")
    decided = np.datetime64("2025-01-01", "us") + np.arange(600) * day
    labels = y.astype(float)
    split = split_by_cut(
        decided, np.ones(600, bool), labels, labels,
        cut=decided[400], end=decided[-1] + day, horizon_days=0,
    )  # fmt: skip
    full = np.hstack([X, np.zeros((len(X), len(FACTORS) - len(PREDICTORS)))])
    result = train_at_cut(full, split, load_policy(), n_boot=50)
    assert result.n_train == 400 and result.learned.n == result.policy.n == 200
    assert result.learned.auc > result.policy.auc  # the true model is not the policy's
    assert 0 < result.learned.brier < 0.25
    assert result.calibration.n == 400  # calibrated on the training rows only
    auc = next(d for d in result.differences if d.metric == "auc")
    assert auc.difference == pytest.approx(result.learned.auc - result.policy.auc)
    assert auc.low <= auc.difference <= auc.high and auc.n_boot == 50


def test_department_effects_are_learned_shrunk_and_zero_for_an_unseen_department():
    rng = np.random.default_rng(8)
    X, _, true = _outcomes(rng, n=3000)
    departments = rng.integers(0, 4, len(X))
    departments[:20] = 9  # a department with very few outcomes
    effect = np.array([0.8, 0.0, -0.8, 0.0])
    z = X @ true - 0.5 + np.where(departments == 9, 0.0, effect[departments % 4])
    y = (rng.random(len(X)) < 1 / (1 + np.exp(-z))).astype(int)
    scorer = LearnedScorer().fit(X, y, departments=departments)
    effects = scorer.department_effect_
    assert effects[0] > effects[1] > effects[2]
    assert effects[0] - effects[2] == pytest.approx(1.6, abs=0.5)
    assert abs(effects[9]) < 0.25  # few outcomes: kept near 0
    assert scorer.department_offsets(np.array([0, 42])).tolist() == [effects[0], 0.0]
    stored = LearnedScorer.from_coefficients(
        scorer.coef_, scorer.intercept_, department_effect={str(k): v for k, v in effects.items()}
    )
    assert stored.department_effect_ == effects
    # the engine adds the effect to the log-odds and shows it as a contribution
    world_rng = np.random.default_rng(9)
    features = np.zeros((3, len(FACTORS)))
    features[:, : len(PREDICTORS)] = world_rng.normal(size=(3, len(PREDICTORS)))
    policy = load_policy()
    valued = values(scorer, features, policy, np.array([0, 2, 42]))
    base = scorer.decision_function(features[:, : len(PREDICTORS)])
    np.testing.assert_allclose(valued.log_odds, base + [effects[0], effects[2], 0.0])
    contributions, _ = explained_row(scorer, features, policy, 0, 0)
    assert contributions["department"] == effects[0]
    assert scorer.intercept_ + sum(contributions.values()) == pytest.approx(valued.log_odds[0])
