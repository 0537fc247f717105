"""Suggestions: ranked, explained, logged before they are returned, never stale or full."""

from __future__ import annotations

import gc
import math

import pytest
from sqlmodel import select

from api.metrics import REGISTRY
from models.audit import AccessLog
from models.org import Department, Unit
from models.placement import Placement
from models.repo_catalog_state import bump_catalog_version
from models.suggestion import Suggestion, SuggestionItem
from tests.api.world import count_rows, seed_world
from tests.factories import make_participant, make_placement, make_placement_type


@pytest.fixture
def world(session):
    world = seed_world(session)
    department = session.get(Placement, world.placement).department_id
    for slots in (1, 3):
        make_placement(
            session,
            department=session.get(Department, department),
            work_area=world.work_area,
            slots=slots,
            required_skills=[world.skill],
        )
    session.commit()
    return world


def _suggest(client, world, who="caseworker", participant=None, limit=10):
    participant = participant or world.participant_a
    return client.get(
        f"/api/v1/participants/{participant}/suggestions",
        params={"limit": limit},
        headers=world.headers(who),
    )


def test_items_are_ranked_explained_and_add_up(client, world):
    body = _suggest(client, world).json()
    assert body["policy_version"]
    assert [item["rank"] for item in body["items"]] == list(range(1, len(body["items"]) + 1))
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert len(body["items"]) == 3
    for item in body["items"]:
        log_odds = item["baseline"] + sum(item["contributions"].values())
        assert log_odds == pytest.approx(item["log_odds"], abs=1e-9)
        assert item["probability"] == pytest.approx(1 / (1 + math.exp(-item["log_odds"])))
        assert 0 < item["probability"] < 1
        assert item["calibration_n"] == 0  # the policy's prior: nothing calibrated yet
        assert item["score"] == pytest.approx(
            item["probability"] + sum(item["adjustments"].values()), abs=1e-9
        )
        factors = {r["factor"] for r in item["reasons"]}
        assert factors == set(item["contributions"]) | set(item["adjustments"])
        kinds = {r["factor"]: r["kind"] for r in item["reasons"]}
        assert {f for f, kind in kinds.items() if kind == "adjustment"} == set(item["adjustments"])
        assert all(r["sv"] and r["en"] for r in item["reasons"])
        assert not any(
            "NONE" in r["sv"] or "platser kvar" in r["sv"] and "1 platser" in r["sv"]
            for r in item["reasons"]
        )
        assert item["placement"]["title"]


def test_the_list_is_stored_before_it_is_returned(client, world, session):
    body = _suggest(client, world, limit=2).json()
    stored = session.get(Suggestion, body["suggestion_id"])
    assert stored.participant_id == world.participant_a
    assert stored.policy_version == body["policy_version"]
    assert stored.candidate_count == body["candidate_count"] == 3
    assert stored.requested_by == world.user_ids["caseworker"]
    items = session.exec(
        select(SuggestionItem)
        .where(SuggestionItem.suggestion_id == stored.id)
        .order_by(SuggestionItem.rank)
    ).all()
    assert [(i.placement_id, i.rank) for i in items] == [
        (item["placement_id"], item["rank"]) for item in body["items"]
    ]
    first = body["items"][0]
    assert items[0].contributions == {**first["contributions"], **first["adjustments"]}


def test_the_read_is_in_the_access_log(client, world, session):
    _suggest(client, world)
    logged = session.exec(
        select(AccessLog).where(AccessLog.participant_id == world.participant_a)
    ).all()
    assert [(a.user_id, a.action, a.route) for a in logged] == [
        (world.user_ids["caseworker"], "read", "/api/v1/participants/{participant_id}/suggestions")
    ]


def test_another_units_participant_is_not_found_and_nothing_is_stored(client, world, session):
    response = _suggest(client, world, participant=world.participant_b)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert count_rows(session, Suggestion) == 0


@pytest.mark.parametrize(
    "route",
    [
        "/api/v1/participants/{participant_id}/suggestions",
        "/api/v1/participants/{participant_id}/placements/{placement_id}/eligibility",
    ],
)
def test_a_missing_or_hidden_participant_is_refused_and_the_attempt_logged(
    client, world, session, route
):
    """The participant and their decisions come in one statement; the unit check and the
    refusal log still see a participant of another unit, or none, exactly as before."""
    headers = world.headers("caseworker")
    for participant in (world.participant_b, 2_000_000):
        path = route.format(participant_id=participant, placement_id=world.placement)
        assert client.get(path, headers=headers).status_code == 404
    refused = session.exec(
        select(AccessLog).where(AccessLog.action == "refused").order_by(AccessLog.id)
    ).all()
    assert [(row.participant_id, row.route) for row in refused] == [
        (world.participant_b, route),
        (None, route),  # one that does not exist is logged without an id
    ]
    assert count_rows(session, Suggestion) == 0


@pytest.mark.parametrize("who", ["coordinator", "evaluator", "admin"])
def test_only_caseworkers_ask_for_suggestions(client, world, who):
    assert _suggest(client, world, who=who).status_code == 403


