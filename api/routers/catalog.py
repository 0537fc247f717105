"""The catalog: departments, placement types, placements (and the taxonomy, mounted here).

Every role may read departments, placement types and concepts; evaluators also read
placements (they hold no personal data). Coordinators and admins keep departments and
placements; only admins change placement types and import concepts.

Writes to what matching reads (placement types, placements) append a revision and bump
the catalog counter in the request's transaction. ``booked``, ``version``, ``id`` and
``is_open`` on create are the server's: the Create schemas do not contain them, so a
client sending them changes nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, status
from sqlmodel import Session

from api.deps import MAX_ID, CurrentUser, SessionDep, roles
from api.errors import Conflict, NotFound, problems
from api.pagination import Paged, PageDep
from api.references import (
    check_concepts,
    concept_errors,
    invalid_field,
    raise_references,
    reference_error,
)
from api.routers import taxonomy
from models.org import Department, DepartmentCreate, DepartmentPublic, DepartmentUpdate, Role
from models.placement import PlacementCreate, PlacementPublic, PlacementUpdate
from models.repo_catalog import (
    add_department,
    add_placement,
    add_placement_type,
    department_code_taken,
    get_placement,
    list_departments,
    list_placement_types,
    list_placements,
    update_department,
    update_placement,
    update_placement_type,
)
from models.taxonomy import (
    PlacementType,
    PlacementTypeCreate,
    PlacementTypePublic,
    PlacementTypeUpdate,
)

router = APIRouter(tags=["catalog"])
router.include_router(taxonomy.router)

EVERY_ROLE = taxonomy.EVERY_ROLE
KEEPERS = (Role.coordinator, Role.admin)
PLACEMENT_READERS = (Role.caseworker, Role.coordinator, Role.evaluator, Role.admin)
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
TypeCode = Annotated[str, Path(min_length=1, max_length=64, description="placement type code")]

PLACEMENT_EXAMPLES = {
    "kitchen": {
        "summary": "Two kitchen internships in a school",
        "value": {
            "department_id": 1,
            "title": "Kökspraktik, Östra skolan",
            "work_area": "area-kitchen",
            "required_skills": ["comp-livsmedelshygien"],
            "useful_skills": ["comp-servering"],
            "min_language_level": "A2",
            "language_practice": True,
            "supervision": 3,
            "slots": 2,
            "hours_per_week": 30,
            "site_lat": 55.7,
            "site_lon": 13.19,
            "type_code": "praktik",
            "start_date": "2026-02-01",
        },
    }
}


def _changes(body, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields a PATCH sets; null means "no change" unless the column may hold null."""
    return {
        name: value
        for name, value in body.model_dump(exclude_unset=True).items()
        if value is not None or name in nullable
    }


# -- departments ----------------------------------------------------------------------


def _department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound(f"department {department_id} not found")
    return department


@router.get(
    "/departments",
    response_model=Paged[DepartmentPublic],
    openapi_extra=roles(*EVERY_ROLE),
    responses=problems(),
)
def list_all_departments(session: SessionDep, page: PageDep):
    """List departments and municipal companies that offer placements."""
    rows, total = list_departments(session, offset=page.offset, limit=page.limit)
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)


@router.get(
    "/departments/{department_id}",
    response_model=DepartmentPublic,
    openapi_extra=roles(*EVERY_ROLE),
    responses=problems(404),
)
def read_department(session: SessionDep, department_id: RowId):
    """Read one department."""
    return _department(session, department_id)


@router.post(
    "/departments",
    response_model=DepartmentPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=roles(*KEEPERS),
    responses=problems(409),
)
def create_department(session: SessionDep, body: DepartmentCreate):
    """Add a department or municipal company (its code must be new)."""
    if department_code_taken(session, body.code):
        raise Conflict(f"department code {body.code!r} is taken")
    return add_department(session, body.model_dump())


@router.patch(
    "/departments/{department_id}",
    response_model=DepartmentPublic,
    openapi_extra=roles(*KEEPERS),
    responses=problems(404),
)
def change_department(session: SessionDep, department_id: RowId, body: DepartmentUpdate):
    """Rename a department or change its kind."""
    return update_department(session, _department(session, department_id), _changes(body))


# -- placement types ------------------------------------------------------------------


def _placement_type(session: Session, code: str) -> PlacementType:
    placement_type = session.get(PlacementType, code)
    if placement_type is None:
        raise NotFound(f"placement type {code!r} not found")
    return placement_type


def _check_age_bounds(min_age: int | None, max_age: int | None) -> None:
    if min_age is not None and max_age is not None and min_age > max_age:
        raise invalid_field(["max_age"], f"max_age {max_age} is below min_age {min_age}")


