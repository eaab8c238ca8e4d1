"""Recording an action through its generated form, in a real browser: with JavaScript off
(a plain POST, then a 303 to the case page) and with htmx, each writing exactly one event;
a bad date shows the error summary linked to the field; an action the stage does not allow
shows why and what is allowed now."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, expect
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from domain.calendar import LONDON
from tests.browser.conftest import base_url, site_of_its_own
from tests.support import api_harness
from tests.support.api_harness import TOKENS, ApiStack, absence, auth, open_case
from tests.support.browser import check_accessible, screenshot, sign_in

CASE_PAGE = "/cases/{case_id}"
ASSESSMENT = {
    "kind": "early", "assessor": {"id": "test-oh", "name": "Jo Reid", "profession": "OH nurse"},
    "tier": 2, "fitness": "fit_with_adjustments", "barriers": ["travel"],
    "recommended_adjustments": [{"kind": "work_pattern", "detail": "Start at 10:00"}],
    "consent": {"share_fitness_with_manager": True, "share_adjustments_with_manager": True,
                "share_with_hr": False, "report_offered_to_employee": True},
    "rapid_access": False,
}


@pytest.fixture
async def no_script(browser: Browser) -> AsyncIterator[Page]:
    context: BrowserContext = await browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London",
        java_script_enabled=False)
    context.set_default_timeout(15_000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def _absence_case(site: ApiStack) -> str:
    """A case opened today (so no contact deadline passes while the test runs)."""
    today = datetime.now(LONDON).date()
    return await open_case(site, absence(first_day=today.isoformat()))


def _contact_moment() -> datetime:
    """A moment of contact today, in the past, in London time, to the minute."""
    now = datetime.now(LONDON)
    earlier = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(earlier, midnight)


async def _people_events(site: ApiStack, case_id: str) -> list[str]:
    """The types of the case's stored events that people caused (not its timers)."""
    records = await asyncio.to_thread(site.harness.store.history, case_id)
    return [r.event_type for r in records if r.source != "timer"]


async def _settled(site: ApiStack, case_id: str, count: int) -> list[str]:
    """The people's events once there are `count` of them, and still `count` a moment later
    (a second event written by a repeated request would show by then)."""
    for _ in range(100):
        found = await _people_events(site, case_id)
        if len(found) >= count:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.5)
    return await _people_events(site, case_id)


async def _fill_early_contact(page: Page, moment: datetime) -> None:
    when = page.get_by_role("group", name="Date and time of contact")
    await when.get_by_label("Day").fill(str(moment.day))
    await when.get_by_label("Month").fill(str(moment.month))
    await when.get_by_label("Year").fill(str(moment.year))
    await when.get_by_label("Time").fill(moment.strftime("%H:%M"))
    await page.get_by_label("Phone", exact=True).check()
    await page.get_by_label("Days between contacts").fill("7")
    await page.get_by_label("Notes (optional)").fill("Agreed weekly calls on Mondays")


def _form(site: ApiStack, case_id: str, action: str = "record_early_contact") -> str:
    return f"{base_url(site)}/cases/{case_id}/actions/{action}"


async def test_early_contact_recorded_with_javascript_off_writes_one_event(
        site: ApiStack, no_script: Page) -> None:
    page = no_script
    case_id = await _absence_case(site)
    before = await _settled(site, case_id, 1)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    await page.goto(_form(site, case_id))
    await expect(page.get_by_role("heading", name="Record early contact")).to_be_visible()
    await _fill_early_contact(page, _contact_moment())
    await page.get_by_role("button", name="Record early contact").click()
    await expect(page).to_have_url(f"{base_url(site)}/cases/{case_id}"
                                   "?done=record_early_contact")
    await expect(page.get_by_text("Record early contact: saved to the case")).to_be_visible()
    after = await _settled(site, case_id, len(before) + 1)
    assert after == [*before, "EarlyContactRecorded"]


async def test_early_contact_recorded_with_htmx_writes_one_event(site: ApiStack,
                                                                 page: Page) -> None:
    case_id = await _absence_case(site)
    before = await _settled(site, case_id, 1)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    await page.goto(_form(site, case_id))
    await check_accessible(page)
    await _fill_early_contact(page, _contact_moment())
    await screenshot(page, "action-form")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.headers.get("hx-request", ""))
            if r.method == "POST" else None)
    await page.get_by_role("button", name="Record early contact").click()
    await expect(page.get_by_text("Record early contact: saved to the case")).to_be_visible()
    await expect(page).to_have_url(f"{base_url(site)}/cases/{case_id}"
                                   "?done=record_early_contact")
    assert sent == ["true"]  # sent by htmx, not by a page load
    after = await _settled(site, case_id, len(before) + 1)
    assert after == [*before, "EarlyContactRecorded"]


