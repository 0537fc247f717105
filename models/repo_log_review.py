"""Queries for the log review (loggkontroll): who read whose record, and how much."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from models.audit import AccessLog
from models.org import Role, User
from models.participant import Participant


def reads_outside_unit(session: Session, start: datetime, stop: datetime) -> list[dict]:
    """Caseworkers' logged accesses to participants their unit does not own (now)."""
    rows = session.exec(
        select(AccessLog, User.username, User.unit_id, Participant.unit_id)
        .join(User, User.id == AccessLog.user_id)
        .join(Participant, Participant.id == AccessLog.participant_id)
        .where(
            User.role == Role.caseworker,
            Participant.unit_id != User.unit_id,
            AccessLog.action != "refused",
            AccessLog.at >= start,
            AccessLog.at < stop,
        )
        .order_by(AccessLog.at)
    ).all()
    return [
        {
            "access_id": log.id,
            "at": log.at,
            "user_id": log.user_id,
            "username": username,
            "user_unit_id": user_unit,
            "participant_id": log.participant_id,
            "participant_unit_id": participant_unit,
            "route": log.route,
            "action": log.action,
        }
        for log, username, user_unit, participant_unit in rows
    ]


def refused_attempts(session: Session, start: datetime, stop: datetime) -> list[dict]:
    """Refused looks at records (another unit's, or ids that do not exist), per user."""
    rows = session.exec(
        select(AccessLog.user_id, User.username, func.count(), func.max(AccessLog.at))
        .join(User, User.id == AccessLog.user_id)
        .where(AccessLog.action == "refused", AccessLog.at >= start, AccessLog.at < stop)
        .group_by(AccessLog.user_id, User.username)
        .order_by(func.count().desc())
    ).all()
    return [
        {"user_id": u, "username": name, "attempts": n, "last_at": last}
        for u, name, n, last in rows
    ]


def daily_volumes(session: Session, start: datetime, stop: datetime) -> list[tuple]:
    """(user id, username, role, UTC day, records accessed) per user and day."""
    day = func.date(AccessLog.at)
    return list(
        session.exec(
            select(AccessLog.user_id, User.username, User.role, day, func.count())
            .join(User, User.id == AccessLog.user_id)
            .where(
                col(AccessLog.participant_id).is_not(None),
                AccessLog.at >= start,
                AccessLog.at < stop,
            )
            .group_by(AccessLog.user_id, User.username, User.role, day)
        ).all()
    )
