# ruff: noqa: F401, F811  (pytest fixtures imported from tests.evaluation_demo)
"""The demo's history, exported and imported into the same municipality without it,
replays and trains exactly as the native history does."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, SQLModel

import models  # noqa: F401
from api.services.evaluation import run_replay, train_model, window
from api.services.history_import import export_history, import_history
from fixtures.loader import load_demo
from matcher.policy import load_policy
from models.db import make_engine
from tests.evaluation_demo import DEMO_SCALE, DEMO_SEED, demo_url

#: parts of a replay report that depend on logged lists, which imported history lacks
LIST_PARTS = ("off_policy",)
LIST_COUNTS = ("overrides", "imported", "lists_decided_after_window")


@pytest.fixture(scope="module")
def reimported(demo_url, tmp_path_factory):
    """(native engine, engine of the same demo whose decisions came in through the import)."""
    native = make_engine(demo_url)
    with Session(native) as session:
        exported = export_history(session)
    path = tmp_path_factory.mktemp("reimport") / "demo.db"
    imported = make_engine(f"sqlite:///{path}")
    SQLModel.metadata.create_all(imported)
    with Session(imported) as session:
        load_demo(session, seed=DEMO_SEED, scale=DEMO_SCALE, decisions=False)
        result = import_history(session, exported, media_type="application/jsonl", user=None)
        session.commit()
    assert result.counts["decisions"] > 300
    yield native, imported
    native.dispose()
    imported.dispose()


def _replay(engine, *, imported: bool) -> dict:
    start, stop = window(date(2025, 1, 1), date(2026, 11, 30))
    with Session(engine) as session:
        report = run_replay(
            session, start=start, stop=stop, scorer_name="policy", policy=load_policy(),
            n_boot=50, off_policy=False,
        )  # fmt: skip
    counts = report["counts"]
    assert counts["imported"] == (counts["decisions"] if imported else 0)
    for name in LIST_COUNTS:
        counts.pop(name, None)
    return {name: part for name, part in report.items() if name not in LIST_PARTS}


def test_reimported_demo_history_gives_the_same_replay_report(reimported):
    native, imported = reimported
    assert _replay(imported, imported=True) == _replay(native, imported=False)


def test_reimported_demo_history_trains_the_same_model(reimported):
    models_trained = []
    for engine in reimported:
        with Session(engine) as session:
            row = train_model(
                session, cut=date(2025, 9, 1), policy=load_policy(), trained_by=None, n_boot=20
            )
            models_trained.append((row.params, row.metrics["n_train"]))
            session.rollback()
    (native, n_native), (imported, n_imported) = models_trained
    assert n_imported == n_native > 50
    np.testing.assert_allclose(imported["coef"], native["coef"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", ["history-example.jsonl", "history-example.csv"])
def test_the_readme_example_files_check_against_the_demo(demo_url, name):
    raw = (Path(__file__).parents[2] / "docs" / name).read_bytes()
    media_type = "text/csv" if name.endswith(".csv") else "application/jsonl"
    with Session(make_engine(demo_url)) as session:
        result = import_history(session, raw, media_type=media_type, user=None, dry_run=True)
    assert result.counts == {
        "decisions": 3, "accepted": 2, "status_changes": 3, "outcomes": 2,
        "holding_a_slot_now": 0, "before_participant_state": 0, "before_placement_state": 0,
    }  # fmt: skip
