"""Repository functions for the access log."""

from __future__ import annotations

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
        },
    )


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
        query = query.where(AccessLog.participant_id == participant_id)
        count = count.where(AccessLog.participant_id == participant_id)
    if user_id is not None:
        query = query.where(AccessLog.user_id == user_id)
        count = count.where(AccessLog.user_id == user_id)
    rows = session.exec(
        query.order_by(AccessLog.at.desc(), AccessLog.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), session.exec(count).one()
