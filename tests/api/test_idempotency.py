"""Idempotency-Key on SQLite: a retry gets the first answer; a reused key is refused."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from models.audit import AccessLog, IdempotencyRecord
from models.clock import municipal_today
from models.match import Match, Outcome
from models.org import Role
from models.placement import Placement
from tests.factories import (
    auth,
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_unit,
    make_user,
)

MATCHES = "/api/v1/matches"


@pytest.fixture
def ids(session: Session) -> dict:
    unit = make_unit(session)
    _, token = make_user(session, role=Role.caseworker, unit=unit)
    _, colleague = make_user(session, role=Role.caseworker, unit=unit)
    make_concept(session, id="area-care", kind="occupation")
    make_placement_type(session)
    department = make_department(session)
    one_slot = make_placement(session, department=department, work_area="area-care", slots=1)
    roomy = make_placement(session, department=department, work_area="area-care", slots=5)
    first, second = make_participant(session, unit=unit), make_participant(session, unit=unit)
    session.commit()
    return {
        "headers": auth(token),
        "colleague": auth(colleague),
        "one_slot": one_slot.id,
        "roomy": roomy.id,
        "first": first.id,
        "second": second.id,
    }


def rows(session: Session, table) -> int:
    session.rollback()
    return session.exec(select(func.count()).select_from(table)).one()


def post(client, ids, key: str | None, *, headers=None, **body):
    payload = {"participant_id": ids["first"], "placement_id": ids["roomy"], "reason": "fits"}
    extra = {"Idempotency-Key": key} if key is not None else {}
    return client.post(MATCHES, json=payload | body, headers=(headers or ids["headers"]) | extra)


def test_retry_returns_the_first_answer_and_books_once(client, session, ids):
    first = post(client, ids, "key-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    for _ in range(3):
        retry = post(client, ids, "key-1")
        assert retry.status_code == 201
        assert retry.headers["Idempotent-Replayed"] == "true"
        assert retry.json() == first.json()
    assert rows(session, Match) == 1
    assert session.get(Placement, ids["roomy"]).booked == 1
    record = session.exec(select(IdempotencyRecord)).one()
    assert (record.status_code, record.body) == (201, first.json())


def test_defaults_do_not_change_the_request(client, ids):
    first = post(client, ids, "key-2")
    retry = post(client, ids, "key-2", decision="accepted", suggestion_id=None)
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert retry.json()["id"] == first.json()["id"]


def test_same_key_with_a_different_body_is_refused_and_writes_nothing(client, session, ids):
    assert post(client, ids, "key-3").status_code == 201
    before = (rows(session, Match), rows(session, IdempotencyRecord))
    response = post(client, ids, "key-3", participant_id=ids["second"])
    assert response.status_code == 409
    assert "Idempotency-Key reused with a different request" in response.json()["detail"]
    assert (rows(session, Match), rows(session, IdempotencyRecord)) == before


def test_keys_belong_to_one_user(client, session, ids):
    assert post(client, ids, "shared").status_code == 201
    response = post(client, ids, "shared", headers=ids["colleague"], participant_id=ids["second"])
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert rows(session, Match) == 2


def test_a_failed_first_attempt_is_not_replayed(client, session, ids):
    # the slot is taken, so the keyed request fails and leaves no record
    taken = post(client, ids, None, participant_id=ids["second"], placement_id=ids["one_slot"])
    assert taken.status_code == 201
    failed = post(client, ids, "key-4", placement_id=ids["one_slot"])
    assert failed.status_code == 409
    assert rows(session, IdempotencyRecord) == 0
    url = f"{MATCHES}/{taken.json()['id']}/withdraw"
    assert client.post(url, json={"reason_code": "health"}, headers=ids["headers"]).is_success
    retry = post(client, ids, "key-4", placement_id=ids["one_slot"])
    assert retry.status_code == 201  # ran anew now that a slot is free
    assert "Idempotent-Replayed" not in retry.headers


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_bad_key_names_the_header(client, session, ids, key):
    response = post(client, ids, key)
    assert response.status_code == 422
    assert ["header", "Idempotency-Key"] in [e["loc"] for e in response.json()["errors"]]
    assert rows(session, Match) == 0


def test_outcomes_accept_a_key_too(client, session, ids):
    match_id = post(client, ids, None).json()["id"]
    url = f"{MATCHES}/{match_id}/outcomes"
    # regular_job: an outcome that needs no recorded start (models.outcome_rules)
    body = {"kind": "regular_job", "occurred_on": str(municipal_today())}
    headers = ids["headers"] | {"Idempotency-Key": "outcome-1"}
    first = client.post(url, json=body, headers=headers)
    retry = client.post(url, json=body, headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert rows(session, Outcome) == 1
    # the same key on another route is another request
    other = post(client, ids, "outcome-1", participant_id=ids["second"])
    assert other.status_code == 409


def test_a_replayed_booking_is_logged_as_a_read_of_the_participant(client, session, ids):
    assert post(client, ids, "log-me").status_code == 201
    before = rows(session, AccessLog)
    replay = post(client, ids, "log-me")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert rows(session, AccessLog) == before + 1
    last = session.exec(select(AccessLog).order_by(AccessLog.id.desc())).first()
    assert (last.participant_id, last.action, last.method) == (ids["first"], "read", "POST")
