"""Decisions on SQLite: accept books, full is a clear 409 that writes nothing, follow-ups."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from api.metrics import BOOKINGS, CONFLICTS, REGISTRY
from matcher.policy import EligibilityPolicy
from models.audit import AccessLog
from models.clock import municipal_today
from models.match import Match, MatchEvent, Outcome
from models.org import Quota, Role
from models.participant import Participant
from models.placement import Placement
from models.repo_catalog_state import catalog_version
from models.repo_history import booked_match_ids_as_of
from tests.factories import (
    auth,
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_quota,
    make_suggestion,
    make_unit,
    make_user,
)

MATCHES = "/api/v1/matches"


@dataclass
class World:
    caseworker: dict[str, str]
    other_caseworker: dict[str, str]
    coordinator: dict[str, str]
    admin: dict[str, str]
    service: dict[str, str]
    participant: int
    second: int
    placement: int
    small: int
    suggestion: int
    quota: int
    department_code: str


@pytest.fixture
def world(session: Session) -> World:
    unit, other_unit = make_unit(session), make_unit(session)
    _, caseworker = make_user(session, role=Role.caseworker, unit=unit)
    _, other = make_user(session, role=Role.caseworker, unit=other_unit)
    _, coordinator = make_user(session, role=Role.coordinator)
    _, admin = make_user(session, role=Role.admin)
    _, service = make_user(session, role=Role.caseworker, unit=unit, is_person=False)
    make_concept(session, id="area-care", kind="occupation")
    make_placement_type(session)
    department = make_department(session)
    quota = make_quota(session, department=department, max_headcount=10)
    placement = make_placement(session, department=department, work_area="area-care", slots=3)
    small = make_placement(session, department=department, work_area="area-care", slots=1)
    participant = make_participant(session, unit=unit)
    second = make_participant(session, unit=unit)
    suggestion = make_suggestion(session, participant=participant, placements=[small, placement])
    session.commit()
    return World(
        auth(caseworker),
        auth(other),
        auth(coordinator),
        auth(admin),
        auth(service),
        participant.id,
        second.id,
        placement.id,
        small.id,
        suggestion.id,
        quota.id,
        department.code,
    )


def count(session: Session, table) -> int:
    session.rollback()  # end any read transaction so the app's commits are visible
    return session.exec(select(func.count()).select_from(table)).one()


def booked(session: Session, table, row_id: int) -> int:
    session.rollback()
    return session.exec(select(table.booked).where(table.id == row_id)).one()


def accept(client, world: World, *, headers=None, **body):
    payload = {"participant_id": world.participant, "placement_id": world.placement} | body
    return client.post(MATCHES, json=payload, headers=headers or world.caseworker)


def test_accept_from_suggestion_books_slot_and_quota(client, session, world):
    version = catalog_version(session)
    bookings = REGISTRY.get_sample_value("platsa_bookings_total") or 0.0
    response = accept(client, world, suggestion_id=world.suggestion)
    assert response.status_code == 201, response.text
    match = response.json()
    assert match["status"] == "accepted"
    assert (match["from_suggestion"], match["suggestion_rank"], match["override"]) == (
        True,
        2,
        False,
    )
    assert match["quota_id"] == world.quota
    assert booked(session, Placement, world.placement) == 1
    assert booked(session, Quota, world.quota) == 1
    assert catalog_version(session) == version + 1
    events = session.exec(select(MatchEvent).where(MatchEvent.match_id == match["id"])).all()
    assert [e.status for e in events] == ["accepted"]
    assert BOOKINGS._value.get() == bookings + 1
    assert f"platsa_bookings_total {bookings + 1}" in client.get("/metrics").text
    log = session.exec(select(AccessLog).where(AccessLog.participant_id == world.participant))
    assert [(a.action, a.method) for a in log] == [("write", "POST")]


def test_override_needs_a_reason_and_is_recorded(client, session, world):
    response = accept(client, world)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "reason"]
    assert count(session, Match) == 0
    response = accept(client, world, reason="  ")
    assert response.status_code == 422
    response = accept(client, world, reason="the participant asked for this workplace")
    assert response.status_code == 201
    match = response.json()
    assert (match["override"], match["from_suggestion"], match["suggestion_rank"]) == (
        True,
        False,
        None,
    )
    assert match["reason_text"] == "the participant asked for this workplace"


def test_citing_a_list_without_the_placement_is_an_override(client, session, world):
    other = make_placement(
        session, department=make_department(session), work_area="area-care", slots=2
    )
    session.commit()
    body = {"placement_id": other.id, "suggestion_id": world.suggestion}
    assert accept(client, world, **body).status_code == 422
    response = accept(client, world, **body, reason="closer to home")
    assert response.status_code == 201
    assert response.json()["override"] is True
    assert response.json()["suggestion_id"] == world.suggestion


def test_suggestion_for_another_participant_is_refused(client, session, world):
    response = accept(client, world, participant_id=world.second, suggestion_id=world.suggestion)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "suggestion_id"]
    response = accept(client, world, suggestion_id=999_999)
    assert response.status_code == 422
    assert count(session, Match) == 0


def test_full_placement_is_409_and_writes_nothing(client, session, world):
    first = accept(client, world, placement_id=world.small, suggestion_id=world.suggestion)
    assert first.status_code == 201
    before = (count(session, Match), count(session, MatchEvent), count(session, AccessLog))
    version = catalog_version(session)
    conflicts = REGISTRY.get_sample_value("platsa_booking_conflicts_total", {"what": "placement"})
    response = accept(client, world, participant_id=world.second, placement_id=world.small,
                      reason="wants it")  # fmt: skip
    assert response.status_code == 409
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["detail"] == f"placement {world.small} has no slot left (1 of 1 booked)"
    assert problem["what"] == "placement"
    assert (count(session, Match), count(session, MatchEvent), count(session, AccessLog)) == before
    assert booked(session, Placement, world.small) == 1
    assert booked(session, Quota, world.quota) == 1
    assert catalog_version(session) == version
    assert CONFLICTS.labels("placement")._value.get() == (conflicts or 0) + 1


def test_full_quota_is_409_and_leaves_the_placement_untouched(client, session, world):
    session.get(Quota, world.quota).max_headcount = 1
    session.commit()
    assert accept(client, world, suggestion_id=world.suggestion).status_code == 201
    response = accept(client, world, participant_id=world.second, reason="x")
    assert response.status_code == 409
    year = municipal_today().year
    assert response.json()["detail"] == (
        f"department {world.department_code}'s quota for {year}-01-01–{year}-12-31 is full (1 of 1)"
    )
    assert response.json()["what"] == "quota"
    assert booked(session, Placement, world.placement) == 1  # the second increment rolled back
    assert count(session, Match) == 1


def test_no_quota_for_the_period_books_without_one(client, session, world):
    session.get(Quota, world.quota).period_end = municipal_today() - timedelta(days=1)
    session.get(Quota, world.quota).period_start = municipal_today() - timedelta(days=30)
    session.commit()
    response = accept(client, world, suggestion_id=world.suggestion)
    assert response.status_code == 201
    assert response.json()["quota_id"] is None
    assert booked(session, Quota, world.quota) == 0


def test_inactive_participant_cannot_be_booked(client, session, world):
    session.get(Participant, world.participant).active = False
    session.commit()
    response = accept(client, world, suggestion_id=world.suggestion)
    assert response.status_code == 409
    assert response.json()["detail"] == f"participant {world.participant} is inactive"


def test_participant_holds_one_booking_at_a_time(client, session, world):
    assert accept(client, world, suggestion_id=world.suggestion).status_code == 201
    response = accept(client, world, placement_id=world.small, suggestion_id=world.suggestion)
    assert response.status_code == 409
    assert "already has a booked match" in response.json()["detail"]
    assert booked(session, Placement, world.small) == 0


@pytest.mark.parametrize(
    ("change", "what", "why"),
    [
        ({"is_open": False}, "placement-closed", "is closed"),
        ({"start_date": date(2099, 1, 1)}, "not-open", "starts 2099-01-01, more than 90 days"),
        (
            {"start_date": date(2019, 1, 1), "end_date": date(2020, 1, 1)},
            "not-open",
            "ended 2020-01-01",
        ),
    ],
)
def test_ineligible_placement_is_409_naming_why(client, session, world, change, what, why):
    placement = session.get(Placement, world.placement)
    for field, value in change.items():
        setattr(placement, field, value)
    session.commit()
    response = accept(client, world, suggestion_id=world.suggestion)
    assert response.status_code == 409
    assert response.json()["what"] == what
    assert why in response.json()["detail"]
    assert count(session, Match) == 0


def _open_check(client, world: World, placement_id: int) -> tuple[bool, dict]:
    """(suggested to the participant?, the pair's eligibility answer)."""
    base = f"/api/v1/participants/{world.participant}"
    listed = client.get(f"{base}/suggestions", params={"limit": 50}, headers=world.caseworker)
    assert listed.status_code == 200, listed.text
    ids = {item["placement_id"] for item in listed.json()["items"]}
    answer = client.get(f"{base}/placements/{placement_id}/eligibility", headers=world.caseworker)
    assert answer.status_code == 200, answer.text
    return placement_id in ids, answer.json()


def test_a_placement_starting_within_the_horizon_is_suggested_and_booked(client, session, world):
    # caseworkers agree a placement ahead of its start (default policy: up to 90 days)
    session.get(Placement, world.placement).start_date = municipal_today() + timedelta(days=30)
    session.commit()
    suggested, answer = _open_check(client, world, world.placement)
    assert suggested and answer["eligible"] is True
    response = accept(client, world, reason="starts next month, agreed now")
    assert response.status_code == 201, response.text
    assert booked(session, Placement, world.placement) == 1


def test_accepting_reads_the_horizon_from_the_loaded_policy(client, session, world):
    catalog = client.app.state.catalog
    catalog.policy = replace(catalog.policy, eligibility=EligibilityPolicy(10))
    session.get(Placement, world.placement).start_date = municipal_today() + timedelta(days=30)
    session.commit()
    response = accept(client, world, reason="starts next month")
    assert response.status_code == 409
    assert "more than 10 days ahead" in response.json()["detail"]


def test_a_placement_starting_beyond_the_horizon_is_neither_suggested_nor_booked(
    client, session, world
):
    starts = municipal_today() + timedelta(days=200)
    session.get(Placement, world.placement).start_date = starts
    session.commit()
    suggested, answer = _open_check(client, world, world.placement)
    assert not suggested and answer["eligible"] is False
    (exclusion,) = answer["exclusions"]
    assert exclusion["rule"] == "not_open"
    assert f"starts {starts.isoformat()}, more than 90 days ahead" in exclusion["en"]
    response = accept(client, world, reason="wants it anyway")
    assert response.status_code == 409
    assert response.json()["what"] == "not-open"
    assert f"starts {starts.isoformat()}, more than 90 days ahead" in response.json()["detail"]
    assert booked(session, Placement, world.placement) == 0 and count(session, Match) == 0


def test_decline_records_reason_and_books_nothing(client, session, world):
    response = accept(client, world, decision="declined", suggestion_id=world.suggestion)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "reason_code"]
    response = accept(
        client, world, decision="declined", reason_code="commute", suggestion_id=world.suggestion
    )
    assert response.status_code == 201
    assert response.json()["status"] == "declined"
    assert response.json()["reason_code"] == "commute"
    assert response.json()["suggestion_rank"] == 2
    assert booked(session, Placement, world.placement) == 0
    # a decline holds nothing, so the same participant can still accept
    assert accept(client, world, suggestion_id=world.suggestion).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "started"}, "status"),
        ({"decided_by": 1}, "decided_by"),
        ({"placement_id": "twelve"}, "placement_id"),
        ({"decision": "maybe"}, "decision"),
        ({"decision": "declined", "reason_code": "bored"}, "reason_code"),
        ({"reason_code": "health"}, "reason_code"),
    ],
)
def test_bad_input_names_the_field(client, session, world, body, field):
    response = accept(client, world, suggestion_id=world.suggestion, **body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert ["body", field] in [e["loc"] for e in response.json()["errors"]]
    assert count(session, Match) == 0


def test_missing_participant_is_named(client, world):
    response = client.post(MATCHES, json={"placement_id": 1}, headers=world.caseworker)
    assert response.status_code == 422
    assert ["body", "participant_id"] in [e["loc"] for e in response.json()["errors"]]


def test_unknown_placement_is_422_naming_it(client, world):
    response = accept(client, world, placement_id=999_999, reason="x")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "placement_id"]


