"""Signing staff in through a real OpenID Connect provider, over plain HTTP: what a browser does
not show (the authorization request, the pending sign-in cookie, forged answers)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.web.config import OidcConfig, WebConfig
from api.web.oidc import OidcClient, Pending, SignInFailed
from eventstore.store import CaseEventStore
from localstack.temporal import free_port
from tests.support.api_harness import ApiStack, serve_api, site_of_its_own
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider

OH_CLAIMS = {"name": "Dr Lin Okafor", "rtw_role": "oh", "rtw_employers": ["acme-trust"],
             "rtw_profession": "OH physician", "rtw_registration": "GMC 1234567"}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture(scope="module")
async def served(provider: Provider, dev_server_env: WorkflowEnvironment,
                 postgres_server_url: str) -> AsyncIterator[ApiStack]:
    """One app for the module (a worker and a served app cost seconds each)."""
    web = WebConfig(oidc=OidcConfig(issuer=provider.issuer, client_id=CLIENT_ID,
                                    client_secret=CLIENT_SECRET))
    async with site_of_its_own(dev_server_env, postgres_server_url, web=web) as stack:
        yield stack


@pytest.fixture
async def site(served: ApiStack) -> ApiStack:
    """The module's app with no session open: each test counts the sessions it opens."""
    await served.harness.pool.execute("DELETE FROM rtw_web_sessions")
    return served


async def begin(site: ApiStack, next_page: str = "") -> str:
    """Press "Sign in with your organisation": the provider's authorization address."""
    answer = await site.http.get("/sign-in/oidc", params={"next": next_page} if next_page else {})
    assert answer.status_code == 200, answer.text
    onward = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', answer.text)
    assert onward, answer.text
    return html.unescape(onward.group(1))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


async def sessions(site: ApiStack) -> list[dict[str, Any]]:
    rows = await site.harness.pool.fetch(
        "SELECT subject, role, person, signed_in_with FROM rtw_web_sessions")
    return [dict(row) | {"person": json.loads(row["person"])} for row in rows]


async def test_the_browser_goes_to_the_provider_with_pkce_a_state_and_a_nonce(
        site: ApiStack, provider: Provider) -> None:
    location = await begin(site, "/cases/c-1")
    assert location.startswith(provider.issuer + "/")
    query = {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}
    own = str(site.http.base_url).rstrip("/")
    assert query["response_type"] == "code" and query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == own + "/sign-in/oidc/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert "openid" in query["scope"].split()
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    cookie = site.http.cookies.jar
    pending = next(c for c in cookie if c.name == "rtw_oidc")
    assert pending.path == "/sign-in/oidc/callback"
    assert pending.has_nonstandard_attr("HttpOnly")
    # Sealed: the state, nonce and code verifier are not readable in the browser's cookie.
    assert pending.value and query["state"] not in pending.value
    assert query["nonce"] not in pending.value
    assert await sessions(site) == []


async def test_an_oh_professional_signs_in_and_the_session_names_them(
        site: ApiStack, provider: Provider) -> None:
    provider.set_user("ohp-77", OH_CLAIMS)
    callback = await provider.authorize(site.http, await begin(site, "/worklist?mine=1"),
                                        "ohp-77")
    answer = await site.http.get(callback)
    assert answer.status_code == 200, answer.text
    assert 'content="0;url=/worklist?mine=1"' in answer.text
    session_cookie = answer.headers.get_list("set-cookie")
    assert any(c.startswith("rtw_session=") and "SameSite=strict" in c
               for c in session_cookie), session_cookie
    assert any(c.startswith("rtw_oidc=") and "Max-Age=0" in c
               for c in session_cookie), session_cookie
    assert await sessions(site) == [{
        "subject": "ohp-77", "role": "oh", "signed_in_with": "oidc",
        "person": {"name": "Dr Lin Okafor", "profession": "OH physician",
                   "registration": "GMC 1234567", "employers": ["acme-trust"]}}]
    worklist = await site.http.get("/worklist")
    assert worklist.status_code == 200 and "Dr Lin Okafor (oh)" in worklist.text
    # The pending sign-in is used once: the same answer again opens nothing more.
    again = await site.http.get(callback)
    assert again.status_code == 400
    assert len(await sessions(site)) == 1


async def test_a_forged_state_or_none_signs_nobody_in(site: ApiStack,
                                                      provider: Provider) -> None:
    provider.set_user("ohp-78", OH_CLAIMS)
    callback = await provider.authorize(site.http, await begin(site), "ohp-78")
    forged = await site.http.get(with_query(callback, state="forged-state-value"))
    assert forged.status_code == 400
    assert "not started here" in forged.text
    # The answer's own state, but from a browser that never began the sign-in.
    async with httpx.AsyncClient(base_url=site.http.base_url) as stranger:
        elsewhere = await stranger.get(callback)
    assert elsewhere.status_code == 400
    assert await sessions(site) == []


async def test_an_authorization_code_and_its_cookie_replayed_sign_nobody_in_again(
        site: ApiStack, provider: Provider) -> None:
    provider.set_user("ohp-81", OH_CLAIMS)
    callback = await provider.authorize(site.http, await begin(site), "ohp-81")
    pending = site.http.cookies.get("rtw_oidc")
    assert (await site.http.get(callback)).status_code == 200
    async with httpx.AsyncClient(base_url=site.http.base_url) as replayer:
        replayer.cookies.set("rtw_oidc", pending or "", path="/sign-in/oidc/callback")
        replayed = await replayer.get(callback)
    assert replayed.status_code == 401
    assert "did not confirm the sign-in" in replayed.text and "invalid_grant" in replayed.text
    assert len(await sessions(site)) == 1


