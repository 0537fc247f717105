"""Which roles a page admits: exactly those of the API route it stands for.

A page names its API twin (the route function it calls for its main answer); the roles
are read from that route's ``x-roles``, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from fastapi import Depends, Request

from api.deps import ROLES_KEY, SessionDep
from api.errors import Forbidden
from api.pages.signin import signed_in_user
from models.org import User


@cache
def api_roles(endpoint: Callable[..., Any]) -> frozenset[str]:
    """The roles the API route served by ``endpoint`` admits."""
    from api.routers import ROUTERS, coordinator_plans

    # coordinator_plans is included by the coordinators' router, not listed in ROUTERS
    for router in [*ROUTERS, coordinator_plans.router]:
        for route in router.routes:
            if getattr(route, "endpoint", None) is endpoint:
                return frozenset((route.openapi_extra or {}).get(ROLES_KEY, ()))
    raise LookupError(f"{endpoint.__qualname__} is not an API route")


def admits(endpoint: Callable[..., Any]):
    """A dependency: the signed-in user, if the API twin ``endpoint`` admits their role."""

    def page_user(request: Request, session: SessionDep) -> User:
        user = signed_in_user(session, request)
        allowed = api_roles(endpoint)
        if user.role.value not in allowed:
            raise Forbidden(f"role {user.role.value!r} may not open this page")
        return user

    page_user.twin = endpoint  # the authorisation test walks pages by their twins
    return Depends(page_user)
