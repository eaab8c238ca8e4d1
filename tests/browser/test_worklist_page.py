"""The worklist page: overdue cases first, a manager's own team only, filters and pages by the
API's cursor, the caller's unread notices."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import Page, expect
from temporalio.testing import WorkflowEnvironment

from domain.actors import Person, Role
from domain.commands import OpenCase
from domain.decide import open_case as opened
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.policy import DEFAULT_POLICY
from domain.stages import ReasonCategory
from eventstore.row_seal import RowSeal
from readside.worklist import WorklistProjector, worklist_projection
from tests.browser.conftest import base_url, site_of_its_own
from tests.support.api_harness import (
    OTHER_MANAGER_TOKEN,
    TOKENS,
    ApiStack,
    absence,
    open_case,
)
from tests.support.browser import check_accessible, screenshot, sign_in
from tests.support.builders import HR_ACTOR


async def projected(site: ApiStack, case_ids: list[str]) -> None:
    """Run the worklist's projector until every case has its row."""
    projector = WorklistProjector(site.harness.store, site.harness.pool)
    await projector.ensure_schema()
    for _ in range(100):
        await projector.catch_up()
        rows = await site.harness.pool.fetch("SELECT case_id::text FROM rtw_worklist")
        if set(case_ids) <= {row["case_id"] for row in rows}:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the worklist never listed every case")


@pytest.fixture
async def site(dev_server_env: WorkflowEnvironment,
               postgres_server_url: str) -> AsyncIterator[ApiStack]:
    """A served app with its own empty database for each test here: these tests count every
    row of a worklist."""
    async with site_of_its_own(dev_server_env, postgres_server_url) as stack:
        yield stack


async def waiting_since(site: ApiStack, days: int, name: str, *, manager: str = "M2002") -> str:
    """The worklist row of a case opened `days` ago that no one (not even the worker's timer)
    has acted on yet: its early contact is overdue. Written as the projector writes it."""
    opened_at = datetime.now(UTC) - timedelta(days=days)
    command = OpenCase(
        employer_id="acme-trust", absence_id=f"ABS-{uuid.uuid4().hex[:8]}",
        employee=Person(id=f"E{uuid.uuid4().hex[:6]}", name=name, email="e@example.org"),
        manager=Person(id=manager, name="Alex Jones", email="alex@example.org"),
        first_day=opened_at.date(), reason_category=ReasonCategory.OTHER, policy=DEFAULT_POLICY)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    state = evolve(None, opened(command, case_id=case_id, now=opened_at, actor=HR_ACTOR))
    await WorklistProjector(site.harness.store, site.harness.pool).ensure_schema()
    keys = site.harness.store.subject_keys
    await asyncio.to_thread(keys.create, case_id, command.employer_id, command.employee.id)
    projection = worklist_projection(RowSeal(keys).seal)
    await site.harness.pool.execute(projection.upsert, *projection.row(state))
    return case_id


