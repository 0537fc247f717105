"""Queries on the tables of :mod:`models.history_import` (the repository; all SQL here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import insert, update
from sqlmodel import Session, col, func, select

from models.audit_chain import mark_events_written
from models.base import utcnow
from models.history import Revision
from models.history_import import (
    GRANTS,
    DecisionToWrite,
    HistoryImport,
    ImportedDecision,
    PlacementFacts,
    QuotaFacts,
    StatusChange,
    UserGrant,
)
from models.match import Match, MatchEvent, Outcome
from models.org import Quota, User
from models.participant import Participant
from models.placement import Placement
from models.repo_catalog_state import bump_catalog_version


def user_by_name(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def has_grant(session: Session, user_id: int, grant: str) -> bool:
    row = session.exec(
        select(UserGrant.id).where(UserGrant.user_id == user_id, UserGrant.grant == grant)
    ).first()
    return row is not None


def give_grant(session: Session, user: User, grant: str, *, by: int | None) -> bool:
    """Give ``grant`` to ``user``; False when they held it already. Raises on unknown grants."""
    if grant not in GRANTS:
        raise ValueError(f"unknown grant {grant!r}; known: {', '.join(GRANTS)}")
    if has_grant(session, user.id, grant):
        return False
    session.add(UserGrant(user_id=user.id, grant=grant, granted_by=by, granted_at=utcnow()))
    session.flush()
    return True


def revoke_grant(session: Session, user: User, grant: str) -> bool:
    row = session.exec(
        select(UserGrant).where(UserGrant.user_id == user.id, UserGrant.grant == grant)
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def import_by_hash(session: Session, content_hash: str) -> HistoryImport | None:
    return session.exec(
        select(HistoryImport).where(HistoryImport.content_hash == content_hash)
    ).first()


def participant_ids_by_ref(session: Session, refs: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(refs))
    if not wanted:
        return {}
    rows = session.exec(
        select(Participant.ref, Participant.id).where(col(Participant.ref).in_(wanted))
    ).all()
    return dict(rows)


def placements_by_ref(session: Session, refs: Iterable[str]) -> dict[str, PlacementFacts]:
    wanted = sorted(set(refs))
    if not wanted:
        return {}
    rows = session.exec(
        select(
            Placement.ref, Placement.id, Placement.department_id, Placement.slots, Placement.booked
        ).where(col(Placement.ref).in_(wanted))
    ).all()
    return {ref: PlacementFacts(i, d, s, b) for ref, i, d, s, b in rows}


def imported_refs(session: Session, refs: Iterable[str]) -> set[str]:
    """The decision references among ``refs`` that an earlier import already wrote."""
    wanted = sorted(set(refs))
    if not wanted:
        return set()
    rows = session.exec(
        select(ImportedDecision.decision_ref).where(col(ImportedDecision.decision_ref).in_(wanted))
    ).all()
    return set(rows)


def quotas_covering(session: Session, department_id: int, on: date) -> QuotaFacts | None:
    """The department's quota covering ``on`` (newest period, then highest id), as the
    suggestions and bookings choose it."""
    row = session.exec(
        select(Quota.id, Quota.max_headcount, Quota.booked)
        .where(
            Quota.department_id == department_id,
            Quota.period_start <= on,
            Quota.period_end >= on,
        )
        .order_by(col(Quota.period_start).desc(), col(Quota.id).desc())
    ).first()
    return None if row is None else QuotaFacts(*row)


def first_states(session: Session, entity: str, ids: Iterable[int]) -> dict[int, datetime]:
    """When each entity's first recorded state begins (its oldest revision)."""
    wanted = sorted({str(i) for i in ids})
    if not wanted:
        return {}
    rows = session.exec(
        select(Revision.entity_id, func.min(Revision.valid_from))
        .where(Revision.entity == entity, col(Revision.entity_id).in_(wanted))
        .group_by(Revision.entity_id)
    ).all()
    return {int(entity_id): at for entity_id, at in rows}


