"""A browser session started with an access token lives only as long as the token: revoking the
token (as `rtw token revoke` does, in the tokens file the running app reads) ends the sessions it
started at their next request, and a session acts as the token's entry says now. Sessions
started another way (the organisation's sign-in, an employee's link) are not the token's."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from cli.tokens import issue, revoke
from infra.tokens import TokenRegistry, token_digest, write_tokens_file
from readside.web_sessions import WebSession, open_session
from tests.support.api_harness import ApiStack, absence, site_of_its_own

SIGN_IN_AGAIN = "/?next=%2Fworklist"


@pytest.fixture(scope="module")
def tokens_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tokens") / "tokens.json"
    write_tokens_file(path, {"tokens": []})
    return path


@pytest.fixture(scope="module")
async def site(tokens_file: Path, dev_server_env: WorkflowEnvironment,
               postgres_server_url: str) -> AsyncIterator[ApiStack]:
    """One app for the module, reading its tokens from `tokens_file` as `rtw run` does."""
    async with site_of_its_own(dev_server_env, postgres_server_url,
                               tokens=TokenRegistry.load(tokens_file)) as stack:
        yield stack


@asynccontextmanager
async def browser(site: ApiStack) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own: its own cookie jar, so its own session."""
    async with httpx.AsyncClient(base_url=site.http.base_url, timeout=30) as client:
        yield client


async def sign_in(client: httpx.AsyncClient, token: str) -> None:
    answer = await client.post("/sign-in", data={"access_token": token},
                               headers={"Origin": str(client.base_url).rstrip("/")})
    assert answer.status_code == 303, answer.text
    assert "rtw_session" in client.cookies


async def sessions_of(site: ApiStack, token: str) -> int:
    count = await site.harness.pool.fetchval(
        "SELECT count(*) FROM rtw_web_sessions WHERE token_digest = $1", token_digest(token))
    return int(count)


async def opened_otherwise(site: ApiStack, client: httpx.AsyncClient,
                           signed_in_with: str, subject: str, role: str) -> None:
    """A session opened as the organisation's sign-in or an employee's link opens one."""
    session_id = await open_session(site.harness.pool, WebSession(
        subject=subject, role=role, person={"name": "Dr Lin Okafor", "employers": ["acme-trust"]},
        signed_in_with=signed_in_with), now=datetime.now(UTC))
    client.cookies.set("rtw_session", session_id)


def document_of(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def edit_entry(path: Path, token: str, **changes: Any) -> None:
    """Change a token's entry in the tokens file, as an operator's edit would."""
    document = document_of(path)
    for item in document["tokens"]:
        if item["sha256"] == token_digest(token):
            item.update(changes)
    write_tokens_file(path, document)


async def test_revoking_a_token_ends_every_session_it_started_at_its_next_request(
        site: ApiStack, tokens_file: Path) -> None:
    token = issue(tokens_file, role="oh", subject="ohn-1", employers=("acme-trust",))
    other = issue(tokens_file, role="oh", subject="ohn-1", employers=("acme-trust",))
    async with browser(site) as first, browser(site) as second, browser(site) as third:
        await sign_in(first, token)
        await sign_in(second, token)
        await sign_in(third, other)
        for client in (first, second, third):
            assert (await client.get("/worklist")).status_code == 200
        assert await sessions_of(site, token) == 2
        assert token not in json.dumps([dict(r) for r in await site.harness.pool.fetch(
            "SELECT * FROM rtw_web_sessions")], default=str)

        revoke(tokens_file, digest=token_digest(token))

        for client in (first, second):
            page = await client.get("/worklist")
            assert page.status_code == 303 and page.headers["location"] == SIGN_IN_AGAIN
        assert await sessions_of(site, token) == 0
        # The same person's session from another token is that token's: it goes on.
        assert (await third.get("/worklist")).status_code == 200
        assert await sessions_of(site, other) == 1
        # And the revoked token signs nobody in again.
        refused = await first.post("/sign-in", data={"access_token": token},
                                   headers={"Origin": str(first.base_url).rstrip("/")})
        assert refused.status_code == 401


async def test_a_token_session_acts_for_the_employers_and_name_its_entry_has_now(
        site: ApiStack, tokens_file: Path) -> None:
    token = issue(tokens_file, role="hr", subject="hr-7", employers=("acme-trust",),
                  name="Pat Reed")
    created = await site.http.post("/v1/absences", json=absence(),
                                   headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.text
    case_page = f"/cases/{created.json()['case_id']}"
    async with browser(site) as client:
        await sign_in(client, token)
        assert (await client.get(case_page)).status_code == 200
        assert "Pat Reed (hr)" in (await client.get("/worklist")).text

        edit_entry(tokens_file, token, employers=["beta-trust"], name="Pat Reed-Jones")

        assert (await client.get(case_page)).status_code == 404
        assert "Pat Reed-Jones (hr)" in (await client.get("/worklist")).text
        assert await sessions_of(site, token) == 1


async def test_a_token_session_that_kept_no_digest_is_ended(site: ApiStack,
                                                            tokens_file: Path) -> None:
    token = issue(tokens_file, role="oh", subject="ohn-2", employers=("acme-trust",))
    async with browser(site) as client:
        # A session as token sessions were kept before they kept the token's digest.
        await opened_otherwise(site, client, "token", "ohn-2", "oh")
        page = await client.get("/worklist")
        assert page.status_code == 303 and page.headers["location"] == SIGN_IN_AGAIN
        assert await site.harness.pool.fetchval(
            "SELECT count(*) FROM rtw_web_sessions WHERE subject = 'ohn-2'") == 0
        client.cookies.clear()
        await sign_in(client, token)
        assert (await client.get("/worklist")).status_code == 200


async def test_an_unreadable_tokens_file_ends_token_sessions_but_not_other_sign_ins(
        site: ApiStack, tokens_file: Path) -> None:
    token = issue(tokens_file, role="oh", subject="ohn-3", employers=("acme-trust",))
    good = document_of(tokens_file)
    async with browser(site) as by_token, browser(site) as by_oidc, \
            browser(site) as by_link:
        await sign_in(by_token, token)
        await opened_otherwise(site, by_oidc, "oidc", "ohp-77", "oh")
        await opened_otherwise(site, by_link, "link", "E1001", "employee")
        for client, page in ((by_token, "/worklist"), (by_oidc, "/worklist"),
                             (by_link, "/my-case")):
            assert (await client.get(page)).status_code == 200, page
        try:
            write_tokens_file(tokens_file, {"tokens": "broken"})
            page = await by_token.get("/worklist")
            assert page.status_code == 303 and page.headers["location"] == SIGN_IN_AGAIN
            assert await sessions_of(site, token) == 0
            assert (await by_oidc.get("/worklist")).status_code == 200
            assert (await by_link.get("/my-case")).status_code == 200
        finally:
            write_tokens_file(tokens_file, good)
