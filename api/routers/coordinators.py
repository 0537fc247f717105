"""Coordinators: department quotas and fill rates; cohort plans come from coordinator_plans."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Header, Query
from pydantic import BeforeValidator

from api.deps import CurrentUser, IdPath, IdQuery, SessionDep, roles
from api.errors import Conflict, InvalidReference, NotFound, PlatsaError, problems
from api.pagination import Paged, PageDep
from api.routers import coordinator_plans
from models.booking import local_today
from models.org import Department, Quota, QuotaCreate, QuotaPublic, QuotaUpdate, Role
from models.quotas import (
    FillRatePublic,
    QuotaRevisionPublic,
    add_quota,
    booked_against,
    change_quota,
    department_fill_rates,
    get_quota,
    list_quotas,
    overlapping_quota,
    quota_history,
    work_area_fill_rates,
)

router = APIRouter(tags=["coordinators"])
router.include_router(coordinator_plans.router)

READERS = (Role.caseworker, Role.coordinator, Role.admin, Role.evaluator)
WRITERS = (Role.coordinator, Role.admin)


def _iso_date(value):
    # a bare number would otherwise pass as a Unix timestamp; the schema promises YYYY-MM-DD
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise ValueError("a date as YYYY-MM-DD")
    return value


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class InvalidQuota(PlatsaError):
    """The bounds after a change contradict each other (the body alone was valid)."""

    status, slug, title = 422, "invalid-quota", "Invalid quota"


class FillRateGrouping(StrEnum):
    department = "department"
    work_area = "work_area"


def _quota_or_404(session, quota_id: int, *, for_update: bool = False) -> Quota:
    quota = get_quota(session, quota_id, for_update=for_update)
    if quota is None:
        raise NotFound(f"quota {quota_id} not found")
    return quota


@router.get(
    "/quotas",
    response_model=Paged[QuotaPublic],
    openapi_extra=roles(*READERS),
    responses=problems(),
)
def get_quotas(
    session: SessionDep,
    page: PageDep,
    department_id: IdQuery = None,
    on: Annotated[
        IsoDate | None, Query(description="only quotas whose period covers this day")
    ] = None,
):
    """List quotas, optionally of one department or covering one day."""
    rows, total = list_quotas(
        session, department_id=department_id, on=on, offset=page.offset, limit=page.limit
    )
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)


@router.post(
    "/quotas",
    status_code=201,
    response_model=QuotaPublic,
    openapi_extra=roles(*WRITERS),
    responses=problems(409),
)
def create_quota(session: SessionDep, user: CurrentUser, body: QuotaCreate):
    """Set a department's quota for a period (periods of one department may not overlap)."""
    if session.get(Department, body.department_id) is None:
        raise InvalidReference(
            f"department {body.department_id} does not exist",
            errors=[{"loc": ["body", "department_id"], "msg": "unknown", "type": "reference"}],
        )
    clash = overlapping_quota(session, body.department_id, body.period_start, body.period_end)
    if clash is not None:
        raise Conflict(
            f"department {body.department_id} already has quota {clash.id} for "
            f"{clash.period_start}..{clash.period_end}; change that one instead",
            quota_id=clash.id,
        )
    return add_quota(session, body, by=user.id)


@router.get(
    "/quotas/{quota_id}",
    response_model=QuotaPublic,
    openapi_extra=roles(*READERS),
    responses=problems(404),
)
def read_quota(session: SessionDep, quota_id: IdPath):
    """One quota with its booked headcount and version."""
    return _quota_or_404(session, quota_id)


@router.patch(
    "/quotas/{quota_id}",
    response_model=QuotaPublic,
    openapi_extra=roles(*WRITERS),
    responses=problems(404, 409),
)
def update_quota(
    session: SessionDep,
    user: CurrentUser,
    quota_id: IdPath,
    body: QuotaUpdate,
    if_match: Annotated[
        str | None, Header(description="the version you changed; 409 if it moved on")
    ] = None,
):
    """Change a quota's minimum or maximum; the maximum may not go below what is booked."""
    quota = _quota_or_404(session, quota_id, for_update=True)
    if if_match is not None and if_match.strip('W/"') != str(quota.version):
        raise Conflict(
            f"quota {quota_id} is at version {quota.version}, not {if_match}",
            version=quota.version,
        )
    changes = {
        name: value
        for name, value in body.model_dump(exclude_unset=True, exclude={"reason"}).items()
        if value is not None and value != getattr(quota, name)
    }
    if not changes:
        return quota
    new_min = changes.get("min_headcount", quota.min_headcount)
    new_max = changes.get("max_headcount", quota.max_headcount)
    if new_min > new_max:
        raise InvalidQuota(
            f"min_headcount {new_min} would exceed max_headcount {new_max}",
            errors=[{"loc": ["body", "min_headcount"], "msg": "above maximum", "type": "value"}],
        )
    booked = booked_against(session, quota)
    if new_max < booked:
        raise Conflict(
            f"quota {quota_id} has {booked} booked; the maximum may not go below that",
            booked=booked,
        )
    reason = (body.reason or "").strip() or None
    return change_quota(session, quota, changes, by=user.id, reason=reason)


@router.get(
    "/quotas/{quota_id}/history",
    response_model=list[QuotaRevisionPublic],
    openapi_extra=roles(*READERS),
    responses=problems(404),
)
def read_quota_history(session: SessionDep, quota_id: IdPath):
    """Every version of a quota, oldest first, with who set it."""
    _quota_or_404(session, quota_id)
    return quota_history(session, quota_id)


@router.get(
    "/fill-rates",
    response_model=list[FillRatePublic],
    openapi_extra=roles(*READERS),
    responses=problems(),
)
def fill_rates(
    session: SessionDep,
    on: Annotated[
        IsoDate | None, Query(description="the day to report (default: today in the municipality)")
    ] = None,
    group_by: FillRateGrouping = FillRateGrouping.department,
):
    """Booked, minimum, maximum, open slots, fill rate and weekly trend per department or area."""
    day = on or local_today()
    if group_by is FillRateGrouping.work_area:
        return work_area_fill_rates(session, day)
    return department_fill_rates(session, day)
