"""tests.apps.app_for is create_app with FastAPI's route building done once per process:
the apps it gives must be what create_app gives, apart from sharing the (stateless) routes."""

from __future__ import annotations

from datetime import UTC, datetime

from api.app import create_app
from api.settings import Settings
from models.clock import FrozenClock
from tests.apps import app_for, memory_settings


def _middleware(app) -> list[str]:
    return [repr(m) for m in app.user_middleware]


def test_a_shared_routes_app_is_what_create_app_builds(engine):
    settings = memory_settings(max_body_bytes=1234, rate_limits=True)
    built, shared = create_app(settings, engine), app_for(settings, engine)
    assert {k: type(v) for k, v in shared.state._state.items()} == {
        k: type(v) for k, v in built.state._state.items()
    }
    assert shared.state.settings is settings and shared.state.engine is engine
    assert _middleware(shared) == _middleware(built)
    assert set(shared.exception_handlers) == set(built.exception_handlers)
    assert [getattr(r, "path", None) for r in shared.routes] == [
        getattr(r, "path", None) for r in built.routes
    ]
    assert shared.openapi() == built.openapi()


def test_each_app_has_its_own_state(engine):
    clock = FrozenClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    first, second = app_for(engine=engine), app_for(Settings(database_url="sqlite://"), clock=clock)
    shared_keys = set(first.state._state) & set(second.state._state)
    assert shared_keys >= {"catalog", "db_gate", "authenticator", "engine", "clock", "settings"}
    for key in shared_keys - {"clock"}:
        assert first.state._state[key] is not second.state._state[key], key
    assert second.state.clock is clock
    assert first.router is second.router  # the one thing they share
