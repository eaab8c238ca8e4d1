"""The employee's own page: signing in by the link that arrives by email, their case with the
notes shared with them (never OH's own), booking an appointment; another employee's case is a
404 page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Page, expect
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from domain.calendar import LONDON
from infra.employers import EmployerDirectory
from infra.notice_channels import SmtpChannel, parse_smtp_url
from infra.notice_texts import NoticeTexts
from infra.sign_in_links import SignInLinkKey
from readside.employee_links import EmployeeContactsProjector
from readside.outbox import NoticeOutbox
from tests.browser.conftest import base_url, site_of_its_own
from tests.support.api_harness import ApiStack, absence, auth, open_case
from tests.support.browser import check_accessible, screenshot
from tests.support.mail import Mailbox, mail_server
from worker.relay import NoticeRelay, SignInLinks, StoredCaseStates

EMAIL = "sam.patel@acme.example"
PROFESSIONAL = {"id": "OHN-7", "name": "Jo Reid", "profession": "OH nurse"}


@pytest.fixture
async def site(dev_server_env: WorkflowEnvironment,
               postgres_server_url: str) -> AsyncIterator[ApiStack]:
    """A served app with its own database for each test here: each test's employee must be the
    only one with that address, and see only their own cases."""
    async with site_of_its_own(dev_server_env, postgres_server_url) as stack:
        yield stack


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, str]]:
    box = Mailbox()
    with mail_server(box) as address:
        yield box, address


@pytest.fixture
async def relay(site: ApiStack, mailbox: tuple[Mailbox, str]) -> AsyncIterator[NoticeRelay]:
    """The relay as a worker runs it, sending through a real SMTP server."""
    store = site.harness.store
    sender = NoticeRelay(
        outbox=NoticeOutbox(site.harness.pool),
        channel=SmtpChannel(parse_smtp_url(f"smtp://{mailbox[1]}"),
                            from_address="rtw@acme.example"),
        cases=StoredCaseStates(store), texts=NoticeTexts(), employers=EmployerDirectory({}),
        max_attempts=3, lease=timedelta(seconds=30),
        sign_in_links=SignInLinks(SignInLinkKey.from_audit_key(store.audit_key),
                                  base_url(site)))
    try:
        yield sender
    finally:
        await sender.close()


def in_days(days: int, hour: int = 10) -> datetime:
    moment = datetime.now(UTC) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


async def post(site: ApiStack, path: str, body: dict[str, Any]) -> None:
    answer = await site.http.post(path, json=body, headers=auth(Role.OH))
    assert answer.status_code == 200, answer.text


async def a_case_with_an_appointment_and_notes(site: ApiStack) -> str:
    case_id = await open_case(site, absence(
        employee={"id": "E1001", "name": "Sam Patel", "email": EMAIL}))
    await post(site, f"/v1/cases/{case_id}/appointments", {
        "at": in_days(5).isoformat(), "method": "video", "professional": PROFESSIONAL,
        "purpose": "first_consultation"})
    await post(site, f"/v1/cases/{case_id}/notes", {
        "text": "We spoke today; you will hear from Jo about your first appointment.",
        "visibility": "shared_with_employee"})
    await post(site, f"/v1/cases/{case_id}/notes", {
        "text": "OH-ONLY working note", "visibility": "oh_only"})
    return case_id


async def link_from_mail(box: Mailbox, relay: NoticeRelay) -> str:
    await relay.deliver_due()
    [mail] = [m for m in box.messages() if m.rcpt_tos == [EMAIL]
              and "sign in" in str(m.message["Subject"]).lower()]
    found = re.search(r"https?://\S+/employee/sign-in/\S+", mail.message.get_content())
    assert found is not None, mail.message.get_content()
    return found.group(0)


async def test_an_employee_signs_in_by_the_emailed_link_sees_their_case_and_books(
        site: ApiStack, page: Page, relay: NoticeRelay,
        mailbox: tuple[Mailbox, str]) -> None:
    case_id = await a_case_with_an_appointment_and_notes(site)
    other = await open_case(site, absence(
        employee={"id": "E2002", "name": "Kim Lee", "email": "kim.lee@acme.example"}))
    await EmployeeContactsProjector(site.harness.store, site.harness.pool).catch_up()

    await page.goto(base_url(site) + "/employee/sign-in")
    await check_accessible(page)
    await screenshot(page, "employee-sign-in")
    await page.get_by_label("Email address").fill(EMAIL)
    await page.get_by_role("button", name="Send me a sign-in link").click()
    await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    await check_accessible(page)

    link = await link_from_mail(mailbox[0], relay)
    await page.goto(link)
    await check_accessible(page)
    await screenshot(page, "employee-sign-in-link")
    await page.get_by_role("button", name="Continue to your case").click()
    await expect(page).to_have_url(base_url(site) + "/my-case")
    await expect(page.get_by_role("heading", name="Your case", exact=True)).to_be_visible()
    await expect(page.get_by_text("you will hear from Jo")).to_be_visible()
    await expect(page.get_by_text("OH-ONLY working note")).to_have_count(0)
    await expect(page.get_by_text("First consultation:")).to_be_visible()
    await check_accessible(page)
    await screenshot(page, "employee-my-case")

    # Book a review with the nurse of the first appointment.
    day = in_days(8)
    await page.get_by_label("Jo Reid (OH nurse)").check()
    await page.get_by_role("radio", name="Review", exact=True).check()
    form = page.locator(f"#book-{case_id[:8]}")
    await form.get_by_label("Phone call").check()
    await form.get_by_label("Day").fill(str(day.day))
    await form.get_by_label("Month").fill(str(day.month))
    await form.get_by_label("Year").fill(str(day.year))
    await form.get_by_label("Time (UK time)").select_option("10:30")
    await page.get_by_role("button", name="Book appointment").click()
    await expect(page.get_by_text("Your appointment is booked.")).to_be_visible()
    await expect(page.get_by_text("Review:")).to_be_visible()
    await check_accessible(page)
    view = await site.http.get(f"/v1/cases/{case_id}", headers=auth(Role.OH))
    booked = view.json()["clinical"]["appointments"]["upcoming"]
    assert [(a["purpose"], a["method"]) for a in booked] == [
        ("first_consultation", "video"), ("review", "phone")]

    # Move the first appointment to another afternoon.
    later = in_days(6)
    move = page.locator(f"#move-{case_id[:8]}-1")
    await move.get_by_text("Move this appointment").click()
    await move.get_by_label("Day").fill(str(later.day))
    await move.get_by_label("Month").fill(str(later.month))
    await move.get_by_label("Year").fill(str(later.year))
    await move.get_by_label("Time (UK time)").select_option("14:00")
    await move.get_by_label("Why you need to move it").fill("I work a morning shift that day")
    await move.get_by_role("button", name="Move appointment").click()
    await expect(page.get_by_text("Your appointment is moved.")).to_be_visible()
    view = await site.http.get(f"/v1/cases/{case_id}", headers=auth(Role.OH))
    [first, _] = view.json()["clinical"]["appointments"]["upcoming"]
    assert datetime.fromisoformat(first["at"]).astimezone(LONDON).strftime("%H:%M") == "14:00"

    # Another employee's case does not exist as far as this employee can tell.
    answer = await page.goto(base_url(site) + f"/my-case/{other}")
    assert answer is not None and answer.status == 404
    await expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    await check_accessible(page)

    # The link worked once.
    await page.goto(link)
    await expect(page.get_by_role("heading", name="This link has been used")).to_be_visible()


async def test_a_booking_without_a_date_shows_the_error_linked_to_the_field(
        site: ApiStack, page: Page, relay: NoticeRelay,
        mailbox: tuple[Mailbox, str]) -> None:
    case_id = await a_case_with_an_appointment_and_notes(site)
    await EmployeeContactsProjector(site.harness.store, site.harness.pool).catch_up()
    # Without a session the employee's page sends them to ask for a link, not to the
    # staff sign-in page.
    await page.goto(base_url(site) + "/my-case")
    await expect(page).to_have_url(base_url(site) + "/employee/sign-in")
    await page.get_by_label("Email address").fill(EMAIL)
    await page.get_by_role("button", name="Send me a sign-in link").click()
    await page.goto(await link_from_mail(mailbox[0], relay))
    await page.get_by_role("button", name="Continue to your case").click()

    await page.get_by_label("Jo Reid (OH nurse)").check()
    await page.get_by_role("radio", name="Review", exact=True).check()
    await page.locator(f"#book-{case_id[:8]}").get_by_label("Video call").check()
    await page.get_by_role("button", name="Book appointment").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Enter a real date")
    await check_accessible(page)
    await summary.get_by_role("link").first.click()
    await expect(page.locator(f"#book-{case_id[:8]}-date-day")).to_be_focused()
