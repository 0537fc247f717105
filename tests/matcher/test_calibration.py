"""Calibration fits only an intercept and a scale of the hand score, before the time cut."""

from __future__ import annotations

import numpy as np
import pytest

from matcher import FACTORS, PREDICTORS, load_policy
from matcher.calibration import (
    calibrate_at_cut,
    calibrated_scorer,
    fit_calibration,
    hand_score,
    prior,
)
from matcher.training import split_by_cut

POLICY = load_policy()


def _world(rng, n=3000, a=-0.8, b=0.6):
    X = np.zeros((n, len(FACTORS)))
    X[:, : len(PREDICTORS)] = rng.normal(size=(n, len(PREDICTORS)))
    X[:, len(PREDICTORS) :] = rng.random((n, len(FACTORS) - len(PREDICTORS)))  # adjustments
    z = a + b * hand_score(X, POLICY)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def test_it_recovers_the_intercept_and_scale_and_nothing_else():
    X, y = _world(np.random.default_rng(1))
    c = fit_calibration(hand_score(X, POLICY), y)
    assert c.intercept == pytest.approx(-0.8, abs=0.12)
    assert c.scale == pytest.approx(0.6, abs=0.08)
    assert (c.n, c.successes) == (len(y), int(y.sum()))
    scorer = calibrated_scorer(POLICY, c)
    # the weights are the policy's, untouched; only intercept and scale moved
    assert scorer.weights == tuple(POLICY.prediction_weights.tolist())
    assert (scorer.intercept, scorer.scale, scorer.calibration_n) == (c.intercept, c.scale, c.n)


def test_the_adjustment_columns_never_enter_the_calibration():
    X, y = _world(np.random.default_rng(2))
    shuffled = X.copy()
    shuffled[:, len(PREDICTORS) :] = np.random.default_rng(3).random(
        (len(X), len(FACTORS) - len(PREDICTORS))
    )
    assert fit_calibration(hand_score(X, POLICY), y) == fit_calibration(
        hand_score(shuffled, POLICY), y
    )


def test_a_score_that_anti_predicts_keeps_the_policy_order_with_scale_zero():
    X, y = _world(np.random.default_rng(4), b=-0.7)
    c = fit_calibration(hand_score(X, POLICY), y)
    assert c.scale == 0.0
    assert c.intercept == pytest.approx(np.log(y.mean() / (1 - y.mean())))


def test_one_class_only_is_refused():
    with pytest.raises(ValueError, match="both successes and failures"):
        fit_calibration(np.arange(5.0), np.ones(5))


def test_without_outcomes_the_prior_is_the_policys_documented_intercept():
    c = prior(POLICY)
    assert (c.intercept, c.scale, c.n) == (POLICY.scale.prior_intercept, 1.0, 0)


def test_only_rows_before_the_cut_are_used():
    rng = np.random.default_rng(5)
    X, y = _world(rng, n=1000)
    day = np.timedelta64(1, "D")
    decided = np.datetime64("2025-01-01", "us") + np.arange(1000) * day
    labels = y.astype(float)
    split = split_by_cut(
        decided, np.ones(1000, bool), labels, labels,
        cut=decided[600], end=decided[-1] + day, horizon_days=0,
    )  # fmt: skip
    later = X.copy()
    later[600:] = 0.0  # what happens after the cut cannot move the calibration
    assert calibrate_at_cut(X, split, POLICY) == calibrate_at_cut(later, split, POLICY)
    assert calibrate_at_cut(X, split, POLICY).n == 600
