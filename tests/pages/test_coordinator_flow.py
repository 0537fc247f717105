"""A coordinator changes a quota, then builds, reviews and applies a cohort plan."""

from __future__ import annotations

import re

from tests.pages.conftest import check_page, sign_in

# each width plans its own unit (not the caseworker tests' units), so runs never collide
PLAN_UNIT = {"desktop": "UNG-01", "phone": "ETB-01"}


def test_coordinator_changes_a_quota_with_a_reason(page, width):
    sign_in(page, "samordnare")
    page.wait_for_url(re.compile(r"/quotas"))
    check_page(page, "quotas")
    row = page.locator("tbody tr[id^=quota-]").nth(0 if width == "desktop" else 1)
    quota_id = row.get_attribute("id")
    before = int(row.locator("td").nth(4).inner_text())
    path = "/quotas/" + quota_id.removeprefix("quota-")
    editor = page.locator("details", has=page.locator(f'form[action="{path}"]'))
    editor.locator("summary").click()
    editor.get_by_label("Max").fill(str(before + 3))
    editor.get_by_label("Skäl").fill("Förvaltningen lovade fler platser")
    editor.get_by_role("button", name="Spara").click()
    page.wait_for_url(re.compile(r"/quotas\?done=quota"))
    assert "Kvoten är ändrad." in page.locator("main").inner_text()
    after = page.locator(f"tr#{quota_id} td").nth(4).inner_text()
    assert int(after) == before + 3
    page.goto(f"{path}/history")
    check_page(page, "quota-history")
    assert "Förvaltningen lovade fler platser" in page.locator("tbody tr").last.inner_text()


def test_coordinator_builds_reviews_and_applies_a_plan(page, width):
    sign_in(page, "samordnare")
    page.wait_for_url(re.compile(r"/quotas"))
    page.goto("/plans")
    check_page(page, "plans")
    unit = page.get_by_label("En enhets väntande deltagare")
    option = unit.locator("option", has_text=PLAN_UNIT[width])
    unit.select_option(value=option.get_attribute("value"))
    page.get_by_role("button", name="Gör en plan").click()
    page.wait_for_url(re.compile(r"/plans/\d+$"))
    check_page(page, "plan")
    rows = page.locator("article[data-row]")
    assert rows.count() >= 2
    first = rows.first.get_attribute("data-row")
    rows.first.get_by_role("button", name="Stryk").click()
    page.wait_for_url(re.compile(r"/plans/\d+\?done=edited"))
    assert "struken" in page.locator(f'article[data-row="{first}"]').inner_text()
    page.get_by_role("button", name="Verkställ: boka varje rad").click()
    page.wait_for_url(re.compile(r"/plans/\d+\?done=applied"))
    assert "Planen är verkställd" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Verkställ: boka varje rad").count() == 0
