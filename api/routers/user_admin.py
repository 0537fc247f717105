"""Admins manage users: create (with a page password and an API token), change role,
unit or active, set a new password. Listing is in :mod:`api.routers.admin`."""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from pydantic import ConfigDict
from sqlmodel import Field, SQLModel

from api.deps import IdPath, SessionDep, roles
from api.errors import Conflict, InvalidReference, NotFound, problems
from models import repo_web_auth, web_auth
from models.org import Role, User, UserPublic
from models.repo_units import unit_by_code
from models.repo_users import create_user, get_user
from models.strict_input import Text

router = APIRouter(tags=["admin"])

ADMINS = roles(Role.admin)


class UserCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        min_length=2, max_length=64, schema_extra={"pattern": r"^[a-z0-9][a-z0-9._-]*$"}
    )
    role: Role
    unit_code: Text | None = Field(default=None, max_length=32, description="caseworkers need one")
    password: Text | None = Field(
        default=None, min_length=12, max_length=1024, description="for the web pages"
    )


class UserCreated(UserPublic):
    token: str = Field(description="the API bearer token, shown this once")


class PasswordSet(SQLModel):
    model_config = ConfigDict(extra="forbid")

    password: Text = Field(min_length=12, max_length=1024)


def _user_or_404(session, user_id: int) -> User:
    user = get_user(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


@router.post(
    "/users", status_code=201, response_model=UserCreated, openapi_extra=ADMINS,
    responses=problems(409),
)  # fmt: skip
def add_user(session: SessionDep, body: UserCreate):
    """Create a user; the answer carries their API token once (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    try:
        user = create_user(session, body.username, body.role, token=token, unit_code=body.unit_code)
    except ValueError as error:
        text = str(error)
        if "already exists" in text:
            raise Conflict(text) from error
        where = {"loc": ["body", "unit_code"], "msg": text, "type": "reference"}
        raise InvalidReference(text, errors=[where]) from error
    if body.password:
        repo_web_auth.set_password_hash(session, user.id, web_auth.hash_password(body.password))
    return UserCreated.model_validate(user, update={"token": token})


class UserChange(SQLModel):
    """What changes; omitted fields stay. ``active: false`` deactivates the user."""

    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    role: Role | None = None
    unit_code: Text | None = Field(default=None, max_length=32)


@router.patch(
    "/users/{user_id}", response_model=UserPublic, openapi_extra=ADMINS, responses=problems(404)
)
def change_user(session: SessionDep, user_id: IdPath, body: UserChange):
    """Change a user's role, unit or active flag; their page sessions end (deactivated:
    their token stops working too). A caseworker keeps needing a unit."""
    user = _user_or_404(session, user_id)
    if body.unit_code is not None:
        unit = unit_by_code(session, body.unit_code)
        if unit is None:
            where = {"loc": ["body", "unit_code"], "msg": "unknown unit", "type": "reference"}
            raise InvalidReference(f"unknown unit {body.unit_code!r}", errors=[where])
        user.unit_id = unit.id
    if body.role is not None:
        user.role = body.role
    if user.role is Role.caseworker and user.unit_id is None:
        where = {
            "loc": ["body", "unit_code"],
            "msg": "a caseworker needs a unit",
            "type": "missing",
        }
        raise InvalidReference("a caseworker needs a unit", errors=[where])
    if body.active is not None:
        user.active = body.active
    session.add(user)
    repo_web_auth.end_sessions_of(session, user.id)
    session.flush()
    return user


@router.put(
    "/users/{user_id}/password", status_code=204, openapi_extra=ADMINS, responses=problems(404)
)
def set_password(session: SessionDep, user_id: IdPath, body: PasswordSet):
    """Set a user's page password (their open sessions end)."""
    _user_or_404(session, user_id)
    repo_web_auth.set_password_hash(session, user_id, web_auth.hash_password(body.password))
