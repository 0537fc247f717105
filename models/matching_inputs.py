"""Repository functions that read what the engine needs, now (the replay reads history)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from models.match import BOOKED_STATUSES, Match
from models.org import Department, Quota
from models.participant import Participant
from models.placement import Placement
from models.taxonomy import PlacementType, SkillConcept


def quotas_on(session: Session, day: date) -> dict[int, Quota]:
    """Each department's quota whose period covers ``day`` (the newest if periods overlap)."""
    rows = session.exec(
        select(Quota)
        .where(Quota.period_start <= day, Quota.period_end >= day)
        .order_by(Quota.department_id, Quota.period_start, Quota.id)
    ).all()
    return {row.department_id: row for row in rows}


def departments(session: Session) -> list[Department]:
    return list(session.exec(select(Department)).all())


#: the placement columns the engine and the suggestion summaries read
_MATCHING_COLUMNS = (
    "id",
    "title",
    "department_id",
    "work_area",
    "required_skills",
    "useful_skills",
    "min_language_level",
    "language_practice",
    "supervision",
    "slots",
    "booked",
    "hours_per_week",
    "min_hours",
    "site_lat",
    "site_lon",
    "type_code",
    "start_date",
    "end_date",
)


def open_placements(session: Session) -> list[Mapping[str, Any]]:
    """The open placements' matching columns as plain rows, not ORM objects.

    Read whole on every catalog build (10,000 rows and more): ORM instances cost over
    half of that build and nothing here needs their identity or change tracking.
    """
    table = Placement.__table__
    columns = [table.c[name] for name in _MATCHING_COLUMNS]
    return list(session.execute(sa_select(*columns).where(table.c.is_open)).mappings().all())


def concepts(session: Session) -> list[SkillConcept]:
    return list(session.exec(select(SkillConcept)).all())


def placement_types(session: Session) -> list[PlacementType]:
    return list(session.exec(select(PlacementType)).all())


def unplaced_participants(session: Session, unit_id: int | None) -> list[Participant]:
    """Active participants holding no booked match, of one unit (or all when None)."""
    booked = select(Match.participant_id).where(col(Match.status).in_(list(BOOKED_STATUSES)))
    query = select(Participant).where(Participant.active, col(Participant.id).not_in(booked))
    if unit_id is not None:
        query = query.where(Participant.unit_id == unit_id)
    return list(session.exec(query.order_by(Participant.id)).all())
