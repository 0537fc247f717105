"""Repository functions that read what the engine needs, now (the replay reads history)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, func, select

from models.catalog_state import ANY_CHANGE, LAYOUT, CatalogVersion
from models.history import Revision
from models.match import BOOKED_STATUSES, Match
from models.org import Department, Quota
from models.participant import Participant
from models.placement import Placement
from models.registry import ModelStatus, ModelVersion
from models.repo_oversight import PAUSED
from models.repo_standing_plan import live_standing_query
from models.standing_plan import STANDING_MAX_AGE, StandingPlan
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


def remaining_slots(session: Session) -> dict[int, int]:
    """Open placement id -> slots left, never below 0 (as a full catalog build counts)."""
    rows = session.execute(
        select(Placement.id, Placement.slots - Placement.booked).where(Placement.is_open)
    ).all()
    return {placement_id: max(int(left), 0) for placement_id, left in rows}


def _catalog_key_statement():
    """What the compiled catalog depends on, as one statement built once at import (a
    request binds only the cutoff, instead of building five subqueries each time)."""

    def counter(row: int):
        return select(CatalogVersion.version).where(CatalogVersion.id == row).scalar_subquery()

    concept_count = select(func.count()).select_from(SkillConcept).scalar_subquery()
    type_versions = (
        select(func.count())
        .select_from(Revision)
        .where(Revision.entity == "placementtype")
        .scalar_subquery()
    )
    # the standing plan that prices (never a coordinator's plan: models/standing_plan.py)
    standing = live_standing_query(bindparam("cutoff")).with_only_columns(StandingPlan.id)
    plan = standing.scalar_subquery()
    # the active learned model (None: the hand-weighted policy) decides the scorer
    model = (
        select(ModelVersion.version)
        .where(ModelVersion.status == ModelStatus.active)
        .scalar_subquery()
    )
    # the stop switch rides along (last column, not part of the key): no round trip of its own
    counters = (counter(ANY_CHANGE), counter(LAYOUT), concept_count, type_versions, plan, model)
    return select(*counters, PAUSED)


_CATALOG_KEY = _catalog_key_statement()
_KEY_ROW = "platsa.catalog_key_row"  # session.info slot: a row read ahead, kept for reuse


def catalog_key_row(session: Session, now: datetime, *, keep: bool = False) -> tuple:
    """The catalog key's counters and the stop switch (last), in one round trip.

    A row read with ``keep`` is kept on the session and served to its next call, so the
    stop-switch check and the catalog lookup of one request share a single read.
    """
    row = session.info.pop(_KEY_ROW, None)
    if row is None:
        row = session.execute(_CATALOG_KEY, {"cutoff": now - STANDING_MAX_AGE}).one()
    if keep:
        session.info[_KEY_ROW] = row
    return tuple(row)
