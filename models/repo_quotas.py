"""Queries on the tables of :mod:`models.quotas` (the repository; all SQL here)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from datetime import date

from sqlmodel import Session, col, func, select

from models.history import Revision
from models.match import BOOKED_STATUSES, Match, MatchEvent
from models.org import Department, Quota
from models.placement import Placement
from models.quotas import (
    FillRatePublic,
    QuotaRevisionPublic,
    TrendPoint,
    _aware,
    end_of_day,
    trend_days,
)
from models.repo_history import states_as_of


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
