"""The demo municipality in a temporary SQLite file, loaded once per test session.

Test modules that replay history import the fixture: ``from tests.evaluation_demo import
demo_url  # noqa: F401``. The file is built with every table (``create_all``), so tables
added before their migration exist too.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import Session, SQLModel

import models  # noqa: F401  (registers the tables)
from fixtures.loader import load_demo
from models.db import make_engine

DEMO_SEED = 7
DEMO_SCALE = 1.0


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory) -> Iterator[str]:
    """URL of a SQLite file holding the demo (seed 7, scale 1); treat it as read-only."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        load_demo(session, seed=DEMO_SEED, scale=DEMO_SCALE)
        session.commit()
    engine.dispose()
    yield url
