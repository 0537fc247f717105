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

from collections import defaultdict
from collections.abc import Hashable, Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Field, Session, SQLModel, col, func, select

from models.base import utcnow
from models.catalog_state import bump_catalog_version
from models.history import Revision, record_revision, states_as_of
from models.match import BOOKED_STATUSES, Match, MatchEvent
from models.org import Department, Quota, QuotaCreate
from models.placement import Placement

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


def get_quota(session: Session, quota_id: int, *, for_update: bool = False) -> Quota | None:
    return session.get(Quota, quota_id, with_for_update=for_update)


def list_quotas(
    session: Session,
    *,
    department_id: int | None = None,
    on: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Quota], int]:
    """Quotas, optionally of one department and/or covering one day, newest period first."""
    conditions = []
    if department_id is not None:
        conditions.append(Quota.department_id == department_id)
    if on is not None:
        conditions += [Quota.period_start <= on, Quota.period_end >= on]
    rows = session.exec(
        select(Quota)
        .where(*conditions)
        .order_by(col(Quota.period_start).desc(), Quota.department_id, Quota.id)
        .offset(offset)
        .limit(limit)
    ).all()
    total = session.exec(select(func.count()).select_from(Quota).where(*conditions)).one()
    return list(rows), total


def overlapping_quota(
    session: Session, department_id: int, start: date, end: date, *, exclude_id: int | None = None
) -> Quota | None:
    """A quota of the department whose period shares a day with ``start .. end``."""
    query = select(Quota).where(
        Quota.department_id == department_id, Quota.period_start <= end, Quota.period_end >= start
    )
    if exclude_id is not None:
        query = query.where(Quota.id != exclude_id)
    return session.exec(query.order_by(Quota.id)).first()


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


def booked_against(session: Session, quota: Quota) -> int:
    """Headcount booked against the quota now: its counter, or the matches if they say more."""
    counted = session.exec(
        select(func.count())
        .select_from(Match)
        .where(Match.quota_id == quota.id, col(Match.status).in_(list(BOOKED_STATUSES)))
    ).one()
    return max(int(quota.booked), int(counted))


def quota_history(session: Session, quota_id: int) -> list[QuotaRevisionPublic]:
    """Every version of a quota, oldest first."""
    rows = session.exec(
        select(Revision)
        .where(Revision.entity == "quota", Revision.entity_id == str(quota_id))
        .order_by(Revision.version)
    ).all()
    return [
        QuotaRevisionPublic(
            version=r.version, valid_from=r.valid_from, recorded_by=r.recorded_by, **r.data
        )
        for r in rows
    ]


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


def booked_trend(
    session: Session, group_of_match: Mapping[int, Hashable], days: list[date]
) -> dict[Hashable, list[int]]:
    """Booked headcount per group at the end of each day, from one read of the event log.

    ``group_of_match`` maps the match ids to count to their group; ``days`` are ascending.
    """
    counts: dict[Hashable, list[int]] = defaultdict(lambda: [0] * len(days))
    if not days or not group_of_match:
        return counts
    events = session.exec(
        select(MatchEvent.match_id, MatchEvent.status, MatchEvent.at)
        .where(
            col(MatchEvent.match_id).in_(list(group_of_match)),
            MatchEvent.at < end_of_day(days[-1]),
        )
        .order_by(MatchEvent.at, MatchEvent.id)
    ).all()
    held: set[int] = set()
    running: dict[Hashable, int] = defaultdict(int)
    position = 0
    for index, day in enumerate(days):
        boundary = end_of_day(day)
        while position < len(events) and _aware(events[position][2]) < boundary:
            match_id, status, _ = events[position]
            position += 1
            is_booked = status in BOOKED_STATUSES
            if is_booked and match_id not in held:
                held.add(match_id)
                running[group_of_match[match_id]] += 1
            elif not is_booked and match_id in held:
                held.discard(match_id)
                running[group_of_match[match_id]] -= 1
        for group, value in running.items():
            counts[group][index] = value
    return counts


