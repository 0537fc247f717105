"""The one clock: what time it is, and which calendar day it is in the municipality.

Stored timestamps are aware UTC (:func:`utcnow`). Decisions that depend on the day (is a
placement open, which quota period counts, how old is a participant) use the
municipality's calendar date, :meth:`Clock.today`, in :data:`MUNICIPAL_TZ`, so a booking
made at 00:30 in Sweden counts on the Swedish date, not the UTC one.

The API holds one :class:`Clock` on the app (``api.deps.ClockDep``): suggestions, bookings,
plans, fill rates and the compiled catalog read the day from it, so they cannot disagree
about the day. Tests pass a :class:`FrozenClock` to ``create_app``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

#: the municipality's calendar: quota periods and "open today" follow the local date
MUNICIPAL_TZ = ZoneInfo("Europe/Stockholm")


def utcnow() -> datetime:
    """Aware UTC now; every timestamp Platsa stores is UTC."""
    return datetime.now(UTC)


class Clock:
    """The system clock."""

    def now(self) -> datetime:
        """Aware UTC now."""
        return utcnow()

    def today(self) -> date:
        """Today's date in the municipality, which is what quota periods and dates mean."""
        return self.now().astimezone(MUNICIPAL_TZ).date()


@dataclass(frozen=True)
class FrozenClock(Clock):
    """A clock stopped at ``at`` (aware), for tests and for replaying a moment."""

    at: datetime

    def now(self) -> datetime:
        return self.at


SYSTEM_CLOCK = Clock()


def municipal_today() -> date:
    """The system clock's municipal date (for code outside a request, e.g. validators)."""
    return SYSTEM_CLOCK.today()
