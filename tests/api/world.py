"""A small committed world for API tests: two units, one user per role, a tiny catalog."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, func, select

from models.org import Role
from tests.factories import (
    auth,
    make_concept,
    make_department,
    make_participant,
    make_placement,
    make_placement_type,
    make_unit,
    make_user,
)


@dataclass
class World:
    unit_a: int
    unit_b: int
    tokens: dict[str, str]  # "caseworker", "caseworker_b", "coordinator", "evaluator", "admin"
    user_ids: dict[str, int]
    participant_a: int  # owned by unit A (the caseworker's own unit)
    participant_b: int  # owned by unit B (another unit)
    department: int
    placement: int
    type_code: str = "praktik"
    work_area: str = "occupation:care"
    skill: str = "competence:cooking"

    def headers(self, who: str) -> dict[str, str]:
        return auth(self.tokens[who])


def seed_world(session: Session) -> World:
    """Create and commit the world; caseworker belongs to unit A, caseworker_b to unit B."""
    unit_a, unit_b = make_unit(session, code="UA"), make_unit(session, code="UB")
    tokens, user_ids = {}, {}
    for name, role, unit in [
        ("caseworker", Role.caseworker, unit_a),
        ("caseworker_b", Role.caseworker, unit_b),
        ("coordinator", Role.coordinator, None),
        ("evaluator", Role.evaluator, None),
        ("admin", Role.admin, None),
    ]:
        user, token = make_user(session, role=role, unit=unit)
        tokens[name], user_ids[name] = token, user.id
    make_concept(session, id="occupation:care", label="Vård och omsorg", kind="occupation")
    make_concept(session, id="competence:cooking", label="Matlagning", broader="occupation:care")
    make_concept(session, id="competence:hygiene", label="Hygien", broader="occupation:care")
    department = make_department(session, code="VOF", name="Vård- och omsorgsförvaltningen")
    make_placement_type(session, code="praktik")
    placement = make_placement(session, department=department, work_area="occupation:care", slots=2)
    participant_a = make_participant(session, unit=unit_a, skills=["competence:cooking"])
    participant_b = make_participant(session, unit=unit_b)
    session.commit()
    return World(
        unit_a=unit_a.id,
        unit_b=unit_b.id,
        tokens=tokens,
        user_ids=user_ids,
        participant_a=participant_a.id,
        participant_b=participant_b.id,
        department=department.id,
        placement=placement.id,
    )


def count_rows(session: Session, table) -> int:
    """Rows in a table, read fresh (the API wrote through its own session)."""
    session.expire_all()
    return session.exec(select(func.count()).select_from(table)).one()


def participant_body(**overrides) -> dict:
    """A valid ParticipantCreate body."""
    body = {
        "ref": "NEW-0001",
        "birth_year": 1988,
        "gender": "M",
        "language_level": "B1",
        "support_need": 3,
        "assistance_start": "2024-05-01",
        "home_lat": 55.7049,
        "home_lon": 13.1912,
        "skills": ["competence:cooking"],
        "interests": ["occupation:care"],
    }
    return body | overrides


def placement_body(world: World, **overrides) -> dict:
    """A valid PlacementCreate body in the world's department."""
    body = {
        "department_id": world.department,
        "title": "Kökspraktik",
        "work_area": world.work_area,
        "required_skills": [world.skill],
        "useful_skills": ["competence:hygiene"],
        "min_language_level": "A2",
        "slots": 3,
        "hours_per_week": 30,
        "site_lat": 55.7,
        "site_lon": 13.2,
        "type_code": world.type_code,
        "start_date": "2026-03-01",
    }
    return body | overrides
