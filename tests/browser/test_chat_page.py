"""The chat page in a real browser: Microsoft's Web Chat against askARSAN's own Direct Line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scheduling.interview import Role
from tests.helpers.directline import make_invitation

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("webchat_bundle")]


async def test_a_candidate_opens_the_link_and_chats(dl_client: Any, browser: Any, artifacts: Path) -> None:
    client = await dl_client()
    invite = await make_invitation(client.app, Role.CANDIDATE)
    page = await browser.new_page(viewport={"width": 1000, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(str(client.make_url(f"/chat?t={invite.token}")))

    await page.wait_for_selector("body[data-chat='ready']", timeout=20_000)
    transcript = page.locator(".webchat__basic-transcript")
    await transcript.get_by_text("Hello Cleo Candidate", exact=False).first.wait_for(timeout=20_000)

    box = page.locator("[data-id='webchat-sendbox-input']")
    await box.fill("help")
    await box.press("Enter")
    # The echo of what we typed, then the bot's answer to it (the next step for this candidate).
    await transcript.get_by_text("help", exact=True).first.wait_for(timeout=20_000)
    await page.wait_for_function(
        "document.querySelectorAll('.webchat__basic-transcript [aria-roledescription=\"message\"]').length >= 3",
        timeout=20_000,
    )
    await page.wait_for_timeout(500)
    await page.screenshot(path=str(artifacts / "chat-candidate.png"), full_page=True)
    assert await page.locator("header .brand").inner_text() == "askARSAN"
    assert errors == []


async def test_a_withdrawn_or_wrong_link_shows_the_reason(dl_client: Any, browser: Any, artifacts: Path) -> None:
    client = await dl_client()
    page = await browser.new_page(viewport={"width": 1000, "height": 500})
    await page.goto(str(client.make_url("/chat?t=not-a-real-invitation")))
    status = page.locator("#status[data-state='error']")
    await status.wait_for(timeout=20_000)
    assert "not valid" in await status.inner_text()
    await page.screenshot(path=str(artifacts / "chat-invalid-link.png"))
