"""The stop switch: suggestion routes answer 503 while paused, booking carries on, logged."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.metrics import REGISTRY
from api.oversight import require_suggestions_open
from api.settings import Settings
from models.oversight import OversightEvent
from tests.api.test_authz_matrix import v1_routes
from tests.api.world import World, count_rows, seed_world
from tests.apps import app_for

V1 = "/api/v1"


@pytest.fixture
def world(session: Session) -> World:
    return seed_world(session)


def _pause(client, world, reason="bias found in the September review"):
    return client.post(
        f"{V1}/oversight/pause", json={"reason": reason}, headers=world.headers("admin")
    )


def _suggestion_calls(client, world, plan_id: int) -> dict[str, object]:
    """Every route that produces suggestions, candidates or plan proposals, called once."""
    cw, co = world.headers("caseworker"), world.headers("coordinator")
    p, pl = world.participant_a, world.placement
    return {
        "GET /participants/{participant_id}/suggestions": lambda: client.get(
            f"{V1}/participants/{p}/suggestions", headers=cw
        ),
        "GET /placements/{placement_id}/candidates": lambda: client.get(
            f"{V1}/placements/{pl}/candidates", headers=co
        ),
        "GET /participants/{participant_id}/placements/{placement_id}/eligibility": lambda: (
            client.get(f"{V1}/participants/{p}/placements/{pl}/eligibility", headers=cw)
        ),
        "POST /plans": lambda: client.post(
            f"{V1}/plans", json={"unit_id": world.unit_a}, headers=co
        ),
        "PATCH /plans/{plan_id}/rows": lambda: client.patch(
            f"{V1}/plans/{plan_id}/rows", json={"edits": []}, headers=co
        ),
        "POST /plans/{plan_id}/apply": lambda: client.post(
            f"{V1}/plans/{plan_id}/apply", headers=co
        ),
    }


def _guarded_routes(app) -> set[str]:
    """Routes that declare the stop switch, as 'METHOD /path' without the /api/v1 prefix."""
    return {
        f"{method} {path.removeprefix(V1)}"
        for method, path, route in v1_routes(app)
        if any(d.dependency is require_suggestions_open for d in route.dependencies)
    }


def test_every_suggestion_route_answers_503_while_paused(client, world, engine):
    plan = client.post(
        f"{V1}/plans", json={"unit_id": world.unit_a}, headers=world.headers("coordinator")
    )
    assert plan.status_code == 201, plan.text
    calls = _suggestion_calls(client, world, plan.json()["id"])
    # the calls below are exactly the routes that declare the switch: none forgotten
    assert _guarded_routes(client.app) == set(calls)
    assert _pause(client, world).status_code == 201
    logged_before = count_rows(Session(engine), OversightEvent)
    for name, call in calls.items():
        response = call()
        assert response.status_code == 503, name
        assert response.headers["content-type"] == "application/problem+json", name
        assert int(response.headers["Retry-After"]) > 0, name
        body = response.json()
        assert body["type"].endswith("/suggestions-paused"), name
        assert "paused" in body["detail"] and "Manual booking continues" in body["detail"]
        assert body["reason"] == "bias found in the September review"
    assert count_rows(Session(engine), OversightEvent) == logged_before
    # switched back on, the same routes answer again
    resumed = client.post(
        f"{V1}/oversight/resume",
        json={"reason": "weights corrected"},
        headers=world.headers("admin"),
    )
    assert resumed.status_code == 201
    assert calls["GET /participants/{participant_id}/suggestions"]().status_code == 200
    assert calls["GET /placements/{placement_id}/candidates"]().status_code == 200


def test_booking_declining_and_outcomes_keep_working_while_paused(client, world):
    cw = world.headers("caseworker")
    listed = client.get(f"{V1}/participants/{world.participant_a}/suggestions", headers=cw).json()
    assert _pause(client, world).status_code == 201
    accepted = client.post(
        f"{V1}/matches",
        json={
            "participant_id": world.participant_a,
            "placement_id": world.placement,
            "suggestion_id": listed["suggestion_id"],
        },
        headers=cw,
    )
    assert accepted.status_code == 201, accepted.text
    match_id = accepted.json()["id"]
    assert client.post(f"{V1}/matches/{match_id}/start", headers=cw).status_code == 200
    assert client.post(f"{V1}/matches/{match_id}/end", headers=cw).status_code == 200
    outcome = client.post(
        f"{V1}/matches/{match_id}/outcomes",
        json={"kind": "completed", "occurred_on": date.today().isoformat()},
        headers=cw,
    )
    assert outcome.status_code == 201, outcome.text
    declined = client.post(
        f"{V1}/matches",
        json={
            "participant_id": world.participant_a,
            "placement_id": world.placement,
            "decision": "declined",
            "reason_code": "commute",
        },
        headers=cw,
    )
    assert declined.status_code == 201, declined.text
    assert client.get(f"{V1}/matches/{match_id}", headers=cw).status_code == 200


def test_switching_is_logged_with_who_and_why_and_only_admins_switch(client, world):
    for who in ("caseworker", "coordinator", "evaluator"):
        refused = client.post(
            f"{V1}/oversight/pause", json={"reason": "not mine to do"}, headers=world.headers(who)
        )
        assert refused.status_code == 403
    assert _pause(client, world, "first reason").status_code == 201
    again = _pause(client, world, "second reason")
    assert again.status_code == 409 and "already paused" in again.json()["detail"]
    client.post(
        f"{V1}/oversight/resume", json={"reason": "all clear"}, headers=world.headers("admin")
    )
    events = client.get(f"{V1}/oversight/events", headers=world.headers("admin")).json()
    assert [(e["paused"], e["reason"], e["by"]) for e in events["data"]] == [
        (False, "all clear", world.user_ids["admin"]),
        (True, "first reason", world.user_ids["admin"]),
    ]
    state = client.get(f"{V1}/oversight", headers=world.headers("caseworker")).json()
    assert state["paused"] is False and state["reason"] == "all clear"
    short = client.post(
        f"{V1}/oversight/pause", json={"reason": ""}, headers=world.headers("admin")
    )
    assert short.status_code == 422


def test_readyz_and_metrics_show_the_state(client, world):
    assert client.get("/readyz").json() == {"status": "ready", "suggestions": "running"}
    client.get("/metrics")
    assert REGISTRY.get_sample_value("platsa_suggestions_paused") == 0
    _pause(client, world)
    assert client.get("/readyz").json() == {"status": "ready", "suggestions": "paused"}
    assert "platsa_suggestions_paused 1.0" in client.get("/metrics").text


def test_a_pause_through_one_worker_stops_the_other(tmp_path, session):
    """Two apps (two worker processes' state: own catalog caches) on one database file."""
    from models.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'two.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s:
        world = seed_world(s)
    settings = Settings(database_url=url)
    with (
        TestClient(app_for(settings, engine), raise_server_exceptions=False) as first,
        TestClient(app_for(settings, engine), raise_server_exceptions=False) as second,
    ):
        url_suggest = f"{V1}/participants/{world.participant_a}/suggestions"
        assert second.get(url_suggest, headers=world.headers("caseworker")).status_code == 200
        assert _pause(first, world).status_code == 201
        assert second.get(url_suggest, headers=world.headers("caseworker")).status_code == 503
        first.post(
            f"{V1}/oversight/resume", json={"reason": "checked"}, headers=world.headers("admin")
        )
        assert second.get(url_suggest, headers=world.headers("caseworker")).status_code == 200
    engine.dispose()


def test_the_pages_calls_that_produce_suggestions_stop_too(world, session, client):
    """Pages call the route functions directly (no route dependencies run), so each of
    their suggestion and plan calls checks the switch itself."""
    from api.oversight import SuggestionsPaused
    from api.pages import calls
    from models.org import User

    assert _pause(client, world).status_code == 201
    user = session.get(User, world.user_ids["coordinator"])
    p, pl = world.participant_a, world.placement
    for name, call in {
        "suggestions": lambda: calls.suggestions(session, user, None, p, limit=5),
        "why_not": lambda: calls.why_not(session, user, None, p, pl),
        "candidates": lambda: calls.candidates(session, user, None, pl, limit=5),
        "create_plan": lambda: calls.create_plan(session, user, None, None),
        "edit_plan_rows": lambda: calls.edit_plan_rows(session, user, None, 1, None),
        "apply_plan": lambda: calls.apply_plan(session, user, None, 1),
    }.items():
        try:
            call()
        except SuggestionsPaused:
            session.rollback()
        else:
            pytest.fail(f"the page call {name} ran while suggestions were paused")
    assert SuggestionsPaused("x").headers == {"Retry-After": "300"}
