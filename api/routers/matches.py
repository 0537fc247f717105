"""Decisions: accept (books a slot) or decline, then start, end, withdraw, and outcomes.

Every read and change of a match is a read or change of its participant's record, so
each one goes through :mod:`api.access` (visibility by unit, and the access log). A
caseworker sees only their unit's matches; another unit's match answers 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError

from api import idempotency
from api.access import RefusedAccess, participant_for, record_access, visible_unit
from api.deps import CurrentUser, SessionDep, roles
from api.errors import CapacityFull, Conflict, Forbidden, InvalidReference, NotFound, problems
from api.metrics import BOOKINGS, CONFLICTS
from api.pagination import Paged, PageDep
from models import booking, match_reads
from models.match import Match, MatchStatus
from models.org import Role, User
from models.placement import Placement
from models.schemas_match import (
    MAX_ID,
    Decision,
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


def _field_error(field: str, msg: str, kind: str = "value_error") -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": msg, "type": kind}])


def _require_person(user: User) -> None:
    if not user.is_person:
        raise Forbidden("a service account cannot decide about a participant; use a person's token")


@contextmanager
def _refusals(*, count: bool = False) -> Iterator[None]:
    """Turn the repository's refusals into 409 problems naming ``what`` refused."""
    try:
        yield
    except booking.BookingRefused as refused:
        if count:
            CONFLICTS.labels(refused.what).inc()
        error = CapacityFull if refused.full else Conflict
        raise error(refused.detail, what=refused.what) from None


def _visible_match(
    session, user: User, request: Request, match_id: int, *, action: str, lock: bool = False
) -> Match:
    """Load a match whose participant the user may see (and log it); 404 otherwise.

    ``lock`` takes the participant's row lock first, then the match's, the order every
    booking change uses, and re-reads the match so its status is current.
    """
    match = match_reads.get_match(session, match_id)
    if match is None:
        raise NotFound(f"match {match_id} not found")
    try:
        participant_for(
            session, user, match.participant_id, request, action=action, for_update=lock
        )
    except RefusedAccess as refused:
        raise refused.reworded(f"match {match_id} not found") from None
    return match_reads.get_match(session, match_id, for_update=True) if lock else match


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
    user: CurrentUser,
    request: Request,
    idempotency_key: idempotency.IdempotencyKey = None,
):
    """Accept a placement for a participant (books a slot) or decline it with a reason code."""
    _require_person(user)
    if body.decision is Decision.declined and body.reason_code is None:
        raise _field_error("reason_code", "a decline needs a reason_code", "missing")
    if body.decision is Decision.accepted and body.reason_code is not None:
        raise _field_error("reason_code", "reason_code is for declines; use reason to explain")
    claimed = idempotency.claim(session, user.id, idempotency_key, request, body)
    if not isinstance(claimed, idempotency.Claim):
        return claimed
    participant = participant_for(
        session, user, body.participant_id, request, action="write", for_update=True
    )
    placement = session.get(Placement, body.placement_id)
    if placement is None:
        raise InvalidReference(
            f"placement {body.placement_id} does not exist",
            errors=[{"loc": ["body", "placement_id"], "msg": "unknown placement", "type": "ref"}],
        )
    rank = None
    if body.suggestion_id is not None:
        found, rank = match_reads.cited_rank(
            session, body.suggestion_id, participant.id, placement.id
        )
        if not found:
            raise InvalidReference(
                f"suggestion {body.suggestion_id} is not a list for participant {participant.id}",
                errors=[
                    {"loc": ["body", "suggestion_id"], "msg": "unknown suggestion", "type": "ref"}
                ],
            )
    reason = (body.reason or "").strip() or None
    if body.decision is Decision.declined:
        match = booking.record_decision(
            session,
            participant_id=participant.id,
            placement_id=placement.id,
            status=MatchStatus.declined,
            by=user.id,
            reason_code=body.reason_code.value,
            reason_text=reason,
            suggestion_id=body.suggestion_id,
            suggestion_rank=rank,
        )
    else:
        if rank is None and reason is None:
            raise _field_error(
                "reason", "choosing a placement that was not suggested needs a reason", "missing"
            )
        with _refusals(count=True):
            match = booking.accept(
                session,
                participant=participant,
                placement=placement,
                by=user.id,
                on=booking.local_today(),
                reason_text=reason,
                suggestion_id=body.suggestion_id,
                suggestion_rank=rank,
                # the suggestions' open rule: what they offer ahead of its start is bookable
                book_ahead_days=request.app.state.catalog.policy.book_ahead_days,
            )
        BOOKINGS.inc()
    return idempotency.remember(session, claimed, 201, MatchPublic.model_validate(match))


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
    if participant_id is not None:
        participant_for(session, user, participant_id, request)
    rows, total = match_reads.list_matches(
        session,
        unit_id=visible_unit(user),
        participant_id=participant_id,
        placement_id=placement_id,
        status=status,
        offset=page.offset,
        limit=page.limit,
    )
    if participant_id is None:
        for seen in sorted({row.participant_id for row in rows}):
            record_access(session, user, request, seen, "read")
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)


