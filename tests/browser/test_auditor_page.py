"""The auditor's page: a case replayed as its record stood at a chosen moment, with the chain
check, read from the store the workflow wrote and written to the access log as 'web' reads."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
from eventsourcing.persistence import StoredEvent
from playwright.async_api import Page, expect

from domain.actors import Role
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore
from localstack.samples import POLICY, as_new, case_events
from tests.browser.conftest import base_url
from tests.e2e.test_role_redaction import CLINICAL, clinical_case
from tests.support.api_harness import TOKENS, ApiStack
from tests.support.browser import check_accessible, screenshot, sign_in
from tests.support.stored_cases import tamper

# 20 November 2026 is in GMT: London's clock reads the same as UTC.
OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)
RECORDED_AFTER = timedelta(minutes=1)
PURPOSE = "Serious incident review SI-2026-114"


def case_with_a_correction(store: CaseEventStore, absence_id: str) -> str:
    """Opened at 09:00, a reminder at 10:00, and at 11:00 an event correcting the reminder;
    each recorded a minute after it happened."""
    case_id, events = case_events(absence_id, 3, OPENED)
    first, second = as_new(events[0]), as_new(events[1])
    correction = replace(as_new(events[2]), corrects_event_id=second.event_id)
    for position, event in enumerate((first, second, correction), start=1):
        store.append(case_id=case_id, first_position=position, policy_version=POLICY,
                     workflow_id=case_id, run_id="run-1", events=[event],
                     recorded_at=OPENED + timedelta(hours=position - 1) + RECORDED_AFTER)
    return case_id


def change_reason_of_second_event(store: CaseEventStore, database_url: str, case_id: str) -> None:
    """Rewrite the stored bytes of event 2 with a new reason, properly encrypted, as someone with
    the database's keys but not the audit key could."""
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT topic, state FROM rtw_events WHERE originator_id = %s "
            "AND originator_version = 2", (case_id,)).fetchone()
    assert row is not None
    original = store.mapper.to_domain_event(StoredEvent(case_id, 2, str(row[0]), bytes(row[1])))
    assert isinstance(original, CaseEventRecord)
    forged = store.mapper.to_stored_event(replace(original, reason="contact was made"))
    tamper(database_url, "UPDATE rtw_events SET state = %s WHERE originator_id = %s "
           "AND originator_version = 2", forged.state, case_id)


async def web_reads(site: ApiStack, case_id: str) -> list[tuple[str, str]]:
    rows = await site.harness.pool.fetch(
        "SELECT action, channel FROM rtw_access_log WHERE case_id = $1 ORDER BY id", case_id)
    return [(row["action"], row["channel"]) for row in rows]


async def logged(site: ApiStack, case_id: str) -> list[tuple[str, str, int, str]]:
    rows = await site.harness.pool.fetch(
        "SELECT action, role, status, detail FROM rtw_access_log WHERE case_id = $1 "
        "ORDER BY id", case_id)
    return [(row["action"], row["role"], row["status"], row["detail"]) for row in rows]


