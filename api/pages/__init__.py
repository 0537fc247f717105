"""Web pages for caseworkers, coordinators, evaluators and admins, under ``/``.

Server-rendered (Jinja2) with htmx for partial updates; every asset ships in
``api/static`` (see ``api/static/vendor/VERSIONS`` and ``make vendor``). Pages call the
same functions as the API routes (:mod:`api.pages.calls`), so every rule is one
implementation; this package only parses forms and renders answers.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

from api.pages.render import STATIC_DIR
from api.pages.signin import PasswordAuthenticator

VENDOR = "/static/vendor"


def _page_modules():
    from api.pages import admin, auth_pages, caseworker, coordinator, evaluator

    return (auth_pages, caseworker, coordinator, evaluator, admin)


def install_pages(app: FastAPI) -> None:
    """Mount the static assets, the self-hosted API docs, the pages and their error pages."""
    from api.pages.errors import install_page_errors

    app.state.authenticator = PasswordAuthenticator()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _install_docs(app)
    for module in _page_modules():
        app.include_router(module.router)
    install_page_errors(app)


def _install_docs(app: FastAPI) -> None:
    """/docs and /redoc from the package's own copies (FastAPI's self-hosting recipe)."""

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui():
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} – API",
            swagger_js_url=f"{VENDOR}/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc():
        return get_redoc_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} – ReDoc",
            redoc_js_url=f"{VENDOR}/redoc.standalone.js",
            redoc_favicon_url="/static/favicon.svg",
            with_google_fonts=False,
        )


def __getattr__(name: str):
    if name == "PAGE_MODULES":  # lazily: the page modules import the API routers
        return _page_modules()
    raise AttributeError(name)
