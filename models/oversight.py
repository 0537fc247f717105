"""The stop switch (human oversight): suggestions and plan proposals halted or running.

Append-only: every switch off or on is one :class:`OversightEvent` with who and why, and
the newest event is the state. No event at all means suggestions run. The state lives in
the database, so every worker process sees a switch at its next request; the API reads it
in the same statement as the compiled catalog's change counters
(:data:`PAUSED`, folded into ``api.catalog_cache``'s key), not in a round trip of its own.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.base import timestamp_field
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