async def test_an_id_token_issued_for_another_sign_in_is_refused_by_its_nonce(
        site: ApiStack, provider: Provider) -> None:
    """An authorization code obtained for one sign-in (say, a victim's, or an attacker's own),
    slipped into another that has its own valid state: the ID token's nonce gives it away."""
    provider.set_user("ohp-79", OH_CLAIMS)
    first = await begin(site)
    second = await begin(site)  # the browser now holds the second sign-in's cookie
    callback = await provider.authorize(site.http, first, "ohp-79")
    second_state = parse_qs(urlsplit(second).query)["state"][0]
    answer = await site.http.get(with_query(callback, state=second_state))
    assert answer.status_code == 401
    assert "could not be verified" in answer.text and "nonce" in answer.text
    assert await sessions(site) == []


async def test_an_expired_id_token_signs_nobody_in(
        dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str) -> None:
    with running_provider(token_max_age=-600) as stale:
        web = WebConfig(oidc=OidcConfig(issuer=stale.issuer, client_id=CLIENT_ID,
                                        client_secret=CLIENT_SECRET))
        async with serve_api(dev_server_env.client, store, database_url, web=web) as site:
            stale.set_user("ohp-80", OH_CLAIMS)
            callback = await stale.authorize(site.http, await begin(site), "ohp-80")
            answer = await site.http.get(callback)
            assert answer.status_code == 401
            assert "could not be verified" in answer.text and "expired" in answer.text
            assert await sessions(site) == []


@pytest.mark.parametrize("claims", [
    {"name": "No Role"},
    {"name": "An Employee", "rtw_role": "employee"},
    {"name": "Made Up", "rtw_role": "superuser"},
    {"name": "Two Roles", "rtw_role": ["oh", "admin"]},
    {"name": "Bad Employers", "rtw_role": "hr", "rtw_employers": "acme-trust"},
])
async def test_claims_without_a_staff_role_are_refused_and_open_no_session(
        site: ApiStack, provider: Provider, claims: dict[str, Any]) -> None:
    provider.set_user("someone", claims)
    callback = await provider.authorize(site.http, await begin(site), "someone")
    answer = await site.http.get(callback)
    assert answer.status_code == 403
    assert "You cannot use this service with this account" in answer.text
    assert "rtw_session=" not in answer.headers.get("set-cookie", "")
    assert await sessions(site) == []


async def test_cancelling_at_the_provider_signs_nobody_in(site: ApiStack) -> None:
    denied = await site.http.post(await begin(site), data={"action": "deny"})
    assert denied.status_code == 302
    assert "error=access_denied" in denied.headers["location"]
    answer = await site.http.get(denied.headers["location"])
    assert answer.status_code == 401 and "You did not sign in" in answer.text
    assert await sessions(site) == []


async def test_a_provider_that_does_not_answer_is_an_error_not_a_sign_in() -> None:
    client = OidcClient(OidcConfig(issuer=f"http://127.0.0.1:{free_port()}",
                                   client_id=CLIENT_ID, client_secret=CLIENT_SECRET))
    with pytest.raises(SignInFailed) as failed:
        await client.begin("http://127.0.0.1:1/sign-in/oidc/callback", "",
                           now=datetime.now(UTC))
    assert failed.value.status == 502 and "not answering" in failed.value.title


async def test_without_a_provider_configured_there_is_no_organisation_sign_in(
        api: ApiStack) -> None:
    page = await api.http.get("/")
    assert "Sign in with your organisation" not in page.text
    assert (await api.http.get("/sign-in/oidc")).status_code == 404
    assert (await api.http.get("/sign-in/oidc/callback?code=x&state=y")).status_code == 404


async def test_a_provider_naming_itself_another_issuer_is_not_trusted(
        provider: Provider) -> None:
    client = OidcClient(OidcConfig(issuer=provider.issuer + "/", client_id=CLIENT_ID,
                                   client_secret=CLIENT_SECRET))
    with pytest.raises(SignInFailed) as failed:
        await client.begin("http://127.0.0.1:1/sign-in/oidc/callback", "",
                           now=datetime.now(UTC))
    assert failed.value.status == 502 and "misconfigured" in failed.value.title


def test_a_pending_sign_in_cookie_is_refused_when_altered_old_or_sealed_by_another_client(
        ) -> None:
    config = OidcConfig(issuer="https://id.example", client_id=CLIENT_ID,
                        client_secret=CLIENT_SECRET)
    client = OidcClient(config)
    started = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    sealed = client.seal(Pending(state="s" * 30, nonce="n" * 30, code_verifier="v" * 48,
                                 next="/worklist", started_at=started))
    assert client.unseal(sealed, now=started + timedelta(minutes=9)) is not None
    assert client.unseal(sealed, now=started + timedelta(minutes=11)) is None
    altered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    assert client.unseal(altered, now=started) is None
    other = OidcClient(OidcConfig(issuer="https://id.example", client_id=CLIENT_ID,
                                  client_secret="another-deployment-secret-value"))
    assert other.unseal(sealed, now=started) is None
    assert client.unseal("not-a-cookie", now=started) is None
