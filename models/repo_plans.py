"""Queries on the tables of :mod:`models.plans` (the repository; all SQL here)."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from models.match import BOOKED_STATUSES, Match
from models.participant import Participant
from models.plans import Plan, PlanRow, PlanStatus


def get_plan(session: Session, plan_id: int, *, for_update: bool = False) -> Plan | None:
    return session.get(Plan, plan_id, with_for_update=for_update, populate_existing=for_update)


def plan_rows(session: Session, plan_id: int) -> list[PlanRow]:
    rows = session.exec(select(PlanRow).where(PlanRow.plan_id == plan_id).order_by(PlanRow.id))
    return list(rows.all())


def list_plans(
    session: Session, *, status: PlanStatus | None, offset: int, limit: int
) -> tuple[list[Plan], int]:
    """Plans newest first."""
    conditions = [] if status is None else [Plan.status == status]
    rows = session.exec(
        select(Plan)
        .where(*conditions)
        .order_by(col(Plan.created_at).desc(), col(Plan.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    total = session.exec(select(func.count()).select_from(Plan).where(*conditions)).one()
    return list(rows), total


def participants_by_id(session: Session, participant_ids: list[int]) -> list[Participant]:
    """The participants with these ids (unknown ids are simply absent)."""
    rows = session.exec(select(Participant).where(col(Participant.id).in_(participant_ids)))
    return list(rows.all())


def booked_participants(session: Session, participant_ids: list[int]) -> set[int]:
    """Those of the participants holding a booked match (accepted or started)."""
    if not participant_ids:
        return set()
    rows = session.exec(
        select(Match.participant_id).where(
            col(Match.participant_id).in_(participant_ids),
            col(Match.status).in_(list(BOOKED_STATUSES)),
        )
    ).all()
    return set(rows)
