"""Background jobs' rows (models.replay_job, replays and trainings): start, report
progress, finish, read."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, func, select

from models.replay_job import STALE_AFTER, JobKind, JobStatus, ReplayJob


def add_job(
    session: Session, *, by: int, now: datetime, kind: JobKind = JobKind.replay
) -> ReplayJob:
    job = ReplayJob(created_by=by, created_at=now, heartbeat_at=now, kind=kind)
    session.add(job)
    session.flush()
    return job


def running_jobs(session: Session, now: datetime) -> int:
    """Jobs running now (a stopped heartbeat does not count)."""
    return session.exec(
        select(func.count())
        .select_from(ReplayJob)
        .where(ReplayJob.status == JobStatus.running)
        .where(col(ReplayJob.heartbeat_at) > now - STALE_AFTER)
    ).one()


def get_job(session: Session, job_id: int) -> ReplayJob | None:
    return session.get(ReplayJob, job_id)


def update_job(session: Session, job_id: int, **fields) -> None:
    job = session.get(ReplayJob, job_id)
    for name, value in fields.items():
        setattr(job, name, value)
    session.add(job)
