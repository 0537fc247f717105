"""Repository for decisions, bookings and outcomes: all their SQL lives here.

Booking is a conditional UPDATE in the caller's transaction::

    UPDATE placement SET booked = booked + 1 WHERE id = :id AND is_open AND booked < slots
    UPDATE quota     SET booked = booked + 1 WHERE id = :qid AND booked < max_headcount

No row updated means full: :class:`BookingRefused` is raised and the caller must roll the
transaction back (the API's session dependency does), so nothing is half-written. On
PostgreSQL under READ COMMITTED a concurrent UPDATE of the same row waits for the row
lock and then re-evaluates its WHERE against the committed row, so the counts never pass
their limits however many requests race. Locks are always taken in the same order —
participant, match, placement, quota, catalog counter — so two decisions cannot deadlock.

Every booking change appends a :class:`~models.match.MatchEvent` (the replay reads
bookings as of a moment from that log) and bumps the catalog counter, so cached compiled
placements see the new remaining slots.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import Session, select

from matcher.eligibility import DEFAULT_BOOK_AHEAD_DAYS
from models.acceptance import (
    PLACEMENT_CLOSED,
    PLACEMENT_FULL,
    QUOTA_FULL,
    Refusal,
    acceptance_refusals,
)
from models.clock import utcnow
from models.match import BOOKED_STATUSES, Match, MatchEvent, MatchStatus, Outcome, OutcomeKind
from models.org import Department, Quota
from models.participant import Participant
from models.placement import Placement
from models.repo_catalog_state import bump_catalog_version
from models.repo_matches import booked_match_of, covering_quota
from models.taxonomy import PlacementType

#: allowed status changes after a decision; anything else is a conflict
TRANSITIONS: dict[MatchStatus, frozenset[MatchStatus]] = {
    MatchStatus.accepted: frozenset({MatchStatus.started, MatchStatus.withdrawn}),
    MatchStatus.started: frozenset({MatchStatus.ended, MatchStatus.withdrawn}),
}


class BookingRefused(Exception):
    """A decision the current state does not allow; ``what`` names the rule that refused it.

    On accepting, ``what`` is one of the codes of :mod:`models.acceptance`; on a status
    change it is ``status``; on an outcome, a code of :mod:`models.outcome_rules`.
    ``full`` is true when capacity ran out (a placement's slots or a department's quota).
    ``conflicts`` lists every refusal when a whole cohort plan was refused (``api.errors``
    renders them all).
    """

    def __init__(
        self, detail: str, *, what: str, full: bool = False, conflicts: list | None = None
    ):
        super().__init__(detail)
        self.detail = detail
        self.what = what
        self.full = full
        self.conflicts = conflicts


def refusals_of(
    session: Session,
    participant: Participant,
    placement: Placement,
    on: date,
    book_ahead_days: int,
    *,
    held: Match | None,
) -> list[Refusal]:
    """:func:`models.acceptance.acceptance_refusals` with the placement's type loaded."""
    return acceptance_refusals(
        participant,
        placement,
        on=on,
        book_ahead_days=book_ahead_days,
        placement_type=session.get(PlacementType, placement.type_code),
        held=held,
    )


# --- writes --------------------------------------------------------------------------------


