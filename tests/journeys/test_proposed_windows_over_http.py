"""A candidate's "none of these work" through the real app, over HTTP: their words are read as
windows in their zone and language, the client (web chat, and the e-mail they get) sees each window
in their own zone with the candidate's alongside and books one with a click, both are told; words
that cannot be read still reach the client as written; a stale click books nothing and says why.

Requested Monday 23 Nov 2026 09:00 UTC; the client in Europe/London (GMT, working 09:00–18:00), the
candidate in Asia/Kolkata (IST, UTC+05:30); the client first offered Wednesday 10:00."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from scheduling.interview import Role, Stage
from scheduling.rules import SlotRequest
from services import PartyInput
from services.requests import request_interview
from services.scheduling import Actor, offer_slots, pick_slot
from storage.models import Booking, Interview, Slot
from tests.helpers.cards import submits
from tests.helpers.clock import Clock
from tests.helpers.interviews import NOW, WEDNESDAY, a_request
from tests.helpers.journeys import Journey, invitation_user
from tests.helpers.tracker import password_config, sign_in

# "Mon–Wed after 14:00" in Kolkata, read on Monday 23 Nov at 14:30 IST: next Monday to Wednesday,
# 14:00 to the end of the candidate's day (20:00 IST), i.e. 08:30–14:30 GMT in London.
MONDAY_WINDOW = "Mon 30 Nov 2026, 08:30–14:30 GMT (Europe/London) your time (14:00–20:00 IST for Asha Candidate)"
FIRST_FIT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # the first half hour inside London's 09:00–18:00
TUESDAY_FIT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

# The same words in each language the journey runs in, with the chat's locale.
SAID = {
    "en-IN": "Mon–Wed after 14:00",
    "es-ES": "de lunes a miércoles después de las 14:00",
}
# How the candidate is told their words were read, in their chat's language.
READ_AS = {
    "en-IN": ("Thanks. I've sent Harry Manager the times you proposed", "Mon 30 Nov 2026, 14:00–20:00 IST",
              "Wed 2 Dec 2026, 14:00–20:00 IST", "Your interview is booked: Mon 30 Nov 2026, 14:30–15:30 IST"),
    "es-ES": ("Gracias. He enviado a Harry Manager los horarios que propusiste", "lun., 30 nov. 2026, 14:00–20:00 IST",
              "mié., 2 dic. 2026, 14:00–20:00 IST", "Tu entrevista está reservada: lun., 30 nov. 2026, 14:30–15:30 IST"),
}


async def awaiting_pick(app_client: Any, connector: FakeConnector) -> tuple[Journey, str, Actor]:
    """The client has offered Wednesday 10:00 London; both chats are open and the jobs have run."""
    clock = Clock(NOW)
    mail = MemoryMail()
    client = await app_client(mail=mail, clock=clock, ASKARSAN_RUN_JOBS="false", tracker=password_config())
    j = Journey(client, connector, clock)
    j.mail = mail
    await j.runtime.services.ctx.times.warm()
    sessions = j.runtime.sessions
    request = a_request(recruiter=PartyInput("Rita Recruiter", None, "Europe/London", teams_user_id="rita"))
    result = await request_interview(sessions, request, NOW)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
        client_actor = Actor(Role.CLIENT, interview.client_id)
    await offer_slots(sessions, client_actor, result.interview_id,
                      [SlotRequest(WEDNESDAY, time(10), "Europe/London")], NOW)
    await j.say("rec", "rita", channel="emulator", text="help")
    j.client_user = await invitation_user(client, result.client_token)
    j.candidate_user = await invitation_user(client, result.candidate_token)
    await j.opens_chat("client-chat", j.client_user)
    await j.opens_chat("cand-chat", j.candidate_user)
    await j.run_jobs(NOW)
    return j, result.interview_id, client_actor


async def proposes(j: Journey, interview_id: str, words: str, locale: str = "en-IN") -> list[dict[str, Any]]:
    """The candidate presses "None of these work" and sends their own words; what the bot answers."""
    before = len(j.connector.activities("cand-chat"))
    await j.say("cand-chat", j.candidate_user, locale=locale,
                value={"action": "propose_times", "interview_id": interview_id, "windows": words})
    return j.connector.activities("cand-chat")[before:]


def everything(j: Journey, conversation: str) -> str:
    return json.dumps(j.connector.activities(conversation), ensure_ascii=False)


def accept_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in submits(card) if d.get("action") == "accept_window"]


def offer_card(j: Journey) -> dict[str, Any]:
    """The client's latest ask for slots."""
    return next(c for c in reversed(j.cards("client-chat")) if "Offer interview times" in json.dumps(c))


