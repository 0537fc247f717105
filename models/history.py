"""Point-in-time history: an append-only revision per change of what matching reads.

Every create or update of a participant, placement, quota or placement type writes,
in the same transaction, a :class:`Revision` holding a JSON snapshot of the row as it
is from ``valid_from`` on. A revision is never changed or deleted. Bookings as of *t*
come from the append-only :class:`~models.match.MatchEvent` log. Together they let the
replay rebuild what the engine saw at any past decision, and nothing from after it.

The as-of rule, the same here, in fill rates (:mod:`models.quotas`) and in the replay
extract (:mod:`matcher.replay_data`): the state **as of** *t* is what was recorded
**strictly before** *t*. The snapshot as of *t* is the highest version whose
``valid_from < t``; a match holds a slot at *t* when its latest event before *t* is a
booked status. A decision's own booking is written *at* its moment, so it never counts
against itself, and nothing dated at or after *t* reaches a replayed decision.

Time-varying signals are stored as dates, not counters (``assistance_start`` rather
than "months on assistance"), so they need no revision to stay right as time passes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import json_dict_field, timestamp_field

#: fields that describe the row, not the entity's state; left out of snapshots
_META_FIELDS = {"version", "updated_at", "booked"}


class Revision(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("entity", "entity_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(
        max_length=32, index=True
    )  # participant | placement | quota | placementtype
    entity_id: str = Field(max_length=64, index=True)
    version: int
    valid_from: datetime = timestamp_field(index=True)
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    data: dict = json_dict_field()


def entity_name(row: SQLModel) -> str:
    return type(row).__tablename__


def _entity_id(row: SQLModel) -> str:
    return str(getattr(row, "id", None) or row.code)


def snapshot(row: SQLModel) -> dict[str, Any]:
    """The JSON-ready state of a row, without bookkeeping columns."""
    return row.model_dump(mode="json", exclude=_META_FIELDS)
