"""The employee's choices on a report OH asks their doctor for (Access to Medical Reports Act
1988), on their own page: their consent and whether they want to see it first, then, once OH
has asked, that they arranged to see it; the manager hears nothing of it."""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page, expect

from domain.actors import Role
from tests.browser.conftest import base_url
from tests.browser.test_employee_report import managers_view, signed_in_employee
from tests.support.api_harness import ApiStack, absence, auth, open_case
from tests.support.browser import check_accessible, screenshot


async def test_the_employee_consents_wishing_to_see_it_first_then_arranges_to_see_it(
        site: ApiStack, context: BrowserContext, page: Page) -> None:
    case_id = await open_case(site, absence())
    await signed_in_employee(site, context)
    await page.goto(f"{base_url(site)}/my-case/{case_id}")
    await expect(page.get_by_role("heading", name="Reports from your doctor")).to_be_visible()

    await page.get_by_text("Give consent for occupational health to ask your doctor").click()
    await page.get_by_role("button", name="Give my consent").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Choose which doctor occupational health may ask")
    await expect(summary).to_contain_text("Choose whether you want to see the report")
    await check_accessible(page)

    await page.get_by_label("My GP").check()
    await page.get_by_label("Yes, I want to see it first").check()
    await page.get_by_role("button", name="Give my consent").click()
    await expect(page.get_by_text("You gave your consent: occupational health may ask your "
                                  "doctor for a report.")).to_be_visible()
    await expect(page.get_by_text("Occupational health has not asked your doctor yet.")
                 ).to_be_visible()
    await check_accessible(page)
    await screenshot(page, "employee-medical-report-consented")

    asked = await site.http.post(f"/v1/cases/{case_id}/medical-reports", json={
        "report_number": 1, "practitioner": "Dr A Shah, Riverside Surgery"},
        headers=auth(Role.OH))
    assert asked.status_code == 200, asked.text
    await page.goto(f"{base_url(site)}/my-case/{case_id}")
    await expect(page.get_by_text("Arrange with your doctor to see the report by")
                 ).to_be_visible()
    await page.get_by_role("button", name="I have arranged with my doctor to see it").click()
    await expect(page.get_by_text("Your choice on the report from your doctor is recorded.")
                 ).to_be_visible()
    await expect(page.get_by_text("You arranged to see the report.")).to_be_visible()
    await expect(page.get_by_role("button", name="I have seen it: my doctor may send it")
                 ).to_be_visible()
    await check_accessible(page)
    await screenshot(page, "employee-medical-report-arranged")

    # The manager's view of the case says nothing of it (its allowed actions are the stage's,
    # the same for every case).
    manager = await managers_view(site, case_id)
    told = {key: value for key, value in manager.items() if key != "allowed_actions"}
    assert "medical" not in str(told).lower()
    assert "Riverside" not in str(manager)
