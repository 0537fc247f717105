"""The pool's liveness check on PostgreSQL (models.db): a pooled connection whose backend
the server ended is replaced at checkout, a live one is handed out again as it is."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.db import make_engine

pytestmark = pytest.mark.postgres


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_a_live_pooled_connection_is_reused(pg_url):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        assert _backend(engine) == _backend(engine)
    finally:
        engine.dispose()


def test_a_connection_the_server_ended_is_replaced_at_checkout(pg_url, pg_engine):
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    try:
        first = _backend(engine)  # back in the pool, idle
        with pg_engine.connect() as admin:
            # with a timeout, pg_terminate_backend returns once the backend has exited
            ended = admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first})
            assert ended.scalar_one() is True
        assert _backend(engine) != first  # no error: the dead connection was swapped
    finally:
        engine.dispose()
