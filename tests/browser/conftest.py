"""A chromium shared by the browser tests, a fresh context (cookies) per test, and the API
served against the dev server and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from temporalio.testing import WorkflowEnvironment

from eventstore.store import CaseEventStore
from tests.conftest import fresh_database, keyed_store
from tests.support.api_harness import ApiStack, serve_api, site_of_its_own
from tests.support.browser import chromium_path


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    if path is None:
        message = "no chromium on this machine (apt-get install chromium)"
        if os.environ.get("RTW_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path,
                                                    args=["--no-sandbox"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    fresh = await browser.new_context(viewport={"width": 1280, "height": 900},
                                      locale="en-GB", timezone_id="Europe/London")
    fresh.set_default_timeout(15_000)
    try:
        yield fresh
    finally:
        await fresh.close()


@pytest.fixture
async def page(context: BrowserContext) -> Page:
    return await context.new_page()


@pytest.fixture(scope="module")
def database_url(postgres_server_url: str) -> str:
    """One database per test module here (the root conftest's is per test): the served app's."""
    return fresh_database(postgres_server_url)


@pytest.fixture(scope="module")
def store(database_url: str) -> Iterator[CaseEventStore]:
    """The served app's event store, for tests that arrange or tamper with stored events."""
    with keyed_store(database_url) as event_store:
        yield event_store


@pytest.fixture(scope="module")
async def site(dev_server_env: WorkflowEnvironment, store: CaseEventStore,
               database_url: str) -> AsyncIterator[ApiStack]:
    """The app (API and pages) over HTTP, one per test module (a worker and a served app cost
    seconds each): tests of a module share its database, so each works on its own cases and
    counts only its own rows. Its address is `base_url(site)`."""
    async with serve_api(dev_server_env.client, store, database_url) as stack:
        yield stack


__all__ = ["base_url", "site_of_its_own"]


def base_url(stack: ApiStack) -> str:
    return str(stack.http.base_url).rstrip("/")
