"""The hash chains find an edited, a deleted and an inserted row, on SQLite and PostgreSQL;
concurrent writers on PostgreSQL keep one unbroken chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session
from typer.testing import CliRunner

from models.audit import AccessLog
from models.match import Match, MatchEvent, MatchStatus
from models.org import Role
from models.repo_access_log import log_access
from models.repo_audit_chain import verify_chain
from tests.factories import (
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_unit,
    make_user,
)

ROWS = 5


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request):
    """An engine on each database (the PostgreSQL one is migrated, the SQLite one built)."""
    name = "engine" if request.param == "sqlite" else "pg_engine"
    return request.getfixturevalue(name)


def _write_history(engine) -> dict:
    """ROWS committed transactions, each with one access-log row and one match event."""
    with Session(engine) as session:
        unit = make_unit(session)
        user, _ = make_user(session, role=Role.caseworker, unit=unit)
        make_placement_type(session)
        make_concept(session, id="occupation:care", kind="occupation")
        placement = make_placement(
            session, department=make_department(session), work_area="occupation:care"
        )
        participant = make_participant(session, unit=unit)
        match = Match(
            participant_id=participant.id,
            placement_id=placement.id,
            status=MatchStatus.accepted,
            decided_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
        session.add(match)
        session.commit()
        ids = {"user": user.id, "participant": participant.id, "match": match.id}
    for k in range(ROWS):
        with Session(engine) as session:
            log_access(
                session, user_id=ids["user"], participant_id=ids["participant"], method="GET",
                route=f"/api/v1/participants/{k}", action="read",
            )  # fmt: skip
            session.add(
                MatchEvent(match_id=ids["match"], status=MatchStatus.accepted, by=ids["user"])
            )
            session.commit()
    return ids


def _verify(engine, model):
    with Session(engine) as session:
        return verify_chain(session, model)


TABLES = {"accesslog": AccessLog, "matchevent": MatchEvent}


@pytest.mark.parametrize("table", TABLES)
def test_an_untouched_chain_verifies(db, table):
    _write_history(db)
    assert _verify(db, TABLES[table]) == (ROWS, None)


@pytest.mark.parametrize("table", TABLES)
def test_an_edited_row_is_found(db, table):
    _write_history(db)
    column = "route" if table == "accesslog" else "reason_code"
    with db.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET {column} = 'changed' WHERE seq = 3"))
    checked, link = _verify(db, TABLES[table])
    assert (checked, link.seq) == (2, 3) and "edited" in link.problem


@pytest.mark.parametrize("table", TABLES)
def test_a_deleted_row_is_found(db, table):
    _write_history(db)
    with db.begin() as connection:
        connection.execute(text(f"DELETE FROM {table} WHERE seq = 2"))
    checked, link = _verify(db, TABLES[table])
    assert (checked, link.seq) == (1, 3) and "missing" in link.problem


@pytest.mark.parametrize("table", TABLES)
def test_deleting_the_newest_row_is_found(db, table):
    _write_history(db)
    with db.begin() as connection:
        connection.execute(text(f"DELETE FROM {table} WHERE seq = {ROWS}"))
    checked, link = _verify(db, TABLES[table])
    assert checked == ROWS - 1 and "deleted at the end" in link.problem


def test_an_inserted_row_is_found(db):
    ids = _write_history(db)
    with db.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accesslog (user_id, participant_id, at, method, route, action)"
                " VALUES (:u, :p, :at, 'GET', '/forged', 'read')"
            ),
            {"u": ids["user"], "p": ids["participant"], "at": datetime(2026, 3, 2, tzinfo=UTC)},
        )
    checked, link = _verify(db, AccessLog)
    assert checked == ROWS and "outside the chain" in link.problem


def test_a_row_forged_into_the_chain_is_found(db):
    """Inserted with a free place in the numbering and a made-up link."""
    _write_history(db)
    with db.begin() as connection:
        # make room at 3 (in two steps: a unique column is checked row by row)
        connection.execute(text("UPDATE matchevent SET seq = -(seq + 1) WHERE seq >= 3"))
        connection.execute(text("UPDATE matchevent SET seq = -seq WHERE seq < 0"))
        connection.execute(
            text(
                "INSERT INTO matchevent (match_id, status, at, seq, prev_hash, hash)"
                " SELECT match_id, status, at, 3, hash, hash FROM matchevent WHERE seq = 2"
            )
        )
    checked, link = _verify(db, MatchEvent)
    assert checked == 2 and link.seq == 3


@pytest.mark.postgres
def test_concurrent_writers_keep_one_chain(pg_engine):
    ids = _write_history(pg_engine)

    def write(k: int) -> None:
        for _ in range(5):
            with Session(pg_engine) as session:
                log_access(
                    session, user_id=ids["user"], participant_id=ids["participant"],
                    method="GET", route=f"/w/{k}", action="read",
                )  # fmt: skip
                session.commit()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(write, range(6)))
    assert _verify(pg_engine, AccessLog) == (ROWS + 30, None)


def test_platsa_audit_verify_reports_the_first_broken_link(tmp_path, monkeypatch):
    from api.cli import app
    from api.settings import get_settings
    from models.db import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'audit.db'}"
    upgrade(url)
    engine = make_engine(url)
    _write_history(engine)
    monkeypatch.setenv("PLATSA_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        intact = CliRunner().invoke(app, ["audit", "verify"])
        assert intact.exit_code == 0 and f"accesslog: {ROWS} rows, chain intact" in intact.output
        with engine.begin() as connection:
            connection.execute(text("UPDATE accesslog SET action = 'write' WHERE seq = 4"))
        broken = CliRunner().invoke(app, ["audit", "verify"])
        assert broken.exit_code == 1
        assert "accesslog: first broken link at seq 4" in broken.output
        assert "matchevent: 5 rows, chain intact" in broken.output
    finally:
        get_settings.cache_clear()
        engine.dispose()


def test_a_match_event_inserted_directly_is_never_sealed_by_a_later_booking(db):
    ids = _write_history(db)
    with db.begin() as connection:
        connection.execute(
            text("INSERT INTO matchevent (match_id, status, at) VALUES (:m, 'ended', :at)"),
            {"m": ids["match"], "at": datetime(2026, 3, 2, tzinfo=UTC)},
        )
    with Session(db) as session:  # a later, legitimate event
        session.add(MatchEvent(match_id=ids["match"], status=MatchStatus.started, by=ids["user"]))
        session.commit()
    checked, link = _verify(db, MatchEvent)
    assert checked == ROWS + 1 and "outside the chain" in link.problem
