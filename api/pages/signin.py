"""Who is signed in to the pages: the :class:`Authenticator` seam, session cookies, CSRF.

Passwords are one way to say who someone is. A municipality's identity provider (OIDC)
is another: an ``Authenticator`` that, instead of checking a password, takes the
provider's verified ID token and maps its subject to a :class:`~models.org.User`. Either
way the pages then open the same server-side session, so roles, unit scoping and the
access log do not change (see README "Signing in to the pages").

The session cookie carries 256 random bits; the database keeps only their SHA-256. The
CSRF token of a session is an HMAC of the cookie value, so it needs no storage and no
other page can compute it (the cookie is HttpOnly). The sign-in form, before any
session exists, uses a double-submit cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request, Response
from sqlmodel import Session, select

from api.errors import Forbidden
from models import repo_web_auth, web_auth
from models.org import Role, User

SESSION_COOKIE = "platsa_session"
PRE_SESSION_COOKIE = "platsa_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

# verified when the username is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = web_auth.password_hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class SignedIn:
    username: str
    role: Role


class SignInRequired(Exception):
    """No live session: the page answers with a redirect to the sign-in page."""


class CsrfRefused(Forbidden):
    slug, title = "csrf", "Form expired"


class Authenticator(Protocol):
    """Says who a person is. Returns the active user, or None (never says why)."""

    def authenticate(self, session: Session, username: str, password: str) -> User | None: ...


class PasswordAuthenticator:
    """Usernames and argon2-hashed passwords kept by Platsa itself."""

    def authenticate(self, session: Session, username: str, password: str) -> User | None:
        hasher = web_auth.password_hasher
        user = session.exec(select(User).where(User.username == username)).first()
        stored = None if user is None else repo_web_auth.password_hash_for(session, user.id)
        try:
            hasher.verify(stored or _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if stored is None or user is None or not user.active:
            return None
        if hasher.check_needs_rehash(stored):
            repo_web_auth.set_password_hash(session, user.id, hasher.hash(password))
        return user


def csrf_token_for(cookie_value: str) -> str:
    return hmac.new(cookie_value.encode(), b"platsa-csrf", hashlib.sha256).hexdigest()


def new_session_cookie() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """HttpOnly, SameSite=Lax, Secure when the request came over HTTPS; no Max-Age, so it
    ends with the browser (the server ends it sooner: idle and absolute expiry)."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def signed_in_user(session: Session, request: Request) -> User:
    """The user of the request's live session; :class:`SignInRequired` otherwise."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise SignInRequired
    settings = request.app.state.settings
    live = repo_web_auth.live_session(
        session,
        cookie,
        idle=timedelta(minutes=settings.session_idle_minutes),
        absolute=timedelta(hours=settings.session_absolute_hours),
    )
    user = None if live is None else session.get(User, live.user_id)
    if user is None or not user.active:
        raise SignInRequired
    request.state.user = user
    # a plain copy for the page chrome: an error page renders after the rollback
    request.state.page_user = SignedIn(user.username, user.role)
    request.state.csrf_token = csrf_token_for(cookie)
    return user


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose form field (or htmx header) does not carry
    the token of its session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    await _compare(request, csrf_token_for(cookie) if cookie else None)


async def check_sign_in_csrf(request: Request) -> None:
    """The sign-in form's double-submit check: field and pre-session cookie agree."""
    await _compare(request, request.cookies.get(PRE_SESSION_COOKIE))


async def _compare(request: Request, expected: str | None) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        sent = form.get(CSRF_FIELD)
    if not expected or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRefused(
            "the form's security token is missing or out of date; reload the page and try again"
        )
