"""An evaluator runs a replay and opens its report; an admin creates a unit and a user
who can then sign in; /docs and /redoc render with the network cut off."""

from __future__ import annotations

import re

from tests.pages.conftest import check_page, shot, sign_in


def test_evaluator_runs_a_replay_and_opens_its_report(page, width):
    sign_in(page, "utvarderare")
    page.wait_for_url(re.compile(r"/evaluation"))
    check_page(page, "replays")
    page.get_by_label("Från").fill("2026-10-01")  # a short window keeps it quick
    page.get_by_label("Bedömare").select_option("policy")
    page.get_by_role("button", name="Starta omspelningen").click(timeout=120_000)
    page.wait_for_url(re.compile(r"/evaluation/replays/\d+$"), timeout=120_000)
    shot(page, "replay-report")  # the report is the evaluation module's own HTML
    replay_id = page.url.rsplit("/", 1)[1]
    assert page.locator("h1").count() >= 1
    page.goto("/evaluation")
    newest = page.locator("tbody tr").first.get_by_role("link")
    assert newest.get_attribute("href") == f"/evaluation/replays/{replay_id}"
    page.goto("/evaluation/models")
    check_page(page, "models")


def test_admin_creates_a_unit_and_a_user_who_can_then_sign_in(page, width, browser, server):
    code = f"NY-{width.upper()}"
    sign_in(page, "admin")
    page.wait_for_url(re.compile(r"/admin/users"))
    page.goto("/admin/units")
    check_page(page, "units")
    page.get_by_label("Kod").fill(code)
    page.get_by_label("Namn", exact=True).fill("Nya enheten")
    page.get_by_role("button", name="Skapa enheten").click()
    page.wait_for_url(re.compile(r"/admin/units\?done=unit"))
    assert code in page.locator("tbody").inner_text()
    page.goto("/admin/users")
    check_page(page, "users")
    username = f"ny-handlaggare-{width}"
    form = page.get_by_role("region", name="Ny användare")
    form.get_by_label("Användarnamn").fill(username)
    form.get_by_label("Roll").select_option("caseworker")
    form.get_by_label("Enhet (handläggare)").select_option(code)
    form.get_by_label("Lösenord (minst 12 tecken)").fill("ett långt lösenord")
    form.get_by_role("button", name="Skapa användaren").click()
    page.wait_for_url(re.compile(r"/admin/users\?done=user"))
    assert username in page.locator("tbody").inner_text()
    for path, name in (
        ("/admin/placement-types", "placement-types"),
        ("/admin/oversight", "stop"),
        ("/admin/access-log?participant_id=1", "access-log"),
    ):
        page.goto(path)
        check_page(page, name)
    newcomer = browser.new_context(base_url=server, viewport=page.viewport_size)
    try:
        theirs = newcomer.new_page()
        sign_in(theirs, username, "ett långt lösenord")
        theirs.wait_for_url(re.compile(r"/caseload"))
        assert "0 deltagare" in theirs.locator("main").inner_text()  # a new, empty unit
    finally:
        newcomer.close()


def test_api_docs_render_with_the_network_cut_off(page, width):
    # the page fixture aborts every request that leaves the loopback
    page.goto("/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=60_000)
    assert "Platsa" in page.locator(".swagger-ui .info .title").inner_text()
    shot(page, "docs", full_page=False)
    page.goto("/redoc")
    page.locator("h1").first.wait_for(timeout=60_000)
    assert "Platsa" in page.content()
    shot(page, "redoc", full_page=False)


def test_the_sign_in_page_and_an_error_page_pass_the_accessibility_check(page, width):
    page.goto("/sign-in")
    check_page(page, "sign-in")
    sign_in(page, "utvarderare")
    page.wait_for_url(re.compile(r"/evaluation"))
    answer = page.goto("/evaluation/replays/999999")
    assert answer.status == 404
    check_page(page, "not-found")
