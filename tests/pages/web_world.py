"""The API tests' small world with a password per user, and a signed-in TestClient."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session

from models import repo_web_auth, web_auth
from tests.api.world import World, seed_world

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed_web_world(session: Session) -> World:
    world = seed_world(session)
    hashed = web_auth.hash_password(PASSWORD)  # once: argon2 is slow on purpose
    for user_id in world.user_ids.values():
        repo_web_auth.set_password_hash(session, user_id, hashed)
    session.commit()
    return world


def username_of(session: Session, world: World, who: str) -> str:
    from models.org import User

    return session.get(User, world.user_ids[who]).username


def sign_in(client: TestClient, username: str, password: str = PASSWORD, next: str = "/"):
    """Post the sign-in form as a browser would (its token from the form and cookie)."""
    form = client.get("/sign-in")
    token = CSRF.search(form.text).group(1)
    return client.post(
        "/sign-in",
        data={"username": username, "password": password, "csrf_token": token, "next": next},
        follow_redirects=False,
    )


def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF token a signed-in page carries."""
    return CSRF.search(client.get(path).text).group(1)