def test_a_placement_filled_meanwhile_is_never_suggested(client, world, session):
    first = _suggest(client, world).json()["items"][0]["placement_id"]
    placement = session.get(Placement, first)
    placement.booked = placement.slots
    bump_catalog_version(session)
    session.commit()
    ids = [item["placement_id"] for item in _suggest(client, world).json()["items"]]
    assert first not in ids
    assert len(ids) == 2


def test_limit_is_validated_with_the_field_named(client, world):
    response = _suggest(client, world, limit=0)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


def test_eligibility_names_the_rule_that_excludes(client, world, session):
    make_placement_type(session, code="ungdom", max_age=24)
    department = session.get(Placement, world.placement).department_id
    young_only = make_placement(
        session,
        department=session.get(Department, department),
        work_area=world.work_area,
        type_code="ungdom",
    )
    session.commit()
    url = f"/api/v1/participants/{world.participant_a}/placements/{young_only.id}/eligibility"
    body = client.get(url, headers=world.headers("caseworker")).json()
    assert body["eligible"] is False
    assert [e["rule"] for e in body["exclusions"]] == ["max_age"]
    open_one = (
        f"/api/v1/participants/{world.participant_a}/placements/{world.placement}/eligibility"
    )
    body = client.get(open_one, headers=world.headers("caseworker")).json()
    assert body["eligible"] is True
    assert body["score"] == pytest.approx(body["probability"] + sum(body["adjustments"].values()))
    assert body["calibration_n"] == 0


def test_candidates_are_the_callers_unit_only(client, world, session):
    unit_a = world.unit_a
    for _ in range(3):
        make_participant(session, unit=session.get(Unit, unit_a), skills=[world.skill])
    session.commit()
    body = client.get(
        f"/api/v1/placements/{world.placement}/candidates",
        headers=world.headers("caseworker"),
    ).json()
    assert body["items"]
    assert {item["participant"]["unit_id"] for item in body["items"]} == {unit_a}
    assert world.participant_b not in [item["participant_id"] for item in body["items"]]
    stored = session.get(Suggestion, body["suggestion_id"])
    assert stored.subject == "placement"


def test_an_inactive_participant_gets_no_suggestions(client, world, session):
    from models.participant import Participant

    session.get(Participant, world.participant_a).active = False
    session.commit()
    response = _suggest(client, world)
    assert response.status_code == 409
    assert "inactive" in response.json()["detail"]
    assert count_rows(session, Suggestion) == 0


def test_a_new_catalog_is_frozen_out_of_the_garbage_collectors_walks(client, world):
    """Full collections walked the whole compiled catalog again and again: 100-300 ms
    pauses at 10,000 placements (bench/api.py p99). After a build it is frozen."""
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    assert _suggest(client, world).status_code == 200
    assert gc.get_freeze_count() > 0


def _catalog_updates() -> tuple[float, float]:
    """Builds and refreshes of the compiled catalog so far, from /metrics' registry."""
    return tuple(
        REGISTRY.get_sample_value("platsa_catalog_update_seconds_count", {"kind": kind}) or 0.0
        for kind in ("build", "refresh")
    )


def test_a_booking_refreshes_capacity_and_a_placement_edit_recompiles(client, world, session):
    """A booking moves only the any-change counter: the next list refreshes the compiled
    catalog's capacity (full placement gone, slots counted down) without compiling it
    again; a placement edit moves the layout counter and recompiles. Counted from the
    process-wide /metrics registry, so as differences from the start."""
    builds, refreshes = _catalog_updates()
    first = _suggest(client, world).json()
    single = next(i for i in first["items"] if i["placement"]["remaining_slots"] == 1)
    assert _catalog_updates() == (builds + 1, refreshes)
    booked = client.post(
        "/api/v1/matches",
        json={
            "participant_id": world.participant_a,
            "placement_id": single["placement_id"],
            "suggestion_id": first["suggestion_id"],
        },
        headers=world.headers("caseworker"),
    )
    assert booked.status_code == 201, booked.text
    other = make_participant(session, unit=session.get(Unit, world.unit_a), skills=[world.skill])
    session.commit()
    after = _suggest(client, world, participant=other.id).json()
    assert single["placement_id"] not in [i["placement_id"] for i in after["items"]]
    assert _catalog_updates() == (builds + 1, refreshes + 1)
    three = next(i for i in after["items"] if i["placement"]["remaining_slots"] == 3)
    edited = client.patch(
        f"/api/v1/placements/{three['placement_id']}",
        json={"slots": 5},
        headers=world.headers("coordinator"),
    )
    assert edited.status_code == 200, edited.text
    again = _suggest(client, world, participant=other.id).json()
    slots = {i["placement_id"]: i["placement"]["remaining_slots"] for i in again["items"]}
    assert slots[three["placement_id"]] == 5
    assert _catalog_updates() == (builds + 2, refreshes + 1)
