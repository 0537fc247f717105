"""Profile of the participant read and the suggestion request, in process, on PostgreSQL.

Builds the same database as ``bench/api.py`` (demo municipality, seed 7, open placements
up to 10,000) in a fresh PostgreSQL database, creates the app in this process and sends
``--requests`` requests of each kind through Starlette's TestClient under cProfile, after
warm-up. Prints, per request kind: the service CPU per request (``time.process_time``,
which includes the TestClient's own share), and the cumulative time of the named stages
below (inclusive, so they overlap), then the top functions by own time.

Run: ``PYTHONPATH=. .venv/bin/python bench/profile_api.py [--requests 300]``. Needs
PostgreSQL at 127.0.0.1:5432. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench/api.py's database set-up (its module name would clash with the api package)
_spec = importlib.util.spec_from_file_location("bench_api", ROOT / "bench" / "api.py")
bench_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_api)

#: (label, file fragment, function name): inclusive stages worth naming in the report
STAGES = (
    ("authenticate (token hash + user query)", "models/repo_users.py", "user_for_token"),
    ("participant load + access log queued", "api/access.py", "participant_for"),
    ("commit (incl. hash-chain seal)", "sqlalchemy/orm/session.py", "commit"),
    ("hash-chain seal (claim, insert, store head)", "models/audit_chain.py", "_seal_access"),
    ("session close", "sqlalchemy/orm/session.py", "close"),
    ("text rule on params and headers", "api/guards.py", "refuse_control_characters"),
    ("rank (engine)", "matcher/ranking.py", "rank_placements"),
    ("response serialisation", "api/responses.py", "model_json"),
    ("FastAPI request handling", "fastapi/routing.py", "app"),
    ("metrics middleware", "api/metrics.py", "__call__"),
    ("request guard middleware", "api/guards.py", "__call__"),
    ("dependency solving", "fastapi/dependencies/utils.py", "solve_dependencies"),
    ("DB driver execute", "psycopg/cursor.py", "execute"),
    ("SQLAlchemy execute", "sqlalchemy/orm/session.py", "execute"),
    ("thread hops (anyio to_thread)", "anyio/to_thread.py", "run_sync"),
)


def stage_times(stats: pstats.Stats, n: int) -> dict[str, float]:
    out: dict[str, float] = {}
    for label, fragment, name in STAGES:
        total = sum(
            entry[3]
            for (path, _line, func), entry in stats.stats.items()
            if func == name and path.endswith(fragment)
        )
        out[label] = round(1000 * total / n, 3)
    return out


def profile(client, path: str, ids: list[int], n: int, headers: dict) -> tuple[float, dict, str]:
    for i in range(30):
        assert client.get(path.format(id=ids[i % len(ids)]), headers=headers).status_code == 200
    profiler = cProfile.Profile()
    cpu = time.process_time()
    profiler.enable()
    for i in range(n):
        client.get(path.format(id=ids[i % len(ids)]), headers=headers)
    profiler.disable()
    cpu_ms = 1000 * (time.process_time() - cpu) / n
    stats = pstats.Stats(profiler)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(18)
    return cpu_ms, stage_times(stats, n), text.getvalue()


def timed(client, path: str, ids: list[int], n: int, headers: dict) -> float:
    """CPU ms per request without the profiler (its own overhead inflates the above)."""
    cpu = time.process_time()
    for i in range(n):
        client.get(path.format(id=ids[i % len(ids)]), headers=headers)
    return 1000 * (time.process_time() - cpu) / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", action="store_true", help="print the top functions too")
    args = parser.parse_args()
    os.environ["PLATSA_RATE_LIMITS"] = "false"
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    url = bench_api.pg_database()
    if url is None:
        raise SystemExit("needs PostgreSQL at 127.0.0.1:5432")
    results: dict[str, float] = {}
    try:
        token, ids = bench_api.prepare(url)
        app = create_app(Settings(database_url=url, rate_limits=False))
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(app) as client:
            for name, path in (
                ("healthz", "/healthz"),
                ("participant", "/api/v1/participants/{id}"),
                ("suggestions", "/api/v1/participants/{id}/suggestions"),
            ):
                plain_ms = timed(client, path, ids, args.requests, headers)
                cpu_ms, stages, top = profile(client, path, ids, args.requests, headers)
                print(f"{name}: {plain_ms:.2f} ms CPU/request in process (TestClient incl.), "
                      f"{cpu_ms:.2f} ms under cProfile")  # fmt: skip
                for label, ms in stages.items():
                    if ms:
                        print(f"  {label:48s} {ms:7.3f} ms")
                if args.top:
                    print(top)
                results[f"{name}_cpu_ms_in_process"] = round(plain_ms, 3)
        app.state.engine.dispose()
    finally:
        bench_api.drop_pg(url)
    results["load_average"] = os.getloadavg()[0]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
