"""Admin pages: users (create, deactivate, set a password), units (create, rename), and
the access log by participant or by user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse

from api.deps import IdPath, SessionDep
from api.pages import calls, i18n
from api.pages.guard import admits
from api.pages.render import render
from api.pages.signin import check_csrf
from api.routers import admin as admin_api
from api.routers import units as units_api
from api.routers import user_admin as user_admin_api
from models.org import Role, User

router = APIRouter(include_in_schema=False, dependencies=[Depends(i18n.speak), Depends(check_csrf)])

MAX_ID = 2**31 - 1


def _done(key: str | None) -> str | None:
    _ = i18n.gettext
    return {
        "user": _("The user is created and can sign in."),
        "deactivated": _("The user is deactivated."),
        "password": _("The password is set."),
        "unit": _("The unit is saved."),
        "changed": _("The user is changed."),
    }.get(key or "")


@router.get("/admin/users")
def users_page(
    request: Request,
    session: SessionDep,
    user: User = admits(admin_api.list_users),
    done: str | None = None,
):
    return render(
        request,
        "admin/users.html",
        {
            "title": i18n.gettext("Users"),
            "users": calls.users(session, offset=0, limit=200).data,
            "units": {u.id: u for u in calls.units(session)},
            "roles": [r.value for r in Role],
            "flash": _done(done),
        },
    )


@router.post("/admin/users")
def create_user(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=1024)],
    unit_code: Annotated[str, Form(max_length=32)] = "",
    user: User = admits(user_admin_api.add_user),
):
    body = user_admin_api.UserCreate(
        username=username.strip(), role=role, unit_code=unit_code or None, password=password
    )
    calls.create_user(session, body)
    return RedirectResponse("/admin/users?done=user", status_code=303)


@router.post("/admin/users/{user_id}")
def change_user(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    role: Annotated[Role | None, Form()] = None,
    unit_code: Annotated[str, Form(max_length=32)] = "",
    active: Annotated[bool | None, Form()] = None,
    user: User = admits(user_admin_api.change_user),
):
    """Deactivate (active=false), or change role and unit."""
    body = user_admin_api.UserChange(active=active, role=role, unit_code=unit_code or None)
    calls.change_user(session, user_id, body)
    return RedirectResponse(
        "/admin/users?done=" + ("deactivated" if active is False else "changed"), status_code=303
    )


@router.post("/admin/users/{user_id}/password")
def set_password(
    user_id: IdPath,
    request: Request,
    session: SessionDep,
    password: Annotated[str, Form(max_length=1024)],
    user: User = admits(user_admin_api.set_password),
):
    calls.set_password(session, user_id, user_admin_api.PasswordSet(password=password))
    return RedirectResponse("/admin/users?done=password", status_code=303)


@router.get("/admin/units")
def units_page(
    request: Request,
    session: SessionDep,
    user: User = admits(units_api.get_units),
    done: str | None = None,
):
    return render(
        request,
        "admin/units.html",
        {
            "title": i18n.gettext("Units"),
            "units": calls.units(session),
            "may_edit": user.role is Role.admin,
            "flash": _done(done),
        },
    )


@router.post("/admin/units")
def create_unit(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=200)],
    user: User = admits(units_api.create_unit),
):
    calls.create_unit(session, units_api.UnitCreateBody(code=code.strip(), name=name.strip()))
    return RedirectResponse("/admin/units?done=unit", status_code=303)


@router.post("/admin/units/{unit_id}")
def rename_unit(
    unit_id: IdPath,
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(max_length=200)],
    user: User = admits(units_api.rename),
):
    calls.rename_unit(session, unit_id, units_api.UnitRename(name=name.strip()))
    return RedirectResponse("/admin/units?done=unit", status_code=303)


@router.get("/admin/access-log")
def access_log_page(
    request: Request,
    session: SessionDep,
    user: User = admits(admin_api.access_log),
    participant_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
):
    page = None
    if participant_id is not None or user_id is not None:
        page = calls.access_log(
            session, participant_id=participant_id, user_id=user_id, offset=0, limit=200
        )
    return render(
        request,
        "admin/access_log.html",
        {
            "title": i18n.gettext("Access log"),
            "page": page,
            "participant_id": participant_id,
            "user_id": user_id,
        },
    )
