"""Queries on the tables of :mod:`models.retention` (the repository; all SQL here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from models.audit import AccessLog, IdempotencyRecord
from models.base import utcnow
from models.match import Match, MatchEvent, Outcome
from models.participant import Participant
from models.repo_audit_chain import set_anchor
from models.retention import DEFAULT_RULES, LegalHold, RecordKind, RetentionRule
from models.standing_plan import StandingPlan


def active_hold(session: Session, participant_id: int) -> LegalHold | None:
    query = select(LegalHold).where(
        LegalHold.participant_id == participant_id, col(LegalHold.released_at).is_(None)
    )
    return session.exec(query).first()


def held_participant_ids(session: Session) -> set[int]:
    query = select(LegalHold.participant_id).where(col(LegalHold.released_at).is_(None))
    return set(session.exec(query).all())


def place_hold(session: Session, participant_id: int, *, reason: str, by: int) -> LegalHold:
    """``ValueError`` when the participant is already held."""
    if active_hold(session, participant_id) is not None:
        raise ValueError(f"participant {participant_id} already has a legal hold")
    hold = LegalHold(participant_id=participant_id, reason=reason.strip(), placed_by=by)
    session.add(hold)
    session.flush()
    return hold


def release_hold(session: Session, participant_id: int, *, by: int) -> LegalHold:
    """``LookupError`` when there is no hold to release."""
    hold = active_hold(session, participant_id)
    if hold is None:
        raise LookupError(f"participant {participant_id} has no legal hold")
    hold.released_by, hold.released_at = by, utcnow()
    session.add(hold)
    session.flush()
    return hold


def retention_rules(session: Session) -> dict[RecordKind, RetentionRule]:
    """The rules in force; a kind without a row falls back to :data:`DEFAULT_RULES`."""
    rules = {r.kind: r for r in session.exec(select(RetentionRule)).all()}
    for kind, days, action, note in DEFAULT_RULES:
        rules.setdefault(kind, RetentionRule(kind=kind, days=days, action=action, note=note))
    return rules


def closed_cases(session: Session) -> dict[int, datetime]:
    """Inactive participants and when their case closed: the latest of the record's last
    change, its last decision event and its last recorded outcome."""
    inactive = select(Participant.id, Participant.updated_at).where(~Participant.active)
    closed = dict(session.exec(inactive).all())
    for moment, table in ((MatchEvent.at, MatchEvent), (Outcome.recorded_at, Outcome)):
        latest = session.exec(
            select(Match.participant_id, func.max(moment))
            .join(table, table.match_id == Match.id)
            .where(col(Match.participant_id).in_(list(closed)))
            .group_by(Match.participant_id)
        )
        for participant_id, at in latest:
            closed[participant_id] = max(closed[participant_id], at)
    return closed


def free_text_count(session: Session, participant_ids: list[int]) -> int:
    """Decisions and outcomes of these participants that still carry a free-text reason."""
    matches = select(Match.id).where(col(Match.participant_id).in_(participant_ids))
    decided = select(func.count()).where(
        col(Match.participant_id).in_(participant_ids), col(Match.reason_text).is_not(None)
    )
    outcomes = select(func.count()).where(
        col(Outcome.match_id).in_(matches), col(Outcome.reason).is_not(None)
    )
    return session.exec(decided).one() + session.exec(outcomes).one()


def delete_free_text(session: Session, participant_ids: list[int]) -> None:
    matches = select(Match.id).where(col(Match.participant_id).in_(participant_ids))
    session.exec(
        update(Match).where(col(Match.participant_id).in_(participant_ids)).values(reason_text=None)
    )
    session.exec(update(Outcome).where(col(Outcome.match_id).in_(matches)).values(reason=None))


def expired_access_log(session: Session, cutoff: datetime, held: set[int]) -> list[tuple]:
    """(id, seq, hash) of the oldest access-log rows written before ``cutoff``, in chain
    order, up to the first one a legal hold keeps: only a prefix of the chain is ever
    removed, so the rest stays verifiable from its anchor (models.audit_chain)."""
    rows = session.exec(
        select(AccessLog.id, AccessLog.seq, AccessLog.hash, AccessLog.participant_id, AccessLog.at)
        .where(col(AccessLog.seq).is_not(None))
        .order_by(AccessLog.seq)
        .execution_options(yield_per=2000)
    )
    prefix = []
    for row_id, seq, digest, participant_id, at in rows:
        if at >= cutoff or participant_id in held:
            break
        prefix.append((row_id, seq, digest))
    return prefix


def delete_access_log(session: Session, prefix: list[tuple]) -> None:
    """Delete the prefix and anchor the chain at its last row."""
    ids = [row_id for row_id, _, _ in prefix]
    for start in range(0, len(ids), 500):
        session.exec(delete(AccessLog).where(col(AccessLog.id).in_(ids[start : start + 500])))
    _, seq, digest = prefix[-1]
    set_anchor(session, "accesslog", seq, digest)


def expired_standing_plans(session: Session, cutoff: datetime) -> int:
    """Standing plans written before ``cutoff``, the newest of all never among them (it
    may still price the lists: models.standing_plan)."""
    return session.exec(
        select(func.count()).select_from(StandingPlan).where(_expired_plan(cutoff))
    ).one()


def delete_standing_plans(session: Session, cutoff: datetime) -> None:
    session.exec(delete(StandingPlan).where(_expired_plan(cutoff)))


def _expired_plan(cutoff: datetime):
    newest = select(func.max(StandingPlan.id)).scalar_subquery()
    return (StandingPlan.created_at < cutoff) & (col(StandingPlan.id) < newest)


def expired_idempotency(session: Session, cutoff: datetime) -> int:
    query = select(func.count()).where(IdempotencyRecord.created_at < cutoff)
    return session.exec(query.select_from(IdempotencyRecord)).one()


def delete_idempotency(session: Session, cutoff: datetime) -> None:
    session.exec(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