@router.get(
    "/placement-types",
    response_model=Paged[PlacementTypePublic],
    openapi_extra=roles(*EVERY_ROLE),
    responses=problems(),
)
def list_all_placement_types(session: SessionDep, page: PageDep):
    """List placement types with their eligibility rules."""
    rows, total = list_placement_types(session, offset=page.offset, limit=page.limit)
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)


@router.get(
    "/placement-types/{code}",
    response_model=PlacementTypePublic,
    openapi_extra=roles(*EVERY_ROLE),
    responses=problems(404),
)
def read_placement_type(session: SessionDep, code: TypeCode):
    """Read one placement type and its eligibility rules."""
    return _placement_type(session, code)


@router.post(
    "/placement-types",
    response_model=PlacementTypePublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=roles(Role.admin),
    responses=problems(409),
)
def create_placement_type(session: SessionDep, user: CurrentUser, body: PlacementTypeCreate):
    """Add a placement type with its eligibility rules (recorded in the history)."""
    _check_age_bounds(body.min_age, body.max_age)
    if session.get(PlacementType, body.code) is not None:
        raise Conflict(f"placement type {body.code!r} exists")
    return add_placement_type(session, body.model_dump(), by=user.id)


@router.patch(
    "/placement-types/{code}",
    response_model=PlacementTypePublic,
    openapi_extra=roles(Role.admin),
    responses=problems(404),
)
def change_placement_type(
    session: SessionDep, user: CurrentUser, code: TypeCode, body: PlacementTypeUpdate
):
    """Change a placement type's rules; the old rules stay in the history for replay."""
    placement_type = _placement_type(session, code)
    changes = _changes(body, frozenset({"min_age", "max_age"}))
    _check_age_bounds(
        changes.get("min_age", placement_type.min_age),
        changes.get("max_age", placement_type.max_age),
    )
    return update_placement_type(session, placement_type, changes, by=user.id)


# -- placements -----------------------------------------------------------------------


@router.get(
    "/placements",
    response_model=Paged[PlacementPublic],
    openapi_extra=roles(*PLACEMENT_READERS),
    responses=problems(),
)
def list_all_placements(
    session: SessionDep,
    page: PageDep,
    open: Annotated[bool | None, Query(description="only open (or closed) placements")] = None,
    department_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    work_area: Annotated[str | None, Query(max_length=64, description="concept id")] = None,
    type_code: Annotated[str | None, Query(max_length=64)] = None,
):
    """List placements, filtered by open, department, work area or type."""
    rows, total = list_placements(
        session,
        is_open=open,
        department_id=department_id,
        work_area=work_area,
        type_code=type_code,
        offset=page.offset,
        limit=page.limit,
    )
    return Paged(
        data=[PlacementPublic.from_row(r) for r in rows],
        count=total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get(
    "/placements/{placement_id}",
    response_model=PlacementPublic,
    openapi_extra=roles(*PLACEMENT_READERS),
    responses=problems(404),
)
def read_placement(session: SessionDep, placement_id: RowId):
    """Read one placement with its remaining slots."""
    placement = get_placement(session, placement_id)
    if placement is None:
        raise NotFound(f"placement {placement_id} not found")
    return PlacementPublic.from_row(placement)


@router.post(
    "/placements",
    response_model=PlacementPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=roles(*KEEPERS),
    responses=problems(409),
)
def create_placement(
    session: SessionDep,
    user: CurrentUser,
    body: Annotated[PlacementCreate, Body(openapi_examples=PLACEMENT_EXAMPLES)],
):
    """Open a placement; its department, type, work area and skills must exist."""
    errors = []
    if session.get(Department, body.department_id) is None:
        message = f"unknown department {body.department_id}"
        errors.append(reference_error(["department_id"], message))
    if session.get(PlacementType, body.type_code) is None:
        message = f"unknown placement type {body.type_code!r}"
        errors.append(reference_error(["type_code"], message))
    concepts = {"work_area": body.work_area}
    concepts |= {"required_skills": body.required_skills, "useful_skills": body.useful_skills}
    raise_references(errors + concept_errors(session, concepts))
    return PlacementPublic.from_row(add_placement(session, body.model_dump(), by=user.id))


@router.patch(
    "/placements/{placement_id}",
    response_model=PlacementPublic,
    openapi_extra=roles(*KEEPERS),
    responses=problems(404, 409),
)
def change_placement(
    session: SessionDep, user: CurrentUser, placement_id: RowId, body: PlacementUpdate
):
    """Change or close a placement; slots may not drop below what is booked."""
    placement = get_placement(session, placement_id, for_update=True)
    if placement is None:
        raise NotFound(f"placement {placement_id} not found")
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
    return PlacementPublic.from_row(update_placement(session, placement, changes, by=user.id))
