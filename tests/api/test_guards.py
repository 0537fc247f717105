"""The request guard (body cap, body timeout, Retry-After, 500 without a re-raise) and the
database gate (a slot within the bound, or 503), driven at the ASGI level."""

from __future__ import annotations

import anyio
import pytest

from api.db_gate import DbGate
from api.errors import ServiceBusy
from api.guards import RequestGuard


def _scope(method="POST", headers=()):
    return {"type": "http", "method": method, "path": "/api/v1/x", "headers": list(headers)}


async def _run(app, scope, messages):
    sent = []
    queue = list(messages)

    async def receive():
        if queue:
            return queue.pop(0)
        await anyio.Event().wait()  # a client that never sends the rest

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def _guard(app, **overrides):
    options = {"max_body_bytes": 1024, "body_timeout_s": 0.05, "retry_after_s": 7}
    return RequestGuard(app, **(options | overrides))


async def _echo(scope, receive, send):
    message = await receive()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": message["body"]})


def _status(sent):
    return sent[0]["status"], dict(sent[0]["headers"])


@pytest.mark.anyio
async def test_a_declared_oversized_body_is_413_before_it_is_read():
    sent = await _run(_guard(_echo), _scope(headers=[(b"content-length", b"4096")]), [])
    status, headers = _status(sent)
    assert (status, headers[b"connection"]) == (413, b"close")


@pytest.mark.anyio
async def test_a_chunked_body_past_the_cap_is_413():
    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True}] * 2
    sent = await _run(_guard(_echo), _scope(headers=[(b"transfer-encoding", b"chunked")]), chunks)
    assert _status(sent)[0] == 413


@pytest.mark.anyio
async def test_a_body_that_stops_arriving_is_408():
    first = [{"type": "http.request", "body": b"{", "more_body": True}]
    sent = await _run(_guard(_echo), _scope(headers=[(b"content-length", b"10")]), first)
    assert _status(sent)[0] == 408


@pytest.mark.anyio
async def test_a_body_within_the_bounds_reaches_the_route_whole():
    chunks = [
        {"type": "http.request", "body": b'{"a":', "more_body": True},
        {"type": "http.request", "body": b" 1}", "more_body": False},
    ]
    sent = await _run(_guard(_echo), _scope(headers=[(b"content-length", b"8")]), chunks)
    assert (_status(sent)[0], sent[1]["body"]) == (200, b'{"a": 1}')


@pytest.mark.anyio
async def test_every_503_carries_retry_after():
    async def busy(scope, receive, send):
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent = await _run(_guard(busy), _scope("GET"), [])
    assert _status(sent)[1][b"retry-after"] == b"7"


@pytest.mark.anyio
async def test_an_unhandled_error_is_answered_not_reraised():
    async def broken(scope, receive, send):
        raise RuntimeError("bug")

    sent = await _run(_guard(broken), _scope("GET"), [])  # returns: the connection stays
    status, headers = _status(sent)
    assert status == 500 and b"connection" not in headers


@pytest.mark.anyio
async def test_the_gate_answers_busy_when_no_slot_frees_within_the_bound():
    gate = DbGate(slots=1, wait_s=0.05)
    async with gate.admitted():
        with pytest.raises(ServiceBusy):
            async with gate.admitted():
                pass
    async with gate.admitted():  # the slot was given back
        assert await gate.finish(lambda: "ran") == "ran"


@pytest.fixture
def anyio_backend():
    return "asyncio"
