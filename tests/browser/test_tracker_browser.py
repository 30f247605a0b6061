"""The tracker in a real Chromium: sign in, filter the pipeline, open an interview; screenshots
are saved in test-artifacts/ for a person to look at."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers.environment import ROOT, require_service
from tests.helpers.tracker import PASSWORD, book, fail_a_job, new_interview, sessions_of, weekday_after

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str:
    for candidate in (os.environ.get("ASKARSAN_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    require_service("Chromium", "no chromium binary (apt-get install chromium, or set ASKARSAN_CHROMIUM)")
    raise AssertionError("unreachable")


async def test_a_recruiter_signs_in_filters_and_opens_an_interview(tracker_app):
    try:
        from playwright.async_api import async_playwright
    except ImportError as error:
        require_service("Playwright", str(error))
    executable = chromium_path()
    client = await tracker_app()
    sessions = sessions_of(client)
    now = datetime.now(UTC)
    booked, c1, k1 = await new_interview(sessions, now - timedelta(hours=6), candidate="Priya Sharma",
                                         organisation="Globex Corp", client="Gina Ortega", role="Platform Engineer")
    await book(sessions, booked, c1, k1, now - timedelta(hours=1), weekday_after(now, 3))
    await fail_a_job(sessions, booked)
    await new_interview(sessions, now - timedelta(hours=60), candidate="Tom Baker", role="Data Analyst")
    await new_interview(sessions, now - timedelta(hours=2), candidate="Ana Lima", organisation="Initech",
                        client="Bill Lumbergh", role="QA Lead")
    base = str(client.make_url("/"))[:-1]
    ARTIFACTS.mkdir(exist_ok=True)

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1360, "height": 900})
            await page.goto(base + "/tracker")
            assert "/tracker/login" in page.url
            await page.fill("#password", "wrong")
            await page.click("button[type=submit]")
            assert await page.locator(".error").inner_text() == "That password is not right."
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await page.wait_for_url(base + "/tracker")
            assert await page.locator("table.pipeline tbody tr").count() == 3
            assert await page.locator("tr.overdue").count() == 2  # failed job, no slots for 60 h
            await page.screenshot(path=str(ARTIFACTS / "tracker-pipeline.png"), full_page=True)

            await page.select_option("select[name=stage]", "scheduled")
            await page.click(".filters button[type=submit]")
            await page.wait_for_url("**stage=scheduled**")
            assert await page.locator("table.pipeline tbody tr").count() == 1

            await page.click("text=Priya Sharma")
            await page.wait_for_url(f"**/tracker/interviews/{booked}**")
            assert "Retry" in await page.content()
            await page.screenshot(path=str(ARTIFACTS / "tracker-interview.png"), full_page=True)

            await page.click("form[action$='/retry'] button")
            await page.wait_for_url("**retried=1**")
            assert "queued again" in await page.content()

            await page.goto(base + "/tracker/kpis")
            await page.screenshot(path=str(ARTIFACTS / "tracker-kpis.png"), full_page=True)
        finally:
            await browser.close()
