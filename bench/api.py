"""HTTP benchmark of suggestions: p50/p99 on SQLite and PostgreSQL, and requests/s.

Starts the real service (``platsa serve``) on loopback against a database holding the
demo municipality plus synthetic placements up to 10,000 open ones, then:

1. GET /participants/{id}/suggestions?limit=10 one request at a time (the caseworker's
   own participants, round robin): p50 and p99 latency, SQLite and PG, from wrk with one
   connection for 10 s, or from 400 requests of one keep-alive httpx client without wrk;
2. saturation throughput of suggestions on PostgreSQL with 1 and then 2 uvicorn workers
   and 8 connections (``rps_2_over_1``), from wrk (Debian package ``wrk``) when it is on
   PATH, else from 8 Python client threads (which share the two cores with the service);
3. on the same 2 workers, in the same run, the CPU per request (the service's processes
   and this database's PostgreSQL backends, from /proc) of ``/healthz``, of reading one
   participant (authenticate, read, access log, commit) and of a suggestion list, and
   their ratios to ``/healthz`` (``read_cpu_ratio``, ``suggestion_cpu_ratio``): ratios
   in one run hold on a machine whose speed moves by 2x between days; beside them, the
   same two figures for bench/_floor_app.py, the least a logged read can cost on this
   stack (one thread hop, one statement; ``floor_read_ratio`` is the lowest
   ``read_cpu_ratio`` any design on it reaches, ``read_over_floor`` what the product's
   own layers add);
4. suggestions paced at 80 % of the measured 2-worker saturation rate: p50 and p99
   latency counted from each request's scheduled moment, from bench/paced.c (an
   open-loop constant-rate C client on 32 keep-alive connections, built here with ``cc``;
   without a compiler, from 8 paced Python threads), with each worker's CPU seconds over
   the paced run (``paced_worker_cpu_s``: how evenly the workers shared it); with
   paced.c in three rounds, each after a fresh 5 s saturation measurement, and the
   median round's figures reported (``p99_ms_at_80pct_rounds`` lists all three);
5. the engine's part of a suggestion (rank + reasons, ``rank_remembering``) timed in this
   process on the catalog the service compiles, so the report separates it from the stack.

Every request is a full suggestion: authenticate, load the participant, log the access,
rank, store the list and its 10 items, commit. Needs PostgreSQL at 127.0.0.1:5432
(user postgres) for the PG figures; prints null for them when none is reachable.

Run: ``python bench/api.py`` with any Python that has the project installed.
``python bench/api.py --cpu-only --url postgresql://...`` runs steps 3 and 5 alone on a
database step 1 built (for A/B runs of one change); ``--paced-only --url ...
[--fractions 0.5,0.8]`` runs steps 2 (2 workers) and 4 alone the same way, paced at each
fraction of the saturation rate. The last line is one JSON object.
Prerequisites beyond the project: PostgreSQL, ``wrk`` (``apt-get install wrk``) and a C
compiler (``cc``, for bench/paced.c); without them the Python-thread clients stand in.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
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
from models.db import make_engine, upgrade  # noqa: E402
from models.org import Department, User  # noqa: E402
from models.participant import Participant  # noqa: E402
from models.placement import Placement  # noqa: E402
from models.repo_catalog_state import bump_catalog_version  # noqa: E402
from models.taxonomy import PlacementType, SkillConcept  # noqa: E402

OPEN_PLACEMENTS = 10_000
LATENCY_REQUESTS = 400
WARMUP = 30
THROUGHPUT_SECONDS = 15
LATENCY_SECONDS = 10
FLOOR_SECONDS = 5
CLIENT_THREADS = 8
PACED_CONNECTIONS = 32
PACED_ROUNDS = 3  # the reported p99 at 80 % is the median round's
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
    engine.dispose()
    return known_users(url)


def known_users(url: str) -> tuple[str, list[int]]:
    """A prepared database's caseworker token and that caseworker's active participants."""
    engine = make_engine(url)
    with Session(engine) as session:
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
    """The service (``python -m api.cli serve``) on loopback, ready when it answers."""

    READY = "/readyz"
    COMMAND = ("-m", "api.cli", "serve", "--no-demo")  # after sys.executable

    def __init__(self, url: str, workers: int) -> None:
        self.port = 18000 + int(uuid.uuid4().int % 1000)
        # rate limits off: one caseworker's round robin would spend its suggestion budget
        # in seconds, and a 429 is no suggestion
        env = {**os.environ, "PLATSA_DATABASE_URL": url, "PLATSA_RATE_LIMITS": "false"}
        self.process = subprocess.Popen(
            [
                sys.executable,  # any Python with the project installed, not a checkout's .venv
                *self.COMMAND,
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
        deadline = time.monotonic() + 240  # a busy shared host starts workers slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + self.READY, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("service did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


class FloorServer(Server):
    """bench/_floor_app.py on uvicorn: the least a logged read costs on this stack."""

    READY = "/healthz"
    COMMAND = ("-m", "uvicorn", "_floor_app:app", "--app-dir", str(ROOT / "bench"),
               "--log-level", "warning", "--no-access-log")  # fmt: skip


def floor_costs(url: str, database: str, token: str, ids: list[int]) -> dict[str, float]:
    """CPU ms per request (service + this database's backends) of the floor's /healthz
    and its read, on 2 workers with the same client as the real routes (PostgreSQL)."""
    server = FloorServer(url, workers=2)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.base, headers=headers, timeout=30) as client:
            for i in ids[:WARMUP]:  # warm-up, and fail early on an error
                client.get(f"/api/v1/participants/{i}").raise_for_status()
        return {
            name: cpu_per_request(server, database, token, ids, path, FLOOR_SECONDS)[1]
            for name, path in (
                ("floor_healthz", "/healthz"),
                ("floor_read", "/api/v1/participants/{id}"),
            )
        }
    finally:
        server.stop()


def floor_figures(floor: dict[str, float], read_ms: float) -> dict[str, float]:
    """The floor's figures for the last line, and the ratios they give."""
    return {
        "floor_healthz_cpu_ms": round(floor["floor_healthz"], 3),
        "floor_read_cpu_ms": round(floor["floor_read"], 3),
        # the lowest read_cpu_ratio this stack allows, and what the product adds to it
        "floor_read_ratio": round(floor["floor_read"] / floor["floor_healthz"], 2),
        "read_over_floor": round(read_ms / floor["floor_read"], 2),
    }


def latency_httpx(base: str, token: str, ids: list[int]) -> tuple[float, float]:
    """p50 and p99 of 400 sequential requests from one keep-alive httpx client."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for i in range(WARMUP):
            client.get(
                f"/api/v1/participants/{ids[i % len(ids)]}/suggestions{FRESH}"
            ).raise_for_status()
        times = []
        for i in range(LATENCY_REQUESTS):
            started = time.perf_counter()
            client.get(
                f"/api/v1/participants/{ids[i % len(ids)]}/suggestions{FRESH}"
            ).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), float(np.percentile(times, 99))


def latency_wrk(base: str, token: str, ids: list[int]) -> tuple[float, float]:
    """p50 and p99 from wrk with one connection (one request at a time) for 10 s."""
    latency_httpx(base, token, ids[:WARMUP])  # warm-up, and fail early on an error
    out = run_wrk(base, token, ids, threads=1, connections=1, seconds=LATENCY_SECONDS)
    return _wrk_percentile(out, "50%"), _wrk_percentile(out, "99%")


def _wrk_percentile(out: str, which: str) -> float:
    """A percentile line of wrk's --latency report ("     99%   12.34ms") in ms."""
    value = next(line.split()[1] for line in out.splitlines() if line.split()[:1] == [which])
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value.removesuffix(unit)) * factor
    raise ValueError(f"unexpected wrk latency {value!r}")