@pytest.mark.parametrize("who", ["service", "admin", "coordinator"])
def test_only_a_persons_caseworker_token_decides(client, session, world, who):
    response = accept(client, world, suggestion_id=world.suggestion, headers=getattr(world, who))
    assert response.status_code == 403
    assert count(session, Match) == 0


def test_other_units_participant_is_not_found(client, session, world):
    response = accept(client, world, suggestion_id=world.suggestion, headers=world.other_caseworker)
    assert response.status_code == 404
    match_id = accept(client, world, suggestion_id=world.suggestion).json()["id"]
    other = world.other_caseworker
    assert client.get(f"{MATCHES}/{match_id}", headers=other).status_code == 404
    assert client.get(f"{MATCHES}/{match_id}/outcomes", headers=other).status_code == 404
    withdraw = {"reason_code": "health"}
    url = f"{MATCHES}/{match_id}/withdraw"
    assert client.post(url, json=withdraw, headers=other).status_code == 404
    listed = client.get(MATCHES, headers=other).json()
    assert listed["count"] == 0
    url = f"{MATCHES}?participant_id={world.participant}"
    assert client.get(url, headers=other).status_code == 404
    session.expire_all()
    refused = session.exec(
        select(AccessLog).where(
            AccessLog.participant_id == world.participant, AccessLog.action == "refused"
        )
    ).all()
    # the accept, the match, its outcomes, the withdrawal and the list: each attempt kept
    assert len(refused) == 5
    assert {r.route for r in refused} >= {"/api/v1/matches/{match_id}", "/api/v1/matches"}


