"""The log review (loggkontroll): reads outside the reader's unit, refused attempts, and
unusual volumes per user per day.

A caseworker's reads should stay inside their own unit's caseload; the API refuses the
rest (logged as ``refused``), so a *read* outside the unit means the participant moved
unit after the read, or access went around the API: both worth a look. A day is unusual
for a user when they opened at least ``min_records`` records and more than ``factor``
times the median day of their role in the window (the median, not the mean, so one
heavy day does not hide another).
"""

from __future__ import annotations

from datetime import datetime
from statistics import median

from sqlmodel import Session

from models.repo_log_review import daily_volumes, reads_outside_unit, refused_attempts


def log_review(
    session: Session, *, start: datetime, stop: datetime, factor: float = 3.0, min_records: int = 50
) -> dict:
    volumes = [
        (user_id, username, getattr(role, "value", str(role)), str(day), count)
        for user_id, username, role, day, count in daily_volumes(session, start, stop)
    ]
    by_role: dict[str, list[int]] = {}
    for *_, role, _, count in volumes:
        by_role.setdefault(role, []).append(count)
    medians = {role: median(counts) for role, counts in by_role.items()}
    unusual = [
        {"user_id": user_id, "username": username, "role": role, "day": day,
         "records": count, "role_median": medians[role]}
        for user_id, username, role, day, count in volumes
        if count >= min_records and count > factor * medians[role]
    ]  # fmt: skip
    unusual.sort(key=lambda row: (-row["records"], row["day"]))
    return {
        "window": {"from": start, "to": stop},
        "rule": {"factor": factor, "min_records": min_records},
        "reads_outside_unit": reads_outside_unit(session, start, stop),
        "refused_attempts": refused_attempts(session, start, stop),
        "unusual_volumes": unusual,
        "role_medians": medians,
    }
