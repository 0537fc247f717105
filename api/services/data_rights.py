"""The data subject's rights as use cases: export, pseudonymise, legal holds; all logged.

Each one loads the participant through :func:`api.access.participant_for`, which writes
the access-log row (actions ``export``, ``erase``, ``hold``) in the same transaction.
"""

from __future__ import annotations

from sqlmodel import Session

from api.access import Where, participant_for
from api.errors import Conflict, NotFound
from models.data_rights import ParticipantErasure
from models.org import User
from models.repo_data_rights import participant_export, pseudonymise_participant
from models.repo_retention import active_hold, place_hold, release_hold
from models.retention import LegalHold


def export_participant(session: Session, user: User, where: Where, participant_id: int):
    participant = participant_for(session, user, participant_id, where, action="export")
    return participant_export(session, participant)


def erase_participant(
    session: Session, user: User, where: Where, participant_id: int, reason: str
) -> ParticipantErasure:
    """Pseudonymise the participant (409 under a legal hold, or when already done)."""
    participant = participant_for(
        session, user, participant_id, where, action="erase", for_update=True
    )
    hold = active_hold(session, participant_id)
    if hold is not None:
        raise Conflict(
            f"participant {participant_id} is under a legal hold since {hold.placed_at:%Y-%m-%d}"
            f" ({hold.reason}); release it first",
            what="legal-hold",
        )
    try:
        return pseudonymise_participant(session, participant, by=user.id, reason=reason)
    except ValueError as error:
        raise Conflict(str(error)) from None


def hold_participant(
    session: Session, user: User, where: Where, participant_id: int, reason: str
) -> LegalHold:
    participant_for(session, user, participant_id, where, action="hold", for_update=True)
    try:
        return place_hold(session, participant_id, reason=reason, by=user.id)
    except ValueError as error:
        raise Conflict(str(error)) from None


def release_participant(
    session: Session, user: User, where: Where, participant_id: int
) -> LegalHold:
    participant_for(session, user, participant_id, where, action="hold", for_update=True)
    try:
        return release_hold(session, participant_id, by=user.id)
    except LookupError as error:
        raise NotFound(str(error)) from None
