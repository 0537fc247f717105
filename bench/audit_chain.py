"""Benchmark: what the hash chain costs one access-log write, on the real PostgreSQL.

Run: ``PYTHONPATH=. .venv/bin/python bench/audit_chain.py`` (about a minute; needs the
server at 127.0.0.1:5432, user postgres, and creates and drops its own database).

Each transaction writes one access-log row and commits, as a participant read does.
Anchor, in the same run: the row inserted as before the chain (one Core insert, no
seal). Chained: :func:`models.repo_access_log.log_access`, sealed at commit under the chain
head's row lock. Both interleaved in blocks so that machine load hits both alike;
medians and p99 per transaction. Then 4 threads write chained rows at once and the chain
is verified. The last line is one JSON object.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
from sqlalchemy import insert
from sqlmodel import Session

from models.audit import AccessLog
from models.base import utcnow
from models.db import make_engine, upgrade
from models.org import Role
from models.repo_access_log import log_access
from models.repo_audit_chain import verify_chain
from tests.factories import make_participant, make_unit, make_user

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BLOCKS, PER_BLOCK = 10, 100
THREADS, PER_THREAD = 4, 250


def _row(ids: dict) -> dict:
    return {"user_id": ids["user"], "participant_id": ids["participant"], "method": "GET",
            "route": "/api/v1/participants/{participant_id}", "action": "read"}  # fmt: skip


def _plain(engine, ids) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        session.execute(insert(AccessLog.__table__), {**_row(ids), "at": utcnow()})
        session.commit()
    return time.perf_counter() - started


def _chained(engine, ids) -> float:
    started = time.perf_counter()
    with Session(engine) as session:
        log_access(session, **_row(ids))
        session.commit()
    return time.perf_counter() - started


def _ms(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median_ms": round(statistics.median(ordered) * 1000, 3),
            "p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))] * 1000, 3)}  # fmt: skip


def main() -> None:
    name = f"platsa_bench_chain_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            unit = make_unit(session)
            user, _ = make_user(session, role=Role.caseworker, unit=unit)
            ids = {"user": user.id, "participant": make_participant(session, unit=unit).id}
            session.commit()
        plain, chained = [], []
        for _ in range(BLOCKS):
            plain += [_plain(engine, ids) for _ in range(PER_BLOCK)]
            chained += [_chained(engine, ids) for _ in range(PER_BLOCK)]
        with engine.begin() as connection:  # the anchor's rows are outside the chain
            connection.exec_driver_sql("DELETE FROM accesslog WHERE seq IS NULL")
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(lambda _: [_chained(engine, ids) for _ in range(PER_THREAD)],
                          range(THREADS)))  # fmt: skip
        elapsed = time.perf_counter() - started
        with Session(engine) as session:
            checked, broken = verify_chain(session, AccessLog)
            verify_started = time.perf_counter()
            verify_chain(session, AccessLog)
            verify_s = time.perf_counter() - verify_started
        engine.dispose()
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    result = {
        "plain_insert": _ms(plain),
        "chained_insert": _ms(chained),
        "chained_over_plain_median": round(
            statistics.median(chained) / statistics.median(plain), 2
        ),
        "concurrent_threads": THREADS,
        "concurrent_rows_per_s": round(THREADS * PER_THREAD / elapsed, 1),
        "chain_rows_verified": checked,
        "chain_intact": broken is None,
        "verify_rows_per_s": round(checked / verify_s, 1),
    }
    print(f"one access-log row per transaction, {BLOCKS * PER_BLOCK} each, interleaved:")
    print(f"  plain insert (anchor): {result['plain_insert']}")
    print(f"  chained (sealed at commit): {result['chained_insert']}")
    print(f"  {THREADS} threads: {result['concurrent_rows_per_s']} chained rows/s; "
          f"chain of {checked} rows intact: {broken is None}")  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
