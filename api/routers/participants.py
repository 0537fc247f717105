"""Participants: caseworkers register and update their unit's caseload.

Visibility (see :mod:`api.access`): a caseworker reads and writes only participants of
their own unit; another unit's participant answers 404. Coordinators and admins read
every unit; admins also register and update. Evaluators have no access here.

Every read and every change of a participant's record is written to the access log in
the request's transaction; a list logs one read per participant it returns.

Unit on create: a caseworker's participant always belongs to the caseworker's unit.
``unit_id`` may be omitted or name that unit; naming another unit is rejected with 422
at ``["body", "unit_id"]`` (never silently moved). An admin must give ``unit_id``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request, status
from sqlalchemy.exc import IntegrityError

from api.access import participant_for, record_access, record_list_access, visible_unit
from api.deps import MAX_ID, CurrentUser, SessionDep, roles
from api.errors import Conflict, problems
from api.pagination import Paged, PageDep
from api.references import check_concepts, invalid_field, raise_references, reference_error
from models.org import Role
from models.participant import ParticipantCreate, ParticipantPublic, ParticipantUpdate
from models.repo_participants import (
    add_participant,
    list_participants,
    ref_taken,
    unit_exists,
    update_participant,
)

router = APIRouter(tags=["participants"])

#: fields a PATCH may set to null; null for any other field leaves it unchanged
NULLABLE = frozenset({"last_job_end"})

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
    own_unit = visible_unit(user)
    if own_unit is not None and unit_id is not None and unit_id != own_unit:
        # another unit's caseload is not the caseworker's to see: an empty page, not a 403
        return Paged(data=[], count=0, offset=page.offset, limit=page.limit)
    rows, total = list_participants(
        session,
        unit_id=own_unit if own_unit is not None else unit_id,
        active=active,
        placed=placed,
        ref=ref,
        longest_waiting_first=sort == "waiting",
        offset=page.offset,
        limit=page.limit,
    )
    record_list_access(session, user, request, [row.id for row in rows])
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
    unit_id = _owning_unit(session, user, body.unit_id)
    check_concepts(session, {"skills": body.skills, "interests": body.interests})
    if ref_taken(session, body.ref):
        raise Conflict(f"a participant with ref {body.ref!r} already exists")
    try:
        participant = add_participant(
            session, body.model_dump(exclude={"unit_id"}), unit_id=unit_id, by=user.id
        )
    except IntegrityError:  # a concurrent request registered the same ref first
        raise Conflict(f"a participant with ref {body.ref!r} already exists") from None
    record_access(session, user, request, participant.id, "write")
    return ParticipantPublic.from_row(participant)


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
    return ParticipantPublic.from_row(participant_for(session, user, participant_id, request))


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
    participant = participant_for(
        session, user, participant_id, request, action="write", for_update=True
    )
    # null means "no change" except where the record itself may hold null (last_job_end)
    changes = {
        name: value
        for name, value in body.model_dump(exclude_unset=True).items()
        if value is not None or name in NULLABLE
    }
    check_concepts(session, {k: changes.get(k) for k in ("skills", "interests")})
    update_participant(session, participant, changes, by=user.id)
    return ParticipantPublic.from_row(participant)


def _owning_unit(session, user, requested: int | None) -> int:
    """The unit a new participant belongs to (see the module docstring for the rule)."""
    own_unit = visible_unit(user)
    if own_unit is not None:
        if requested is not None and requested != own_unit:
            raise invalid_field(
                ["unit_id"],
                f"a caseworker registers participants in their own unit ({own_unit}) only",
                "unit_not_allowed",
            )
        return own_unit
    if requested is None:
        raise invalid_field(["unit_id"], "an admin must name the participant's unit", "missing")
    if not unit_exists(session, requested):
        raise_references([reference_error(["unit_id"], f"unknown unit {requested}")])
    return requested
