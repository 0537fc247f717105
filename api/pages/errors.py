"""Errors as pages in the user's language; the API keeps its problem+json answers.

The same business errors the routes raise are rendered here when the request was for a
page (anything outside ``/api/`` and the operations routes). Another unit's participant
is a plain "not found", as in the API.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import PlatsaError
from api.pages import i18n
from api.pages.render import render
from api.pages.signin import SignInRequired

NOT_PAGES = ("/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/static/")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(NOT_PAGES)


def _texts(status: int) -> tuple[str, str]:
    """Title and what to do next, by status (translated at render time)."""
    _ = i18n.gettext
    return {
        403: (_("Not allowed"), _("Your role may not open this page.")),
        404: (_("Not found"), _("It does not exist, or it is not on your unit's caseload.")),
        409: (
            _("Something changed meanwhile"),
            _("Reload the page to see the current state, then try again."),
        ),
        422: (_("Check what you entered"), _("Something in the form was missing or not valid.")),
        429: (_("Too many attempts"), _("Wait a moment and try again.")),
        503: (_("Busy right now"), _("Nothing was changed. Try again in a moment.")),
    }.get(status, (_("Something went wrong"), _("Go back and try again.")))


def error_page(
    request: Request, status: int, detail: str | None = None, conflicts: list | None = None
):
    i18n.use_language(i18n.language_of(request))
    title, message = _texts(status)
    return render(
        request,
        "error.html",
        {
            "title": title,
            "message": message,
            "detail": detail,
            "conflicts": conflicts or [],
            "next_href": request.headers.get("referer") or "/",
            "next_label": i18n.gettext("Back"),
        },
        status=status,
    )


def install_page_errors(app: FastAPI) -> None:
    """Wrap the API's handlers: pages get HTML, everything else what it got before."""
    api_handlers = {
        kind: app.exception_handlers[kind]
        for kind in (PlatsaError, StarletteHTTPException, RequestValidationError)
    }

    def wrap(kind):
        async def handler(request: Request, error):
            if not is_page(request):
                return await api_handlers[kind](request, error)
            if isinstance(error, RequestValidationError):
                where = "; ".join(
                    ".".join(str(part) for part in e.get("loc", ())) + ": " + e.get("msg", "")
                    for e in error.errors()[:5]
                )
                return error_page(request, 422, where)
            status = getattr(error, "status", None) or getattr(error, "status_code", 500)
            extra = getattr(error, "extra", None) or {}
            response = error_page(
                request, status, getattr(error, "detail", None), extra.get("conflicts")
            )
            response.headers.update(getattr(error, "headers", None) or {})
            return response

        return handler

    for kind in api_handlers:
        app.add_exception_handler(kind, wrap(kind))

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _error: SignInRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        where = "/sign-in?next=" + _quote(target if request.method == "GET" else "/")
        if request.headers.get("hx-request"):
            response = RedirectResponse(where, status_code=303)
            response.headers["HX-Redirect"] = where
            return response
        return RedirectResponse(where, status_code=303)


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
