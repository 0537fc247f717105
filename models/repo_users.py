"""Repository functions for units and users; tokens are stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib

from sqlalchemy import bindparam
from sqlmodel import Session, func, select

from models.org import Role, Unit, User


def hash_token(token: str) -> str:
    """Tokens are 256-bit random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    username: str,
    role: Role,
    *,
    token: str,
    unit_code: str | None = None,
    is_person: bool = True,
) -> User:
    """Add a user; caseworkers must belong to a unit. Raises ValueError saying what is wrong."""
    unit_id = None
    if unit_code is not None:
        unit = session.exec(select(Unit).where(Unit.code == unit_code)).first()
        if unit is None:
            raise ValueError(f"unknown unit {unit_code!r}")
        unit_id = unit.id
    if role is Role.caseworker and unit_id is None:
        raise ValueError("a caseworker needs --unit")
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise ValueError(f"user {username!r} already exists")
    user = User(
        username=username,
        role=role,
        unit_id=unit_id,
        is_person=is_person,
        token_hash=hash_token(token),
    )
    session.add(user)
    session.flush()
    return user


# built once: every request authenticates, and building the statement costs more than
# running it
_BY_TOKEN = select(User).where(User.token_hash == bindparam("token_hash"), User.active == True)  # noqa: E712


def user_for_token(session: Session, token: str) -> User | None:
    return session.exec(_BY_TOKEN, params={"token_hash": hash_token(token)}).first()


def list_users(session: Session, *, offset: int, limit: int) -> tuple[list[User], int]:
    """Users by id (the table holds token hashes only; UserPublic leaves them out)."""
    total = session.exec(select(func.count()).select_from(User)).one()
    rows = session.exec(select(User).order_by(User.id).offset(offset).limit(limit)).all()
    return list(rows), total


def user_named(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def get_user(session: Session, user_id: int) -> User | None:
    """The user with this id, if any."""
    return session.get(User, user_id)
