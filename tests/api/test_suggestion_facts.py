"""Items carry what a caseworker decides on, and a warning when a placement ends before
its type's meaningful duration (issue #10, 8)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api.services.placement_facts import days_left, ends_soon
from matcher.domain import Placement, PlacementType
from matcher.geo import haversine_km
from models.clock import municipal_today
from models.org import Department
from models.placement import Placement as PlacementRow
from tests.api.world import seed_world
from tests.factories import make_placement

V1 = "/api/v1"
TODAY = municipal_today()


@pytest.fixture
def world(session):
    world = seed_world(session)
    department = session.get(Department, world.department)
    for title, end in [("Slutar snart", 10), ("Slutar senare", 100)]:
        make_placement(
            session,
            department=department,
            work_area=world.work_area,
            slots=2,
            required_skills=[world.skill],
            end_date=TODAY + timedelta(days=end),
            title=title,
        )
    row = session.get(PlacementRow, world.placement)
    row.min_hours = 20
    session.add(row)
    session.commit()
    return world


def _items(client, world) -> dict[str, dict]:
    response = client.get(
        f"{V1}/participants/{world.participant_a}/suggestions", headers=world.headers("caseworker")
    )
    assert response.status_code == 200, response.text
    return {item["placement"]["title"]: item["placement"] for item in response.json()["items"]}


def _meaningful(client, world, days: int | None) -> None:
    response = client.patch(
        f"{V1}/placement-types/{world.type_code}",
        json={"meaningful_days": days},
        headers=world.headers("admin"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["meaningful_days"] == days


def test_items_carry_the_facts(client, session, world):
    items = _items(client, world)
    assert set(items) == {
        "Slutar snart",
        "Slutar senare",
        session.get(PlacementRow, world.placement).title,
    }
    soon = items["Slutar snart"]
    assert soon["department_name"] == "Vård- och omsorgsförvaltningen"
    assert (soon["work_area"], soon["work_area_label"]) == ("occupation:care", "Vård och omsorg")
    assert (soon["type_code"], soon["type_name"]) == ("praktik", "Praktik")
    assert soon["start_date"] == "2026-01-01"
    assert soon["end_date"] == (TODAY + timedelta(days=10)).isoformat()
    assert (soon["hours_per_week"], soon["min_hours"]) == (30, None)
    assert soon["remaining_slots"] == 2
    assert soon["distance_km"] == round(haversine_km(55.71, 13.20, 55.70, 13.19), 1)
    first = items[session.get(PlacementRow, world.placement).title]
    assert (first["hours_per_week"], first["min_hours"], first["end_date"]) == (30, 20, None)


def test_ends_soon_follows_the_types_meaningful_duration(client, world):
    assert not any(p["ends_soon"] for p in _items(client, world).values())  # none set
    _meaningful(client, world, 28)
    items = _items(client, world)
    soon = items["Slutar snart"]
    assert soon["ends_soon"] is True
    reason = soon["ends_soon_reason"]
    assert (reason["days_left"], reason["meaningful_days"]) == (11, 28)
    end = (TODAY + timedelta(days=10)).isoformat()
    assert reason["sv"] == (
        f"Platsen slutar {end}, om 11 dagar; Praktik behöver minst 28 dagar för att ge effekt."
    )
    assert reason["en"] == (
        f"The placement ends on {end}, in 11 days; "
        "Praktik needs at least 28 days to have an effect."
    )
    assert items["Slutar senare"]["ends_soon"] is False
    assert items["Slutar senare"]["ends_soon_reason"] is None
    _meaningful(client, world, None)  # cleared: never flagged
    assert not any(p["ends_soon"] for p in _items(client, world).values())


def _placement(start: date | None, end: date | None) -> Placement:
    return Placement(
        id=1, department_id=1, work_area="a", required_skills=(), useful_skills=(),
        min_language_level=0, language_practice=False, supervision=2, remaining_slots=1,
        hours_per_week=30, site_lat=55.7, site_lon=13.2, type_code="praktik",
        start=start, end=end,
    )  # fmt: skip


def test_days_left_count_from_today_or_the_later_start():
    day = date(2026, 12, 2)
    assert days_left(_placement(date(2026, 1, 1), date(2026, 12, 2)), day) == 1
    assert days_left(_placement(date(2026, 1, 1), None), day) is None
    assert days_left(_placement(None, date(2026, 12, 31)), day) == 30
    # starts next month: the stay runs from its start
    assert days_left(_placement(date(2027, 1, 1), date(2027, 1, 31)), day) == 31


def test_singular_days_read_right():
    praktik = PlacementType(code="praktik", name="Praktik", meaningful_days=28)
    day = date(2026, 12, 2)
    warning = ends_soon(_placement(date(2026, 1, 1), day), praktik, day)
    assert "om 1 dag;" in warning.sv and "in 1 day;" in warning.en
    assert ends_soon(_placement(date(2026, 1, 1), day + timedelta(days=27)), praktik, day) is None
    assert ends_soon(_placement(date(2026, 1, 1), day), None, day) is None
