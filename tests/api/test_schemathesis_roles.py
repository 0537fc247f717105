"""Schemathesis with every check (``--checks all``) for every role, over the seeded world of
``test_schemathesis``: each role on the operations its x-roles admit (the authorisation
matrix covers everyone else's 403), three generated examples per operation to bound the run. The one
kind of failure accepted is a schema-valid request that a documented business rule
answers with a 4xx; :data:`BUSINESS_RULES` lists each status with its reason."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from api.deps import ROLES_KEY
from tests.api.test_schemathesis import _DOCUMENT, APP, world

load_all_checks()
ROLES = ("caseworker", "coordinator", "evaluator", "admin")
#: examples per operation and role; raise locally for a deeper run
MAX_EXAMPLES = 3

#: the only failures accepted: a schema-valid request (positive_data_acceptance) that a
#: documented business rule answers with this 4xx, and why
BUSINESS_RULES: dict[int, str] = {
    400: "GET /access-log needs participant_id or user_id (one of two optional filters)",
    403: "a service account may not decide about a participant (only a person may)",
    404: "an id that does not exist, or another unit's participant (not confirmed to exist)",
    409: "the state forbids it: full, already decided, a quota overlap, an Idempotency-Key reuse",
    422: "a rule JSON Schema cannot state: an unknown skill, department or model version, "
    "an end before its start, min_age above max_age, an outcome dated in the future",
}
CONFIG = SchemathesisConfig.from_dict(
    {
        # the deterministic coverage phase (boundary and negative values of every field)
        # is what test_schemathesis runs at length; here the budget goes to the checks
        "phases": {"coverage": {"enabled": False}},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", *map(str, sorted(BUSINESS_RULES))]
            }
        },
    }
)
ALL_CHECKS = CHECKS.get_all()


def _admits(role: str):
    def admitted(ctx) -> bool:
        operation = _DOCUMENT["paths"][ctx.operation.path][ctx.operation.method.lower()]
        return role in operation.get(ROLES_KEY, [])

    return admitted


def _schema_for(role: str):
    """The operations ``role`` may use (the authz matrix covers the 403s of the rest),
    authenticated through schemathesis' auth, so the auth checks can drop the token."""
    role_schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)

    @role_schema.auth(refresh_interval=None)
    class RoleToken:
        def get(self, case, context):
            return world().tokens[role]

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return role_schema.include(_admits(role))


def _check_as(role: str):
    @_schema_for(role).parametrize()
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def check(case):
        case.call_and_validate(checks=ALL_CHECKS)

    return check


for _role in ROLES:
    globals()[f"test_every_check_as_{_role}"] = _check_as(_role)
