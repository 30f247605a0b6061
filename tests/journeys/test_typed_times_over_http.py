"""Typing a time in the chat, through the real app (dialogs/typed_times.py): a candidate who types
when they could do it is offered the open time ("… is open — book it?") or the nearest open
ones, and books with the button the card of those times has; a client asked for slots types them
("Thu and Fri 10–12") and offers them at one click; in English, Spanish and French, and German
(whose times are not read) keeps its buttons.

Monday 23 November 2026 09:00 UTC is now; the client is in London (UTC+0), the candidate in
Kolkata (UTC+05:30). The client's booking page: weekdays 9–12 and 13–17 London, hourly, an hour's
notice; so Tuesday's first open time is 09:00 UTC, 14:30 in Kolkata."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from scheduling.interview import Stage
from storage.models import Interview
from tests.helpers.cards import all_text, submits, walk
from tests.helpers.clock import Clock
from tests.helpers.interviews import NOW
from tests.helpers.jobs import run_jobs
from tests.journeys.test_booking_page_over_http import (
    HEADERS,
    PAGE,
    Chat,
    candidate_chat,
    invitation_user,
    live_choices,
    requested,
)

# What the candidate reads, in the language their chat speaks (learnt from its locale).
IS_OPEN = {
    "en-GB": "**Tue 24 Nov 2026, 14:30–15:30 IST (Asia/Kolkata)** is open — book it?",
    "es-ES": "**mar., 24 nov. 2026, 14:30–15:30 IST (Asia/Kolkata)** está libre: ¿lo reservo?",
    "fr-FR": "**mar. 24 nov. 2026, 14:30–15:30 IST (Asia/Kolkata)** est libre : je le réserve ?",
}
BOOKED = {
    "en-GB": "Booked: Tue 24 Nov 2026, {time} IST (Asia/Kolkata).",
    "es-ES": "Reservado: mar., 24 nov. 2026, {time} IST (Asia/Kolkata).",
    "fr-FR": "Réservé : mar. 24 nov. 2026, {time} IST (Asia/Kolkata).",
}
NOT_OPEN = {
    "en-GB": "**Tue 24 Nov 2026, 08:00–09:00 IST (Asia/Kolkata)** is not open. These are the nearest open times:",
    "es-ES": "**mar., 24 nov. 2026, 08:00–09:00 IST (Asia/Kolkata)** no está libre. Estos son los horarios "
             "libres más cercanos:",
    "fr-FR": "**mar. 24 nov. 2026, 08:00–09:00 IST (Asia/Kolkata)** n'est pas libre. Voici les créneaux libres "
             "les plus proches :",
}
KOLKATA_TUESDAY_1430 = IS_OPEN["en-GB"]
NOT_READABLE = "Geschriebene Zeiten kann ich auf Englisch, Spanisch und Französisch lesen"


def at(day: int, hour: int) -> str:
    return datetime(2026, 11, day, hour, tzinfo=UTC).isoformat()


async def an_app(app_client: Any, **settings: str) -> TestClient:
    client: TestClient = await app_client(mail=MemoryMail(), clock=Clock(NOW), ASKARSAN_RUN_JOBS="false",
                                          **settings)
    await client.app[RUNTIME].services.ctx.times.warm()  # as the server does at start-up
    return client


async def from_the_page(
    app_client: Any, connector: FakeConnector, **settings: str
) -> tuple[TestClient, Chat, str]:
    """A candidate, Asha, in her chat with the live open times of the client's booking page."""
    client = await an_app(app_client, **settings)
    first = await requested(client, "first")
    put = await client.put(f"/api/v1/clients/{first['client_id']}/availability",
                           data=json.dumps(PAGE), headers=HEADERS)
    assert put.status == 200, await put.text()
    asha = await requested(client, "asha")
    assert asha["times_from"] == "booking_page"
    return client, await candidate_chat(client, connector, asha, "asha"), asha["id"]


async def chat_of(client: TestClient, connector: FakeConnector, link: str, name: str) -> Chat:
    """The chat of the person whose invitation ``link`` is, opened."""
    chat = Chat(client, connector, f"{name}-chat", await invitation_user(client, link.split("t=")[1]))
    await chat.say(type="conversationUpdate", membersAdded=[{"id": chat.user}])
    return chat


async def types(chat: Chat, text: str, locale: str) -> tuple[str, list[dict[str, Any]]]:
    """What the bot answers to ``text``: its messages' text and its cards."""
    before = len(chat.connector.activities(chat.conversation))
    await chat.say(text=text, locale=locale)
    answer = chat.connector.activities(chat.conversation)[before:]
    cards = [a["content"] for activity in answer for a in activity.get("attachments") or []]
    return "\n".join(a.get("text") or "" for a in answer), cards


def book_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in submits(card) if d.get("action") in ("book_time", "pick_slot")]


async def stage_of(client: TestClient, interview_id: str) -> str:
    async with client.app[RUNTIME].sessions() as session:
        return str((await session.get_one(Interview, interview_id)).stage)


