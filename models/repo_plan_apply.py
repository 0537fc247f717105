"""Applying a cohort plan: all of its bookings, or none of them with every conflict listed.

A plan is made against the capacity of its day; slots may go between proposal and
application. :func:`plan_conflicts` locks what the rows need (participants, then
placements, then quotas, the order :mod:`models.repo_booking` uses, so an application never
deadlocks with a single decision) and checks every row against the current state at
once, so the coordinator sees *all* conflicts, not only the first. Only when there are
none does :func:`book_rows` book each row through :func:`models.repo_booking.accept`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import Session

from models import repo_booking as booking
from models.acceptance import (
    NOT_OPEN,
    PLACEMENT_CLOSED,
    PLACEMENT_FULL,
    QUOTA_FULL,
    acceptance_refusals,
)
from models.match import Match
from models.org import Quota
from models.participant import Participant
from models.placement import Placement
from models.plans import PlanRow
from models.repo_matches import booked_matches_of
from models.repo_matching_inputs import placement_types


def _locked(session: Session, table, ids: Sequence) -> dict:
    """Rows by id, locked in id order and re-read, so the checks see committed state."""
    found = {}
    for key in sorted(set(ids)):
        row = session.get(table, key, with_for_update=True, populate_existing=True)
        if row is not None:
            found[key] = row
    return found


def plan_conflicts(
    session: Session, rows: Sequence[PlanRow], on: date, *, book_ahead_days: int
) -> tuple[list[dict[str, Any]], dict[int, Participant], dict[int, Placement]]:
    """Every reason the rows cannot all be booked on ``on``, with the locked rows.

    ``book_ahead_days`` is the policy's booking horizon (placements starting later are
    not open yet), the same the suggestions and single bookings use.

    A conflict is a dict with ``what`` (a code of :mod:`models.acceptance`), ``detail``,
    and the ids concerned; capacity conflicts give ``needed`` (rows of the plan) and
    ``available``.
    """
    conflicts: list[dict[str, Any]] = []
    participants = _locked(session, Participant, [r.participant_id for r in rows])
    placements = _locked(session, Placement, [r.placement_id for r in rows])
    held = booked_matches_of(session, list(participants))
    types = {t.code: t for t in placement_types(session)}
    by_placement: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        person, placement = participants.get(row.participant_id), placements.get(row.placement_id)
        if person is None:  # participants are never deleted; a plan row keeps its id
            raise LookupError(f"plan row {row.id}: participant {row.participant_id} is gone")
        refusals = acceptance_refusals(
            person,
            placement,
            on=on,
            book_ahead_days=book_ahead_days,
            placement_type=None if placement is None else types.get(placement.type_code),
            held=held.get(row.participant_id),
            placement_id=row.placement_id,
        )
        conflicts += [_conflict(r.what, row, r.detail) for r in refusals]
        if not any(r.what in (PLACEMENT_CLOSED, NOT_OPEN) for r in refusals):
            by_placement[row.placement_id].append(row.participant_id)
    by_department: dict[int, list[int]] = defaultdict(list)
    for placement_id, people in sorted(by_placement.items()):
        placement = placements[placement_id]
        by_department[placement.department_id] += people
        available = max(placement.slots - placement.booked, 0)
        if len(people) > available:
            conflicts.append(
                {
                    "what": PLACEMENT_FULL,
                    "placement_id": placement_id,
                    "department_id": placement.department_id,
                    "participant_ids": people,
                    "needed": len(people),
                    "available": available,
                    "detail": f"placement {placement_id} has {available} slot(s) left "
                    f"({placement.booked} of {placement.slots} booked); the plan needs "
                    f"{len(people)}",
                }
            )
    quota_of = {d: booking.covering_quota(session, d, on) for d in sorted(by_department)}
    quotas = _locked(session, Quota, [q.id for q in quota_of.values() if q is not None])
    for department_id, people in sorted(by_department.items()):
        quota = quota_of[department_id] and quotas.get(quota_of[department_id].id)
        if quota is None:
            continue
        available = max(quota.max_headcount - quota.booked, 0)
        if len(people) > available:
            conflicts.append(
                {
                    "what": QUOTA_FULL,
                    "department_id": department_id,
                    "quota_id": quota.id,
                    "participant_ids": people,
                    "needed": len(people),
                    "available": available,
                    "detail": f"department {department_id}'s quota for {quota.period_start}"
                    f"..{quota.period_end} has {available} place(s) left ({quota.booked} of "
                    f"{quota.max_headcount} booked); the plan needs {len(people)}",
                }
            )
    return conflicts, participants, placements


def _conflict(what: str, row: PlanRow, detail: str) -> dict[str, Any]:
    return {
        "what": what,
        "participant_id": row.participant_id,
        "placement_id": row.placement_id,
        "department_id": row.department_id,
        "detail": detail,
    }


def book_rows(
    session: Session,
    rows: Sequence[PlanRow],
    participants: dict[int, Participant],
    placements: dict[int, Placement],
    *,
    by: int,
    on: date,
    book_ahead_days: int,
) -> list[Match]:
    """Book every row (they were checked and locked); BookingRefused aborts all of them."""
    matches = []
    for row in rows:
        match = booking.accept(
            session,
            participant=participants[row.participant_id],
            placement=placements[row.placement_id],
            by=by,
            on=on,
            reason_text=f"cohort plan {row.plan_id}",
            book_ahead_days=book_ahead_days,
        )
        # the plan, not a caseworker's departure from a suggestion, chose this placement
        match.override = False
        session.add(match)
        row.match_id = match.id
        session.add(row)
        matches.append(match)
    session.flush()
    return matches
