"""The scheduling journey in a real browser: the client offers a slot on the chat page, the
candidate sees it in their own time zone, picks it and gets the confirmation card."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from bot.app import RUNTIME
from scheduling.interview import Stage
from services import PartyInput
from services.scheduling import InterviewRequest
from tests.helpers.journeys import weekday_ahead

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("webchat_bundle")]

TIMEOUT = 30_000


async def test_a_client_offers_on_the_page_and_the_candidate_books_in_their_zone(
    dl_client: Any, browser: Any, artifacts: Path
) -> None:
    client = await dl_client()
    services = client.app[RUNTIME].services
    request = await services.scheduling.request_interview(
        InterviewRequest(
            recruiter=PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
            client=PartyInput("Harry Manager", "harry@northwind.example", "Europe/London",
                              organisation="Northwind Ltd"),
            candidate=PartyInput("Asha Rao", "asha@example.org", "Asia/Kolkata"),
            role_title="Senior Data Engineer",
        )
    )

    # The client offers one slot through the page.
    page = await browser.new_page(viewport={"width": 1000, "height": 1400})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(str(client.make_url(f"/chat?t={request.client_token}")))
    transcript = page.locator(".webchat__basic-transcript")
    await transcript.get_by_text("Offer interview times").first.wait_for(timeout=TIMEOUT)
    await page.get_by_label(re.compile("Slot 1")).first.fill(weekday_ahead(3))
    await page.get_by_label(re.compile("Start time")).first.fill("10:00")
    await page.get_by_role("button", name="Send these to the candidate").first.click()
    # Web Chat's markdown turns ' into ’, so match words without an apostrophe.
    await transcript.get_by_text("sent 1 slot to Asha Rao", exact=False).first.wait_for(timeout=TIMEOUT)
    await page.screenshot(path=str(artifacts / "journey-client-offered.png"), full_page=True)

    # The candidate opens their link: the slot is shown in India time, and they pick it.
    page2 = await browser.new_page(viewport={"width": 1000, "height": 1400})
    page2.on("pageerror", lambda error: errors.append(str(error)))
    await page2.goto(str(client.make_url(f"/chat?t={request.candidate_token}")))
    transcript2 = page2.locator(".webchat__basic-transcript")
    await transcript2.get_by_text("Pick a time for your interview").first.wait_for(timeout=TIMEOUT)
    await page2.get_by_role("radio", name=re.compile(r"15:30.16:30 IST")).first.check()
    await page2.get_by_role("button", name="Book this time").first.click()
    await transcript2.get_by_text("Booked:", exact=False).first.wait_for(timeout=TIMEOUT)
    # The confirmation card arrives proactively (outbox → job runner → our Direct Line connector).
    await transcript2.get_by_text("Your interview is booked").first.wait_for(timeout=TIMEOUT)
    await page2.wait_for_timeout(300)
    await page2.screenshot(path=str(artifacts / "journey-candidate-booked.png"), full_page=True)

    view = await services.scheduling.view(request.interview_id)
    assert view is not None and view.stage is Stage.SCHEDULED
    assert view.booked is not None and view.booked.start.astimezone(UTC).hour in (10, 9)  # London
    # The client's page gets its confirmation too.
    await transcript.get_by_text("Your interview is booked").first.wait_for(timeout=TIMEOUT)
    assert errors == []
