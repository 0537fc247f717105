"""The Alembic migrations build exactly the schema the tables declare, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from models.db import make_engine, upgrade


def _drift(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return diff


def test_sqlite_upgrade_to_head_matches_the_tables(tmp_path):
    url = f"sqlite:///{tmp_path / 'platsa.db'}"
    upgrade(url)
    assert _drift(url) == []


@pytest.mark.postgres
def test_postgres_upgrade_to_head_matches_the_tables(pg_url):
    assert _drift(pg_url) == []
