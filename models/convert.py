"""Rows and history snapshots → the engine's domain dataclasses (matcher.domain).

Both the live API (current rows) and the replay (snapshots as of a past moment) build
the engine's inputs here, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from matcher import domain


def months_between(start: date | str | None, as_of: date) -> int | None:
    """Whole calendar months from ``start`` to ``as_of`` (0 when start is later)."""
    if start is None:
        return None
    if isinstance(start, str):
        start = date.fromisoformat(start)
    months = (as_of.year - start.year) * 12 + (as_of.month - start.month)
    if as_of.day < start.day:
        months -= 1
    return max(months, 0)


def _get(source: Any, name: str):
    return source[name] if isinstance(source, Mapping) else getattr(source, name)


def _optional(source: Any, name: str):
    """A field that older rows and history snapshots may lack (None then)."""
    return source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)


def participant_to_domain(source: Any, as_of: date) -> domain.Participant:
    """A participant row or snapshot dict, with its time-dependent signals as of ``as_of``.

    No recorded last job end gives ``months_since_last_job=None``: unknown, never an
    assumed number (the rules and factors that need it say so).
    """
    return domain.Participant(
        id=int(_get(source, "id")),
        birth_year=int(_get(source, "birth_year")),
        skills=tuple(_get(source, "skills")),
        interests=tuple(_get(source, "interests")),
        language_level=int(_get(source, "language_level")),
        support_need=int(_get(source, "support_need")),
        months_on_assistance=months_between(_get(source, "assistance_start"), as_of) or 0,
        months_since_last_job=months_between(_get(source, "last_job_end"), as_of),
        newcomer=bool(_get(source, "newcomer")),
        parent=bool(_get(source, "parent")),
        home_lat=float(_get(source, "home_lat")),
        home_lon=float(_get(source, "home_lon")),
        max_hours=int(_get(source, "max_hours")),
        language_entered=_optional(source, "language_entered") or "",
    )


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def placement_to_domain(source: Any, remaining_slots: int) -> domain.Placement:
    """A placement row or snapshot dict with the slots left at the moment of ranking."""
    return domain.Placement(
        id=int(_get(source, "id")),
        department_id=int(_get(source, "department_id")),
        work_area=_get(source, "work_area"),
        required_skills=tuple(_get(source, "required_skills")),
        useful_skills=tuple(_get(source, "useful_skills")),
        min_language_level=int(_get(source, "min_language_level")),
        language_practice=bool(_get(source, "language_practice")),
        supervision=int(_get(source, "supervision")),
        remaining_slots=max(int(remaining_slots), 0),
        hours_per_week=int(_get(source, "hours_per_week")),
        site_lat=float(_get(source, "site_lat")),
        site_lon=float(_get(source, "site_lon")),
        type_code=_get(source, "type_code"),
        start=_as_date(_get(source, "start_date")),
        end=_as_date(_get(source, "end_date")),
        min_hours=_optional(source, "min_hours"),
    )


def placement_type_to_domain(source: Any) -> domain.PlacementType:
    return domain.PlacementType(
        code=_get(source, "code"),
        name=_get(source, "name"),
        rules=domain.EligibilityRules(
            min_age=_get(source, "min_age"),
            max_age=_get(source, "max_age"),
            min_months_on_assistance=int(_get(source, "min_months_on_assistance")),
            newcomer_or_long_term=bool(_get(source, "newcomer_or_long_term")),
            long_term_months=int(_get(source, "long_term_months")),
        ),
        meaningful_days=_optional(source, "meaningful_days"),
    )


def concept_to_domain(source: Any) -> domain.Concept:
    return domain.Concept(
        id=_get(source, "id"),
        label=_get(source, "label_sv"),
        broader=_get(source, "broader_id"),
        kind=str(_get(source, "kind")),
    )


def department_capacity(
    department_id: int, quota: Any | None, booked: int
) -> domain.DepartmentCapacity:
    """Capacity from the department's quota for the period and what is booked against it.

    ``quota`` is a row or snapshot (None: no quota for the period, so no limit).
    """
    if quota is None:
        return domain.DepartmentCapacity(department_id=department_id, remaining_quota=None)
    return domain.DepartmentCapacity(
        department_id=department_id,
        remaining_quota=max(int(_get(quota, "max_headcount")) - booked, 0),
        short_of_minimum=max(int(_get(quota, "min_headcount")) - booked, 0),
    )