WRK_SCRIPT = """
local ids = {}
for id in string.gmatch(os.getenv("PLATSA_BENCH_IDS"), "%d+") do ids[#ids + 1] = id end
local auth = "Bearer " .. os.getenv("PLATSA_BENCH_TOKEN")
local n = 0
request = function()
  n = n + 1
  local path = string.gsub(os.getenv("PLATSA_BENCH_PATH"), "{id}", ids[(n % #ids) + 1])
  return wrk.format("GET", path, {["Authorization"] = auth})
end
"""


def machine_reference_s() -> float:
    """Seconds for a fixed pure-Python loop (best of 3): how fast this machine is today."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid] + [p for child in children for p in _process_tree(int(child))]


def _postgres_pids(database: str | None) -> list[int]:
    """PostgreSQL backends serving ``database`` (their title names it): the server is
    shared with other work, so counting every postgres process would count theirs."""
    pids = []
    for path in glob.glob("/proc/[0-9]*/comm"):
        try:
            if Path(path).read_text().strip() != "postgres":
                continue
            title = Path(path).with_name("cmdline").read_bytes().decode(errors="replace")
            if database is None or f" {database} " in title:
                pids.append(int(path.split("/")[2]))
        except OSError:
            continue
    return pids


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy (not idle, not waiting for I/O) since boot."""
    jiffies = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(jiffies) - jiffies[3] - jiffies[4]) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds spent by the service's processes and by PostgreSQL over a run (Linux)."""

    def __init__(self, server_pid: int, database: str | None = None) -> None:
        self.server_pid, self.database = server_pid, database

    def _read(self) -> tuple[float, float]:
        def total(pids: list[int]) -> float:
            seconds = 0.0
            for pid in pids:
                try:
                    seconds += _cpu_seconds(pid)
                except OSError:  # a process ended between listing and reading
                    continue
            return seconds

        return total(_process_tree(self.server_pid)), total(_postgres_pids(self.database))

    def __enter__(self) -> CpuMeter:
        self.started = self._read()
        self.started_at, self.machine_started = time.monotonic(), machine_busy_seconds()
        return self

    def __exit__(self, *_) -> None:
        ended = self._read()
        self.service_s = ended[0] - self.started[0]
        self.postgres_s = ended[1] - self.started[1]
        self.seconds = time.monotonic() - self.started_at
        #: cores busy over the run, every process on the machine (ours and others')
        self.machine_cores = (machine_busy_seconds() - self.machine_started) / self.seconds