async def stage_and_start(j: Journey, interview_id: str) -> tuple[str, datetime | None]:
    async with j.runtime.sessions() as session:
        interview = await session.get_one(Interview, interview_id)
        start = interview.starts_at.replace(tzinfo=UTC) if interview.starts_at else None
        return str(interview.stage), start


async def bookings(j: Journey, interview_id: str) -> int:
    async with j.runtime.sessions() as session:
        return int(await session.scalar(
            select(func.count()).select_from(Booking)
            .where(Booking.interview_id == interview_id, Booking.status == "active")
        ) or 0)


@pytest.mark.parametrize("locale", list(SAID))
async def test_mon_to_wed_after_two_becomes_windows_the_client_books_with_one_click(
    app_client: Any, connector: FakeConnector, locale: str
) -> None:
    j, iid, _ = await awaiting_pick(app_client, connector)

    # The candidate is told how their words were read, in their own zone.
    answer = await proposes(j, iid, SAID[locale], locale)
    said = answer[0]["text"]
    thanks, monday, wednesday, booked = READ_AS[locale]
    assert said.startswith(thanks)
    assert f"{monday} (Asia/Kolkata)" in said and f"{wednesday} (Asia/Kolkata)" in said
    assert (await stage_and_start(j, iid))[0] == Stage.AWAITING_SLOTS

    # The client sees each window in London time with Kolkata's alongside, and their words.
    await j.run_jobs(NOW)
    card = offer_card(j)
    shown = json.dumps(card, ensure_ascii=False)
    assert MONDAY_WINDOW in shown
    assert "Wed 2 Dec 2026, 08:30–14:30 GMT (Europe/London) your time (14:00–20:00 IST" in shown
    assert f"“{SAID[locale]}”" in shown
    buttons = accept_buttons(card)
    assert [b["start"] for b in buttons] == [
        FIRST_FIT.isoformat(), TUESDAY_FIT.isoformat(), datetime(2026, 12, 2, 9, 0, tzinfo=UTC).isoformat()
    ]
    titles = [a["title"] for a in _actions(card) if a.get("data", {}).get("action") == "accept_window"]
    assert titles[0] == "Book 09:00–10:00"

    # One click books Monday 09:00–10:00 London (14:30–15:30 in Kolkata).
    await j.say("client-chat", j.client_user, value=buttons[0])
    assert j.texts("client-chat")[-1].startswith("Booked: Mon 30 Nov 2026, 09:00–10:00 GMT (Europe/London)")
    assert await stage_and_start(j, iid) == (Stage.SCHEDULED, FIRST_FIT)
    assert await bookings(j, iid) == 1

    # Both are told: each gets the confirmation in their own zone, and the invitation mail.
    await j.run_jobs(NOW)
    assert f"{booked} (Asia/Kolkata)" in everything(j, "cand-chat")
    assert "Mon 30 Nov 2026, 09:00–10:00 GMT (Europe/London)" in everything(j, "client-chat")
    assert {to for m in j.mail.sent for to in m.to} >= {"hm@client.example", "asha@example.org"}

    # The tracker's interview page shows the windows in both zones.
    await sign_in(j.client)
    page = await (await j.client.get(f"/tracker/interviews/{iid}")).text()
    assert "Mon 30 Nov 2026, 08:30–14:30 GMT (Europe/London)" in page
    assert "Mon 30 Nov 2026, 14:00–20:00 IST (Asia/Kolkata)" in page


def _actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_words_that_name_no_time_still_reach_the_client_as_written(
    app_client: Any, connector: FakeConnector
) -> None:
    j, iid, _ = await awaiting_pick(app_client, connector)
    answer = await proposes(j, iid, "whenever Harry prefers, I'm flexible")
    assert answer[0]["text"].startswith("Thanks. I've passed your words to Harry Manager as you wrote them")
    await j.run_jobs(NOW)
    card = offer_card(j)
    assert "“whenever Harry prefers, I'm flexible”" in json.dumps(card, ensure_ascii=False)
    assert accept_buttons(card) == []
    assert (await stage_and_start(j, iid))[0] == Stage.AWAITING_SLOTS


