"""Outcomes follow the match's state and dates: each rule of models.outcome_rules answers
409 with its code in ``what``; malformed input stays a 422 naming the field."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from models.clock import MUNICIPAL_TZ, municipal_today
from models.match import Match, MatchEvent, MatchStatus, OutcomeKind
from models.outcome_rules import (
    BEFORE_DECISION,
    BEFORE_START,
    CONTRADICTORY,
    NOT_TAKEN_UP,
    outcome_refusals,
)
from tests.api.world import seed_world

V1 = "/api/v1"
TODAY = municipal_today()


@pytest.fixture
def world(session):
    return seed_world(session)


def _decide(client, world, **body):
    pair = {"participant_id": world.participant_a, "placement_id": world.placement}
    response = client.post(f"{V1}/matches", json=pair | body, headers=world.headers("caseworker"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _accept(client, world) -> int:
    return _decide(client, world, reason="agreed with the workplace")


def _move(client, world, match_id: int, to: str) -> None:
    response = client.post(f"{V1}/matches/{match_id}/{to}", headers=world.headers("caseworker"))
    assert response.status_code == 200, response.text


def _outcome(client, world, match_id: int, kind: str, on: date = TODAY):
    return client.post(
        f"{V1}/matches/{match_id}/outcomes",
        json={"kind": kind, "occurred_on": on.isoformat()},
        headers=world.headers("caseworker"),
    )


def _refused(response, code: str) -> None:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["what"] == code


def _back_in_time(session, match_id: int, *, decided: int, started: int | None = None) -> None:
    """Date the decision ``decided`` days ago and the start event ``started`` days ago."""
    session.expire_all()

    def noon(days: int) -> datetime:
        day = TODAY - timedelta(days=days)
        return datetime(day.year, day.month, day.day, 12, tzinfo=MUNICIPAL_TZ)

    match = session.get(Match, match_id)
    match.decided_at = noon(decided)
    session.add(match)
    if started is not None:
        start = session.exec(
            select(MatchEvent).where(
                MatchEvent.match_id == match_id, MatchEvent.status == MatchStatus.started
            )
        ).one()
        start.at = noon(started)
        session.add(start)
    session.commit()


def test_an_outcome_dated_before_the_decision_is_refused(client, world):
    match_id = _accept(client, world)
    _refused(
        _outcome(client, world, match_id, "regular_job", TODAY - timedelta(days=1)), BEFORE_DECISION
    )
    assert _outcome(client, world, match_id, "regular_job").status_code == 201


def test_completed_needs_a_start(client, world):
    match_id = _accept(client, world)
    _refused(_outcome(client, world, match_id, "completed"), BEFORE_START)
    _refused(_outcome(client, world, match_id, "ended_early"), BEFORE_START)
    _move(client, world, match_id, "start")
    assert _outcome(client, world, match_id, "completed").status_code == 201


def test_completed_dated_before_the_start_is_refused(client, session, world):
    match_id = _accept(client, world)
    _move(client, world, match_id, "start")
    _back_in_time(session, match_id, decided=20, started=10)
    response = _outcome(client, world, match_id, "completed", TODAY - timedelta(days=15))
    _refused(response, BEFORE_START)
    assert "before the start on" in response.json()["detail"]
    assert (
        _outcome(client, world, match_id, "completed", TODAY - timedelta(days=10)).status_code
        == 201
    )


def test_two_final_outcomes_contradict(client, world):
    match_id = _accept(client, world)
    _move(client, world, match_id, "start")
    _move(client, world, match_id, "end")
    assert _outcome(client, world, match_id, "completed").status_code == 201
    _refused(_outcome(client, world, match_id, "ended_early"), CONTRADICTORY)
    _refused(_outcome(client, world, match_id, "completed"), CONTRADICTORY)
    # later outcomes may follow the final one
    assert _outcome(client, world, match_id, "regular_job").status_code == 201
    assert _outcome(client, world, match_id, "self_supporting_6m").status_code == 201
    listed = client.get(f"{V1}/matches/{match_id}/outcomes", headers=world.headers("admin"))
    assert [o["kind"] for o in listed.json()] == ["completed", "regular_job", "self_supporting_6m"]


def test_a_declined_match_takes_no_outcome(client, world):
    declined = _decide(client, world, decision="declined", reason_code="hours")
    _refused(_outcome(client, world, declined, "regular_job"), NOT_TAKEN_UP)


def test_malformed_outcomes_are_422_naming_the_field(client, world):
    match_id = _accept(client, world)
    future = _outcome(client, world, match_id, "regular_job", TODAY + timedelta(days=3))
    assert future.status_code == 422
    assert future.json()["errors"][0]["loc"] == ["body", "occurred_on"]
    bad = client.post(
        f"{V1}/matches/{match_id}/outcomes",
        json={"kind": "regular_job", "occurred_on": "2026-13-01"},
        headers=world.headers("caseworker"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "occurred_on"]


def _rules(**overrides):
    fields = {
        "subject": "match 1",
        "status": MatchStatus.started,
        "decided_on": date(2026, 3, 1),
        "started_on": date(2026, 3, 10),
        "recorded": [],
        "kind": OutcomeKind.completed,
        "occurred_on": date(2026, 6, 1),
    } | overrides
    return [r.what for r in outcome_refusals(**fields)]


def test_the_rules_in_one_place():
    assert _rules() == []
    assert _rules(occurred_on=date(2026, 2, 28)) == [BEFORE_DECISION, BEFORE_START]
    assert _rules(occurred_on=date(2026, 3, 10)) == []  # the start day itself is fine
    assert _rules(started_on=None) == [BEFORE_START]
    assert _rules(started_on=None, kind=OutcomeKind.studies) == []
    assert _rules(recorded=[(OutcomeKind.ended_early, date(2026, 4, 1))]) == [CONTRADICTORY]
    assert _rules(recorded=[(OutcomeKind.regular_job, date(2026, 4, 1))]) == []
    assert _rules(status=MatchStatus.withdrawn) == [NOT_TAKEN_UP]
    assert _rules(status=MatchStatus.declined, occurred_on=date(2020, 1, 1)) == [NOT_TAKEN_UP]
