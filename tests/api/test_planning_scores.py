"""What the cohort plan maximises: policy points, or a learned model's success probability."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from api.planning import planning_scores
from matcher import FACTORS, PolicyScorer
from matcher.learned import LearnedScorer

sums = st.lists(st.floats(-20, 20, allow_nan=False), min_size=1, max_size=30).map(
    lambda xs: np.array(xs, dtype=np.float32)
)


@given(sums)
def test_policy_points_are_planned_as_they_are(summed):
    assert np.array_equal(planning_scores(PolicyScorer(), summed), summed)


@given(sums, st.floats(-5, 5))
def test_a_learned_model_is_planned_by_its_success_probability(summed, intercept):
    scorer = LearnedScorer.from_coefficients([0.1] * len(FACTORS), intercept)
    planned = planning_scores(scorer, summed)
    assert np.all((planned >= 0) & (planned <= 1))
    # the order of pairs is kept: a better log-odds is never a lower probability
    order = np.argsort(summed, kind="stable")
    assert np.all(np.diff(planned[order].astype(np.float64)) >= -1e-7)
    expected = 1 / (1 + np.exp(-(summed.astype(np.float64) + intercept)))
    assert np.allclose(planned, expected, atol=1e-6)
