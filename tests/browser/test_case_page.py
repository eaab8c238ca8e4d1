"""The case page: who, the stage, deadlines with why, the timeline with who, when and why, the
actions on offer; shaped by role as the API shapes the case, refused as the API refuses."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from playwright.async_api import Page, expect

from domain.actors import Role
from domain.disclosure import may_see_in_timeline
from tests.browser.conftest import base_url
from tests.support.api_harness import (
    OTHER_MANAGER_TOKEN,
    TOKENS,
    ApiStack,
    absence,
    auth,
    open_case,
)
from tests.support.browser import check_accessible, screenshot, sign_in


async def contacted_case(site: ApiStack) -> str:
    """A case whose manager made early contact: two entries on its history."""
    # Absent from today: no early-contact reminder can fall due while the test runs.
    case_id = await open_case(site, absence(first_day=datetime.now(UTC).date().isoformat()))
    answer = await site.http.post(f"/v1/cases/{case_id}/contact", headers=auth(Role.MANAGER),
                                  json={"contacted_at": datetime.now(UTC).isoformat(),
                                        "method": "phone", "agreed_contact_frequency_days": 7,
                                        "notes": "Agreed weekly calls."})
    assert answer.status_code == 200, answer.text
    for _ in range(200):
        if len(await asyncio.to_thread(site.harness.store.history, case_id)) >= 2:
            return case_id
        await asyncio.sleep(0.05)
    raise AssertionError("the contact was never stored")


async def test_oh_sees_the_timeline_with_who_when_and_why(site: ApiStack, page: Page) -> None:
    case_id = await contacted_case(site)
    await sign_in(page, base_url(site), TOKENS[Role.OH])
    await page.goto(f"{base_url(site)}/cases/{case_id}")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Sam Patel")
    timeline = page.locator("#timeline tbody tr")
    await expect(timeline).to_have_count(2)
    newest = timeline.nth(0)
    await expect(newest).to_contain_text("Early contact recorded")
    await expect(newest).to_contain_text("Alex Jones (line manager)")
    await expect(newest).to_contain_text("early contact by phone")
    await expect(newest.locator("td").first).to_contain_text(
        datetime.now(UTC).strftime("%Y").strip())
    await expect(timeline.nth(1)).to_contain_text("Case opened")
    await expect(page.get_by_role("heading", name="Clinical detail")).to_be_visible()
    sick_pay = page.get_by_role("term").filter(has_text="SSP ends")
    await expect(sick_pay).to_be_visible()  # the sick pay dates, each with its rule
    await expect(page.get_by_role("link", name="Record check in")).to_have_attribute(
        "href", f"/cases/{case_id}/actions/record_check_in")
    await check_accessible(page)
    await screenshot(page, "case-oh")
    logged = await site.harness.pool.fetch(
        "SELECT action FROM rtw_access_log WHERE case_id = $1 AND channel = 'web'",
        uuid.UUID(case_id))
    assert {row["action"] for row in logged} >= {"case.read", "case.history", "case.notes"}


async def test_a_manager_sees_their_teams_case_without_clinical_detail(site: ApiStack,
                                                                       page: Page) -> None:
    case_id = await contacted_case(site)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    await page.goto(f"{base_url(site)}/cases/{case_id}")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Sam Patel")
    await expect(page.locator("#timeline tbody tr").first).to_contain_text(
        "Early contact recorded")
    await expect(page.get_by_text("Clinical detail")).to_have_count(0)
    await expect(page.get_by_role("heading", name="Sick pay")).to_have_count(0)
    await expect(page.get_by_text("No fitness advice has been shared with you")).to_be_visible()
    await check_accessible(page)
    await screenshot(page, "case-manager")


async def test_another_teams_case_is_a_403_page_and_an_unknown_case_a_404_page(
        site: ApiStack, page: Page) -> None:
    case_id = await open_case(site)
    await sign_in(page, base_url(site), OTHER_MANAGER_TOKEN)
    refused = await page.goto(f"{base_url(site)}/cases/{case_id}")
    assert refused is not None and refused.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("You cannot see this case")
    await expect(page.get_by_text("Sam Patel")).to_have_count(0)
    await check_accessible(page)

    unknown = await page.goto(f"{base_url(site)}/cases/{uuid.uuid4()}")
    assert unknown is not None and unknown.status == 404
    not_a_case = await page.goto(f"{base_url(site)}/cases/not-a-case")
    assert not_a_case is not None and not_a_case.status == 404


def test_only_shared_facts_reach_a_managers_timeline() -> None:
    assert may_see_in_timeline(Role.MANAGER, "EarlyContactRecorded", {})
    assert not may_see_in_timeline(Role.MANAGER, "AssessmentRecorded", {})
    assert not may_see_in_timeline(Role.HR, "CaseNoteAdded", {})
    assert not may_see_in_timeline(Role.MANAGER, "ReminderSent",
                                   {"deadline_name": "first_assessment_due"})
    assert may_see_in_timeline(Role.MANAGER, "ReminderSent", {"deadline_name": "plan_review_due"})
    assert not may_see_in_timeline(Role.HR, "PlanAgreed", {"revision_reason": "typed by OH"})
    assert may_see_in_timeline(Role.OH, "AssessmentRecorded", {})
