"""Apps for tests: what ``create_app`` builds, without rebuilding FastAPI's routes per test.

``create_app`` spends nearly all of its time (about 1 s quiet, 2 s on a loaded two-core
host) in FastAPI validating and wiring the ~75 routes, which are the same for every test.
:func:`app_for` builds that route tree once per process and gives each call its own app
around it: its own ``app.state`` (engine, clock, settings, catalog cache, database gate,
authenticator, rate limiter: whatever ``create_app`` puts there), its own middleware
stack and exception handlers, all made by ``create_app`` itself for the given settings,
engine and clock. Only the routes are shared, and they hold no state: every route reads
what it needs from ``request.app.state``. (``dependency_overrides`` would not reach the
shared routes; no test uses them. Call ``create_app`` directly to get a private tree.)

``tests/api/test_app_sharing.py`` keeps this honest: an app from here has the same state
keys and types, middleware, handlers and OpenAPI document as one from ``create_app``.
"""

from __future__ import annotations

import copy
from functools import cache
from unittest import mock

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from api.app import create_app
from api.services.replay_jobs import ReplayRunner
from api.settings import Settings
from models.clock import Clock
from models.db import make_engine


def memory_settings(**overrides) -> Settings:
    """The tests' usual settings: SQLite in memory (the engine is passed in), and ``overrides``."""
    return Settings(database_url="sqlite://", **overrides)


@cache
def _route_tree() -> FastAPI:
    """One fully built app per process; only its routes are used (engine never connected)."""
    return create_app(
        settings=memory_settings(), engine=make_engine("sqlite://", poolclass=StaticPool)
    )


def _without_routes(settings: Settings, engine: Engine | None, clock: Clock | None) -> FastAPI:
    """``create_app`` with route inclusion skipped: its state, middleware and handlers only."""
    with (
        mock.patch.object(FastAPI, "include_router", lambda *args, **kwargs: None),
        mock.patch.object(APIRouter, "include_router", lambda *args, **kwargs: None),
    ):
        return create_app(settings=settings, engine=engine, clock=clock)


def app_for(
    settings: Settings | None = None, engine: Engine | None = None, clock: Clock | None = None
) -> FastAPI:
    """``create_app(settings, engine, clock)`` (same arguments) on the process's shared routes;
    ``settings`` default to :func:`memory_settings`."""
    tree = _route_tree()
    own = _without_routes(settings or memory_settings(), engine, clock)
    app = copy.copy(tree)
    app.state = own.state
    app.user_middleware = own.user_middleware
    app.exception_handlers = own.exception_handlers
    app.middleware_stack = None  # built from the above on the first request
    app.dependency_overrides = {}
    # test engines share one in-memory connection between threads: a background replay
    # runs in the request's own thread instead (api.services.replay_jobs.ReplayRunner)
    app.state.replay_runner = ReplayRunner(inline=True)
    return app