@pytest.mark.parametrize(
    ("locale", "typed"),
    [("en-GB", "Tuesday at 14:30"), ("es-ES", "el martes por la tarde"), ("fr-FR", "mardi après-midi")],
)
async def test_a_candidate_types_a_time_is_offered_the_open_one_and_books_it_with_one_click(
    app_client: Any, connector: FakeConnector, database_url: str, locale: str, typed: str
) -> None:
    client, chat, iid = await from_the_page(app_client, connector, DATABASE_URL=database_url)
    live = chat.last_card()
    said, [card] = await types(chat, typed, locale)
    assert said == IS_OPEN[locale]
    first = book_buttons(card)[0]
    # The live times card's own Book data for that time: the same way in, the same use case.
    assert first == {"action": "book_time", "interview_id": iid, "start_20261124": at(24, 9)}
    assert at(24, 9) in live_choices(live)["start_20261124"]
    assert await stage_of(client, iid) == Stage.AWAITING_PICK  # typing alone books nothing

    await chat.say(value=first)
    assert chat.last_text().startswith(BOOKED[locale].format(time="14:30–15:30"))
    assert await stage_of(client, iid) == Stage.SCHEDULED


@pytest.mark.parametrize(
    ("locale", "typed"),
    [("en-GB", "Tuesday at 8am"), ("es-ES", "el martes a las 8"), ("fr-FR", "mardi à 8h")],
)
async def test_a_time_that_is_not_open_gets_the_three_nearest_open_times_to_book(
    app_client: Any, connector: FakeConnector, locale: str, typed: str
) -> None:
    client, chat, iid = await from_the_page(app_client, connector)
    said, [card] = await types(chat, typed, locale)
    assert said == NOT_OPEN[locale]
    # 08:00 IST is 02:30 UTC: Tuesday's first three (5.5 h away and more) are nearer than
    # Monday's last, which ends at 22:30 IST the evening before.
    assert [b["start_20261124"] for b in book_buttons(card)] == [at(24, 9), at(24, 10), at(24, 11)]
    text = all_text(card)
    assert BOOKED[locale].format(time="15:30–16:30").split(": ", 1)[1][:-1] in text  # the time, in full

    await chat.say(value=book_buttons(card)[1])
    assert chat.last_text().startswith(BOOKED[locale].format(time="15:30–16:30"))
    assert await stage_of(client, iid) == Stage.SCHEDULED


async def test_a_time_in_the_past_is_said_and_the_buttons_come_again(
    app_client: Any, connector: FakeConnector
) -> None:
    client, chat, iid = await from_the_page(app_client, connector)
    said, cards = await types(chat, "yesterday at 10", "en-GB")
    # The problem quotes what was typed: literal in markdown (its parentheses escaped).
    assert said.startswith(r'"yesterday at 10" is in the past \(Sun 22 Nov 2026, 10:00 IST \(Asia/Kolkata\)\). '
                           "Please type another time, or use the buttons.")
    assert live_choices(cards[-1])["start_20261124"]  # the live times card again
    assert await stage_of(client, iid) == Stage.AWAITING_PICK


async def test_garbage_while_choosing_is_still_i_didnt_catch_that(
    app_client: Any, connector: FakeConnector
) -> None:
    _, chat, _ = await from_the_page(app_client, connector)
    said, cards = await types(chat, "asdf qwer", "en-GB")
    assert said.startswith("Sorry, I didn't catch that.")
    assert "is open" not in said and live_choices(cards[-1])


async def test_a_german_chat_is_told_its_typed_times_cannot_be_read_and_keeps_the_buttons(
    app_client: Any, connector: FakeConnector
) -> None:
    client, chat, iid = await from_the_page(app_client, connector)
    said, cards = await types(chat, "Dienstag um 15 Uhr", "de-DE")
    assert said.startswith(NOT_READABLE)
    assert "didn't catch" not in said
    assert live_choices(cards[-1])["start_20261124"]  # the buttons remain
    assert await stage_of(client, iid) == Stage.AWAITING_PICK


