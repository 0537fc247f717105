"""HTTP benchmark of suggestions: p50/p99 on SQLite and PostgreSQL, and requests/s.

Starts the real service (``platsa serve``) on loopback against a database holding the
demo municipality plus synthetic placements up to 10,000 open ones, then:

1. sequential GET /participants/{id}/suggestions?limit=10 from one keep-alive client
   (the caseworker's own participants, round robin): p50 and p99 latency, SQLite and PG;
2. sustained throughput on PostgreSQL with 2 uvicorn workers and 8 client threads.

Every request is a full suggestion: authenticate, load the participant, log the access,
rank, store the list and its 10 items, commit. The client runs on the same 2 cores as
the server, so the throughput figure is a floor. Needs PostgreSQL at 127.0.0.1:5432
(user postgres) for the PG figures; prints null for them when none is reachable.

Run: ``.venv/bin/python bench/api.py``. The last line is one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import insert, select
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.loader import demo_users, load_demo  # noqa: E402
from models.catalog_state import bump_catalog_version  # noqa: E402
from models.db import make_engine, upgrade  # noqa: E402
from models.org import Department, User  # noqa: E402
from models.participant import Participant  # noqa: E402
from models.placement import Placement  # noqa: E402
from models.taxonomy import PlacementType, SkillConcept  # noqa: E402

OPEN_PLACEMENTS = 10_000
LATENCY_REQUESTS = 400
WARMUP = 30
THROUGHPUT_SECONDS = 15
CLIENT_THREADS = 8
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def prepare(url: str) -> tuple[str, list[int]]:
    """Demo municipality + placements up to 10,000 open; returns a caseworker token and ids."""
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        load_demo(session, seed=7)
        session.commit()
    with Session(engine) as session:
        open_now = len(session.exec(select(Placement.id).where(Placement.is_open)).all())
        departments = session.exec(select(Department.id)).scalars().all()
        types = session.exec(select(PlacementType.code)).scalars().all()
        concepts = session.exec(select(SkillConcept.id, SkillConcept.broader_id)).all()
        areas = [c for c, broader in concepts if broader is None]
        skills = [c for c, broader in concepts if broader is not None]
        rng = np.random.default_rng(7)
        rows = []
        for _ in range(OPEN_PLACEMENTS - open_now):
            rows.append(
                {
                    "department_id": int(rng.choice(departments)),
                    "title": "Syntetisk plats",
                    "work_area": str(rng.choice(areas)),
                    "required_skills": [str(s) for s in rng.choice(skills, 2, replace=False)],
                    "useful_skills": [str(s) for s in rng.choice(skills, 2, replace=False)],
                    "min_language_level": int(rng.integers(0, 4)),
                    "language_practice": bool(rng.random() < 0.2),
                    "supervision": int(rng.integers(1, 4)),
                    "slots": int(rng.integers(1, 4)),
                    "booked": 0,
                    "hours_per_week": int(rng.choice([20, 30, 40])),
                    "site_lat": float(55.70 + rng.normal(0, 0.05)),
                    "site_lon": float(13.19 + rng.normal(0, 0.08)),
                    "type_code": str(rng.choice(types)),
                    "start_date": date(2026, 1, 1),
                    "end_date": None,
                    "is_open": True,
                    "version": 1,
                    "updated_at": datetime.now(UTC),
                }
            )
        session.execute(insert(Placement.__table__), rows)
        bump_catalog_version(session)
        session.commit()
        _, username, token = next(u for u in demo_users(session) if u[0] == "caseworker")
        unit_id = session.exec(select(User.unit_id).where(User.username == username)).scalar()
        ids = (
            session.exec(
                select(Participant.id).where(Participant.unit_id == unit_id, Participant.active)
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return token, list(ids)


class Server:
    def __init__(self, url: str, workers: int) -> None:
        self.port = 18000 + int(uuid.uuid4().int % 1000)
        env = {**os.environ, "PLATSA_DATABASE_URL": url}
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/platsa"),
                "serve",
                "--no-demo",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tempfile.gettempdir(),
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("service did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def latency(base: str, token: str, ids: list[int]) -> tuple[float, float]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for i in range(WARMUP):
            client.get(f"/api/v1/participants/{ids[i % len(ids)]}/suggestions").raise_for_status()
        times = []
        for i in range(LATENCY_REQUESTS):
            started = time.perf_counter()
            client.get(f"/api/v1/participants/{ids[i % len(ids)]}/suggestions").raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), float(np.percentile(times, 99))


def throughput(base: str, token: str, ids: list[int]) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    counts = [0] * CLIENT_THREADS
    errors = [0] * CLIENT_THREADS
    stop_at = time.monotonic() + THROUGHPUT_SECONDS

    def run(n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            i = n
            while time.monotonic() < stop_at:
                response = client.get(f"/api/v1/participants/{ids[i % len(ids)]}/suggestions")
                if response.status_code == 200:
                    counts[n] += 1
                else:
                    errors[n] += 1
                i += CLIENT_THREADS

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENT_THREADS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if sum(errors):
        print(f"  {sum(errors)} non-200 answers during the throughput run")
    return sum(counts) / elapsed


def pg_database() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3) as admin:
            name = f"platsa_bench_{uuid.uuid4().hex[:8]}"
            admin.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:  # no server: PG figures are null
        print(f"PostgreSQL not reachable ({error}); PG figures are null")
        return None
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def drop_pg(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    results: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        token, ids = prepare(url)
        server = Server(url, workers=1)
        try:
            p50, p99 = latency(server.base, token, ids)
        finally:
            server.stop()
        print(f"SQLite, 1 worker, {OPEN_PLACEMENTS} open placements:", end=" ")
        print(f"p50 {p50:.1f} ms, p99 {p99:.1f} ms")
        results.update(sqlite_p50_ms=round(p50, 2), sqlite_p99_ms=round(p99, 2))
    pg = pg_database()
    results.update(pg_p50_ms=None, pg_p99_ms=None, pg_rps_2_workers=None)
    if pg is not None:
        try:
            token, ids = prepare(pg)
            server = Server(pg, workers=1)
            try:
                p50, p99 = latency(server.base, token, ids)
            finally:
                server.stop()
            print(f"PostgreSQL, 1 worker: p50 {p50:.1f} ms, p99 {p99:.1f} ms")
            server = Server(pg, workers=2)
            try:
                latency(server.base, token, ids[:WARMUP])  # warm both workers' caches
                rps = throughput(server.base, token, ids)
            finally:
                server.stop()
            print(f"PostgreSQL, 2 workers, {CLIENT_THREADS} client threads: {rps:.0f} requests/s")
            results.update(
                pg_p50_ms=round(p50, 2), pg_p99_ms=round(p99, 2), pg_rps_2_workers=round(rps, 1)
            )
        finally:
            drop_pg(pg)
    print("targets: p50 <= 15 ms, p99 <= 50 ms, >= 300 requests/s")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
