"""Every page admits exactly the roles its API twin admits (like the API's matrix)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

from api.pages import PAGE_MODULES
from api.pages.guard import api_roles
from api.pages.signin import csrf_token_for
from api.settings import Settings
from models.db import make_engine
from models.org import Role
from tests.apps import app_for
from tests.pages.web_world import seed_web_world, sign_in, username_of

WHO = {
    Role.caseworker: "caseworker",
    Role.coordinator: "coordinator",
    Role.evaluator: "evaluator",
    Role.admin: "admin",
}


def _twin(route: APIRoute):
    for dependency in route.dependant.dependencies:
        twin = getattr(dependency.call, "twin", None)
        if twin is not None:
            return twin
    return None


def page_routes() -> list[tuple[str, str, object]]:
    found = []
    for module in PAGE_MODULES:
        for route in module.router.routes:
            twin = _twin(route)
            if twin is not None:
                for method in sorted(route.methods - {"HEAD"}):
                    found.append((method, route.path, twin))
    return sorted(found, key=lambda r: (r[1], r[0]))


PAGES = page_routes()


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[Role, TestClient]]:
    """One signed-in client per role over one world (reads and refused writes only)."""
    from argon2 import PasswordHasher

    from models import web_auth

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    original, web_auth.password_hasher = web_auth.password_hasher, cheap
    engine = make_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        world = seed_web_world(session)
        names = {role: username_of(session, world, who) for role, who in WHO.items()}
    app = app_for(settings=Settings(database_url="sqlite://"), engine=engine)
    signed = {}
    for role, name in names.items():
        client = TestClient(app, raise_server_exceptions=False)
        assert sign_in(client, name).status_code == 303
        client.csrf = csrf_token_for(client.cookies["platsa_session"])
        signed[role] = client
    yield signed
    web_auth.password_hasher = original
    engine.dispose()


def test_the_walk_finds_the_pages_of_every_group():
    paths = {path for _, path, _ in PAGES}
    assert {"/caseload", "/participants/{participant_id}/suggestions"} <= paths


@pytest.mark.parametrize(("method", "path", "twin"), PAGES, ids=[f"{m} {p}" for m, p, _ in PAGES])
def test_each_page_admits_exactly_its_api_twins_roles(clients, method, path, twin):
    url = re.sub(r"\{[^}]+\}", "999999", path)  # no such row: no case changes another
    allowed = api_roles(twin)
    assert allowed, f"{path}'s twin declares no roles"
    for role, client in clients.items():
        data = {"csrf_token": client.csrf} if method == "POST" else None
        answer = client.request(method, url, data=data, follow_redirects=False)
        if role.value in allowed:
            assert answer.status_code != 403, f"{role.value} refused on {method} {path}"
        else:
            assert answer.status_code == 403, f"{role.value} let in on {method} {path}"
            assert "Inte tillåtet" in answer.text
