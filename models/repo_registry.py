"""Queries on the tables of :mod:`models.registry` (the repository; all SQL here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, col, func, select

from models.base import utcnow
from models.registry import POLICY, ActivationLog, ModelStatus, ModelVersion, ReplayRun, scorer_of

if TYPE_CHECKING:  # scikit-learn loads with the first scorer, not with the tables
    from matcher.learned import LearnedScorer
    from matcher.scorer import PolicyScorer


def next_version(session: Session) -> str:
    """``learned-<n>``, one more than the number of models trained so far."""
    count = session.exec(select(func.count()).select_from(ModelVersion)).one()
    return f"learned-{count + 1}"


def list_model_versions(session: Session) -> list[ModelVersion]:
    return list(session.exec(select(ModelVersion).order_by(col(ModelVersion.id).desc())).all())


def get_model_version(session: Session, version: str) -> ModelVersion | None:
    return session.exec(select(ModelVersion).where(ModelVersion.version == version)).first()


def active_model(session: Session) -> ModelVersion | None:
    return session.exec(
        select(ModelVersion).where(ModelVersion.status == ModelStatus.active)
    ).first()


def active_version(session: Session) -> str:
    """The version suggestions use now: a model's, or :data:`POLICY`."""
    row = session.exec(
        select(ModelVersion.version).where(ModelVersion.status == ModelStatus.active)
    ).first()
    return row or POLICY


def active_scorer(session: Session) -> tuple[str, LearnedScorer | PolicyScorer] | None:
    """(version, scorer) of the active learned model, or None when the policy is in use."""
    row = active_model(session)
    return None if row is None else (row.version, scorer_of(row))


def activate(session: Session, version: str, *, by: int) -> ActivationLog:
    """Make ``version`` (a model, or :data:`POLICY`) the scorer in use, and log it.

    Raises ``LookupError`` for an unknown version. The previously active model is retired.
    """
    target = None
    if version != POLICY:
        target = get_model_version(session, version)
        if target is None:
            raise LookupError(f"no model version {version!r}")
    previous = active_model(session)
    if previous is not None and previous is not target:
        previous.status = ModelStatus.retired
        session.add(previous)
    if target is not None:
        target.status = ModelStatus.active
        session.add(target)
    entry = ActivationLog(
        at=utcnow(), by=by, version=version, previous=previous.version if previous else POLICY
    )
    session.add(entry)
    session.flush()
    return entry


def activations(session: Session) -> list[ActivationLog]:
    return list(session.exec(select(ActivationLog).order_by(col(ActivationLog.id).desc())).all())


def get_replay(session: Session, replay_id: int) -> ReplayRun | None:
    return session.get(ReplayRun, replay_id)


def list_replays(session: Session, *, offset: int, limit: int) -> tuple[list[tuple], int]:
    """Stored replays, newest first, without their reports: (id, created_at, scorer, k,
    window_from, window_to) rows and the total."""
    rows = session.exec(
        select(
            ReplayRun.id,
            ReplayRun.created_at,
            ReplayRun.scorer,
            ReplayRun.k,
            ReplayRun.window_from,
            ReplayRun.window_to,
        )
        .order_by(col(ReplayRun.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [tuple(r) for r in rows], session.exec(select(func.count()).select_from(ReplayRun)).one()


def latest_activation(session: Session, version: str) -> ActivationLog | None:
    """The newest activation of ``version`` ("policy" for the hand-weighted policy)."""
    return session.exec(
        select(ActivationLog)
        .where(ActivationLog.version == version)
        .order_by(col(ActivationLog.id).desc())
    ).first()


def latest_replay_of(session: Session, scorer: str) -> ReplayRun | None:
    """The newest stored replay of the scorer named ``scorer``."""
    return session.exec(
        select(ReplayRun).where(ReplayRun.scorer == scorer).order_by(col(ReplayRun.id).desc())
    ).first()
