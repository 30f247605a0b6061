"""A client with two candidates, in a real browser: two demo interviews started from the landing
page, the client's chat for the first open while the second is asked for. The first chat shows
the first interview only (its link is for that one), and its buttons work."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import RUNTIME
from storage.models import Interview, Job
from tests.helpers.journeys import weekday_ahead

pytestmark = pytest.mark.browser

TIMEOUT = 30_000


async def start_demo(browser: Any, client: Any) -> str:
    """Start a demo where the client offers the times by hand; returns the client's chat link
    from the page it shows."""
    page = await browser.new_page()
    await page.goto(str(client.make_url("/")))
    await page.click("#start-demo-by-hand")
    link = page.locator("#client-link")
    await link.wait_for(timeout=TIMEOUT)
    href = await link.get_attribute("href")
    await page.close()
    assert href and "/chat?t=" in href
    # The link names PUBLIC_URL; this test's server listens elsewhere.
    return str(client.make_url("/chat?t=" + href.split("/chat?t=", 1)[1]))


async def outbox_settled(client: Any, interview_id: str) -> None:
    """Until every job of the interview that is due has been carried out."""
    sessions = client.app[RUNTIME].sessions
    for _ in range(200):
        async with sessions() as session:
            waiting = await session.scalar(
                select(func.count()).select_from(Job).where(
                    Job.interview_id == interview_id, Job.status.in_(("pending", "running")),
                    Job.due_at <= datetime.now(UTC),
                )
            )
        if not waiting:
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the outbox did not settle")


async def newest_interview(client: Any) -> str:
    async with client.app[RUNTIME].sessions() as session:
        interview_id = await session.scalar(select(Interview.id).order_by(Interview.requested_at.desc()))
    assert interview_id is not None
    return str(interview_id)


async def test_the_clients_first_chat_never_shows_the_second_interviews_card(
    dl_client: Any, browser: Any, artifacts: Path
) -> None:
    client = await dl_client()
    first_link = await start_demo(browser, client)
    first = await newest_interview(client)
    await outbox_settled(client, first)

    chat = await browser.new_page(viewport={"width": 1000, "height": 1200})
    errors: list[str] = []
    chat.on("pageerror", lambda error: errors.append(str(error)))
    await chat.goto(first_link)
    transcript = chat.locator(".webchat__basic-transcript")
    await transcript.get_by_text("Offer interview times").first.wait_for(timeout=TIMEOUT)

    await start_demo(browser, client)  # the same client, another candidate
    second = await newest_interview(client)
    assert second != first
    await outbox_settled(client, second)
    await chat.wait_for_timeout(1500)  # what was sent to this chat has arrived by now
    await chat.screenshot(path=str(artifacts / "two-interviews-first-chat.png"), full_page=True)

    assert await transcript.get_by_text("Offer interview times").count() == 1
    assert await transcript.get_by_text("would like to set up an interview", exact=False).count() == 0

    # Its own card still works: the client offers a time for the first interview.
    await chat.get_by_label(re.compile("Slot 1")).first.fill(weekday_ahead(3))
    await chat.get_by_label(re.compile("Start time")).first.fill("10:00")
    await chat.get_by_role("button", name="Send these to the candidate").first.click()
    await transcript.get_by_text("sent 1 slot", exact=False).first.wait_for(timeout=TIMEOUT)
    assert await transcript.get_by_text("This card isn", exact=False).count() == 0
    view = await client.app[RUNTIME].services.scheduling.view(first)
    assert view is not None and len(view.slots) == 1
    assert errors == []