@asynccontextmanager
async def signed_in_client(site: ApiStack, token: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client holding a page session, as a browser would after signing in."""
    async with httpx.AsyncClient(base_url=base_url(site), timeout=30) as client:
        answer = await client.post("/sign-in", data={"access_token": token},
                                   headers={"Origin": base_url(site)})
        assert answer.status_code == 303, answer.text
        yield client


async def test_oh_sees_overdue_cases_first_with_an_overdue_tag(site: ApiStack,
                                                               page: Page) -> None:
    # Absent from tomorrow: its first deadline is ahead whatever the time of the run.
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    fresh = await open_case(site, absence(first_day=tomorrow))
    await projected(site, [fresh])
    await waiting_since(site, 6, "Rosa Hill")

    await sign_in(page, base_url(site), TOKENS[Role.OH])
    await expect(page.get_by_role("heading", level=1)).to_have_text("Worklist")
    rows = page.locator("table tbody tr")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(0)).to_contain_text("Rosa Hill")
    await expect(rows.nth(0).get_by_text("Overdue", exact=True)).to_be_visible()
    await expect(rows.nth(1)).to_contain_text("Sam Patel")
    await expect(rows.nth(1).get_by_text("Overdue", exact=True)).to_have_count(0)
    await expect(rows.nth(0)).to_contain_text("Early contact with the employee")
    await check_accessible(page)
    await screenshot(page, "worklist-oh")

    await page.get_by_label("Overdue").select_option("true")
    await page.get_by_role("button", name="Show cases").click()
    await expect(page).to_have_url(f"{base_url(site)}/worklist?stage=&overdue=true&assignee="
                                   "&employer=")
    await expect(rows).to_have_count(1)
    await expect(rows.nth(0)).to_contain_text("Rosa Hill")


async def test_a_manager_sees_only_their_own_team(site: ApiStack, page: Page) -> None:
    own = await open_case(site)
    other_team = await open_case(site, absence(
        employee={"id": "E7007", "name": "Kim Other", "email": "kim@example.org"},
        manager={"id": "M3003", "name": "Lee Grant", "email": "lee@example.org"}))
    await projected(site, [own, other_team])

    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    await expect(page.get_by_role("heading", level=1)).to_have_text("My team")
    rows = page.locator("table tbody tr")
    await expect(rows).to_have_count(1)
    await expect(rows.nth(0)).to_contain_text("Sam Patel")
    await expect(page.get_by_text("Kim Other")).to_have_count(0)
    await check_accessible(page)
    await screenshot(page, "worklist-manager")

    await page.context.clear_cookies()
    await sign_in(page, base_url(site), OTHER_MANAGER_TOKEN)
    await expect(page.get_by_text("There are no cases to show.")).to_be_visible()


async def test_the_page_follows_the_cursor_and_refuses_a_stage_not_on_the_list(
        site: ApiStack) -> None:
    for number in range(55):
        await waiting_since(site, 1 + number % 5, f"Person {number}")
    async with signed_in_client(site, TOKENS[Role.HR]) as client:
        first = await client.get("/worklist")
        assert first.status_code == 200
        assert first.text.count('<tr class="nhsuk-table__row') == 51  # the heading and 50
        assert "<h1>Cases</h1>" in first.text
        next_href = first.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
        second = await client.get(next_href.replace("&amp;", "&"))
        assert second.text.count('<tr class="nhsuk-table__row') == 6
        assert "First page" in second.text and 'rel="next"' not in second.text

        wrong = await client.get("/worklist?stage=lost")
        assert wrong.status_code == 422
        assert 'href="#stage"' in wrong.text and "Choose a stage from the list" in wrong.text


async def test_the_callers_unread_notices_show_until_marked_read(site: ApiStack,
                                                                 page: Page) -> None:
    case_id = await open_case(site, absence(
        first_day=(datetime.now(UTC) - timedelta(days=6)).date().isoformat()))
    pool = site.harness.pool
    for _ in range(200):  # the worker's timer reminds the manager of the overdue contact
        if await pool.fetchval("SELECT count(*) FROM rtw_notices WHERE case_id = $1 AND "
                               "recipient_role = 'manager'", uuid.UUID(case_id)):
            break
        await asyncio.sleep(0.05)
    await sign_in(page, base_url(site), TOKENS[Role.MANAGER])
    notices = page.locator(".nhsuk-card")
    await expect(notices.get_by_role("heading")).to_contain_text("unread notice")
    await check_accessible(page)
    await notices.get_by_role("button", name="Mark as read").first.click()
    await expect(page).to_have_url(base_url(site) + "/worklist")
    assert await pool.fetchval("SELECT count(*) FROM rtw_notices WHERE case_id = $1 AND "
                               "recipient_role = 'manager' AND read_at IS NOT NULL",
                               uuid.UUID(case_id)) == 1
