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
from sqlmodel import Session

from api.errors import Conflict
from models.repo_idempotency import claim_key, record_for_key, store_answer

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


def claim(
    session: Session, user_id: int, key: str | None, request: Request, payload: BaseModel
) -> Claim | JSONResponse:
    """Take the key for this request, or answer with the stored response of its first use."""
    if key is None:
        return Claim(record_id=None)
    digest = request_hash(request.method, request.url.path, payload)
    record_id = claim_key(session, user_id, key, digest)
    if record_id is not None:
        return Claim(record_id=record_id)
    record = record_for_key(session, user_id, key)
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
        store_answer(session, claimed.record_id, status_code, answer.model_dump(mode="json"))
    return answer


@dataclass
class Idempotency:
    """A request's ``Idempotency-Key`` handling (``api.deps.IdempotencyDep``).

    ``replayed(body)`` claims the key, or returns the stored first answer to send instead;
    ``remember(status, answer)`` stores the answer under the claimed key and returns it.
    """

    session: Session
    user_id: int
    key: str | None
    request: Request
    claimed: Claim = Claim(record_id=None)

    def replayed(self, payload: BaseModel) -> JSONResponse | None:
        claimed = claim(self.session, self.user_id, self.key, self.request, payload)
        if isinstance(claimed, JSONResponse):
            return claimed
        self.claimed = claimed
        return None

    def remember(self, status_code: int, answer: BaseModel) -> Any:
        return remember(self.session, self.claimed, status_code, answer)
