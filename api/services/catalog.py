"""The catalog: departments, placement types and placements, with the checks on their writes.

Writes to what matching reads (placement types, placements) append a revision and bump
the catalog counter in the request's transaction (:mod:`models.repo_catalog`).
``booked``, ``version``, ``id`` and ``is_open`` on create are the server's: the Create
schemas do not contain them, so a client sending them changes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlmodel import Session

from api.errors import Conflict, InvalidReference, NotFound
from api.references import (
    check_concepts,
    concept_errors,
    invalid_field,
    raise_references,
    reference_error,
)
from models.org import Department, DepartmentCreate, DepartmentUpdate
from models.placement import Placement, PlacementCreate, PlacementUpdate
from models.repo_catalog import (
    add_department,
    add_placement,
    add_placement_type,
    department_code_taken,
    get_concept,
    get_department,
    get_placement,
    get_placement_type,
    update_department,
    update_placement,
    update_placement_type,
)
from models.repo_concept_import import (
    ImportInvalid,
    ImportRejected,
    ImportSummary,
    import_concepts,
    rows_from_csv,
    rows_from_json,
    validate_rows,
)
from models.taxonomy import PlacementType, PlacementTypeCreate, PlacementTypeUpdate, SkillConcept


def _changes(body: BaseModel, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH sets; null means "no change" unless the column may hold null."""
    return {
        name: value
        for name, value in body.model_dump(exclude_unset=True).items()
        if value is not None or name in nullable
    }


# -- departments ----------------------------------------------------------------------


def department_or_404(session: Session, department_id: int) -> Department:
    department = get_department(session, department_id)
    if department is None:
        raise NotFound(f"department {department_id} not found")
    return department


def create_department(session: Session, body: DepartmentCreate) -> Department:
    """A department or municipal company; its code must be new."""
    if department_code_taken(session, body.code):
        raise Conflict(f"department code {body.code!r} is taken")
    return add_department(session, body.model_dump())


def change_department(session: Session, department_id: int, body: DepartmentUpdate) -> Department:
    return update_department(session, department_or_404(session, department_id), _changes(body))


# -- placement types ------------------------------------------------------------------


def placement_type_or_404(session: Session, code: str) -> PlacementType:
    placement_type = get_placement_type(session, code)
    if placement_type is None:
        raise NotFound(f"placement type {code!r} not found")
    return placement_type


def _check_age_bounds(min_age: int | None, max_age: int | None) -> None:
    if min_age is not None and max_age is not None and min_age > max_age:
        raise invalid_field(["max_age"], f"max_age {max_age} is below min_age {min_age}")


def create_placement_type(session: Session, body: PlacementTypeCreate, *, by: int) -> PlacementType:
    """A placement type with its eligibility rules (recorded in the history)."""
    _check_age_bounds(body.min_age, body.max_age)
    if get_placement_type(session, body.code) is not None:
        raise Conflict(f"placement type {body.code!r} exists")
    return add_placement_type(session, body.model_dump(), by=by)


def change_placement_type(
    session: Session, code: str, body: PlacementTypeUpdate, *, by: int
) -> PlacementType:
    """Change a type's rules; the old rules stay in the history for replay."""
    placement_type = placement_type_or_404(session, code)
    changes = _changes(body, frozenset({"min_age", "max_age", "meaningful_days"}))
    _check_age_bounds(
        changes.get("min_age", placement_type.min_age),
        changes.get("max_age", placement_type.max_age),
    )
    return update_placement_type(session, placement_type, changes, by=by)


# -- placements -----------------------------------------------------------------------


def placement_or_404(session: Session, placement_id: int, *, for_update=False) -> Placement:
    placement = get_placement(session, placement_id, for_update=for_update)
    if placement is None:
        raise NotFound(f"placement {placement_id} not found")
    return placement


def create_placement(session: Session, body: PlacementCreate, *, by: int) -> Placement:
    """Open a placement; its department, type, work area and skills must exist."""
    errors = []
    if get_department(session, body.department_id) is None:
        message = f"unknown department {body.department_id}"
        errors.append(reference_error(["department_id"], message))
    if get_placement_type(session, body.type_code) is None:
        message = f"unknown placement type {body.type_code!r}"
        errors.append(reference_error(["type_code"], message))
    concepts = {"work_area": body.work_area}
    concepts |= {"required_skills": body.required_skills, "useful_skills": body.useful_skills}
    raise_references(errors + concept_errors(session, concepts))
    return add_placement(session, body.model_dump(), by=by)


def change_placement(
    session: Session, placement_id: int, body: PlacementUpdate, *, by: int
) -> Placement:
    """Change or close a placement; slots may not drop below what is booked."""
    placement = placement_or_404(session, placement_id, for_update=True)
    changes = _changes(body, frozenset({"end_date"}))
    check_concepts(session, {k: changes.get(k) for k in ("required_skills", "useful_skills")})
    end_date = changes.get("end_date", placement.end_date)
    if end_date is not None and end_date < placement.start_date:
        raise invalid_field(["end_date"], f"end_date is before start_date {placement.start_date}")
    slots = changes.get("slots", placement.slots)
    if slots < placement.booked:
        raise Conflict(
            f"placement {placement_id} has {placement.booked} booked; slots cannot be {slots}"
        )
    return update_placement(session, placement, changes, by=by)


# -- concepts -------------------------------------------------------------------------


def concept_or_404(session: Session, concept_id: str) -> SkillConcept:
    concept = get_concept(session, concept_id)
    if concept is None:
        raise NotFound(f"concept {concept_id!r} not found")
    return concept


def import_taxonomy(session: Session, raw: bytes, *, csv: bool) -> ImportSummary:
    """Import concepts from a JSON list (or CSV), all or nothing; broader ids must be known."""
    parse = rows_from_csv if csv else rows_from_json
    try:
        return import_concepts(session, validate_rows(parse(raw)))
    except ImportRejected as error:
        raise InvalidReference(error.detail, errors=error.errors) from None
    except ImportInvalid as error:
        raise RequestValidationError(error.errors) from None
