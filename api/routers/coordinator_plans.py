"""Coordinators' cohort plans: propose, review, edit rows, apply once, read the prices.

Mounted by :mod:`api.routers.coordinators`. HTTP only; the rules are
:mod:`api.services.plans`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.access import Where
from api.deps import (
    CatalogDep,
    ClockDep,
    CurrentPerson,
    CurrentUser,
    IdPath,
    SessionDep,
    SettingsDep,
    TodaysCatalog,
    roles,
)
from api.errors import problems
from api.oversight import SuggestionsOpen
from api.pagination import Paged, PageDep
from api.services import plans
from models.org import Role
from models.plans import (
    PlanCreate,
    PlanPrices,
    PlanPublic,
    PlanRowsEdit,
    PlanStatus,
    PlanSummary,
    plan_prices,
)
from models.repo_plans import list_plans
from models.repo_standing_plan import standing_plans_page
from models.standing_plan import StandingPlanPublic

router = APIRouter(tags=["coordinators"])

PLANNERS = (Role.coordinator, Role.admin)


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
    catalog: TodaysCatalog,
    settings: SettingsDep,
):
    """Propose an optimal placement of a cohort (a list, or a unit's unplaced participants).

    A placement declined for a participant, or booked and withdrawn, within
    PLATSA_DECLINE_MEMORY_DAYS is not planned for them (their lists leave it out too)."""
    return PlanPublic.build(
        *plans.propose(
            session,
            user,
            Where.of(request),
            body,
            catalog,
            decline_memory_days=settings.decline_memory_days,
        )  # fmt: skip
    )


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
    "/standing-plans",
    response_model=Paged[StandingPlanPublic],
    openapi_extra=roles(*PLANNERS),
    responses=problems(),
)
def get_standing_plans(session: SessionDep, page: PageDep):
    """The system's own standing plan over everyone waiting, newest solve first: when and
    why it was solved (``trigger``), against which scorer, how many of the waiting it
    placed, and how many prices it set. The newest one younger than two days prices the
    suggestions; a coordinator's plan never does."""
    rows, total = standing_plans_page(session, offset=page.offset, limit=page.limit)
    data = [StandingPlanPublic.of(plan) for plan in rows]
    return Paged(data=data, count=total, offset=page.offset, limit=page.limit)


@router.get(
    "/plans/{plan_id}",
    response_model=PlanPublic,
    openapi_extra=roles(*PLANNERS),
    responses=problems(404),
)
def read_plan(session: SessionDep, user: CurrentUser, request: Request, plan_id: IdPath):
    """A plan's rows (placement, score, contributions), unassigned reasons and shortfalls."""
    return PlanPublic.build(*plans.read(session, user, Where.of(request), plan_id))


@router.get(
    "/plans/{plan_id}/prices",
    response_model=PlanPrices,
    openapi_extra=roles(*PLANNERS),
    responses=problems(404),
)
def read_plan_prices(session: SessionDep, plan_id: IdPath):
    """The plan's dual prices (non-zero): what one more slot or quota place is worth to this
    proposal; they never price suggestions (the system's standing plan does)."""
    placement, department = plan_prices(plans.plan_or_404(session, plan_id))
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
    catalog: TodaysCatalog,
):
    """Drop rows or change their placement; changed rows are re-checked, the plan is marked."""
    return PlanPublic.build(
        *plans.edit_rows(session, user, Where.of(request), plan_id, body, catalog)
    )


@router.post(
    "/plans/{plan_id}/apply",
    response_model=PlanPublic,
    openapi_extra=roles(*PLANNERS),
    responses=problems(403, 404, 409, 503),
    dependencies=[SuggestionsOpen],
)
def apply_plan(
    session: SessionDep,
    user: CurrentPerson,
    request: Request,
    plan_id: IdPath,
    catalog: CatalogDep,
    clock: ClockDep,
):
    """Book every live row in one transaction; if anything is gone, book nothing (409)."""
    applied = plans.apply(
        session,
        user,
        Where.of(request),
        plan_id,
        on=clock.today(),
        book_ahead_days=catalog.policy.book_ahead_days,
    )
    return PlanPublic.build(*applied)
