"""The availability card on a 375 px phone, in Microsoft's Web Chat against the real app: the
client types "set my availability", reads the whole form (no input or label past the screen's
edge, no sideways scrolling), saves it, and reads the next open times in full. Measured on the
rendered page (tests/browser/test_phone.py's measures); screenshots in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.app import RUNTIME
from cards.availability_cards import AVAILABILITY_FIELDS, SAVE_AVAILABILITY_BUTTON
from scheduling.zones import format_local_range
from services import PartyInput
from services.scheduling import InterviewRequest
from tests.browser.test_phone import CLIPPED, PAGE_WIDTH, PHONE, TIMEOUT, open_chat

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("webchat_bundle")]

# The cards' inputs (those outside a card are the renderer's own, never shown): how many, and
# those whose box lies past the screen's edges.
CARD_INPUTS = """() => {
  const inputs = [...document.querySelectorAll('.webchat__basic-transcript .ac-adaptiveCard input')]
    .filter(el => el.offsetParent !== null);
  const outside = inputs.map(el => ({label: el.getAttribute('aria-label') || el.type, box: el.getBoundingClientRect()}))
    .filter(i => i.box.left < -0.5 || i.box.right > window.innerWidth + 0.5)
    .map(i => `${i.label} (${i.box.left}–${i.box.right} px)`);
  return [inputs.length, outside];
}"""


async def fits(page: Any, words: list[str]) -> None:
    width, screen = await page.evaluate(PAGE_WIDTH)
    assert width <= screen, f"the chat page is {width} px wide on a {screen} px screen"
    shown, outside = await page.evaluate(CARD_INPUTS)
    assert shown and outside == [], f"of {shown} inputs, these lie past the screen's edge: {outside}"
    for text in words:
        drawn = await page.evaluate(CLIPPED, text)
        assert drawn, f"{text!r} is not on the card"
        assert all(d["clippedBy"] is None for d in drawn), (text, [d["clippedBy"] for d in drawn])


async def test_a_client_on_a_phone_sets_their_availability_and_reads_the_open_times_in_full(
    dl_client: Any, browser: Any, artifacts: Path
) -> None:
    client = await dl_client()
    services = client.app[RUNTIME].services
    request = await services.scheduling.request_interview(
        InterviewRequest(
            recruiter=PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
            client=PartyInput("Harry Manager", "harry@northwind.example", "America/St_Johns",
                              organisation="Northwind Ltd"),
            candidate=PartyInput("Asha Rao", "asha@example.org", "Asia/Kolkata"),
            role_title="Senior Data Engineer",
        )
    )
    page, transcript = await open_chat(browser, client, request.client_token, PHONE)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await transcript.get_by_text("Offer interview times").first.wait_for(timeout=TIMEOUT)

    box = page.locator("[data-id='webchat-sendbox-input']")
    await box.fill("set my availability")
    await box.press("Enter")
    await transcript.get_by_text("Your availability").first.wait_for(timeout=TIMEOUT)
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(artifacts / "phone-client-availability-375.png"), full_page=True)
    await fits(page, [SAVE_AVAILABILITY_BUTTON, "Wednesday", "90 minutes", AVAILABILITY_FIELDS["notice_hours"],
                      AVAILABILITY_FIELDS["max_per_day"], "to work until midnight, end at 00:00"])

    await page.get_by_role("button", name=SAVE_AVAILABILITY_BUTTON).last.click()
    await transcript.get_by_text("Saved: from now on candidates book").first.wait_for(timeout=TIMEOUT)
    opening = transcript.get_by_text("Next open times").first
    await opening.wait_for(timeout=TIMEOUT)
    await opening.scroll_into_view_if_needed()
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(artifacts / "phone-client-availability-saved-375.png"), full_page=True)
    view = await services.scheduling.view(request.interview_id)
    latest = await services.availability.page(view.client.id)
    assert latest is not None and latest[0] == 1  # stored, as the form showed it
    opens = await services.availability.preview(view.client.id)
    assert opens
    await fits(page, [format_local_range(t, "America/St_Johns") for t in opens[:3]])
    assert errors == []
