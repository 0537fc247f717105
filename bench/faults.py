"""Faults under load on PostgreSQL: a burst of bookings, the same with the service's
connections terminated mid-burst, and a worker killed with SIGKILL mid-burst.

Each scenario starts a real uvicorn (one worker, a small pool) on a loopback port against
a throwaway database, fires concurrent ``POST /api/v1/matches``, then reads the database:

- attempts, acknowledged (201), bookings (live matches stored), lost (acknowledged but
  not stored), overbooked (bookings beyond a placement's slots, or a counter that differs
  from its live matches), 500s, 503s, unanswered (connection errors, timeouts), and the
  longest answer time.

The last line is one JSON object: ``lost``, ``overbooked``, ``server_errors``,
``max_answer_s`` summed/maxed over the scenarios (targets 0, 0, 0, <= 5 s).

    .venv/bin/python bench/faults.py [--attempts 50] [--pool 3] [--kill-after 1]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections import Counter
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, func, select  # noqa: E402

from models.db import make_engine, upgrade  # noqa: E402
from models.match import BOOKED_STATUSES, Match  # noqa: E402
from models.placement import Placement  # noqa: E402
from tests.api.live_server import Answer, burst, live_server  # noqa: E402
from tests.api.test_booking_postgres import build  # noqa: E402
from tests.api.test_faults_postgres import accepts  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CLIENT_TIMEOUT_S = 30.0


def throwaway_database() -> str:
    name = f"platsa_faults_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset(engine) -> None:
    """Empty every table between scenarios (each builds its own small world)."""
    from sqlmodel import SQLModel

    import models  # noqa: F401  (registers the tables)

    with engine.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def tally(engine, scene, answers: list[Answer], slots: list[int]) -> dict:
    acknowledged = {a.body["id"] for a in answers if a.status == 201}
    placements = scene.placements
    with Session(engine) as session:
        live = dict(
            session.exec(
                select(Match.placement_id, func.count())
                .where(Match.placement_id.in_(placements))
                .where(Match.status.in_([s.value for s in BOOKED_STATUSES]))
                .group_by(Match.placement_id)
            ).all()
        )
        stored = set(session.exec(select(Match.id).where(Match.id.in_(acknowledged))).all())
        booked = dict(
            session.exec(
                select(Placement.id, Placement.booked).where(Placement.id.in_(placements))
            ).all()
        )
    statuses = Counter(a.status for a in answers)
    overbooked = sum(max(live.get(p, 0) - n, 0) for p, n in zip(placements, slots, strict=True))
    overbooked += sum(booked[p] != live.get(p, 0) for p in placements)
    answered = [a.seconds for a in answers if a.status is not None]
    return {
        "attempts": len(answers),
        "acknowledged": len(acknowledged),
        "bookings": sum(live.values()),
        "lost": len(acknowledged - stored),
        "overbooked": overbooked,
        "server_errors": sum(
            n for s, n in statuses.items() if s is not None and s >= 500 and s != 503
        ),
        "busy_503": statuses.get(503, 0),
        "conflicts_409": statuses.get(409, 0),
        "unanswered": sum(1 for a in answers if a.status is None),
        "max_answer_s": round(max(answered, default=0.0), 3),
    }


def stopwatch():
    """A timer started now: the seconds since, when called (each request's answer time)."""
    started = time.perf_counter()
    return lambda: time.perf_counter() - started


def scenario_burst(url, engine, attempts, pool) -> dict:
    scene = build(engine, slots=[3], quota=None, participants=attempts)
    with live_server(url, db_pool_size=pool, db_max_overflow=2) as server:
        answers = burst(
            server.base_url, accepts(scene), timeout_s=CLIENT_TIMEOUT_S, stopwatch=stopwatch
        )
    return tally(engine, scene, answers, [3])


def scenario_terminate(url, engine, attempts, pool) -> dict:
    scene = build(engine, slots=[3], quota=None, participants=attempts)
    once = threading.Lock()
    with live_server(url, db_pool_size=pool, db_max_overflow=2) as server:

        def cut(index, answer):
            if once.acquire(blocking=False):
                with engine.connect() as connection:
                    connection.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            " WHERE application_name = :name"
                        ),
                        {"name": server.application_name},
                    )

        answers = burst(
            server.base_url,
            accepts(scene),
            timeout_s=CLIENT_TIMEOUT_S,
            on_answer=cut,
            stopwatch=stopwatch,
        )
    return tally(engine, scene, answers, [3])


def scenario_kill(url, engine, attempts, pool, kill_after) -> dict:
    half = attempts // 2
    scene = build(engine, slots=[half, attempts - half], quota=None, participants=attempts)
    lock, seen, killed = threading.Lock(), Counter(), threading.Event()
    with live_server(url, db_pool_size=pool, db_max_overflow=2) as server:

        def kill(index, answer):
            with lock:
                seen[answer.status] += 1
                if seen[201] >= kill_after and not killed.is_set():
                    killed.set()
                    server.kill()

        answers = burst(
            server.base_url,
            accepts(scene),
            timeout_s=CLIENT_TIMEOUT_S,
            on_answer=kill,
            stopwatch=stopwatch,
        )
    result = tally(engine, scene, answers, [half, attempts - half])
    result["killed"] = killed.is_set()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--attempts", type=int, default=50, help="concurrent accepts per scenario")
    parser.add_argument("--pool", type=int, default=3, help="the worker's connection pool size")
    parser.add_argument(
        "--kill-after", type=int, default=1, help="SIGKILL the worker after this many 201s"
    )
    args = parser.parse_args()
    url = throwaway_database()
    engine = make_engine(url)
    results = {}
    try:
        for name, run in (
            ("burst", scenario_burst),
            ("terminate", scenario_terminate),
            ("kill", partial(scenario_kill, kill_after=args.kill_after)),
        ):
            reset(engine)
            results[name] = run(url, engine, args.attempts, args.pool)
            print(name, json.dumps(results[name]), flush=True)
    finally:
        engine.dispose()
        drop_database(url)
    print(
        json.dumps(
            {
                "lost": sum(r["lost"] for r in results.values()),
                "overbooked": sum(r["overbooked"] for r in results.values()),
                "server_errors": sum(r["server_errors"] for r in results.values()),
                "max_answer_s": max(r["max_answer_s"] for r in results.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
