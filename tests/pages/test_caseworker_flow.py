"""A caseworker's morning in the browser, at 1280 and at 390 px wide."""

from __future__ import annotations

import re

from tests.pages.conftest import check_page, shot, sign_in

# each width takes its own waiting participant, so the two runs never share a booking
CASEWORKER = {"desktop": "handlaggare-ame-01", "phone": "handlaggare-ame-02"}


def _slots_left(card) -> int:
    return int(card.get_by_test_id("slots-left").text_content().split("/")[0])


def _declined_hidden(page) -> int:
    """How many declined placements the list says it leaves out (0 without the notice)."""
    notice = page.get_by_test_id("declined-hidden")
    if notice.count() == 0:
        return 0
    text = notice.inner_text()
    found = re.match(
        r"(\d+) plats(?:er)? som tackats nej till eller avbokats de senaste 90 dagarna "
        r"visas inte",
        text,
    )
    assert found, text
    return int(found.group(1))


def _open_first_waiting(page) -> str:
    """Open the caseload's first waiting participant's suggestions; their reference."""
    page.goto("/caseload")
    check_page(page, "caseload")
    first = page.locator("#caseload tbody th a").first
    ref = first.inner_text()
    first.click()
    check_page(page, "participant")
    page.get_by_role("link", name="Förslag").click()
    page.wait_for_url(re.compile(r"/suggestions"))
    return ref


def test_caseworker_accepts_one_and_sees_the_slot_count_drop(page, width):
    sign_in(page, CASEWORKER[width])
    page.wait_for_url(re.compile(r"/caseload"))
    _open_first_waiting(page)
    check_page(page, "suggestions")
    page.locator("article[data-placement] details summary").first.click()  # the facts
    shot(page, "suggestions-facts")
    card = page.locator("article[data-placement]").first
    placement_id = card.get_attribute("data-placement")
    before = _slots_left(card)
    card.get_by_role("button", name="Anta").click()
    page.wait_for_url(re.compile(r"/participants/\d+\?done=accepted"))
    participant = page.url
    assert "Antagen: platsen är bokad." in page.locator("main").inner_text()
    page.goto(f"/placements/{placement_id}")
    check_page(page, "placement")
    assert _slots_left(page.locator("main")) == before - 1
    page.goto("/placements")
    check_page(page, "placements")
    page.goto(participant.split("?")[0] + f"/why-not?placement_id={placement_id}")
    check_page(page, "why-not")


def test_caseworker_declines_one_with_a_reason(page, width):
    sign_in(page, CASEWORKER[width])
    page.wait_for_url(re.compile(r"/caseload"))
    page.goto("/caseload?sort=id")
    page.locator("#caseload tbody th a").nth(1).click()
    page.get_by_role("link", name="Förslag").click()
    card = page.locator("article[data-placement]").first
    placement_id = card.get_attribute("data-placement")
    title = card.locator("h2").inner_text().split(". ", 1)[1]
    card.get_by_label("Skäl till nej").select_option("commute")
    card.get_by_role("button", name="Tacka nej").click()
    page.wait_for_url(re.compile(r"/suggestions\?done=declined"))
    assert "Nej tack: skälet är sparat." in page.locator("main").inner_text()
    page.goto(page.url.split("/suggestions")[0])
    history = page.locator("section", has=page.get_by_role("heading", name="Beslut och utfall"))
    newest = history.locator("tbody tr").first
    assert title in newest.inner_text()
    assert "Nej tack" in newest.inner_text() and "Resväg" in newest.inner_text()
    assert placement_id  # the declined card named a placement


def test_a_declined_placement_is_gone_from_the_list(page, width):
    sign_in(page, CASEWORKER[width])
    page.wait_for_url(re.compile(r"/caseload"))
    page.goto("/caseload?sort=id")
    page.locator("#caseload tbody th a").nth(2).click()
    page.get_by_role("link", name="Förslag").click()
    hidden_before = _declined_hidden(page)
    card = page.locator("article[data-placement]").first
    placement_id = card.get_attribute("data-placement")
    card.get_by_label("Skäl till nej").select_option("hours")
    card.get_by_role("button", name="Tacka nej").click()
    page.wait_for_url(re.compile(r"/suggestions\?done=declined"))
    assert page.locator(f'article[data-placement="{placement_id}"]').count() == 0
    assert _declined_hidden(page) == hidden_before + 1  # the demo history may hold others
    page.get_by_test_id("declined-hidden").get_by_role("link", name="Visa dem också").click()
    page.wait_for_url(re.compile(r"include_declined=true"))
    check_page(page, "suggestions-with-declined")
    assert page.locator(f'article[data-placement="{placement_id}"]').count() == 1
