"""Repository for Idempotency-Key records (see :mod:`api.idempotency` for the protocol)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from models.audit import IdempotencyRecord
from models.clock import utcnow


def _insert_for(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"Idempotency-Key is not supported on {dialect}")


def claim_key(session: Session, user_id: int, key: str, request_hash: str) -> int | None:
    """Insert the key's record and return its id, or None when the key is already taken.

    ``INSERT ... ON CONFLICT DO NOTHING``: on PostgreSQL it waits for a concurrent
    transaction that inserted the same key and then does nothing if that one committed.
    """
    insert = _insert_for(session)
    inserted = session.execute(
        insert(IdempotencyRecord)
        .values(
            user_id=user_id,
            key=key,
            request_hash=request_hash,
            status_code=0,  # placeholder; invisible to others until the answer is stored
            body={},
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyRecord.id)
    ).first()
    return None if inserted is None else inserted[0]


def record_for_key(session: Session, user_id: int, key: str) -> IdempotencyRecord:
    """The record a user's key holds (it exists: :func:`claim_key` found it taken)."""
    return session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    ).one()


def store_answer(session: Session, record_id: int, status_code: int, body: dict[str, Any]) -> None:
    """Keep the first answer under its record (before the request commits)."""
    record = session.get(IdempotencyRecord, record_id)
    record.status_code = status_code
    record.body = body
    session.add(record)
    session.flush()
