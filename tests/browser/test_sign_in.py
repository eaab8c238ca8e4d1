"""Signing in to the pages with an access token, and out again."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from playwright.async_api import Page, expect

from domain.actors import Role
from tests.browser.conftest import base_url
from tests.support.api_harness import TOKENS, ApiStack
from tests.support.browser import check_accessible, screenshot, sign_in


async def test_oh_signs_in_with_a_token_and_lands_on_the_worklist(site: ApiStack,
                                                                  page: Page) -> None:
    await page.goto(base_url(site) + "/")
    await check_accessible(page)
    await screenshot(page, "sign-in")
    await sign_in(page, base_url(site), TOKENS[Role.OH])
    await expect(page).to_have_url(base_url(site) + "/worklist")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "rtw_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert TOKENS[Role.OH] not in cookie["value"]


async def test_a_wrong_token_shows_the_error_summary_linked_to_the_field(site: ApiStack,
                                                                        page: Page) -> None:
    await page.goto(base_url(site) + "/")
    await page.get_by_label("Access token").fill("not-a-token")
    await page.get_by_role("button", name="Sign in", exact=True).click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("The access token is not valid")
    await expect(page).to_have_title("Error: Sign in \u2013 Return to work")
    await check_accessible(page)
    await screenshot(page, "sign-in-error")
    await summary.get_by_role("link").click()
    await expect(page.get_by_label("Access token")).to_be_focused()


async def test_signing_out_ends_the_session_on_the_server(site: ApiStack, page: Page) -> None:
    await sign_in(page, base_url(site), TOKENS[Role.OH])
    stale = next(c for c in await page.context.cookies() if c["name"] == "rtw_session")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_text("You have signed out.")).to_be_visible()
    # The old cookie, replayed, opens nothing.
    await page.context.add_cookies([stale])
    await page.goto(base_url(site) + "/worklist")
    await expect(page).to_have_url(base_url(site) + "/?next=%2Fworklist")


async def test_an_idle_session_expires_and_signing_in_returns_to_the_page(
        site: ApiStack, page: Page) -> None:
    await sign_in(page, base_url(site), TOKENS[Role.OH])
    cookie = next(c for c in await page.context.cookies() if c["name"] == "rtw_session")
    digest = hashlib.sha256(cookie["value"].encode()).hexdigest()
    await site.harness.pool.execute(
        "UPDATE rtw_web_sessions SET last_seen_at = last_seen_at - $1::interval "
        "WHERE digest = $2", timedelta(minutes=31), digest)
    await page.goto(base_url(site) + "/worklist")
    await expect(page.get_by_label("Access token")).to_be_visible()
    assert await site.harness.pool.fetchval(
        "SELECT count(*) FROM rtw_web_sessions WHERE digest = $1", digest) == 0
    await page.get_by_label("Access token").fill(TOKENS[Role.OH])
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page).to_have_url(base_url(site) + "/worklist")
