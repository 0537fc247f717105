"""Small keyword-only factories for test data (they add and flush, never commit)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from models.org import Department, Quota, Role, Unit, User
from models.participant import Gender, Participant
from models.placement import Placement
from models.repo_history import record_revision
from models.repo_users import create_user
from models.suggestion import Suggestion, SuggestionItem
from models.taxonomy import PlacementType, SkillConcept

_counter = iter(range(1, 10**9))


def _n() -> int:
    return next(_counter)


def make_unit(session: Session, *, code: str | None = None, name: str = "Enheten") -> Unit:
    unit = Unit(code=code or f"U{_n()}", name=name)
    session.add(unit)
    session.flush()
    return unit


def make_user(
    session: Session, *, role: Role, unit: Unit | None = None, is_person: bool = True
) -> tuple[User, str]:
    """A user and their bearer token."""
    token = f"token-{role.value}-{_n()}"
    user = create_user(
        session,
        f"{role.value}{_n()}",
        role,
        token=token,
        unit_code=unit.code if unit else None,
        is_person=is_person,
    )
    return user, token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_department(session: Session, *, code: str | None = None, name: str = "Förvaltningen"):
    department = Department(code=code or f"D{_n()}", name=name)
    session.add(department)
    session.flush()
    return department


def make_quota(
    session: Session,
    *,
    department: Department,
    max_headcount: int,
    min_headcount: int = 0,
    period_start: date = date(2026, 1, 1),
    period_end: date = date(2026, 12, 31),
) -> Quota:
    quota = Quota(
        department_id=department.id,
        period_start=period_start,
        period_end=period_end,
        min_headcount=min_headcount,
        max_headcount=max_headcount,
    )
    session.add(quota)
    record_revision(session, quota, by=None)
    return quota


def make_concept(
    session: Session,
    *,
    id: str,
    label: str | None = None,
    broader: str | None = None,
    kind="competence",
) -> SkillConcept:
    concept = SkillConcept(id=id, label_sv=label or id, broader_id=broader, kind=kind)
    session.add(concept)
    session.flush()
    return concept


def make_placement_type(session: Session, *, code: str = "praktik", **rules) -> PlacementType:
    placement_type = PlacementType(code=code, name=code.title(), **rules)
    session.add(placement_type)
    record_revision(session, placement_type, by=None)
    return placement_type


def make_placement(
    session: Session,
    *,
    department: Department,
    work_area: str,
    type_code: str = "praktik",
    slots: int = 1,
    required_skills: list[str] | None = None,
    useful_skills: list[str] | None = None,
    min_language_level: int = 0,
    supervision: int = 2,
    hours_per_week: int = 30,
    start_date: date = date(2026, 1, 1),
    end_date: date | None = None,
    title: str | None = None,
) -> Placement:
    placement = Placement(
        department_id=department.id,
        title=title or f"Plats {_n()}",
        work_area=work_area,
        required_skills=required_skills or [],
        useful_skills=useful_skills or [],
        min_language_level=min_language_level,
        supervision=supervision,
        slots=slots,
        hours_per_week=hours_per_week,
        site_lat=55.70,
        site_lon=13.19,
        type_code=type_code,
        start_date=start_date,
        end_date=end_date,
    )
    session.add(placement)
    record_revision(session, placement, by=None)
    return placement


def make_participant(
    session: Session,
    *,
    unit: Unit,
    skills: list[str] | None = None,
    interests: list[str] | None = None,
    birth_year: int = 1990,
    language_level: int = 3,
    support_need: int = 2,
    newcomer: bool = False,
    assistance_start: date = date(2024, 1, 1),
    gender: str = "F",
) -> Participant:
    participant = Participant(
        ref=f"P-{_n():06d}",
        unit_id=unit.id,
        birth_year=birth_year,
        gender=Gender(gender),
        skills=skills or [],
        interests=interests or [],
        language_level=language_level,
        support_need=support_need,
        assistance_start=assistance_start,
        newcomer=newcomer,
        home_lat=55.71,
        home_lon=13.20,
    )
    session.add(participant)
    record_revision(session, participant, by=None)
    return participant


def make_suggestion(
    session: Session, *, participant: Participant, placements: list[Placement]
) -> Suggestion:
    """A stored list of placements for one participant, ranked 1.. in the order given."""
    suggestion = Suggestion(
        subject="participant",
        participant_id=participant.id,
        policy_version="test",
        candidate_count=len(placements),
        k=len(placements),
    )
    session.add(suggestion)
    session.flush()
    for rank, placement in enumerate(placements, start=1):
        session.add(
            SuggestionItem(
                suggestion_id=suggestion.id, rank=rank, placement_id=placement.id, score=1.0
            )
        )
    session.flush()
    return suggestion