async def test_the_same_form_sent_twice_is_recorded_once(site: ApiStack,
                                                         no_script: Page) -> None:
    page = no_script
    case_id = await _absence_case(site)
    before = await _settled(site, case_id, 1)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    await page.goto(_form(site, case_id))
    await _fill_early_contact(page, _contact_moment())
    # The form as the browser would send it, sent twice at once (a double click, a retry).
    form = page.locator("form[method=post][action$=record_early_contact]")
    data = dict(await _form_values(form))
    answers = await asyncio.gather(*(
        page.request.post(_form(site, case_id), form=data,
                          headers={"Origin": base_url(site)}, max_redirects=0)
        for _ in range(2)))
    assert [a.status for a in answers] == [303, 303]
    after = await _settled(site, case_id, len(before) + 1)
    assert after == [*before, "EarlyContactRecorded"]


async def _form_values(form: Locator) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for control in await form.locator("input, textarea").all():
        name = await control.get_attribute("name")
        kind = await control.get_attribute("type")
        if not name:
            continue
        if kind in ("radio", "checkbox"):
            if await control.is_checked():
                values.append((name, await control.get_attribute("value") or ""))
        else:
            values.append((name, await control.input_value()))
    return values


@pytest.mark.parametrize("javascript", [False, True], ids=["no-script", "htmx"])
async def test_a_date_that_does_not_exist_shows_the_error_summary_linked_to_the_field(
        site: ApiStack, page: Page, no_script: Page, javascript: bool) -> None:
    browser_page = page if javascript else no_script
    case_id = await _absence_case(site)
    before = await _settled(site, case_id, 1)
    await sign_in(browser_page, base_url(site), TOKENS[Role.MANAGER])
    await browser_page.goto(_form(site, case_id))
    await _fill_early_contact(browser_page, _contact_moment())
    when = browser_page.get_by_role("group", name="Date and time of contact")
    await when.get_by_label("Day").fill("31")
    await when.get_by_label("Month").fill("2")
    await when.get_by_label("Year").fill("2026")
    await browser_page.get_by_role("button", name="Record early contact").click()
    summary = browser_page.get_by_role("alert")
    await expect(summary).to_contain_text("Date and time of contact must be a real date")
    await expect(browser_page).to_have_title("Error: Record early contact \u2013 Return to work")
    if javascript:
        await expect(browser_page.locator(".nhsuk-error-summary")).to_be_focused()
        await check_accessible(browser_page)
        await screenshot(browser_page, "action-form-error")
    # What was typed is kept, so only the wrong part needs typing again.
    await expect(browser_page.get_by_label("Days between contacts")).to_have_value("7")
    await summary.get_by_role("link").click()
    await expect(browser_page).to_have_url(f"{_form(site, case_id)}#contacted_at-day")
    if javascript:
        await expect(when.get_by_label("Day")).to_be_focused()
    assert await _people_events(site, case_id) == before


async def test_a_moment_in_the_future_is_refused_by_the_case_and_linked_to_the_field(
        site: ApiStack, page: Page) -> None:
    case_id = await _absence_case(site)
    before = await _settled(site, case_id, 1)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    await page.goto(_form(site, case_id))
    await _fill_early_contact(page, datetime.now(UTC).astimezone(LONDON) + timedelta(days=400))
    await page.get_by_role("button", name="Record early contact").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Date and time of contact must not be in the future")
    await expect(summary.get_by_role("link")).to_have_attribute("href", "#contacted_at-day")
    await check_accessible(page)
    assert await _settled(site, case_id, len(before)) == before


async def test_an_action_the_stage_does_not_allow_shows_the_reason_and_what_is_allowed(
        site: ApiStack, page: Page) -> None:
    case_id = await _absence_case(site)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    answer = await page.goto(_form(site, case_id, "complete_phased_return"))
    assert answer is not None and answer.status == 409
    await expect(page.get_by_role("heading", name="You cannot complete phased return now")
                 ).to_be_visible()
    await expect(page.get_by_text("at the early contact stage")).to_be_visible()
    await expect(page.get_by_role("link", name="Record early contact")).to_have_attribute(
        "href", f"/cases/{case_id}/actions/record_early_contact")
    await check_accessible(page)
    await screenshot(page, "action-form-not-allowed")