def test_withdraw_frees_slot_and_quota_and_logs_the_event(client, session, world):
    match = accept(client, world, suggestion_id=world.suggestion).json()
    url = f"{MATCHES}/{match['id']}/withdraw"
    response = client.post(url, json={"reason_code": "health"}, headers=world.caseworker)
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert booked(session, Placement, world.placement) == 0
    assert booked(session, Quota, world.quota) == 0
    events = session.exec(select(MatchEvent).order_by(MatchEvent.id)).all()
    assert [(e.status, e.reason_code) for e in events] == [
        ("accepted", None),
        ("withdrawn", "health"),
    ]
    # the replay still sees the booking as of the withdrawal (strictly before it)
    assert booked_match_ids_as_of(session, events[1].at) == [match["id"]]
    again = client.post(url, json={"reason_code": "health"}, headers=world.caseworker)
    assert again.status_code == 409
    assert "is withdrawn; it cannot become withdrawn" in again.json()["detail"]
    assert client.post(url, json={}, headers=world.caseworker).status_code == 422


def test_start_then_end_frees_the_slot(client, session, world):
    match_id = accept(client, world, suggestion_id=world.suggestion).json()["id"]
    end = client.post(f"{MATCHES}/{match_id}/end", headers=world.caseworker)
    assert end.status_code == 409
    assert end.json()["detail"] == (
        f"match {match_id} is accepted; it cannot become ended (allowed: started, withdrawn)"
    )
    started = client.post(f"{MATCHES}/{match_id}/start", headers=world.coordinator)
    assert started.json()["status"] == "started"
    assert booked(session, Placement, world.placement) == 1
    assert client.post(f"{MATCHES}/{match_id}/end", headers=world.caseworker).status_code == 200
    assert booked(session, Placement, world.placement) == 0
    assert booked(session, Quota, world.quota) == 0
    assert client.post(f"{MATCHES}/{match_id}/start", headers=world.caseworker).status_code == 409
    # the participant is free to accept again
    assert accept(client, world, suggestion_id=world.suggestion).status_code == 201


