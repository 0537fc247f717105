"""What the cohort plan maximises: the engine's ranking value, the same for every scorer."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from api.planning import planning_scores
from matcher import PolicyScorer
from matcher.learned import LearnedScorer

sums = st.lists(st.floats(-1, 2, allow_nan=False), min_size=1, max_size=30).map(
    lambda xs: np.array(xs, dtype=np.float32)
)


@given(sums, st.floats(-5, 5))
def test_every_scorer_is_planned_by_its_ranking_value_unchanged(values, intercept):
    # the values are already P(success) + adjustments for the hand policy and a model alike
    learned = LearnedScorer.from_coefficients([0.1] * 8, intercept)
    for scorer in (PolicyScorer(), learned):
        assert np.array_equal(planning_scores(scorer, values), values)