async def test_a_past_day_goes_back_to_the_candidate_who_corrects_it_and_the_client_sees_the_correction(
    app_client: Any, connector: FakeConnector
) -> None:
    j, iid, _ = await awaiting_pick(app_client, connector)
    answer = await proposes(j, iid, "Friday 20 November at 10")  # last Friday
    [form] = [a["content"] for act in answer for a in act.get("attachments") or []]
    shown = json.dumps(form, ensure_ascii=False)
    assert "is in the past (Fri 20 Nov 2026, 10:00 IST (Asia/Kolkata))" in shown
    assert "Friday 20 November at 10" in [e.get("value") for e in form["body"]]  # theirs to correct
    assert "Harry Manager as you wrote them" in answer[0]["text"]  # nothing is lost meanwhile
    [resend] = [d for d in submits(form) if d["action"] == "propose_times"]

    await j.run_jobs(NOW)
    stale = accept_buttons(offer_card(j))
    assert stale == []  # nothing was read: no button
    await j.say("cand-chat", j.candidate_user, locale="en-IN", value={**resend, "windows": "Tuesday 1 Dec after 14:00"})
    assert "Tue 1 Dec 2026, 14:00–20:00 IST (Asia/Kolkata)" in j.texts("cand-chat")[-1]
    await j.run_jobs(NOW)
    [button] = accept_buttons(offer_card(j))
    assert button["start"] == TUESDAY_FIT.isoformat()


async def test_a_stale_click_books_nothing_and_says_why(app_client: Any, connector: FakeConnector) -> None:
    j, iid, _ = await awaiting_pick(app_client, connector)
    await proposes(j, iid, "Mon–Wed after 14:00")
    await j.run_jobs(NOW)
    first = accept_buttons(offer_card(j))

    # The candidate corrects their times: the buttons of the card before no longer book.
    await proposes(j, iid, "Tuesday 1 Dec after 14:00")
    await j.say("client-chat", j.client_user, value=first[0])
    assert j.texts("client-chat")[-1].startswith("The candidate has proposed other times since")
    assert await bookings(j, iid) == 0

    # One of the new windows is booked; a second click on another window is refused.
    await j.run_jobs(NOW)
    [tuesday] = accept_buttons(offer_card(j))
    await j.say("client-chat", j.client_user, value=tuesday)
    await j.say("client-chat", j.client_user, value=tuesday)  # a retried click
    assert j.texts("client-chat")[-1].startswith("Already booked for Tue 1 Dec 2026, 09:00–10:00 GMT")
    await j.say("client-chat", j.client_user, value={**tuesday, "start": "2026-12-01T11:00:00+00:00"})
    assert j.texts("client-chat")[-1] == (
        "The candidate's proposed times are no longer open: this interview is scheduled. Nothing was booked."
    )
    assert await stage_and_start(j, iid) == (Stage.SCHEDULED, TUESDAY_FIT)
    assert await bookings(j, iid) == 1


async def test_a_click_for_a_time_taken_meanwhile_is_refused_with_the_reason(
    app_client: Any, connector: FakeConnector
) -> None:
    j, iid, client_actor = await awaiting_pick(app_client, connector)
    await proposes(j, iid, "Monday after 14:00")
    await j.run_jobs(NOW)
    [button] = accept_buttons(offer_card(j))
    # Meanwhile Harry's Monday 09:00 goes to another candidate's interview.
    sessions = j.runtime.sessions
    other = await request_interview(
        sessions, a_request(candidate_email="other@example.org", candidate_name="Other Person"), NOW
    )
    await offer_slots(sessions, client_actor, other.interview_id,
                      [SlotRequest(FIRST_FIT.date(), time(9), "Europe/London")], NOW)
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == other.interview_id))
        their = Actor(Role.CANDIDATE, (await session.get_one(Interview, other.interview_id)).candidate_id)
    assert slot_id is not None
    await pick_slot(sessions, their, other.interview_id, slot_id, NOW)

    await j.say("client-chat", j.client_user, value=button)
    said = j.texts("client-chat")[-1]
    assert "overlaps time that is already booked" in said and said.endswith("Nothing was booked.")
    assert (await stage_and_start(j, iid))[0] == Stage.AWAITING_SLOTS
    # The card comes again with what is still open in the window: 10:00 now.
    [again] = accept_buttons(j.cards("client-chat")[-1])
    assert again["start"] == datetime(2026, 11, 30, 10, 0, tzinfo=UTC).isoformat()