#: a new ranked list for everyone, placed or not: a participant holding a live match would
#: otherwise get their match back (issue #10), a cheaper answer than a suggestion
FRESH = "?despite_live_match=true"
SUGGESTIONS = "/api/v1/participants/{id}/suggestions" + FRESH


def run_wrk(
    base: str,
    token: str,
    ids: list[int],
    *,
    threads: int,
    connections: int,
    seconds: int,
    path: str = SUGGESTIONS,
) -> str:
    """wrk's report for GET ``path`` ({id} round robin over ``ids``); non-2xx fail."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    env = {
        **os.environ,
        "PLATSA_BENCH_IDS": " ".join(map(str, ids)),
        "PLATSA_BENCH_TOKEN": token,
        "PLATSA_BENCH_PATH": path,
    }
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    try:
        out = subprocess.run(
            [*command, "-s", script.name, base], env=env, capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    bad = [line for line in out.splitlines() if "Non-2xx" in line]
    if bad:
        raise RuntimeError(f"wrk saw {bad[0].split()[-1]} non-2xx answers:\n{out}")
    return out


def _wrk_completed(out: str) -> tuple[int, float]:
    """Requests completed and seconds from wrk's "  4321 requests in 15.02s, 98.12MB read"."""
    done = next(line for line in out.splitlines() if " requests in " in line).split()
    return int(done[0]), float(done[3].rstrip("s,"))


