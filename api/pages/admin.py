"""Admin pages: users (create, deactivate, set a password), units (create, rename),
placement types and their rules, the stop switch, and the access log by participant or
by user."""

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
from api.routers import catalog as catalog_api
from api.routers import oversight as oversight_api
from api.routers import units as units_api
from api.routers import user_admin as user_admin_api
from models.org import Role, User
from models.oversight import OversightSwitch
from models.taxonomy import PlacementTypeUpdate

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
        "type": _("The placement type's rules are saved; the old rules stay in the history."),
        "paused": _("Suggestions and plan proposals are paused. Manual booking continues."),
        "resumed": _("Suggestions and plan proposals are running again."),
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


@router.get("/admin/placement-types")
def placement_types_page(
    request: Request,
    session: SessionDep,
    user: User = admits(catalog_api.list_all_placement_types),
    done: str | None = None,
):
    return render(
        request,
        "admin/placement_types.html",
        {
            "title": i18n.gettext("Placement types"),
            "types": calls.placement_types(session),
            "may_edit": user.role is Role.admin,
            "flash": _done(done),
        },
    )


AgeForm = Annotated[int | None, Form(ge=15, le=70)]
MonthsForm = Annotated[int | None, Form(ge=0, le=600)]


@router.post("/admin/placement-types/{code}")
def change_placement_type(
    code: catalog_api.TypeCode,
    request: Request,
    session: SessionDep,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    min_age: AgeForm = None,
    max_age: AgeForm = None,
    min_months_on_assistance: MonthsForm = None,
    long_term_months: MonthsForm = None,
    newcomer_or_long_term: Annotated[bool, Form()] = False,
    meaningful_days: Annotated[int | None, Form(ge=1, le=3650)] = None,
    user: User = admits(catalog_api.change_placement_type),
):
    """Save a type's rules; an empty age or duration box means no limit (the API's null)."""
    body = PlacementTypeUpdate(
        name=name.strip(),
        min_age=min_age,
        max_age=max_age,
        min_months_on_assistance=min_months_on_assistance,
        long_term_months=long_term_months,
        newcomer_or_long_term=newcomer_or_long_term,
        meaningful_days=meaningful_days,
    )
    calls.change_placement_type(session, user, code, body)
    return RedirectResponse("/admin/placement-types?done=type", status_code=303)


@router.get("/admin/oversight")
def oversight_page(
    request: Request,
    session: SessionDep,
    user: User = admits(oversight_api.events),
    done: str | None = None,
):
    return render(
        request,
        "admin/oversight.html",
        {
            "title": i18n.gettext("Stop switch"),
            "state": calls.oversight_state(session),
            "events": calls.oversight_events(session, offset=0, limit=50).data,
            "flash": _done(done),
        },
    )


ReasonForm = Annotated[str, Form(min_length=3, max_length=2000)]


@router.post("/admin/oversight/pause")
def pause(
    request: Request,
    session: SessionDep,
    reason: ReasonForm,
    user: User = admits(oversight_api.pause),
):
    return _switched(session, user, reason, paused=True)


@router.post("/admin/oversight/resume")
def resume(
    request: Request,
    session: SessionDep,
    reason: ReasonForm,
    user: User = admits(oversight_api.resume),
):
    return _switched(session, user, reason, paused=False)


def _switched(session, user: User, reason: str, *, paused: bool) -> RedirectResponse:
    calls.switch(session, user, OversightSwitch(reason=reason.strip()), paused=paused)
    return RedirectResponse(
        "/admin/oversight?done=" + ("paused" if paused else "resumed"), status_code=303
    )
