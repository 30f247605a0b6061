"""The chat page and the tracker on a phone (375 × 812 CSS pixels, an iPhone's): nothing wider
than the screen, every offered time readable in full, card labels whole. Measured on the rendered
page (bounding boxes of the text itself), never on the style sheets. Screenshots at desktop and
phone size are saved in test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import RUNTIME
from scheduling.interview import Role
from scheduling.rules import SlotRequest
from scheduling.zones import format_local_range
from services import Actor, PartyInput
from services.scheduling import InterviewRequest
from tests.helpers.tracker import PASSWORD

pytestmark = pytest.mark.browser

TIMEOUT = 30_000
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
SIZES = [pytest.param(PHONE, id="phone-375"), pytest.param(DESKTOP, id="desktop-1280")]

# Where a text is drawn, against the viewport and every box on its way up that can clip it
# (overflow other than visible, or an ellipsis): what the eye can see of it, whatever the CSS says.
# Web Chat also writes each message for screen readers into a live region and into boxes of one
# pixel that clip it (visually hidden): those copies are not what the eye reads.
HIDDEN = """
  const hidden = (node) => {
    for (let el = node.parentElement; el; el = el.parentElement) {
      if (String(el.className).includes('live-region')) return true;
      const box = el.getBoundingClientRect();
      if (getComputedStyle(el).overflow === 'hidden' && (box.width <= 1 || box.height <= 1)) return true;
    }
    return false;
  };
"""
CLIPPED = """(needle) => {""" + HIDDEN + """  const root = document.querySelector('.webchat__basic-transcript') || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const found = [];
  let node;
  while ((node = walker.nextNode())) {
    const at = node.textContent.indexOf(needle);
    if (at < 0 || hidden(node)) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + needle.length);
    const rects = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
    if (!rects.length) continue;
    const outside = (r, left, right) => r.left < left - 0.5 || r.right > right + 0.5;
    let clippedBy = rects.some(r => outside(r, 0, window.innerWidth)) ? 'the screen' : null;
    for (let el = node.parentElement; el && !clippedBy && el !== document.body; el = el.parentElement) {
      const style = getComputedStyle(el);
      if (style.overflowX === 'visible' && style.textOverflow !== 'ellipsis') continue;
      const box = el.getBoundingClientRect();
      if (rects.some(r => outside(r, box.left, box.right)))
        clippedBy = `${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} (${box.left}–${box.right} px)`;
    }
    found.push({clippedBy, lines: rects.length, left: rects[0].left, right: Math.max(...rects.map(r => r.right))});
  }
  return found;
}"""

# The lines a word is drawn on: one line box per line it occupies.
LINES_OF_WORD = """(word) => {""" + HIDDEN + """  const root = document.querySelector('.webchat__basic-transcript') || document.body;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const lines = [];
  let node;
  while ((node = walker.nextNode())) {
    const at = node.textContent.indexOf(word);
    if (at < 0 || hidden(node)) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + word.length);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (tops.size) lines.push(tops.size);
  }
  return lines;
}"""

PAGE_WIDTH = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def weekday(days_ahead: int) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def candidate_with_three_slots(client: Any) -> tuple[str, str, list[str]]:
    """An interview in Kolkata time with three offered slots: (candidate token, interview id, the
    slots as the candidate's card writes them)."""
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
    view = await services.scheduling.view(request.interview_id)
    day = weekday(3)
    result = await services.scheduling.offer_slots(
        Actor(Role.CLIENT, view.client.id), request.interview_id,
        [SlotRequest(day, time(hour), "Europe/London") for hour in (9, 11, 14)],
    )
    assert len(result.accepted) == 3, result.refused
    shown = [format_local_range(slot, "Asia/Kolkata") for slot in result.accepted]
    return request.candidate_token, request.interview_id, shown


async def open_chat(browser: Any, client: Any, token: str, viewport: dict[str, int]) -> tuple[Any, Any]:
    page = await browser.new_page(viewport=viewport)
    await page.goto(str(client.make_url(f"/chat?t={token}")))
    transcript = page.locator(".webchat__basic-transcript")
    return page, transcript


async def choose(page: Any, slot_text: str) -> None:
    """Pick a slot the way a person would: tap it, and confirm when the card asks for that."""
    await page.get_by_text(slot_text, exact=True).first.click()
    book = page.get_by_role("button", name=re.compile("^Book this time"))
    if await book.count():
        await book.first.click()


@pytest.mark.parametrize("viewport", SIZES)
async def test_candidate_on_a_phone_reads_every_offered_time_in_full_and_books_one(
    dl_client: Any, browser: Any, artifacts: Path, viewport: dict[str, int]
) -> None:
    client = await dl_client()
    token, _, shown = await candidate_with_three_slots(client)
    page, transcript = await open_chat(browser, client, token, viewport)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await transcript.get_by_text("Pick a time for your interview").first.wait_for(timeout=TIMEOUT)
    await page.wait_for_timeout(300)
    size = f"{viewport['width']}"
    await page.screenshot(path=str(artifacts / f"phone-candidate-slots-{size}.png"), full_page=True)

    width, screen = await page.evaluate(PAGE_WIDTH)
    assert width <= screen, f"the chat page is {width} px wide on a {screen} px screen"
    for slot in shown:
        drawn = await page.evaluate(CLIPPED, slot)
        assert drawn, f"{slot!r} is not on the card"
        assert all(d["clippedBy"] is None for d in drawn), f"{slot!r} is cut off by {[d['clippedBy'] for d in drawn]}"

    await choose(page, shown[1])
    await transcript.get_by_text("Your interview is booked").first.wait_for(timeout=TIMEOUT)
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(artifacts / f"phone-candidate-booked-{size}.png"), full_page=True)
    width, screen = await page.evaluate(PAGE_WIDTH)
    assert width <= screen, f"the chat page is {width} px wide on a {screen} px screen"
    # The confirmation's labels: each word on one line (a label may wrap between words, never
    # inside one: "Durat/ion" is what the phone showed).
    for label in ("When", "Duration", "Format", "Where", "With"):
        lines = await page.evaluate(LINES_OF_WORD, label)
        assert lines, f"the label {label!r} is not on the card"
        assert max(lines) == 1, f"the label {label!r} is broken over {max(lines)} lines"
    booked = (await page.evaluate(CLIPPED, shown[1]))
    assert booked and all(d["clippedBy"] is None for d in booked), [d["clippedBy"] for d in booked]
    assert errors == []


