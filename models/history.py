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

from sqlalchemy import UniqueConstraint, func
from sqlmodel import Field, Session, SQLModel, select

from models.base import json_dict_field, timestamp_field, utcnow
from models.match import BOOKED_STATUSES, Match, MatchEvent

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


def record_revision(
    session: Session, row: SQLModel, *, by: int | None, at: datetime | None = None
) -> Revision:
    """Append the row's current state as its next revision (flushes to get ids)."""
    session.flush()
    entity, entity_id = entity_name(row), _entity_id(row)
    last = session.exec(
        select(func.max(Revision.version)).where(
            Revision.entity == entity, Revision.entity_id == entity_id
        )
    ).one()
    version = (last or 0) + 1
    if hasattr(row, "version"):
        row.version = version
    revision = Revision(
        entity=entity,
        entity_id=entity_id,
        version=version,
        valid_from=at or utcnow(),
        recorded_by=by,
        data=snapshot(row),
    )
    session.add(revision)
    return revision


def states_as_of(
    session: Session, entity: str, at: datetime, entity_ids: list[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Each entity's snapshot as of ``at``: recorded strictly before it (later ones absent)."""
    latest = (
        select(Revision.entity_id, func.max(Revision.version).label("version"))
        .where(Revision.entity == entity, Revision.valid_from < at)
        .group_by(Revision.entity_id)
    )
    if entity_ids is not None:
        latest = latest.where(Revision.entity_id.in_(entity_ids))
    latest = latest.subquery()
    rows = session.exec(
        select(Revision)
        .join(
            latest,
            (Revision.entity_id == latest.c.entity_id) & (Revision.version == latest.c.version),
        )
        .where(Revision.entity == entity)
    ).all()
    return {r.entity_id: r.data for r in rows}


def booked_match_ids_as_of(session: Session, at: datetime) -> list[int]:
    """Ids of matches holding a slot as of ``at``, from the append-only status log.

    A match's status as of ``at`` is its latest event strictly before ``at`` (ties by id).
    """
    ranked = (
        select(
            MatchEvent.match_id,
            MatchEvent.status,
            func.row_number()
            .over(
                partition_by=MatchEvent.match_id,
                order_by=(MatchEvent.at.desc(), MatchEvent.id.desc()),
            )
            .label("pos"),
        )
        .where(MatchEvent.at < at)
        .subquery()
    )
    rows = session.exec(select(ranked.c.match_id, ranked.c.status).where(ranked.c.pos == 1)).all()
    return [match_id for match_id, status in rows if status in BOOKED_STATUSES]


def bookings_as_of(session: Session, at: datetime) -> list[Match]:
    """The matches holding a slot as of ``at`` (booked strictly before it, not released)."""
    ids = booked_match_ids_as_of(session, at)
    if not ids:
        return []
    return list(session.exec(select(Match).where(Match.id.in_(ids))).all())
