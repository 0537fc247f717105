"""Units: list them (planners, admins), create and rename them (admins).

A unit's code is its stable key (users and participants refer to it); only its name
changes. Units are never deleted: their participants' records keep pointing at them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

from api.deps import IdPath, SessionDep, roles
from api.errors import Conflict, NotFound, problems
from api.pagination import Paged, PageDep
from models.org import Role, Unit, UnitPublic
from models.repo_units import add_unit, get_unit, list_units, rename_unit, unit_by_code
from models.strict_input import Text

router = APIRouter(tags=["admin"])

CODE = Field(min_length=1, max_length=32, schema_extra={"pattern": r"^[A-Za-z0-9-]+$"})


class UnitCreateBody(SQLModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, CODE]
    name: Text = Field(min_length=1, max_length=200)


class UnitRename(SQLModel):
    model_config = ConfigDict(extra="forbid")

    name: Text = Field(min_length=1, max_length=200)


def create(session: Session, body: UnitCreateBody) -> Unit:
    """The one rule for a new unit (API, pages and CLI): its code is not taken."""
    code, name = body.code.strip(), body.name.strip()
    if unit_by_code(session, code) is not None:
        raise Conflict(f"a unit with code {code!r} already exists")
    try:
        return add_unit(session, code=code, name=name)
    except IntegrityError:  # a concurrent request took the code first
        raise Conflict(f"a unit with code {code!r} already exists") from None


@router.get(
    "/units",
    response_model=Paged[UnitPublic],
    openapi_extra=roles(Role.coordinator, Role.admin),
    responses=problems(),
)
def get_units(session: SessionDep, page: PageDep):
    """List units by code."""
    rows, total = list_units(session, offset=page.offset, limit=page.limit)
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)


@router.post(
    "/units",
    status_code=201,
    response_model=UnitPublic,
    openapi_extra=roles(Role.admin),
    responses=problems(409),
)
def create_unit(session: SessionDep, body: UnitCreateBody):
    """Create a unit; its code must be new."""
    return create(session, body)


@router.patch(
    "/units/{unit_id}",
    response_model=UnitPublic,
    openapi_extra=roles(Role.admin),
    responses=problems(404),
)
def rename(session: SessionDep, unit_id: IdPath, body: UnitRename):
    """Rename a unit (its code stays)."""
    unit = get_unit(session, unit_id)
    if unit is None:
        raise NotFound(f"unit {unit_id} not found")
    return rename_unit(session, unit, body.name.strip())
