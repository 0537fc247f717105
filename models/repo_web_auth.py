"""Queries on the tables of :mod:`models.web_auth` (the repository; all SQL here)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from models.base import utcnow
from models.web_auth import SignInAttempt, UserCredential, WebSession, session_key


def password_hash_for(session: Session, user_id: int) -> str | None:
    credential = session.get(UserCredential, user_id)
    return None if credential is None else credential.password_hash


def set_password_hash(session: Session, user_id: int, password_hash: str) -> None:
    """Set (or replace) a user's password hash; every open session of theirs ends."""
    credential = session.get(UserCredential, user_id)
    if credential is None:
        session.add(UserCredential(user_id=user_id, password_hash=password_hash))
    else:
        credential.password_hash = password_hash
        credential.updated_at = utcnow()
        session.add(credential)
    end_sessions_of(session, user_id)
    session.flush()


def live_session(
    session: Session, cookie_value: str, *, idle: timedelta, absolute: timedelta
) -> WebSession | None:
    """The session behind a cookie, if it is neither idle too long nor too old; touches it."""
    found = session.get(WebSession, session_key(cookie_value))
    if found is None:
        return None
    now = utcnow()
    if now - found.last_seen_at > idle or now - found.created_at > absolute:
        session.delete(found)
        session.flush()
        return None
    # a write per request only when a minute has passed: idle expiry needs no finer grain
    if now - found.last_seen_at > timedelta(minutes=1):
        session.execute(
            update(WebSession).where(WebSession.id == found.id).values(last_seen_at=now)
        )
    return found


def end_session(session: Session, cookie_value: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == session_key(cookie_value)))


def end_sessions_of(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def recent_failures(
    session: Session, username: str, window: timedelta
) -> tuple[int, datetime | None]:
    """How many failed sign-ins for ``username`` within ``window``, and the oldest of them."""
    since = utcnow() - window
    count, oldest = session.execute(
        select(func.count(), func.min(SignInAttempt.at)).where(
            SignInAttempt.username == username[:64], SignInAttempt.at >= since
        )
    ).one()
    return int(count), oldest


def clear_failures(session: Session, username: str) -> None:
    session.execute(delete(SignInAttempt).where(SignInAttempt.username == username[:64]))
