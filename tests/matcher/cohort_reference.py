"""An independent statement of the cohort plan (scipy MILP) and a strategy for small cohorts.

The reference is written from the problem alone, not from matcher.plan_model's
preparation, and solves the lexicographic goal in stages rather than with a bonus:
first the most minimum bookings, then, with those held, the most participants placed
(unless ``place_first=False``), then, with those held, the best weighted score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from matcher.plan import CohortProblem


@dataclass(frozen=True)
class Reference:
    minimum_bookings: int  # most bookings towards the minima that any plan can make
    placed: int  # most participants placed among those plans (place_first)
    objective: float  # best weighted score among plans that make that many


def reference_plan(
    problem: CohortProblem,
    *,
    priority_weight: float = 0.0,
    min_probability: float | None = None,
    place_first: bool = True,
) -> Reference:
    usable = np.ones(len(problem.score), dtype=bool)
    if min_probability is not None:
        probability = problem.score if problem.probability is None else problem.probability
        usable = probability >= min_probability
    person = problem.participant_index[usable]
    place = problem.placement_index[usable]
    department = problem.placement_department[place]
    weight = np.ones(problem.n_participants)
    if problem.support_need is not None:
        weight = 1 + priority_weight * (problem.support_need - 1) / 4
    value = weight[person] * problem.score[usable]
    n_pairs, n_dep = len(value), problem.n_departments
    cols = np.arange(n_pairs)
    # Variables: x per usable pair, then y_d = bookings counted towards d's minimum.
    rows = [
        sp.csr_matrix((np.ones(n_pairs), (person, cols)), shape=(problem.n_participants, n_pairs)),
        sp.csr_matrix((np.ones(n_pairs), (place, cols)), shape=(problem.n_placements, n_pairs)),
        sp.csr_matrix((np.ones(n_pairs), (department, cols)), shape=(n_dep, n_pairs)),
    ]
    pair_rows = sp.vstack(rows)
    quota = np.where(np.isfinite(problem.quota_max), np.floor(problem.quota_max), 1e9)
    x_part = sp.hstack([pair_rows, sp.csr_matrix((pair_rows.shape[0], n_dep))])
    # y_d - sum_{pairs in d} x <= 0
    y_part = sp.hstack([-rows[2], sp.identity(n_dep)])
    capacity = LinearConstraint(
        sp.vstack([x_part, y_part]),
        -np.inf,
        np.concatenate([np.ones(problem.n_participants), problem.slots, quota, np.zeros(n_dep)]),
    )
    bounds = Bounds(
        np.zeros(n_pairs + n_dep), np.concatenate([np.ones(n_pairs), problem.quota_min])
    )
    integrality = np.ones(n_pairs + n_dep)
    first = milp(
        -np.concatenate([np.zeros(n_pairs), np.ones(n_dep)]),
        constraints=[capacity],
        bounds=bounds,
        integrality=integrality,
    )
    assert first.status == 0
    met = int(round(-first.fun))
    hold = [LinearConstraint(np.concatenate([np.zeros(n_pairs), np.ones(n_dep)]), met, np.inf)]
    placed = -1
    if place_first:
        most = milp(
            -np.concatenate([np.ones(n_pairs), np.zeros(n_dep)]),
            constraints=[capacity, *hold],
            bounds=bounds,
            integrality=integrality,
        )
        assert most.status == 0
        placed = int(round(-most.fun))
        pairs_only = np.concatenate([np.ones(n_pairs), np.zeros(n_dep)])
        hold.append(LinearConstraint(pairs_only, placed, np.inf))
    second = milp(
        -np.concatenate([value, np.zeros(n_dep)]),
        constraints=[capacity, *hold],
        bounds=bounds,
        integrality=integrality,
    )
    assert second.status == 0
    return Reference(minimum_bookings=met, placed=placed, objective=-second.fun)


@st.composite
def cohort_problems(draw, *, with_minima: bool = True, negative_scores: bool = False):
    """Small random cohorts: up to 7 participants, 5 placements, 3 departments."""
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 5))
    n_dep = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    eligible = rng.random((n, m)) < draw(st.sampled_from([0.3, 0.6, 1.0]))
    low = -0.5 if negative_scores else 0.0
    # Rounded scores make ties common, which is where solvers tend to slip.
    scores = np.round(rng.uniform(low, 1.0, (n, m)), draw(st.sampled_from([1, 3])))
    quota_max = np.where(rng.random(n_dep) < 0.5, np.inf, rng.integers(0, 4, n_dep))
    quota_min = rng.integers(0, 4, n_dep) if with_minima else np.zeros(n_dep, dtype=int)
    return CohortProblem.from_dense(
        scores,
        eligible,
        slots=rng.integers(0, 3, m),
        placement_department=np.concatenate([np.arange(min(n_dep, m)), rng.integers(0, n_dep, m)])[
            :m
        ],
        quota_max=quota_max,
        quota_min=quota_min,
        support_need=rng.integers(1, 6, n),
    )
