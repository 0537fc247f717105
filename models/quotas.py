"""Repository for department quotas: reads, versioned writes, history, and fill rates.

Every create or change of a quota writes a :class:`~models.history.Revision` (who, when,
the new state) and bumps the catalog counter in the same transaction, so the engine's
cached capacities are recompiled and the replay can see each promise as it stood.

Fill rates
----------
``booked``
    Matches holding a slot (accepted or started) at the end of the day ``on``, read from
    the append-only :class:`~models.match.MatchEvent` log: for a department, those
    counted against its quota (``Match.quota_id``); for a work area, those on its
    placements.
``open_slots``
    Slots still free at the end of ``on`` in placements open then (placement snapshots
    as of ``on``, minus their bookings then).
``fill_rate``
    ``booked / max_headcount`` for a department (None when the maximum is 0);
    ``booked / (booked + open_slots)`` for a work area (None when both are 0).
``trend``
    Booked headcount at the end of the period's first day and every 7 days after it, up
    to ``on`` (or the period's end), always ending with ``on`` itself. One query reads
    the events; one sweep in time order counts every point.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Field, Session, SQLModel

from models.base import utcnow
from models.org import Quota, QuotaCreate
from models.repo_catalog_state import bump_catalog_version
from models.repo_history import record_revision

TREND_STEP = timedelta(days=7)


class QuotaRevisionPublic(SQLModel):
    """One version of a quota: the state from ``valid_from`` on, and who set it."""

    version: int
    valid_from: datetime
    recorded_by: int | None
    department_id: int
    period_start: date
    period_end: date
    min_headcount: int
    max_headcount: int
    reason: str | None = None


class TrendPoint(SQLModel):
    on: date
    booked: int


class FillRatePublic(SQLModel):
    """Fill of one department's quota, or of one work area, on a day (see module docs)."""

    department_id: int | None = None
    department_name: str | None = None
    work_area: str | None = None
    quota_id: int | None = None
    period_start: date
    period_end: date
    booked: int
    min_headcount: int | None = None
    max_headcount: int | None = None
    quota_remaining: int | None = Field(default=None, description="max_headcount - booked")
    short_of_minimum: int | None = Field(default=None, description="min_headcount - booked")
    open_slots: int
    fill_rate: float | None
    trend: list[TrendPoint]


# --- quotas -------------------------------------------------------------------------------


def add_quota(session: Session, data: QuotaCreate, *, by: int | None) -> Quota:
    """Create a quota, its first revision, and mark the catalog changed."""
    quota = Quota.model_validate(data)
    session.add(quota)
    record_revision(session, quota, by=by)
    bump_catalog_version(session, layout=False)
    session.flush()
    return quota


def change_quota(
    session: Session,
    quota: Quota,
    changes: Mapping[str, int],
    *,
    by: int | None,
    reason: str | None = None,
):
    """Apply changed bounds, append a revision (with the reason, if given) and mark the
    catalog changed."""
    for name, value in changes.items():
        setattr(quota, name, value)
    quota.updated_at = utcnow()
    session.add(quota)
    revision = record_revision(session, quota, by=by)
    if reason:
        revision.data = {**revision.data, "reason": reason}
        session.add(revision)
    bump_catalog_version(session, layout=False)
    session.flush()
    return quota


# --- fill rates ---------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` (UTC): events before it count for that day."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def trend_days(start: date, end: date, on: date) -> list[date]:
    """Weekly points from ``start`` through ``min(end, on)``, ending with that day."""
    last = min(end, on)
    if last < start:
        return []
    days = []
    day = start
    while day < last:
        days.append(day)
        day += TREND_STEP
    days.append(last)
    return days


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without a zone; everything stored is UTC
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
