"""The standing plan: the only source of scarcity prices, solved when changed enough."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from api import catalog_cache
from api import standing_plan as keeper_module
from api.catalog_cache import CatalogCache, build_catalog, scarcity_prices
from api.standing_plan import StandingPlanKeeper, due, refresh
from matcher import load_policy
from models.clock import SYSTEM_CLOCK, municipal_today
from models.org import Role
from models.repo_standing_plan import (
    Counters,
    change_counters,
    latest_standing_plan,
    standing_prices,
    try_claim_solve,
)
from models.standing_plan import StandingPlan
from tests.api.plan_world import Cohort, post_plan, seed_cohort


@pytest.fixture
def cohort(engine) -> Cohort:
    """Five participants compete for three places: scarcity has a price."""
    return seed_cohort(engine)


def _solve(engine, *, force: bool = True) -> StandingPlan | None:
    return StandingPlanKeeper(engine, interval=0).run_once(force=force)


def _suggestions(client, cohort) -> list[tuple]:
    lists = []
    for participant in cohort.participants:
        response = client.get(
            f"/api/v1/participants/{participant}/suggestions",
            params={"limit": 10},
            headers=cohort.headers(Role.caseworker),
        )
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        lists.append(
            tuple((i["placement_id"], i["score"], i["adjustments"]["scarcity"]) for i in items)
        )
    return lists


def test_standing_plan_prices_the_catalog(engine, cohort):
    plan = _solve(engine)
    assert plan is not None and plan.trigger == "forced"
    assert plan.n_participants == 5 and plan.n_assigned == 3  # everyone waiting, placing first
    assert plan.placement_prices or plan.department_prices  # 5 people for 3 places
    with Session(engine, expire_on_commit=False) as session:
        prices = standing_prices(session, SYSTEM_CLOCK.now())
        catalog = build_catalog(session, load_policy(), municipal_today())
    assert catalog.prices is not None and catalog.prices.max() > 0
    assert np.allclose(catalog.prices, scarcity_prices(catalog.compiled, prices))


def test_no_standing_plan_means_no_scarcity(engine, cohort):
    with Session(engine, expire_on_commit=False) as session:
        assert build_catalog(session, load_policy(), municipal_today()).prices is None


def test_a_coordinator_plan_never_changes_anyones_suggestions(client, engine, cohort):
    """The issue's bug: an unapplied what-if plan changed other people's lists."""
    _solve(engine)
    before = _suggestions(client, cohort)
    assert any(scarcity != 0 for items in before for _, _, scarcity in items)
    for options in ({}, {"priority_weight": 10.0}, {"min_probability": 0.9}):
        post_plan(client, cohort, options=options)
        assert _suggestions(client, cohort) == before
    with Session(engine, expire_on_commit=False) as session:
        assert latest_standing_plan(session).trigger == "forced"  # still the system's own


def test_without_a_standing_plan_a_coordinator_plan_adds_no_scarcity(client, engine, cohort):
    post_plan(client, cohort)
    for items in _suggestions(client, cohort):
        assert all(scarcity == 0 for _, _, scarcity in items)


def test_a_new_standing_plan_reaches_a_cached_catalog_without_a_rebuild(
    engine, cohort, monkeypatch
):
    cache = CatalogCache()
    with Session(engine, expire_on_commit=False) as session:
        assert cache.get(session).prices is None
    builds = []
    monkeypatch.setattr(catalog_cache, "build_catalog", lambda *a, **k: builds.append(a))
    _solve(engine)
    with Session(engine, expire_on_commit=False) as session:
        first = cache.get(session)
        again = cache.get(session)
        prices = standing_prices(session, SYSTEM_CLOCK.now())
    assert builds == []  # the prices were refreshed, the placements not compiled again
    assert again is first
    assert np.allclose(first.prices, scarcity_prices(first.compiled, prices))


def test_refresh_solves_only_when_due(engine, cohort):
    policy = load_policy()
    with Session(engine, expire_on_commit=False) as session:
        first = refresh(session, policy)
        session.commit()
        assert first is not None and first.trigger == "none"
        assert refresh(session, policy) is None  # nothing changed
    with Session(engine, expire_on_commit=False) as session:
        assert latest_standing_plan(session).id == first.id


def _plan(**changes) -> StandingPlan:
    base = StandingPlan(
        id=1,
        created_at=SYSTEM_CLOCK.now() - timedelta(minutes=10),
        planned_on=municipal_today(),
        trigger="none",
        scorer_version="policy-1",
        catalog_version=10,
        layout_version=3,
        caseload_version=20,
        n_participants=0,
        n_placements=0,
        n_assigned=0,
        objective=0.0,
        solver_seconds=0.0,
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


SAME = Counters(catalog_version=10, layout_version=3, caseload_version=20, model_version=None)


def _due(plan, counters=SAME, scorer="policy-1"):
    return due(plan, counters, scorer, municipal_today(), SYSTEM_CLOCK.now())


def test_due_names_its_trigger():
    assert _due(None) == "none"
    assert _due(_plan()) is None  # nothing moved, the same day
    assert _due(_plan(planned_on=municipal_today() - timedelta(days=1))) == "new_day"
    assert _due(_plan(), scorer="model-2") == "scorer"
    assert _due(_plan(), SAME._replace(layout_version=4)) == "catalog"
    steps = keeper_module.CHANGES
    assert _due(_plan(), SAME._replace(catalog_version=10 + steps)) == "bookings"
    assert _due(_plan(), SAME._replace(catalog_version=10 + steps - 1)) is None
    people = keeper_module.CASELOAD_CHANGES
    assert _due(_plan(), SAME._replace(caseload_version=20 + people)) == "caseload"
    old = _plan(created_at=SYSTEM_CLOCK.now() - keeper_module.MAX_AGE - timedelta(seconds=1))
    assert _due(old, SAME._replace(catalog_version=11)) == "age"
    assert _due(old) is None  # old, but nothing moved


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(0, 3),
    st.integers(0, 600),
    st.floats(0, 30),
)
def test_no_capacity_trigger_inside_the_minimum_interval(
    bookings, people, layout, seconds, solve_seconds
):
    """However much moved, capacity and caseload never solve twice within the minimum
    interval, and that interval is 20 solve-times, at least 10 s and at most 2 minutes."""
    recent = _plan(
        created_at=SYSTEM_CLOCK.now() - timedelta(seconds=seconds), solver_seconds=solve_seconds
    )
    counters = Counters(10 + bookings, 3 + layout, 20 + people, None)
    trigger = _due(recent, counters)
    wait = keeper_module.min_interval(recent)
    assert keeper_module.MIN_INTERVAL_FLOOR <= wait <= keeper_module.MIN_INTERVAL
    assert wait >= min(keeper_module.MIN_INTERVAL, timedelta(seconds=20 * solve_seconds))
    if timedelta(seconds=seconds) < wait:
        assert trigger is None
    elif layout:
        assert trigger == "catalog"
    elif trigger is None:
        assert bookings < keeper_module.CHANGES and people < keeper_module.CASELOAD_CHANGES


def test_a_fast_solve_follows_bookings_within_seconds_a_slow_one_waits_longer():
    moved = SAME._replace(catalog_version=10 + keeper_module.CHANGES)
    now = SYSTEM_CLOCK.now()

    def plan(age_s: float, solve_s: float):
        return _plan(created_at=now - timedelta(seconds=age_s), solver_seconds=solve_s)

    assert _due(plan(11, 0.05), moved) == "bookings"  # the 10 s floor
    assert _due(plan(9, 0.05), moved) is None
    assert _due(plan(19, 1.0), moved) is None  # 20 solve-times
    assert _due(plan(21, 1.0), moved) == "bookings"
    assert _due(plan(119, 30.0), moved) is None  # at most 2 minutes
    assert _due(plan(121, 30.0), moved) == "bookings"


def test_change_counters_follow_bookings_and_the_caseload(engine, cohort):
    with Session(engine, expire_on_commit=False) as session:
        counters = change_counters(session)
    assert counters.caseload_version >= 5  # each participant's creation is a revision
    assert counters.model_version is None


@pytest.mark.postgres
def test_only_one_solver_at_a_time_on_postgres(pg_engine):
    with Session(pg_engine) as first, Session(pg_engine) as second:
        assert try_claim_solve(first)
        assert not try_claim_solve(second)  # another worker or service is solving
        first.commit()  # the transaction-level lock goes with the transaction
        assert try_claim_solve(second)
        second.rollback()


def test_sqlite_always_claims(engine):
    with Session(engine) as session:
        assert try_claim_solve(session)


def test_each_waiting_participants_suggestions_lead_with_the_standing_plans_pick(
    client, engine, cohort
):
    """At the plan's exact prices a participant's planned placement reaches their best
    priced value; their list puts it first, so one decision at a time follows the plan."""
    plan = _solve(engine)
    assert len(plan.picks) == plan.n_assigned == 3
    with Session(engine, expire_on_commit=False) as session:
        catalog = build_catalog(session, load_policy(), municipal_today())
    assert catalog.picks == {int(k): v for k, v in plan.picks.items()}
    for participant, pick in catalog.picks.items():
        response = client.get(
            f"/api/v1/participants/{participant}/suggestions",
            headers=cohort.headers(Role.caseworker),
        )
        items = response.json()["items"]
        assert items[0]["placement_id"] == pick, (participant, items[:3])


def test_the_keeper_thread_starts_and_stops(engine):
    keeper = StandingPlanKeeper(engine, interval=3600)
    keeper.start()
    keeper.stop()  # the wait ends at once; nothing hangs a shutting-down service
    assert not keeper._thread.is_alive()


def test_platsa_standing_plan_solves_once_then_reports_it_unchanged(tmp_path):
    env = {**os.environ, "PLATSA_DATABASE_URL": f"sqlite:///{tmp_path / 'platsa.db'}"}
    command = [sys.executable, "-m", "api.cli", "standing-plan"]
    root = Path(__file__).parents[2]

    def run(*extra: str) -> dict:
        done = subprocess.run(
            [*command, *extra], env=env, cwd=root, capture_output=True, text=True, check=True
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = run()
    assert first["solved"] and first["trigger"] == "none" and first["n_participants"] == 0
    assert run()["solved"] is False  # nothing changed enough
    forced = run("--force")
    assert forced["solved"] and forced["trigger"] == "forced" and forced["id"] == first["id"] + 1


def test_a_place_worth_more_to_someone_else_waiting_is_marked_so(client, engine, cohort):
    """Five people for three places: those the standing plan leaves out see their items
    priced at or below 0, and a negative score is marked kept_for_others."""
    plan = _solve(engine)
    left_out = [p for p in cohort.participants if str(p) not in plan.picks]
    assert len(left_out) == 2
    marked = 0
    for participant in cohort.participants:
        items = client.get(
            f"/api/v1/participants/{participant}/suggestions",
            headers=cohort.headers(Role.caseworker),
        ).json()["items"]
        for item in items:
            assert item["kept_for_others"] is (item["score"] < 0)
            marked += item["kept_for_others"]
        if participant in left_out and items:
            assert items[0]["score"] <= 1e-6, items[0]
    assert marked > 0


def test_coordinators_see_the_standing_plans_newest_first(client, engine, cohort):
    """The ops view: when and why the system solved its plan, and what it placed."""
    first = _solve(engine)
    second = _solve(engine)
    response = client.get("/api/v1/standing-plans", headers=cohort.headers(Role.coordinator))
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["count"] == 2 and [p["id"] for p in page["data"]] == [second.id, first.id]
    newest = page["data"][0]
    assert newest["trigger"] == "forced" and newest["n_participants"] == 5
    assert newest["n_assigned"] == 3
    assert newest["n_priced"] == len(second.placement_prices) + len(second.department_prices)
    assert "picks" not in newest  # who the plan gave what stays out of the overview
    denied = client.get("/api/v1/standing-plans", headers=cohort.headers(Role.caseworker))
    assert denied.status_code == 403


def test_the_standing_plan_never_picks_a_placement_declined_lately(client, engine, cohort):
    """Its picks are the lists' tie-break and its prices their scarcity: neither counts on
    a participant taking a placement they turned down (declined or withdrawn)."""
    first = _solve(engine)
    assert first.picks
    for participant, placement in first.picks.items():
        response = client.post(
            "/api/v1/matches",
            json={"participant_id": int(participant), "placement_id": placement,
                  "decision": "declined", "reason_code": "hours"},
            headers=cohort.headers(Role.caseworker),
        )  # fmt: skip
        assert response.status_code == 201, response.text
    again = _solve(engine)
    for participant, placement in again.picks.items():
        assert first.picks.get(participant) != placement
    # with no memory the same declines do not bind
    with Session(engine, expire_on_commit=False) as session:
        unbound = refresh(session, load_policy(), force=True, decline_memory_days=0)
        session.commit()
    assert unbound.picks == first.picks
