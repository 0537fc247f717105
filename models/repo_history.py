"""Queries on the tables of :mod:`models.history` (the repository; all SQL here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from models.base import utcnow
from models.history import Revision, _entity_id, entity_name, snapshot
from models.match import BOOKED_STATUSES, Match, MatchEvent


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
