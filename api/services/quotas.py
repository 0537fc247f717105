"""Department quotas per period, their history, and fill rates."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from api.errors import Conflict, InvalidReference, NotFound, PlatsaError
from models.org import Quota, QuotaCreate, QuotaUpdate
from models.quotas import FillRatePublic, QuotaRevisionPublic, add_quota, change_quota
from models.repo_catalog import get_department
from models.repo_quotas import (
    booked_against,
    department_fill_rates,
    get_quota,
    overlapping_quota,
    quota_history,
    work_area_fill_rates,
)


class InvalidQuota(PlatsaError):
    """The bounds after a change contradict each other (the body alone was valid)."""

    status, slug, title = 422, "invalid-quota", "Invalid quota"


def quota_or_404(session: Session, quota_id: int, *, for_update: bool = False) -> Quota:
    quota = get_quota(session, quota_id, for_update=for_update)
    if quota is None:
        raise NotFound(f"quota {quota_id} not found")
    return quota


def create(session: Session, body: QuotaCreate, *, by: int) -> Quota:
    """A department's quota for a period; periods of one department may not overlap."""
    if get_department(session, body.department_id) is None:
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
    return add_quota(session, body, by=by)


def update(
    session: Session, quota_id: int, body: QuotaUpdate, *, if_match: str | None, by: int
) -> Quota:
    """Change a quota's bounds: optimistic on ``if_match``, never below what is booked."""
    quota = quota_or_404(session, quota_id, for_update=True)
    if if_match is not None and if_match.strip('W/"') != str(quota.version):
        raise Conflict(
            f"quota {quota_id} is at version {quota.version}, not {if_match}",
            version=quota.version,
        )
    changes: dict[str, Any] = {
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
    return change_quota(session, quota, changes, by=by, reason=reason)


def history(session: Session, quota_id: int) -> list[QuotaRevisionPublic]:
    """Every version of a quota, oldest first."""
    quota_or_404(session, quota_id)
    return quota_history(session, quota_id)


def fill_rates(session: Session, on: date, *, by_work_area: bool) -> list[FillRatePublic]:
    """Booked, bounds, open slots, fill rate and weekly trend on ``on``."""
    if by_work_area:
        return work_area_fill_rates(session, on)
    return department_fill_rates(session, on)
