"""The quota repository without HTTP: versions and history, booked counts, fill rates."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session

from models import repo_booking as booking
from models.clock import municipal_today
from models.org import QuotaCreate
from models.quotas import add_quota, change_quota
from models.repo_quotas import (
    booked_against,
    department_fill_rates,
    overlapping_quota,
    quota_history,
)
from tests.factories import (
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_unit,
)


def _department_with_placement(session: Session, slots: int = 3):
    department = make_department(session, name="Parkförvaltningen")
    make_concept(session, id="area-parks", kind="occupation")
    make_placement_type(session)
    placement = make_placement(session, department=department, work_area="area-parks", slots=slots)
    return department, placement


def test_a_quota_is_versioned_and_its_history_kept(session):
    department, _ = _department_with_placement(session)
    body = QuotaCreate(
        department_id=department.id, period_start=date(2026, 1, 1), period_end=date(2026, 12, 31),
        min_headcount=1, max_headcount=4,
    )  # fmt: skip
    quota = add_quota(session, body, by=None)
    change_quota(session, quota, {"max_headcount": 6}, by=None)
    history = quota_history(session, quota.id)
    assert [(h.version, h.max_headcount) for h in history] == [(1, 4), (2, 6)]
    assert quota.version == 2
    clash = overlapping_quota(session, department.id, date(2026, 12, 1), date(2027, 2, 1))
    assert clash is not None and clash.id == quota.id
    assert overlapping_quota(session, department.id, date(2027, 1, 1), date(2027, 2, 1)) is None


def test_fill_rates_count_what_is_booked_against_the_quota(session):
    # fill rates read the booking log as of the end of the day: book today, report today
    today = municipal_today()
    department, placement = _department_with_placement(session, slots=3)
    body = QuotaCreate(
        department_id=department.id, period_start=today - timedelta(days=30),
        period_end=today + timedelta(days=30), min_headcount=2, max_headcount=4,
    )  # fmt: skip
    quota = add_quota(session, body, by=None)
    participant = make_participant(session, unit=make_unit(session))
    booking.accept(session, participant=participant, placement=placement, by=None, on=today)
    session.commit()
    assert booked_against(session, quota) == 1
    (row,) = department_fill_rates(session, today)
    assert (row.department_id, row.booked, row.max_headcount) == (department.id, 1, 4)
    assert (row.quota_remaining, row.short_of_minimum, row.open_slots) == (3, 1, 2)
    assert row.fill_rate == 0.25
    assert department_fill_rates(session, today + timedelta(days=31)) == []