@pytest.mark.parametrize(
    ("locale", "typed"),
    [("en-GB", "Thu and Fri 10-12"), ("es-ES", "jueves y viernes de 10 a 12"),
     ("fr-FR", "jeudi et vendredi de 10h à 12h")],
)
async def test_a_client_types_slots_offers_them_at_one_click_and_the_candidate_books_one_by_typing(
    app_client: Any, connector: FakeConnector, locale: str, typed: str
) -> None:
    client = await an_app(app_client)
    asked = await requested(client, "asha")  # no booking page: the client is asked for slots
    harry = await chat_of(client, connector, asked["links"]["client"], "harry")
    assert await stage_of(client, asked["id"]) == Stage.AWAITING_SLOTS

    said, [card] = await types(harry, typed, locale)
    assert said == "Offer these 4 times to Asha?"
    text = all_text(card)
    for day in ("Thu 26 Nov 2026", "Fri 27 Nov 2026"):
        for hours in ("10:00–11:00", "11:00–12:00"):
            assert f"{day}, {hours} GMT (Europe/London)" in text
    [offer] = [d for d in submits(card) if d["action"] == "offer_slots"]
    # The offer card's own rows, so the one offer use case and its rules take them.
    assert offer == {
        "action": "offer_slots", "interview_id": asked["id"], "zone": "Europe/London",
        "slot_1_date": "2026-11-26", "slot_1_time": "10:00", "slot_2_date": "2026-11-26", "slot_2_time": "11:00",
        "slot_3_date": "2026-11-27", "slot_3_time": "10:00", "slot_4_date": "2026-11-27", "slot_4_time": "11:00",
    }
    assert await stage_of(client, asked["id"]) == Stage.AWAITING_SLOTS  # typing alone offers nothing

    await harry.say(value=offer)
    assert harry.last_text().startswith("Thanks! I've sent 4 slots to Asha")
    assert await stage_of(client, asked["id"]) == Stage.AWAITING_PICK

    # The candidate gets them, and types one of them: it is the offered slot, picked as the pick
    # card picks it.
    asha = await chat_of(client, connector, asked["links"]["candidate"], "asha")
    await run_jobs(client.app[RUNTIME].runner)
    pick_card = asha.last_card()
    offered = [c["value"] for c in _choices(pick_card, "slot_id")]
    assert len(offered) == 4
    said, [card] = await types(asha, "Friday at 16:30", "en-GB")  # 11:00 London
    assert said == "**Fri 27 Nov 2026, 16:30–17:30 IST (Asia/Kolkata)** is open — book it?"
    [first, *_] = book_buttons(card)
    assert first["action"] == "pick_slot" and first["slot_id"] in offered
    await asha.say(value=first)
    assert asha.last_text().startswith("Booked: Fri 27 Nov 2026, 16:30–17:30 IST (Asia/Kolkata).")
    assert await stage_of(client, asked["id"]) == Stage.SCHEDULED


def _choices(card: dict[str, Any], input_id: str) -> list[dict[str, Any]]:
    return [c for e in walk(card) if e.get("id") == input_id for c in e.get("choices", [])]


async def test_a_time_beyond_the_cards_first_page_of_open_times_is_found_open(
    app_client: Any, connector: FakeConnector
) -> None:
    _, chat, iid = await from_the_page(app_client, connector)
    assert "start_20261127" not in live_choices(chat.last_card())  # the card lists Mon and Tue only
    said, [card] = await types(chat, "Friday at 15:30", "en-GB")
    assert said == "**Fri 27 Nov 2026, 15:30–16:30 IST (Asia/Kolkata)** is open — book it?"
    [first] = book_buttons(card)
    assert first == {"action": "book_time", "interview_id": iid, "start_20261127": at(27, 10)}


async def test_while_the_reader_is_still_being_built_the_candidate_is_asked_to_wait_or_use_the_buttons(
    app_client: Any, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, chat, iid = await from_the_page(app_client, connector)
    # The first seconds after start-up: the models are built once per process and cannot be
    # unbuilt, so "not built yet" is what the reader's check answers here.
    monkeypatch.setattr("services.times.ready", lambda language: False)
    said, cards = await types(chat, "Tuesday at 14:30", "en-GB")
    assert said.startswith("I'm still getting ready to read typed times: give me a few seconds")
    assert live_choices(cards[-1])["start_20261124"]  # the buttons meanwhile
    assert await stage_of(client, iid) == Stage.AWAITING_PICK


async def test_a_client_typing_a_time_too_short_for_the_interview_is_told_why_and_gets_the_offer_card_again(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await an_app(app_client)
    asked = await requested(client, "asha")
    harry = await chat_of(client, connector, asked["links"]["client"], "harry")
    said, cards = await types(harry, "Thursday 10:00-10:30", "en-GB")
    assert said.startswith(r'"thursday 10:00-10:30" leaves less than 60 minutes \(Thu 26 Nov 2026, 10:00–10:30 GMT '
                           r"\(Europe/London\)\). Please type another time, or fill in the card.")
    assert [d for c in cards for d in submits(c) if d == {"action": "offer_slots", "interview_id": asked["id"]}]
    assert not [d for c in cards for d in submits(c) if d.get("action") == "offer_slots" and "slot_1_date" in d]
    assert await stage_of(client, asked["id"]) == Stage.AWAITING_SLOTS


async def test_a_time_that_is_not_open_can_be_sent_to_the_client_as_the_candidates_own_time(
    app_client: Any, connector: FakeConnector
) -> None:
    client, chat, iid = await from_the_page(app_client, connector)
    _, [card] = await types(chat, "Tuesday at 8am", "en-GB")
    [ask] = [d for d in submits(card) if d.get("action") == "propose_times"]
    assert ask == {"action": "propose_times", "interview_id": iid, "windows": "Tuesday at 8am"}

    await chat.say(value=ask, locale="en-GB")
    assert "the times you proposed, as I read them" in chat.last_text()
    assert "Tue 24 Nov 2026, 08:00–09:00 IST" in chat.last_text()
    async with client.app[RUNTIME].sessions() as session:
        interview = await session.get_one(Interview, iid)
    # Read as one window (08:00–09:00 Kolkata = 02:30–03:30 UTC) for the client to book.
    assert [w[0][:16] for w in interview.candidate_windows["windows"]] == ["2026-11-24T02:30"]
