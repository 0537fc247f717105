"""Reviewing and applying plans: edits are re-checked, applying books all rows or none."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models import repo_booking as booking
from models.clock import municipal_today
from models.match import Match
from models.org import Department, Quota, Unit
from models.participant import Participant
from models.placement import Placement
from models.plans import Plan, PlanRow
from models.repo_catalog_state import bump_catalog_version
from models.taxonomy import PlacementType
from tests.api.plan_world import Cohort, assert_feasible, post_plan, seed_cohort
from tests.factories import make_participant, make_placement


@pytest.fixture
def cohort(engine) -> Cohort:
    """Care (min 2, max 2, slots 1 + 2), IT (no quota, 1 slot), Parks (min 1, no places)."""
    return seed_cohort(engine)


def _matches(engine) -> list[Match]:
    with Session(engine, expire_on_commit=False) as session:
        return list(session.exec(select(Match)).all())


def test_apply_books_every_row_once(client, engine, cohort):
    plan = post_plan(client, cohort)
    response = client.post(f"/api/v1/plans/{plan['id']}/apply", headers=cohort.headers())
    assert response.status_code == 200, response.text
    applied = response.json()
    assert applied["status"] == "applied" and applied["applied_by"] is not None
    matches = {m.participant_id: m for m in _matches(engine)}
    assert {r["participant_id"]: r["placement_id"] for r in applied["rows"]} == {
        pid: m.placement_id for pid, m in matches.items()
    }
    assert all(r["match_id"] == matches[r["participant_id"]].id for r in applied["rows"])
    with Session(engine, expire_on_commit=False) as session:
        care = session.exec(
            select(Quota).where(Quota.department_id == cohort.departments["care"])
        ).one()
        assert care.booked == 2
    again = client.post(f"/api/v1/plans/{plan['id']}/apply", headers=cohort.headers())
    assert again.status_code == 409
    assert len(_matches(engine)) == 3


def test_apply_with_one_slot_taken_meanwhile_books_nothing(client, engine, cohort):
    plan = post_plan(client, cohort)
    taken_row = next(r for r in plan["rows"] if r["placement_id"] == cohort.placements["desk"])
    with Session(engine, expire_on_commit=False) as session:
        outsider = make_participant(session, unit=session.get(Unit, cohort.unit_id))
        desk = session.get(Placement, cohort.placements["desk"])
        booking.accept(session, participant=outsider, placement=desk, by=None, on=municipal_today())
        session.commit()
    response = client.post(f"/api/v1/plans/{plan['id']}/apply", headers=cohort.headers())
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("capacity-full")
    assert [
        (c["what"], c["placement_id"], c["participant_ids"], c["needed"], c["available"])
        for c in problem["conflicts"]
    ] == [("placement", cohort.placements["desk"], [taken_row["participant_id"]], 1, 0)]
    assert len(_matches(engine)) == 1  # only the outsider's
    with Session(engine, expire_on_commit=False) as session:
        assert session.get(Plan, plan["id"]).status == "proposed"
        ward = session.get(Placement, cohort.placements["ward"])
        kitchen = session.get(Placement, cohort.placements["kitchen"])
        assert ward.booked == kitchen.booked == 0
        care = session.exec(
            select(Quota).where(Quota.department_id == cohort.departments["care"])
        ).one()
        assert care.booked == 0


def test_apply_lists_every_conflict(client, engine, cohort):
    plan = post_plan(client, cohort)
    care_rows = [r for r in plan["rows"] if r["department_id"] == cohort.departments["care"]]
    placed_meanwhile = care_rows[0]["participant_id"]
    with Session(engine, expire_on_commit=False) as session:
        care = session.exec(
            select(Quota).where(Quota.department_id == cohort.departments["care"])
        ).one()
        care.max_headcount, care.min_headcount = 1, 1
        desk = session.get(Placement, cohort.placements["desk"])
        desk.is_open = False
        elsewhere = make_placement(
            session,
            department=session.get(Department, cohort.departments["parks"]),
            work_area="area-parks",
        )
        booking.accept(
            session,
            participant=session.get(Participant, placed_meanwhile),
            placement=elsewhere,
            by=None,
            on=municipal_today(),
        )
        session.commit()
    response = client.post(f"/api/v1/plans/{plan['id']}/apply", headers=cohort.headers())
    assert response.status_code == 409
    found = sorted(
        (c["what"], c.get("department_id"), c.get("participant_id"))
        for c in response.json()["conflicts"]
    )
    assert found == [
        ("participant", cohort.departments["care"], placed_meanwhile),
        ("placement-closed", cohort.departments["it"], desk_participant(plan, cohort)),
        ("quota", cohort.departments["care"], None),
    ]
    assert len(_matches(engine)) == 1  # only the booking made meanwhile


def desk_participant(plan: dict, cohort) -> int:
    return next(
        r["participant_id"] for r in plan["rows"] if r["placement_id"] == cohort.placements["desk"]
    )


def test_drop_and_change_rows_then_apply(client, engine, cohort):
    plan = post_plan(client, cohort)
    url = f"/api/v1/plans/{plan['id']}/rows"
    desk_row = next(r for r in plan["rows"] if r["placement_id"] == cohort.placements["desk"])
    waiting = plan["unassigned"][0]
    edits = {"edits": [{"row_id": desk_row["id"], "drop": True}]}
    dropped = client.patch(url, json=edits, headers=cohort.headers())
    assert dropped.status_code == 200, dropped.text
    assert dropped.json()["edited"] and dropped.json()["n_assigned"] == 2
    # the desk is free again in the plan: give it to someone the solver left out
    change = {"edits": [{"row_id": waiting["id"], "placement_id": cohort.placements["desk"]}]}
    changed = client.patch(url, json=change, headers=cohort.headers()).json()
    moved = next(r for r in changed["rows"] if r["id"] == waiting["id"])
    assert moved["edited"] and moved["reason"] is None and moved["score"] is not None
    assert_feasible(engine, changed)
    applied = client.post(f"/api/v1/plans/{plan['id']}/apply", headers=cohort.headers()).json()
    booked = {m.participant_id for m in _matches(engine)}
    assert waiting["participant_id"] in booked and desk_row["participant_id"] not in booked
    assert applied["status"] == "applied"
    late = client.patch(url, json=edits, headers=cohort.headers())
    assert late.status_code == 409


def test_changed_rows_are_rechecked(client, engine, cohort):
    plan = post_plan(client, cohort)
    url = f"/api/v1/plans/{plan['id']}/rows"
    waiting = plan["unassigned"][0]
    # all of care's quota is in the plan already: a third care row would break the maximum
    over = {"edits": [{"row_id": waiting["id"], "placement_id": cohort.placements["kitchen"]}]}
    response = client.patch(url, json=over, headers=cohort.headers())
    assert response.status_code == 409
    assert response.json()["conflicts"][0]["what"] in {"placement", "quota"}
    with Session(engine, expire_on_commit=False) as session:
        young = make_placement(
            session,
            department=session.get(Department, cohort.departments["parks"]),
            work_area="area-parks",
            type_code="ungdom",
            slots=3,
        )
        bump_catalog_version(session)  # what the catalog routes do; the cache sees it
        session.commit()
    too_old = {"edits": [{"row_id": waiting["id"], "placement_id": young.id}]}
    refused = client.patch(url, json=too_old, headers=cohort.headers())
    assert refused.status_code == 409 and refused.json()["what"] == "eligibility"
    assert any(e.startswith("max_age") for e in refused.json()["exclusions"])
    unknown = {"edits": [{"row_id": 999_999, "drop": True}]}
    assert client.patch(url, json=unknown, headers=cohort.headers()).status_code == 422
    both = {"edits": [{"row_id": waiting["id"], "drop": True, "placement_id": young.id}]}
    assert client.patch(url, json=both, headers=cohort.headers()).status_code == 422
    with Session(engine, expire_on_commit=False) as session:
        row = session.get(PlanRow, waiting["id"])
        assert row.placement_id is None and not row.edited
        assert not session.get(Plan, plan["id"]).edited


def test_type_rules_changed_meanwhile_are_conflicts(client, engine, cohort):
    plan = post_plan(client, cohort)
    with Session(engine, expire_on_commit=False) as session:
        session.get(PlacementType, "praktik").min_months_on_assistance = 600
        session.commit()
    response = client.post(f"/api/v1/plans/{plan['id']}/apply", headers=cohort.headers())
    assert response.status_code == 409
    conflicts = response.json()["conflicts"]
    assert {c["what"] for c in conflicts} == {"eligibility"}
    assert sorted(c["participant_id"] for c in conflicts) == sorted(
        r["participant_id"] for r in plan["rows"]
    )
    assert _matches(engine) == []
