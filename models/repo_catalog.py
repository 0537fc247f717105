"""Repository functions for the catalog: departments, placement types, concepts, placements.

Nothing here commits. Writes to what matching reads (placement types, placements) append
a revision and bump the catalog counter in the caller's transaction, so the replay sees
every past state and the API's compiled placement cache is never stale.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, func, select

from models.base import utcnow
from models.org import Department
from models.placement import Placement
from models.repo_catalog_state import bump_catalog_version
from models.repo_history import record_revision
from models.taxonomy import ConceptKind, PlacementType, SkillConcept

Row = TypeVar("Row", bound=SQLModel)


def _page(session: Session, query, count, order, offset: int, limit: int):
    rows = session.exec(query.order_by(order).offset(offset).limit(limit)).all()
    return list(rows), session.exec(count).one()


def _apply(row: Row, changes: dict[str, Any]) -> Row:
    for name, value in changes.items():
        setattr(row, name, value)
    return row


# -- concepts -------------------------------------------------------------------------


def get_concept(session: Session, concept_id: str) -> SkillConcept | None:
    return session.get(SkillConcept, concept_id)


def get_department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def get_placement_type(session: Session, code: str) -> PlacementType | None:
    return session.get(PlacementType, code)


def unknown_concepts(session: Session, ids: Iterable[str]) -> set[str]:
    """The ids among ``ids`` that are not in the taxonomy."""
    wanted = set(ids)
    if not wanted:
        return set()
    found = session.exec(select(SkillConcept.id).where(SkillConcept.id.in_(wanted))).all()
    return wanted - set(found)


def list_concepts(
    session: Session,
    *,
    broader_id: str | None,
    kind: ConceptKind | None,
    offset: int,
    limit: int,
) -> tuple[list[SkillConcept], int]:
    query = select(SkillConcept)
    count = select(func.count()).select_from(SkillConcept)
    if broader_id is not None:
        query = query.where(SkillConcept.broader_id == broader_id)
        count = count.where(SkillConcept.broader_id == broader_id)
    if kind is not None:
        query = query.where(SkillConcept.kind == kind)
        count = count.where(SkillConcept.kind == kind)
    return _page(session, query, count, SkillConcept.id, offset, limit)


# -- departments ----------------------------------------------------------------------


def list_departments(session: Session, *, offset: int, limit: int) -> tuple[list[Department], int]:
    query, count = select(Department), select(func.count()).select_from(Department)
    return _page(session, query, count, Department.id, offset, limit)


def department_code_taken(session: Session, code: str, *, besides: int | None = None) -> bool:
    query = select(Department.id).where(Department.code == code)
    if besides is not None:
        query = query.where(Department.id != besides)
    return session.exec(query).first() is not None


def add_department(session: Session, fields: dict[str, Any]) -> Department:
    department = Department.model_validate(fields)
    session.add(department)
    session.flush()
    return department


def update_department(session: Session, department: Department, changes: dict[str, Any]):
    session.add(_apply(department, changes))
    session.flush()
    return department


# -- placement types ------------------------------------------------------------------


def list_placement_types(
    session: Session, *, offset: int, limit: int
) -> tuple[list[PlacementType], int]:
    query, count = select(PlacementType), select(func.count()).select_from(PlacementType)
    return _page(session, query, count, PlacementType.code, offset, limit)


def add_placement_type(session: Session, fields: dict[str, Any], *, by: int | None):
    """A new type with its first revision; eligibility changes, so the catalog is bumped."""
    placement_type = PlacementType.model_validate(fields)
    session.add(placement_type)
    record_revision(session, placement_type, by=by)
    bump_catalog_version(session)
    return placement_type


def update_placement_type(
    session: Session, placement_type: PlacementType, changes: dict[str, Any], *, by: int | None
) -> PlacementType:
    if not changes:
        return placement_type
    session.add(_apply(placement_type, changes))
    record_revision(session, placement_type, by=by)
    bump_catalog_version(session)
    return placement_type


# -- placements -----------------------------------------------------------------------


def list_placements(
    session: Session,
    *,
    is_open: bool | None,
    department_id: int | None,
    work_area: str | None,
    type_code: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Placement], int]:
    filters = []
    if is_open is not None:
        filters.append(Placement.is_open == is_open)
    if department_id is not None:
        filters.append(Placement.department_id == department_id)
    if work_area is not None:
        filters.append(Placement.work_area == work_area)
    if type_code is not None:
        filters.append(Placement.type_code == type_code)
    query = select(Placement).where(*filters)
    count = select(func.count()).select_from(Placement).where(*filters)
    return _page(session, query, count, Placement.id, offset, limit)


def get_placement(session: Session, placement_id: int, *, for_update: bool = False):
    """The placement, locked against concurrent bookings when ``for_update``."""
    return session.get(Placement, placement_id, with_for_update=for_update)


def add_placement(session: Session, fields: dict[str, Any], *, by: int | None) -> Placement:
    """An open placement with nothing booked, its first revision, and a catalog bump."""
    placement = Placement.model_validate(fields)
    session.add(placement)
    record_revision(session, placement, by=by)
    bump_catalog_version(session)
    return placement


def update_placement(
    session: Session, placement: Placement, changes: dict[str, Any], *, by: int | None
) -> Placement:
    """Apply the changes, append a revision and bump the catalog; no change writes nothing."""
    if not changes:
        return placement
    _apply(placement, changes)
    placement.updated_at = utcnow()
    session.add(placement)
    record_revision(session, placement, by=by)
    bump_catalog_version(session)
    return placement


def placements_by_id(session: Session, ids: Iterable[int]) -> dict[int, Placement]:
    """Several placements in one query (a list page showing each one's facts)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(select(Placement).where(col(Placement.id).in_(wanted))).all()
    return {row.id: row for row in rows}
