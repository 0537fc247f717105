"""Coordinators: department quotas and fill rates; cohort plans come from coordinator_plans."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Header, Query
from pydantic import BeforeValidator

from api.deps import ClockDep, CurrentUser, IdPath, IdQuery, SessionDep, roles
from api.errors import problems
from api.pagination import Paged, PageDep
from api.routers import coordinator_plans
from api.services import quotas
from models.org import QuotaCreate, QuotaPublic, QuotaUpdate, Role
from models.quotas import FillRatePublic, QuotaRevisionPublic
from models.repo_quotas import list_quotas

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


class FillRateGrouping(StrEnum):
    department = "department"
    work_area = "work_area"


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
    return quotas.create(session, body, by=user.id)


@router.get(
    "/quotas/{quota_id}",
    response_model=QuotaPublic,
    openapi_extra=roles(*READERS),
    responses=problems(404),
)
def read_quota(session: SessionDep, quota_id: IdPath):
    """One quota with its booked headcount and version."""
    return quotas.quota_or_404(session, quota_id)


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
    return quotas.update(session, quota_id, body, if_match=if_match, by=user.id)


@router.get(
    "/quotas/{quota_id}/history",
    response_model=list[QuotaRevisionPublic],
    openapi_extra=roles(*READERS),
    responses=problems(404),
)
def read_quota_history(session: SessionDep, quota_id: IdPath):
    """Every version of a quota, oldest first, with who set it."""
    return quotas.history(session, quota_id)


@router.get(
    "/fill-rates",
    response_model=list[FillRatePublic],
    openapi_extra=roles(*READERS),
    responses=problems(),
)
def fill_rates(
    session: SessionDep,
    clock: ClockDep,
    on: Annotated[
        IsoDate | None, Query(description="the day to report (default: today in the municipality)")
    ] = None,
    group_by: FillRateGrouping = FillRateGrouping.department,
):
    """Booked, minimum, maximum, open slots, fill rate and weekly trend per department or area."""
    by_work_area = group_by is FillRateGrouping.work_area
    return quotas.fill_rates(session, on or clock.today(), by_work_area=by_work_area)
