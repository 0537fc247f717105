"""The booking repository without HTTP: accept books a slot and a quota place or refuses,
naming the rule, and a release gives both back. Plus the acceptance rules themselves."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from models import repo_booking as booking
from models.acceptance import acceptance_refusals
from models.match import Match, MatchEvent, MatchStatus
from models.org import Quota
from models.placement import Placement
from models.repo_catalog_state import catalog_version
from tests.factories import (
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_quota,
    make_unit,
)

ON = date(2026, 6, 1)


@pytest.fixture
def pair(session: Session):
    """(participant, second participant, placement with 1 slot, its department's quota)."""
    unit, department = make_unit(session), make_department(session)
    make_concept(session, id="area-care", kind="occupation")
    make_placement_type(session)
    quota = make_quota(session, department=department, max_headcount=5)
    placement = make_placement(session, department=department, work_area="area-care", slots=1)
    first, second = make_participant(session, unit=unit), make_participant(session, unit=unit)
    session.commit()
    return first, second, placement, quota


def _accept(session, participant, placement):
    return booking.accept(session, participant=participant, placement=placement, by=None, on=ON)


def test_accept_books_the_slot_and_the_quota_place_and_logs_the_event(session, pair):
    participant, _, placement, quota = pair
    version = catalog_version(session)
    match = _accept(session, participant, placement)
    session.commit()
    assert (match.status, match.quota_id, match.override) == (MatchStatus.accepted, quota.id, True)
    assert session.get(Placement, placement.id).booked == 1
    assert session.get(Quota, quota.id).booked == 1
    assert session.exec(select(MatchEvent.status)).all() == [MatchStatus.accepted]
    assert catalog_version(session) == version + 1


def test_a_full_placement_is_refused_naming_it_and_nothing_is_kept(session, pair):
    first, second, placement, quota = pair
    _accept(session, first, placement)
    session.commit()
    with pytest.raises(booking.BookingRefused) as refused:
        _accept(session, second, placement)
    session.rollback()
    assert (refused.value.what, refused.value.full) == ("placement", True)
    assert "no slot left (1 of 1 booked)" in refused.value.detail
    assert session.get(Placement, placement.id).booked == 1
    assert session.get(Quota, quota.id).booked == 1
    assert len(session.exec(select(Match)).all()) == 1


def test_a_full_quota_is_refused_and_the_slot_taken_first_is_rolled_back(session, pair):
    first, _, placement, quota = pair
    quota.max_headcount, quota.booked = 2, 2
    session.add(quota)
    session.commit()
    with pytest.raises(booking.BookingRefused) as refused:
        _accept(session, first, placement)
    session.rollback()
    assert (refused.value.what, refused.value.full) == ("quota", True)
    assert session.get(Placement, placement.id).booked == 0


def test_one_booking_per_participant(session, pair):
    first, _, placement, _ = pair
    department = session.get(Placement, placement.id).department_id
    other = Placement.model_validate(placement.model_dump(exclude={"id"}) | {"slots": 3})
    session.add(other)
    session.flush()
    _accept(session, first, placement)
    with pytest.raises(booking.BookingRefused) as refused:
        _accept(session, first, other)
    assert refused.value.what == "participant" and not refused.value.full
    assert other.department_id == department


def test_withdrawing_releases_the_slot_and_the_quota_place(session, pair):
    participant, _, placement, quota = pair
    match = _accept(session, participant, placement)
    booking.change_status(session, match, MatchStatus.withdrawn, by=None, reason_code="health")
    session.commit()
    assert session.get(Placement, placement.id).booked == 0
    assert session.get(Quota, quota.id).booked == 0
    with pytest.raises(booking.BookingRefused, match="cannot become started"):
        booking.change_status(session, match, MatchStatus.started, by=None)


def test_the_acceptance_rules_in_the_order_a_single_accept_checks_them(session, pair):
    participant, _, placement, _ = pair
    held = Match(id=9, participant_id=participant.id, placement_id=7, status=MatchStatus.started)
    participant.active = False
    placement.is_open = False

    def codes(**kw):
        args = {"on": ON, "book_ahead_days": 90, "placement_type": None, "held": held} | kw
        return [r.what for r in acceptance_refusals(participant, placement, **args)]

    # inactive: no booking question asked; closed: no type-rule question asked
    assert codes() == ["participant-inactive", "placement-closed"]
    participant.active = True
    assert codes() == ["placement-closed", "participant"]
    placement.is_open, placement.start_date = True, date(2027, 1, 1)
    assert codes() == ["not-open", "participant"]
    placement.start_date = date(2026, 1, 1)
    assert codes(held=None) == []
    assert [r.what for r in acceptance_refusals(participant, None, on=ON, book_ahead_days=90,
            placement_type=None, held=None, placement_id=3)] == ["placement-closed"]  # fmt: skip