def test_outcomes_only_after_a_taken_up_match(client, session, world):
    declined = accept(client, world, decision="declined", reason_code="hours").json()["id"]
    body = {"kind": "completed", "occurred_on": str(municipal_today())}
    url = f"{MATCHES}/{declined}/outcomes"
    assert client.post(url, json=body, headers=world.caseworker).status_code == 409
    match_id = accept(client, world, suggestion_id=world.suggestion).json()["id"]
    assert client.post(f"{MATCHES}/{match_id}/start", headers=world.caseworker).status_code == 200
    url = f"{MATCHES}/{match_id}/outcomes"
    future = body | {"occurred_on": str(municipal_today() + timedelta(days=2))}
    response = client.post(url, json=future, headers=world.caseworker)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "occurred_on"]
    response = client.post(url, json=body | {"kind": "fired"}, headers=world.caseworker)
    assert response.json()["errors"][0]["loc"] == ["body", "kind"]
    response = client.post(url, json=body | {"reason": "finished"}, headers=world.caseworker)
    assert response.status_code == 201
    assert response.json()["kind"] == "completed"
    assert client.post(url, json=body, headers=world.service).status_code == 403
    listed = client.get(url, headers=world.admin)
    assert [o["reason"] for o in listed.json()] == ["finished"]
    assert count(session, Outcome) == 1


