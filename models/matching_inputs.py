"""Repository functions that read what the engine needs, now (the replay reads history)."""

from __future__ import annotations

from datetime import date

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


def open_placements(session: Session) -> list[Placement]:
    return list(session.exec(select(Placement).where(Placement.is_open)).all())


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
