"""Decisions are remembered: a declined placement stays out of the lists for the period,
and a participant with a live match gets it back instead of a new list (issue #10, 7)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from api.services.suggestions import declined_since
from models.clock import MUNICIPAL_TZ, municipal_today
from models.match import Match
from models.org import Department
from models.placement import Placement
from models.suggestion import Suggestion
from tests.api.world import seed_world
from tests.factories import make_placement

V1 = "/api/v1"


@pytest.fixture
def world(session):
    world = seed_world(session)
    department = session.get(Department, session.get(Placement, world.placement).department_id)
    for slots in (1, 3):
        make_placement(
            session,
            department=department,
            work_area=world.work_area,
            slots=slots,
            required_skills=[world.skill],
        )
    session.commit()
    return world


def _suggest(client, world, **params):
    response = client.get(
        f"{V1}/participants/{world.participant_a}/suggestions",
        params=params,
        headers=world.headers("caseworker"),
    )
    assert response.status_code == 200, response.text
    return response.json()


def _decide(client, world, placement_id, **body):
    response = client.post(
        f"{V1}/matches",
        json={"participant_id": world.participant_a, "placement_id": placement_id, **body},
        headers=world.headers("caseworker"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def _ids(answer) -> list[int]:
    return [item["placement_id"] for item in answer["items"]]


def _decided_days_ago(session, match_id: int, days: int) -> None:
    """Move a decision ``days`` municipal days back (noon, local time)."""
    session.expire_all()
    match = session.get(Match, match_id)
    day = municipal_today() - timedelta(days=days)
    match.decided_at = datetime(day.year, day.month, day.day, 12, tzinfo=MUNICIPAL_TZ)
    session.add(match)
    session.commit()


def test_a_declined_placement_is_left_out_and_named(client, world):
    first = _suggest(client, world)
    assert len(first["items"]) == 3 and first["declined_hidden"] == []
    assert first["decline_memory_days"] == 90
    top = first["items"][0]["placement_id"]
    _decide(client, world, top, decision="declined", reason_code="hours")
    again = _suggest(client, world)
    assert top not in _ids(again)
    assert again["declined_hidden"] == [top]
    assert _ids(again) == [i for i in _ids(first) if i != top]  # the rest keep their order
    assert again["live_match"] is None


def test_include_declined_shows_it_again(client, world):
    top = _suggest(client, world)["items"][0]["placement_id"]
    _decide(client, world, top, decision="declined", reason_code="commute")
    shown = _suggest(client, world, include_declined="true")
    assert top in _ids(shown) and shown["declined_hidden"] == []


def test_hiding_does_not_shorten_the_list(client, world):
    first = _suggest(client, world, limit=2)
    top = first["items"][0]["placement_id"]
    _decide(client, world, top, decision="declined", reason_code="other")
    again = _suggest(client, world, limit=2)
    assert len(again["items"]) == 2 and top not in _ids(again)


@pytest.mark.parametrize(("days_ago", "hidden"), [(0, True), (89, True), (90, False), (200, False)])
def test_a_decline_is_remembered_for_the_period_only(client, session, world, days_ago, hidden):
    top = _suggest(client, world)["items"][0]["placement_id"]
    declined = _decide(client, world, top, decision="declined", reason_code="hours")
    _decided_days_ago(session, declined["id"], days_ago)
    again = _suggest(client, world)
    assert (top not in _ids(again)) is hidden
    assert again["declined_hidden"] == ([top] if hidden else [])


def test_the_period_counts_municipal_days():
    day = municipal_today()
    start = declined_since(day, 90)
    assert start.tzinfo is MUNICIPAL_TZ and (start.hour, start.minute) == (0, 0)
    assert start.date() == day - timedelta(days=89)
    assert declined_since(day, 1).date() == day  # only today's declines
    assert declined_since(day, 0).date() == day + timedelta(days=1)  # none


def test_a_live_match_comes_back_instead_of_a_list(client, session, world):
    listed = _suggest(client, world)
    top = listed["items"][0]["placement_id"]
    match = _decide(client, world, top, suggestion_id=listed["suggestion_id"])
    answer = _suggest(client, world)
    assert answer["items"] == [] and answer["candidate_count"] == 0
    assert answer["live_match"]["id"] == match["id"]
    assert answer["live_match"]["status"] == "accepted"
    # the answer is stored like any list, so it can be cited and is in the log
    stored = session.get(Suggestion, answer["suggestion_id"])
    assert stored is not None and stored.participant_id == world.participant_a
    client.post(f"{V1}/matches/{match['id']}/start", headers=world.headers("caseworker"))
    assert _suggest(client, world)["live_match"]["status"] == "started"


def test_despite_live_match_ranks_a_new_list_and_still_names_it(client, world):
    listed = _suggest(client, world)
    top = listed["items"][0]["placement_id"]
    match = _decide(client, world, top, suggestion_id=listed["suggestion_id"])
    answer = _suggest(client, world, despite_live_match="true")
    assert answer["items"] and answer["live_match"]["id"] == match["id"]


def test_an_ended_or_withdrawn_match_is_not_live(client, world):
    listed = _suggest(client, world)
    top = listed["items"][0]["placement_id"]
    match = _decide(client, world, top, suggestion_id=listed["suggestion_id"])
    withdrawn = client.post(
        f"{V1}/matches/{match['id']}/withdraw",
        json={"reason_code": "health"},
        headers=world.headers("caseworker"),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    answer = _suggest(client, world)
    assert answer["live_match"] is None and answer["items"]


def _withdraw(client, world, match_id: int, reason_code: str = "commute") -> None:
    response = client.post(
        f"{V1}/matches/{match_id}/withdraw",
        json={"reason_code": reason_code},
        headers=world.headers("caseworker"),
    )
    assert response.status_code == 200, response.text


def _withdrawn_days_ago(session, match_id: int, days: int) -> None:
    """Move a withdrawal ``days`` municipal days back (noon, local time)."""
    session.expire_all()
    match = session.get(Match, match_id)
    day = municipal_today() - timedelta(days=days)
    match.decided_at = match.updated_at = datetime(
        day.year, day.month, day.day, 12, tzinfo=MUNICIPAL_TZ
    )
    session.add(match)
    session.commit()


@pytest.mark.parametrize(("days_ago", "hidden"), [(0, True), (89, True), (90, False)])
def test_a_withdrawn_booking_is_remembered_as_a_decline(client, session, world, days_ago, hidden):
    """Booked, then withdrawn with a decline's reason: the placement does not come
    straight back at the top of the next list, for the same period as a decline."""
    listed = _suggest(client, world)
    top = listed["items"][0]["placement_id"]
    match = _decide(client, world, top, suggestion_id=listed["suggestion_id"])
    _withdraw(client, world, match["id"])
    _withdrawn_days_ago(session, match["id"], days_ago)
    again = _suggest(client, world)
    assert (top not in _ids(again)) is hidden
    assert again["declined_hidden"] == ([top] if hidden else [])
    assert top in _ids(_suggest(client, world, include_declined="true"))


def test_the_withdrawal_counts_from_its_own_moment_not_the_booking(client, session, world):
    """Booked long ago, withdrawn today: remembered from today."""
    listed = _suggest(client, world)
    top = listed["items"][0]["placement_id"]
    match = _decide(client, world, top, suggestion_id=listed["suggestion_id"])
    _decided_days_ago(session, match["id"], 200)
    _withdraw(client, world, match["id"])
    assert _suggest(client, world)["declined_hidden"] == [top]
    url = f"{V1}/participants/{world.participant_a}/placements/{top}/eligibility"
    assert client.get(url, headers=world.headers("caseworker")).json()["declined_recently"]
    candidates = client.get(
        f"{V1}/placements/{top}/candidates", headers=world.headers("caseworker")
    ).json()
    assert world.participant_a not in [i["participant_id"] for i in candidates["items"]]


def test_only_this_participants_declines_count(client, session, world):
    top = _suggest(client, world)["items"][0]["placement_id"]
    _decide(client, world, top, decision="declined", reason_code="hours")
    others = session.exec(select(Match).where(Match.participant_id != world.participant_a)).all()
    assert others == []
    b = client.get(
        f"{V1}/participants/{world.participant_b}/suggestions",
        headers=world.headers("caseworker_b"),
    ).json()
    assert b["declined_hidden"] == []


def test_the_openapi_names_the_new_parameters_and_fields(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"][f"{V1}/participants/{{participant_id}}/suggestions"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"limit", "include_declined", "despite_live_match"} <= names
    listed = spec["components"]["schemas"]["SuggestionList"]
    assert {"live_match", "declined_hidden", "decline_memory_days"} <= set(listed["properties"])
    # additive: the fields clients read before are still required
    assert {"suggestion_id", "items", "candidate_count"} <= set(listed["required"])


def test_a_placement_does_not_list_a_participant_who_declined_it(client, world):
    top = _suggest(client, world)["items"][0]["placement_id"]
    url = f"{V1}/placements/{top}/candidates"
    cw = world.headers("caseworker")
    assert world.participant_a in [
        i["participant_id"] for i in client.get(url, headers=cw).json()["items"]
    ]
    _decide(client, world, top, decision="declined", reason_code="hours")
    listed = client.get(url, headers=cw).json()
    assert world.participant_a not in [i["participant_id"] for i in listed["items"]]
    asked = client.get(url, params={"include_declined": "true"}, headers=cw).json()
    assert world.participant_a in [i["participant_id"] for i in asked["items"]]


def test_why_not_says_a_recent_decline_keeps_it_out(client, world):
    top = _suggest(client, world)["items"][0]["placement_id"]
    url = f"{V1}/participants/{world.participant_a}/placements/{top}/eligibility"
    cw = world.headers("caseworker")
    assert client.get(url, headers=cw).json()["declined_recently"] is False
    _decide(client, world, top, decision="declined", reason_code="hours")
    answer = client.get(url, headers=cw).json()
    assert answer["declined_recently"] is True and answer["eligible"] is True
