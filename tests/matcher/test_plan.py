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
    BELOW_MIN_PROBABILITY,
    CAPACITY,
    NO_ELIGIBLE,
    CohortProblem,
    greedy_cohort,
    opportunity_cost,
    scarcity_prices,
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
    priority_weight, min_probability = options
    plan = solve_cohort(
        problem, priority_weight=priority_weight, min_probability=min_probability, solver=solver
    )
    reference = reference_plan(
        problem, priority_weight=priority_weight, min_probability=min_probability
    )
    assert sum(plan.shortfalls.values()) == problem.quota_min.sum() - reference.minimum_bookings
    assert int((plan.assignment >= 0).sum()) == reference.placed
    assert plan.objective == pytest.approx(reference.objective, abs=rounding_tolerance(problem))


@FAST
@given(cohort_problems(negative_scores=True), OPTIONS)
def test_plan_is_feasible_and_reports_shortfalls_and_reasons(problem, options):
    priority_weight, min_probability = options
    plan = solve_cohort(problem, priority_weight=priority_weight, min_probability=min_probability)
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
        assert min_probability is None or score >= min_probability
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
    priority_weight, min_probability = options
    plan = solve_cohort(problem, priority_weight=priority_weight, min_probability=min_probability)
    greedy = greedy_cohort(
        problem, priority_weight=priority_weight, min_probability=min_probability
    )
    load = np.bincount(greedy.assignment[greedy.assignment >= 0], minlength=problem.n_placements)
    assert np.all(load <= problem.slots)
    assert np.all(booked_per_department(problem, greedy.assignment) <= problem.quota_max)
    # Lexicographic: fewer missing minimum bookings first, more placed, then the objective.
    plan_key = (-sum(plan.shortfalls.values()), (plan.assignment >= 0).sum(), plan.objective)
    greedy_key = (
        -sum(greedy.shortfalls.values()),
        (greedy.assignment >= 0).sum(),
        greedy.objective - 1e-6,
    )
    assert greedy_key <= plan_key


@FAST
@given(
    cohort_problems(with_minima=False),
    st.sampled_from([0.0, 1.0]),
    st.sampled_from(["ortools", "highs"]),
)
def test_prices_are_an_optimal_dual(problem, priority_weight, solver):
    """Without minima and placing first the plan is an LP; its prices close the duality gap."""
    plan = solve_cohort(problem, priority_weight=priority_weight, solver=solver, place_first=False)
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
    plan = solve_cohort(problem, solver=solver, place_first=False)
    tolerance = rounding_tolerance(problem)
    for j in range(problem.n_placements):
        for change in (+1, -1):
            slots = problem.slots.copy()
            slots[j] += change
            if slots[j] < 0:
                continue
            changed = dataclasses.replace(problem, slots=slots)
            other = solve_cohort(changed, place_first=False).objective
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
    plan = solve_cohort(problem, min_probability=0.5)
    assert plan.assignment.tolist() == [-1, -1, -1, 0]
    assert plan.unassigned_reason == (CAPACITY, BELOW_MIN_PROBABILITY, NO_ELIGIBLE, "")


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


def check_reasons(problem: CohortProblem, plan, min_probability) -> None:
    """Every unassigned participant's reason is true, and nobody is left out beside room."""
    probability = problem.score if problem.probability is None else problem.probability
    usable = np.ones(len(problem.score), dtype=bool)
    if min_probability is not None:
        usable = probability >= min_probability
    quota = np.where(np.isfinite(problem.quota_max), np.floor(problem.quota_max), np.inf)
    placed = plan.assignment[plan.assignment >= 0]
    slot_left = problem.slots - np.bincount(placed, minlength=problem.n_placements)
    quota_left = quota - booked_per_department(problem, plan.assignment)
    department = problem.placement_department
    was_open = (problem.slots > 0) & (quota[department] >= 1)
    for i, reason in enumerate(plan.unassigned_reason):
        mine = problem.participant_index == i
        places = problem.placement_index[mine]
        open_places = places[was_open[places]]
        usable_open = problem.placement_index[mine & usable]
        usable_open = usable_open[was_open[usable_open]]
        if plan.assignment[i] >= 0:
            assert reason == "" and plan.taken_by[i] == ()
            continue
        # the property: no usable eligible place with a slot AND quota left
        assert not np.any((slot_left[usable_open] > 0) & (quota_left[department[usable_open]] >= 1))
        if reason == NO_ELIGIBLE:
            assert len(open_places) == 0
        elif reason == BELOW_MIN_PROBABILITY:
            assert len(open_places) > 0 and len(usable_open) == 0
        else:
            assert reason == CAPACITY and len(usable_open) > 0
            assert plan.taken_places[i] == tuple(sorted(set(usable_open.tolist())))
            takers = set()  # each place went to someone listed, and nobody else is
            for j in usable_open.tolist():
                if slot_left[j] <= 0:
                    takers |= set(np.flatnonzero(plan.assignment == j).tolist())
                else:
                    same = (plan.assignment >= 0) & (department[plan.assignment] == department[j])
                    takers |= set(np.flatnonzero(same).tolist())
            assert takers and plan.taken_by[i] == tuple(sorted(takers))
    assert len(plan.taken_by) == len(plan.taken_places) == problem.n_participants


