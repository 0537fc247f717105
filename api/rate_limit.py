"""Per-user rate limits on suggestion lists and on writes: 429 with Retry-After.

Token buckets in each worker process, with the configured rate divided by the number of
workers (``PLATSA_WORKERS``, which ``platsa serve --workers N`` sets): a user can never
get more than the configured rate from the whole service, and no request pays a database
round trip or a shared row lock to be counted (a PostgreSQL counter would put both on
every suggestion request). The price: a client whose requests all land on one worker
(one keep-alive connection) gets 1/N of the rate, so the defaults are generous; they
stop a runaway script, never a person. Buckets live on the event loop thread (checked in
the async ``authorise`` dependency), so they need no lock.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from fastapi import Request

from api.errors import TooManyRequests
from models.org import User

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SUGGESTION_ROUTES = ("/suggestions", "/candidates")


@dataclass
class Bucket:
    tokens: float
    at: float


class RateLimiter:
    """``per_minute`` requests of each kind per user, per service (divided by ``workers``)."""

    def __init__(self, *, suggestions_per_minute: int, writes_per_minute: int, workers: int):
        self.per_second = {
            "suggestions": suggestions_per_minute / 60 / workers,
            "writes": writes_per_minute / 60 / workers,
        }
        # a burst of up to the rate's minute's worth (divided), at least one request
        self.burst = {kind: max(rate * 60, 1.0) for kind, rate in self.per_second.items()}
        self.buckets: dict[tuple[int, str], Bucket] = {}
        self.clock = time.monotonic

    @staticmethod
    def kind_of(method: str, path: str) -> str | None:
        if method == "GET" and path.endswith(SUGGESTION_ROUTES):
            return "suggestions"
        return "writes" if method in WRITE_METHODS else None

    def take(self, user_id: int, kind: str) -> float | None:
        """Spend one token; None when granted, else the seconds until one is available."""
        rate, burst, now = self.per_second[kind], self.burst[kind], self.clock()
        bucket = self.buckets.get((user_id, kind))
        if bucket is None:
            bucket = self.buckets[(user_id, kind)] = Bucket(burst, now)
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return (1 - bucket.tokens) / rate


def check_rate(request: Request, user: User) -> None:
    """Raise 429 when ``user`` has spent this kind of request (no-op when limits are off)."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        return
    route = request.scope.get("route")
    kind = limiter.kind_of(request.method, getattr(route, "path", request.url.path))
    if kind is None:
        return
    wait = limiter.take(user.id, kind)
    if wait is not None:
        raise TooManyRequests(
            f"too many {kind} requests from this user; try again in {math.ceil(wait)} s",
            retry_after=math.ceil(wait),
        )


def declare_limit_statuses(document: dict) -> dict:
    """The OpenAPI statuses the guards answer: 429 on limited operations, 413 and 408 on
    operations with a body."""
    from api.errors import problems

    declared = problems(408, 413, 429)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = []
            if path.startswith("/api/") and RateLimiter.kind_of(method.upper(), path):
                statuses.append(429)
            if "requestBody" in operation:
                statuses += [408, 413]
            for status in statuses:
                entry = dict(declared[status])
                entry.pop("model", None)
                operation["responses"].setdefault(str(status), entry)
    return document
