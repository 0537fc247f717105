"""A small cohort world for the plan tests, and the feasibility check every plan must pass."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session

from api.catalog_cache import build_catalog
from api.planning import pair_exclusions
from matcher import load_policy
from models.clock import municipal_today
from models.convert import participant_to_domain
from models.org import Role
from models.participant import Participant
from tests.factories import (
    auth,
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_quota,
    make_unit,
    make_user,
)

AREAS = ["area-care", "area-it", "area-parks"]


@dataclass
class Cohort:
    unit_id: int
    tokens: dict[Role, str]
    participants: list[int]
    departments: dict[str, int] = field(default_factory=dict)
    placements: dict[str, int] = field(default_factory=dict)

    def headers(self, role: Role = Role.coordinator) -> dict[str, str]:
        return auth(self.tokens[role])


def make_taxonomy(session) -> None:
    for area in AREAS:
        make_concept(session, id=area, kind="occupation")
    make_concept(session, id="skill-cook", broader="area-care")
    make_concept(session, id="skill-code", broader="area-it")
    make_placement_type(session, code="praktik")
    make_placement_type(session, code="ungdom", max_age=24)


def make_users(session, unit) -> dict[Role, str]:
    tokens = {role: make_user(session, role=role, unit=unit)[1] for role in Role}
    return tokens


def seed_cohort(engine) -> Cohort:
    """Care: quota min 2 max 2 over slots 1+2; IT: no quota, 1 slot; Parks: min 1, no places.

    Five participants want care or IT, so at most 3 can be placed and Parks falls 1 short.
    """
    today = municipal_today()
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session)
        make_taxonomy(session)
        care = make_department(session, name="Omsorg")
        it = make_department(session, name="IT")
        parks = make_department(session, name="Parker")
        period = {
            "period_start": today - timedelta(days=30),
            "period_end": today + timedelta(days=200),
        }
        make_quota(session, department=care, min_headcount=2, max_headcount=2, **period)
        make_quota(session, department=parks, min_headcount=1, max_headcount=3, **period)
        ward = make_placement(session, department=care, work_area="area-care", slots=1)
        kitchen = make_placement(
            session, department=care, work_area="area-care", slots=2, required_skills=["skill-cook"]
        )
        desk = make_placement(session, department=it, work_area="area-it", slots=1)
        people = [
            make_participant(session, unit=unit, interests=["area-care"], skills=["skill-cook"]),
            make_participant(session, unit=unit, interests=["area-care"], support_need=5),
            make_participant(session, unit=unit, interests=["area-it"], skills=["skill-code"]),
            make_participant(session, unit=unit, interests=["area-care", "area-it"]),
            make_participant(session, unit=unit, interests=["area-it"]),
        ]
        tokens = make_users(session, unit)
        session.commit()
        return Cohort(
            unit_id=unit.id,
            tokens=tokens,
            participants=[p.id for p in people],
            departments={"care": care.id, "it": it.id, "parks": parks.id},
            placements={"ward": ward.id, "kitchen": kitchen.id, "desk": desk.id},
        )


def post_plan(client, cohort, **body):
    if "participant_ids" not in body:
        body.setdefault("unit_id", cohort.unit_id)
    response = client.post("/api/v1/plans", json=body, headers=cohort.headers())
    assert response.status_code == 201, response.text
    return response.json()


def assert_feasible(engine, plan: dict) -> None:
    """Each participant once, every pair eligible now, slots and quota maxima respected."""
    live = [r for r in plan["rows"] if not r["dropped"]]
    ids = [r["participant_id"] for r in plan["rows"] + plan["unassigned"]]
    assert len(ids) == len(set(ids)) == plan["n_participants"]
    with Session(engine, expire_on_commit=False) as session:
        catalog = build_catalog(session, load_policy(), municipal_today())
        compiled = catalog.compiled
        for row in live:
            participant = session.get(Participant, row["participant_id"])
            person = participant_to_domain(participant, catalog.day)
            position = compiled.index_of(row["placement_id"])
            assert pair_exclusions(catalog, person, position) == []
        per_placement = Counter(r["placement_id"] for r in live)
        for placement_id, n in per_placement.items():
            assert n <= compiled.remaining_slots[compiled.index_of(placement_id)]
        per_department = Counter(r["department_id"] for r in live)
        for department_id, n in per_department.items():
            capacity = compiled.capacities.get(department_id)
            if capacity is not None and capacity.remaining_quota is not None:
                assert n <= capacity.remaining_quota
