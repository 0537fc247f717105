"""The authorisation matrix: every /api/v1 route × every role (× own and other unit).

Two layers:

1. Every route found by walking the app (routes other helpers add later included) must
   declare its roles in ``x-roles``; without a token it answers 401; a role it does not
   list gets the role check's 403; a role it lists is let through the role check.
2. The participant and catalog routes additionally have an explicit table of the status
   each principal gets, where "own"/"other" is a caseworker of the target participant's
   unit or of another unit. A route missing from the table fails the coverage test.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from api.app import API_PREFIX
from api.deps import ROLES_KEY
from api.settings import Settings
from models.db import make_engine
from models.org import Role
from tests.api.world import World, participant_body, placement_body, seed_world
from tests.apps import app_for
from tests.database import memory_engine

ROLE_DENIED = "may not use this route"


def v1_routes(app) -> Iterator[tuple[str, str, APIRoute]]:
    """(method, full path, route) for every API route under /api/v1, however it is mounted.

    The path is the template without convertors (``{concept_id}``), as in the OpenAPI.
    """
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI >= 0.16x: lazy inclusion
    except ImportError:  # older FastAPI flattens included routes into app.routes
        pairs = [(r.path_format, r) for r in app.routes if hasattr(r, "path_format")]
    else:
        pairs = [(c.path_format, c.original_route) for c in iter_route_contexts(app.routes)]
    for path, route in pairs:
        if isinstance(route, APIRoute) and path.startswith(API_PREFIX + "/"):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                yield method, path, route


_APP = app_for(
    settings=Settings(database_url="sqlite://"),
    engine=make_engine("sqlite://", poolclass=StaticPool),
)
ROUTES = sorted((method, path, route) for method, path, route in v1_routes(_APP))
ROUTE_IDS = [f"{method} {path}" for method, path, _ in ROUTES]


@pytest.fixture(scope="module")
def matrix() -> Iterator[tuple[TestClient, World]]:
    """One app and world for the whole matrix (fast); every write below uses fresh keys,
    and no expected status depends on what another case wrote."""
    engine = memory_engine()
    with Session(engine, expire_on_commit=False) as session:
        world = seed_world(session)
    app = app_for(settings=Settings(database_url="sqlite://"), engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, world
    engine.dispose()


_fresh = itertools.count(1)


def _declared(route: APIRoute) -> list[str]:
    return (route.openapi_extra or {}).get(ROLES_KEY) or []


def _any_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_walk_finds_routes_of_every_router():
    paths = {path for _, path, _ in ROUTES}
    assert {"/api/v1/participants", "/api/v1/placements", "/api/v1/access-log"} <= paths


@pytest.mark.parametrize(("method", "path", "route"), ROUTES, ids=ROUTE_IDS)
def test_every_route_declares_known_roles(method, path, route):
    declared = _declared(route)
    assert declared, f"{method} {path} declares no roles"
    assert set(declared) <= {r.value for r in Role}


@pytest.mark.parametrize(("method", "path", "route"), ROUTES, ids=ROUTE_IDS)
def test_every_route_needs_a_token_and_admits_only_declared_roles(matrix, method, path, route):
    client, world = matrix
    url = _any_path(path)
    assert client.request(method, url).status_code == 401
    bad_token = client.request(method, url, headers={"Authorization": "Bearer nope"})
    assert bad_token.status_code == 401
    for role in Role:
        who = role.value
        response = client.request(method, url, headers=world.headers(who))
        if who in _declared(route):
            denied = response.status_code == 403 and ROLE_DENIED in response.json()["detail"]
            assert not denied, f"{who} is declared but was refused by the role check"
            assert response.status_code != 401
        else:
            assert response.status_code == 403, f"{who} on {method} {path}"
            assert ROLE_DENIED in response.json()["detail"]


# -- the explicit table for the participant and catalog routes --------------------------

PRINCIPALS = ("own", "other", "coordinator", "evaluator", "admin")
_TOKEN_OF = {"own": "caseworker", "other": "caseworker_b"}

Request = Callable[[World], dict]


def _no_body(world: World) -> dict:
    return {}


#: (method, path) -> (request, expected status per principal in PRINCIPALS order)
EVERY_ROLE_READS = (200, 200, 200, 200, 200)
TABLE: dict[tuple[str, str], tuple[Request, tuple[int, ...]]] = {
    ("GET", "/api/v1/participants"): (_no_body, (200, 200, 200, 403, 200)),
    ("POST", "/api/v1/participants"): (
        lambda w: {"json": participant_body(ref=f"M-{next(_fresh)}", unit_id=w.unit_a)},
        (201, 422, 403, 403, 201),
    ),
    ("GET", "/api/v1/participants/{participant_id}"): (_no_body, (200, 404, 200, 403, 200)),
    ("PATCH", "/api/v1/participants/{participant_id}"): (
        lambda w: {"json": {"support_need": 4}},
        (200, 404, 403, 403, 200),
    ),
    ("GET", "/api/v1/departments"): (_no_body, EVERY_ROLE_READS),
    ("GET", "/api/v1/departments/{department_id}"): (_no_body, EVERY_ROLE_READS),
    ("POST", "/api/v1/departments"): (
        lambda w: {"json": {"code": f"NEW{next(_fresh)}", "name": "Ny förvaltning"}},
        (403, 403, 201, 403, 201),
    ),
    ("PATCH", "/api/v1/departments/{department_id}"): (
        lambda w: {"json": {"name": "Omdöpt"}},
        (403, 403, 200, 403, 200),
    ),
    ("GET", "/api/v1/placement-types"): (_no_body, EVERY_ROLE_READS),
    ("GET", "/api/v1/placement-types/{code}"): (_no_body, EVERY_ROLE_READS),
    ("POST", "/api/v1/placement-types"): (
        lambda w: {"json": {"code": f"extra{next(_fresh)}", "name": "Extratjänst"}},
        (403, 403, 403, 403, 201),
    ),
    ("PATCH", "/api/v1/placement-types/{code}"): (
        lambda w: {"json": {"min_age": 20}},
        (403, 403, 403, 403, 200),
    ),
    ("GET", "/api/v1/concepts"): (_no_body, EVERY_ROLE_READS),
    ("GET", "/api/v1/concepts/{concept_id}"): (_no_body, EVERY_ROLE_READS),
    ("POST", "/api/v1/concepts/import"): (
        lambda w: {"json": [{"id": "local:x", "label_sv": "X"}]},
        (403, 403, 403, 403, 200),
    ),
    ("GET", "/api/v1/placements"): (_no_body, EVERY_ROLE_READS),
    ("GET", "/api/v1/placements/{placement_id}"): (_no_body, EVERY_ROLE_READS),
    ("POST", "/api/v1/placements"): (
        lambda w: {"json": placement_body(w)},
        (403, 403, 201, 403, 201),
    ),
    ("PATCH", "/api/v1/placements/{placement_id}"): (
        lambda w: {"json": {"slots": 5}},
        (403, 403, 200, 403, 200),
    ),
}

#: the modules whose routes this table must cover completely
OWNED_MODULES = {"api.routers.participants", "api.routers.catalog", "api.routers.taxonomy"}


def _url(path: str, world: World) -> str:
    return (
        path.replace("{participant_id}", str(world.participant_a))
        .replace("{department_id}", str(world.department))
        .replace("{code}", world.type_code)
        .replace("{concept_id}", world.skill)
        .replace("{placement_id}", str(world.placement))
    )


def test_the_table_covers_exactly_the_owned_routes():
    owned = {(m, p) for m, p, r in ROUTES if r.endpoint.__module__ in OWNED_MODULES}
    assert owned == set(TABLE)


def test_the_table_agrees_with_the_declared_roles():
    routes = {(m, p): r for m, p, r in ROUTES}
    for key, (_, statuses) in TABLE.items():
        declared = set(_declared(routes[key]))
        for principal, status in zip(PRINCIPALS, statuses, strict=True):
            role = "caseworker" if principal in _TOKEN_OF else principal
            assert (status == 403) == (role not in declared), (key, principal)


CASES = [
    (method, path, principal, status)
    for (method, path), (_, statuses) in TABLE.items()
    for principal, status in zip(PRINCIPALS, statuses, strict=True)
]


@pytest.mark.parametrize(
    ("method", "path", "principal", "expected"),
    CASES,
    ids=[f"{m} {p} {who}" for m, p, who, _ in CASES],
)
def test_status_per_route_and_principal(matrix, method, path, principal, expected):
    client, world = matrix
    request, _ = TABLE[(method, path)]
    token = _TOKEN_OF.get(principal, principal)
    response = client.request(
        method, _url(path, world), headers=world.headers(token), **request(world)
    )
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
