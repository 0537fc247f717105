"""The stop switch (human oversight): suggestions and plan proposals halted or running.

Append-only: every switch off or on is one :class:`OversightEvent` with who and why, and
the newest event is the state. No event at all means suggestions run. The state lives in
the database, so every worker process sees a switch at its next request; the API reads it
in the same statement as the compiled catalog's change counters
(:data:`PAUSED`, folded into ``api.catalog_cache``'s key), not in a round trip of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, func, select

from models.base import timestamp_field, utcnow
from models.strict_input import StrictInput


class OversightEvent(SQLModel, table=True):
    """Suggestions switched off (``paused``) or back on, by whom, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = timestamp_field(index=True)
    by: int = Field(foreign_key="user.id")
    paused: bool
    reason: str = Field(max_length=2000)


class OversightSwitch(StrictInput):
    reason: str = Field(min_length=3, max_length=2000, description="why, for the log")


class OversightEventPublic(SQLModel):
    id: int
    at: datetime
    by: int
    paused: bool
    reason: str


class OversightState(SQLModel):
    """What the switch says now; ``since``/``by``/``reason`` are of the newest switch."""

    paused: bool
    since: datetime | None = None
    by: int | None = None
    reason: str | None = None

    @classmethod
    def of(cls, event: OversightEvent | None) -> OversightState:
        if event is None:
            return cls(paused=False)
        return cls(paused=event.paused, since=event.at, by=event.by, reason=event.reason)


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
