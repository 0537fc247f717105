"""The one clock: municipal dates, and a frozen clock for tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from models.clock import MUNICIPAL_TZ, Clock, FrozenClock


def test_today_is_the_municipal_date_not_the_utc_one():
    # 23:30 UTC on 31 Dec is already 00:30 on 1 Jan in Sweden (UTC+1 in winter)
    assert FrozenClock(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)).today() == date(2027, 1, 1)
    # 21:30 UTC in summer is 23:30 in Sweden (UTC+2): still the same day
    assert FrozenClock(datetime(2026, 6, 30, 21, 30, tzinfo=UTC)).today() == date(2026, 6, 30)


@given(st.datetimes(timezones=st.just(UTC)))
def test_a_frozen_clock_answers_its_moment_and_that_moments_local_date(at):
    clock = FrozenClock(at)
    assert clock.now() == at
    assert clock.today() == at.astimezone(MUNICIPAL_TZ).date()


def test_the_system_clock_is_aware_utc():
    assert Clock().now().utcoffset().total_seconds() == 0
