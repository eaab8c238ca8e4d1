"""The case page's "Previous absences": the absence this one links to, the recurrence (OH
only) and the trigger's suggestion with its rule; reason categories for OH only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.async_api import Page, expect

from domain.actors import Role
from tests.browser.conftest import base_url
from tests.support.api_harness import TOKENS, ApiStack, absence, open_case
from tests.support.browser import check_accessible, screenshot, sign_in


def _ago(days: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=days)).isoformat()


async def _case_with_a_record(site: ApiStack) -> str:
    """A back-pain absence 3 weeks after another, the fourth absence in 12 months."""
    return await open_case(site, absence(
        first_day=_ago(0), reason_category="musculoskeletal", previous_absences=[
            {"first_day": _ago(30), "last_day": _ago(21), "reason_category": "musculoskeletal"},
            {"first_day": _ago(100), "last_day": _ago(99), "reason_category": "other"},
            {"first_day": _ago(200), "last_day": _ago(199)},
        ]))


async def test_oh_sees_the_link_the_recurrence_and_the_reasons(site: ApiStack,
                                                               page: Page) -> None:
    case_id = await _case_with_a_record(site)
    await sign_in(page, base_url(site), TOKENS[Role.OH])
    await page.goto(f"{base_url(site)}/cases/{case_id}")

    await expect(page.get_by_role("heading", name="Previous absences")).to_be_visible()
    await expect(page.get_by_text("This absence links to the absence from")).to_be_visible()
    await expect(page.get_by_text("Recurrence", exact=True)).to_be_visible()
    await expect(page.get_by_text("An attendance review is suggested")).to_contain_text(
        "4 absences in the rolling 12 months")
    rows = page.locator("table:has(th:text('Reason category')) tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_contain_text("10")
    await check_accessible(page)
    await screenshot(page, "case-previous-absences-oh")


async def test_a_manager_sees_dates_and_the_suggestion_but_no_reason(site: ApiStack,
                                                                      page: Page) -> None:
    case_id = await _case_with_a_record(site)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    await page.goto(f"{base_url(site)}/cases/{case_id}")

    await expect(page.get_by_role("heading", name="Previous absences")).to_be_visible()
    await expect(page.get_by_text("This absence links to the absence from")).to_be_visible()
    await expect(page.get_by_text("An attendance review is suggested")).to_be_visible()
    await expect(page.get_by_text("Recurrence", exact=True)).to_have_count(0)
    await expect(page.get_by_text("Reason category")).to_have_count(0)
    await check_accessible(page)
    await screenshot(page, "case-previous-absences-manager")
