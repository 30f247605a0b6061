"""The tracker in a real Chromium: sign in, filter the pipeline, open an interview; screenshots
are saved in test-artifacts/ for a person to look at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.http import sessions_of
from tests.helpers.tracker import PASSWORD, book, fail_a_job, new_interview, weekday_after

pytestmark = pytest.mark.browser


async def test_a_recruiter_signs_in_filters_and_opens_an_interview(
    tracker_app: Any, browser: Any, artifacts: Path
) -> None:
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
    await page.screenshot(path=str(artifacts / "tracker-pipeline.png"), full_page=True)

    await page.select_option("select[name=stage]", "scheduled")
    await page.click(".filters button[type=submit]")
    await page.wait_for_url("**stage=scheduled**")
    assert await page.locator("table.pipeline tbody tr").count() == 1

    await page.click("text=Priya Sharma")
    await page.wait_for_url(f"**/tracker/interviews/{booked}**")
    assert "Retry" in await page.content()
    await page.screenshot(path=str(artifacts / "tracker-interview.png"), full_page=True)

    await page.click("form[action$='/retry'] button")
    await page.wait_for_url("**retried=1**")
    assert "queued again" in await page.content()

    await page.goto(base + "/tracker/kpis")
    await page.screenshot(path=str(artifacts / "tracker-kpis.png"), full_page=True)
