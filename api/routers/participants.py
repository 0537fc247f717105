"""Participants: caseworkers register and update their unit's caseload.

Coordinators and admins read every unit; admins also register and update. Evaluators
have no access here. HTTP only; the rules (visibility by unit, the access log, the
owning unit of a new participant) are :mod:`api.services.participants`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request, status
from sqlmodel import Session

from api.access import Where, participant_for
from api.deps import MAX_ID, CurrentUser, SessionDep, roles
from api.errors import problems
from api.pagination import Paged, PageDep
from api.responses import model_json
from api.services import participants
from models.org import Role, User
from models.participant import ParticipantCreate, ParticipantPublic, ParticipantUpdate

router = APIRouter(tags=["participants"])

ParticipantId = Annotated[int, Path(ge=1, le=MAX_ID, description="participant id")]

CREATE_EXAMPLES = {
    "newcomer": {
        "summary": "A newcomer interested in kitchen or care work",
        "value": {
            "ref": "LU-2026-0042",
            "birth_year": 1991,
            "gender": "F",
            "language_level": "SFI C",
            "support_need": 3,
            "assistance_start": "2024-09-01",
            "newcomer": True,
            "home_lat": 55.71,
            "home_lon": 13.19,
            "max_hours": 30,
            "skills": ["comp-servering"],
            "interests": ["area-kitchen", "area-care"],
        },
    }
}


@router.get(
    "/participants",
    response_model=Paged[ParticipantPublic],
    openapi_extra=roles(Role.caseworker, Role.coordinator, Role.admin),
    responses=problems(),
)
def list_caseload(
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    page: PageDep,
    unit_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="only this unit's participants")
    ] = None,
    active: Annotated[bool | None, Query(description="only active (or inactive) ones")] = None,
    placed: Annotated[
        bool | None,
        Query(description="only those holding a booked placement (true) or waiting (false)"),
    ] = None,
    ref: Annotated[
        str | None, Query(max_length=64, description="only references containing this text")
    ] = None,
    sort: Annotated[
        Literal["id", "waiting"],
        Query(description="'waiting': the longest on the caseload (earliest registered) first"),
    ] = "id",
):
    """List participants visible to the caller (a caseworker: their own unit only)."""
    rows, total = participants.caseload(
        session,
        user,
        Where.of(request),
        unit_id=unit_id,
        active=active,
        placed=placed,
        ref=ref,
        longest_waiting_first=sort == "waiting",
        offset=page.offset,
        limit=page.limit,
    )
    return Paged(
        data=[ParticipantPublic.from_row(r) for r in rows],
        count=total,
        offset=page.offset,
        limit=page.limit,
    )


@router.post(
    "/participants",
    response_model=ParticipantPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=roles(Role.caseworker, Role.admin),
    responses=problems(409),
)
def register_participant(
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    body: Annotated[ParticipantCreate, Body(openapi_examples=CREATE_EXAMPLES)],
):
    """Register a participant in the caller's unit (an admin names the unit)."""
    return ParticipantPublic.from_row(participants.register(session, user, Where.of(request), body))


@router.get(
    "/participants/{participant_id}",
    response_model=ParticipantPublic,
    openapi_extra=roles(Role.caseworker, Role.coordinator, Role.admin),
    responses=problems(404),
)
def read_participant(
    session: SessionDep, user: CurrentUser, request: Request, participant_id: ParticipantId
):
    """Read one participant's record (logged)."""
    # serialised here: FastAPI would validate the model again in one more thread hop
    return model_json(participant_record(session, user, request, participant_id))


def participant_record(
    session: Session, user: User, request: Request, participant_id: int
) -> ParticipantPublic:
    """The record :func:`read_participant` answers (logged), as a model: the pages show it."""
    return ParticipantPublic.from_row(
        participant_for(session, user, participant_id, Where.of(request))
    )


@router.patch(
    "/participants/{participant_id}",
    response_model=ParticipantPublic,
    openapi_extra=roles(Role.caseworker, Role.admin),
    responses=problems(404),
)
def change_participant(
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    participant_id: ParticipantId,
    body: ParticipantUpdate,
):
    """Change a participant's matching details; the old state stays in the history."""
    participant = participants.change(session, user, Where.of(request), participant_id, body)
    return ParticipantPublic.from_row(participant)
