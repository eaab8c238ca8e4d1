"""The sign-in and the pages' protections over plain HTTP: what a browser does not show."""

from __future__ import annotations

import re

from domain.actors import Role
from tests.support.api_harness import TOKENS, ApiStack


async def test_a_form_posted_from_another_site_is_refused_and_opens_no_session(
        api: ApiStack) -> None:
    own = str(api.http.base_url).rstrip("/")
    for headers in ({"Origin": "https://elsewhere.example"}, {},
                    {"Referer": "https://elsewhere.example/page"}):
        answer = await api.http.post("/sign-in", data={"access_token": TOKENS[Role.OH]},
                                     headers=headers)
        assert answer.status_code == 403, headers
        assert "did not come from this service" in answer.text
        assert "set-cookie" not in answer.headers
    accepted = await api.http.post("/sign-in", data={"access_token": TOKENS[Role.OH]},
                                   headers={"Origin": own})
    assert accepted.status_code == 303 and accepted.headers["location"] == "/worklist"
    assert await api.harness.pool.fetchval("SELECT count(*) FROM rtw_web_sessions") == 1


async def test_after_sign_in_the_browser_goes_only_to_a_page_of_this_site(api: ApiStack) -> None:
    own = str(api.http.base_url).rstrip("/")
    for target, expected in (("/cases/x", "/cases/x"), ("//evil.example/", "/worklist"),
                             ("https://evil.example/", "/worklist")):
        answer = await api.http.post(
            "/sign-in", data={"access_token": TOKENS[Role.OH], "next": target},
            headers={"Origin": own})
        assert answer.headers["location"] == expected


async def test_pages_carry_a_script_policy_and_are_never_cached(api: ApiStack) -> None:
    page = await api.http.get("/")
    policy = page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce and f'nonce="{nonce.group(1)}"' in page.text
    assert page.headers["cache-control"] == "no-store"


async def test_the_api_documentation_loads_nothing_from_another_site(api: ApiStack) -> None:
    docs = await api.http.get("/docs")
    assert docs.status_code == 200
    sources = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", docs.text)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert (await api.http.get(source)).status_code == 200, source
    page = await api.http.get("/")
    for source in re.findall(r"""(?:src|href)=['"](/static/[^'"]+)['"]""", page.text):
        assert (await api.http.get(source)).status_code == 200, source