def imported_match_ids(session: Session, match_ids: Sequence[int] | None = None) -> set[int]:
    query = select(ImportedDecision.match_id)
    if match_ids is not None:
        query = query.where(col(ImportedDecision.match_id).in_(list(match_ids)))
    return set(session.exec(query).all())


def write_decisions(
    session: Session,
    decisions: Sequence[DecisionToWrite],
    *,
    import_id: int | None,
    counters: bool = True,
) -> list[int]:
    """Insert the matches, their status events and outcomes in a few bulk statements.

    With ``import_id`` every match is also recorded as imported (with its reference and
    line). Booking counters of placements and quotas are raised by the decisions that
    still hold a slot (unless ``counters`` is False: the demo loader recounts them all),
    and the catalog counter is bumped. Returns the new match ids in
    the order given. Checks are the caller's: this writes what it is given.
    """
    if not decisions:
        return []
    table = Match.__table__
    rows = [
        {
            "participant_id": d.participant_id,
            "placement_id": d.placement_id,
            "quota_id": d.quota_id,
            "status": d.final.status.value,
            "reason_code": d.final.reason_code or d.reason_code,
            "reason_text": None,
            "decided_by": d.decided_by,
            "decided_at": d.decided_at,
            "from_suggestion": d.suggestion_rank is not None,
            "suggestion_id": d.suggestion_id,
            "suggestion_rank": d.suggestion_rank,
            "override": d.override,
            "updated_at": d.final.at,
        }
        for d in decisions
    ]
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = [row[0] for row in session.execute(statement, rows)]
    events, outcomes, imported = [], [], []
    for match_id, d in zip(ids, decisions, strict=True):
        for change in (StatusChange(d.status, d.decided_at, d.reason_code), *d.changes):
            events.append(
                {
                    "match_id": match_id,
                    "status": change.status.value,
                    "at": change.at,
                    "by": None,
                    "reason_code": change.reason_code,
                }
            )
        outcomes += [
            {
                "match_id": match_id,
                "kind": o.kind,
                "occurred_on": o.occurred_on,
                "reason": o.reason,
                "recorded_by": None,
                "recorded_at": o.recorded_at,
            }
            for o in d.outcomes
        ]
        if import_id is not None:
            imported.append(
                {
                    "match_id": match_id,
                    "import_id": import_id,
                    "decision_ref": d.decision_ref,
                    "line": d.line,
                }
            )
    for model, values in ((MatchEvent, events), (Outcome, outcomes), (ImportedDecision, imported)):
        if values:
            session.execute(insert(model.__table__), values)
    if events:
        mark_events_written(session)  # bulk inserts bypass the ORM: sealed into the chain at commit
    if counters:
        _raise_counters(session, decisions)
    bump_catalog_version(session, layout=False)
    return ids


def _raise_counters(session: Session, decisions: Sequence[DecisionToWrite]) -> None:
    held = [d for d in decisions if d.holds_slot]
    by_placement = Counter(d.placement_id for d in held)
    by_quota = Counter(d.quota_id for d in held if d.quota_id is not None)
    for model, counts in ((Placement, by_placement), (Quota, by_quota)):
        for row_id, n in sorted(counts.items()):
            session.execute(
                update(model)
                .where(model.id == row_id)
                .values(booked=model.booked + n)
                .execution_options(synchronize_session=False)
            )


def history_rows(session: Session):
    """Every match with its events, outcomes, participant and placement references, and
    its imported reference when it has one: (matches, events, outcomes, refs)."""
    matches = session.exec(
        select(Match, Participant.ref, Placement.ref)
        .join(Participant, Participant.id == Match.participant_id)
        .join(Placement, Placement.id == Match.placement_id)
        .order_by(Match.decided_at, Match.id)
    ).all()
    events = session.exec(
        select(MatchEvent).order_by(MatchEvent.match_id, MatchEvent.at, MatchEvent.id)
    ).all()
    outcomes = session.exec(select(Outcome).order_by(Outcome.match_id, Outcome.id)).all()
    refs = dict(
        session.exec(select(ImportedDecision.match_id, ImportedDecision.decision_ref)).all()
    )
    return matches, events, outcomes, refs
