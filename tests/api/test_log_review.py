"""The log review finds reads outside the reader's unit and unusual daily volumes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from models.audit_chain import append_access
from models.participant import Participant
from tests.api.world import World, seed_world

URL = "/api/v1/access-log/review"
DAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


def _reads(session, world: World, who: str, participant: int, n: int, at: datetime, action="read"):
    for k in range(n):
        append_access(
            session,
            {
                "user_id": world.user_ids[who],
                "participant_id": participant,
                "at": at + timedelta(seconds=k),
                "method": "GET",
                "route": "/api/v1/participants/{participant_id}",
                "action": action,
            },
        )


def _review(client, world, **params):
    query = {"from": "2026-11-01", "to": "2026-11-07", **params}
    response = client.get(URL, params=query, headers=world.headers("admin"))
    assert response.status_code == 200, response.text
    return response.json()


def test_reads_outside_the_readers_unit_are_listed(client, world, session):
    _reads(session, world, "caseworker", world.participant_a, 2, DAY)  # own unit
    # a read of A by B's caseworker (as if A had been B's when it was read)
    _reads(session, world, "caseworker_b", world.participant_a, 1, DAY)
    _reads(session, world, "caseworker_b", None, 3, DAY, action="refused")
    session.commit()
    body = _review(client, world)
    outside = body["reads_outside_unit"]
    assert [(r["user_id"], r["participant_id"]) for r in outside] == [
        (world.user_ids["caseworker_b"], world.participant_a)
    ]
    assert outside[0]["participant_unit_id"] == world.unit_a
    assert body["refused_attempts"][0]["attempts"] == 3


def test_a_participant_moving_unit_shows_the_earlier_reads(client, world, session):
    _reads(session, world, "caseworker", world.participant_a, 1, DAY)
    participant = session.get(Participant, world.participant_a)
    participant.unit_id = world.unit_b
    session.add(participant)
    session.commit()
    outside = _review(client, world)["reads_outside_unit"]
    assert [r["user_id"] for r in outside] == [world.user_ids["caseworker"]]


def test_unusual_volume_per_user_per_day_is_flagged(client, world, session):
    for offset in range(5):  # an ordinary week: 10 records a day
        _reads(session, world, "caseworker", world.participant_a, 10, DAY + timedelta(days=offset))
    _reads(session, world, "caseworker", world.participant_a, 60, DAY + timedelta(days=5))
    session.commit()
    body = _review(client, world, min_records=20)
    assert [(u["day"], u["records"]) for u in body["unusual_volumes"]] == [("2026-11-07", 60)]
    assert body["role_medians"]["caseworker"] == 10
    # the absolute floor keeps small numbers quiet
    assert _review(client, world, min_records=100)["unusual_volumes"] == []


def test_only_admins_and_a_sane_window(client, world):
    params = {"from": "2026-11-01", "to": "2026-11-07"}
    assert client.get(URL, params=params, headers=world.headers("coordinator")).status_code == 403
    back = client.get(
        URL, params={"from": "2026-11-07", "to": "2026-11-01"}, headers=world.headers("admin")
    )
    assert back.status_code == 400
    missing = client.get(
        URL, params={"from": date(2026, 11, 1).isoformat()}, headers=world.headers("admin")
    )
    assert missing.status_code == 422


@pytest.mark.postgres
def test_the_review_runs_on_postgres(pg_engine):
    from api.services.log_review import log_review

    with Session(pg_engine, expire_on_commit=False) as session:
        world = seed_world(session)
        for offset in range(3):
            _reads(
                session, world, "caseworker", world.participant_a, 5, DAY + timedelta(days=offset)
            )
        _reads(session, world, "caseworker", world.participant_a, 40, DAY + timedelta(days=3))
        _reads(session, world, "caseworker_b", world.participant_a, 1, DAY)
        session.commit()
        stop = DAY + timedelta(days=7)
        review = log_review(session, start=DAY - timedelta(days=1), stop=stop, min_records=20)
    assert [(u["day"], u["records"]) for u in review["unusual_volumes"]] == [("2026-11-05", 40)]
    assert [r["user_id"] for r in review["reads_outside_unit"]] == [world.user_ids["caseworker_b"]]
