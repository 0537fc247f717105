"""The two fixtures that run a module's example tests on the real PostgreSQL: import them
into a test module (``from tests.api.on_postgres import client, engine``) beside the tests
it collects again, and mark it ``pytest.mark.postgres``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings


@pytest.fixture
def engine(pg_engine):
    return pg_engine


@pytest.fixture
def client(pg_url, pg_engine):
    app = create_app(settings=Settings(database_url=pg_url, db_slot_timeout_s=30), engine=pg_engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
