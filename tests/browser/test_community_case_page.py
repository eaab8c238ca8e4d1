"""A community case on the case page and the worklist: the person, no line manager, and the
service's own actions only (no early contact)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from playwright.async_api import Page, expect

from domain.actors import Role
from tests.browser.conftest import base_url
from tests.support.api_harness import TOKENS, ApiStack, auth
from tests.support.browser import check_accessible, screenshot, sign_in


async def test_oh_sees_a_community_case_with_no_line_manager(site: ApiStack, page: Page) -> None:
    today = datetime.now(UTC).date().isoformat()
    opened = await site.http.post("/v1/community/referrals", headers=auth(Role.OH), json={
        "provider_id": "primary-care-vr", "referral_id": f"GP-{uuid.uuid4().hex[:8]}",
        "person": {"id": "P-4471", "name": "Robin Shah", "email": "robin@example.org"},
        "source": "gp", "reason_category": "musculoskeletal", "referred_on": today,
        "in_work": False})
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["case_id"]
    await sign_in(page, base_url(site), TOKENS[Role.OH])

    await page.goto(f"{base_url(site)}/cases/{case_id}")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Robin Shah")
    await expect(page.get_by_text("No line manager (community case)")).to_be_visible()
    await expect(page.get_by_role("link", name="Record early contact")).to_have_count(0)
    await expect(page.get_by_text("Service", exact=True)).to_be_visible()
    await expect(page.get_by_text("Employer", exact=True)).to_have_count(0)
    await expect(page.get_by_text("No early contact recorded yet")).to_have_count(0)
    await expect(page.get_by_role("link", name="Accept referral")).to_be_visible()
    await check_accessible(page)
    await screenshot(page, "case-community")
