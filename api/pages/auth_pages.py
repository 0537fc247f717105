"""Sign in, sign out, the language toggle, and the start page by role."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from api.deps import SessionDep
from api.pages import i18n
from api.pages.render import render
from api.pages.signin import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    SignInRequired,
    check_csrf,
    check_sign_in_csrf,
    new_session_cookie,
    set_cookie,
    signed_in_user,
)
from models import repo_web_auth, web_auth
from models.base import utcnow
from models.org import Role

router = APIRouter(include_in_schema=False)

HOME = {
    Role.caseworker: "/caseload",
    Role.coordinator: "/quotas",
    Role.evaluator: "/evaluation",
    Role.admin: "/admin/users",
}


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute or protocol-relative URL."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/")
def start_page(request: Request, session: SessionDep):
    """Each role's own start page; the sign-in page for someone not signed in."""
    user = signed_in_user(session, request)
    return RedirectResponse(HOME[user.role], status_code=303)


@router.get("/sign-in")
def sign_in_form(request: Request, next: str = "/"):
    return _sign_in_page(request, next=safe_next(next))


def _sign_in_page(request: Request, *, next: str, username: str = "", error=None, status=200):
    pre_csrf = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
    response = render(
        request,
        "sign_in.html",
        {
            "title": i18n.gettext("Sign in"),
            "pre_csrf": pre_csrf,
            "next": next,
            "username": username,
            "error": error,
        },
        status=status,
    )
    set_cookie(request, response, PRE_SESSION_COOKIE, pre_csrf)
    return response


@router.post("/sign-in", dependencies=[Depends(check_sign_in_csrf)])
def sign_in(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
):
    """Check the password (or whatever the authenticator checks) and open a session.

    After ``sign_in_max_failures`` failures for a username within the window, further
    attempts are refused unchecked until the oldest failure leaves the window (429).
    """
    settings = request.app.state.settings
    window = timedelta(minutes=settings.sign_in_window_minutes)
    failures, oldest = repo_web_auth.recent_failures(session, username, window)
    i18n.use_language(i18n.language_of(request))
    if failures >= settings.sign_in_max_failures:
        wait = max(int((oldest + window - utcnow()).total_seconds()), 1)
        minutes = max(wait // 60, 1)
        message = i18n.ngettext(
            "Too many failed attempts. Try again in %(num)d minute.",
            "Too many failed attempts. Try again in %(num)d minutes.",
            minutes,
        ) % {"num": minutes}
        response = _sign_in_page(
            request, next=safe_next(next), username=username, error=message, status=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = request.app.state.authenticator.authenticate(session, username, password)
    if user is None:
        web_auth.record_failure(session, username)
        return _sign_in_page(
            request,
            next=safe_next(next),
            username=username,
            error=i18n.gettext("Wrong username or password."),
            status=401,
        )
    repo_web_auth.clear_failures(session, username)
    cookie = new_session_cookie()
    web_auth.open_session(session, cookie_value=cookie, user_id=user.id)
    target = safe_next(next)
    response = RedirectResponse(HOME[user.role] if target == "/" else target, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, cookie)
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response


@router.post("/sign-out", dependencies=[Depends(check_csrf)])
def sign_out(request: Request, session: SessionDep):
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        repo_web_auth.end_session(session, cookie)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/language/{language}")
def choose_language(request: Request, language: str, next: str = "/"):
    """Remember the chosen language (a preference in a cookie; nothing on the server)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie(
            i18n.LANG_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="lax",
            secure=request.url.scheme == "https",
            httponly=True,
        )
    return response


__all__ = ["router", "SignInRequired"]
