"""The FastAPI application: routers by user group under /api/v1, operations at the root."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy.engine import Engine

from api import metrics
from api.catalog_cache import CatalogCache
from api.db_gate import DbGate
from api.deps import authorise
from api.errors import install_error_handlers, problems
from api.guards import RequestGuard, refuse_control_characters
from api.pages import install_pages
from api.rate_limit import RateLimiter, declare_limit_statuses
from api.services.replay_jobs import ReplayRunner
from api.settings import Settings, get_settings
from matcher import load_policy
from models.clock import SYSTEM_CLOCK, Clock
from models.db import engine_for
from models.strict_input import declare_text_rule

API_PREFIX = "/api/v1"

DESCRIPTION = """
Ranked, explained placement suggestions for supported employment (synthetic demo data).

Every route under `/api/v1` needs `Authorization: Bearer <token>` and admits the roles
listed in its `x-roles`. Errors are `application/problem+json` (RFC 9457).
"""


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, clock: Clock | None = None
) -> FastAPI:
    """Build the app; tests pass their own engine (and clock), the server the configured."""
    from api.routers import ROUTERS, ops

    settings = settings or get_settings()
    app = FastAPI(
        title="Platsa",
        version="0.1.0",
        description=DESCRIPTION,
        responses=problems(),
        dependencies=[Depends(refuse_control_characters)],
        docs_url=None,  # served from the package's own assets by api.pages
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = (
        engine if engine is not None else engine_for(settings.database_url, settings.db_limits())
    )
    app.state.clock = clock or SYSTEM_CLOCK
    app.state.catalog = CatalogCache(load_policy(settings.policy_path), app.state.clock)
    app.state.replay_runner = ReplayRunner()  # background replays the pages start
    app.state.db_gate = DbGate(settings.admitted_transactions, settings.db_slot_timeout_s)
    if settings.rate_limits:
        app.state.rate_limiter = RateLimiter(
            suggestions_per_minute=settings.rate_suggestions_per_minute,
            writes_per_minute=settings.rate_writes_per_minute,
            workers=settings.workers,
        )
    install_error_handlers(app)
    metrics.install(app)
    app.add_middleware(  # added last: the outermost, around the metrics too
        RequestGuard,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.body_timeout_s,
        retry_after_s=settings.retry_after_s,
    )
    v1 = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authorise)])
    for router in ROUTERS:
        v1.include_router(router)
    app.include_router(v1)
    app.include_router(ops.router)
    _declare_guards(app)
    install_pages(app)
    return app


def _declare_guards(app: FastAPI) -> None:
    """The OpenAPI document states the text rule on every request string, and the
    statuses the guards answer (429, 413, 408) where they can."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = declare_limit_statuses(declare_text_rule(build()))
        return app.openapi_schema

    app.openapi = openapi
