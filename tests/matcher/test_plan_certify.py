"""Pruned cohort plans are certified (and, when needed, repaired) to the full optimum."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher import plan_candidates, plan_certify
from matcher.plan import CohortProblem, solve_cohort
from matcher.plan_certify import solve_pruned
from tests.matcher.test_plan import check_reasons


@st.composite
def dense_cohorts(draw):
    """Small dense cohorts: scores (some negative, many tied), eligibility and capacity."""
    n, m, n_dep = draw(st.integers(1, 8)), draw(st.integers(1, 6)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = np.round(rng.uniform(-0.3, 1.0, (n, m)), draw(st.sampled_from([1, 3])))
    eligible = rng.random((n, m)) < draw(st.sampled_from([0.5, 1.0]))
    scores[~eligible & (rng.random((n, m)) < 0.5)] = np.nan  # what lies outside is unread
    return {
        "scores": scores,
        "eligible": eligible,
        "slots": rng.integers(0, 3, m),
        "placement_department": rng.integers(0, n_dep, m),
        "quota_max": np.where(rng.random(n_dep) < 0.5, np.inf, rng.integers(0, 4, n_dep)),
        "quota_min": rng.integers(0, 3, n_dep),
        "support_need": rng.integers(1, 6, n),
    }


def unpruned(cohort, priority_weight, min_probability):
    problem = CohortProblem.from_dense(**cohort)
    return solve_cohort(problem, priority_weight=priority_weight, min_probability=min_probability)


@settings(max_examples=120, deadline=None)
@given(
    dense_cohorts(),
    st.sampled_from([1, 2]),
    st.sampled_from([None, 1]),
    st.sampled_from([(0.0, None), (1.0, None), (0.0, 0.3)]),
    st.sampled_from([0.0, plan_certify.NEAR, 0.5]),
)
def test_pruned_plan_reaches_the_unpruned_optimum(cohort, top_n, per_placement, options, near):
    """Whatever the margin of nearly improving pairs brought back, the optimum is exact."""
    priority_weight, min_probability = options
    saved, plan_certify.NEAR = plan_certify.NEAR, near
    try:
        plan, problem, certificate = solve_pruned(
            **cohort, top_n=top_n, top_per_placement=per_placement,
            priority_weight=priority_weight, min_probability=min_probability,
        )  # fmt: skip
    finally:
        plan_certify.NEAR = saved
    full = unpruned(cohort, priority_weight, min_probability)
    # Both are exact for integer costs rounded to 1e-6 of the largest weighted score.
    tolerance = 1e-5 * 3.0 * cohort["scores"].shape[0] + 1e-9
    assert abs(plan.objective - full.objective) <= tolerance
    assert plan.shortfalls == full.shortfalls  # minimum bookings first, as unpruned
    assert certificate.pairs_solved == len(problem.score) <= certificate.pairs_eligible
    assigned = plan.assignment >= 0
    assert cohort["eligible"][np.flatnonzero(assigned), plan.assignment[assigned]].all()
    assert (plan.assignment >= 0).sum() == (full.assignment >= 0).sum()  # placing first
    # reasons are judged on every eligible pair, not only the kept ones
    check_reasons(CohortProblem.from_dense(**cohort), plan, min_probability)


def test_pruning_that_loses_value_is_repaired_by_the_pairs_it_left_out():
    # Both want A; keeping only each one's best leaves p0's second choice B out, and then
    # one of them goes without. The full optimum gives p0 B and p1 A.
    cohort = {
        "scores": np.array([[0.9, 0.8], [0.85, 0.1]]),
        "eligible": np.ones((2, 2), dtype=bool),
        "slots": np.array([1, 1]),
        "placement_department": np.array([0, 0]),
    }
    naive = solve_cohort(CohortProblem.from_dense(**cohort, top_n=1))
    plan, _, certificate = solve_pruned(**cohort, top_n=1, top_per_placement=None)
    assert naive.objective < 1.0
    assert plan.assignment.tolist() == [1, 0]
    assert abs(plan.objective - 1.65) < 1e-5
    assert certificate.rounds >= 2 and certificate.pairs_added >= 1


def test_a_plan_that_needs_no_repair_is_certified_in_one_round():
    cohort = {
        "scores": np.array([[0.9, 0.1], [0.2, 0.8]]),
        "eligible": np.ones((2, 2), dtype=bool),
        "slots": np.array([1, 1]),
        "placement_department": np.array([0, 0]),
    }
    plan, _, certificate = solve_pruned(**cohort, top_n=1, top_per_placement=None)
    assert plan.assignment.tolist() == [0, 1]
    assert (certificate.rounds, certificate.pairs_added) == (1, 0)


def kth_best(values: np.ndarray, k: int) -> np.ndarray:
    """Per row, the k-th largest finite value (-inf when the row has fewer)."""
    ordered = -np.sort(-values, axis=1)
    padded = np.hstack([ordered, np.full((len(values), k), -np.inf)])
    return padded[:, k - 1]


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 9), st.integers(1, 7), st.integers(0, 2**32 - 1),
    st.sampled_from([None, 1, 3, 8]), st.sampled_from([None, 1, 2, 12]), st.integers(1, 4),
)  # fmt: skip
def test_candidates_are_each_rows_and_each_columns_best(n, m, seed, top_n, per_placement, block):
    """The blocked selection keeps exactly a best ``top_n`` of each row and a best
    ``top_per_placement`` of each column, ties aside, whatever the block height."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(0, 1, (n, m)), 1)  # many ties
    eligible = rng.random((n, m)) < 0.7
    saved = plan_candidates.CANDIDATE_ROWS
    plan_candidates.CANDIDATE_ROWS = block  # several blocks even in a small matrix
    try:
        keep = plan_candidates.candidate_mask(scores, eligible, top_n, per_placement)
    finally:
        plan_candidates.CANDIDATE_ROWS = saved
    if top_n is None and per_placement is None:
        assert (keep == eligible).all()
        return
    assert not (keep & ~eligible).any()
    masked = np.where(eligible, scores, -np.inf)
    row_cut = kth_best(masked, top_n) if top_n else np.full(n, np.inf)
    column_cut = kth_best(masked.T, per_placement) if per_placement else np.full(m, np.inf)
    better = (masked > row_cut[:, None]) | (masked > column_cut[None, :])
    assert not (better & eligible & ~keep).any()  # strictly better ones are all kept
    tied_or_better = (masked >= row_cut[:, None]) | (masked >= column_cut[None, :])
    assert not (keep & ~tied_or_better).any()  # nothing worse than a cut is kept
    if top_n:
        by_row = keep & (masked >= row_cut[:, None])
        assert (by_row.sum(axis=1) >= np.minimum(top_n, eligible.sum(axis=1))).all()
    if per_placement:
        by_column = keep & (masked >= column_cut[None, :])
        assert (by_column.sum(axis=0) >= np.minimum(per_placement, eligible.sum(axis=0))).all()


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 9), st.integers(1, 7), st.integers(0, 2**32 - 1),
    st.sampled_from([None, 1, 3]), st.sampled_from([0.0, 3.0]), st.sampled_from([1, 8, 64]),
)  # fmt: skip
def test_pricing_finds_every_left_out_pair_below_the_margin(n, m, seed, top_n, margin, cells):
    """The prefix bound skips only pairs that cannot price out: the same pairs as pricing
    every cell, whatever the potentials (some placements unreachable) and block size."""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.uniform(-0.3, 1.0, (n, m)), 1)  # ties with the cut
    eligible = rng.random((n, m)) < 0.7
    usable = eligible & (rng.random((n, m)) < 0.8)
    scores[~eligible & (rng.random((n, m)) < 0.5)] = np.nan
    keep, row_cut = plan_candidates.candidates(scores, eligible, top_n, 1)
    weights = rng.choice([1.0, 1.25, 2.0], n)
    scale = 10.0  # costs of a few units, so that reduced costs fall on the bound and margin
    participant_d = -rng.integers(0, 30, n).astype(float)
    placement_d = np.where(rng.random(m) < 0.2, -np.inf, -rng.integers(0, 30, m))
    saved = plan_certify.CELLS
    plan_certify.CELLS = cells
    try:
        person, place, reduced = plan_certify.priced_pairs(
            scores, usable, keep, weights, scale, (participant_d, placement_d), row_cut, margin
        )
    finally:
        plan_certify.CELLS = saved
    with np.errstate(invalid="ignore"):
        every = -np.rint(weights[:, None] * np.where(usable, scores, 0.0) * scale)
        every += participant_d[:, None] - placement_d[None, :]
    expected = usable & ~keep & (every < margin)
    found = np.zeros((n, m), dtype=bool)
    found[person, place] = True
    assert len(person) == expected.sum() and (found == expected).all()
    assert np.array_equal(reduced, every[person, place])
