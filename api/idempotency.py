"""``Idempotency-Key``: a retried request gets the first answer instead of a second booking.

A request carrying the header first inserts an :class:`~models.audit.IdempotencyRecord`
(unique per user and key) in its own transaction, holding a SHA-256 of method, path and
the canonical JSON body. On PostgreSQL ``INSERT ... ON CONFLICT DO NOTHING`` waits for a
concurrent transaction that inserted the same key and then does nothing if it committed,
so of twenty simultaneous retries exactly one does the work and the others replay it.

- Same key, same request, after success: the stored status and body, with the header
  ``Idempotent-Replayed: true``.
- Same key, different request: 409 "Idempotency-Key reused with a different request".
- Only successful answers are replayed. A first attempt that failed rolled back, its
  record with it, so its retry runs anew (and may succeed, or fail for today's reason).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from api.errors import Conflict
from models.audit import IdempotencyRecord
from models.base import utcnow

REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="any unique string (a UUID); a retry with the same key and body "
        "returns the first successful answer instead of acting twice",
    ),
]


@dataclass(frozen=True, slots=True)
class Claim:
    """This request owns the key (``record_id``), or no key was sent (None)."""

    record_id: int | None


def request_hash(method: str, path: str, payload: BaseModel) -> str:
    """SHA-256 of method, path and the body as canonical JSON (sorted keys, defaults filled)."""
    body = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{method.upper()} {path}\n{body}".encode()).hexdigest()


def _insert_for(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"Idempotency-Key is not supported on {dialect}")


def claim(
    session: Session, user_id: int, key: str | None, request: Request, payload: BaseModel
) -> Claim | JSONResponse:
    """Take the key for this request, or answer with the stored response of its first use."""
    if key is None:
        return Claim(record_id=None)
    digest = request_hash(request.method, request.url.path, payload)
    insert = _insert_for(session)
    inserted = session.execute(
        insert(IdempotencyRecord)
        .values(
            user_id=user_id,
            key=key,
            request_hash=digest,
            status_code=0,  # placeholder; invisible to others until the answer is stored
            body={},
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyRecord.id)
    ).first()
    if inserted is not None:
        return Claim(record_id=inserted[0])
    record = session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
        )
    ).one()
    if record.request_hash != digest:
        raise Conflict(
            "Idempotency-Key reused with a different request; use a new key for a new request",
            what="idempotency-key",
        )
    if record.status_code == 0:  # only if a route forgot to store its answer
        raise Conflict("the first request with this Idempotency-Key has no stored answer")
    return JSONResponse(
        record.body, status_code=record.status_code, headers={REPLAYED_HEADER: "true"}
    )


def remember(session: Session, claimed: Claim, status_code: int, answer: BaseModel) -> Any:
    """Store the answer under the claimed key (before the commit) and return it."""
    if claimed.record_id is not None:
        record = session.get(IdempotencyRecord, claimed.record_id)
        record.status_code = status_code
        record.body = answer.model_dump(mode="json")
        session.add(record)
        session.flush()
    return answer
