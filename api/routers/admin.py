"""Admins: users and the access log of participant records."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from sqlmodel import SQLModel

from api.deps import IdQuery, SessionDep, roles
from api.errors import BadRequest, problems
from api.pagination import Paged, PageDep
from models import repo_users as users
from models.org import Role, UserPublic
from models.repo_access_log import list_access

router = APIRouter(tags=["admin"])


class AccessLogPublic(SQLModel):
    id: int
    user_id: int
    participant_id: int | None
    at: datetime
    method: str
    route: str
    action: str
    participant_ids: list[int] | None = None  # a list read: every participant it showed


@router.get(
    "/users",
    response_model=Paged[UserPublic],
    openapi_extra=roles(Role.admin),
    responses=problems(),
)
def list_users(session: SessionDep, page: PageDep):
    """List users (never their tokens)."""
    rows, total = users.list_users(session, offset=page.offset, limit=page.limit)
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)


@router.get(
    "/access-log",
    response_model=Paged[AccessLogPublic],
    openapi_extra=roles(Role.admin),
    responses=problems(400),
)
def access_log(
    session: SessionDep,
    page: PageDep,
    participant_id: IdQuery = None,
    user_id: IdQuery = None,
):
    """Who read, changed or was refused participant records: by participant or by user."""
    if participant_id is None and user_id is None:
        raise BadRequest("give participant_id or user_id")
    rows, total = list_access(
        session,
        participant_id=participant_id,
        user_id=user_id,
        offset=page.offset,
        limit=page.limit,
    )
    return Paged(data=rows, count=total, offset=page.offset, limit=page.limit)
