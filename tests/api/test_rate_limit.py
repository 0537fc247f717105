"""Per-user rate limits: token buckets on a fake clock, and 429 with Retry-After."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from api.rate_limit import RateLimiter
from api.settings import Settings
from tests.api.world import participant_body, seed_world
from tests.apps import app_for


def _limiter(per_minute: int, workers: int = 1) -> tuple[RateLimiter, list[float]]:
    now = [0.0]
    limiter = RateLimiter(
        suggestions_per_minute=per_minute, writes_per_minute=per_minute, workers=workers
    )
    limiter.clock = lambda: now[0]
    return limiter, now


@given(
    per_minute=st.integers(1, 600),
    workers=st.integers(1, 4),
    gaps=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=200),
)
def test_a_user_never_gets_more_than_the_rate_allows(per_minute, workers, gaps):
    limiter, now = _limiter(per_minute, workers)
    granted = 0
    for gap in gaps:
        now[0] += gap
        granted += limiter.take(7, "writes") is None
    rate = per_minute / 60 / workers
    assert granted <= limiter.burst["writes"] + rate * now[0] + 1e-9


def test_the_wait_given_is_when_the_next_request_is_granted():
    limiter, now = _limiter(60)  # one a second, a burst of 60
    assert all(limiter.take(1, "writes") is None for _ in range(60))
    wait = limiter.take(1, "writes")
    assert wait is not None and 0 < wait <= 1
    now[0] += wait
    assert limiter.take(1, "writes") is None
    assert limiter.take(2, "writes") is None  # another user has their own bucket
    assert limiter.take(1, "suggestions") is None  # and each kind its own


def test_writes_past_the_limit_answer_429_with_retry_after(engine, session):
    world = seed_world(session)
    settings = Settings(database_url="sqlite://", rate_limits=True, rate_writes_per_minute=2)
    with TestClient(app_for(settings=settings, engine=engine)) as client:
        headers = world.headers("caseworker")
        answers = [
            client.post(
                "/api/v1/participants", json=participant_body(ref=f"R-{i}"), headers=headers
            )
            for i in range(3)
        ]
        assert [a.status_code for a in answers] == [201, 201, 429]
        refused = answers[2]
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) >= 1
        # reads are not limited, and another user still writes
        assert client.get("/api/v1/participants", headers=headers).status_code == 200
        other = client.post(
            "/api/v1/departments",
            json={"code": "D-9", "name": "Nine"},
            headers=world.headers("admin"),
        )
        assert other.status_code != 429


def test_the_document_declares_429_on_limited_operations_only(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "429" in paths["/api/v1/matches"]["post"]["responses"]
    assert "429" in paths["/api/v1/participants/{participant_id}/suggestions"]["get"]["responses"]
    assert "429" not in paths["/api/v1/participants"]["get"]["responses"]
    assert {"408", "413"} <= set(paths["/api/v1/matches"]["post"]["responses"])
