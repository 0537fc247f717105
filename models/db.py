"""Engines and sessions for SQLite (default) and PostgreSQL, and migrations to head."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import event, exc
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class DbLimits:
    """How long a request may wait for the database, and how many connections it may use.

    The web service sets these (api.settings); the command line keeps the defaults of no
    statement or lock timeout, since a replay or a migration may rightly take long.
    On PostgreSQL every connection starts with ``statement_timeout``, ``lock_timeout`` and
    ``idle_in_transaction_session_timeout`` (0 = none), so a lock or a statement never
    holds a request longer than stated and a transaction a client abandoned cannot keep
    its row locks; the pool answers within ``pool_timeout_s`` or raises (a 503).
    """

    pool_size: int = 10
    max_overflow: int = 20
    pool_timeout_s: float = 30.0
    statement_timeout_ms: int = 0
    lock_timeout_ms: int = 0
    idle_in_transaction_timeout_ms: int = 0
    connect_timeout_s: int = 10
    application_name: str = "platsa"

    def libpq_options(self) -> str:
        return " ".join(
            f"-c {name}={value}"
            for name, value in (
                ("statement_timeout", self.statement_timeout_ms),
                ("lock_timeout", self.lock_timeout_ms),
                ("idle_in_transaction_session_timeout", self.idle_in_transaction_timeout_ms),
            )
        )


def make_engine(url: str, limits: DbLimits | None = None, **kwargs) -> Engine:
    """An engine with SQLite set up for a web service: WAL, foreign keys, a busy timeout.

    On PostgreSQL, ``limits`` (default :class:`DbLimits`) sizes the pool and sets the
    per-connection timeouts, and a pooled connection the server has ended is swapped for
    a fresh one at checkout (:func:`_alive_or_replaced`, unless ``pool_pre_ping`` is given).
    """
    url = normalise_url(url)
    limits = limits or DbLimits()
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    liveness_check = "pool_pre_ping" not in kwargs  # else the caller chose
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", limits.pool_size)
        kwargs.setdefault("max_overflow", limits.max_overflow)
        kwargs.setdefault("pool_timeout", limits.pool_timeout_s)
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("options", limits.libpq_options())
    connect_args.setdefault("application_name", limits.application_name)
    connect_args.setdefault("connect_timeout", limits.connect_timeout_s)
    engine = create_engine(url, **kwargs)
    if liveness_check:
        event.listen(engine, "checkout", _alive_or_replaced(engine.dialect))
    return engine


def _alive_or_replaced(dialect):
    """A pool checkout hook in place of ``pool_pre_ping``: ping a pooled connection only
    when the server has spoken on its socket since it went idle.

    An idle connection's socket has nothing to read until the server says goodbye: a
    terminated backend, a restart or an idle timeout send an error and close it, which
    makes the socket readable. Checking that costs a ``select`` with no wait; the
    pre-ping's ``SELECT 1`` cost a round trip on every request. A readable socket gets
    the real ping, and a failed one raises ``DisconnectionError``, on which the pool
    drops the connection and checks out a fresh one, as with the pre-ping.
    """

    def check(dbapi_connection, _record, _proxy) -> None:
        try:
            readable = select.select([dbapi_connection.fileno()], [], [], 0)[0]
        except (OSError, ValueError) as error:  # closed on this side already
            raise exc.DisconnectionError("the pooled connection is closed") from error
        if not readable:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise exc.DisconnectionError("the server closed the pooled connection") from error

    return check


@cache
def engine_for(url: str, limits: DbLimits | None = None) -> Engine:
    """One engine per URL (and limits) per process."""
    return make_engine(url, limits)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` with the Alembic migrations."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
