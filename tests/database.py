"""Test databases on the migrated schema: the Alembic migrations run once per test process.

:func:`memory_engine` copies a SQLite file migrated to head (built on first use, with the
same ``upgrade`` the server runs) into a fresh in-memory database with SQLite's backup
API, which takes milliseconds. Every test then starts from the schema production has,
not from ``create_all``, without paying for the migrations each time.
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
    """A fresh in-memory SQLite database holding the migrated schema (one shared connection)."""
    return migrate(make_engine("sqlite://", poolclass=StaticPool))


def migrate(engine: Engine) -> Engine:
    """Copy the migrated schema into an empty SQLite ``engine`` (a StaticPool one)."""
    source = sqlite3.connect(migrated_template())
    raw = engine.raw_connection()
    try:
        source.backup(raw.driver_connection)
    finally:
        raw.close()
        source.close()
    return engine
