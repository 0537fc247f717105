"""The catalog: departments, placement types, placements (and the taxonomy, mounted here).

Every role may read departments, placement types and concepts; evaluators also read
placements (they hold no personal data). Coordinators and admins keep departments and
placements; only admins change placement types and import concepts.

HTTP only; the checks on writes are :mod:`api.services.catalog`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, status

from api.deps import MAX_ID, CurrentUser, SessionDep, roles
from api.errors import problems
from api.pagination import Paged, PageDep
from api.routers import taxonomy
from api.services import catalog
from models.org import DepartmentCreate, DepartmentPublic, DepartmentUpdate, Role
from models.placement import PlacementCreate, PlacementPublic, PlacementUpdate
from models.repo_catalog import list_departments, list_placement_types, list_placements
from models.taxonomy import (
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


# -- departments ----------------------------------------------------------------------


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
    return catalog.department_or_404(session, department_id)


@router.post(
    "/departments",
    response_model=DepartmentPublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=roles(*KEEPERS),
    responses=problems(409),
)
def create_department(session: SessionDep, body: DepartmentCreate):
    """Add a department or municipal company (its code must be new)."""
    return catalog.create_department(session, body)


@router.patch(
    "/departments/{department_id}",
    response_model=DepartmentPublic,
    openapi_extra=roles(*KEEPERS),
    responses=problems(404),
)
def change_department(session: SessionDep, department_id: RowId, body: DepartmentUpdate):
    """Rename a department or change its kind."""
    return catalog.change_department(session, department_id, body)


# -- placement types ------------------------------------------------------------------


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
    return catalog.placement_type_or_404(session, code)


@router.post(
    "/placement-types",
    response_model=PlacementTypePublic,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=roles(Role.admin),
    responses=problems(409),
)
def create_placement_type(session: SessionDep, user: CurrentUser, body: PlacementTypeCreate):
    """Add a placement type with its eligibility rules (recorded in the history)."""
    return catalog.create_placement_type(session, body, by=user.id)


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
    return catalog.change_placement_type(session, code, body, by=user.id)


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
    return PlacementPublic.from_row(catalog.placement_or_404(session, placement_id))


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
    return PlacementPublic.from_row(catalog.create_placement(session, body, by=user.id))


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
    placement = catalog.change_placement(session, placement_id, body, by=user.id)
    return PlacementPublic.from_row(placement)
