"""The matching vocabulary: plain frozen dataclasses, no database, no HTTP.

The API, the cohort planner and the replay all build these from whatever they store
and hand them to the engine. Ids are integers; skill concepts and work areas are the
taxonomy's string ids (for example ``"ssyk-5321"`` or ``"area-care"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class EligibilityRules:
    """A placement type's eligibility rules, as data (they change between years).

    A participant is eligible when every set bound holds. ``newcomer_or_long_term``
    encodes the extratjänst-style rule "newcomer, *or* at least
    ``long_term_months`` months without work". When the end of the last job is not
    recorded, a non-newcomer is excluded with an exclusion that says so: the rule needs
    it, and the engine never assumes a value.
    """

    min_age: int | None = None
    max_age: int | None = None
    min_months_on_assistance: int = 0
    newcomer_or_long_term: bool = False
    long_term_months: int = 12


@dataclass(frozen=True, slots=True)
class PlacementType:
    """A kind of placement. ``meaningful_days`` is the shortest stay that gives the type's
    effect; shown as a warning on a placement that has fewer days left, never scored."""

    code: str
    name: str
    rules: EligibilityRules = field(default_factory=EligibilityRules)
    meaningful_days: int | None = None


@dataclass(frozen=True, slots=True)
class Concept:
    """One taxonomy concept; ``broader`` is its parent concept id (None at the top)."""

    id: str
    label: str
    broader: str | None = None
    kind: str = "competence"  # occupation | competence | local


@dataclass(frozen=True, slots=True)
class Participant:
    """What matching knows of one participant, as of one moment."""

    id: int
    birth_year: int
    skills: tuple[str, ...]
    interests: tuple[str, ...]  # work-area ids, most wanted first
    language_level: int  # 0..6, see matcher.language
    support_need: int  # 1 (close to the labour market) .. 5 (furthest)
    months_on_assistance: int
    months_since_last_job: int | None  # None: the end of the last job is not recorded
    newcomer: bool
    parent: bool
    home_lat: float
    home_lon: float
    max_hours: int  # hours per week the participant can work
    language_entered: str = ""  # the level as the caseworker entered it ("SFI C"), for texts


@dataclass(frozen=True, slots=True)
class Placement:
    """One open placement, with the capacity left in it at the moment of ranking."""

    id: int
    department_id: int
    work_area: str
    required_skills: tuple[str, ...]
    useful_skills: tuple[str, ...]
    min_language_level: int  # 0..6
    language_practice: bool  # a mentor is present: a lower level is tolerated (the policy's)
    supervision: int  # 1 (little) .. 3 (intensive handledning)
    remaining_slots: int
    hours_per_week: int
    site_lat: float
    site_lon: float
    type_code: str
    start: date | None = None
    end: date | None = None
    min_hours: int | None = None  # the lowest part-time hours accepted; None: full hours only

    @property
    def lowest_hours(self) -> int:
        """The fewest hours per week the placement can be taken at."""
        return (
            self.hours_per_week
            if self.min_hours is None
            else min(self.min_hours, self.hours_per_week)
        )


@dataclass(frozen=True, slots=True)
class DepartmentCapacity:
    """A department's quota position for the period being matched.

    ``remaining_quota`` is the maximum headcount minus the booked; None means no quota
    is set (no limit). ``short_of_minimum`` is how many bookings are still missing to
    reach the promised minimum (0 when reached or none promised).
    """

    department_id: int
    remaining_quota: int | None
    short_of_minimum: int = 0
