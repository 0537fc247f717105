"""Replays in the background, for the pages: start one, follow its progress.

A replay of a municipality's history takes from seconds to minutes; a page that waited for
it would hold the evaluator's browser and a request slot that long. ``start`` checks the
request (window, scorer) at once, writes a job row and commits it, then runs the same
:func:`~api.services.evaluation.run_replay` as ``POST /evaluation/replays`` in a thread of
this process, which writes its progress to the row (models.replay_job) and stores the
report like the synchronous route. At most :data:`MAX_RUNNING` replays run per service:
each takes a core for its duration; one more is 503 ``replays-busy`` with Retry-After.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from api.errors import Unavailable
from api.services.evaluation import resolve_scorer, run_replay
from matcher.policy import Policy
from models.clock import Clock
from models.registry import store_replay
from models.replay_job import JobStatus, ReplayJob, ReplayJobPublic
from models.repo_replay_jobs import add_job, get_job, running_jobs, update_job

logger = logging.getLogger(__name__)

#: replays running at once in the whole service
MAX_RUNNING = 1


class ReplaysBusy(Unavailable):
    slug, title = "replays-busy", "A replay is already running"
    retry_after = 30


class ReplayRunner:
    """The threads of the replays this process started; ``join`` waits for them (tests,
    and a clean shutdown). ``inline`` runs each replay in the caller's thread instead: for
    an app on one shared in-memory connection (tests), where a second thread would share
    the connection with the request."""

    def __init__(self, *, inline: bool = False) -> None:
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.inline = inline

    def start(self, target: Callable[[], None]) -> None:
        if self.inline:
            target()
            return
        thread = threading.Thread(target=target, name="platsa-replay", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def join(self) -> None:
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join()


def start(
    session: Session,
    *,
    engine: Engine,
    runner: ReplayRunner,
    clock: Clock,
    policy: Policy,
    by: int,
    start: datetime,
    stop: datetime,
    scorer: str,
    k: int,
    off_policy: bool,
    min_group_n: int,
    decline_memory_days: int = 0,
) -> ReplayJob:
    """Write the job, commit it, start the replay in a thread; UnknownScorer at once."""
    resolve_scorer(session, scorer, policy)
    if running_jobs(session, clock.now()) >= MAX_RUNNING:
        raise ReplaysBusy("a replay is running; start this one when it is done")
    job = add_job(session, by=by, now=clock.now())
    session.commit()  # the thread updates the row from its own session
    job_id = job.id

    def run() -> None:
        _run(engine, clock, job_id, by=by, start=start, stop=stop, scorer=scorer,
             policy=policy, k=k, off_policy=off_policy, min_group_n=min_group_n,
             decline_memory_days=decline_memory_days)  # fmt: skip

    runner.start(run)
    return job


def _run(engine: Engine, clock: Clock, job_id: int, *, by: int, **replay) -> None:
    written: dict[str, int] = {}

    def progress(phase: str, done: int, total: int) -> None:
        # one write per percent of each phase: a count, never a clock
        step = done * 100 // max(total, 1)
        if written.get(phase) == step:
            return
        written[phase] = step
        with Session(engine) as session:
            update_job(session, job_id, phase=phase[:64], done=done, total=total,
                       heartbeat_at=clock.now())  # fmt: skip
            session.commit()

    try:
        with Session(engine, expire_on_commit=False) as session:
            report = run_replay(
                session, start=replay["start"], stop=replay["stop"],
                scorer_name=replay["scorer"], policy=replay["policy"], k=replay["k"],
                off_policy=replay["off_policy"], min_group_n=replay["min_group_n"],
                decline_memory_days=replay["decline_memory_days"], progress=progress,
            )  # fmt: skip
            run = store_replay(
                session, created_by=by, window_from=replay["start"], window_to=replay["stop"],
                scorer=report["scorer"]["name"], k=replay["k"], report=report,
            )  # fmt: skip
            update_job(session, job_id, status=JobStatus.done, replay_id=run.id,
                       heartbeat_at=clock.now())  # fmt: skip
            session.commit()
    except Exception as error:  # recorded on the job for the evaluator, and in the log
        logger.exception("replay job %s failed", job_id)
        with Session(engine) as session:
            update_job(session, job_id, status=JobStatus.failed, error=str(error)[:500],
                       heartbeat_at=clock.now())  # fmt: skip
            session.commit()


def job_or_none(session: Session, job_id: int, now: datetime) -> ReplayJobPublic | None:
    job = get_job(session, job_id)
    return None if job is None else ReplayJobPublic.of(job, now)