def test_list_filters_and_visibility(client, session, world):
    accept(client, world, suggestion_id=world.suggestion)
    accept(client, world, participant_id=world.second, placement_id=world.small, reason="x")
    accept(client, world, participant_id=world.second, decision="declined", reason_code="other")
    assert client.get(MATCHES, headers=world.caseworker).json()["count"] == 3
    assert client.get(MATCHES, headers=world.coordinator).json()["count"] == 3
    response = client.get(f"{MATCHES}?participant_id={world.second}&status=accepted",
                          headers=world.caseworker)  # fmt: skip
    assert [m["placement_id"] for m in response.json()["data"]] == [world.small]
    response = client.get(f"{MATCHES}?placement_id={world.placement}&limit=1",
                          headers=world.admin)  # fmt: skip
    assert (response.json()["count"], len(response.json()["data"])) == (2, 1)
    assert client.get(f"{MATCHES}?status=lost", headers=world.admin).status_code == 422
    evaluator = make_user(session, role=Role.evaluator)[1]
    session.commit()
    assert client.get(MATCHES, headers=auth(evaluator)).status_code == 403
    reads = session.exec(select(AccessLog).where(AccessLog.action == "read")).all()
    covered = {a.participant_id for a in reads} | {
        p for a in reads for p in a.participant_ids or []
    }
    assert covered - {None} == {world.participant, world.second}
    assert sum(a.participant_ids is not None for a in reads) == 3  # one row per list read


def test_match_routes_declare_roles_problems_and_descriptions(client):
    spec = client.get("/openapi.json").json()
    routes = [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        if path.startswith(MATCHES)
        for method, operation in methods.items()
    ]
    assert len(routes) == 8
    for path, method, operation in routes:
        assert operation["x-roles"], (path, method)
        assert operation["description"], (path, method)
        assert {"401", "403", "422"} <= set(operation["responses"]), (path, method)
        if method == "post":
            assert "409" in operation["responses"], path
    body = spec["components"]["schemas"]["MatchCreate"]
    assert body["additionalProperties"] is False
    assert not {"status", "decided_by", "booked"} & set(body["properties"])


def test_type_rules_refuse_an_ineligible_participant(client, session, world):
    youth = make_placement_type(session, code="ungdom", max_age=24)
    young_only = make_placement(
        session,
        department=make_department(session),
        work_area="area-care",
        type_code=youth.code,
        slots=5,
    )
    session.commit()
    response = accept(client, world, placement_id=young_only.id, reason="wants it")
    assert response.status_code == 409
    problem = response.json()
    assert problem["what"] == "eligibility"
    assert "placement type 'ungdom'" in problem["detail"]
    assert "max_age" in problem["detail"]
    assert booked(session, Placement, young_only.id) == 0


@pytest.mark.parametrize(
    "url",
    [f"{MATCHES}?participant_id={2**63}", f"{MATCHES}?placement_id=0", f"{MATCHES}/{2**31}"],
)
def test_out_of_range_ids_are_422_not_500(client, world, url):
    response = client.get(url, headers=world.admin)
    assert response.status_code == 422
    response = accept(client, world, placement_id=2**31, reason="x")
    assert ["body", "placement_id"] in [e["loc"] for e in response.json()["errors"]]
