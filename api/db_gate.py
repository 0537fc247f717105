"""Admission to the database: a worker runs at most ``slots`` request transactions at once.

Why: FastAPI runs sync routes and dependencies in anyio's thread pool (40 threads), one
hop per call: the user lookup, the route, and then the response-model validation of what
the route returned, each waiting for a free thread. The session's commit ran only after
that last hop. Fifty bookings at once filled the thread pool with requests blocked on the
placement's row lock, while the request that held the lock waited for a thread to
validate its answer before it could commit: nothing moved until the connection pool's
30 s timeout answered 500s.

So a request takes a slot before its first hop (or answers 503 with Retry-After when none
frees within ``wait_s``); with ``slots`` no larger than the connection pool and the thread
pool given ``slots`` threads beyond its default, an admitted request never waits for a
connection or a thread, only for the database. Commit, rollback and close run on a limiter
of their own with one token per slot, so they never queue behind other work either.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request
from sqlmodel import Session

from api.errors import ServiceBusy

#: threads kept for work outside admitted requests (health checks, metrics, static files)
SPARE_THREADS = 40


class DbGate:
    """Per-process admission: ``slots`` transactions at once, a wait of at most ``wait_s``."""

    def __init__(self, slots: int, wait_s: float) -> None:
        self.slots = slots
        self.wait_s = wait_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._admission: anyio.CapacityLimiter | None = None
        self._finishing: anyio.CapacityLimiter | None = None

    def _limiters(self) -> tuple[anyio.CapacityLimiter, anyio.CapacityLimiter]:
        # anyio's primitives bind to the event loop that first uses them; a test client
        # starts a new loop per block, a server runs one per worker
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            threads = anyio.to_thread.current_default_thread_limiter()
            threads.total_tokens = max(threads.total_tokens, self.slots + SPARE_THREADS)
            self._admission = anyio.CapacityLimiter(self.slots)
            self._finishing = anyio.CapacityLimiter(self.slots)
            self._loop = loop
        return self._admission, self._finishing

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Hold a slot for the block; :class:`ServiceBusy` (503) if none frees in time."""
        admission, _ = self._limiters()
        borrower, acquired = object(), False
        try:  # a free slot: taken without a timed wait (a cancel scope costs Python)
            admission.acquire_on_behalf_of_nowait(borrower)
            acquired = True
        except anyio.WouldBlock:
            with anyio.move_on_after(self.wait_s):
                await admission.acquire_on_behalf_of(borrower)
                acquired = True
        if not acquired:
            raise ServiceBusy(
                f"all {self.slots} database slots of this worker stayed busy for "
                f"{self.wait_s:g} s; nothing was changed, try again"
            )
        try:
            yield
        finally:
            admission.release_on_behalf_of(borrower)

    async def finish(self, step: Callable[..., Any], *args: Any) -> Any:
        """Run a commit, rollback or close in a thread of the slots' own limiter."""
        _, finishing = self._limiters()
        with anyio.CancelScope(shield=True):  # a client that hung up still gets a rollback
            return await anyio.to_thread.run_sync(step, *args, limiter=finishing)


def gate_for(request: Request) -> DbGate:
    return request.app.state.db_gate


@asynccontextmanager
async def request_transaction(
    request: Request,
    session: Session,
    *,
    on_error: Callable[[Session, BaseException], None],
) -> AsyncIterator[Session]:
    """One request, one transaction, inside a slot: commit on success, else ``on_error``
    (which rolls back), then close, in one hop onto the slots' own threads."""
    gate = gate_for(request)
    async with gate.admitted():
        try:
            yield session
        except BaseException as error:
            await gate.finish(_then_close, session, on_error, session, error)
            raise
        else:
            # commit and close in one thread hop (each hop costs a thread hand-off)
            await gate.finish(_then_close, session, session.commit)


def _then_close(session: Session, step: Callable[..., Any], *args: Any) -> None:
    """``step(*args)``, then close the session whatever happened."""
    try:
        step(*args)
    finally:
        session.close()
