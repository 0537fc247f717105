"""`platsa serve --workers 2` starts, answers /healthz, and respawns a worker killed with -9.

The server runs as a subprocess on a loopback port (SQLite in a temporary directory). Waits
follow the server's own log lines (uvicorn reports each worker's start and death), read as
they arrive. Nothing is timed: a wait fails when the server exits, when it writes
MAX_LINES lines without the awaited one, or when it stays silent for SILENCE_S (a hung
server; the bound only stops the test, it asserts nothing about speed).
"""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.request

import pytest

SILENCE_S = 240  # no log line for this long: hung (a busy 2-core host imports slowly)
MAX_LINES = 200  # lines written without the awaited one: the server is not getting there
STARTED = re.compile(r"Started server process \[(\d+)\]")
READY = "Application startup complete."


class ServerLog:
    """The server's stderr, line by line, as it is written."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put("")  # end of stream: the server exited

    def until(self, wanted) -> str:
        """The next line for which ``wanted(line)`` holds, within MAX_LINES lines."""
        for _ in range(MAX_LINES):
            try:
                line = self.lines.get(timeout=SILENCE_S)
            except queue.Empty:
                pytest.fail(f"server silent for {SILENCE_S} s:\n" + "".join(self.seen[-30:]))
            if not line:
                pytest.fail("server exited:\n" + "".join(self.seen[-30:]))
            self.seen.append(line)
            if wanted(line):
                return line
        pytest.fail(f"not seen in {MAX_LINES} lines:\n" + "".join(self.seen[-30:]))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthz(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
        return response.status


def start_worker(log: ServerLog) -> int:
    """Wait for one worker's start, then its application start-up; its pid."""
    pid = int(STARTED.search(log.until(STARTED.search)).group(1))
    log.until(lambda line: READY in line)
    return pid


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = {**os.environ, "PLATSA_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--no-demo",
         "--port", str(port)],  # fmt: skip
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield process, ServerLog(process.stderr), port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_two_workers_start_and_a_killed_one_is_replaced(server):
    process, log, port = server
    workers = {start_worker(log), start_worker(log)}
    assert len(workers) == 2 and process.pid not in workers
    assert healthz(port) == 200

    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    log.until(lambda line: f"Child process [{victim}] died" in line)
    replacement = start_worker(log)

    assert replacement not in workers
    os.kill(replacement, 0)  # alive (raises if not)
    assert process.poll() is None  # the supervisor itself kept running
    assert healthz(port) == 200
