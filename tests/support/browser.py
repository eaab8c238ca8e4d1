"""Driving the pages in Debian's chromium through Playwright, and checking them with axe-core.

No browser is ever downloaded: Playwright launches the system's chromium by its path. Without
one, the browser tests skip on a developer's machine and fail under CI (RTW_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

SCREENSHOTS = Path(os.environ.get("RTW_SCREENSHOTS_DIR", "test-artifacts/screenshots"))
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def chromium_path() -> str | None:
    """Debian's chromium (RTW_CHROMIUM overrides), or None when the machine has none."""
    named = os.environ.get("RTW_CHROMIUM")
    if named:
        return named
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


async def check_accessible(page: Page) -> None:
    """axe-core on the page as it is now: no violation of WCAG 2.2 A or AA."""
    results = await Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
    violations = results.response["violations"]
    assert not violations, "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations)


async def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot for a person to look at, kept as a test artefact."""
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def sign_in(page: Page, base_url: str, token: str) -> None:
    """Sign in on the sign-in page with an access token, as a person would."""
    await page.goto(base_url + "/")
    await page.get_by_label("Access token").fill(token)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()
