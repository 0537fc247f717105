"""Shared fixtures: a fresh database per test on SQLite, and a real PostgreSQL when reachable.

Both are on the migrated schema: SQLite copies a file migrated once per test process over
the process's kept in-memory database (:mod:`tests.database`, which states the rule),
PostgreSQL is migrated once per test process (one database per pytest-xdist worker).

PostgreSQL tests use the server at PLATSA_TEST_POSTGRES_URL (default: the local one,
user postgres). Each test session creates its own throwaway database there and drops it
at the end. Without a reachable server those tests are skipped with the reason, unless
PLATSA_REQUIRE_POSTGRES=1 (set by .ci/run), when they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import models  # noqa: F401  (registers the tables)
from api.settings import Settings
from models.db import make_engine, upgrade
from tests.apps import app_for
from tests.database import fresh_memory_engine

#: Hypothesis: "ci" (the default) bounds the examples of every property that does not set
#: its own budget and drops the per-example deadline, a wall-clock assertion that fails on
#: a loaded host; HYPOTHESIS_PROFILE=deep runs ten times the examples, for a search.
settings.register_profile("ci", max_examples=50, deadline=None, print_blob=True)
settings.register_profile("deep", max_examples=500, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

PG_ADMIN_URL = os.environ.get(
    "PLATSA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("PLATSA_REQUIRE_POSTGRES") == "1"
# rate limits are off in tests (tests/api/test_rate_limit.py turns them on where tested)
os.environ.setdefault("PLATSA_RATE_LIMITS", "off")


@pytest.fixture
def engine() -> Engine:
    """An in-memory SQLite database on the migrated schema, holding no earlier test's rows
    (the process's kept engine, its database replaced: the rule is in tests/database.py)."""
    return fresh_memory_engine()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    app = app_for(settings=Settings(database_url="sqlite://"), engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _pg_admin_connection():
    import psycopg

    url = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(url, autocommit=True, connect_timeout=3)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a throwaway PostgreSQL database migrated to head, for this test session."""
    try:
        admin = _pg_admin_connection()
    except Exception as error:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (PLATSA_REQUIRE_POSTGRES=1) but: {error}")
        pytest.skip(f"no PostgreSQL server reachable at {PG_ADMIN_URL}: {error}")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")  # one database per xdist worker
    name = f"platsa_test_{worker}_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    upgrade(url)
    yield url
    with _pg_admin_connection() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _emptying_statements() -> str:
    """DELETE every table (children first) and restart every sequence: what TRUNCATE ...
    RESTART IDENTITY CASCADE does, but on a few small tables about six times faster
    (TRUNCATE makes new files for all ~40 tables; 0.87 s against 0.16 s at load 8)."""
    deletes = [f'DELETE FROM "{t.name}";' for t in reversed(SQLModel.metadata.sorted_tables)]
    restart = (  # %% is psycopg's escape of %
        "DO $$ DECLARE s record; BEGIN FOR s IN SELECT sequence_name FROM "
        "information_schema.sequences WHERE sequence_schema = current_schema() LOOP "
        "EXECUTE format('ALTER SEQUENCE %%I RESTART', s.sequence_name); END LOOP; END $$;"
    )
    return "\n".join([*deletes, restart])


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """An engine on the session's PostgreSQL database, emptied after each test."""
    engine = make_engine(pg_url)
    yield engine
    with engine.begin() as connection:
        connection.exec_driver_sql(_emptying_statements())
    engine.dispose()
