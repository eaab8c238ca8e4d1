"""An employee refers themselves (stay at work) from their own page, through the same code as
the API's referrals: the new case is theirs, with their line manager, from source 'self'."""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page, expect

from domain.actors import Role
from tests.browser.conftest import base_url
from tests.browser.test_employee_report import signed_in_employee
from tests.support.api_harness import ApiStack, auth, open_case
from tests.support.browser import check_accessible, screenshot


async def test_an_employee_refers_themselves_to_physiotherapy(
        site: ApiStack, context: BrowserContext, page: Page) -> None:
    case_id = await open_case(site)
    await signed_in_employee(site, context)
    await page.goto(f"{base_url(site)}/refer?case={case_id}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Refer yourself")
    await check_accessible(page)
    await screenshot(page, "self-referral")

    await page.get_by_role("button", name="Send referral").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Select who you want to be referred to")
    await check_accessible(page)

    await page.get_by_label("Staff physiotherapy").check()
    await page.get_by_label("Stress, low mood, anxiety").check()
    await page.get_by_role("button", name="Send referral").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Staff physiotherapy cannot take this referral: A muscle, joint or back problem.")
    await expect(page.get_by_label("Staff physiotherapy")).to_be_checked()

    await page.get_by_label("A muscle, joint or back problem").check()
    await page.get_by_label("Tell us what is happening").fill("Sore back after lifting.")
    await page.get_by_role("button", name="Send referral").click()
    await expect(page.get_by_text("Your referral has been sent")).to_be_visible()
    await check_accessible(page)
    await screenshot(page, "self-referral-sent")

    referred = page.url.split("referred=")[1]
    oh = (await site.http.get(f"/v1/cases/{referred}", headers=auth(Role.OH))).json()
    assert (oh["route"], oh["employee"]["id"], oh["manager"]["id"]) == (
        "stay_at_work", "E1001", "M2002")
    assert oh["clinical"]["referral_source"] == "self"
    assert oh["clinical"]["referral_service_id"] == "physio"
    manager = await site.http.get(f"/v1/cases/{referred}", headers=auth(Role.MANAGER))
    assert manager.status_code == 200
    assert "Sore back" not in manager.text


async def test_without_a_case_the_page_says_who_can_refer_them(
        site: ApiStack, context: BrowserContext, page: Page) -> None:
    await signed_in_employee(site, context)
    await page.goto(f"{base_url(site)}/refer")

    await expect(page.get_by_text("occupational health or your line manager can refer")
                 ).to_be_visible()
    await check_accessible(page)
