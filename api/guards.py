"""The outermost request guard: bounded bodies, Retry-After, and a 500 that keeps the line.

A plain ASGI middleware (no extra task per request), installed outside every route:

- A request body larger than ``max_body_bytes`` answers 413 (by its Content-Length before
  anything is read, or as soon as a chunked body passes the cap); a body that does not
  arrive in full within ``body_timeout_s`` answers 408. Both close the connection. The
  body is read here, before routing, so a slow upload never holds a database slot.
- Every 503 and 429 carries ``Retry-After`` (seconds), whoever raised it.
- An unhandled exception answers the 500 problem here. Starlette's outermost error
  middleware would re-raise it after answering, and uvicorn then closes the keep-alive
  connection; here the request ends normally, so the connection stays open.
"""

from __future__ import annotations

import json
import logging

import anyio
from fastapi import Request
from fastapi.exceptions import RequestValidationError

from api.errors import PROBLEM_JSON, TYPE_BASE
from models.strict_input import text_errors

log = logging.getLogger("platsa.api")

RETRY_STATUSES = (429, 503)
_HEADERS_BY_ROUTE: dict[int, tuple[str, ...]] = {}  # id(route): routes live as long as the app


def _declared_headers(route) -> tuple[str, ...]:
    """The headers a route reads (its and its dependencies' header parameters)."""
    known = _HEADERS_BY_ROUTE.get(id(route))
    if known is not None:
        return known
    names, pending = {"authorization"}, [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is not None:
            names |= {param.alias.lower() for param in dependant.header_params}
            pending.extend(dependant.dependencies)
    _HEADERS_BY_ROUTE[id(route)] = known = tuple(sorted(names))
    return known


async def refuse_control_characters(request: Request) -> None:
    """The text rule (models.strict_input) for every path and query parameter and every
    header the route reads: an app-wide dependency, so no route can forget it."""
    text_headers = _declared_headers(request.scope.get("route"))
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    errors = (
        text_errors(request.path_params, "path")
        + text_errors({k: v if len(v) > 1 else v[0] for k, v in query.items()}, "query")
        + text_errors(
            {h: request.headers[h] for h in text_headers if h in request.headers}, "header"
        )
    )
    if errors:
        raise RequestValidationError(errors)


def _problem(status: int, slug: str, title: str, detail: str, path: str) -> bytes:
    body = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
        "errors": [],
    }
    return json.dumps(body).encode()


class RequestGuard:
    def __init__(
        self, app, *, max_body_bytes: int, body_timeout_s: float, retry_after_s: int
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s
        self.retry_after = str(retry_after_s).encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def guarded_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if message["status"] in RETRY_STATUSES:
                    headers = list(message.get("headers", []))
                    if not any(name.lower() == b"retry-after" for name, _ in headers):
                        headers.append((b"retry-after", self.retry_after))
                    message = {**message, "headers": headers}
            await send(message)

        headers = dict(scope.get("headers") or [])
        if b"content-length" in headers or b"transfer-encoding" in headers:
            refusal, receive = await self._read_body(scope, headers, receive)
            if refusal is not None:
                await self._answer(guarded_send, scope, *refusal, close=True)
                return
        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            if started:
                raise
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await self._answer(
                guarded_send,
                scope,
                500,
                "internal",
                "Internal error",
                "an unexpected error; it has been logged",
            )

    async def _read_body(self, scope, headers, receive):
        """The whole body, within the cap and the time bound: (refusal or None, receive)."""
        too_large = (
            413,
            "body-too-large",
            "Request body too large",
            f"the request body is larger than {self.max_body_bytes} bytes",
        )
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return too_large, receive
        chunks, size, more = [], 0, True
        with anyio.move_on_after(self.body_timeout_s):
            while more:
                message = await receive()
                if message["type"] != "http.request":  # the client went away
                    return None, receive
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body_bytes:
                    return too_large, receive
                chunks.append(chunk)
                more = message.get("more_body", False)
        if more:
            return (
                408,
                "body-timeout",
                "Request body timeout",
                f"the request body did not arrive within {self.body_timeout_s:g} s",
            ), receive
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return None, replay

    @staticmethod
    async def _answer(send, scope, status, slug, title, detail, *, close=False) -> None:
        content = _problem(status, slug, title, detail, scope["path"])
        headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(content)).encode()),
        ]
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})
