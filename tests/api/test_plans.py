"""Cohort plans: feasible, exact about unmet minima, reasons for the unassigned, prices."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
from sqlmodel import Session, select

from api.catalog_cache import build_catalog, scarcity_prices
from matcher import ADJUSTMENTS, load_policy
from matcher.value import score_matrix
from models import repo_booking as booking
from models.clock import municipal_today
from models.convert import participant_to_domain
from models.org import Quota, Role
from models.participant import Participant
from models.placement import Placement
from models.plans import Plan
from tests.api.plan_world import (
    AREAS,
    Cohort,
    assert_feasible,
    make_taxonomy,
    make_users,
    post_plan,
    seed_cohort,
)
from tests.factories import (
    make_department,
    make_participant,
    make_placement,
    make_quota,
    make_unit,
)


@pytest.fixture
def cohort(engine) -> Cohort:
    """Care (min 2, max 2, slots 1 + 2), IT (no quota, 1 slot), Parks (min 1, no places)."""
    return seed_cohort(engine)


def test_plan_for_a_unit_is_feasible_and_reports_shortfalls(client, engine, cohort):
    plan = post_plan(client, cohort)
    assert plan["status"] == "proposed" and plan["solver"] == "ortools-mcf"
    assert plan["n_participants"] == 5 and plan["n_assigned"] == 3
    assert_feasible(engine, plan)
    departments = Counter(r["department_id"] for r in plan["rows"])
    assert departments == {cohort.departments["care"]: 2, cohort.departments["it"]: 1}
    # care's minimum is met; parks has no placement, so its whole minimum is short
    assert plan["shortfalls"] == [{"department_id": cohort.departments["parks"], "short_by": 1}]
    assert {r["reason"] for r in plan["unassigned"]} == {"capacity"}
    placed = {r["participant_id"] for r in plan["rows"]}
    for left in plan["unassigned"]:  # all eligible places taken, and by whom
        assert left["taken_by"] and set(left["taken_by"]) <= placed
        assert left["taken_places"]
    row = plan["rows"][0]
    assert set(row["contributions"]) >= {"skills", "interests", "capacity", "scarcity"}
    assert 0 < row["score"] - sum(row["contributions"][a] for a in ADJUSTMENTS) < 1
    assert plan["total_score"] == pytest.approx(sum(r["score"] for r in plan["rows"]), abs=1e-3)


def test_shortfall_is_exact_when_a_minimum_cannot_be_met(client, engine, cohort):
    with Session(engine, expire_on_commit=False) as session:
        quota = session.exec(
            select(Quota).where(Quota.department_id == cohort.departments["care"])
        ).one()
        quota.min_headcount, quota.max_headcount = 5, 5
        session.commit()
    plan = post_plan(client, cohort)
    assert_feasible(engine, plan)
    care = sum(r["department_id"] == cohort.departments["care"] for r in plan["rows"])
    assert care == 3  # every care slot is used to move towards the minimum
    shortfalls = {s["department_id"]: s["short_by"] for s in plan["shortfalls"]}
    assert shortfalls == {cohort.departments["care"]: 2, cohort.departments["parks"]: 1}


def test_participant_without_any_eligible_place_stays_unassigned(client, engine):
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session)
        make_taxonomy(session)
        department = make_department(session)
        make_placement(
            session, department=department, work_area="area-parks", type_code="ungdom", slots=2
        )
        old = make_participant(session, unit=unit, birth_year=1960, interests=["area-parks"])
        tokens = make_users(session, unit)
        session.commit()
    cohort = Cohort(unit_id=unit.id, tokens=tokens, participants=[old.id])
    plan = post_plan(client, cohort)
    assert plan["rows"] == []
    assert [(r["participant_id"], r["reason"]) for r in plan["unassigned"]] == [
        (old.id, "no_eligible_placement")
    ]


def test_already_placed_participants_are_kept_out(client, engine, cohort):
    first = cohort.participants[0]
    with Session(engine, expire_on_commit=False) as session:
        participant = session.get(Participant, first, with_for_update=True)
        desk = session.get(Placement, cohort.placements["desk"])
        booking.accept(
            session, participant=participant, placement=desk, by=None, on=municipal_today()
        )
        session.commit()
    plan = post_plan(client, cohort, participant_ids=cohort.participants)
    reasons = {r["participant_id"]: r["reason"] for r in plan["unassigned"]}
    assert reasons[first] == "already_placed"
    # the desk is taken, so IT has nothing left to give
    assert all(r["placement_id"] != cohort.placements["desk"] for r in plan["rows"])
    assert_feasible(engine, plan)


def test_priority_weight_gives_the_scarce_slot_to_the_furthest(client, engine):
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session)
        make_taxonomy(session)
        department = make_department(session)
        make_placement(session, department=department, work_area="area-care", slots=1)
        close = make_participant(
            session, unit=unit, interests=["area-care"], skills=["skill-cook"], support_need=1
        )
        far = make_participant(session, unit=unit, interests=["area-care"], support_need=5)
        tokens = make_users(session, unit)
        session.commit()
    cohort = Cohort(unit_id=unit.id, tokens=tokens, participants=[close.id, far.id])
    neutral = post_plan(client, cohort)
    assert [r["participant_id"] for r in neutral["rows"]] == [close.id]
    prioritised = post_plan(client, cohort, options={"priority_weight": 10})
    assert [r["participant_id"] for r in prioritised["rows"]] == [far.id]
    assert prioritised["options"]["priority_weight"] == 10


def test_min_probability_leaves_weak_pairs_out(client, cohort):
    plan = post_plan(client, cohort, options={"min_probability": 1.0})
    assert plan["rows"] == []
    assert {r["reason"] for r in plan["unassigned"]} == {"below_min_probability"}
    assert plan["options"]["min_probability"] == 1.0
    response = client.post(
        "/api/v1/plans",
        json={"unit_id": cohort.unit_id, "options": {"min_probability": 1.5}},
        headers=cohort.headers(),
    )
    assert response.status_code == 422  # a probability, 0..1


def test_prices_are_stored_for_the_coordinator_but_never_price_suggestions(client, engine, cohort):
    plan = post_plan(client, cohort)
    prices = client.get(f"/api/v1/plans/{plan['id']}/prices", headers=cohort.headers()).json()
    assert prices["plan_id"] == plan["id"]
    # five people compete for three places: some capacity has a positive price
    assert prices["placement_prices"] or prices["department_prices"]
    assert all(v > 0 for v in prices["placement_prices"].values())
    with Session(engine, expire_on_commit=False) as session:
        catalog = build_catalog(session, load_policy(), municipal_today())
        people = [
            participant_to_domain(session.get(Participant, cohort.participants[0]), catalog.day)
        ]
    # a proposal is a what-if: only the standing plan prices (tests/api/test_standing_plan.py)
    assert catalog.prices is None
    # the scarcity factor subtracts each placement's opportunity cost, as priced
    placement_prices = {int(k): v for k, v in prices["placement_prices"].items()}
    department_prices = {int(k): v for k, v in prices["department_prices"].items()}
    cost = scarcity_prices(catalog.compiled, (placement_prices, department_prices))
    assert cost.max() > 0
    args = (people, catalog.compiled, catalog.scorer, catalog.day, catalog.policy)
    plain, _ = score_matrix(*args)
    scarce, _ = score_matrix(*args, prices=cost)
    weight = catalog.policy.weights.scarcity
    assert np.allclose(plain[0] - scarce[0], weight * cost, atol=1e-3)


def test_plans_are_listed_and_read(client, cohort):
    plan = post_plan(client, cohort)
    listed = client.get("/api/v1/plans", headers=cohort.headers(Role.admin)).json()
    assert listed["count"] == 1 and listed["data"][0]["id"] == plan["id"]
    assert "rows" not in listed["data"][0]
    read = client.get(f"/api/v1/plans/{plan['id']}", headers=cohort.headers()).json()
    assert read["rows"] == plan["rows"] and read["unassigned"] == plan["unassigned"]
    assert client.get("/api/v1/plans/999", headers=cohort.headers()).status_code == 404


@pytest.mark.parametrize("role", [Role.caseworker, Role.evaluator])
def test_only_coordinators_and_admins_plan(client, cohort, role):
    response = client.post(
        "/api/v1/plans", json={"unit_id": cohort.unit_id}, headers=cohort.headers(role)
    )
    assert response.status_code == 403
    assert client.get("/api/v1/plans", headers=cohort.headers(role)).status_code == 403


def test_bad_plan_requests_are_422(client, cohort):
    post = lambda body: client.post("/api/v1/plans", json=body, headers=cohort.headers())  # noqa: E731
    assert post({"unit_id": cohort.unit_id, "participant_ids": [1]}).status_code == 422
    assert post({}).status_code == 422
    assert post({"participant_ids": [1, 1]}).status_code == 422
    unknown = post({"participant_ids": [cohort.participants[0], 999_999]})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "participant_ids", 1]
    assert post({"unit_id": 999_999}).status_code == 422
    assert post({"unit_id": cohort.unit_id, "options": {"priority_weight": -1}}).status_code == 422


def test_random_cohorts_are_feasible_and_shortfalls_exact(client, engine):
    rng = np.random.default_rng(11)
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session)
        make_taxonomy(session)
        today = municipal_today()
        departments = [make_department(session) for _ in range(4)]
        for department in departments[:3]:
            low = int(rng.integers(0, 4))
            make_quota(
                session,
                department=department,
                min_headcount=low,
                max_headcount=low + int(rng.integers(0, 3)),
                period_start=today - timedelta(days=1),
                period_end=today + timedelta(days=90),
            )
        for _ in range(8):
            make_placement(
                session,
                department=departments[int(rng.integers(0, 4))],
                work_area=AREAS[int(rng.integers(0, 3))],
                type_code="ungdom" if rng.random() < 0.25 else "praktik",
                slots=int(rng.integers(1, 3)),
            )
        for _ in range(15):
            make_participant(
                session,
                unit=unit,
                birth_year=int(rng.choice([1970, 1990, 2004])),
                interests=[AREAS[int(rng.integers(0, 3))]],
                support_need=int(rng.integers(1, 6)),
            )
        tokens = make_users(session, unit)
        session.commit()
        minimum = {q.department_id: q.min_headcount for q in session.exec(select(Quota)).all()}
    cohort = Cohort(unit_id=unit.id, tokens=tokens, participants=[])
    for options in ({}, {"priority_weight": 2.0}, {"candidates_per_participant": 2}):
        plan = post_plan(client, cohort, options=options)
        assert_feasible(engine, plan)
        planned = Counter(r["department_id"] for r in plan["rows"])
        expected = {d: m - planned[d] for d, m in minimum.items() if m - planned[d] > 0}
        assert {s["department_id"]: s["short_by"] for s in plan["shortfalls"]} == expected


def test_a_plan_stored_with_the_old_min_score_option_still_reads(client, engine, cohort):
    plan = post_plan(client, cohort)
    with Session(engine, expire_on_commit=False) as session:
        stored = session.get(Plan, plan["id"])
        stored.options = {"priority_weight": 0.0, "min_score": 1.0}
        session.add(stored)
        session.commit()
    read = client.get(f"/api/v1/plans/{plan['id']}", headers=cohort.headers())
    assert read.status_code == 200, read.text
    assert read.json()["options"]["min_probability"] is None


def _decline_for_each(client, cohort) -> dict[int, int]:
    """Each participant declines the placement the plan gave them; {participant: placement}."""
    planned = {r["participant_id"]: r["placement_id"] for r in post_plan(client, cohort)["rows"]}
    for participant, placement in planned.items():
        response = client.post(
            "/api/v1/matches",
            json={"participant_id": participant, "placement_id": placement,
                  "decision": "declined", "reason_code": "commute"},
            headers=cohort.headers(Role.caseworker),
        )  # fmt: skip
        assert response.status_code == 201, response.text
    return planned


def test_a_plan_never_gives_anyone_a_placement_they_declined_lately(client, engine, cohort):
    """As the lists leave it out, so does the plan: nobody is planned where they said no
    within PLATSA_DECLINE_MEMORY_DAYS."""
    declined = _decline_for_each(client, cohort)
    again = post_plan(client, cohort)
    assert_feasible(engine, again)
    for row in again["rows"]:
        assert declined.get(row["participant_id"]) != row["placement_id"]
    assert all(r["reason"] for r in again["unassigned"])  # the unplaced are told why
