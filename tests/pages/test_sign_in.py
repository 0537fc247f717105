"""Signing in and out of the pages: passwords, sessions, CSRF, throttling, expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, select

from api.settings import Settings
from models.audit import AccessLog
from models.db import make_engine
from models.web_auth import WebSession
from tests.apps import app_for
from tests.pages.web_world import csrf_of, seed_web_world, sign_in, username_of


@pytest.fixture
def web() -> Iterator[tuple[TestClient, Session, object]]:
    engine = make_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    world = seed_web_world(session)
    settings = Settings(database_url="sqlite://", sign_in_max_failures=3)
    app = app_for(settings=settings, engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, session, world
    session.close()
    engine.dispose()


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(web):
    client, session, world = web
    answer = client.get("/caseload?view=all", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/caseload%3Fview%3Dall"
    signed = sign_in(client, username_of(session, world, "caseworker"), next="/caseload?view=all")
    assert signed.status_code == 303 and signed.headers["location"] == "/caseload?view=all"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/caseload").status_code == 200


def test_sign_in_never_redirects_off_the_site(web):
    client, session, world = web
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        signed = sign_in(client, username_of(session, world, "caseworker"), next=target)
        assert signed.headers["location"] == "/caseload", target


def test_a_wrong_password_is_refused_and_repeated_failures_pause_the_username(web):
    client, session, world = web
    name = username_of(session, world, "caseworker")
    for _ in range(3):
        wrong = sign_in(client, name, password="guess")
        assert wrong.status_code == 401
        assert "Fel användarnamn eller lösenord." in wrong.text
    paused = sign_in(client, name)  # the right password, but the username is paused
    assert paused.status_code == 429
    assert int(paused.headers["retry-after"]) > 0
    assert "För många misslyckade försök" in paused.text
    assert client.get("/caseload", follow_redirects=False).status_code == 303
    other = sign_in(client, username_of(session, world, "coordinator"))  # others are not
    assert other.status_code == 303


def test_an_unknown_username_is_answered_like_a_wrong_password(web):
    client, _, _ = web
    answer = sign_in(client, "nobody-at-all")
    assert answer.status_code == 401 and "Fel användarnamn eller lösenord." in answer.text


def test_a_form_without_its_csrf_token_is_refused(web):
    client, session, world = web
    sign_in(client, username_of(session, world, "caseworker"))
    path = f"/participants/{world.participant_a}/decisions"
    form = {"placement_id": world.placement, "decision": "accepted", "idempotency_key": "k1"}
    missing = client.post(path, data=form, follow_redirects=False)
    assert missing.status_code == 403
    assert "Formuläret" in missing.text or "Inte tillåtet" in missing.text
    wrong = client.post(path, data={**form, "csrf_token": "0" * 64}, follow_redirects=False)
    assert wrong.status_code == 403
    token = csrf_of(client, f"/participants/{world.participant_a}/suggestions")
    sign_out = client.post("/sign-out", data={}, follow_redirects=False)
    assert sign_out.status_code == 403  # signing out is a change too
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 200


def test_the_sign_in_form_needs_its_own_token(web):
    client, session, world = web
    client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"username": username_of(session, world, "caseworker"), "password": "x"},
    )
    assert answer.status_code == 403


def test_sign_out_ends_the_session_on_the_server(web):
    client, session, world = web
    signed = sign_in(client, username_of(session, world, "caseworker"))
    cookie = client.cookies.get("platsa_session")
    token = csrf_of(client, "/caseload")
    client.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    client.cookies.set("platsa_session", cookie)  # a copy of the old cookie is worthless
    assert client.get("/caseload", follow_redirects=False).status_code == 303
    assert signed.status_code == 303


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=10, minutes=1))],
    ids=["idle", "absolute"],
)
def test_a_session_expires_when_idle_and_in_any_case(web, column, age):
    client, session, world = web
    sign_in(client, username_of(session, world, "caseworker"))
    assert client.get("/caseload", follow_redirects=False).status_code == 200
    old = session.exec(select(WebSession)).one()
    moved = getattr(old, column) - age
    session.execute(update(WebSession).values({column: moved}))
    session.commit()
    assert client.get("/caseload", follow_redirects=False).status_code == 303


def test_another_units_participant_is_not_found_and_the_attempt_logged(web):
    client, session, world = web
    sign_in(client, username_of(session, world, "caseworker"))
    answer = client.get(f"/participants/{world.participant_b}")
    assert answer.status_code == 404
    assert "Hittades inte" in answer.text
    refused = session.exec(
        select(AccessLog).where(
            AccessLog.participant_id == world.participant_b, AccessLog.action == "refused"
        )
    ).all()
    assert [r.route for r in refused] == ["/participants/{participant_id}"]


def test_english_is_a_toggle_and_swedish_the_default(web):
    client, session, world = web
    sign_in(client, username_of(session, world, "caseworker"))
    assert "<h1>Ärenden</h1>" in client.get("/caseload").text
    client.get("/language/en?next=/caseload")
    assert "<h1>Caseload</h1>" in client.get("/caseload").text
    assert 'lang="en"' in client.get("/caseload").text
