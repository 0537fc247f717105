"""Repository functions of the standing plan (models/standing_plan.py): all its SQL."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import text
from sqlmodel import Session, col, func, select

from models.catalog_state import ANY_CHANGE, LAYOUT, CatalogVersion
from models.history import Revision
from models.registry import ModelStatus, ModelVersion
from models.standing_plan import STANDING_MAX_AGE, StandingPlan

#: the PostgreSQL advisory lock key of the standing-plan solve ("platsa standing plan")
ADVISORY_KEY = 0x706C_7370


def latest_standing_plan(session: Session) -> StandingPlan | None:
    """The newest standing plan, whatever its age."""
    query = select(StandingPlan).order_by(col(StandingPlan.id).desc()).limit(1)
    return session.exec(query).first()


def live_standing_query(cutoff):
    """The newest standing plan created at or after ``cutoff`` (a value or bind parameter)."""
    return (
        select(StandingPlan)
        .where(StandingPlan.created_at >= cutoff)
        .order_by(col(StandingPlan.id).desc())
        .limit(1)
    )


def live_standing_plan(session: Session, now: datetime) -> StandingPlan | None:
    """The newest standing plan younger than ``STANDING_MAX_AGE`` (None: none)."""
    return session.exec(live_standing_query(now - STANDING_MAX_AGE)).first()


def prices_of(plan: StandingPlan | None) -> tuple[dict[int, float], dict[int, float]] | None:
    """A standing plan's prices by placement id and department id (None: no plan)."""
    if plan is None:
        return None
    placement = {int(k): float(v) for k, v in plan.placement_prices.items()}
    department = {int(k): float(v) for k, v in plan.department_prices.items()}
    return placement, department


def picks_of(plan: StandingPlan | None) -> dict[int, int]:
    """Participant id -> the placement id a standing plan gives them ({}: no plan)."""
    return {} if plan is None else {int(k): int(v) for k, v in plan.picks.items()}


def standing_prices(
    session: Session, now: datetime
) -> tuple[dict[int, float], dict[int, float]] | None:
    """Prices of the newest standing plan younger than ``STANDING_MAX_AGE`` (None: none)."""
    return prices_of(live_standing_plan(session, now))


class Counters(NamedTuple):
    """What a standing plan is solved against, read in one round trip."""

    catalog_version: int  # the any-change counter (bookings, withdrawals, quotas, layout)
    layout_version: int  # the layout counter (which placements are open, what they ask)
    caseload_version: int  # participant revisions (every change to anyone's record)
    model_version: str | None  # the active learned model (None: the hand policy)


def change_counters(session: Session) -> Counters:
    """The counters a standing plan records and is compared with (api/standing_plan.py)."""

    def counter(row: int):
        return select(CatalogVersion.version).where(CatalogVersion.id == row).scalar_subquery()

    caseload = (
        select(func.count())
        .select_from(Revision)
        .where(Revision.entity == "participant")
        .scalar_subquery()
    )
    model = (
        select(ModelVersion.version)
        .where(ModelVersion.status == ModelStatus.active)
        .scalar_subquery()
    )
    row = session.execute(select(counter(ANY_CHANGE), counter(LAYOUT), caseload, model)).one()
    return Counters(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), row[3])


def try_claim_solve(session: Session) -> bool:
    """Claim the right to solve for this transaction: one solver per database.

    PostgreSQL: a transaction-level advisory lock (released at commit or rollback), so two
    workers or two services never both solve; False when another holds it. SQLite has no
    such lock and one process serves it: always True (the keeper's own thread lock
    serialises solves in that process).
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    query = text("SELECT pg_try_advisory_xact_lock(:key)")
    return bool(session.execute(query, {"key": ADVISORY_KEY}).scalar())


def save_standing_plan(session: Session, plan: StandingPlan) -> StandingPlan:
    session.add(plan)
    session.flush()
    return plan


def standing_plans_page(
    session: Session, *, offset: int, limit: int
) -> tuple[list[StandingPlan], int]:
    """A page of the standing plans, newest first, and how many there are."""
    total = session.exec(select(func.count()).select_from(StandingPlan)).one()
    query = select(StandingPlan).order_by(col(StandingPlan.id).desc()).offset(offset).limit(limit)
    return list(session.exec(query).all()), total
