"""The recruiter's controls on a booked interview, through the real app: the recruiter's card
submits over HTTP to /api/messages in Teams' wire format, the real job handlers, proactive cards
at the loopback connector, e-mails in an in-memory gateway (tests/helpers/journeys.py). Booked:
Wednesday 10:00–11:00 UTC, a Teams meeting with no link yet."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import icalendar
from sqlalchemy import select

from bot.dev.loopback import FakeConnector
from scheduling.interview import Stage
from storage.models import AuditEvent, Interview, InterviewChanges
from tests.helpers.cards import submits
from tests.helpers.interviews import NOW, STARTS
from tests.helpers.journeys import Journey, start

LINK = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc/0"


async def recruiter_clicks(j: Journey, value: dict[str, Any], user: str = "rita") -> str:
    await j.say("rec", user, channel="msteams", value=value)
    return j.texts("rec")[-1]


async def party_clicks(j: Journey, conversation: str, user: str, value: dict[str, Any]) -> str:
    await j.say(conversation, user, value=value)
    return j.texts(conversation)[-1]


def booked_card(j: Journey) -> dict[str, Any]:
    return next(c for c in reversed(j.cards("rec")) if "Interview booked" in json.dumps(c))


def event_of(message: Any) -> Any:
    [attachment] = [a for a in message.attachments if a.filename.endswith(".ics")]
    return icalendar.Calendar.from_ical(attachment.data).walk("VEVENT")[0]


def button(card: dict[str, Any], action: str) -> dict[str, Any]:
    [data] = [d for d in submits(card) if d.get("action") == action]
    return data


async def interview_of(j: Journey, interview_id: str) -> Interview:
    async with j.runtime.sessions() as session:
        return await session.get_one(Interview, interview_id)


async def test_the_booked_card_asks_the_recruiter_for_the_meeting_link_and_both_sides_get_it_once(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    card = booked_card(j)
    said = json.dumps(card)
    assert "No meeting link yet" in said and '"id": "join_url"' in said
    for action in ("reschedule", "cancel", "report_no_show", "resend_invitation", "set_meeting_link"):
        assert button(card, action)["interview_id"] == p.interview_id

    # Not https: refused, with what to do; nothing stored.
    reply = await recruiter_clicks(j, {**button(card, "set_meeting_link"), "join_url": "http://example.org/x"})
    assert "starting with https://" in reply and "Nothing was changed" in reply
    assert (await interview_of(j, p.interview_id)).join_url is None

    before_cards = {c: len(j.cards(c)) for c in ("client-chat", "cand-chat")}
    before_mail = len(j.mail.sent)
    reply = await recruiter_clicks(j, {**button(card, "set_meeting_link"), "join_url": LINK})
    assert reply.startswith("Done: the client and the candidate have the meeting link")
    # The same link again (a double click): nothing more is sent.
    reply = await recruiter_clicks(j, {**button(card, "set_meeting_link"), "join_url": LINK})
    assert "already" in reply
    await j.run_jobs(NOW + timedelta(minutes=1))
    await j.run_jobs(NOW + timedelta(minutes=2))
    for conversation in ("client-chat", "cand-chat"):
        new = j.cards(conversation)[before_cards[conversation]:]
        assert len(new) == 1 and LINK in json.dumps(new[0]) and "Join Teams meeting" in json.dumps(new[0])
    link_mails = [m for m in j.mail.sent[before_mail:] if m.subject.startswith("Meeting link")]
    assert sorted(a for m in link_mails for a in m.to) == ["asha@example.org", "hm@client.example"]
    assert all(LINK in m.text for m in link_mails)
    # Their calendars take it as an update of the same meeting: same UID, a higher SEQUENCE.
    [first] = [m for m in j.mail.sent[:before_mail] if "asha@example.org" in m.to and "confirmed" in m.subject]
    [linked] = [m for m in link_mails if "asha@example.org" in m.to]
    old, new = event_of(first), event_of(linked)
    assert new["UID"] == old["UID"] and int(new["SEQUENCE"]) == int(old["SEQUENCE"]) + 1
    assert str(new["LOCATION"]) == LINK
    assert (await interview_of(j, p.interview_id)).join_url == LINK


async def test_a_candidate_replaying_the_recruiters_buttons_changes_nothing_and_is_told(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    card = booked_card(j)
    version = (await interview_of(j, p.interview_id)).version
    for action, extra in (("set_meeting_link", {"join_url": LINK}), ("resend_invitation", {}),
                          ("allow_reschedule", {"by": "candidate"})):
        data = {**button(card, "set_meeting_link"), "action": action, **extra}
        for conversation, user in (("cand-chat", j.candidate_user), ("client-chat", j.client_user)):
            reply = await party_clicks(j, conversation, user, data)
            assert "This card isn't for you" in reply and "nothing was changed" in reply
    interview = await interview_of(j, p.interview_id)
    assert interview.join_url is None and interview.version == version


async def test_the_recruiter_resends_the_invitation_and_marks_a_no_show_only_after_the_start(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    card = booked_card(j)
    before = len(j.mail.sent)
    reply = await recruiter_clicks(j, button(card, "resend_invitation"))
    assert reply.startswith("Sent again")
    await j.run_jobs(NOW + timedelta(minutes=1))
    again = [m for m in j.mail.sent[before:] if "Interview confirmed" in m.subject]
    assert sorted(a for m in again for a in m.to) == ["asha@example.org", "hm@client.example"]
    assert "invitation again" in j.texts("cand-chat")[-1]

    no_show = {**button(card, "report_no_show"), "who": "candidate"}
    reply = await recruiter_clicks(j, no_show)
    assert "has not started yet" in reply and "Nothing was changed" in reply
    j.clock.set(STARTS + timedelta(minutes=20))
    reply = await recruiter_clicks(j, no_show)
    assert reply.startswith("Recorded:")
    assert (await interview_of(j, p.interview_id)).stage == Stage.NO_SHOW


async def test_the_recruiter_reschedules_and_cancels_from_the_booked_card(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    card = booked_card(j)
    await recruiter_clicks(j, button(card, "reschedule"))
    form = j.cards("rec")[-1]
    reply = await recruiter_clicks(j, {**button(form, "reschedule"), "reason": "Client asked"})
    assert reply.startswith("Rescheduled:")
    assert (await interview_of(j, p.interview_id)).stage == Stage.AWAITING_SLOTS
    reply = await recruiter_clicks(j, {**button(card, "cancel"), "reason": "Role filled"})
    assert reply.startswith("Cancelled.")
    assert (await interview_of(j, p.interview_id)).stage == Stage.CANCELLED


async def test_over_the_reschedule_cap_the_recruiter_allows_one_more_and_the_candidate_can_reschedule_again(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    iid = p.interview_id
    async with j.runtime.sessions() as session, session.begin():
        session.add(InterviewChanges(interview_id=iid, by_client=0, by_candidate=2, by_recruiter=0,
                                     updated_at=NOW))
    ask = {"action": "reschedule", "interview_id": iid, "confirm": "yes", "reason": "Ill"}
    reply = await party_clicks(j, "cand-chat", j.candidate_user, ask)
    assert "the most we can do automatically" in reply
    await j.run_jobs(NOW + timedelta(minutes=1))
    alert = j.cards("rec")[-1]
    assert "every reschedule allowed" in json.dumps(alert)
    assert button(alert, "reschedule")["interview_id"] == iid  # Take over: the recruiter's Reschedule
    allow = button(alert, "allow_reschedule")
    assert allow["by"] == "candidate"

    reply = await recruiter_clicks(j, allow)
    assert reply.startswith("Allowed:")
    reply = await recruiter_clicks(j, allow)  # a second click: already allowed, nothing more
    assert "can already reschedule" in reply
    async with j.runtime.sessions() as session:
        allowed = list(await session.scalars(
            select(AuditEvent).where(AuditEvent.interview_id == iid, AuditEvent.action == "reschedule_allowed")
        ))
    assert len(allowed) == 1
    await j.run_jobs(NOW + timedelta(minutes=2))
    assert "allowed one more reschedule" in j.texts("cand-chat")[-1]

    reply = await party_clicks(j, "cand-chat", j.candidate_user, ask)
    assert reply.startswith("Done: the old time is released")
    assert (await interview_of(j, iid)).stage == Stage.AWAITING_SLOTS
