"""The pages in a real browser: Debian's Chromium driven by Playwright, against the app
served by uvicorn on a loopback port (SQLite, the demo municipality).

One server and one browser for the whole session; each test gets its own browser
context (cookies, viewport). Every request that leaves the loopback is aborted, so a
page that needed a CDN would show it. Screenshots go to tests/pages/screenshots/
(git-ignored). Without /usr/bin/chromium these tests skip, saying why (.ci/run installs
it).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings
from fixtures.loader import demo_password, load_demo
from models.db import engine_for, transaction, upgrade

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """argon2 at its lowest cost in these tests: they test who gets in, not the cost."""
    from argon2 import PasswordHasher

    from models import web_auth

    monkeypatch.setattr(
        web_auth, "password_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    )


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[str]:
    """The app over HTTP on a free loopback port; its base URL."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'platsa.db'}"
    upgrade(url)
    with transaction(engine_for(url)) as session:
        load_demo(session, seed=7)
    app = create_app(settings=Settings(database_url=url))
    # a socket bound and listening before the thread starts: the first request waits in
    # the kernel's backlog until uvicorn accepts it, so no readiness polling is needed
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def _loopback_only(route) -> None:
    host = urlsplit(route.request.url).hostname or ""
    if host in LOOPBACK or route.request.url.startswith(("data:", "blob:", "about:")):
        route.continue_()
    else:
        route.abort()


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def width(request) -> str:
    return request.param


@pytest.fixture
def page(browser, server, width):
    w, h = WIDTHS[width]
    context = browser.new_context(base_url=server, viewport={"width": w, "height": h})
    context.route("**/*", _loopback_only)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.width_name = width
    yield page
    context.close()


def sign_in(page, username: str, password: str | None = None) -> None:
    page.goto("/sign-in")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password or demo_password(username))
    page.get_by_role("button", name="Logga in").click()


def shot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.width_name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_page(page, name: str) -> None:
    """Screenshot the page; at desktop width also require axe-core to find nothing serious
    on it (the markup is the same at both widths, and each axe run costs seconds)."""
    shot(page, name)
    if page.width_name == "desktop":
        assert serious_violations(page) == [], name
