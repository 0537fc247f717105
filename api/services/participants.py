"""Participants: caseworkers register and update their unit's caseload.

Visibility (see :mod:`api.access`): a caseworker reads and writes only participants of
their own unit; another unit's participant answers 404. Every read and every change of a
participant's record is written to the access log in the request's transaction; a list
logs one read per participant it returns.

Unit on create: a caseworker's participant always belongs to the caseworker's unit.
``unit_id`` may be omitted or name that unit; naming another unit is rejected with 422
at ``["body", "unit_id"]`` (never silently moved). An admin must give ``unit_id``.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.access import Where, participant_for, record_access, record_list_access, visible_unit
from api.errors import Conflict
from api.references import check_concepts, invalid_field, raise_references, reference_error
from models.org import User
from models.participant import Participant, ParticipantCreate, ParticipantUpdate
from models.repo_participants import (
    add_participant,
    list_participants,
    ref_taken,
    unit_exists,
    update_participant,
)

#: fields a PATCH may set to null; null for any other field leaves it unchanged
NULLABLE = frozenset({"last_job_end"})


def caseload(
    session: Session,
    user: User,
    where: Where,
    *,
    unit_id: int | None,
    active: bool | None,
    placed: bool | None,
    offset: int,
    limit: int,
    ref: str | None = None,
    longest_waiting_first: bool = False,
) -> tuple[list[Participant], int]:
    """Participants visible to the caller (a caseworker: their own unit only), logged as
    one access-log row naming every participant on the page."""
    own_unit = visible_unit(user)
    if own_unit is not None and unit_id is not None and unit_id != own_unit:
        # another unit's caseload is not the caseworker's to see: an empty page, not a 403
        return [], 0
    rows, total = list_participants(
        session,
        unit_id=own_unit if own_unit is not None else unit_id,
        active=active,
        placed=placed,
        offset=offset,
        limit=limit,
        ref=ref,
        longest_waiting_first=longest_waiting_first,
    )
    record_list_access(session, user, where, [row.id for row in rows])
    return rows, total


def register(session: Session, user: User, where: Where, body: ParticipantCreate) -> Participant:
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
    record_access(session, user, where, participant.id, "write")
    return participant


def change(
    session: Session,
    user: User,
    where: Where,
    participant_id: int,
    body: ParticipantUpdate,
) -> Participant:
    """Change a participant's matching details; the old state stays in the history."""
    participant = participant_for(
        session, user, participant_id, where, action="write", for_update=True
    )
    # null means "no change" except where the record itself may hold null (last_job_end)
    changes = {
        name: value
        for name, value in body.model_dump(exclude_unset=True).items()
        if value is not None or name in NULLABLE
    }
    check_concepts(session, {k: changes.get(k) for k in ("skills", "interests")})
    update_participant(session, participant, changes, by=user.id)
    return participant


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