async def signed_in_tracker(browser: Any, client: Any, viewport: dict[str, int]) -> Any:
    page = await browser.new_page(viewport=viewport)
    await page.goto(str(client.make_url("/tracker/login")))
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r".*/tracker$"))
    return page


@pytest.mark.parametrize("viewport", SIZES)
async def test_the_tracker_fits_a_phone_screen_and_its_header_spans_it(
    dl_client: Any, browser: Any, artifacts: Path, viewport: dict[str, int]
) -> None:
    client = await dl_client(ASKARSAN_TRACKER_PASSWORD=PASSWORD)
    _, interview_id, _ = await candidate_with_three_slots(client)
    services = client.app[RUNTIME].services
    for name, zone in (("Tomás Silva", "America/Sao_Paulo"), ("Mei Chen", "Asia/Singapore")):
        await services.scheduling.request_interview(
            InterviewRequest(
                recruiter=PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
                client=PartyInput("Gina Ortega", "gina@globex.example", "America/New_York",
                                  organisation="Globex Corporation International"),
                candidate=PartyInput(name, f"{name.split()[0].lower()}@mail.example", zone),
                role_title="Principal Platform Reliability Engineer",
            )
        )
    page = await signed_in_tracker(browser, client, viewport)
    size = f"{viewport['width']}"
    pages = {"pipeline": "/tracker", "interview": f"/tracker/interviews/{interview_id}", "kpis": "/tracker/kpis"}
    for name, path in pages.items():
        await page.goto(str(client.make_url(path)))
        await page.wait_for_load_state("networkidle")
        await page.screenshot(path=str(artifacts / f"phone-tracker-{name}-{size}.png"), full_page=True)
        width, screen = await page.evaluate(PAGE_WIDTH)
        assert width <= screen, f"the tracker's {name} page is {width} px wide on a {screen} px screen"
        header = await page.locator("header.top").bounding_box()
        assert header is not None and abs(header["width"] - screen) < 1, (name, header)
    # Every row of the pipeline is still there to read on the phone, with its candidate.
    await page.goto(str(client.make_url("/tracker")))
    for candidate in ("Asha Rao", "Tomás Silva", "Mei Chen"):
        drawn = await page.evaluate(CLIPPED, candidate)
        assert drawn and all(d["clippedBy"] is None for d in drawn), (candidate, drawn)


async def test_client_on_a_phone_reads_the_offer_card_and_its_buttons_in_full(
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
    page, transcript = await open_chat(browser, client, request.client_token, PHONE)
    await transcript.get_by_text("Offer interview times").first.wait_for(timeout=TIMEOUT)
    await page.wait_for_timeout(300)
    await page.screenshot(path=str(artifacts / "phone-client-offer-375.png"), full_page=True)
    width, screen = await page.evaluate(PAGE_WIDTH)
    assert width <= screen, f"the chat page is {width} px wide on a {screen} px screen"
    for words in ("Send these to the candidate", "Times must follow these rules", "Asha Rao"):
        drawn = await page.evaluate(CLIPPED, words)
        assert drawn and all(d["clippedBy"] is None for d in drawn), (words, drawn)
    for label in ("Candidate", "Role", "Duration", "Format"):
        lines = await page.evaluate(LINES_OF_WORD, label)
        assert lines and max(lines) == 1, f"the label {label!r} is broken over {max(lines or [0])} lines"
