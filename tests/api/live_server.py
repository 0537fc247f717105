"""A real uvicorn server in a subprocess on a loopback port, and bursts of requests at it.

The fault tests need what the in-process test client does not give: the server's own
thread pool and connection pool under a burst, and a process that can be killed with
SIGKILL. Readiness is uvicorn's "Application startup complete" line on its log (read, not
polled); a burst's bound is the client's timeout: a request that times out is reported.
Nothing here waits on a clock: the start-up bound is an event wait on that log line.
Nothing here times anything either: ``bench/faults.py`` hands :func:`burst` its own
``stopwatch`` to fill ``Answer.seconds`` (timing belongs in bench/).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
READY_LINE = "Application startup complete"
STARTUP_BOUND_S = 120  # a busy two-core host imports the app in up to ~10 s


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    process: subprocess.Popen
    base_url: str
    application_name: str
    log: list[str] = field(default_factory=list)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no rollback by the process, sockets dropped by the kernel."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def tracebacks(self) -> list[str]:
        return [line for line in self.log if "Traceback" in line or "Exception in ASGI" in line]


@contextmanager
def live_server(database_url: str, **settings: str | int) -> Iterator[LiveServer]:
    """uvicorn serving ``api.app:create_app`` with PLATSA_* ``settings``, one worker."""
    port = free_port()
    name = f"platsa-fault-{port}"
    env = {
        **os.environ,
        "PLATSA_DATABASE_URL": database_url,
        "PLATSA_DB_APPLICATION_NAME": name,
        "PLATSA_RATE_LIMITS": "off",
        **{f"PLATSA_{key.upper()}": str(value) for key, value in settings.items()},
    }
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    server = LiveServer(process, f"http://127.0.0.1:{port}", name)
    ready = threading.Event()

    def drain() -> None:  # keeps the pipe from filling, and keeps the log for asserts
        for line in process.stderr:
            server.log.append(line)
            if READY_LINE in line:
                ready.set()
        ready.set()  # the process ended

    threading.Thread(target=drain, daemon=True).start()
    try:
        if not ready.wait(STARTUP_BOUND_S) or process.poll() is not None:
            raise RuntimeError("uvicorn did not start:\n" + "".join(server.log[-30:]))
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@dataclass
class Answer:
    """One request's fate: a status, or the error that kept it from being answered."""

    status: int | None
    body: dict | None
    error: str | None
    retry_after: str | None = None
    seconds: float | None = None  # filled only with a stopwatch (bench/faults.py)


def burst(
    base_url: str,
    requests: list[tuple[str, dict, dict[str, str]]],
    *,
    timeout_s: float,
    on_answer: Callable[[int, Answer], None] | None = None,
    stopwatch: Callable[[], Callable[[], float]] | None = None,
) -> list[Answer]:
    """POST every (path, json, headers) at once from its own thread, the answers in order.

    ``timeout_s`` is the bound: a request not answered within it is an error "timeout".
    ``on_answer(index, answer)`` runs as each answer arrives (to kill mid-burst).
    ``stopwatch()`` starts a timer and returns a function giving the seconds since; when
    given, each answer's ``seconds`` is how long it took.
    """
    barrier = threading.Barrier(len(requests))
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)

    with httpx.Client(base_url=base_url, timeout=timeout_s, limits=limits) as client:

        def send(indexed) -> Answer:
            index, (path, body, headers) = indexed
            barrier.wait(timeout=timeout_s)
            since = stopwatch() if stopwatch is not None else None
            try:
                response = client.post(path, json=body, headers=headers)
            except httpx.TimeoutException:
                answer = Answer(None, None, "timeout")
            except httpx.TransportError as error:
                answer = Answer(None, None, type(error).__name__)
            else:
                is_json = response.headers.get("content-type", "").endswith("json")
                answer = Answer(
                    response.status_code,
                    response.json() if is_json else None,
                    None,
                    response.headers.get("retry-after"),
                )
            if since is not None:
                answer.seconds = since()
            if on_answer is not None:
                on_answer(index, answer)
            return answer

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(send, enumerate(requests)))
