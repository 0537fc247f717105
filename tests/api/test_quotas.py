"""Quotas: who may set them, every change versioned and logged, and the booked floor."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.history import Revision
from models.match import Match, MatchStatus
from models.org import Department, Quota, Role, Unit
from models.repo_catalog_state import catalog_version
from tests.factories import (
    auth,
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_quota,
    make_unit,
    make_user,
)

BODY = {
    "period_start": "2026-01-01",
    "period_end": "2026-06-30",
    "min_headcount": 2,
    "max_headcount": 5,
}


@pytest.fixture
def world(engine):
    with Session(engine) as session:
        unit = make_unit(session)
        department = make_department(session, name="Vård och omsorg")
        users = {role: make_user(session, role=role, unit=unit) for role in Role}
        session.commit()
        return {
            "department_id": department.id,
            "unit_id": unit.id,
            "tokens": {role: token for role, (_, token) in users.items()},
            "user_ids": {role: user.id for role, (user, _) in users.items()},
        }


def _post(client, world, role=Role.coordinator, **changes):
    body = {**BODY, "department_id": world["department_id"], **changes}
    return client.post("/api/v1/quotas", json=body, headers=auth(world["tokens"][role]))


def test_coordinator_creates_a_quota_with_revision_and_catalog_bump(client, engine, world):
    response = _post(client, world)
    assert response.status_code == 201, response.text
    quota = response.json()
    assert quota["booked"] == 0 and quota["version"] == 1 and quota["max_headcount"] == 5
    with Session(engine) as session:
        revisions = session.exec(select(Revision).where(Revision.entity == "quota")).all()
        assert [(r.entity_id, r.version) for r in revisions] == [(str(quota["id"]), 1)]
        assert revisions[0].recorded_by == world["user_ids"][Role.coordinator]
        assert catalog_version(session) == 1
    listed = client.get("/api/v1/quotas", headers=auth(world["tokens"][Role.coordinator]))
    assert listed.json()["count"] == 1


@pytest.mark.parametrize("role", [Role.caseworker, Role.evaluator])
def test_readers_may_list_but_not_write(client, world, role):
    assert _post(client, world, role=role).status_code == 403
    assert client.get("/api/v1/quotas", headers=auth(world["tokens"][role])).status_code == 200


def test_admin_may_write(client, world):
    assert _post(client, world, role=Role.admin).status_code == 201


def test_invalid_bodies_answer_422(client, world):
    assert _post(client, world, min_headcount=6).status_code == 422
    assert _post(client, world, period_end="2025-12-31").status_code == 422
    assert _post(client, world, max_headcount=-1).status_code == 422
    unknown = _post(client, world, department_id=999_999)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "department_id"]


def test_overlapping_period_is_a_conflict(client, world):
    assert _post(client, world).status_code == 201
    clash = _post(client, world, period_start="2026-06-01", period_end="2026-12-31")
    assert clash.status_code == 409
    assert (
        _post(client, world, period_start="2026-07-01", period_end="2026-12-31").status_code == 201
    )


def test_change_is_versioned_and_listed_in_history(client, engine, world):
    quota = _post(client, world).json()
    headers = auth(world["tokens"][Role.coordinator])
    url = f"/api/v1/quotas/{quota['id']}"
    changed = client.patch(url, json={"max_headcount": 8}, headers=headers)
    assert changed.status_code == 200 and changed.json()["version"] == 2
    again = client.patch(url, json={"min_headcount": 3}, headers=headers)
    assert again.json()["version"] == 3
    history = client.get(url + "/history", headers=auth(world["tokens"][Role.evaluator])).json()
    assert [(h["version"], h["min_headcount"], h["max_headcount"]) for h in history] == [
        (1, 2, 5),
        (2, 2, 8),
        (3, 3, 8),
    ]
    with Session(engine) as session:
        assert catalog_version(session) == 3


def test_stale_if_match_and_min_above_max_are_refused(client, world):
    quota = _post(client, world).json()
    headers = auth(world["tokens"][Role.coordinator])
    url = f"/api/v1/quotas/{quota['id']}"
    stale = client.patch(url, json={"max_headcount": 9}, headers={**headers, "If-Match": "7"})
    assert stale.status_code == 409
    inverted = client.patch(url, json={"min_headcount": 6}, headers=headers)
    assert inverted.status_code == 422
    assert client.get(url, headers=headers).json()["version"] == 1


def test_maximum_may_not_go_below_booked(client, engine, world):
    with Session(engine) as session:
        department = session.get(Department, world["department_id"])
        quota = make_quota(session, department=department, max_headcount=3)
        make_concept(session, id="area-care", kind="occupation")
        make_placement_type(session)
        placement = make_placement(session, department=department, work_area="area-care", slots=3)
        unit = session.get(Unit, world["unit_id"])
        for _ in range(2):
            participant = make_participant(session, unit=unit)
            session.add(
                Match(
                    participant_id=participant.id,
                    placement_id=placement.id,
                    quota_id=quota.id,
                    status=MatchStatus.accepted,
                )
            )
        quota.booked = 2
        session.commit()
        quota_id = quota.id
    headers = auth(world["tokens"][Role.coordinator])
    url = f"/api/v1/quotas/{quota_id}"
    below = client.patch(url, json={"max_headcount": 1}, headers=headers)
    assert below.status_code == 409 and below.json()["booked"] == 2
    assert client.patch(url, json={"max_headcount": 2}, headers=headers).status_code == 200
    with Session(engine) as session:
        assert session.get(Quota, quota_id).max_headcount == 2


def test_unknown_quota_is_404(client, world):
    headers = auth(world["tokens"][Role.coordinator])
    assert (
        client.patch("/api/v1/quotas/999", json={"max_headcount": 1}, headers=headers).status_code
        == 404
    )
    assert client.get("/api/v1/quotas/999/history", headers=headers).status_code == 404
