"""Coordinator pages: quotas with fill bars, inline edits with a reason, the fill trend,
and cohort plans (create, review row by row, drop or move rows, apply)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from api.deps import IdPath, SessionDep
from api.pages import calls, i18n
from api.pages.guard import admits
from api.pages.render import render
from api.pages.signin import check_csrf
from api.routers import coordinator_plans as plans_api
from api.routers import coordinators as coordinators_api
from models.org import QuotaUpdate, User
from models.plans import DropRow, MoveRow, PlanForParticipants, PlanForUnit, PlanRowsEdit

router = APIRouter(include_in_schema=False, dependencies=[Depends(i18n.speak), Depends(check_csrf)])

MAX_ID = 2**31 - 1


def _(message: str) -> str:
    return i18n.gettext(message)


def trend_points(rates) -> list[tuple[str, int]]:
    """The weekly booked count summed over departments, oldest first (for the chart)."""
    totals: dict = {}
    for rate in rates:
        for point in rate.trend:
            totals[point.on] = totals.get(point.on, 0) + point.booked
    return sorted(totals.items())


@router.get("/quotas")
def quotas_page(
    request: Request,
    session: SessionDep,
    user: User = admits(coordinators_api.fill_rates),
    done: str | None = None,
):
    """Each department's quota for today's period: booked against minimum and maximum."""
    rates = calls.fill_rates(session, request)
    versions = {r.quota_id: calls.quota(session, r.quota_id).version for r in rates if r.quota_id}
    return render(
        request,
        "coordinator/quotas.html",
        {
            "title": _("Quotas"),
            "rates": rates,
            "versions": versions,
            "trend": trend_points(rates),
            "may_edit": user.role.value in _writers(),
            "flash": _("The quota is changed.") if done == "quota" else None,
        },
    )


def _writers():
    from api.pages.guard import api_roles

    return api_roles(coordinators_api.update_quota)


@router.post("/quotas/{quota_id}")
def change_quota(
    quota_id: IdPath,
    request: Request,
    session: SessionDep,
    min_headcount: Annotated[int, Form(ge=0, le=100_000)],
    max_headcount: Annotated[int, Form(ge=0, le=100_000)],
    reason: Annotated[str, Form(min_length=1, max_length=500)],
    version: Annotated[int, Form(ge=1)],
    user: User = admits(coordinators_api.update_quota),
):
    """Change a quota's bounds with a reason; if someone changed it meanwhile, a 409."""
    body = QuotaUpdate(min_headcount=min_headcount, max_headcount=max_headcount, reason=reason)
    calls.change_quota(session, user, quota_id, body, version)
    return RedirectResponse("/quotas?done=quota", status_code=303)


@router.get("/quotas/{quota_id}/history")
def quota_history_page(
    quota_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(coordinators_api.read_quota_history),
):
    return render(
        request,
        "coordinator/quota_history.html",
        {"title": _("Quota history"), "rows": calls.quota_history(session, quota_id)},
    )


@router.get("/plans")
def plans_page(request: Request, session: SessionDep, user: User = admits(plans_api.get_plans)):
    """Stored plans, newest first, and the form for a new one."""
    return render(
        request,
        "coordinator/plans.html",
        {
            "title": _("Cohort plans"),
            "plans": calls.plans(session, offset=0, limit=50).data,
            "units": calls.units(session),
            "standing": next(iter(calls.standing_plans(session, limit=1).data), None),
            "triggers": standing_triggers(),
        },
    )


def standing_triggers() -> dict[str, str]:
    """Why the system solved its plan again (api.standing_plan.due), for the page."""
    return {
        "none": _("the first plan"),
        "new_day": _("a new day"),
        "scorer": _("another scorer"),
        "catalog": _("placements changed"),
        "bookings": _("bookings, withdrawals or quotas changed"),
        "caseload": _("the caseload changed"),
        "age": _("an hour passed with changes"),
        "forced": _("solved on request"),
    }


@router.post("/plans")
def create_plan(
    request: Request,
    session: SessionDep,
    user: User = admits(plans_api.create_plan),
    unit_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    participant_ids: Annotated[str, Form(max_length=20_000)] = "",
    priority_weight: Annotated[float | None, Form(ge=0, le=10)] = None,
):
    """Plan a unit's waiting participants, or the participants named by id."""
    options = {} if priority_weight is None else {"priority_weight": priority_weight}
    named = [int(t) for t in participant_ids.replace(",", " ").split() if t.isdigit()]
    if named:
        body = PlanForParticipants(participant_ids=named, options=options)
    else:
        body = PlanForUnit(unit_id=unit_id or 0, options=options)
    plan = calls.create_plan(session, user, request, body)
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


@router.get("/plans/{plan_id}")
def plan_page(
    plan_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(plans_api.read_plan),
    done: str | None = None,
):
    """The plan row by row with each row's factors, the unassigned with their reasons."""
    plan = calls.plan(session, user, request, plan_id)
    placements = calls.open_placements(session, offset=0, limit=200).data
    return render(
        request,
        "coordinator/plan.html",
        {
            "title": _("Cohort plan") + f" {plan.id}",
            "plan": plan,
            "placements": placements,
            "titles": {p.id: p.title for p in placements},
            "reasons": unassigned_reasons(),
            "flash": {
                "edited": _("The plan is changed."),
                "applied": _("The plan is applied: every row is booked."),
            }.get(done or ""),
        },
    )


def unassigned_reasons() -> dict[str, str]:
    return {
        "capacity": _("Every eligible place is taken by another participant in the plan"),
        "no_eligible_placement": _("No eligible placement with a slot and quota left"),
        "below_min_probability": _(
            "Every eligible open placement is below the plan's minimum probability of success"
        ),
        "already_placed": _("Already in a placement"),
        "inactive": _("Inactive"),
    }


@router.post("/plans/{plan_id}/rows/{row_id}")
def edit_row(
    plan_id: IdPath,
    row_id: IdPath,
    request: Request,
    session: SessionDep,
    action: Annotated[str, Form(pattern="^(drop|move)$")],
    user: User = admits(plans_api.edit_plan_rows),
    placement_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
):
    """Drop a row, or move it to another placement (re-checked by the same rules)."""
    if action == "drop":
        edit = DropRow(row_id=row_id, drop=True)
    else:
        edit = MoveRow(row_id=row_id, placement_id=placement_id or 0)
    calls.edit_plan_rows(session, user, request, plan_id, PlanRowsEdit(edits=[edit]))
    return RedirectResponse(f"/plans/{plan_id}?done=edited", status_code=303)


@router.post("/plans/{plan_id}/apply")
def apply_plan(
    plan_id: IdPath,
    request: Request,
    session: SessionDep,
    user: User = admits(plans_api.apply_plan),
):
    """Book every live row at once, or nothing (the error page lists every conflict)."""
    calls.apply_plan(session, user, request, plan_id)
    return RedirectResponse(f"/plans/{plan_id}?done=applied", status_code=303)