def _open_slots_on(session: Session, on: date) -> tuple[dict[int, dict], dict[int, int]]:
    """Placements open at the end of ``on`` (snapshots) and the slots each had free then.

    As of the first instant after ``on``: everything recorded during ``on`` counts, the
    as-of rule of :mod:`models.history` (strictly before) with no bridging instant.
    """
    snapshots = states_as_of(session, "placement", end_of_day(on))
    open_now = {
        int(key): data
        for key, data in snapshots.items()
        if data.get("is_open", True)
        and (data.get("end_date") is None or date.fromisoformat(data["end_date"]) >= on)
    }
    placement_of = (
        dict(
            session.exec(
                select(Match.id, Match.placement_id).where(
                    col(Match.placement_id).in_(list(open_now))
                )
            ).all()
        )
        if open_now
        else {}
    )
    booked = booked_trend(session, placement_of, [on])
    free = {
        pid: max(int(data["slots"]) - booked.get(pid, [0])[0], 0) for pid, data in open_now.items()
    }
    return open_now, free


def department_fill_rates(session: Session, on: date) -> list[FillRatePublic]:
    """One row per department quota whose period covers ``on``."""
    quotas = session.exec(
        select(Quota, Department.name)
        .join(Department, Department.id == Quota.department_id)
        .where(Quota.period_start <= on, Quota.period_end >= on)
        .order_by(Department.name, Quota.id)
    ).all()
    if not quotas:
        return []
    quota_ids = [quota.id for quota, _ in quotas]
    group_of_match = dict(
        session.exec(
            select(Match.id, Match.quota_id).where(col(Match.quota_id).in_(quota_ids))
        ).all()
    )
    days_of = {q.id: trend_days(q.period_start, q.period_end, on) for q, _ in quotas}
    all_days = sorted(set().union(*days_of.values()))
    counts = booked_trend(session, group_of_match, all_days)
    open_places, free = _open_slots_on(session, on)
    free_by_department: dict[int, int] = defaultdict(int)
    for pid, data in open_places.items():
        free_by_department[int(data["department_id"])] += free[pid]
    rows = []
    for quota, name in quotas:
        by_day = dict(zip(all_days, counts.get(quota.id, [0] * len(all_days)), strict=True))
        trend = [TrendPoint(on=d, booked=by_day[d]) for d in days_of[quota.id]]
        booked = trend[-1].booked if trend else 0
        rows.append(
            FillRatePublic(
                department_id=quota.department_id,
                department_name=name,
                quota_id=quota.id,
                period_start=quota.period_start,
                period_end=quota.period_end,
                booked=booked,
                min_headcount=quota.min_headcount,
                max_headcount=quota.max_headcount,
                quota_remaining=max(quota.max_headcount - booked, 0),
                short_of_minimum=max(quota.min_headcount - booked, 0),
                open_slots=free_by_department.get(quota.department_id, 0),
                fill_rate=booked / quota.max_headcount if quota.max_headcount else None,
                trend=trend,
            )
        )
    return rows


def work_area_fill_rates(session: Session, on: date) -> list[FillRatePublic]:
    """One row per work area with open placements or bookings at ``on``.

    The period is the span of the quotas covering ``on`` (the calendar year of ``on``
    when there are none); work areas have no quota, so minimum and maximum stay empty.
    """
    spans = session.exec(
        select(func.min(Quota.period_start), func.max(Quota.period_end)).where(
            Quota.period_start <= on, Quota.period_end >= on
        )
    ).one()
    start, end = spans if spans[0] is not None else (date(on.year, 1, 1), date(on.year, 12, 31))
    area_of_placement = dict(session.exec(select(Placement.id, Placement.work_area)).all())
    group_of_match = {
        match_id: area_of_placement[placement_id]
        for match_id, placement_id in session.exec(select(Match.id, Match.placement_id)).all()
    }
    days = trend_days(start, end, on)
    counts = booked_trend(session, group_of_match, days)
    open_places, free = _open_slots_on(session, on)
    free_by_area: dict[str, int] = defaultdict(int)
    for pid, data in open_places.items():
        free_by_area[data["work_area"]] += free[pid]
    rows = []
    for area in sorted(set(free_by_area) | {a for a, s in counts.items() if s and s[-1]}):
        series = counts.get(area, [0] * len(days))
        booked = series[-1] if series else 0
        capacity = booked + free_by_area.get(area, 0)
        rows.append(
            FillRatePublic(
                work_area=area,
                period_start=start,
                period_end=end,
                booked=booked,
                open_slots=free_by_area.get(area, 0),
                fill_rate=booked / capacity if capacity else None,
                trend=[TrendPoint(on=d, booked=b) for d, b in zip(days, series, strict=True)],
            )
        )
    return rows
