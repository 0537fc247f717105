"""What a caseworker decides on, per suggested placement: its facts and the ends-soon flag.

The facts come from the compiled catalog the list was ranked on (no extra query): title,
department, work area, type, dates, hours and the part-time range, the straight-line
distance from the participant's home, and the slots left. A placement whose days left
are fewer than its type's ``meaningful_days`` (data per type, migration 0011) is flagged
``ends_soon`` with a reason in Swedish and English. The flag is shown, never scored:
nothing in ``matcher/`` reads a placement's end date except the rule that it is open
(``tests/matcher/test_end_date_neutral.py`` proves the ranking ignores it).
"""

from __future__ import annotations

from datetime import date

from api.catalog_cache import Catalog
from matcher.domain import Participant, Placement, PlacementType
from matcher.geo import haversine_km
from matcher.reasons import count_en, count_sv
from models.schemas_suggestion import EndsSoon, PlacementSummary


def days_left(placement: Placement, day: date) -> int | None:
    """Days a participant who starts now would have: from ``day`` (or the placement's
    later start) to its end, both counted; None when it is open-ended."""
    if placement.end is None:
        return None
    first = day if placement.start is None or placement.start < day else placement.start
    return max((placement.end - first).days + 1, 0)


def ends_soon(placement: Placement, placement_type: PlacementType | None, day: date):
    """An :class:`EndsSoon` when the days left are fewer than the type's meaningful
    duration; None when enough are left, the placement is open-ended, or the type sets none."""
    meaningful = None if placement_type is None else placement_type.meaningful_days
    left = days_left(placement, day)
    if meaningful is None or left is None or left >= meaningful:
        return None
    name = placement_type.name
    end = placement.end.isoformat()
    return EndsSoon(
        days_left=left,
        meaningful_days=meaningful,
        sv=f"Platsen slutar {end}, om {count_sv(left, 'dag', 'dagar')}; "
        f"{name} behöver minst {count_sv(meaningful, 'dag', 'dagar')} för att ge effekt.",
        en=f"The placement ends on {end}, in {count_en(left, 'day', 'days')}; "
        f"{name} needs at least {count_en(meaningful, 'day', 'days')} to have an effect.",
    )


def placement_summary(catalog: Catalog, subject: Participant, placement_id: int):
    """The facts of one compiled placement as shown beside a suggestion for ``subject``."""
    compiled = catalog.compiled
    placement = compiled.placements[compiled.index_of(placement_id)]
    placement_type = compiled.types.get(placement.type_code)
    warning = ends_soon(placement, placement_type, catalog.day)
    km = haversine_km(subject.home_lat, subject.home_lon, placement.site_lat, placement.site_lon)
    return PlacementSummary(
        title=catalog.titles.get(placement_id, ""),
        department_id=placement.department_id,
        department_name=catalog.department_names.get(placement.department_id, ""),
        work_area=placement.work_area,
        work_area_label=compiled.taxonomy.label(placement.work_area),
        type_code=placement.type_code,
        type_name=placement.type_code if placement_type is None else placement_type.name,
        remaining_slots=placement.remaining_slots,
        start_date=placement.start,
        end_date=placement.end,
        hours_per_week=placement.hours_per_week,
        min_hours=placement.min_hours,
        distance_km=round(km, 1),
        ends_soon=warning is not None,
        ends_soon_reason=warning,
    )
