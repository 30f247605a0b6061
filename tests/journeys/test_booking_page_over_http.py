"""Booking from the client's booking page, end to end through the real app on SQLite and
PostgreSQL: an ATS sets the client's page once (JSON API), two candidates requested afterwards
book live times in their web chats without the client acting, one reschedules to another live
time, and each booking is confirmed to both sides. The candidates talk as web chat users bound to
their invitations; replies and proactive cards reach a loopback connector, mails an in-memory
gateway.

Monday 23 November 2026 09:00 UTC is now; London is UTC+0 then, Kolkata UTC+05:30."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from scheduling.interview import Stage
from storage.models import Booking, Interview
from tests.helpers.activities import user_activity
from tests.helpers.cards import all_text, submits, walk
from tests.helpers.clock import Clock
from tests.helpers.http import AUTH, post
from tests.helpers.interviews import NOW
from tests.helpers.jobs import run_jobs
from tests.helpers.journeys import invitation_user

HEADERS = {**AUTH, "Content-Type": "application/json"}
CLIENT = {"name": "Harry Manager", "email": "hm@client.example", "zone": "Europe/London"}
PAGE: dict[str, Any] = {
    "zone": "Europe/London",
    "weekly": {
        day: [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri")
    },
    "rules": {"durations_minutes": [60], "min_notice_minutes": 60, "step_minutes": 60},
}


def a_request(candidate: str) -> dict[str, Any]:
    return {
        "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
        "client": CLIENT,
        "candidate": {"name": candidate.title(), "email": f"{candidate}@example.org", "zone": "Asia/Kolkata"},
        "role_title": "Data Engineer",
    }


def at(day: int, hour: int) -> str:
    return datetime(2026, 11, day, hour, tzinfo=UTC).isoformat()


def live_choices(card: dict[str, Any]) -> dict[str, list[str]]:
    """The card's live times: one choice input per day → the ISO starts it offers."""
    return {
        e["id"]: [c["value"] for c in e["choices"]]
        for e in walk(card)
        if e.get("type") == "Input.ChoiceSet" and str(e.get("id", "")).startswith("start_")
    }


class Chat:
    def __init__(self, client: TestClient, connector: FakeConnector, conversation: str, user: str) -> None:
        self.client, self.connector, self.conversation, self.user = client, connector, conversation, user

    async def say(self, **fields: Any) -> None:
        body = user_activity(self.connector.url, self.conversation, self.user, channelId="directline", **fields)
        status, answer = await post(self.client, body)
        assert status in (200, 201), answer

    def last_card(self) -> dict[str, Any]:
        for activity in reversed(self.connector.activities(self.conversation)):
            for attachment in activity.get("attachments") or []:
                if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                    return dict(attachment["content"])
        raise AssertionError("no card in the chat")

    def last_text(self) -> str:
        return self.connector.texts(self.conversation)[-1]

    async def book(self, interview_id: str, start: str) -> None:
        card = self.last_card()
        [day] = [k for k, starts in live_choices(card).items() if start in starts] or [
            f"start_{start[:10].replace('-', '')}"  # a time the card no longer lists (stale)
        ]
        await self.say(value={"action": "book_time", "interview_id": interview_id, day: start})


async def candidate_chat(
    client: TestClient, connector: FakeConnector, answer: dict[str, Any], name: str
) -> Chat:
    token = answer["links"]["candidate"].split("t=")[1]
    chat = Chat(client, connector, f"{name}-chat", await invitation_user(client, token))
    await chat.say(type="conversationUpdate", membersAdded=[{"id": chat.user}])
    return chat


async def requested(client: TestClient, candidate: str) -> dict[str, Any]:
    created = await client.post("/api/v1/interviews", data=json.dumps(a_request(candidate)), headers=HEADERS)
    assert created.status == 201, await created.text()
    return dict(await created.json())


