"""Repository functions for participants: every query the participant routes need.

Nothing here commits; the caller's transaction (one per request) does. Each create or
update appends a revision in the same transaction (see :mod:`models.history`), so the
replay can rebuild what the engine saw about a participant at any past moment.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select

from models.base import utcnow
from models.match import BOOKED_STATUSES, Match
from models.org import Unit
from models.participant import Participant
from models.repo_history import record_revision


def list_participants(
    session: Session,
    *,
    unit_id: int | None,
    active: bool | None,
    offset: int,
    limit: int,
    placed: bool | None = None,
    ref: str | None = None,
    longest_waiting_first: bool = False,
) -> tuple[list[Participant], int]:
    """One page of participants (by id) and how many match the filters in all.

    ``placed``: True for those holding a booked (accepted or started) match, False for
    those who do not (the ones waiting for a placement), None for everyone. ``ref``: only
    references containing it (case-insensitive). ``longest_waiting_first``: the earliest
    registered first (the most days on the caseload), then by id.
    """
    query = select(Participant)
    count = select(func.count()).select_from(Participant)
    if placed is not None:
        holding = select(Match.participant_id).where(col(Match.status).in_(list(BOOKED_STATUSES)))
        condition = col(Participant.id).in_(holding)
        if not placed:
            condition = ~condition
        query, count = query.where(condition), count.where(condition)
    if unit_id is not None:
        query = query.where(Participant.unit_id == unit_id)
        count = count.where(Participant.unit_id == unit_id)
    if active is not None:
        query = query.where(Participant.active == active)
        count = count.where(Participant.active == active)
    if ref:
        pattern = (
            "%" + ref.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        )
        condition = func.lower(Participant.ref).like(pattern, escape="\\")
        query, count = query.where(condition), count.where(condition)
    order = (
        (Participant.registered_at, Participant.id) if longest_waiting_first else (Participant.id,)
    )
    rows = session.exec(query.order_by(*order).offset(offset).limit(limit)).all()
    return list(rows), session.exec(count).one()


def get_participant(
    session: Session, participant_id: int, *, for_update: bool = False
) -> Participant | None:
    """The participant; ``for_update`` locks the row (the first lock of every booking)."""
    return session.get(Participant, participant_id, with_for_update=for_update)


def ref_taken(session: Session, ref: str, *, besides: int | None = None) -> bool:
    """Whether another participant already uses this case reference."""
    query = select(Participant.id).where(Participant.ref == ref)
    if besides is not None:
        query = query.where(Participant.id != besides)
    return session.exec(query).first() is not None


def unit_exists(session: Session, unit_id: int) -> bool:
    return session.get(Unit, unit_id) is not None


def add_participant(
    session: Session, fields: dict[str, Any], *, unit_id: int, by: int | None
) -> Participant:
    """Register a participant in ``unit_id`` and write its first revision.

    ``fields`` are the client-settable fields only (a ``ParticipantCreate`` dump without
    ``unit_id``); id, version, active and timestamps are the server's.
    """
    participant = Participant.model_validate({**fields, "unit_id": unit_id})
    session.add(participant)
    record_revision(session, participant, by=by)
    return participant


def update_participant(
    session: Session, participant: Participant, changes: dict[str, Any], *, by: int | None
) -> Participant:
    """Apply the changed fields and append a revision; an empty change writes nothing."""
    if not changes:
        return participant
    for name, value in changes.items():
        setattr(participant, name, value)
    participant.updated_at = utcnow()
    session.add(participant)
    record_revision(session, participant, by=by)
    return participant
