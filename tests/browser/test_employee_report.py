"""The employee's own OH report, offered to them first: they read it before their manager can,
and the manager sees the fitness advice only once the employee has consented on the page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from playwright.async_api import BrowserContext, Page, expect

from domain.actors import Role
from readside.web_sessions import WebSession, open_session
from tests.browser.conftest import base_url
from tests.support.api_harness import TOKENS, ApiStack, absence, auth, open_case
from tests.support.browser import check_accessible, screenshot

ASSESSMENT = {
    "kind": "early", "assessor": {"id": "test-oh", "name": "Jo Reid", "profession": "OH nurse"},
    "tier": 2, "fitness": "fit_with_adjustments", "barriers": ["Travelling at rush hour"],
    "recommended_adjustments": [{"kind": "work_pattern", "detail": "Start at 10:00"}],
    "consent": {"share_fitness_with_manager": True, "share_adjustments_with_manager": True,
                "share_with_hr": False, "report_offered_to_employee": True},
    "rapid_access": False, "clinical_notes": "ZZ-OH-ONLY-NOTES",
}


async def assessed_case(site: ApiStack, employee_id: str = "E1001") -> str:
    """A case opened today (report first to the employee), in touch, assessed by OH."""
    body = absence()
    body["employee"] = {**body["employee"], "id": employee_id}
    case_id = await open_case(site, body)
    now = datetime.now(UTC).isoformat()
    for path, role, sent in (
            ("contact", Role.MANAGER, {"contacted_at": now, "method": "phone",
                                       "agreed_contact_frequency_days": 7}),
            ("assessments", Role.OH, {**ASSESSMENT, "assessed_at": now})):
        response = await site.http.post(f"/v1/cases/{case_id}/{path}", json=sent,
                                        headers=auth(role))
        assert response.status_code == 200, response.text
    return case_id


async def signed_in_employee(site: ApiStack, context: BrowserContext,
                             employee_id: str = "E1001") -> None:
    """An employee's session, as their sign-in link would open it."""
    session = await open_session(site.harness.pool, WebSession(
        subject=employee_id, role="employee",
        person={"name": "Sam Patel", "employers": ["acme-trust"]}, signed_in_with="link"),
        now=datetime.now(UTC))
    await context.add_cookies([{"name": "rtw_session", "value": session,
                                "url": base_url(site) + "/", "httpOnly": True,
                                "sameSite": "Strict"}])


async def managers_view(site: ApiStack, case_id: str) -> dict[str, Any]:
    response = await site.http.get(f"/v1/cases/{case_id}",
                                   headers={"Authorization": f"Bearer {TOKENS[Role.MANAGER]}"})
    assert response.status_code == 200, response.text
    view: dict[str, Any] = response.json()
    return view


async def test_an_employee_sees_the_report_before_release_and_the_manager_does_not(
        site: ApiStack, context: BrowserContext, page: Page) -> None:
    case_id = await assessed_case(site)
    await signed_in_employee(site, context)

    await page.goto(f"{base_url(site)}/my-case/{case_id}/report")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your occupational health report")
    await expect(page.get_by_text("Fit for work with adjustments")).to_be_visible()
    await expect(page.get_by_text("Work pattern: Start at 10:00")).to_be_visible()
    await expect(page.get_by_text("Travelling at rush hour")).to_be_visible()
    assert "ZZ-OH-ONLY-NOTES" not in await page.content()
    before = await managers_view(site, case_id)
    assert before["fitness_advice"] is None
    assert before["report_consent"] == {"assessment_number": 1, "status": "pending",
                                        "scopes": None}
    await check_accessible(page)
    await screenshot(page, "employee-report")
    assert await site.harness.pool.fetchval(
        "SELECT count(*) FROM rtw_access_log WHERE case_id = $1::uuid AND subject = 'E1001' "
        "AND role = 'employee' AND channel = 'web' AND action = 'case.read'", case_id) == 1

    await page.get_by_label("Your fitness for work to your line manager").check()
    await page.get_by_role("button", name="Give my consent").click()
    await expect(page.get_by_text("You gave your consent.")).to_be_visible()
    after = await managers_view(site, case_id)
    assert after["fitness_advice"] == {"fitness": "fit_with_adjustments",
                                       "recommended_adjustments": None}
    assert after["report_consent"]["status"] == "given"
    await check_accessible(page)
    await screenshot(page, "employee-report-consented")

    await page.get_by_role("button", name="Stop sharing: your fitness for work with your "
                           "line manager").click()
    await expect(page.get_by_text("You withdrew your consent.")).to_be_visible()
    withdrawn = await managers_view(site, case_id)
    assert withdrawn["fitness_advice"] is None
    assert withdrawn["report_consent"]["status"] == "withdrawn"


async def test_the_employees_comment_goes_to_oh_and_a_blank_one_is_refused_on_the_page(
        site: ApiStack, context: BrowserContext, page: Page) -> None:
    case_id = await assessed_case(site)
    await signed_in_employee(site, context)
    await page.goto(f"{base_url(site)}/my-case/{case_id}/report")

    await page.get_by_role("button", name="Send comment").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Enter your comment")
    await check_accessible(page)
    await summary.get_by_role("link").click()
    await expect(page.get_by_label("Comment on this report")).to_be_focused()

    await page.get_by_label("Comment on this report").fill("I see my physio on Mondays.")
    await page.get_by_role("button", name="Send comment").click()
    await expect(page.get_by_text("Your comment was sent to occupational health.")).to_be_visible()
    await expect(page.get_by_text("I see my physio on Mondays.")).to_be_visible()
    manager = await managers_view(site, case_id)
    assert "physio" not in str(manager)


async def test_another_persons_case_is_a_missing_page_to_an_employee(
        site: ApiStack, context: BrowserContext, page: Page) -> None:
    case_id = await assessed_case(site, employee_id="E5555")
    await signed_in_employee(site, context)

    response = await page.goto(f"{base_url(site)}/my-case/{case_id}/report")

    assert response is not None and response.status == 404
    assert "Start at 10:00" not in await page.content()
    await check_accessible(page)
