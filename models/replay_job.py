"""A replay or a training started from the pages runs in the background: its progress
is a row (``kind`` says which; a training names the model version it registered).

The row is written by the worker thread running the replay and read by whichever worker
process answers the evaluator's next poll, so progress is the same whichever process
answers. ``heartbeat_at`` moves with every progress step; a running job whose heartbeat
is older than :data:`STALE_AFTER` belongs to a process that died and reads as
``interrupted``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import Field, SQLModel

from models.base import timestamp_field

#: a running job that has not reported for this long has lost its process
STALE_AFTER = timedelta(minutes=10)


class JobKind(StrEnum):
    replay = "replay"
    training = "training"


class JobStatus(StrEnum):
    running = "running"
    done = "done"
    failed = "failed"
    interrupted = "interrupted"  # read-side only: a running row whose heartbeat stopped


class ReplayJob(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = timestamp_field(index=True)
    created_by: int = Field(foreign_key="user.id")
    heartbeat_at: datetime = timestamp_field()
    status: str = Field(default=JobStatus.running, max_length=16)
    phase: str = Field(default="", max_length=64)
    done: int = 0
    total: int = 0
    replay_id: int | None = Field(default=None, foreign_key="replayrun.id")
    error: str | None = Field(default=None, max_length=500)
    kind: str = Field(default=JobKind.replay, max_length=16)
    model_version: str | None = Field(default=None, max_length=64)


class ReplayJobPublic(SQLModel):
    id: int
    created_at: datetime
    kind: JobKind = JobKind.replay
    status: JobStatus
    phase: str
    done: int
    total: int
    replay_id: int | None
    model_version: str | None = None
    error: str | None

    @classmethod
    def of(cls, job: ReplayJob, now: datetime) -> ReplayJobPublic:
        status = JobStatus(job.status)
        if status is JobStatus.running and now - job.heartbeat_at > STALE_AFTER:
            status = JobStatus.interrupted
        fields = job.model_dump(exclude={"status", "kind", "created_by", "heartbeat_at"})
        return cls(**fields, status=status, kind=JobKind(job.kind))
