"""Shared hypothesis strategies for the matching vocabulary (matcher.domain).

Stable for other test modules to import:

- ``concept_lists()``: a small valid taxonomy as a list of Concept (a forest).
- ``eligibility_rules()``, ``placement_types(codes)``.
- ``participants(concept_ids, area_ids, ids=...)``, ``placements(concept_ids, area_ids,
  type_codes, department_ids, ids=...)``, ``department_capacities(department_ids)``.
- ``policies_with_horizon(policy)``: the policy with a drawn ``book_ahead_days``.
- ``worlds()``: a consistent :class:`World` (taxonomy, types, capacities, placements,
  participants, as_of), with ``World.compile()``.

Values stay small so that ties, full placements and ineligible pairs are common.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from hypothesis import strategies as st

from matcher.compiled import CompiledPlacements
from matcher.domain import (
    Concept,
    DepartmentCapacity,
    EligibilityRules,
    Participant,
    Placement,
    PlacementType,
)
from matcher.policy import EligibilityPolicy, Policy
from matcher.taxonomy import Taxonomy

AS_OF = date(2026, 3, 1)
AREAS = ("area-care", "area-kitchen", "area-parks", "area-office", "area-school")
TYPE_CODES = ("extratjanst", "kommunal", "ungdom", "praktik")
DEPARTMENTS = (1, 2, 3)

# Around Lund: a commute of 0-40 km, so the commute factor takes many values.
lats = st.floats(55.55, 55.85, allow_nan=False, allow_subnormal=False)
lons = st.floats(13.0, 13.45, allow_nan=False, allow_subnormal=False)


@st.composite
def concept_lists(draw, min_size: int = 1, max_size: int = 14) -> list[Concept]:
    """A forest: concept i's broader concept is none or an earlier concept."""
    n = draw(st.integers(min_size, max_size))
    concepts = []
    for i in range(n):
        up = draw(st.none() | st.integers(0, i - 1)) if i else None
        concepts.append(
            Concept(id=f"c{i}", label=f"Skill {i}", broader=None if up is None else f"c{up}")
        )
    return concepts


def eligibility_rules() -> st.SearchStrategy[EligibilityRules]:
    return st.builds(
        EligibilityRules,
        min_age=st.none() | st.integers(16, 30),
        max_age=st.none() | st.integers(24, 66),
        min_months_on_assistance=st.integers(0, 18),
        newcomer_or_long_term=st.booleans(),
        long_term_months=st.integers(6, 24),
    )


@st.composite
def placement_types(draw, codes: tuple[str, ...] = TYPE_CODES) -> dict[str, PlacementType]:
    return {code: PlacementType(code, code.title(), draw(eligibility_rules())) for code in codes}


def department_capacities(
    department_ids: tuple[int, ...] = DEPARTMENTS,
) -> st.SearchStrategy[dict[int, DepartmentCapacity]]:
    entries = [
        st.none()
        | st.builds(
            DepartmentCapacity,
            department_id=st.just(d),
            remaining_quota=st.none() | st.integers(0, 4),
            short_of_minimum=st.integers(0, 2),
        )
        for d in department_ids
    ]
    return st.tuples(*entries).map(lambda caps: {c.department_id: c for c in caps if c is not None})


def participants(
    concept_ids: tuple[str, ...], area_ids: tuple[str, ...] = AREAS, ids=st.integers(1, 10**6)
) -> st.SearchStrategy[Participant]:
    skills = (
        st.lists(st.sampled_from(concept_ids), max_size=4).map(tuple)
        if concept_ids
        else st.just(())
    )
    return st.builds(
        Participant,
        id=ids,
        birth_year=st.integers(1960, 2010),
        skills=skills,
        interests=st.lists(st.sampled_from(area_ids), max_size=3, unique=True).map(tuple),
        language_level=st.integers(0, 6),
        support_need=st.integers(1, 5),
        months_on_assistance=st.integers(0, 60),
        months_since_last_job=st.none() | st.integers(0, 120),
        newcomer=st.booleans(),
        parent=st.booleans(),
        home_lat=lats,
        home_lon=lons,
        max_hours=st.integers(10, 40),
    )


@st.composite
def _window(draw) -> tuple[date | None, date | None]:
    # Starts from a month before AS_OF to well past the default 90-day booking horizon, with
    # its edges drawn often, so the not_open rule is exercised on both sides of the horizon.
    offsets = st.integers(-30, 250) | st.sampled_from((0, 1, 29, 30, 31, 89, 90, 91))
    start = draw(st.none() | offsets.map(lambda d: AS_OF + timedelta(days=d)))
    end = draw(st.none() | st.integers(-30, 90).map(lambda d: AS_OF + timedelta(days=d)))
    return start, end


def placements(
    concept_ids: tuple[str, ...],
    area_ids: tuple[str, ...] = AREAS,
    type_codes: tuple[str, ...] = TYPE_CODES,
    department_ids: tuple[int, ...] = DEPARTMENTS,
    ids=st.integers(1, 10**6),
) -> st.SearchStrategy[Placement]:
    skills = (
        st.lists(st.sampled_from(concept_ids), max_size=3).map(tuple)
        if concept_ids
        else st.just(())
    )
    return st.builds(
        lambda window, **kw: Placement(start=window[0], end=window[1], **kw),
        window=_window(),
        id=ids,
        department_id=st.sampled_from(department_ids),
        work_area=st.sampled_from(area_ids),
        required_skills=skills,
        useful_skills=skills,
        min_language_level=st.integers(0, 6),
        language_practice=st.booleans(),
        supervision=st.integers(1, 3),
        remaining_slots=st.integers(0, 3),
        hours_per_week=st.integers(10, 40),
        min_hours=st.none() | st.integers(5, 40),
        site_lat=lats,
        site_lon=lons,
        type_code=st.sampled_from(type_codes),
    )


@dataclass(frozen=True)
class World:
    """A consistent set of matching inputs."""

    concepts: list[Concept]
    types: dict[str, PlacementType]
    capacities: dict[int, DepartmentCapacity]
    placements: list[Placement]
    participants: list[Participant]
    as_of: date = AS_OF
    taxonomy: Taxonomy = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "taxonomy", Taxonomy(self.concepts))

    def compile(self) -> CompiledPlacements:
        return CompiledPlacements.build(self.placements, self.taxonomy, self.types, self.capacities)


@st.composite
def worlds(draw, max_placements: int = 12, max_participants: int = 4) -> World:
    """Placements and participants with unique ids over one small taxonomy."""
    concepts = draw(concept_lists())
    concept_ids = tuple(c.id for c in concepts)
    placement_ids = draw(
        st.lists(st.integers(1, 500), min_size=1, max_size=max_placements, unique=True)
    )
    participant_ids = draw(
        st.lists(st.integers(1, 500), min_size=1, max_size=max_participants, unique=True)
    )
    return World(
        concepts=concepts,
        types=draw(placement_types()),
        capacities=draw(department_capacities()),
        placements=[draw(placements(concept_ids, ids=st.just(i))) for i in placement_ids],
        participants=[draw(participants(concept_ids, ids=st.just(i))) for i in participant_ids],
    )


def policies_with_horizon(policy: Policy) -> st.SearchStrategy[Policy]:
    """``policy`` with ``eligibility.book_ahead_days`` drawn: 0 (only started placements),
    the edges of the worlds' start dates, or anything up to more than a year."""
    days = st.sampled_from((0, 1, 30, 90, 91, 365)) | st.integers(0, 400)
    return days.map(lambda d: replace(policy, eligibility=EligibilityPolicy(d)))
