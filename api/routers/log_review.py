"""Admins: the log review (loggkontroll) of the access log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import SessionDep, roles
from api.errors import BadRequest, problems
from api.services.log_review import log_review
from models.org import Role

router = APIRouter(tags=["admin"])

Day = Annotated[date, Query(ge=date(1990, 1, 1), le=date(2100, 12, 31))]


class LogReview(BaseModel):
    window: dict[str, datetime]
    rule: dict[str, float]
    reads_outside_unit: list[dict[str, Any]]
    refused_attempts: list[dict[str, Any]]
    unusual_volumes: list[dict[str, Any]]
    role_medians: dict[str, float]


@router.get(
    "/access-log/review",
    response_model=LogReview,
    openapi_extra=roles(Role.admin),
    responses=problems(400),
)
def review(
    session: SessionDep,
    from_: Annotated[Day, Query(alias="from")],
    to: Day,
    factor: Annotated[float, Query(gt=1, le=100)] = 3.0,
    min_records: Annotated[int, Query(ge=1, le=100_000)] = 50,
):
    """Reads outside the reader's unit, refused attempts, unusual volumes per user per day."""
    if to < from_:
        raise BadRequest("'to' is before 'from'")
    if (to - from_).days > 366:
        raise BadRequest("review at most a year at a time")
    start = datetime.combine(from_, time(), tzinfo=UTC)
    stop = datetime.combine(to + timedelta(days=1), time(), tzinfo=UTC)
    return log_review(session, start=start, stop=stop, factor=factor, min_records=min_records)
