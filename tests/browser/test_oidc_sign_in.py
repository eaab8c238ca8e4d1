"""Staff sign in through their organisation's OpenID Connect provider, in chromium.

The provider is a real one in its own process, on another site than rtw (`localhost` against
`127.0.0.1`), so the browser applies SameSite to the way back exactly as it would in use.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect
from temporalio.testing import WorkflowEnvironment

from api.web.config import OidcConfig, WebConfig
from eventstore.store import CaseEventStore
from tests.browser.conftest import base_url
from tests.support.api_harness import ApiStack, serve_api
from tests.support.browser import check_accessible, screenshot
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(autouse=True)
async def offline(context: BrowserContext) -> None:
    """The provider's page asks a CDN for its stylesheet: nothing here leaves the machine."""
    async def refuse(route: Route) -> None:
        await route.abort()

    await context.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), refuse)


@pytest.fixture
async def oidc_site(provider: Provider, dev_server_env: WorkflowEnvironment,
                    store: CaseEventStore, database_url: str) -> AsyncIterator[ApiStack]:
    web = WebConfig(oidc=OidcConfig(issuer=provider.issuer, client_id=CLIENT_ID,
                                    client_secret=CLIENT_SECRET))
    async with serve_api(dev_server_env.client, store, database_url, web=web) as stack:
        yield stack


async def sign_in_at_the_provider(page: Page, site: ApiStack, sub: str) -> None:
    """From rtw's sign-in page, through the provider's authorization page, as `sub`."""
    await page.goto(base_url(site) + "/")
    await page.get_by_role("button", name="Sign in with your organisation").click()
    await page.get_by_placeholder("sub").fill(sub)
    await page.get_by_role("button", name="Authorize").click()


async def test_an_oh_nurse_signs_in_with_the_organisation_and_lands_on_the_worklist(
        oidc_site: ApiStack, provider: Provider, page: Page) -> None:
    provider.set_user("ohn-12", {"name": "Kim Lee", "rtw_role": "oh",
                                 "rtw_employers": ["acme-trust"]})
    await sign_in_at_the_provider(page, oidc_site, "ohn-12")
    # Landing on the worklist (not bounced to sign in) proves the Strict session cookie was
    # sent on the first request after coming back from the provider's site.
    await expect(page).to_have_url(base_url(oidc_site) + "/worklist")
    await expect(page.get_by_text("Kim Lee (oh)")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["rtw_session"]["httpOnly"] and cookies["rtw_session"]["sameSite"] == "Strict"
    assert "rtw_oidc" not in cookies
    assert await oidc_site.harness.pool.fetchval(
        "SELECT signed_in_with FROM rtw_web_sessions WHERE subject = 'ohn-12'") == "oidc"


async def test_signing_in_returns_to_the_page_that_asked_for_it(
        oidc_site: ApiStack, provider: Provider, page: Page) -> None:
    provider.set_user("ohn-13", {"name": "Ola Bright", "rtw_role": "oh"})
    await page.goto(base_url(oidc_site) + "/worklist?page=2")
    await page.get_by_role("button", name="Sign in with your organisation").click()
    await page.get_by_placeholder("sub").fill("ohn-13")
    await page.get_by_role("button", name="Authorize").click()
    await expect(page).to_have_url(base_url(oidc_site) + "/worklist?page=2")
    await expect(page.get_by_text("Ola Bright (oh)")).to_be_visible()


async def test_an_account_without_a_staff_role_is_refused_and_signs_nobody_in(
        oidc_site: ApiStack, provider: Provider, page: Page) -> None:
    provider.set_user("visitor-1", {"name": "Pat Visitor", "rtw_role": "patient"})
    await sign_in_at_the_provider(page, oidc_site, "visitor-1")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "You cannot use this service with this account")
    await expect(page.get_by_text("'rtw_role' claim must be one of")).to_be_visible()
    await check_accessible(page)
    await screenshot(page, "sign-in-oidc-refused")
    assert "rtw_session" not in {c["name"] for c in await page.context.cookies()}
    assert await oidc_site.harness.pool.fetchval(
        "SELECT count(*) FROM rtw_web_sessions WHERE subject = 'visitor-1'") == 0
    await page.goto(base_url(oidc_site) + "/worklist")
    await expect(page).to_have_url(base_url(oidc_site) + "/?next=%2Fworklist")


async def test_cancelling_at_the_provider_shows_a_page_and_signs_nobody_in(
        oidc_site: ApiStack, page: Page) -> None:
    sessions = "SELECT count(*) FROM rtw_web_sessions"  # the module's tests share the database
    before = await oidc_site.harness.pool.fetchval(sessions)
    await page.goto(base_url(oidc_site) + "/")
    await page.get_by_role("button", name="Sign in with your organisation").click()
    await page.get_by_role("button", name="Deny").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("You did not sign in")
    await check_accessible(page)
    assert await oidc_site.harness.pool.fetchval(sessions) == before
