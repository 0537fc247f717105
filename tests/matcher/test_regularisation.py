"""matcher.regularisation: the learned model's strengths chosen on its own training
outcomes, later rows judging earlier ones, and train_at_cut using (or keeping) them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import FACTORS, PREDICTORS, load_policy
from matcher.regularisation import (
    C_GRID,
    DEFAULT_C,
    DEFAULT_DEPARTMENT_C,
    DEPARTMENT_C_GRID,
    choose_regularisation,
)
from matcher.training import split_by_cut, train_at_cut


def _outcomes(rng: np.random.Generator, n: int, department_sd: float):
    """Features, department ids and outcomes from a known logistic model."""
    X = rng.normal(size=(n, len(PREDICTORS)))
    departments = rng.integers(0, 6, n)
    effect = np.linspace(-1.0, 1.0, 6) * department_sd
    z = X @ np.linspace(0.8, 0.0, len(PREDICTORS)) - 0.3 + effect[departments]
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, departments, y


def test_strongly_differing_departments_get_room_for_their_effects():
    X, departments, y = _outcomes(np.random.default_rng(3), 2000, department_sd=1.5)
    chosen = choose_regularisation(X, y, np.arange(len(y)), departments)
    assert chosen.C in C_GRID and chosen.department_C in DEPARTMENT_C_GRID
    assert chosen.department_C > min(DEPARTMENT_C_GRID)  # not shrunk to nothing
    assert chosen.n_validation == 999 and chosen.validation_log_loss > 0  # 3 blocks of 333


def test_the_choice_is_the_lowest_validation_loss_of_the_grid():
    X, departments, y = _outcomes(np.random.default_rng(4), 600, department_sd=0.8)
    order = np.arange(len(y))
    grid_c, grid_d = (0.1, 1.0, 3.0), (0.01, 0.2)
    chosen = choose_regularisation(
        X, y, order, departments, C_grid=grid_c, department_C_grid=grid_d
    )
    for C in grid_c:
        for department_C in grid_d:
            one = choose_regularisation(
                X, y, order, departments, C_grid=(C,), department_C_grid=(department_C,)
            )
            assert chosen.validation_log_loss <= one.validation_log_loss + 1e-12


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_only_the_time_order_matters_not_the_row_order(seed):
    rng = np.random.default_rng(seed)
    X, departments, y = _outcomes(rng, 300, department_sd=0.8)
    order = rng.permutation(len(y)).astype(float)  # distinct moments
    shuffle = rng.permutation(len(y))
    grids = {"C_grid": (0.1, 1.0), "department_C_grid": (0.05, 0.5)}
    a = choose_regularisation(X, y, order, departments, **grids)
    b = choose_regularisation(X[shuffle], y[shuffle], order[shuffle], departments[shuffle], **grids)
    assert (a.C, a.department_C) == (b.C, b.department_C)
    assert a.validation_log_loss == pytest.approx(b.validation_log_loss)


def test_the_earlier_rows_fit_so_their_outcomes_move_the_validation_loss():
    X, departments, y = _outcomes(np.random.default_rng(5), 400, department_sd=0.8)
    order = np.arange(len(y))
    flipped = y.copy()
    flipped[:200] = 1 - flipped[:200]  # rows that only ever fit, never judge
    a = choose_regularisation(X, y, order, departments)
    b = choose_regularisation(X, flipped, order, departments)
    assert a.validation_log_loss != pytest.approx(b.validation_log_loss)
    assert a.n_validation == b.n_validation == 201  # the latest half judges, 3 blocks of 67


def test_too_few_validation_outcomes_keep_the_defaults_or_the_fixed_strength():
    X, departments, y = _outcomes(np.random.default_rng(6), 50, department_sd=0.8)
    chosen = choose_regularisation(X, y, np.arange(50), departments)  # 25 would judge
    assert (chosen.C, chosen.department_C) == (DEFAULT_C, DEFAULT_DEPARTMENT_C)
    assert chosen.validation_log_loss is None
    fixed = choose_regularisation(X, y, np.arange(50), departments, C_grid=(0.3,))
    assert (fixed.C, fixed.department_C) == (0.3, DEFAULT_DEPARTMENT_C)


def _split(n: int):
    day = np.timedelta64(1, "D")
    decided = np.datetime64("2025-01-01", "us") + np.arange(n) * day
    return decided, day


def test_train_at_cut_chooses_on_the_training_rows_and_keeps_a_given_strength():
    X, departments, y = _outcomes(np.random.default_rng(7), 800, department_sd=1.0)
    decided, day = _split(len(y))
    labels = y.astype(float)
    split = split_by_cut(
        decided, np.ones(len(y), bool), labels, labels,
        cut=decided[600], end=decided[-1] + day, horizon_days=0,
    )  # fmt: skip
    full = np.hstack([X, np.zeros((len(X), len(FACTORS) - len(PREDICTORS)))])
    policy = load_policy()
    chosen = train_at_cut(full, split, policy, departments=departments, decided_at=decided,
                          n_boot=0)  # fmt: skip
    expected = choose_regularisation(X[:600], y[:600], decided[:600], departments[:600],
                                     prior_weights=policy.prediction_weights)  # fmt: skip
    assert chosen.regularisation == expected
    assert chosen.scorer.C == expected.C and chosen.scorer.department_C == expected.department_C
    assert np.array_equal(chosen.scorer.prior_weights, policy.prediction_weights)
    # held-out labels never move the choice
    other = labels.copy()
    other[600:] = 1 - other[600:]
    split_other = split_by_cut(
        decided, np.ones(len(y), bool), labels, other,
        cut=decided[600], end=decided[-1] + day, horizon_days=0,
    )  # fmt: skip
    again = train_at_cut(full, split_other, policy, departments=departments,
                         decided_at=decided, n_boot=0)  # fmt: skip
    assert again.regularisation == chosen.regularisation
    fixed = train_at_cut(full, split, policy, C=0.5, department_C=0.2, departments=departments,
                         n_boot=0)  # fmt: skip
    unshrunk = train_at_cut(full, split, policy, C=0.5, department_C=0.2,
                            departments=departments, n_boot=0, shrink_to_policy=False)  # fmt: skip
    assert unshrunk.scorer.prior_weights is None and unshrunk.scorer.prior_scale_ == 0.0
    assert (fixed.scorer.C, fixed.scorer.department_C) == (0.5, 0.2)
    assert fixed.regularisation.validation_log_loss is None  # fixed, not chosen
