"""The data subject's rights: everything held on one participant, and pseudonymisation.

:func:`participant_export` gathers every row Platsa holds on one participant and nothing
of anyone else: where a stored list also names other participants (a placement's
candidate list), only this participant's item goes out.

:func:`pseudonymise_participant` is the erasure the law allows for social-services
records: decisions on public support and the log of who read them must be kept, and
evaluation needs the decisions with the features they were made on. So the case
reference (the only direct identifier stored) is replaced by a random pseudonym in the
record and in every revision of it, the free-text reasons of decisions and outcomes are
deleted, and the case is closed. Kept, pseudonymised: the matching features, the
decisions, their events, outcome kinds, suggestion lists, plan rows and the access log,
all keyed by the participant's internal id, which nothing outside Platsa knows.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Field, Session, SQLModel, col, select

from models.audit import AccessLog
from models.base import timestamp_field, utcnow
from models.history import Revision, record_revision
from models.match import Match, MatchEvent, Outcome
from models.participant import Participant
from models.plans import PlanRow
from models.strict_input import StrictInput
from models.suggestion import Suggestion, SuggestionItem

PSEUDONYM_PREFIX = "ERASED-"


class ParticipantErasure(SQLModel, table=True):
    """One pseudonymisation of a participant: when, by whom (a user or the retention job)
    and why. The participant's old case reference is not kept anywhere."""

    id: int | None = Field(default=None, primary_key=True)
    participant_id: int = Field(foreign_key="participant.id", unique=True)
    at: datetime = timestamp_field(index=True)
    by: int | None = Field(default=None, foreign_key="user.id")  # None: the retention job
    reason: str = Field(max_length=2000)


class ErasureRequest(StrictInput):
    reason: str = Field(min_length=3, max_length=2000, description="the legal ground, for the log")


def _plain(row: SQLModel) -> dict[str, Any]:
    return row.model_dump(mode="json")


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
