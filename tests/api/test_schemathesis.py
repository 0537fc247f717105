"""Schemathesis against the app's own OpenAPI document, with the default checks.

Every operation is called with generated valid and invalid input: no 500s, responses match
the declared schemas and status codes, bad input is rejected. Requests are authenticated
as a role the operation admits (admin when it may, else the first role it lists; the
caseworker belongs to the seeded unit A) over a small seeded database, and the number of
examples is kept low so the whole run stays well under two minutes on two cores.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from api.deps import ROLES_KEY
from api.settings import Settings
from models.db import make_engine
from tests.api.world import World, seed_world
from tests.apps import app_for
from tests.database import migrate
from tests.factories import make_concept

#: examples per operation; raise locally (e.g. 200) for a deeper run
MAX_EXAMPLES = 20


#: the app needs no database to describe itself; the world is seeded on first use
_ENGINE = make_engine("sqlite://", poolclass=StaticPool)
APP = app_for(settings=Settings(database_url="sqlite://"), engine=_ENGINE)
_DOCUMENT = APP.openapi()
CLIENT = TestClient(APP, raise_server_exceptions=False)


@cache
def world() -> World:
    """The seeded world, built when the first test runs (not at import)."""
    migrate(_ENGINE)
    with Session(_ENGINE, expire_on_commit=False) as session:
        seeded = seed_world(session)
        # the concepts the OpenAPI examples name, so the examples are accepted as documented
        make_concept(session, id="area-kitchen", kind="occupation")
        make_concept(session, id="area-care", kind="occupation")
        for skill in ("comp-servering", "comp-livsmedelshygien"):
            make_concept(session, id=skill, broader="area-kitchen")
        session.commit()
    return seeded


@pytest.fixture(autouse=True, scope="module")
def _seeded() -> None:
    world()


#: Schema-valid bodies may still break business rules JSON Schema cannot state (an unknown
#: skill id, end before start, min_age above max_age, a caseworker naming another unit):
#: those answer 422 (or 400 for the access log without a filter), which is correct.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422"]
            }
        }
    }
)


schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)

#: requests that once reached the database with an id beyond its 32-bit INTEGER (a 500);
#: ids are now bounded where they enter, and the regression test below keeps them so
HUGE = 2**63
HUGE_ID_REQUESTS: dict[tuple[str, str], dict] = {
    ("GET", "/api/v1/access-log"): {"params": {"participant_id": HUGE}},
    ("GET", "/api/v1/participants/{participant_id}/placements/{placement_id}/eligibility"): {
        "path": {"participant_id": 1, "placement_id": HUGE}
    },
    ("GET", "/api/v1/participants/{participant_id}/suggestions"): {
        "path": {"participant_id": HUGE}
    },
    ("POST", "/api/v1/plans"): {"json": {"participant_ids": [HUGE]}},
    ("GET", "/api/v1/plans/{plan_id}"): {"path": {"plan_id": HUGE}},
    ("GET", "/api/v1/plans/{plan_id}/prices"): {"path": {"plan_id": HUGE}},
    ("PATCH", "/api/v1/plans/{plan_id}/rows"): {
        "path": {"plan_id": HUGE},
        "json": {"edits": [{"drop": True, "row_id": 0}]},
    },
    ("POST", "/api/v1/plans/{plan_id}/apply"): {"path": {"plan_id": HUGE}},
    ("GET", "/api/v1/quotas"): {"params": {"department_id": HUGE}},
    ("POST", "/api/v1/quotas"): {
        "json": {
            "department_id": HUGE,
            "max_headcount": 0,
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        }
    },
    ("GET", "/api/v1/quotas/{quota_id}"): {"path": {"quota_id": HUGE}},
    ("PATCH", "/api/v1/quotas/{quota_id}"): {"path": {"quota_id": HUGE}, "json": {}},
    ("GET", "/api/v1/quotas/{quota_id}/history"): {"path": {"quota_id": HUGE}},
}


#: operations better exercised as a caseworker (a new participant goes to their unit)
AS_CASEWORKER = {
    ("POST", "/api/v1/participants"),
    ("PATCH", "/api/v1/participants/{participant_id}"),
}


def _principal(method: str, path: str) -> str:
    """The world user to call an operation as: admin when admitted, else the first role."""
    if (method.upper(), path) in AS_CASEWORKER:
        return "caseworker"
    admitted = _DOCUMENT["paths"][path][method.lower()].get(ROLES_KEY, [])
    return "admin" if "admin" in admitted or not admitted else admitted[0]


@schema.auth(refresh_interval=None)  # no caching: the token depends on the operation
class WorldTokens:
    """Bearer tokens through schemathesis' auth, so a negative case that drops the
    Authorization header on purpose is sent without it (and must get 401)."""

    def get(self, case, context):
        return world().tokens[_principal(case.operation.method, case.operation.path)]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_openapi(case):
    case.call_and_validate()


def _send(method: str, path: str, request: dict):
    request = dict(request)
    values = request.pop("path", {})
    url = re.sub(r"\{([^}]+)\}", lambda m: str(values.get(m.group(1), 1)), path)
    headers = world().headers(_principal(method, path))
    return CLIENT.request(method, url, headers=headers, **request)


@pytest.mark.parametrize(
    ("method", "path"),
    sorted(HUGE_ID_REQUESTS),
    ids=[f"{m} {p}" for m, p in sorted(HUGE_ID_REQUESTS)],
)
def test_an_id_beyond_32_bits_is_a_422_naming_it(method, path):
    response = _send(method, path, HUGE_ID_REQUESTS[(method, path)])
    assert response.status_code == 422
    assert response.json()["errors"]
