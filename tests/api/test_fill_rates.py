"""Fill rates: booked headcount as of a day from the event log, open slots, weekly trend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from models.history import Revision
from models.match import Match, MatchEvent, MatchStatus
from models.org import Role
from models.quotas import trend_days
from models.repo_history import record_revision
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


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _book(session, *, unit, placement, quota, events):
    participant = make_participant(session, unit=unit)
    match = Match(
        participant_id=participant.id,
        placement_id=placement.id,
        quota_id=quota.id if quota else None,
        status=events[-1][0],
    )
    session.add(match)
    session.flush()
    for status, moment in events:
        session.add(MatchEvent(match_id=match.id, status=status, at=moment))
    return match


@pytest.fixture
def world(engine):
    """Care (quota 2..4, Jan-Mar) with 3 slots; IT (no quota) with 2 slots, closed on Feb 1."""
    with Session(engine) as session:
        unit = make_unit(session)
        care = make_department(session, name="Omsorg")
        it = make_department(session, name="IT")
        make_concept(session, id="area-care", kind="occupation")
        make_concept(session, id="area-it", kind="occupation")
        make_placement_type(session)
        quota = make_quota(
            session,
            department=care,
            min_headcount=2,
            max_headcount=4,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 3, 31),
        )
        ward = make_placement(session, department=care, work_area="area-care", slots=3)
        desk = make_placement(session, department=it, work_area="area-it", slots=2)
        # the factories stamp revisions 'now'; move them to the start of the year
        for revision in session.exec(select(Revision)).all():
            revision.valid_from = at(1, 1, 0)
        desk.is_open = False
        record_revision(session, desk, by=None, at=at(2, 1))
        accepted, started, withdrawn = (
            MatchStatus.accepted,
            MatchStatus.started,
            MatchStatus.withdrawn,
        )
        _book(
            session,
            unit=unit,
            placement=ward,
            quota=quota,
            events=[(accepted, at(1, 3)), (started, at(1, 10))],
        )
        _book(
            session,
            unit=unit,
            placement=ward,
            quota=quota,
            events=[(accepted, at(1, 20)), (withdrawn, at(2, 5))],
        )
        _book(session, unit=unit, placement=ward, quota=quota, events=[(accepted, at(2, 10))])
        _book(session, unit=unit, placement=desk, quota=None, events=[(accepted, at(1, 15))])
        _, token = make_user(session, role=Role.caseworker, unit=unit)
        session.commit()
        return {"token": token, "quota_id": quota.id, "care_id": care.id}


def _get(client, world, **params):
    response = client.get("/api/v1/fill-rates", params=params, headers=auth(world["token"]))
    assert response.status_code == 200, response.text
    return response.json()


def test_department_fill_rate_and_weekly_trend(client, world):
    (row,) = _get(client, world, on="2026-02-14")
    assert row["department_id"] == world["care_id"] and row["quota_id"] == world["quota_id"]
    assert row["booked"] == 2
    assert (row["min_headcount"], row["max_headcount"]) == (2, 4)
    assert row["quota_remaining"] == 2 and row["short_of_minimum"] == 0
    assert row["open_slots"] == 1
    assert row["fill_rate"] == pytest.approx(0.5)
    assert [(p["on"], p["booked"]) for p in row["trend"]] == [
        ("2026-01-01", 0),
        ("2026-01-08", 1),
        ("2026-01-15", 1),
        ("2026-01-22", 2),
        ("2026-01-29", 2),
        ("2026-02-05", 1),
        ("2026-02-12", 2),
        ("2026-02-14", 2),
    ]


def test_an_earlier_day_sees_only_what_was_booked_then(client, world):
    (row,) = _get(client, world, on="2026-01-05")
    assert row["booked"] == 1 and row["short_of_minimum"] == 1
    assert row["open_slots"] == 2
    assert [p["on"] for p in row["trend"]] == ["2026-01-01", "2026-01-05"]


def test_no_quota_covering_the_day_gives_no_department_rows(client, world):
    assert _get(client, world, on="2026-05-01") == []


def test_work_areas_count_bookings_and_open_slots_as_of_the_day(client, world):
    rows = {r["work_area"]: r for r in _get(client, world, on="2026-02-14", group_by="work_area")}
    assert set(rows) == {"area-care", "area-it"}
    care, it = rows["area-care"], rows["area-it"]
    assert (care["booked"], care["open_slots"]) == (2, 1)
    assert care["fill_rate"] == pytest.approx(2 / 3)
    # the IT desk closed on Feb 1: its booking still counts, its free slot does not
    assert (it["booked"], it["open_slots"]) == (1, 0)
    assert it["fill_rate"] == pytest.approx(1.0)
    assert (it["period_start"], it["period_end"]) == ("2026-01-01", "2026-03-31")
    assert it["min_headcount"] is None and it["max_headcount"] is None
    before = {r["work_area"]: r for r in _get(client, world, on="2026-01-25", group_by="work_area")}
    assert before["area-it"]["open_slots"] == 1


@pytest.mark.parametrize("params", [{"group_by": "unit"}, {"on": "0"}, {"on": "2026-02-30"}])
def test_bad_query_is_422(client, world, params):
    response = client.get("/api/v1/fill-rates", params=params, headers=auth(world["token"]))
    assert response.status_code == 422


def test_trend_days_are_weekly_and_end_on_the_day():
    days = trend_days(date(2026, 1, 1), date(2026, 1, 31), date(2026, 3, 1))
    assert days[0] == date(2026, 1, 1) and days[-1] == date(2026, 1, 31)
    assert all(b - a <= timedelta(days=7) for a, b in zip(days, days[1:], strict=False))
    assert trend_days(date(2026, 2, 1), date(2026, 3, 1), date(2026, 1, 1)) == []
