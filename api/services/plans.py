"""Cohort plans: propose, read, edit rows, apply once.

A plan is a proposal against today's capacity (:mod:`api.planning` builds and solves it);
applying it books every live row in one transaction or nothing (409 listing every
conflict, in the vocabulary of :mod:`models.acceptance`). Every participant a plan names
is logged in the access log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlmodel import Session

from api.access import Where, record_list_access
from api.catalog_cache import Catalog
from api.errors import CapacityFull, Conflict, InvalidReference, NotFound
from api.planning import (
    ALREADY_PLACED,
    INACTIVE,
    capacity_conflicts,
    department_capacities,
    make_plan,
    plan_shortfalls,
    reassign_row,
)
from api.services.suggestions import declined_since
from models import repo_booking as booking
from models.clock import utcnow
from models.org import User
from models.participant import Participant
from models.plans import (
    DropRow,
    Plan,
    PlanCreate,
    PlanForUnit,
    PlanRow,
    PlanRowsEdit,
    PlanStatus,
    save_plan,
)
from models.repo_catalog_state import catalog_version
from models.repo_matches import turned_down_pairs
from models.repo_matching_inputs import unplaced_participants
from models.repo_participants import get_participant, unit_exists
from models.repo_plan_apply import book_rows, plan_conflicts
from models.repo_plans import booked_participants, get_plan, participants_by_id, plan_rows


def plan_or_404(session: Session, plan_id: int, *, for_update: bool = False) -> Plan:
    plan = get_plan(session, plan_id, for_update=for_update)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    return plan


def _log_participants(
    session: Session, user: User, where: Where, ids: Iterable[int], action: str
) -> None:
    record_list_access(session, user, where, ids, action)


def _cohort(session: Session, body: PlanCreate) -> tuple[list[Participant], dict[int, str]]:
    """The participants to plan, and those kept out with their reason."""
    if isinstance(body, PlanForUnit):
        if not unit_exists(session, body.unit_id):
            raise InvalidReference(
                f"unit {body.unit_id} does not exist",
                errors=[{"loc": ["body", "unit_id"], "msg": "unknown unit", "type": "reference"}],
            )
        return unplaced_participants(session, body.unit_id), {}
    found = {p.id: p for p in participants_by_id(session, body.participant_ids)}
    missing = [pid for pid in body.participant_ids if pid not in found]
    if missing:
        raise InvalidReference(
            f"unknown participants: {missing[:20]}",
            errors=[
                {"loc": ["body", "participant_ids", k], "msg": "unknown", "type": "reference"}
                for k, pid in enumerate(body.participant_ids)
                if pid in set(missing)
            ][:20],
        )
    excluded = {pid: INACTIVE for pid, p in found.items() if not p.active}
    for pid in booked_participants(session, list(found)):
        excluded.setdefault(pid, ALREADY_PLACED)
    return [found[pid] for pid in body.participant_ids], excluded


def propose(
    session: Session,
    user: User,
    where: Where,
    body: PlanCreate,
    catalog: Catalog,
    *,
    decline_memory_days: int = 0,
) -> tuple[Plan, list[PlanRow]]:
    """Solve and save an optimal plan for a cohort against ``catalog`` (today's); a pair
    declined or withdrawn within ``decline_memory_days`` is not planned (as the lists)."""
    participants, excluded = _cohort(session, body)
    turned_down = turned_down_pairs(
        session,
        [p.id for p in participants if p.id not in excluded],
        declined_since(catalog.day, decline_memory_days),
    )
    plan, rows = make_plan(
        catalog,
        participants,
        body.options,
        capacities=department_capacities(catalog),
        catalog_version=catalog_version(session),
        excluded=excluded,
        unit_id=body.unit_id if isinstance(body, PlanForUnit) else None,
        by=user.id,
        turned_down=turned_down,
    )
    save_plan(session, plan, rows)
    _log_participants(session, user, where, [r.participant_id for r in rows], "plan")
    return plan, rows


def read(session: Session, user: User, where: Where, plan_id: int) -> tuple[Plan, list[PlanRow]]:
    """A plan and its rows; every participant named is logged as read."""
    plan = plan_or_404(session, plan_id)
    rows = plan_rows(session, plan_id)
    _log_participants(session, user, where, [r.participant_id for r in rows], "read")
    return plan, rows


def _live(rows: list[PlanRow]) -> list[PlanRow]:
    return [r for r in rows if r.placement_id is not None and not r.dropped]


def edit_rows(
    session: Session,
    user: User,
    where: Where,
    plan_id: int,
    body: PlanRowsEdit,
    catalog: Catalog,
) -> tuple[Plan, list[PlanRow]]:
    """Drop rows or move them to another placement; moved rows are re-checked, totals redone."""
    plan = plan_or_404(session, plan_id, for_update=True)
    if plan.status is not PlanStatus.proposed:
        raise Conflict(f"plan {plan_id} is {plan.status.value}; only a proposal can be edited")
    rows = plan_rows(session, plan_id)
    by_id = {row.id: row for row in rows}
    for k, edit in enumerate(body.edits):
        row = by_id.get(edit.row_id)
        if row is None:
            raise InvalidReference(
                f"plan {plan_id} has no row {edit.row_id}",
                errors=[{"loc": ["body", "edits", k, "row_id"], "msg": "unknown", "type": "ref"}],
            )
        if isinstance(edit, DropRow):
            row.dropped, row.edited = True, True
            continue
        try:
            catalog.compiled.index_of(edit.placement_id)
        except KeyError:
            raise InvalidReference(
                f"placement {edit.placement_id} is not an open placement",
                errors=[
                    {"loc": ["body", "edits", k, "placement_id"], "msg": "not open", "type": "ref"}
                ],
            ) from None
        participant = get_participant(session, row.participant_id)
        exclusions = reassign_row(catalog, row, participant, edit.placement_id)
        if exclusions:
            raise Conflict(
                f"participant {row.participant_id} is not eligible for placement "
                f"{edit.placement_id}: " + "; ".join(exclusions),
                what="eligibility",
                row_id=row.id,
                exclusions=exclusions,
            )
    conflicts = capacity_conflicts(catalog, rows)
    if conflicts:
        raise CapacityFull(
            f"the edited plan asks more than is left in {len(conflicts)} place(s)",
            conflicts=conflicts,
        )
    live = _live(rows)
    plan.edited = True
    plan.n_assigned = len(live)
    plan.total_score = round(sum(r.score or 0.0 for r in live), 4)
    plan.shortfalls = plan_shortfalls(department_capacities(catalog), rows)
    save_plan(session, plan, rows)
    _log_participants(session, user, where, [r.participant_id for r in rows], "plan")
    return plan, rows


def apply(
    session: Session,
    user: User,
    where: Where,
    plan_id: int,
    *,
    on: date,
    book_ahead_days: int,
) -> tuple[Plan, list[PlanRow]]:
    """Book every live row on ``on`` in this transaction; if anything is gone, book nothing.

    The state machine: only a ``proposed`` plan with live rows can be applied, once;
    it then is ``applied`` (by whom, when) and its rows point at their matches.
    """
    plan = plan_or_404(session, plan_id, for_update=True)
    if plan.status is not PlanStatus.proposed:
        raise Conflict(f"plan {plan_id} was already applied at {plan.applied_at}")
    rows = plan_rows(session, plan_id)
    live = _live(rows)
    if not live:
        raise Conflict(f"plan {plan_id} has no rows left to book")
    conflicts, participants, placements = plan_conflicts(
        session, live, on, book_ahead_days=book_ahead_days
    )
    if conflicts:
        raise CapacityFull(
            f"plan {plan_id} cannot be applied: {len(conflicts)} conflict(s); nothing was booked",
            conflicts=conflicts,
        )
    try:
        book_rows(
            session, live, participants, placements, by=user.id, on=on,
            book_ahead_days=book_ahead_days,
        )  # fmt: skip
    except booking.BookingRefused as refused:
        # checked under lock above, so only a rule the check does not know can land here
        raise booking.BookingRefused(
            f"plan {plan_id} cannot be applied; nothing was booked: {refused.detail}",
            what=refused.what,
            full=True,
            conflicts=[{"what": refused.what, "detail": refused.detail}],
        ) from None
    plan.status = PlanStatus.applied
    plan.applied_by = user.id
    plan.applied_at = utcnow()
    save_plan(session, plan, [])
    _log_participants(session, user, where, [r.participant_id for r in live], "write")
    return plan, rows
