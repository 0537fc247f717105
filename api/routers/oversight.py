"""Human oversight: the stop switch for suggestions and plan proposals."""

from __future__ import annotations

from fastapi import APIRouter

from api import oversight
from api.deps import CurrentUser, SessionDep, roles
from api.errors import problems
from api.pagination import Paged, PageDep
from models.org import Role
from models.oversight import OversightEventPublic, OversightState, OversightSwitch
from models.repo_oversight import latest_event, list_events

router = APIRouter(tags=["oversight"])

EVERYONE = roles(Role.caseworker, Role.coordinator, Role.evaluator, Role.admin)


@router.get("/oversight", response_model=OversightState, openapi_extra=EVERYONE)
def read_state(session: SessionDep):
    """Whether suggestions are running or paused, since when, by whom and why."""
    return OversightState.of(latest_event(session))


@router.post(
    "/oversight/pause",
    status_code=201,
    response_model=OversightEventPublic,
    openapi_extra=roles(Role.admin),
    responses=problems(409),
)
def pause(body: OversightSwitch, session: SessionDep, user: CurrentUser):
    """Halt suggestions and plan proposals at once, everywhere; manual booking continues."""
    return oversight.pause(session, reason=body.reason, by=user.id)


@router.post(
    "/oversight/resume",
    status_code=201,
    response_model=OversightEventPublic,
    openapi_extra=roles(Role.admin),
    responses=problems(409),
)
def resume(body: OversightSwitch, session: SessionDep, user: CurrentUser):
    """Switch suggestions and plan proposals back on."""
    return oversight.resume(session, reason=body.reason, by=user.id)


@router.get(
    "/oversight/events",
    response_model=Paged[OversightEventPublic],
    openapi_extra=roles(Role.admin),
)
def events(session: SessionDep, page: PageDep):
    """Every switch off and on, newest first, with who and why."""
    rows, total = list_events(session, offset=page.offset, limit=page.limit)
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)