def book(session: Session, placement: Placement, on: date) -> int | None:
    """Take one slot of the placement and one place in its department's quota for ``on``.

    Returns the quota id counted against (None when the department has no quota covering
    ``on``). Raises :class:`BookingRefused` with ``full=True`` naming what is full; the
    caller must then roll back (the placement may already have been incremented).
    """
    now = utcnow()
    taken = session.execute(
        update(Placement)
        .where(
            Placement.id == placement.id,
            Placement.is_open == True,  # noqa: E712
            Placement.booked < Placement.slots,
        )
        .values(booked=Placement.booked + 1, updated_at=now)
        .returning(Placement.booked)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:
        booked, slots, is_open = session.execute(
            select(Placement.booked, Placement.slots, Placement.is_open).where(
                Placement.id == placement.id
            )
        ).one()
        if not is_open:
            raise BookingRefused(f"placement {placement.id} is closed", what=PLACEMENT_CLOSED)
        raise BookingRefused(
            f"placement {placement.id} has no slot left ({booked} of {slots} booked)",
            what=PLACEMENT_FULL,
            full=True,
        )
    quota = covering_quota(session, placement.department_id, on)
    if quota is not None:
        counted = session.execute(
            update(Quota)
            .where(Quota.id == quota.id, Quota.booked < Quota.max_headcount)
            .values(booked=Quota.booked + 1, updated_at=now)
            .returning(Quota.booked)
            .execution_options(synchronize_session=False)
        ).first()
        if counted is None:
            raise BookingRefused(_quota_full_detail(session, quota.id), what=QUOTA_FULL, full=True)
    session.expire(placement, ["booked", "updated_at"])
    if quota is not None:
        session.expire(quota, ["booked", "updated_at"])
    bump_catalog_version(session, layout=False)
    return quota.id if quota is not None else None


def _quota_full_detail(session: Session, quota_id: int) -> str:
    booked, maximum, start, end, department = session.execute(
        select(
            Quota.booked, Quota.max_headcount, Quota.period_start, Quota.period_end, Department.code
        )
        .join(Department, Department.id == Quota.department_id)
        .where(Quota.id == quota_id)
    ).one()
    return f"department {department}'s quota for {start}–{end} is full ({booked} of {maximum})"


def release(session: Session, match: Match) -> None:
    """Give back the slot and the quota place a booked match held."""
    now = utcnow()
    session.execute(
        update(Placement)
        .where(Placement.id == match.placement_id, Placement.booked > 0)
        .values(booked=Placement.booked - 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if match.quota_id is not None:
        session.execute(
            update(Quota)
            .where(Quota.id == match.quota_id, Quota.booked > 0)
            .values(booked=Quota.booked - 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    bump_catalog_version(session, layout=False)


def record_decision(
    session: Session,
    *,
    participant_id: int,
    placement_id: int,
    status: MatchStatus,
    by: int,
    quota_id: int | None = None,
    reason_code: str | None = None,
    reason_text: str | None = None,
    suggestion_id: int | None = None,
    suggestion_rank: int | None = None,
    override: bool = False,
) -> Match:
    """Insert the match and its first event (flushes to get the id)."""
    now = utcnow()
    match = Match(
        participant_id=participant_id,
        placement_id=placement_id,
        quota_id=quota_id,
        status=status,
        reason_code=reason_code,
        reason_text=reason_text,
        decided_by=by,
        decided_at=now,
        from_suggestion=suggestion_rank is not None,
        suggestion_id=suggestion_id,
        suggestion_rank=suggestion_rank,
        override=override,
        updated_at=now,
    )
    session.add(match)
    session.flush()
    session.add(
        MatchEvent(match_id=match.id, status=status, at=now, by=by, reason_code=reason_code)
    )
    session.flush()
    return match


def accept(
    session: Session,
    *,
    participant: Participant,
    placement: Placement,
    by: int,
    on: date,
    reason_text: str | None = None,
    suggestion_id: int | None = None,
    suggestion_rank: int | None = None,
    book_ahead_days: int = DEFAULT_BOOK_AHEAD_DAYS,
) -> Match:
    """Book the placement for the participant and record the accepted match.

    The participant row must already be locked (``SELECT ... FOR UPDATE``) so two accepts
    for one participant are serialised and the one-booking rule holds. Raises
    :class:`BookingRefused` when the placement cannot be taken or capacity is full.
    ``book_ahead_days`` is the scoring policy's ``eligibility.book_ahead_days`` (the API
    passes its loaded policy's), so what the lists suggest ahead of its start can be
    accepted and nothing further ahead can.
    """
    held = booked_match_of(session, participant.id)
    refusals = refusals_of(session, participant, placement, on, book_ahead_days, held=held)
    if refusals:
        raise BookingRefused(refusals[0].detail, what=refusals[0].what)
    quota_id = book(session, placement, on)
    return record_decision(
        session,
        participant_id=participant.id,
        placement_id=placement.id,
        status=MatchStatus.accepted,
        by=by,
        quota_id=quota_id,
        reason_text=reason_text,
        suggestion_id=suggestion_id,
        suggestion_rank=suggestion_rank,
        override=suggestion_rank is None,
    )


def change_status(
    session: Session,
    match: Match,
    to: MatchStatus,
    *,
    by: int,
    reason_code: str | None = None,
    reason_text: str | None = None,
) -> Match:
    """Move a locked match to ``to`` if allowed; leaving a booked status frees its slot."""
    allowed = TRANSITIONS.get(match.status, frozenset())
    if to not in allowed:
        raise BookingRefused(
            f"match {match.id} is {match.status.value}; it cannot become {to.value}"
            + (f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""),
            what="status",
        )
    if match.status in BOOKED_STATUSES and to not in BOOKED_STATUSES:
        release(session, match)
    now = utcnow()
    match.status = to
    match.updated_at = now
    if reason_code is not None:
        match.reason_code = reason_code
    if reason_text is not None:
        match.reason_text = reason_text
    session.add(match)
    session.add(MatchEvent(match_id=match.id, status=to, at=now, by=by, reason_code=reason_code))
    session.flush()
    return match


def add_outcome(
    session: Session,
    match: Match,
    *,
    kind: OutcomeKind,
    occurred_on: date,
    reason: str | None,
    by: int,
) -> Outcome:
    """Record what happened after a match; the caller has checked
    :func:`models.outcome_rules.outcome_refusals` on the locked match."""
    outcome = Outcome(
        match_id=match.id, kind=kind, occurred_on=occurred_on, reason=reason, recorded_by=by
    )
    session.add(outcome)
    session.flush()
    return outcome
