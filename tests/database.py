"""Test databases on the migrated schema: the Alembic migrations run once per test process.

The rule (which database a test gets):

- **Every test starts from the migrated schema with no rows of its own** and may commit:
  the ``engine`` fixture (tests/conftest.py) is :func:`fresh_memory_engine`, the
  process's one in-memory SQLite engine with a SQLite file migrated to head (built on
  first use with the same ``upgrade`` the server runs) copied over its database by
  SQLite's backup API. The copy replaces everything the previous test wrote; it takes
  about 6 ms. Code under test commits, rolls back and opens its own sessions exactly as
  in production, so the repository tests (tests/models) and the API tests (the
  ``client`` fixture's app commits every request) test real transactions.
- Keeping one engine matters more than the copy: SQLAlchemy caches compiled statements
  per engine, and a new engine per test recompiled every statement (seeding the API
  world took 264 ms on a new engine, 107 ms on the kept one, at load 5).
- A test that needs a database of its own beside the shared one (a module-scoped world,
  a second app) calls :func:`memory_engine`; a live server or a worker process gets a
  file (``tmp_path``); PostgreSQL tests use ``pg_engine`` (tests/conftest.py): one
  database per test process, emptied after each test.
- Not used: "each test in a transaction rolled back" (SQLAlchemy's join-an-external-
  transaction recipe). Measured on the same seed it is no faster than the copy into the
  kept engine (110 ms against 107 ms), and it is less honest: the app's commits become
  savepoint releases, a rollback in the code under test only rewinds a savepoint, and
  pysqlite needs its transaction handling replaced (``isolation_level=None`` and an
  explicit BEGIN) for savepoints to work, so the tests would not run the production
  driver's behaviour.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from functools import cache
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from models.db import make_engine, upgrade


@cache
def migrated_template() -> Path:
    """A SQLite file migrated to head, built once per process and removed at exit."""
    directory = Path(tempfile.mkdtemp(prefix="platsa-schema-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


def memory_engine() -> Engine:
    """A new in-memory SQLite engine holding the migrated schema (one shared connection)."""
    return migrate(make_engine("sqlite://", poolclass=StaticPool))


@cache
def _kept_engine() -> Engine:
    return make_engine("sqlite://", poolclass=StaticPool)


def fresh_memory_engine() -> Engine:
    """The process's kept in-memory engine, its database replaced by the migrated schema."""
    return migrate(_kept_engine())


def migrate(engine: Engine) -> Engine:
    """Copy the migrated schema over the database of a SQLite ``engine`` (a StaticPool one),
    replacing whatever it held; a transaction a test left open is rolled back first."""
    source = sqlite3.connect(migrated_template())
    raw = engine.raw_connection()
    try:
        raw.driver_connection.rollback()
        source.backup(raw.driver_connection)
    finally:
        raw.close()
        source.close()
    return engine