def drive(
    base: str, token: str, ids: list[int], path: str, seconds: float, rate: float | None = None
) -> tuple[int, float, list[float]]:
    """Requests completed, seconds and latencies (ms) from 8 Python client threads (httpx).

    Without ``rate`` the threads send back to back (saturation); with it they send on a
    fixed schedule of ``rate`` requests/s in all, and a latency counts from the request's
    scheduled moment, so a stalled server cannot hide its queue (no coordinated omission).
    """
    headers = {"Authorization": f"Bearer {token}"}
    counts, errors = [0] * CLIENT_THREADS, [0] * CLIENT_THREADS
    latencies: list[list[float]] = [[] for _ in range(CLIENT_THREADS)]
    started = time.monotonic()
    stop_at = started + seconds

    def run(n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            k = 0
            while True:
                due = (
                    time.monotonic() if rate is None else started + (k * CLIENT_THREADS + n) / rate
                )
                if due >= stop_at:
                    return
                if rate is not None and due > time.monotonic():
                    time.sleep(due - time.monotonic())
                target = path.replace("{id}", str(ids[(k * CLIENT_THREADS + n) % len(ids)]))
                response = client.get(target)
                latencies[n].append((time.monotonic() - due) * 1000)
                if response.status_code == 200:
                    counts[n] += 1
                else:
                    errors[n] += 1
                k += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if sum(errors):
        print(f"  {sum(errors)} non-200 answers on {path}")
    return sum(counts), elapsed, [t for part in latencies for t in part]


def build_paced_client() -> str | None:
    """bench/paced.c compiled into a temporary directory (None without a C compiler)."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        return None
    binary = Path(tempfile.mkdtemp()) / "paced"
    subprocess.run([compiler, "-O2", "-o", str(binary), str(ROOT / "bench" / "paced.c"), "-lm"],
                   check=True)  # fmt: skip
    return str(binary)


def worker_cpu_seconds(server_pid: int) -> dict[int, float]:
    """CPU seconds so far of each worker process of a multi-worker service (the
    supervisor's children started by multiprocessing's spawn)."""
    seconds = {}
    for child in Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split():
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                seconds[int(child)] = _cpu_seconds(int(child))
        except OSError:  # ended between listing and reading
            continue
    return seconds


def runqueue_waits(pids) -> dict[str, float]:
    """Seconds each thread of ``pids`` has waited, runnable, for a core, so far
    (/proc/<pid>/task/<tid>/schedstat, the scheduler's own account; Linux)."""
    waits = {}
    for pid in pids:
        for stat in glob.glob(f"/proc/{pid}/task/*/schedstat"):
            try:
                waits[stat] = int(Path(stat).read_text().split()[1]) / 1e9
            except (OSError, ValueError, IndexError):  # the thread ended while read
                continue
    return waits


def paced(
    binary: str, server: Server, token: str, ids: list[int], rate: float, seconds: float
) -> dict:
    """bench/paced.c at ``rate`` requests/s for ``seconds``: open loop, 32 keep-alive
    connections, each latency counted from the request's due moment (its JSON report),
    plus ``worker_cpu_s``: each worker's CPU seconds over the run, largest first, and
    ``runqueue_wait_ms_per_request``: how long the workers' threads waited for a core."""
    command = [binary, "127.0.0.1", str(server.port), f"{rate:.2f}", str(seconds),
               str(PACED_CONNECTIONS), SUGGESTIONS, token, *map(str, ids)]  # fmt: skip
    before = worker_cpu_seconds(server.process.pid)
    waits_before = runqueue_waits(before)
    report = json.loads(subprocess.run(command, capture_output=True, text=True,
                                       check=True).stdout)  # fmt: skip
    after = worker_cpu_seconds(server.process.pid)
    waits = runqueue_waits(after)
    #: ms per answered request the workers' threads sat runnable waiting for a core
    #: (threads that ended during the run are left out: an undercount)
    waited = sum(seconds - waits_before.get(thread, 0.0) for thread, seconds in waits.items())
    report["runqueue_wait_ms_per_request"] = round(1000 * waited / max(report["answered"], 1), 2)
    report["worker_cpu_s"] = sorted(
        (round(cpu - before.get(pid, 0.0), 2) for pid, cpu in after.items()), reverse=True
    )
    if report["non_2xx"] or report["errors"]:
        print(f"  paced client: {report['non_2xx']} non-2xx, {report['errors']} errors")
    return report


def paced_at_80(
    binary: str, server: Server, database: str, token: str, ids: list[int], rps: float
) -> list[dict]:
    """``PACED_ROUNDS`` paced runs at 80 % of saturation, sorted by p99, each with the
    rate it was paced at. The first paces at ``rps`` (measured just before); each later
    one measures saturation again right before it (``FLOOR_SECONDS`` of wrk): on a host
    whose speed moves within minutes, 80 % of a rate measured minutes earlier can be more
    than the host now serves, and the queue then grows for the whole run."""
    rounds = []
    for round_number in range(PACED_ROUNDS):
        if round_number > 0:
            rps = cpu_per_request(server, database, token, ids, SUGGESTIONS, FLOOR_SECONDS)[0]
        report = paced(binary, server, token, ids, 0.8 * rps, THROUGHPUT_SECONDS)
        rounds.append({**report, "rate": round(0.8 * rps, 1)})
    return sorted(rounds, key=lambda report: report["p99_ms"])


def paced_only(url: str, seconds: int, fractions: list[float]) -> None:
    """``--paced-only``: steps 2 (2 workers) and 4 alone on a database ``prepare`` built
    (``--url``): saturation of suggestions with wrk, then paced at each of ``fractions``
    of it (``--fractions 0.5,0.8``; default 0.8), each with the workers' CPU split and the
    CPU per request (service + this database's backends); for A/B runs of how the
    workers share the load, and for the latency curve below saturation."""
    binary = build_paced_client()
    if binary is None or not shutil.which("wrk"):
        raise SystemExit("--paced-only needs wrk and a C compiler")
    token, ids = known_users(url)
    database = url.rsplit("/", 1)[1]
    load_start = round(os.getloadavg()[0], 2)
    server = Server(url, workers=2)
    runs = []
    try:
        latency_httpx(server.base, token, ids[:WARMUP])
        latency_httpx(server.base, token, ids[:WARMUP])
        with CpuMeter(server.process.pid, database) as saturated:
            rps, saturated_ms = cpu_per_request(server, database, token, ids, SUGGESTIONS,
                                                seconds)  # fmt: skip
        for fraction in fractions:
            with CpuMeter(server.process.pid, database) as cpu:
                report = paced(binary, server, token, ids, fraction * rps, seconds)
            runs.append({
                "fraction": fraction,
                "rate": round(fraction * rps, 1),
                "p50_ms": report["p50_ms"],
                "p99_ms": report["p99_ms"],
                "p999_ms": report["p999_ms"],
                "answered": report["answered"],
                "cpu_ms_per_request": round(1000 * (cpu.service_s + cpu.postgres_s)
                                            / max(report["answered"], 1), 2),
                "worker_cpu_s": report["worker_cpu_s"],
                "runqueue_wait_ms_per_request": report["runqueue_wait_ms_per_request"],
                "supervisor_cpu_s": round(cpu.service_s - sum(report["worker_cpu_s"]), 2),
                "ours_cores": round((cpu.service_s + cpu.postgres_s) / cpu.seconds, 2),
                "machine_cores": round(cpu.machine_cores, 2),
                "load_average": round(os.getloadavg()[0], 2),
            })  # fmt: skip
            print(f"  paced at {fraction:.0%} ({fraction * rps:.0f}/s): {runs[-1]}")
    finally:
        server.stop()
    print(json.dumps({
        "pg_rps_2_workers": round(rps, 1),
        "saturated_cpu_ms_per_request": round(saturated_ms, 2),
        "saturated_ours_cores": round(
            (saturated.service_s + saturated.postgres_s) / saturated.seconds, 2
        ),
        "saturated_machine_cores": round(saturated.machine_cores, 2),
        "paced": runs,
        "load_average_start": load_start,
        "load_average": round(os.getloadavg()[0], 2),
    }))  # fmt: skip


def engine_cpu_ms(url: str, ids: list[int], rounds: int = 5) -> float:
    """CPU ms (this process, ``time.process_time``) of the engine's part of a suggestion:
    ``rank_remembering`` (rank 10,000 placements, top 10 with their reasons) on the
    catalog the service compiles, for the same participants; median of ``rounds`` passes.
    The service's suggestion CPU minus this is the stack's part (HTTP, auth, SQL, JSON)."""
    from api.catalog_cache import CatalogCache
    from api.services.suggestions import rank_remembering
    from api.settings import Settings
    from matcher import load_policy
    from models.clock import SYSTEM_CLOCK
    from models.convert import participant_to_domain

    engine = make_engine(url)
    with Session(engine) as session:
        catalog = CatalogCache(load_policy(Settings().policy_path), SYSTEM_CLOCK).get(session)
        subjects = [participant_to_domain(session.get(Participant, i), catalog.day) for i in ids]
    engine.dispose()
    for subject in subjects:  # warm-up
        rank_remembering(subject, catalog, limit=10, hidden=set())
    passes = []
    for _ in range(rounds):
        started = time.process_time()
        for subject in subjects:
            rank_remembering(subject, catalog, limit=10, hidden=set())
        passes.append(1000 * (time.process_time() - started) / len(subjects))
    return statistics.median(passes)


def cpu_per_request(
    server: Server, database: str, token: str, ids: list[int], path: str, seconds: float
) -> tuple[float, float]:
    """Requests/s and CPU ms per request (service + this database's backends) at saturation."""
    with CpuMeter(server.process.pid, database) as cpu:
        if shutil.which("wrk"):
            out = run_wrk(server.base, token, ids, threads=2, connections=CLIENT_THREADS,
                          seconds=int(seconds), path=path)  # fmt: skip
            done, elapsed = _wrk_completed(out)
        else:
            done, elapsed, _ = drive(server.base, token, ids, path, seconds)
    return done / elapsed, 1000 * (cpu.service_s + cpu.postgres_s) / max(done, 1)


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


def cpu_only(url: str, seconds: int) -> None:
    """``--cpu-only``: step 3 alone on a database ``prepare`` built (``--url``), for A/B
    runs of one change: CPU per request of the three routes on 2 workers (and
    PostgreSQL's part of each), and their ratios."""
    token, ids = known_users(url)
    database = url.rsplit("/", 1)[1]
    server = Server(url, workers=2)
    try:
        latency_httpx(server.base, token, ids[:WARMUP])
        latency_httpx(server.base, token, ids[:WARMUP])
        costs, postgres = {}, {}
        for name, path in (
            ("healthz", "/healthz"),
            ("participant", "/api/v1/participants/{id}"),
            ("suggestions", SUGGESTIONS),
        ):
            with CpuMeter(server.process.pid, database) as cpu:
                costs[name] = cpu_per_request(server, database, token, ids, path, seconds)[1]
            # PostgreSQL's part of the same figure (its backends' share of the CPU)
            postgres[name] = costs[name] * cpu.postgres_s / (cpu.service_s + cpu.postgres_s)
    finally:
        server.stop()
    floor = floor_costs(url, database, token, ids)
    costs["engine"] = engine_cpu_ms(url, ids)
    print(json.dumps({
        **{f"{name}_cpu_ms": round(ms, 3) for name, ms in costs.items()},
        **{f"{name}_postgres_cpu_ms": round(ms, 3) for name, ms in postgres.items()},
        "read_cpu_ratio": round(costs["participant"] / costs["healthz"], 2),
        "suggestion_cpu_ratio": round(costs["suggestions"] / costs["healthz"], 2),
        **floor_figures(floor, costs["participant"]),
        "load_average": round(os.getloadavg()[0], 2),
    }))  # fmt: skip


def main() -> None:
    if "--cpu-only" in sys.argv:
        cpu_only(sys.argv[sys.argv.index("--url") + 1], THROUGHPUT_SECONDS // 2)
        return
    if "--paced-only" in sys.argv:
        fractions = (sys.argv[sys.argv.index("--fractions") + 1]
                     if "--fractions" in sys.argv else "0.8")  # fmt: skip
        paced_only(sys.argv[sys.argv.index("--url") + 1], THROUGHPUT_SECONDS,
                   [float(f) for f in fractions.split(",")])  # fmt: skip
        return
    load_start = round(os.getloadavg()[0], 2)
    results: dict[str, float | str | None] = {}
    reference = machine_reference_s()
    print(f"machine reference: 5M-step Python loop {reference:.3f} s (lower is faster)")
    client = "wrk" if shutil.which("wrk") else "python-threads"
    latency = latency_wrk if client == "wrk" else latency_httpx
    print(f"load client: {client}")
    paced_binary = build_paced_client()
    paced_client = "paced.c" if paced_binary else "python-threads"
    print(f"paced client (80 % of saturation): {paced_client}")
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
        results["load_client"] = client
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
            database = pg.rsplit("/", 1)[1]
            server = Server(pg, workers=1)
            try:
                latency_httpx(server.base, token, ids[:WARMUP])
                rps_1, _ = cpu_per_request(server, database, token, ids, SUGGESTIONS,
                                           THROUGHPUT_SECONDS)  # fmt: skip
            finally:
                server.stop()
            server = Server(pg, workers=2)
            try:
                latency_httpx(server.base, token, ids[:WARMUP])  # warm both workers' caches
                latency_httpx(server.base, token, ids[:WARMUP])
                costs = {
                    name: cpu_per_request(server, database, token, ids, path, seconds)
                    for name, path, seconds in (
                        ("suggestions", SUGGESTIONS, THROUGHPUT_SECONDS),
                        ("healthz", "/healthz", FLOOR_SECONDS),
                        ("participant", "/api/v1/participants/{id}", FLOOR_SECONDS),
                    )
                }
                rps_2 = costs["suggestions"][0]
                paced_rounds = None
                if paced_binary is not None:
                    paced_rounds = paced_at_80(paced_binary, server, database, token, ids, rps_2)
                    report = paced_rounds[len(paced_rounds) // 2]  # the median p99's round
                    done, p50_paced, p99_paced = (report["answered"], report["p50_ms"],
                                                  report["p99_ms"])  # fmt: skip
                    worker_split = report["worker_cpu_s"]
                else:
                    done, _, times = drive(server.base, token, ids, SUGGESTIONS,
                                           THROUGHPUT_SECONDS, rate=0.8 * rps_2)  # fmt: skip
                    p50_paced = float(np.median(times))
                    p99_paced = float(np.percentile(times, 99))
                    worker_split = None
            finally:
                server.stop()
            floor = floor_costs(pg, database, token, ids)
            engine_ms = engine_cpu_ms(pg, ids)
            healthz_ms = costs["healthz"][1]
            for name, (rps, ms) in costs.items():
                print(f"PostgreSQL, 2 workers, {name}: {rps:.0f} requests/s at saturation, "
                      f"CPU per request (service + PostgreSQL) {ms:.2f} ms "
                      f"({ms / healthz_ms:.1f}x /healthz)")  # fmt: skip
            print(f"  suggestions with 1 worker: {rps_1:.0f} requests/s; 2 over 1: "
                  f"{rps_2 / rps_1:.2f}")  # fmt: skip
            paced_rate = report["rate"] if paced_rounds else 0.8 * rps_2
            print(f"  paced at 80 % of saturation ({paced_rate:.0f}/s, {done} answered, "
                  f"{paced_client}): p50 {p50_paced:.1f} ms, p99 {p99_paced:.1f} ms; "
                  f"CPU s per worker {worker_split}")  # fmt: skip
            for one in paced_rounds or []:
                print(f"    round at {one['rate']}/s: p50 {one['p50_ms']} ms, "
                      f"p99 {one['p99_ms']} ms, {one['answered']} answered")  # fmt: skip
            suggestion_ms = costs["suggestions"][1]
            print(
                f"  of a suggestion's {suggestion_ms:.2f} ms, the engine (rank + reasons, "
                f"in process) {engine_ms:.2f} ms, the rest {suggestion_ms - engine_ms:.2f} ms"
            )
            floors = floor_figures(floor, costs["participant"][1])
            floor_line = (
                "  the floor (bench/_floor_app.py: one thread hop, one statement that "
                "authenticates, reads and logs): /healthz {floor_healthz_cpu_ms:.3f} ms, read "
                "{floor_read_cpu_ms:.3f} ms ({floor_read_ratio:.2f}x its /healthz); the real "
                "read is {read_over_floor:.2f}x the floor's"
            )
            print(floor_line.format(**floors))
            results.update(
                pg_p50_ms=round(p50, 2),
                pg_p99_ms=round(p99, 2),
                pg_rps_1_worker=round(rps_1, 1),
                pg_rps_2_workers=round(rps_2, 1),
                rps_2_over_1=round(rps_2 / rps_1, 2),
                healthz_cpu_ms=round(healthz_ms, 3),
                read_cpu_ms=round(costs["participant"][1], 3),
                suggestion_cpu_ms=round(costs["suggestions"][1], 3),
                read_cpu_ratio=round(costs["participant"][1] / healthz_ms, 2),
                suggestion_cpu_ratio=round(costs["suggestions"][1] / healthz_ms, 2),
                engine_cpu_ms=round(engine_ms, 3),
                suggestion_cpu_ms_besides_engine=round(suggestion_ms - engine_ms, 3),
                paced_client=paced_client,
                p50_ms_at_80pct_saturation=round(p50_paced, 1),
                p99_ms_at_80pct_saturation=round(p99_paced, 1),
                p99_ms_at_80pct_rounds=None
                if paced_rounds is None
                else [r["p99_ms"] for r in paced_rounds],
                paced_worker_cpu_s=worker_split,
                **floors,
            )
        finally:
            drop_pg(pg)
    results["machine_reference_s"] = round(reference, 3)
    results["load_average_start"] = load_start
    results["load_average"] = round(os.getloadavg()[0], 2)
    print("targets: read <= 3x and suggestion <= 6x the CPU of /healthz, p99 <= 50 ms at")
    print("80 % of saturation, 2 workers >= 1.7x the requests/s of 1")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
