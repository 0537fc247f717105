"""Request dependencies, declared once as ``Annotated`` aliases.

Deny by default: the v1 router runs :func:`authorise` on every route, and a route that
does not declare its roles with :func:`roles` answers 403 to everyone.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.access import RefusedAccess
from api.catalog_cache import Catalog, CatalogCache
from api.db_gate import request_transaction
from api.errors import Forbidden, Unauthorized
from api.idempotency import Idempotency, IdempotencyKey
from api.rate_limit import check_rate
from api.settings import Settings
from models.clock import Clock
from models.org import Role, User
from models.repo_access_log import log_access
from models.repo_users import user_for_token
from models.strict_input import INT_MAX

ROLES_KEY = "x-roles"
logger = logging.getLogger(__name__)

#: ids are 32-bit integer columns; a larger one is a 422 here, not a database error
MAX_ID = INT_MAX
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
_bearer = HTTPBearer(auto_error=False, description="A user's token from `platsa users create`")


def roles(*allowed: Role) -> dict[str, Any]:
    """``openapi_extra`` for a route: the roles it admits (also shown in the OpenAPI)."""
    return {ROLES_KEY: [r.value for r in allowed]}


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One request, one transaction: commit when the route succeeds, roll back otherwise.

    Async, so taking the session costs no thread-pool hop; the transaction runs inside
    one of the worker's database slots (``api.db_gate``: 503 when none frees in time).
    A refused look at a participant's record is logged after the rollback, in a
    transaction of its own, so the audit trail keeps attempts that changed nothing.
    """
    session = Session(get_engine(request), expire_on_commit=False)
    async with request_transaction(request, session, on_error=_end_failed) as session:
        yield session


def _end_failed(session: Session, error: BaseException) -> None:
    session.rollback()
    if isinstance(error, RefusedAccess):
        _log_refusal(session, error)


def _log_refusal(session: Session, refused: RefusedAccess) -> None:
    try:
        log_access(session, **refused.attempt)
        session.commit()
    except Exception:  # the caller still gets their 404; the failure is in the server log
        session.rollback()
        logger.exception("could not log a refused participant access: %s", refused.attempt)


# scope="function": commit before the response is sent, so a failed commit answers an
# error instead of a success the database never saw (the default runs cleanup after).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    return request.app.state.settings


def get_clock(request: Request) -> Clock:
    """The app's clock: every "now" and "today" of a request comes from it."""
    return request.app.state.clock


def get_catalog(request: Request) -> CatalogCache:
    """The app's cached compiled catalog (``.get(session, day)``; ``.policy``)."""
    return request.app.state.catalog


SettingsDep = Annotated[Settings, Depends(get_settings)]
ClockDep = Annotated[Clock, Depends(get_clock)]
CatalogDep = Annotated[CatalogCache, Depends(get_catalog)]


def todays_catalog(session: SessionDep, cache: CatalogDep, clock: ClockDep) -> Catalog:
    """The compiled catalog for the municipality's today (the booking day)."""
    return cache.get(session, clock.today())


TodaysCatalog = Annotated[Catalog, Depends(todays_catalog)]


def current_user(
    session: SessionDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("send 'Authorization: Bearer <token>'")
    user = user_for_token(session, credentials.credentials)
    if user is None:
        raise Unauthorized("the bearer token is unknown or revoked")
    request.state.user = user
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def current_person(user: CurrentUser) -> User:
    """The caller, who must be a person: decisions about participants need one."""
    if not user.is_person:
        raise Forbidden(
            "a service account cannot decide about participants or book placements; "
            "use a person's token"
        )
    return user


CurrentPerson = Annotated[User, Depends(current_person)]


def idempotency(
    session: SessionDep, user: CurrentUser, request: Request, key: IdempotencyKey = None
) -> Idempotency:
    return Idempotency(session=session, user_id=user.id, key=key, request=request)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]


async def authorise(request: Request, user: CurrentUser) -> User:
    """Admit the caller only if the matched route lists their role.

    ``async`` because it does no I/O: it then runs on the event loop, not the thread pool.
    """
    route = request.scope.get("route")
    allowed = (getattr(route, "openapi_extra", None) or {}).get(ROLES_KEY)
    if not allowed:
        raise Forbidden("this route declares no roles, so nobody may use it")
    if user.role.value not in allowed:
        raise Forbidden(f"role {user.role.value!r} may not use this route; allowed: {allowed}")
    check_rate(request, user)  # 429 when this user spent their suggestions or writes
    return user
