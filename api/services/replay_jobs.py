"""Replays and trainings in the background, for the pages: start one, follow its progress.

A replay of a municipality's history takes from seconds to minutes; a page that waited for
it would hold the evaluator's browser and a request slot that long. ``start`` checks the
request (window, scorer) at once, writes a job row and commits it, then runs the same
:func:`~api.services.evaluation.run_replay` as ``POST /evaluation/replays`` in a thread of
this process, which writes its progress to the row (models.replay_job) and stores the
report like the synchronous route. At most :data:`MAX_RUNNING` replays run per service:
each takes a core for its duration; one more is 503 ``replays-busy`` with Retry-After.
A training (:func:`start_training`, the same ``train_model`` as ``POST
/evaluation/models``) is such a job too, sharing the limit: it replays the history twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Engine
from sqlmodel import Session

from api.errors import Unavailable
from api.services.evaluation import NotEnoughData, resolve_scorer, run_replay, train_model
from matcher.policy import Policy
from models.clock import Clock
from models.registry import store_replay
from models.replay_job import JobKind, JobStatus, ReplayJob, ReplayJobPublic
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
    return _launch(
        session, runner, clock, by, JobKind.replay,
        lambda job_id: _run(engine, clock, job_id, by=by, start=start, stop=stop,
                            scorer=scorer, policy=policy, k=k, off_policy=off_policy,
                            min_group_n=min_group_n, decline_memory_days=decline_memory_days),
    )  # fmt: skip


def _launch(
    session: Session,
    runner: ReplayRunner,
    clock: Clock,
    by: int,
    kind: JobKind,
    work: Callable[[int], None],
) -> ReplayJob:
    """Admit one more job (else :class:`ReplaysBusy`), write and commit its row, and run
    ``work(job_id)`` on the runner: the thread updates the row from its own session."""
    if running_jobs(session, clock.now()) >= MAX_RUNNING:
        raise ReplaysBusy("a replay or a training is running; start this one when it is done")
    job = add_job(session, by=by, now=clock.now(), kind=kind)
    session.commit()
    job_id = job.id
    runner.start(lambda: work(job_id))
    return job


def start_training(
    session: Session,
    *,
    engine: Engine,
    runner: ReplayRunner,
    clock: Clock,
    policy: Policy,
    by: int,
    cut: date,
    horizon_days: int,
    min_group_n: int,
    C: float | None = None,
    decline_memory_days: int = 0,
) -> ReplayJob:
    """Write a training job, commit it, train in a thread; the job names the model
    version when done, or says why not (too few outcomes on a side of the cut)."""
    return _launch(
        session, runner, clock, by, JobKind.training,
        lambda job_id: _train(engine, clock, job_id, by=by, cut=cut, policy=policy,
                              horizon_days=horizon_days, C=C, min_group_n=min_group_n,
                              decline_memory_days=decline_memory_days),
    )  # fmt: skip


def _train(engine: Engine, clock: Clock, job_id: int, *, by: int, **training) -> None:
    progress = _progress_writer(engine, clock, job_id)
    try:
        with Session(engine, expire_on_commit=False) as session:
            model = train_model(session, trained_by=by, progress=progress, **training)
            update_job(session, job_id, status=JobStatus.done, model_version=model.version,
                       heartbeat_at=clock.now())  # fmt: skip
            session.commit()
    except NotEnoughData as error:  # the evaluator's data, not a fault: said on the job
        _fail(engine, clock, job_id, f"cannot train: {error}")
    except Exception as error:
        logger.exception("training job %s failed", job_id)
        _fail(engine, clock, job_id, str(error))


def _fail(engine: Engine, clock: Clock, job_id: int, error: str) -> None:
    with Session(engine) as session:
        update_job(session, job_id, status=JobStatus.failed, error=error[:500],
                   heartbeat_at=clock.now())  # fmt: skip
        session.commit()


def _progress_writer(engine: Engine, clock: Clock, job_id: int) -> Callable[[str, int, int], None]:
    """Progress into the job row: one write per percent of each phase (a count, never a
    clock)."""
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

    return progress


def _run(engine: Engine, clock: Clock, job_id: int, *, by: int, **replay) -> None:
    progress = _progress_writer(engine, clock, job_id)
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
        _fail(engine, clock, job_id, str(error))


def job_or_none(
    session: Session, job_id: int, now: datetime, kind: JobKind = JobKind.replay
) -> ReplayJobPublic | None:
    """The job of that kind (None when there is none: a replay's id is no training's)."""
    job = get_job(session, job_id)
    return None if job is None or job.kind != kind else ReplayJobPublic.of(job, now)