async def test_a_form_sent_after_the_stage_moved_on_shows_the_reason_and_what_is_allowed(
        site: ApiStack, context: BrowserContext) -> None:
    case_id = await _absence_case(site)
    first, second = await context.new_page(), await context.new_page()
    await sign_in(first, base_url(site), TOKENS[Role.MANAGER])
    for tab in (first, second):
        await tab.goto(_form(site, case_id))
        await _fill_early_contact(tab, _contact_moment())
    await first.get_by_role("button", name="Record early contact").click()
    await expect(first.get_by_text("Record early contact: saved to the case")).to_be_visible()
    await second.get_by_role("button", name="Record early contact").click()
    refusal = second.locator("#refusal")
    await expect(refusal).to_contain_text("This was not recorded")
    await expect(refusal).to_contain_text("The case is now at the assessment stage")
    await expect(refusal).to_be_focused()
    await expect(refusal.get_by_role("link", name="Record check in")).to_be_visible()
    await check_accessible(second)


async def test_another_teams_manager_gets_a_refusal_page(site: ApiStack, page: Page) -> None:
    case_id = await _absence_case(site)
    await sign_in(page, base_url(site), api_harness.OTHER_MANAGER_TOKEN)
    answer = await page.goto(_form(site, case_id))
    assert answer is not None and answer.status == 403
    await expect(page.get_by_role("button", name="Record early contact")).to_have_count(0)


async def test_oh_agrees_a_plan_through_its_nested_form(site: ApiStack, page: Page) -> None:
    case_id = await _absence_case(site)
    base = f"/v1/cases/{case_id}"
    moment = _contact_moment()
    for path, body, role in (
            ("contact", {"contacted_at": moment.isoformat(), "method": "phone",
                         "agreed_contact_frequency_days": 7}, Role.MANAGER),
            ("assessments", {**ASSESSMENT, "assessed_at": moment.isoformat()}, Role.OH),
            ("case-manager", {"user_id": "test-oh", "name": "Jo Reid"}, Role.OH)):
        answer = await site.http.post(f"{base}/{path}", json=body, headers=auth(role))
        assert answer.status_code == 200, answer.text
    before = await _settled(site, case_id, 4)
    await sign_in(page, base_url(site), TOKENS[Role.OH])
    await page.goto(_form(site, case_id, "agree_plan"))
    agreed = page.get_by_role("group", name="Date and time the plan was agreed")
    await agreed.get_by_label("Day").fill(str(moment.day))
    await agreed.get_by_label("Month").fill(str(moment.month))
    await agreed.get_by_label("Year").fill(str(moment.year))
    await agreed.get_by_label("Time").fill(moment.strftime("%H:%M"))
    await page.get_by_label("Goals").fill("Full duties in six weeks\nBack on the ward")
    action = page.get_by_role("group", name="Actions 1")
    await action.get_by_label("Owner").fill("line manager")
    await action.get_by_label("Description").fill("Desk assessment")
    await action.get_by_label("Day").fill(str(moment.day))
    await action.get_by_label("Month").fill(str(moment.month))
    await action.get_by_label("Year").fill(str(moment.year))
    review = page.get_by_role("group", name="Review dates 1")
    await review.get_by_label("Day").fill(str(moment.day))
    await review.get_by_label("Month").fill(str(moment.month))
    await review.get_by_label("Year").fill(str(moment.year))
    for who in ("Employee", "Manager", "OH"):
        await page.get_by_role("group", name=who, exact=True).get_by_label("Yes").check()
    await check_accessible(page)
    await screenshot(page, "action-form-plan")
    await page.get_by_role("button", name="Agree plan").click()
    await expect(page.get_by_text("Agree plan: saved to the case")).to_be_visible()
    after = await _settled(site, case_id, len(before) + 1)
    assert after == [*before, "PlanAgreed"]
    plan = (await site.http.get(base, headers=auth(Role.OH))).json()["plan"]
    assert plan["goals"] == ["Full duties in six weeks", "Back on the ward"]
    assert [a["owner"] for a in plan["actions"]] == ["line manager"]


@pytest.fixture
async def hurried_site(dev_server_env: WorkflowEnvironment,
                       postgres_server_url: str) -> AsyncIterator[ApiStack]:
    """The app waiting (almost) no time for a case to apply an action: it answers 202. Its
    own database, beside the module's served app."""
    async with site_of_its_own(dev_server_env, postgres_server_url,
                               update_wait_seconds=0.001) as stack:
        yield stack


async def test_an_action_accepted_but_not_yet_applied_says_so_and_is_applied_once(
        hurried_site: ApiStack, page: Page) -> None:
    site = hurried_site
    case_id = await _absence_case(site)
    before = await _settled(site, case_id, 1)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    await page.goto(_form(site, case_id))
    await _fill_early_contact(page, _contact_moment())
    async with page.expect_response(lambda r: r.request.method == "POST") as sent:
        await page.get_by_role("button", name="Record early contact").click()
    assert (await sent.value).status == 202
    await expect(page.get_by_role("heading", name="Record early contact: accepted")
                 ).to_be_visible()
    await check_accessible(page)
    after = await _settled(site, case_id, len(before) + 1)
    assert after == [*before, "EarlyContactRecorded"]