async def test_the_auditor_opens_a_case_and_sees_its_history_with_the_chain_intact(
        site: ApiStack, store: CaseEventStore, page: Page) -> None:
    case_id = await asyncio.to_thread(case_with_a_correction, store, "ABS-AUDIT-1")

    await sign_in(page, base_url(site), TOKENS[Role.AUDITOR])
    await expect(page).to_have_url(base_url(site) + "/audit")
    await check_accessible(page)
    await page.get_by_label("Case id").fill(case_id)
    await page.get_by_role("button", name="Open the case").click()

    await expect(page).to_have_url(f"{base_url(site)}/audit/cases/{case_id}")
    await expect(page.locator("#chain-result")).to_contain_text(
        "Chain intact: 3 events verified")
    await expect(page.get_by_text("Chain intact", exact=True)).to_be_visible()
    rows = page.locator("#events tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(0)).to_contain_text("Case opened")
    await expect(rows.nth(0)).to_contain_text("20 November 2026, 09:01:00 GMT")
    await expect(rows.nth(1)).to_contain_text("no early contact by the deadline")
    correction = rows.nth(2).get_by_role("link", name="the event at position 2")
    await expect(correction).to_have_attribute("href", "#event-2")
    await check_accessible(page)
    await screenshot(page, "audit-case")

    export = await page.request.get(
        f"{base_url(site)}/audit/cases/{case_id}/export?format=csv")
    assert export.status == 200 and case_id in await export.text()
    assert await web_reads(site, case_id) == [
        ("case.history", "web"), ("audit.verify", "web"), ("audit.export", "web")]


async def test_a_moment_before_a_later_event_hides_that_event(
        site: ApiStack, store: CaseEventStore, page: Page) -> None:
    case_id = await asyncio.to_thread(case_with_a_correction, store, "ABS-AUDIT-2")
    await sign_in(page, base_url(site), TOKENS[Role.AUDITOR])
    await page.goto(f"{base_url(site)}/audit/cases/{case_id}")

    await page.get_by_label("Day").fill("20")
    await page.get_by_label("Month").fill("11")
    await page.get_by_label("Year").fill("2026")
    await page.get_by_label("Time (optional)").fill("10:30")
    await page.get_by_role("button", name="Show the record then").click()

    await expect(page).to_have_url(
        f"{base_url(site)}/audit/cases/{case_id}?as_of=2026-11-20T10%3A30%3A00%2B00%3A00")
    await expect(page.locator("#events tbody tr")).to_have_count(2)
    await expect(page.locator("#event-3")).to_have_count(0)
    await expect(page.get_by_text("2 of 3 events, recorded by 20 November 2026, "
                                  "10:30:00 GMT")).to_be_visible()
    await expect(page.get_by_label("Time (optional)")).to_have_value("10:30:00")
    rows = await site.harness.pool.fetch(
        "SELECT detail FROM rtw_access_log WHERE case_id = $1 AND channel = 'web' "
        "AND action = 'case.history' ORDER BY id", case_id)
    # the whole record first, then the record as it stood at the moment chosen
    assert [row["detail"] for row in rows] == ["", "as_of=2026-11-20T10:30:00+00:00"]


async def test_a_date_that_does_not_exist_shows_the_error_summary_linked_to_the_field(
        site: ApiStack, store: CaseEventStore, page: Page) -> None:
    case_id = await asyncio.to_thread(case_with_a_correction, store, "ABS-AUDIT-3")
    await sign_in(page, base_url(site), TOKENS[Role.AUDITOR])
    await page.goto(f"{base_url(site)}/audit/cases/{case_id}?day=31&month=2&year=2026&time=")

    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Enter a real date")
    await check_accessible(page)
    await summary.get_by_role("link").click()
    await expect(page.get_by_label("Day")).to_be_focused()
    # nothing was read: the refusal is logged as one, its raw date never kept
    assert await logged(site, case_id) == [("GET /audit/cases/{case_id}", "auditor", 422, "")]


async def test_a_bad_case_id_shows_the_error_summary_and_an_unknown_one_a_not_found_page(
        site: ApiStack, page: Page) -> None:
    await sign_in(page, base_url(site), TOKENS[Role.AUDITOR])
    await page.get_by_label("Case id").fill("not-a-case")
    await page.get_by_role("button", name="Open the case").click()

    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Enter a case id like")
    await check_accessible(page)
    await summary.get_by_role("link").click()
    await expect(page.get_by_label("Case id")).to_be_focused()

    await page.get_by_label("Case id").fill("0b6f8d2e-5c1a-5d3e-9f4b-2a7c8e1d0f36")
    await page.get_by_role("button", name="Open the case").click()
    not_found = page.get_by_text("no case 0b6f8d2e-5c1a-5d3e-9f4b-2a7c8e1d0f36")
    await expect(not_found).to_be_visible()  # the form's navigation has finished
    answer = await page.reload()
    assert answer is not None and answer.status == 404
    await expect(not_found).to_be_visible()


async def test_a_changed_stored_event_shows_where_the_chain_breaks(
        site: ApiStack, store: CaseEventStore, database_url: str, page: Page) -> None:
    case_id = await asyncio.to_thread(case_with_a_correction, store, "ABS-AUDIT-4")
    await asyncio.to_thread(change_reason_of_second_event, store, database_url, case_id)

    await sign_in(page, base_url(site), TOKENS[Role.AUDITOR])
    await page.goto(f"{base_url(site)}/audit/cases/{case_id}")

    await expect(page.get_by_text("Chain broken", exact=True)).to_be_visible()
    await expect(page.locator("#chain-result")).to_contain_text(
        "Chain broken at position 2: MAC does not match")
    await expect(page.locator("#event-2")).to_contain_text("Chain breaks here")
    await check_accessible(page)
    await screenshot(page, "audit-case-broken")
    assert ("audit.verify", "web") in await web_reads(site, case_id)


async def test_managers_and_hr_get_a_refusal_page_and_read_nothing(
        site: ApiStack, store: CaseEventStore, page: Page) -> None:
    case_id = await asyncio.to_thread(case_with_a_correction, store, "ABS-AUDIT-5")
    for role in (Role.MANAGER, Role.HR):
        await page.context.clear_cookies()
        await sign_in(page, base_url(site), TOKENS[role])
        for path in ("/audit", f"/audit/cases/{case_id}"):
            answer = await page.goto(base_url(site) + path)
            assert answer is not None and answer.status == 403
            await expect(page.get_by_role("heading", name="You cannot see this page")
                         ).to_be_visible()
    await check_accessible(page)
    assert await logged(site, case_id) == [
        ("GET /audit/cases/{case_id}", role.value, 403, "")
        for role in (Role.MANAGER, Role.HR)]  # refused, and logged as refused


async def test_an_event_whose_bytes_no_longer_decrypt_shows_the_break_not_a_crash(
        site: ApiStack, store: CaseEventStore, database_url: str, page: Page) -> None:
    case_id = await asyncio.to_thread(case_with_a_correction, store, "ABS-AUDIT-6")
    await asyncio.to_thread(
        tamper, database_url, "UPDATE rtw_events SET state = %s WHERE originator_id = %s "
        "AND originator_version = 3", b"overwritten by hand", case_id)

    await sign_in(page, base_url(site), TOKENS[Role.AUDITOR])
    await page.goto(f"{base_url(site)}/audit/cases/{case_id}")

    await expect(page.locator("#chain-result")).to_contain_text(
        "Chain broken at position 3: event cannot be decrypted or decoded")
    await expect(page.get_by_text("The history cannot be read")).to_be_visible()
    await check_accessible(page)


async def test_an_auditor_reads_a_clinical_case_with_its_clinical_content_withheld(
        site: ApiStack, page: Page) -> None:
    case_id = (await clinical_case(site)).rsplit("/", 1)[-1]

    await sign_in(page, base_url(site), TOKENS[Role.AUDITOR])
    await page.goto(f"{base_url(site)}/audit/cases/{case_id}")

    await expect(page.locator("#clinical-access")).to_contain_text(
        "Clinical content is withheld")
    assessed = page.locator("#events tbody tr", has_text="Assessment recorded")
    await expect(assessed).to_contain_text("Reason withheld: clinical")
    await expect(assessed).to_contain_text("Clinical detail withheld: barriers, clinical notes")
    await expect(assessed).to_contain_text("test-oh")
    opened = page.locator("#event-1")
    await expect(opened).to_contain_text("absence notified by HR")
    await expect(opened).to_contain_text("Clinical detail withheld: previous absences, "
                                         "reason category")
    body = await page.locator("main").inner_text()
    assert not [marker for marker in CLINICAL if marker in body]
    assert "tier 3" not in body
    await check_accessible(page)
    await screenshot(page, "audit-case-redacted")
    await page.get_by_role("link", name="Cases").click()  # a page view that names no read
    await expect(page).to_have_url(base_url(site) + "/worklist")
    worklist = await site.harness.pool.fetch(
        "SELECT action, channel, status, case_id FROM rtw_access_log WHERE subject = "
        "'test-auditor' AND route = 'GET /worklist'")
    assert [tuple(row) for row in worklist] == [("GET /worklist", "web", 200, None)]


async def test_a_clinical_auditor_gives_a_purpose_before_reading_clinical_content(
        site: ApiStack, page: Page) -> None:
    case_id = (await clinical_case(site)).rsplit("/", 1)[-1]
    await sign_in(page, base_url(site), TOKENS[Role.CLINICAL_AUDITOR])
    await expect(page).to_have_url(base_url(site) + "/audit")

    await page.get_by_label("Case id").fill(case_id)
    await page.get_by_role("button", name="Open the case").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Enter the purpose of this clinical audit")
    await check_accessible(page)
    await page.get_by_label("Purpose of this clinical audit").fill(PURPOSE)
    await page.get_by_role("button", name="Open the case").click()

    await expect(page.locator("#clinical-access")).to_contain_text(PURPOSE)
    assessed = page.locator("#events tbody tr", has_text="Assessment recorded")
    await expect(assessed).to_contain_text("tier 3")
    await expect(assessed).not_to_contain_text("withheld")
    await check_accessible(page)
    await screenshot(page, "audit-case-clinical")
    rows = await site.harness.pool.fetch(
        "SELECT action, status, purpose FROM rtw_access_log WHERE case_id = $1 "
        "AND role = 'clinical_auditor' AND channel = 'web' ORDER BY id", case_id)
    assert [(row["action"], row["status"], row["purpose"]) for row in rows] == [
        ("case.history", 200, PURPOSE), ("audit.verify", 200, PURPOSE)]
