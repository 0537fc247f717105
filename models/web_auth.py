"""Passwords, browser sessions and sign-in attempts for the web pages (all their SQL).

Only an argon2 hash of a password is stored (``UserCredential``), and only the SHA-256
of a session's cookie value (``WebSession``): a copy of the database lets nobody sign in.
The API keeps its bearer tokens; these tables serve the pages alone.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import delete, func, update
from sqlmodel import Field, Session, SQLModel, select

from models.base import timestamp_field, utcnow


class UserCredential(SQLModel, table=True):
    """A user's password, as an argon2 hash (the PHC string, parameters included)."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    password_hash: str = Field(max_length=255)
    updated_at: datetime = timestamp_field()


class WebSession(SQLModel, table=True):
    """A signed-in browser. ``id`` is the SHA-256 of the cookie's random value."""

    id: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = timestamp_field()
    last_seen_at: datetime = timestamp_field()


class SignInAttempt(SQLModel, table=True):
    """One failed sign-in, kept to throttle guessing (per username, in a sliding window)."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, index=True)
    at: datetime = timestamp_field(index=True)


#: argon2id with the library's defaults (RFC 9106's second recommended setting)
password_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def session_key(cookie_value: str) -> str:
    return hashlib.sha256(cookie_value.encode()).hexdigest()


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


def open_session(session: Session, *, cookie_value: str, user_id: int) -> None:
    session.add(WebSession(id=session_key(cookie_value), user_id=user_id))
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


def record_failure(session: Session, username: str) -> None:
    session.add(SignInAttempt(username=username[:64]))
    session.flush()


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
