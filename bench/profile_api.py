"""Where a request's CPU goes: py-spy samples of the real service under wrk load.

Builds the database of ``bench/api.py`` (demo municipality, seed 7, open placements up to
10,000) in a fresh PostgreSQL database (or reuses ``--url``), starts the service with one
worker as bench/api.py does, drives each route with wrk (2 threads, 8 connections) while
``py-spy record --format raw`` samples the worker (the thread holding the GIL only, so
waits and GIL contention are not counted as work; waiting leaves are dropped too), then prints
per route the share of samples whose stack passes
through each named stage below (inclusive, so stages overlap) and the hottest leaf frames.
Also prints the CPU per request (service + this database's backends, from /proc) of each
route over the sampled run; py-spy itself slows the service a little.

Run: ``PYTHONPATH=. .venv/bin/python bench/profile_api.py`` (needs PostgreSQL at
127.0.0.1:5432, wrk and py-spy on PATH; ~2 minutes). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench/api.py's set-up and load tools (its module name would clash with the api package)
_spec = importlib.util.spec_from_file_location("bench_api", ROOT / "bench" / "api.py")
bench_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_api)

ROUTES = (
    ("healthz", "/healthz"),
    ("participant", "/api/v1/participants/{id}"),
    ("suggestions", bench_api.SUGGESTIONS),  # a new ranked list for everyone
)
#: (label, substring of a frame "function (file:line)"): stages worth naming
STAGES = (
    ("uvicorn HTTP parsing and writing", "uvicorn/protocols/http"),
    ("request guard middleware", "__call__ (api/guards.py"),
    ("metrics middleware (after the route)", "__call__ (api/metrics.py"),
    ("FastAPI routing + dependency solving", "solve_dependencies (fastapi/dependencies"),
    ("text rule on params and headers", "refuse_control_characters"),
    ("authenticate (token hash + user query)", "user_for_token"),
    ("participant load (+ access log queued)", "participant_for"),
    ("suggestion service", "api/services/suggestions.py"),
    ("rank (engine)", "rank_placements"),
    ("commit", "commit (sqlalchemy/orm/session.py"),
    ("hash-chain seal (claim, insert, store head)", "_seal_access"),
    ("session close", "close (sqlalchemy/orm/session.py"),
    ("response serialisation (model_json)", "model_json"),
    ("FastAPI response validation/serialisation", "serialize_response"),
    ("SQLAlchemy statement compile", "_compile_w_cache"),
    ("psycopg execute", "psycopg/cursor.py"),
    ("pool checkout (incl. pre-ping)", "_checkout (sqlalchemy/pool"),
    ("anyio thread hops", "anyio/to_thread.py"),
    ("asyncio event loop", "run_forever (asyncio"),
)


#: leaf frames that are waiting, not computing (py-spy counts a thread blocked in C as
#: active): the event loop's epoll, a worker thread's queue, psycopg's socket wait
WAITING = ("Runner.run (asyncio", "Condition.wait (threading", "Connection.wait (psycopg",
           "select (selectors", "_worker (concurrent")  # fmt: skip


def summarise(raw: Path, top: int) -> tuple[int, dict[str, float], list[tuple[str, float]]]:
    """Busy samples (waiting leaves dropped), the share through each stage, hottest leaves."""
    stacks: list[tuple[list[str], int]] = []
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            frames = stack.split(";")
            if not any(frames[-1].startswith(w) for w in WAITING):
                stacks.append((frames, int(count)))
    total = sum(n for _, n in stacks) or 1
    stages = {}
    for label, needle in STAGES:
        hit = sum(n for frames, n in stacks if any(needle in f for f in frames))
        stages[label] = round(100 * hit / total, 1)
    leaves: collections.Counter[str] = collections.Counter()
    for frames, n in stacks:
        leaves[frames[-1]] += n
    return total, stages, [(f, round(100 * n / total, 1)) for f, n in leaves.most_common(top)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", help="a database already prepared by this script")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--only", help="one route name (healthz, participant, suggestions)")
    args = parser.parse_args()
    url = args.url or bench_api.pg_database()
    if url is None:
        raise SystemExit("needs PostgreSQL at 127.0.0.1:5432")
    token, ids = bench_api.prepare(url) if args.url is None else bench_api.known_users(url)
    database = url.rsplit("/", 1)[1]
    results: dict[str, float] = {}
    server = bench_api.Server(url, workers=1)
    try:
        bench_api.latency_httpx(server.base, token, ids[: bench_api.WARMUP])
        for name, path in ROUTES:
            if args.only and name != args.only:
                continue
            raw = Path(tempfile.mkdtemp()) / f"{name}.txt"
            spy = subprocess.Popen(
                ["py-spy", "record", "--pid", str(server.process.pid), "--subprocesses",
                 "--format", "raw", "--gil", "--rate", "200", "--duration", str(args.seconds + 1),
                 "--output", str(raw), "--nonblocking"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            rps, ms = bench_api.cpu_per_request(server, database, token, ids, path, args.seconds)
            spy.wait(timeout=120)
            samples, stages, leaves = summarise(raw, args.top)
            print(f"{name}: {rps:.0f} requests/s, {ms:.2f} ms CPU/request (service + PG) "
                  f"under py-spy; {samples} busy samples")  # fmt: skip
            for label, share in stages.items():
                if share:
                    print(f"  {share:5.1f} %  {label}")
            print("  hottest leaf frames:")
            for frame, share in leaves:
                print(f"  {share:5.1f} %  {frame[:110]}")
            results[f"{name}_cpu_ms_under_pyspy"] = round(ms, 3)
    finally:
        server.stop()
        if args.url is None:
            bench_api.drop_pg(url)
    results["load_average"] = os.getloadavg()[0]
    print(json.dumps(results))


if __name__ == "__main__":
    main()