@FAST
@given(
    cohort_problems(negative_scores=True),
    st.sampled_from([None, 0.2, 0.5]),
    st.sampled_from(["ortools", "highs", "greedy"]),
    st.booleans(),
)
def test_nobody_is_left_out_beside_a_place_with_room_and_reasons_are_true(
    problem, min_probability, solver, own_probability
):
    """Values may be negative (adjustments); only the stated minimum probability excuses
    leaving someone out while an eligible place with a slot and quota is left."""
    if own_probability:  # a probability apart from the value, as the API plans
        rng = np.random.default_rng(len(problem.score))
        problem = dataclasses.replace(problem, probability=rng.random(len(problem.score)))
    if solver == "greedy":
        plan = greedy_cohort(problem, min_probability=min_probability)
    else:
        plan = solve_cohort(problem, min_probability=min_probability, solver=solver)
    check_reasons(problem, plan, min_probability)


def test_a_negative_value_is_placed_rather_than_left_out():
    # The case: adjustments push a value below 0, and the place has room.
    problem = one_department([[-0.2, 0.5], [0.6, -0.1]], [[1, 0], [1, 1]], slots=[1, 1])
    plan = solve_cohort(problem)
    assert plan.assignment.tolist() == [0, 1]
    # without placing first, person 0 loses A to person 1, who is worth more there
    alone = solve_cohort(problem, place_first=False)
    assert alone.assignment.tolist() == [-1, 0]
    assert (alone.unassigned_reason[0], alone.taken_by[0]) == (CAPACITY, (1,))
    single = one_department([[-0.2]], slots=[1])
    assert solve_cohort(single).assignment.tolist() == [0]
    assert solve_cohort(single, place_first=False).unassigned_reason == ("negative_value",)


def test_placing_first_places_everyone_who_can_be_placed():
    # Person 0 scores most at A, but then person 1 (A only) goes without; the plan
    # places both (0 at B) instead, and names who took the place when one must wait.
    problem = one_department([[0.9, 0.1], [0.5, 0.0]], [[1, 1], [1, 0]], slots=[1, 1])
    assert solve_cohort(problem).assignment.tolist() == [1, 0]
    crowded = one_department([[0.9], [0.5]], slots=[1])
    plan = solve_cohort(crowded)
    assert plan.unassigned_reason == ("", CAPACITY)
    assert (plan.taken_by[1], plan.taken_places[1]) == ((0,), (0,))


def test_a_full_quota_names_the_department_s_bookings():
    problem = one_department([[0.9, 0.0], [0.8, 0.7]], [[1, 0], [1, 1]], slots=[1, 1], quota_max=1)
    plan = solve_cohort(problem)
    assert plan.assignment.tolist() == [0, -1]
    assert plan.unassigned_reason[1] == CAPACITY
    assert plan.taken_by[1] == (0,) and plan.taken_places[1] == (0, 1)


def test_minimum_probability_is_compared_with_the_probability_not_the_value():
    problem = one_department([[0.9], [0.2]], slots=[2], probability=np.array([[0.1], [0.6]]))
    plan = solve_cohort(problem, min_probability=0.5)
    assert plan.assignment.tolist() == [-1, 0]
    assert plan.unassigned_reason[0] == BELOW_MIN_PROBABILITY


def test_scarcity_prices_are_the_standing_plans_opportunity_costs():
    """The pure entry point bench/quality.py calls: per placement, probability points."""
    values = np.array([[0.9, 0.2], [0.5, 0.0]])
    eligible = np.array([[True, True], [True, False]])
    capacity = {"slots": np.array([1, 1]), "placement_department": np.array([0, 0])}
    prices = scarcity_prices(values, eligible, **capacity)
    problem = CohortProblem.from_dense(values, eligible, **capacity)
    plan = solve_cohort(problem)
    assert plan.assignment.tolist() == [1, 0]  # placing first: both placed
    assert prices.shape == (2,) and np.all(prices >= 0)
    assert np.allclose(prices, opportunity_cost(problem, plan))
    assert prices[0] > 0  # the slot both want is scarce
