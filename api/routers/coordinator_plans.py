"""Coordinators' cohort plans: propose, review, edit rows, apply once, read the prices.

Mounted by :mod:`api.routers.coordinators`. A plan is a proposal against today's
capacity; applying it books every live row in one transaction or nothing (409 listing
every conflict). Every participant a plan names is logged in the access log.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.access import record_access
from api.deps import CurrentUser, IdPath, SessionDep, roles
from api.engine import Catalog
from api.errors import CapacityFull, Conflict, Forbidden, InvalidReference, NotFound, problems
from api.oversight import SuggestionsOpen
from api.pagination import Paged, PageDep
from api.planning import (
    ALREADY_PLACED,
    INACTIVE,
    capacity_conflicts,
    department_capacities,
    make_plan,
    plan_shortfalls,
    reassign_row,
)
from models import booking
from models.base import utcnow
from models.catalog_state import catalog_version
from models.matching_inputs import unplaced_participants
from models.org import Role, Unit
from models.participant import Participant
from models.plan_apply import book_rows, plan_conflicts
from models.plans import (
    DropRow,
    Plan,
    PlanCreate,
    PlanForUnit,
    PlanPrices,
    PlanPublic,
    PlanRowsEdit,
    PlanStatus,
    PlanSummary,
    booked_participants,
    get_plan,
    list_plans,
    participants_by_id,
    plan_prices,
    plan_rows,
    save_plan,
)

router = APIRouter(tags=["coordinators"])

PLANNERS = (Role.coordinator, Role.admin)


def _plan_or_404(session, plan_id: int, *, for_update: bool = False) -> Plan:
    plan = get_plan(session, plan_id, for_update=for_update)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    return plan


def _catalog(request: Request, session) -> Catalog:
    """The app's cached compiled catalog for the municipality's today (the booking day)."""
    return request.app.state.catalog.get(session, booking.local_today())


def _log_participants(session, user, request: Request, ids, action: str) -> None:
    for participant_id in sorted(set(ids)):
        record_access(session, user, request, participant_id, action)


def _cohort(session, body: PlanCreate) -> tuple[list[Participant], dict[int, str]]:
    """The participants to plan, and those kept out with their reason."""
    if isinstance(body, PlanForUnit):
        if session.get(Unit, body.unit_id) is None:
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


@router.post(
    "/plans",
    status_code=201,
    response_model=PlanPublic,
    openapi_extra=roles(*PLANNERS),
    responses=problems(503),
    dependencies=[SuggestionsOpen],
)
def create_plan(
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    body: PlanCreate,
):
    """Propose an optimal placement of a cohort (a list, or a unit's unplaced participants)."""
    participants, excluded = _cohort(session, body)
    catalog = _catalog(request, session)
    unit_id = body.unit_id if isinstance(body, PlanForUnit) else None
    plan, rows = make_plan(
        catalog,
        participants,
        body.options,
        capacities=department_capacities(catalog),
        catalog_version=catalog_version(session),
        excluded=excluded,
        unit_id=unit_id,
        by=user.id,
    )
    save_plan(session, plan, rows)
    _log_participants(session, user, request, [r.participant_id for r in rows], "plan")
    return PlanPublic.build(plan, rows)


@router.get(
    "/plans",
    response_model=Paged[PlanSummary],
    openapi_extra=roles(*PLANNERS),
    responses=problems(),
)
def get_plans(session: SessionDep, page: PageDep, status: PlanStatus | None = None):
    """List cohort plans, newest first."""
    rows, total = list_plans(session, status=status, offset=page.offset, limit=page.limit)
    data = [PlanSummary.from_row(plan) for plan in rows]
    return Paged(data=data, count=total, offset=page.offset, limit=page.limit)


@router.get(
    "/plans/{plan_id}",
    response_model=PlanPublic,
    openapi_extra=roles(*PLANNERS),
    responses=problems(404),
)
def read_plan(session: SessionDep, user: CurrentUser, request: Request, plan_id: IdPath):
    """A plan's rows (placement, score, contributions), unassigned reasons and shortfalls."""
    plan = _plan_or_404(session, plan_id)
    rows = plan_rows(session, plan_id)
    _log_participants(session, user, request, [r.participant_id for r in rows], "read")
    return PlanPublic.build(plan, rows)


@router.get(
    "/plans/{plan_id}/prices",
    response_model=PlanPrices,
    openapi_extra=roles(*PLANNERS),
    responses=problems(404),
)
def read_plan_prices(session: SessionDep, plan_id: IdPath):
    """The plan's dual prices: opportunity cost of one more slot or quota place (non-zero)."""
    placement, department = plan_prices(_plan_or_404(session, plan_id))
    return PlanPrices(plan_id=plan_id, placement_prices=placement, department_prices=department)


@router.patch(
    "/plans/{plan_id}/rows",
    response_model=PlanPublic,
    openapi_extra=roles(*PLANNERS),
    responses=problems(404, 409, 503),
    dependencies=[SuggestionsOpen],
)
def edit_plan_rows(
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    plan_id: IdPath,
    body: PlanRowsEdit,
):
    """Drop rows or change their placement; changed rows are re-checked, the plan is marked."""
    plan = _plan_or_404(session, plan_id, for_update=True)
    if plan.status is not PlanStatus.proposed:
        raise Conflict(f"plan {plan_id} is {plan.status.value}; only a proposal can be edited")
    rows = plan_rows(session, plan_id)
    by_id = {row.id: row for row in rows}
    catalog = _catalog(request, session)
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
        participant = session.get(Participant, row.participant_id)
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
    live = [r for r in rows if r.placement_id is not None and not r.dropped]
    plan.edited = True
    plan.n_assigned = len(live)
    plan.total_score = round(sum(r.score or 0.0 for r in live), 4)
    plan.shortfalls = plan_shortfalls(department_capacities(catalog), rows)
    session.add_all([plan, *rows])
    session.flush()
    _log_participants(session, user, request, [r.participant_id for r in rows], "plan")
    return PlanPublic.build(plan, rows)


@router.post(
    "/plans/{plan_id}/apply",
    response_model=PlanPublic,
    openapi_extra=roles(*PLANNERS),
    responses=problems(403, 404, 409, 503),
    dependencies=[SuggestionsOpen],
)
def apply_plan(session: SessionDep, user: CurrentUser, request: Request, plan_id: IdPath):
    """Book every live row in one transaction; if anything is gone, book nothing (409)."""
    if not user.is_person:
        raise Forbidden("a service account cannot book placements; use a person's token")
    plan = _plan_or_404(session, plan_id, for_update=True)
    if plan.status is not PlanStatus.proposed:
        raise Conflict(f"plan {plan_id} was already applied at {plan.applied_at}")
    rows = plan_rows(session, plan_id)
    live = [r for r in rows if r.placement_id is not None and not r.dropped]
    if not live:
        raise Conflict(f"plan {plan_id} has no rows left to book")
    today = booking.local_today()
    horizon = request.app.state.catalog.policy.book_ahead_days
    conflicts, participants, placements = plan_conflicts(
        session, live, today, book_ahead_days=horizon
    )
    if conflicts:
        raise CapacityFull(
            f"plan {plan_id} cannot be applied: {len(conflicts)} conflict(s); nothing was booked",
            conflicts=conflicts,
        )
    try:
        book_rows(
            session,
            live,
            participants,
            placements,
            by=user.id,
            on=today,
            book_ahead_days=horizon,
        )
    except booking.BookingRefused as refused:
        # checked under lock above, so only a rule the check does not know can land here
        raise CapacityFull(
            f"plan {plan_id} cannot be applied; nothing was booked: {refused.detail}",
            conflicts=[{"what": refused.what, "detail": refused.detail}],
        ) from None
    plan.status = PlanStatus.applied
    plan.applied_by = user.id
    plan.applied_at = utcnow()
    session.add(plan)
    session.flush()
    _log_participants(session, user, request, [r.participant_id for r in live], "write")
    return PlanPublic.build(plan, rows)
