"""Queries on the tables of :mod:`models.oversight` (the repository; all SQL here)."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from models.base import utcnow
from models.oversight import OversightEvent

#: a scalar subquery: the newest event's ``paused`` (NULL, i.e. running, with no event)
PAUSED = (
    select(OversightEvent.paused).order_by(col(OversightEvent.id).desc()).limit(1).scalar_subquery()
)


def latest_event(session: Session) -> OversightEvent | None:
    query = select(OversightEvent).order_by(col(OversightEvent.id).desc()).limit(1)
    return session.exec(query).first()


def switch(session: Session, *, paused: bool, reason: str, by: int) -> OversightEvent:
    """Append a switch; ``ValueError`` when suggestions are already in that state."""
    current = latest_event(session)
    if (current is not None and current.paused) == paused:
        raise ValueError("suggestions are already " + ("paused" if paused else "running"))
    event = OversightEvent(at=utcnow(), by=by, paused=paused, reason=reason.strip())
    session.add(event)
    session.flush()
    return event


def list_events(session: Session, *, offset: int, limit: int) -> tuple[list[OversightEvent], int]:
    rows = session.exec(
        select(OversightEvent).order_by(col(OversightEvent.id).desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), session.exec(select(func.count()).select_from(OversightEvent)).one()


def read_paused(engine: Engine) -> bool:
    """The stop switch, read from the database on a connection of its own (every worker
    process agrees)."""
    with engine.connect() as connection:
        return bool(connection.execute(select(PAUSED)).scalar())
