"""Cohort plan: optimal against an independent MILP, always feasible, minima and prices right."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.plan import (
    BELOW_MIN_SCORE,
    CAPACITY,
    NO_ELIGIBLE,
    CohortProblem,
    greedy_cohort,
    opportunity_cost,
    solve_cohort,
)
from tests.matcher.cohort_reference import cohort_problems, reference_plan

FAST = settings(max_examples=60, deadline=None)
OPTIONS = st.sampled_from([(0.0, None), (1.0, None), (0.0, 0.4), (2.0, 0.2)])


def rounding_tolerance(problem: CohortProblem) -> float:
    """Integer costs are rounded to 1e-6 of the largest weighted score, per assigned pair."""
    return 1e-5 * max(problem.n_participants, 1) * 3.0 + 1e-9


def booked_per_department(problem: CohortProblem, assignment: np.ndarray) -> np.ndarray:
    placed = assignment[assignment >= 0]
    return np.bincount(problem.placement_department[placed], minlength=problem.n_departments)


@FAST
@given(cohort_problems(negative_scores=True), OPTIONS, st.sampled_from(["ortools", "highs"]))
def test_plan_is_optimal_and_meets_as_many_minima_as_any_plan(problem, options, solver):
    priority_weight, min_score = options
    plan = solve_cohort(
        problem, priority_weight=priority_weight, min_score=min_score, solver=solver
    )
    reference = reference_plan(problem, priority_weight=priority_weight, min_score=min_score)
    assert sum(plan.shortfalls.values()) == problem.quota_min.sum() - reference.minimum_bookings
    assert plan.objective == pytest.approx(reference.objective, abs=rounding_tolerance(problem))


@FAST
@given(cohort_problems(negative_scores=True), OPTIONS)
def test_plan_is_feasible_and_reports_shortfalls_and_reasons(problem, options):
    priority_weight, min_score = options
    plan = solve_cohort(problem, priority_weight=priority_weight, min_score=min_score)
    listed = dict(
        zip(
            zip(problem.participant_index.tolist(), problem.placement_index.tolist(), strict=True),
            problem.score,
            strict=True,
        )
    )
    assigned = np.flatnonzero(plan.assignment >= 0)
    for i in assigned:
        score = listed[(int(i), int(plan.assignment[i]))]  # only eligible pairs
        assert min_score is None or score >= min_score
    assert plan.total_score == pytest.approx(
        sum(listed[(int(i), int(plan.assignment[i]))] for i in assigned)
    )
    load = np.bincount(plan.assignment[assigned], minlength=problem.n_placements)
    assert np.all(load <= problem.slots)
    booked = booked_per_department(problem, plan.assignment)
    assert np.all(booked <= problem.quota_max)
    short = np.maximum(problem.quota_min - booked, 0)
    assert plan.shortfalls == {d: int(s) for d, s in enumerate(short) if s > 0}
    for i, reason in enumerate(plan.unassigned_reason):
        assert (reason == "") == (plan.assignment[i] >= 0)
        if reason == NO_ELIGIBLE:
            mine = problem.participant_index == i
            places = problem.placement_index[mine]
            departments = problem.placement_department[places]
            assert not np.any((problem.slots[places] > 0) & (problem.quota_max[departments] >= 1))


@FAST
@given(cohort_problems(), OPTIONS)
def test_greedy_is_feasible_and_never_beats_the_plan(problem, options):
    priority_weight, min_score = options
    plan = solve_cohort(problem, priority_weight=priority_weight, min_score=min_score)
    greedy = greedy_cohort(problem, priority_weight=priority_weight, min_score=min_score)
    load = np.bincount(greedy.assignment[greedy.assignment >= 0], minlength=problem.n_placements)
    assert np.all(load <= problem.slots)
    assert np.all(booked_per_department(problem, greedy.assignment) <= problem.quota_max)
    # Lexicographic: fewer missing minimum bookings first, then the objective.
    plan_key = (-sum(plan.shortfalls.values()), plan.objective)
    greedy_key = (-sum(greedy.shortfalls.values()), greedy.objective - 1e-6)
    assert greedy_key <= plan_key


@FAST
@given(
    cohort_problems(with_minima=False),
    st.sampled_from([0.0, 1.0]),
    st.sampled_from(["ortools", "highs"]),
)
def test_prices_are_an_optimal_dual(problem, priority_weight, solver):
    """Without minima the plan is an LP; its prices must close the duality gap."""
    plan = solve_cohort(problem, priority_weight=priority_weight, solver=solver)
    assert np.all(plan.placement_prices >= 0) and np.all(plan.department_prices >= 0)
    load = np.bincount(plan.assignment[plan.assignment >= 0], minlength=problem.n_placements)
    assert np.all(plan.placement_prices[load < problem.slots] == 0)
    booked = booked_per_department(problem, plan.assignment)
    assert np.all(plan.department_prices[booked < problem.quota_max] == 0)
    weight = 1 + priority_weight * (problem.support_need - 1) / 4
    reduced = (
        weight[problem.participant_index] * problem.score
        - opportunity_cost(problem, plan)[problem.placement_index]
    )
    surplus = np.zeros(problem.n_participants)
    np.maximum.at(surplus, problem.participant_index, reduced)
    quota = np.where(np.isfinite(problem.quota_max), problem.quota_max, 0)
    dual_objective = (
        surplus.sum() + plan.placement_prices @ problem.slots + plan.department_prices @ quota
    )
    assert dual_objective == pytest.approx(plan.objective, abs=rounding_tolerance(problem))
    # At the plan's prices every assigned participant holds one of their best choices.
    for i in np.flatnonzero(plan.assignment >= 0):
        mine = problem.participant_index == i
        chosen = mine & (problem.placement_index == plan.assignment[i])
        assert reduced[chosen][0] == pytest.approx(surplus[i], abs=rounding_tolerance(problem))


@settings(max_examples=40, deadline=None)
@given(cohort_problems(with_minima=False), st.sampled_from(["ortools", "highs"]))
def test_slot_price_lies_between_the_gain_of_one_more_slot_and_the_loss_of_one_less(
    problem, solver
):
    plan = solve_cohort(problem, solver=solver)
    tolerance = rounding_tolerance(problem)
    for j in range(problem.n_placements):
        for change in (+1, -1):
            slots = problem.slots.copy()
            slots[j] += change
            if slots[j] < 0:
                continue
            other = solve_cohort(dataclasses.replace(problem, slots=slots)).objective
            if change > 0:
                assert plan.placement_prices[j] >= other - plan.objective - tolerance
            else:
                assert plan.placement_prices[j] <= plan.objective - other + tolerance


@settings(max_examples=25, deadline=None)
@given(cohort_problems())
def test_plan_is_deterministic(problem):
    first, second = solve_cohort(problem), solve_cohort(problem)
    assert np.array_equal(first.assignment, second.assignment)
    assert np.array_equal(first.placement_prices, second.placement_prices)
    assert np.array_equal(first.department_prices, second.department_prices)
    assert first.unassigned_reason == second.unassigned_reason


def one_department(scores, eligible=None, *, slots, quota_max=np.inf, quota_min=0, **kw):
    scores = np.asarray(scores, dtype=float)
    return CohortProblem.from_dense(
        scores,
        np.ones_like(scores, dtype=bool) if eligible is None else np.asarray(eligible),
        slots=np.asarray(slots),
        placement_department=np.zeros(scores.shape[1], dtype=int),
        quota_max=np.array([quota_max], dtype=float),
        quota_min=np.array([quota_min]),
        **kw,
    )


def test_price_of_a_full_slot_is_what_the_next_best_participant_would_add():
    problem = one_department([[0.9], [0.5]], slots=[1])
    plan = solve_cohort(problem)
    assert plan.assignment.tolist() == [0, -1]
    assert plan.placement_prices[0] == pytest.approx(0.5, abs=1e-6)
    assert plan.department_prices[0] == 0
    assert plan.unassigned_reason == ("", CAPACITY)


def test_binding_quota_is_priced_and_open_slots_are_free():
    problem = one_department([[0.9, 0.0], [0.0, 0.7], [0.4, 0.3]], slots=[2, 2], quota_max=2)
    plan = solve_cohort(problem)
    assert sorted(plan.assignment.tolist()) == [-1, 0, 1]
    assert plan.placement_prices.tolist() == [0.0, 0.0]
    assert plan.department_prices[0] == pytest.approx(0.4, abs=1e-6)


def test_priority_weight_favours_those_furthest_from_the_labour_market():
    problem = one_department([[0.6], [0.5]], slots=[1], support_need=np.array([1, 5]))
    assert solve_cohort(problem).assignment.tolist() == [0, -1]
    assert solve_cohort(problem, priority_weight=1.0).assignment.tolist() == [-1, 0]


def test_minimum_comes_before_score():
    scores = np.array([[0.9, 0.1]])
    problem = CohortProblem.from_dense(
        scores,
        np.ones_like(scores, dtype=bool),
        slots=np.array([1, 1]),
        placement_department=np.array([0, 1]),
        quota_max=np.array([np.inf, np.inf]),
        quota_min=np.array([0, 2]),
    )
    plan = solve_cohort(problem)
    assert plan.assignment.tolist() == [1]
    assert plan.shortfalls == {1: 1}
    assert greedy_cohort(problem).shortfalls == {1: 2}


def test_reasons_for_the_unassigned():
    problem = one_department(
        [[0.9, 0.8], [0.1, 0.0], [0.0, 0.9], [0.95, 0.0]],
        [[1, 0], [1, 0], [0, 1], [1, 0]],
        slots=[1, 0],
    )
    plan = solve_cohort(problem, min_score=0.5)
    assert plan.assignment.tolist() == [-1, -1, -1, 0]
    assert plan.unassigned_reason == (CAPACITY, BELOW_MIN_SCORE, NO_ELIGIBLE, "")


def test_top_n_keeps_each_participants_best_eligible_placements():
    scores = np.array([[0.1, 0.9, 0.5, 0.7], [0.3, 0.2, 0.8, 0.6]])
    eligible = np.array([[1, 0, 1, 1], [1, 1, 1, 1]], dtype=bool)
    problem = one_department(scores, eligible, slots=[1, 1, 1, 1], top_n=2)
    kept = sorted(
        zip(problem.participant_index.tolist(), problem.placement_index.tolist(), strict=True)
    )
    assert kept == [(0, 2), (0, 3), (1, 2), (1, 3)]
    # Placement 0 is nobody's favourite; one candidate per placement keeps it reachable.
    problem = one_department(scores, eligible, slots=[1, 1, 1, 1], top_n=2, top_per_placement=1)
    kept = sorted(
        zip(problem.participant_index.tolist(), problem.placement_index.tolist(), strict=True)
    )
    assert kept == [(0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3)]


def test_rejects_inconsistent_problems():
    with pytest.raises(ValueError, match="out of range"):
        CohortProblem(
            np.array([0]),
            np.array([3]),
            np.array([1.0]),
            1,
            np.array([1]),
            np.array([0]),
            np.array([np.inf]),
            np.array([0]),
        )
    with pytest.raises(ValueError, match="unknown solver"):
        solve_cohort(one_department([[0.5]], slots=[1]), solver="cplex")


def test_planner_stays_pure():
    code = (
        "import sys, matcher.plan; "
        "names = ('sqlmodel', 'fastapi', 'sqlalchemy', 'models'); "
        "print(sorted(m for m in names if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert out.stdout.strip() == "[]"
