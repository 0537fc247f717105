"""One error shape for the whole API: RFC 9457 ``application/problem+json``.

Business errors are classes raised anywhere below the routes and rendered by one
handler; 422 stays for payload validation, with each offending field named in
``errors[].loc``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from models.repo_booking import BookingRefused

log = logging.getLogger("platsa.api")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://platsa.example/problems/"


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where: e.g. ['body', 'placement_id']")
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[TYPE_BASE + "placement-full"])
    title: str = Field(examples=["Placement is full"])
    status: int = Field(examples=[409])
    detail: str = Field(examples=["placement 12 has no slot left (3 of 3 booked)"])
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class PlatsaError(Exception):
    """Base of the business errors; subclasses fix status, type and title."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **extra):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra


class BadRequest(PlatsaError):
    pass


class Unauthorized(PlatsaError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(PlatsaError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(PlatsaError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(PlatsaError):
    status, slug, title = 409, "conflict", "Conflict"


class CapacityFull(Conflict):
    slug, title = "capacity-full", "No capacity left"


class Unavailable(PlatsaError):
    """Busy or switched off for now: 503 with ``Retry-After`` (seconds)."""

    status, slug, title = 503, "unavailable", "Unavailable"
    retry_after = 30

    @property
    def headers(self) -> dict[str, str]:
        """For handlers that copy an error's headers (the pages')."""
        return {"Retry-After": str(self.retry_after)}


class ServiceBusy(Unavailable):
    """A bounded wait ran out (a database slot, connection, lock or statement): nothing
    was changed; the answer carries Retry-After."""

    status, slug, title = 503, "busy", "Service busy"
    retry_after = 2  # a slot frees within a request's time


class TooManyRequests(PlatsaError):
    status, slug, title = 429, "rate-limited", "Too many requests"


class InvalidReference(PlatsaError):
    """A body refers to something that does not exist (unknown skill, department...)."""

    status, slug, title = 422, "invalid-reference", "Unknown reference"


def problem_response(
    status: int, title: str, detail: str, slug: str, errors=None, instance=None, **extra
) -> JSONResponse:
    body = Problem(
        type=TYPE_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=[FieldError(**e) for e in (errors or [])],
    ).model_dump()
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


_HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def _allowed_methods(request: Request) -> str:
    """Every method any route serves at this path (routing's 405 names only one route's)."""
    try:
        from fastapi.routing import iter_route_contexts  # FastAPI >= 0.16x
    except ImportError:
        routes = request.app.routes
    else:
        routes = list(iter_route_contexts(request.app.routes))
    path, methods = request.scope.get("path", request.url.path), set()
    for route in routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(PlatsaError)
    async def _business(request: Request, error: PlatsaError):
        response = problem_response(
            error.status,
            error.title,
            error.detail,
            error.slug,
            error.errors,
            instance=request.url.path,
            **error.extra,
        )
        if isinstance(error, Unavailable):
            response.headers["Retry-After"] = str(error.retry_after)
        elif error.extra.get("retry_after"):  # a rate limit's own wait
            response.headers["Retry-After"] = str(error.extra["retry_after"])
        return response

    @app.exception_handler(BookingRefused)
    async def _refused(request: Request, refused: BookingRefused):
        """A booking rule refused: 409 naming the rule in ``what`` (capacity: capacity-full)."""
        error = CapacityFull if refused.full else Conflict
        extra = {"what": refused.what}
        if refused.conflicts is not None:
            extra["conflicts"] = refused.conflicts
        return await _business(request, error(refused.detail, **extra))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError):
        errors = [
            {
                "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
                "msg": e.get("msg", "invalid"),
                "type": e.get("type", "value_error"),
            }
            for e in error.errors()
        ]
        where = ", ".join(".".join(str(p) for p in e["loc"]) for e in errors[:5])
        return problem_response(
            422,
            "Invalid request",
            f"the request is not valid at: {where}",
            "validation",
            errors,
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException):
        slug, title = _HTTP_TITLES.get(error.status_code, ("http-error", "HTTP error"))
        response = problem_response(
            error.status_code, title, str(error.detail), slug, instance=request.url.path
        )
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            response.headers["Allow"] = _allowed_methods(request)
        return response

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, error: IntegrityError):
        # A race lost to a concurrent request (a unique value taken meanwhile): a conflict.
        log.warning("integrity error on %s %s: %s", request.method, request.url.path, error.orig)
        return problem_response(
            409,
            "Conflict",
            "the change conflicts with data written meanwhile; reload and try again",
            "conflict",
            instance=request.url.path,
        )

    # A lock or statement timeout, a lost or terminated connection, a full pool: the
    # transaction was rolled back, so the answer is "busy, try again" (Retry-After is
    # stamped by api.guards), never a 500.
    async def _database_down(request: Request, error: Exception):
        log.error(
            "database error on %s %s: %s",
            request.method,
            request.url.path,
            getattr(error, "orig", None) or error,
        )
        return problem_response(
            503,
            "Database unavailable",
            "the database did not answer in time; nothing was changed, try again",
            "database-unavailable",
            instance=request.url.path,
        )

    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unavailable, _database_down)

    @app.exception_handler(DBAPIError)
    async def _driver_error(request: Request, error: DBAPIError):
        if error.connection_invalidated:
            return await _database_down(request, error)
        return await _bug(request, error)

    @app.exception_handler(Exception)
    async def _bug(request: Request, error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "Internal error", "an unexpected error; it has been logged", "internal"
        )


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring the problem shape for each status a route can return."""
    described = {
        400: "Bad request",
        401: "Missing or invalid bearer token",
        403: "The caller's role may not use this route",
        404: "Not found (or not visible to the caller's unit)",
        409: "Conflict with the current state (full, already decided, key reuse)",
        422: "Invalid body, query or path parameter; errors[].loc names the field",
        408: "The request body did not arrive in time",
        413: "The request body is too large",
        429: "Too many requests from this user; Retry-After says when to try again",
        503: (
            "Busy, suggestions paused, or the database did not answer in time;"
            " nothing was changed; see Retry-After"
        ),
    }
    return {
        status: {
            "model": Problem,
            "description": described.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        # 400: a body that cannot be parsed at all (not JSON, not UTF-8) never reaches validation
        for status in sorted({400, 401, 403, 422, 503, *statuses})
    }
