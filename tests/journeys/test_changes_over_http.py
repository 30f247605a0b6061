"""Reschedule and cancel through the real app: card submits over HTTP to /api/messages, the real job
handlers with a clock the test sets, proactive cards at the loopback connector, e-mails (with the
.ics parsed back) in an in-memory gateway. Booked: Wednesday 10:00–11:00 UTC."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import icalendar
import pytest
from sqlalchemy import select

from bot.dev.loopback import FakeConnector
from integrations.mail import MailMessage
from scheduling.interview import Stage
from services.changes import reschedule_interview
from storage.models import Booking, Interview, Slot
from tests.helpers.cards import picks, submits
from tests.helpers.interviews import NOW, STARTS, rebook
from tests.helpers.journeys import Journey, start


def ics_of(message: MailMessage) -> icalendar.Calendar:
    [attachment] = [a for a in message.attachments if a.filename.endswith(".ics")]
    return icalendar.Calendar.from_ical(attachment.data)


def event_of(message: MailMessage) -> tuple[str, str, int]:
    calendar = ics_of(message)
    event = calendar.walk("VEVENT")[0]
    return str(calendar["METHOD"]), str(event["UID"]), int(event["SEQUENCE"])


def mails(j: Journey, to: str, subject: str) -> list[MailMessage]:
    sent: list[MailMessage] = j.runtime.mail.sent
    return [m for m in sent if to in m.to and subject in m.subject]


def chat(j: Journey, role: str) -> tuple[str, str]:
    if role == "client":
        return "client-chat", j.client_user
    if role == "candidate":
        return "cand-chat", j.candidate_user
    return "rec", "rita"


async def send(j: Journey, role: str, value: dict[str, Any]) -> str:
    conversation, user = chat(j, role)
    await j.say(conversation, user, channel="emulator" if role == "recruiter" else "directline", value=value)
    return j.texts(conversation)[-1]


async def stage_of(j: Journey, interview_id: str) -> str:
    async with j.runtime.sessions() as session:
        return (await session.get_one(Interview, interview_id)).stage


async def test_the_candidate_reschedules_from_the_confirmation_and_books_a_new_time(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    iid = p.interview_id
    [first] = mails(j, "asha@example.org", "Interview confirmed")
    method, uid, sequence = event_of(first)
    assert (method, sequence) == ("REQUEST", 0)

    # The Reschedule button on the confirmation asks why first: nothing changes yet.
    confirmation = next(c for c in j.cards("cand-chat") if "reschedule" in json.dumps(c))
    [button] = [d for d in submits(confirmation) if d["action"] == "reschedule"]
    await send(j, "candidate", button)
    form = j.cards("cand-chat")[-1]
    [confirm] = [d for d in submits(form) if d["action"] == "reschedule"]
    assert confirm["confirm"] == "yes" and await stage_of(j, iid) == Stage.SCHEDULED
    reply = await send(j, "candidate", {**confirm, "reason": "Travelling Wednesday; Thursday mornings work"})
    assert reply.startswith("Done: the old time is released")
    assert await stage_of(j, iid) == Stage.AWAITING_SLOTS

    await j.run_jobs(NOW + timedelta(minutes=1))
    # The client is told, and asked for new times with the candidate's constraint kept.
    client_cards = json.dumps(j.cards("client-chat")[-2:])
    assert "Interview being rescheduled" in client_cards and "Thursday mornings work" in client_cards
    assert "offer_slots" in client_cards
    # Both get a METHOD:CANCEL of the old time: same UID, higher SEQUENCE.
    for address in ("asha@example.org", "hm@client.example"):
        [notice] = mails(j, address, "Interview being rescheduled")
        assert event_of(notice) == ("CANCEL", uid, 1)
    assert "asked to reschedule" in json.dumps(j.cards("rec")[-1])

    # New slot offered over chat, picked; the new invitation moves the event (same UID, SEQUENCE 2).
    await send(j, "client", {"action": "offer_slots", "interview_id": iid, "slot_1_date": "2026-11-26",
                             "slot_1_time": "10:00", "zone": "Europe/London"})
    await j.run_jobs(NOW + timedelta(minutes=2))
    async with j.runtime.sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == iid, Slot.status == "offered"))
    await send(j, "candidate", {"action": "pick_slot", "interview_id": iid, "slot_id": slot_id})
    assert j.texts("cand-chat")[-1].startswith("Booked:")
    await j.run_jobs(NOW + timedelta(minutes=3))
    [moved] = mails(j, "asha@example.org", "Interview moved")
    assert event_of(moved) == ("REQUEST", uid, 2)
    assert "Previously" in moved.text

    # No reminder for the old time: an hour before Wednesday 10:00 nothing arrives.
    before = len(j.connector.activities("cand-chat"))
    await j.run_jobs(STARTS - timedelta(minutes=30))
    assert len(j.connector.activities("cand-chat")) == before
    # The reminder for the new time (Thursday 10:00) does arrive, with the actions again.
    await j.run_jobs(STARTS + timedelta(days=1, minutes=-30))
    assert any("Reminder" in json.dumps(c) for c in j.cards("cand-chat")[-1:])


@pytest.mark.parametrize("who", ["client", "candidate", "recruiter"])
async def test_each_party_can_cancel_and_both_calendars_drop_the_event(
    app_client: Any, connector: FakeConnector, who: str
) -> None:
    j, p = await start(app_client, connector)
    [first] = mails(j, "asha@example.org", "Interview confirmed")
    _, uid, _ = event_of(first)
    reply = await send(j, who, {"action": "cancel", "interview_id": p.interview_id, "reason": "Role filled"})
    assert "ancelled" in reply
    assert await stage_of(j, p.interview_id) == Stage.CANCELLED
    async with j.runtime.sessions() as session:
        assert (await session.scalar(select(Booking.status))) == "cancelled"
    await j.run_jobs(NOW + timedelta(minutes=1))
    for address in ("asha@example.org", "hm@client.example"):
        [cancelled] = mails(j, address, "Interview cancelled")
        assert event_of(cancelled) == ("CANCEL", uid, 1)
    for role in ("client", "candidate"):
        if role != who:
            conversation, _ = chat(j, role)
            card = json.dumps(j.cards(conversation)[-1])
            assert "Interview cancelled" in card and "Role filled" in card
    assert "Role filled" in json.dumps(j.cards("rec")[-1])
    # A second cancel, e.g. from the reminder, is refused: nothing changes, nothing is sent again.
    sent = len(j.runtime.mail.sent)
    reply = await send(j, "candidate", {"action": "cancel", "interview_id": p.interview_id})
    assert "already cancelled" in reply and "Nothing was changed" in reply
    await j.run_jobs(NOW + timedelta(minutes=2))
    assert len(j.runtime.mail.sent) == sent


@pytest.mark.parametrize("who", ["client", "candidate"])
async def test_a_reschedule_past_the_cutoff_is_refused_in_the_conversation(
    app_client: Any, connector: FakeConnector, who: str
) -> None:
    j, p = await start(app_client, connector)
    j.clock.set(STARTS - timedelta(hours=3))
    reply = await send(j, who, {"action": "reschedule", "interview_id": p.interview_id, "confirm": "yes",
                                "reason": "something came up"})
    assert "too late to reschedule" in reply and "Nothing was changed" in reply
    assert await stage_of(j, p.interview_id) == Stage.SCHEDULED


async def test_over_the_maximum_the_candidate_is_told_and_the_recruiter_alerted(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    sessions = j.runtime.sessions
    for n in range(2):
        await reschedule_interview(sessions, p.candidate, p.interview_id, f"move {n}", NOW)
        await rebook(sessions, p, 11 + 2 * n)
    reply = await send(j, "candidate", {"action": "reschedule", "interview_id": p.interview_id,
                                        "confirm": "yes", "reason": "once more"})
    assert "already been rescheduled 2 times" in reply and "Nothing was changed" in reply
    assert await stage_of(j, p.interview_id) == Stage.SCHEDULED
    await j.run_jobs(NOW + timedelta(minutes=5))
    assert "used every reschedule allowed" in json.dumps(j.cards("rec")[-1])


async def test_someone_else_cannot_reschedule_or_cancel(app_client: Any, connector: FakeConnector) -> None:
    j, p = await start(app_client, connector)
    await j.opens_chat("stranger", "inv-forged")
    for verb in ("reschedule", "cancel"):
        await j.say("stranger", "inv-forged", value={"action": verb, "interview_id": p.interview_id,
                                                       "confirm": "yes", "reason": "x"})
        assert "isn't for you" in j.texts("stranger")[-1]
    assert await stage_of(j, p.interview_id) == Stage.SCHEDULED


async def test_a_candidate_who_never_picks_is_escalated_and_the_recruiter_picks_for_them(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    iid = p.interview_id
    # Back to the offer/pick loop: the candidate reschedules, the client offers a new slot.
    await send(j, "candidate", {"action": "reschedule", "interview_id": iid, "confirm": "yes",
                                "reason": "Travelling; Thursday works"})
    await j.run_jobs(NOW + timedelta(minutes=1))
    await send(j, "client", {"action": "offer_slots", "interview_id": iid, "slot_1_date": "2026-12-03",
                             "slot_1_time": "10:00", "zone": "Europe/London"})
    await j.run_jobs(NOW + timedelta(minutes=2))
    # The candidate never picks: reminders at +24 h and +72 h, then the recruiter's alert.
    for hours in (25, 73, 97):
        await j.run_jobs(NOW + timedelta(hours=hours))
    alert = next(c for c in reversed(j.cards("rec")) if "No answer in time" in json.dumps(c))
    offered = picks(alert)
    assert len(offered) == 1 and "for them" in json.dumps(alert)
    # A client cannot use that button; the recruiter can.
    refused = await send(j, "client", offered[0])
    assert "Nothing was changed" in refused and await stage_of(j, iid) == Stage.AWAITING_PICK
    reply = await send(j, "recruiter", offered[0])
    assert reply.startswith("Booked for Asha")
    assert await stage_of(j, iid) == Stage.SCHEDULED
