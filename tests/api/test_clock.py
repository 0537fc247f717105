"""The app's clock decides the day for suggestions and bookings alike (create_app(clock=))."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from fastapi.testclient import TestClient

from api.settings import Settings
from models.clock import FrozenClock, municipal_today
from models.placement import Placement
from tests.api.test_matches import accept, booked, world  # noqa: F401  (world: a fixture)
from tests.apps import app_for


def test_a_frozen_clock_moves_the_day_for_suggestions_and_bookings(engine, session, world):  # noqa: F811
    starts = municipal_today() + timedelta(days=200)  # beyond the 90-day horizon today
    session.get(Placement, world.placement).start_date = starts
    session.commit()
    noon = datetime.combine(starts - timedelta(days=10), time(12), tzinfo=UTC)
    app = app_for(Settings(database_url="sqlite://"), engine, clock=FrozenClock(noon))
    with TestClient(app, raise_server_exceptions=False) as client:
        base = f"/api/v1/participants/{world.participant}"
        listed = client.get(f"{base}/suggestions", params={"limit": 50}, headers=world.caseworker)
        assert world.placement in {item["placement_id"] for item in listed.json()["items"]}
        response = accept(client, world, reason="agreed ahead of the start")
    assert response.status_code == 201, response.text
    assert booked(session, Placement, world.placement) == 1