async def test_two_candidates_book_and_one_reschedules_from_the_page_without_the_client_acting(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    mail = MemoryMail()
    clock = Clock(NOW)
    client = await app_client(DATABASE_URL=database_url, mail=mail, clock=clock, ASKARSAN_RUN_JOBS="false")
    runner = client.app[RUNTIME].runner

    # The client's first interview names them (no page yet: they are asked for slots); the ATS
    # then sets their page once.
    first = await requested(client, "first")
    assert first["times_from"] == "offered_by_client"
    put = await client.put(
        f"/api/v1/clients/{first['client_id']}/availability", data=json.dumps(PAGE), headers=HEADERS
    )
    assert put.status == 200, await put.text()
    await run_jobs(runner)
    asks_before = len(mail.to(CLIENT["email"]))

    # Two candidates are requested afterwards: straight to them, from the page.
    asha, bo = await requested(client, "asha"), await requested(client, "bo")
    assert asha["times_from"] == bo["times_from"] == "booking_page"
    state = await (await client.get(f"/api/v1/interviews/{asha['id']}", headers=AUTH)).json()
    assert (state["stage"], state["page_version"]) == (Stage.AWAITING_PICK.value, 1)
    await run_jobs(runner)
    [invite] = mail.to("asha@example.org")
    assert "/chat?t=" in invite.text

    # Asha opens her chat: the live times in her zone, grouped by her days.
    asha_chat = await candidate_chat(client, connector, asha, "asha")
    card = asha_chat.last_card()
    days = live_choices(card)
    assert list(days) == ["start_20261123", "start_20261124"]
    assert days["start_20261123"][:2] == [at(23, 10), at(23, 11)]
    assert "15:30–16:30 IST" in all_text(card)  # 10:00 London, as Kolkata reads it
    assert {"action": "more_times", "interview_id": asha["id"], "after": at(24, 10)} in submits(card)
    await asha_chat.book(asha["id"], at(24, 10))
    assert asha_chat.last_text().startswith("Booked: Tue 24 Nov 2026, 15:30–16:30 IST")

    # Bo's card (opened after) no longer lists it; his stale pick of it is refused with what is open.
    bo_chat = await candidate_chat(client, connector, bo, "bo")
    assert at(24, 10) not in live_choices(bo_chat.last_card())["start_20261124"]
    await bo_chat.book(bo["id"], at(24, 10))
    retry = bo_chat.last_card()
    assert "That time was just taken. Here is what is still open." in all_text(retry)
    assert live_choices(retry)["start_20261124"] == [at(24, 9), at(24, 11)]
    # "Later dates" pages on from the last time listed.
    later = [s for s in submits(retry) if s.get("action") == "more_times"]
    assert later == [{"action": "more_times", "interview_id": bo["id"], "after": at(24, 11)}]
    await bo_chat.say(value=later[0])
    assert live_choices(bo_chat.last_card())["start_20261124"][0] == at(24, 13)
    await bo_chat.say(value={"action": "more_times", "interview_id": bo["id"]})
    await bo_chat.book(bo["id"], at(23, 11))
    assert bo_chat.last_text().startswith("Booked: Mon 23 Nov 2026, 16:30–17:30 IST")
    await run_jobs(runner)

    # Both bookings are confirmed to both sides by e-mail with the invitation; the client was
    # asked nothing.
    client_mails = mail.to(CLIENT["email"])[asks_before:]
    assert len(client_mails) == 2 and all(m.attachments for m in client_mails)
    assert [len(mail.to(f"{who}@example.org")) for who in ("asha", "bo")] == [2, 2]

    # Asha reschedules: her time is released and she picks another live time herself.
    await asha_chat.say(value={"action": "reschedule", "interview_id": asha["id"], "confirm": "yes",
                               "reason": "a clash at work"})
    assert asha_chat.last_text().endswith("Pick a new time on the card that follows.")
    await run_jobs(runner)
    moved = asha_chat.last_card()
    assert at(24, 10) in live_choices(moved)["start_20261124"]  # hers again, released
    assert at(23, 11) not in live_choices(moved)["start_20261123"]  # Bo's
    await asha_chat.book(asha["id"], at(24, 9))
    await run_jobs(runner)

    async with client.app[RUNTIME].sessions() as session:
        interviews = {i.id: i for i in await session.scalars(select(Interview))}
        active = {b.interview_id: b.start for b in await session.scalars(
            select(Booking).where(Booking.status == "active"))}
    assert interviews[first["id"]].stage == Stage.AWAITING_SLOTS.value
    assert {k: v.isoformat() for k, v in active.items()} == {bo["id"]: at(23, 11), asha["id"]: at(24, 9)}
    # The client was told of the move, with the moved invitation, and asked for nothing.
    moved_mails = mail.to(CLIENT["email"])[asks_before + 2:]
    assert moved_mails and all("offer" not in m.subject.lower() for m in moved_mails)
    assert any("moved" in m.subject.lower() or "rescheduled" in m.subject.lower() for m in moved_mails)


async def test_the_candidate_changes_their_zone_in_the_chat_and_the_browsers_is_offered(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    client = await app_client(DATABASE_URL=database_url, mail=MemoryMail(), clock=Clock(NOW),
                              ASKARSAN_RUN_JOBS="false")
    first = await requested(client, "first")
    await client.put(f"/api/v1/clients/{first['client_id']}/availability", data=json.dumps(PAGE), headers=HEADERS)
    asha = await requested(client, "asha")
    token = asha["links"]["candidate"].split("t=")[1]
    chat = Chat(client, connector, "asha-chat", await invitation_user(client, token))
    # Web Chat reports the browser's zone on each activity.
    await chat.say(type="conversationUpdate", membersAdded=[{"id": chat.user}], localTimezone="Europe/Paris")
    card = chat.last_card()
    offer = {"action": "set_zone", "interview_id": asha["id"], "zone": "Europe/Paris"}
    assert offer in submits(card) and "15:30–16:30 IST" in all_text(card)

    await chat.say(value={"action": "set_zone", "interview_id": asha["id"], "zone": "Mars/Olympus"})
    assert "Nothing was changed" in chat.last_text()
    await chat.say(value=offer, localTimezone="Europe/Paris")
    assert "Done: I'll show you times in **Europe/Paris** from now on." in connector.texts("asha-chat")[-2:]
    card = chat.last_card()
    assert "11:00–12:00 CET" in all_text(card)  # 10:00 London
    assert offer not in submits(card)  # the browser's zone is the one in use now
    async with client.app[RUNTIME].sessions() as session:
        from storage.models import Party

        zone = await session.scalar(select(Party.timezone).where(Party.id == asha["candidate_id"]))
    assert zone == "Europe/Paris"


async def test_a_candidate_who_has_not_picked_is_reminded_with_the_live_times(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    clock = Clock(NOW)
    client = await app_client(DATABASE_URL=database_url, mail=MemoryMail(), clock=clock, ASKARSAN_RUN_JOBS="false")
    first = await requested(client, "first")
    await client.put(f"/api/v1/clients/{first['client_id']}/availability", data=json.dumps(PAGE), headers=HEADERS)
    asha = await requested(client, "asha")
    chat = await candidate_chat(client, connector, asha, "asha")
    await run_jobs(client.app[RUNTIME].runner)
    shown = len(connector.activities(chat.conversation))

    clock.set(NOW + timedelta(hours=25))  # the first pending reminder (policy: after 24 hours)
    await run_jobs(client.app[RUNTIME].runner)
    reminder = connector.activities(chat.conversation)[shown:]
    assert any("gentle reminder" in (a.get("text") or "") for a in reminder)
    days = live_choices(chat.last_card())
    # A day later: Tuesday's times from 11:00 (an hour's notice) on.
    assert days["start_20261124"][0] == at(24, 11)


async def test_a_client_asked_for_slots_is_invited_to_set_a_page_and_the_next_request_uses_it(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    client = await app_client(DATABASE_URL=database_url, mail=MemoryMail(), clock=Clock(NOW),
                              ASKARSAN_RUN_JOBS="false")
    first = await requested(client, "first")
    token = first["links"]["client"].split("t=")[1]
    harry = Chat(client, connector, "harry-chat", await invitation_user(client, token))
    await harry.say(type="conversationUpdate", membersAdded=[{"id": harry.user}])
    invite = {"action": "show_availability", "interview_id": first["id"]}
    assert invite in submits(harry.last_card())  # the offer card, with the invitation

    await harry.say(value=invite)
    [save] = [d for d in submits(harry.last_card()) if d["action"] == "set_availability"]
    await harry.say(value={**save, "days": "mon,tue,wed,thu,fri", "window_1_start": "09:00",
                           "window_1_end": "12:00", "window_2_start": "13:00", "window_2_end": "17:00",
                           "durations": "60", "buffer_minutes": "0", "notice_hours": "1",
                           "horizon_days": "30", "max_per_day": "", "zone": "Europe/London"})
    assert any(t.startswith("Saved") for t in connector.texts("harry-chat"))

    asha = await requested(client, "asha")
    assert asha["times_from"] == "booking_page"
    chat = await candidate_chat(client, connector, asha, "asha")
    assert live_choices(chat.last_card())["start_20261123"][0] == at(23, 10)
