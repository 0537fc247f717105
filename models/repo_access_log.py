"""Repository functions for the access log."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session, func, select

from models.audit import AccessLog
from models.audit_chain import append_access
from models.base import utcnow


def log_access(
    session: Session,
    *,
    user_id: int,
    participant_id: int | None,
    method: str,
    route: str,
    action: str,
) -> None:
    """Record one read or write of a participant's record, in the request's transaction.

    Queued and inserted at commit, sealed into the hash chain (models.audit_chain): every
    participant route writes one, and nothing reads it back in the same request.
    """
    append_access(
        session,
        {
            "user_id": user_id,
            "participant_id": participant_id,
            "at": utcnow(),
            "method": method,
            "route": route[:200],
            "action": action,
            "participant_ids": None,  # every queued row carries the same keys
        },
    )


def log_list_access(
    session: Session,
    *,
    user_id: int,
    participant_ids: Iterable[int],
    method: str,
    route: str,
    action: str = "read",
) -> None:
    """Record one list read (or a write about many): one row naming every participant,
    however long the list, sealed into the chain like any other row. An empty list
    showed nobody's record and is not logged."""
    ids = sorted(set(participant_ids))
    if not ids:
        return
    append_access(
        session,
        {
            "user_id": user_id,
            "participant_id": None,
            "at": utcnow(),
            "method": method,
            "route": route[:200],
            "action": action,
            "participant_ids": ids,
        },
    )


def _concerns(session: Session, participant_id: int):
    """Rows about ``participant_id``: its own, and the list reads that showed it."""
    if session.get_bind().dialect.name == "postgresql":
        in_list = type_coerce(AccessLog.participant_ids, JSONB).contains([participant_id])
    else:
        listed = func.json_each(AccessLog.participant_ids).table_valued("value")
        in_list = select(listed.c.value).where(listed.c.value == participant_id).exists()
    return or_(AccessLog.participant_id == participant_id, in_list)


def list_access(
    session: Session,
    *,
    participant_id: int | None,
    user_id: int | None,
    offset: int,
    limit: int,
) -> tuple[list[AccessLog], int]:
    query = select(AccessLog)
    count = select(func.count()).select_from(AccessLog)
    if participant_id is not None:
        query = query.where(_concerns(session, participant_id))
        count = count.where(_concerns(session, participant_id))
    if user_id is not None:
        query = query.where(AccessLog.user_id == user_id)
        count = count.where(AccessLog.user_id == user_id)
    rows = session.exec(
        query.order_by(AccessLog.at.desc(), AccessLog.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), session.exec(count).one()