@router.get(
    "/matches/{match_id}",
    response_model=MatchPublic,
    responses=problems(404),
    openapi_extra=READERS,
)
def get_match(match_id: MatchId, session: SessionDep, user: CurrentUser, request: Request):
    """One decision and its current status."""
    return _visible_match(session, user, request, match_id, action="read")


def _move(session, user: User, request: Request, match_id: int, to: MatchStatus, **reason):
    _require_person(user)
    match = _visible_match(session, user, request, match_id, action="write", lock=True)
    with _refusals():
        booking.change_status(session, match, to, by=user.id, **reason)
    return match


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
    user: CurrentUser,
    request: Request,
):
    """Withdraw an accepted or started match; frees its slot and quota place."""
    return _move(
        session,
        user,
        request,
        match_id,
        MatchStatus.withdrawn,
        reason_code=body.reason_code.value,
        reason_text=(body.reason or "").strip() or None,
    )


@router.post(
    "/matches/{match_id}/start",
    response_model=MatchPublic,
    responses=problems(403, 404, 409),
    openapi_extra=FOLLOW_UP,
)
def start(match_id: MatchId, session: SessionDep, user: CurrentUser, request: Request):
    """Mark an accepted match as started; it keeps its slot."""
    return _move(session, user, request, match_id, MatchStatus.started)


@router.post(
    "/matches/{match_id}/end",
    response_model=MatchPublic,
    responses=problems(403, 404, 409),
    openapi_extra=FOLLOW_UP,
)
def end(match_id: MatchId, session: SessionDep, user: CurrentUser, request: Request):
    """Mark a started match as ended (done); frees its slot and quota place."""
    return _move(session, user, request, match_id, MatchStatus.ended)


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
    user: CurrentUser,
    request: Request,
    idempotency_key: idempotency.IdempotencyKey = None,
):
    """Record what happened after an accepted, started or ended match."""
    _require_person(user)
    claimed = idempotency.claim(session, user.id, idempotency_key, request, body)
    if not isinstance(claimed, idempotency.Claim):
        return claimed
    match = _visible_match(session, user, request, match_id, action="write")
    with _refusals():
        outcome = booking.add_outcome(
            session,
            match,
            kind=body.kind,
            occurred_on=body.occurred_on,
            reason=(body.reason or "").strip() or None,
            by=user.id,
        )
    return idempotency.remember(session, claimed, 201, OutcomePublic.model_validate(outcome))


@router.get(
    "/matches/{match_id}/outcomes",
    response_model=list[OutcomePublic],
    responses=problems(404),
    openapi_extra=READERS,
)
def list_outcomes(match_id: MatchId, session: SessionDep, user: CurrentUser, request: Request):
    """The outcomes recorded for one match, oldest first."""
    _visible_match(session, user, request, match_id, action="read")
    return match_reads.list_outcomes(session, match_id)
