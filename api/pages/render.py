"""Rendering pages: one Jinja2 environment, the catalogs' gettext, locale filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.pages import i18n
from models.org import Role
from models.repo_oversight import read_paused

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)


def fmt_swedish(label: str | None, entered: str | None = None) -> str:
    """A Swedish level for people: 'NONE' in words, the level as entered ('SFI C') beside
    its CEFR value when they differ."""
    if label is None:
        return "–"
    shown = i18n.gettext("None") if label == "NONE" else label
    if entered and entered not in (label, "NONE"):
        return f"{entered} ({shown})"
    return shown


env.filters.update(
    date=i18n.fmt_date, number=i18n.fmt_number, percent=i18n.fmt_percent, swedish=fmt_swedish
)


def N_(message: str) -> str:
    """Marks a string for the catalogs; it is translated where it is shown."""
    return message


#: role names, for the catalogs (shown with _(role))
ROLE_NAMES = (N_("caseworker"), N_("coordinator"), N_("evaluator"), N_("admin"))

#: the menu per role: (path, message id); the pages behind them admit that role
NAV: dict[Role, list[tuple[str, str]]] = {
    Role.caseworker: [("/caseload", N_("Caseload")), ("/placements", N_("Placements"))],
    Role.coordinator: [
        ("/caseload", N_("Caseload")),
        ("/placements", N_("Placements")),
        ("/quotas", N_("Quotas")),
        ("/plans", N_("Cohort plans")),
    ],
    Role.evaluator: [("/evaluation", N_("Replays")), ("/evaluation/models", N_("Models"))],
    Role.admin: [
        ("/caseload", N_("Caseload")),
        ("/admin/users", N_("Users")),
        ("/admin/units", N_("Units")),
        ("/admin/placement-types", N_("Placement types")),
        ("/admin/oversight", N_("Stop switch")),
        ("/admin/access-log", N_("Access log")),
    ],
}


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """``template`` in the request's language, with the signed-in user and CSRF token."""
    i18n.use_language(i18n.language_of(request))
    user = getattr(request.state, "page_user", None)
    page = {
        "request": request,
        "user": user,
        "nav": NAV.get(user.role, []) if user is not None else [],
        "csrf_token": getattr(request.state, "csrf_token", None),
        "lang": i18n.current_language(),
        "path": request.url.path,
        # the stop switch, shown to everyone signed in while it is off (one small read)
        "paused": user is not None and read_paused(request.app.state.engine),
        **(context or {}),
    }
    return HTMLResponse(env.get_template(template).render(page), status_code=status)
