"""Decisions about a pair: accept (books a slot) or decline, then start, end, withdraw, outcomes.

Every read and change of a match is a read or change of its participant's record, so
each one goes through :mod:`api.access` (visibility by unit, and the access log). A
caseworker sees only their unit's matches; another unit's match answers 404. The rules
for accepting a pair are :func:`models.acceptance.acceptance_refusals`, those for
recording an outcome :func:`models.outcome_rules.outcome_refusals`; a refusal is a
:class:`~models.repo_booking.BookingRefused`, rendered once by ``api.errors``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi.exceptions import RequestValidationError
from sqlmodel import Session

from api.access import RefusedAccess, Where, participant_for, record_list_access, visible_unit
from api.errors import InvalidReference, NotFound
from api.metrics import BOOKINGS, CONFLICTS
from models import repo_booking as booking
from models import repo_matches as match_reads
from models.clock import MUNICIPAL_TZ
from models.match import Match, MatchStatus, Outcome
from models.org import User
from models.outcome_rules import outcome_refusals
from models.repo_catalog import get_placement
from models.schemas_match import Decision, MatchCreate, OutcomeCreate


def _field_error(field: str, msg: str, kind: str = "value_error") -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", field), "msg": msg, "type": kind}])


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def visible_match(
    session: Session, user: User, where: Where, match_id: int, *, action: str, lock=False
) -> Match:
    """Load a match whose participant the user may see (and log it); 404 otherwise.

    ``lock`` takes the participant's row lock first, then the match's, the order every
    booking change uses, and re-reads the match so its status is current.
    """
    match = match_reads.get_match(session, match_id)
    if match is None:
        raise NotFound(f"match {match_id} not found")
    try:
        participant_for(session, user, match.participant_id, where, action=action, for_update=lock)
    except RefusedAccess as refused:
        raise refused.reworded(f"match {match_id} not found") from None
    return match_reads.get_match(session, match_id, for_update=True) if lock else match


def replayed_decision(session: Session, user: User, where: Where, body: MatchCreate) -> None:
    """A replayed answer shows the participant's record again: check and log it as a read."""
    participant_for(session, user, body.participant_id, where, action="read")


def replayed_outcome(session: Session, user: User, where: Where, match_id: int) -> None:
    """As :func:`replayed_decision`, for a replayed outcome of ``match_id``."""
    visible_match(session, user, where, match_id, action="read")


def decide(
    session: Session,
    user: User,
    where: Where,
    body: MatchCreate,
    *,
    on: date,
    book_ahead_days: int,
) -> Match:
    """Accept (book) or decline a placement for a participant, on the municipal day ``on``.

    ``book_ahead_days`` is the policy's horizon, the suggestions' open rule: what they
    offer ahead of its start is bookable, nothing further ahead.
    """
    if body.decision is Decision.declined and body.reason_code is None:
        raise _field_error("reason_code", "a decline needs a reason_code", "missing")
    if body.decision is Decision.accepted and body.reason_code is not None:
        raise _field_error("reason_code", "reason_code is for declines; use reason to explain")
    participant = participant_for(
        session, user, body.participant_id, where, action="write", for_update=True
    )
    placement = get_placement(session, body.placement_id)
    if placement is None:
        raise InvalidReference(
            f"placement {body.placement_id} does not exist",
            errors=[{"loc": ["body", "placement_id"], "msg": "unknown placement", "type": "ref"}],
        )
    rank = None
    if body.suggestion_id is not None:
        found, rank = match_reads.cited_rank(
            session, body.suggestion_id, participant.id, placement.id
        )
        if not found:
            raise InvalidReference(
                f"suggestion {body.suggestion_id} is not a list for participant {participant.id}",
                errors=[
                    {"loc": ["body", "suggestion_id"], "msg": "unknown suggestion", "type": "ref"}
                ],
            )
    reason = _text(body.reason)
    if body.decision is Decision.declined:
        return booking.record_decision(
            session,
            participant_id=participant.id,
            placement_id=placement.id,
            status=MatchStatus.declined,
            by=user.id,
            reason_code=body.reason_code.value,
            reason_text=reason,
            suggestion_id=body.suggestion_id,
            suggestion_rank=rank,
        )
    if rank is None and reason is None:
        raise _field_error(
            "reason", "choosing a placement that was not suggested needs a reason", "missing"
        )
    try:
        match = booking.accept(
            session,
            participant=participant,
            placement=placement,
            by=user.id,
            on=on,
            reason_text=reason,
            suggestion_id=body.suggestion_id,
            suggestion_rank=rank,
            book_ahead_days=book_ahead_days,
        )
    except booking.BookingRefused as refused:
        CONFLICTS.labels(refused.what).inc()
        raise
    BOOKINGS.inc()
    return match


def list_matches(
    session: Session,
    user: User,
    where: Where,
    *,
    participant_id: int | None,
    placement_id: int | None,
    status: MatchStatus | None,
    offset: int,
    limit: int,
) -> tuple[list[Match], int]:
    """Decisions newest first; a caseworker's only of their unit; every participant logged."""
    if participant_id is not None:
        participant_for(session, user, participant_id, where)
    rows, total = match_reads.list_matches(
        session,
        unit_id=visible_unit(user),
        participant_id=participant_id,
        placement_id=placement_id,
        status=status,
        offset=offset,
        limit=limit,
    )
    if participant_id is None:  # one log row for the list, naming everyone on it
        record_list_access(session, user, where, [row.participant_id for row in rows])
    return rows, total


def move(
    session: Session,
    user: User,
    where: Where,
    match_id: int,
    to: MatchStatus,
    *,
    reason_code: str | None = None,
    reason_text: str | None = None,
) -> Match:
    """Start, end or withdraw a match (leaving a booked status frees its slot)."""
    match = visible_match(session, user, where, match_id, action="write", lock=True)
    booking.change_status(
        session, match, to, by=user.id, reason_code=reason_code, reason_text=_text(reason_text)
    )
    return match


def _municipal_day(moment: datetime | None) -> date | None:
    """The municipal calendar day of a stored moment (SQLite hands them back naive UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(MUNICIPAL_TZ).date()


def record_outcome(
    session: Session, user: User, where: Where, match_id: int, body: OutcomeCreate
) -> Outcome:
    """Record what happened after an accepted, started or ended match, if the rules of
    :mod:`models.outcome_rules` allow it (the first refusal answers 409 naming its code).

    The match is locked first, so two outcomes for one match are checked one at a time.
    """
    match = visible_match(session, user, where, match_id, action="write", lock=True)
    refusals = outcome_refusals(
        subject=f"match {match.id}",
        status=match.status,
        decided_on=_municipal_day(match.decided_at),
        started_on=_municipal_day(match_reads.first_start(session, match.id)),
        recorded=[(o.kind, o.occurred_on) for o in match_reads.list_outcomes(session, match.id)],
        kind=body.kind,
        occurred_on=body.occurred_on,
    )
    if refusals:
        raise booking.BookingRefused(refusals[0].detail, what=refusals[0].what)
    return booking.add_outcome(
        session,
        match,
        kind=body.kind,
        occurred_on=body.occurred_on,
        reason=_text(body.reason),
        by=user.id,
    )


def list_outcomes(session: Session, user: User, where: Where, match_id: int) -> list[Outcome]:
    """The outcomes of one visible match, oldest first."""
    visible_match(session, user, where, match_id, action="read")
    return match_reads.list_outcomes(session, match_id)
