"""Decisions: accept (books a slot) or decline, then start, end, withdraw, and outcomes.

HTTP only; the rules are :mod:`api.services.matches`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.access import Where
from api.deps import (
    CatalogDep,
    ClockDep,
    CurrentPerson,
    CurrentUser,
    IdempotencyDep,
    SessionDep,
    roles,
)
from api.errors import problems
from api.pagination import Paged, PageDep
from api.services import matches
from models.match import MatchStatus
from models.org import Role
from models.schemas_match import (
    MAX_ID,
    MatchCreate,
    MatchPublic,
    OutcomeCreate,
    OutcomePublic,
    WithdrawRequest,
)

router = APIRouter(tags=["matches"])

MatchId = Annotated[int, Path(ge=1, le=MAX_ID, description="match id")]
IdFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]

READERS = roles(Role.caseworker, Role.coordinator, Role.admin)
FOLLOW_UP = roles(Role.caseworker, Role.coordinator)


@router.post(
    "/matches",
    status_code=201,
    response_model=MatchPublic,
    responses=problems(400, 403, 404, 409),
    openapi_extra=roles(Role.caseworker),
)
def decide(
    body: MatchCreate,
    session: SessionDep,
    user: CurrentPerson,
    request: Request,
    catalog: CatalogDep,
    clock: ClockDep,
    idempotent: IdempotencyDep,
):
    """Accept a placement for a participant (books a slot) or decline it with a reason code."""
    if (replayed := idempotent.replayed(body)) is not None:
        matches.replayed_decision(session, user, Where.of(request), body)
        return replayed
    match = matches.decide(
        session,
        user,
        Where.of(request),
        body,
        on=clock.today(),
        book_ahead_days=catalog.policy.book_ahead_days,
    )
    return idempotent.remember(201, MatchPublic.model_validate(match))


@router.get(
    "/matches",
    response_model=Paged[MatchPublic],
    responses=problems(404),
    openapi_extra=READERS,
)
def list_matches(
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    page: PageDep,
    participant_id: IdFilter = None,
    placement_id: IdFilter = None,
    status: MatchStatus | None = None,
):
    """List decisions, newest first; a caseworker sees only their unit's participants."""
    rows, total = matches.list_matches(
        session,
        user,
        Where.of(request),
        participant_id=participant_id,
        placement_id=placement_id,
        status=status,
        offset=page.offset,
        limit=page.limit,
    )
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)


@router.get(
    "/matches/{match_id}",
    response_model=MatchPublic,
    responses=problems(404),
    openapi_extra=READERS,
)
def get_match(match_id: MatchId, session: SessionDep, user: CurrentUser, request: Request):
    """One decision and its current status."""
    return matches.visible_match(session, user, Where.of(request), match_id, action="read")


@router.post(
    "/matches/{match_id}/withdraw",
    response_model=MatchPublic,
    responses=problems(400, 403, 404, 409),
    openapi_extra=FOLLOW_UP,
)
def withdraw(
    match_id: MatchId,
    body: WithdrawRequest,
    session: SessionDep,
    user: CurrentPerson,
    request: Request,
):
    """Withdraw an accepted or started match; frees its slot and quota place."""
    return matches.move(
        session,
        user,
        Where.of(request),
        match_id,
        MatchStatus.withdrawn,
        reason_code=body.reason_code.value,
        reason_text=body.reason,
    )


@router.post(
    "/matches/{match_id}/start",
    response_model=MatchPublic,
    responses=problems(403, 404, 409),
    openapi_extra=FOLLOW_UP,
)
def start(match_id: MatchId, session: SessionDep, user: CurrentPerson, request: Request):
    """Mark an accepted match as started; it keeps its slot."""
    return matches.move(session, user, Where.of(request), match_id, MatchStatus.started)


@router.post(
    "/matches/{match_id}/end",
    response_model=MatchPublic,
    responses=problems(403, 404, 409),
    openapi_extra=FOLLOW_UP,
)
def end(match_id: MatchId, session: SessionDep, user: CurrentPerson, request: Request):
    """Mark a started match as ended (done); frees its slot and quota place."""
    return matches.move(session, user, Where.of(request), match_id, MatchStatus.ended)


@router.post(
    "/matches/{match_id}/outcomes",
    status_code=201,
    response_model=OutcomePublic,
    responses=problems(400, 403, 404, 409),
    openapi_extra=FOLLOW_UP,
)
def record_outcome(
    match_id: MatchId,
    body: OutcomeCreate,
    session: SessionDep,
    user: CurrentPerson,
    request: Request,
    idempotent: IdempotencyDep,
):
    """Record what happened after an accepted, started or ended match."""
    if (replayed := idempotent.replayed(body)) is not None:
        matches.replayed_outcome(session, user, Where.of(request), match_id)
        return replayed
    outcome = matches.record_outcome(session, user, Where.of(request), match_id, body)
    return idempotent.remember(201, OutcomePublic.model_validate(outcome))


@router.get(
    "/matches/{match_id}/outcomes",
    response_model=list[OutcomePublic],
    responses=problems(404),
    openapi_extra=READERS,
)
def list_outcomes(match_id: MatchId, session: SessionDep, user: CurrentUser, request: Request):
    """The outcomes recorded for one match, oldest first."""
    return matches.list_outcomes(session, user, Where.of(request), match_id)
