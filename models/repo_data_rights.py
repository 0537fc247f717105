"""Queries on the tables of :mod:`models.data_rights` (the repository; all SQL here)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.audit import AccessLog
from models.base import utcnow
from models.data_rights import PSEUDONYM_PREFIX, ParticipantErasure, _plain
from models.history import Revision
from models.match import Match, MatchEvent, Outcome
from models.participant import Participant
from models.plans import PlanRow
from models.repo_history import record_revision
from models.suggestion import Suggestion, SuggestionItem


def _rows(session: Session, query) -> list[dict[str, Any]]:
    return [_plain(r) for r in session.exec(query).all()]


def participant_export(session: Session, participant: Participant) -> dict[str, Any]:
    """Every row held on the participant, as one JSON-ready document."""
    pid = participant.id
    match_ids = list(session.exec(select(Match.id).where(Match.participant_id == pid)).all())
    own_lists = select(Suggestion).where(Suggestion.participant_id == pid)
    own_ids = list(session.exec(own_lists.with_only_columns(Suggestion.id)).all())
    named_in = select(SuggestionItem).where(SuggestionItem.participant_id == pid)
    items_naming = session.exec(named_in).all()
    other_ids = sorted({i.suggestion_id for i in items_naming} - set(own_ids))
    return {
        "participant": _plain(participant),
        "revisions": _rows(
            session,
            select(Revision)
            .where(Revision.entity == "participant", Revision.entity_id == str(pid))
            .order_by(Revision.version),
        ),
        "suggestion_lists": [
            {
                **_plain(s),
                "items": _rows(
                    session,
                    select(SuggestionItem)
                    .where(SuggestionItem.suggestion_id == s.id)
                    .order_by(SuggestionItem.rank),
                ),
            }
            for s in session.exec(own_lists.order_by(Suggestion.id)).all()
        ]
        + [
            # a placement's candidate list names others too: only this participant's row
            {**_plain(s), "items": [_plain(i) for i in items_naming if i.suggestion_id == s.id]}
            for s in session.exec(
                select(Suggestion).where(col(Suggestion.id).in_(other_ids)).order_by(Suggestion.id)
            ).all()
        ],  # fmt: skip
        "decisions": _rows(session, select(Match).where(Match.participant_id == pid)),
        "decision_events": _rows(
            session, select(MatchEvent).where(col(MatchEvent.match_id).in_(match_ids))
        ),
        "outcomes": _rows(session, select(Outcome).where(col(Outcome.match_id).in_(match_ids))),
        "plan_rows": _rows(session, select(PlanRow).where(PlanRow.participant_id == pid)),
        "access_log": _rows(
            session,
            select(AccessLog).where(AccessLog.participant_id == pid).order_by(AccessLog.id),
        ),
        "erasure": _rows(
            session, select(ParticipantErasure).where(ParticipantErasure.participant_id == pid)
        ),
    }


def erasure_of(session: Session, participant_id: int) -> ParticipantErasure | None:
    query = select(ParticipantErasure).where(ParticipantErasure.participant_id == participant_id)
    return session.exec(query).first()


def pseudonymise_participant(
    session: Session, participant: Participant, *, by: int | None, reason: str
) -> ParticipantErasure:
    """Replace the case reference everywhere, delete free texts, close the case.

    The caller holds the participant's row lock. ``ValueError`` if already done.
    """
    if erasure_of(session, participant.id) is not None:
        raise ValueError(f"participant {participant.id} is already pseudonymised")
    pseudonym = PSEUDONYM_PREFIX + secrets.token_hex(8)
    participant.ref = pseudonym
    participant.active = False
    participant.updated_at = utcnow()
    session.add(participant)
    revisions = session.exec(
        select(Revision).where(
            Revision.entity == "participant", Revision.entity_id == str(participant.id)
        )
    ).all()
    for revision in revisions:
        revision.data = {**revision.data, "ref": pseudonym}
        session.add(revision)
    record_revision(session, participant, by=by)
    match_ids = select(Match.id).where(Match.participant_id == participant.id)
    session.exec(
        update(Match).where(Match.participant_id == participant.id).values(reason_text=None)
    )
    session.exec(update(Outcome).where(col(Outcome.match_id).in_(match_ids)).values(reason=None))
    erasure = ParticipantErasure(participant_id=participant.id, by=by, reason=reason.strip())
    session.add(erasure)
    session.flush()
    return erasure
