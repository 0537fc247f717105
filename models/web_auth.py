"""Passwords, browser sessions and sign-in attempts for the web pages (all their SQL).

Only an argon2 hash of a password is stored (``UserCredential``), and only the SHA-256
of a session's cookie value (``WebSession``): a copy of the database lets nobody sign in.
The API keeps its bearer tokens; these tables serve the pages alone.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from argon2 import PasswordHasher
from sqlmodel import Field, Session, SQLModel

from models.base import timestamp_field


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


def open_session(session: Session, *, cookie_value: str, user_id: int) -> None:
    session.add(WebSession(id=session_key(cookie_value), user_id=user_id))
    session.flush()


def record_failure(session: Session, username: str) -> None:
    session.add(SignInAttempt(username=username[:64]))
    session.flush()
