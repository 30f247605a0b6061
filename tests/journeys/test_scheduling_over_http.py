"""The whole scheduling journey through the real app: activities over HTTP to /api/messages, the
job runner carrying out the outbox, replies and proactive cards at a loopback connector, mails in
an in-memory gateway. The client and candidate talk as web chat users bound to their invitations."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any

import icalendar
from sqlalchemy import func, select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from scheduling.interview import Stage
from storage.models import Booking, Interview
from tests.helpers.activities import sent_cards, user_activity
from tests.helpers.cards import picks, submits
from tests.helpers.http import post
from tests.helpers.jobs import run_jobs
from tests.helpers.journeys import invitation_user, next_wednesday_10


async def a_request(services: Any, recruiter: Any = None) -> Any:
    """Rita asks for an interview between Harry (London) and Asha (Kolkata) for Data Engineer."""
    from services import PartyInput
    from services.scheduling import InterviewRequest

    return await services.scheduling.request_interview(
        InterviewRequest(
            recruiter=recruiter or PartyInput("Rita", "rita@agency.example", "UTC"),
            client=PartyInput("Harry", "hm@client.example", "Europe/London"),
            candidate=PartyInput("Asha", "asha@example.org", "Asia/Kolkata"),
            role_title="Data Engineer",
        )
    )


async def test_a_recruiter_request_ends_in_a_booking_confirmed_to_everyone(
    app_client: Any, connector: FakeConnector
) -> None:
    mail = MemoryMail()
    client = await app_client(mail=mail, ASKARSAN_RUN_JOBS="false")

    # The recruiter asks for the form and fills it in.
    status, _ = await post(client, user_activity(connector.url, "rec", "rita", text="schedule"))
    assert status in (200, 201)
    [form] = sent_cards(connector, "rec")
    assert {"action": "request_interview"} in submits(form)
    values = {
        "action": "request_interview",
        "client_name": "Harry Manager",
        "client_email": "hm@client.example",
        "client_organisation": "Client Ltd",
        "client_zone": "Europe/London",
        "candidate_name": "Asha Candidate",
        "candidate_email": "asha@example.org",
        "candidate_zone": "Asia/Kolkata",
        "role_title": "Data Engineer",
        "duration_minutes": "60",
        "format": "teams",
    }
    await post(client, user_activity(connector.url, "rec", "rita", value=values))
    reply = connector.texts("rec")[-1]
    assert "Interview requested for **Data Engineer**" in reply
    client_token = reply.split("/chat?t=")[1].split()[0]
    candidate_token = reply.split("/chat?t=")[2].split()[0]

    # The outbox asks the client by e-mail, with a personal link.
    await run_jobs(client.app[RUNTIME].runner)
    [ask] = [m for m in mail.sent if "hm@client.example" in m.to]
    assert "/chat?t=" in ask.text

    # The client opens the chat (bound to the invitation) and offers two slots.
    client_user = await invitation_user(client, client_token)
    await post(
        client,
        user_activity(
            connector.url,
            "client-chat",
            client_user,
            type="conversationUpdate",
            channelId="directline",
            membersAdded=[{"id": client_user}],
        ),
    )
    [offer_card] = sent_cards(connector, "client-chat")
    [offer_submit] = [d for d in submits(offer_card) if d["action"] == "offer_slots"]
    day, start = next_wednesday_10()
    await post(
        client,
        user_activity(
            connector.url,
            "client-chat",
            client_user,
            channelId="directline",
            value={
                **offer_submit,
                "slot_1_date": day,
                "slot_1_time": start,
                "slot_2_date": day,
                "slot_2_time": "15:00",
                "zone": "Europe/London",
            },
        ),
    )
    assert "I've sent 2 slots" in connector.texts("client-chat")[-1]

    # The candidate is e-mailed, opens the chat and sees the slots in India time.
    await run_jobs(client.app[RUNTIME].runner)
    assert any("asha@example.org" in m.to and "/chat?t=" in m.text for m in mail.sent)
    candidate_user = await invitation_user(client, candidate_token)
    await post(
        client,
        user_activity(
            connector.url,
            "cand-chat",
            candidate_user,
            type="conversationUpdate",
            channelId="directline",
            membersAdded=[{"id": candidate_user}],
        ),
    )
    [pick_card] = sent_cards(connector, "cand-chat")
    offered = picks(pick_card)
    assert len(offered) == 2
    assert "15:30" in json.dumps(pick_card)  # 10:00 London is 15:30 in Kolkata
    await post(
        client, user_activity(connector.url, "cand-chat", candidate_user, channelId="directline", value=offered[0])
    )
    assert connector.texts("cand-chat")[-1].startswith("Booked:")

    # Clicking the same button again (a new activity) changes nothing and says so; a replay of
    # the same activity is covered by tests/bot/framework/test_replays.py.
    await post(
        client,
        user_activity(connector.url, "cand-chat", candidate_user, id="pick-again", channelId="directline", value=offered[0]),
    )
    assert "already booked" in connector.texts("cand-chat")[-1]

    # The outbox confirms to both chats, mails both with an .ics, and tells the recruiter.
    await run_jobs(client.app[RUNTIME].runner)
    assert any("booked" in json.dumps(c).lower() for c in sent_cards(connector, "cand-chat")[1:])
    assert any("booked" in json.dumps(c).lower() for c in sent_cards(connector, "client-chat")[1:])
    assert len(sent_cards(connector, "rec")) >= 2  # the form, then the recruiter's update
    invitations = [m for m in mail.sent if any(a.filename.endswith(".ics") for a in m.attachments)]
    assert sorted(m.to[0] for m in invitations) == ["asha@example.org", "hm@client.example"]
    ics = next(a for a in invitations[0].attachments if a.filename.endswith(".ics"))
    event = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")[0]
    async with client.app[RUNTIME].sessions() as session:
        interview = await session.scalar(select(Interview))
        assert interview is not None and interview.stage == Stage.SCHEDULED.value
        assert event.decoded("DTSTART") == interview.starts_at
        assert await session.scalar(select(func.count()).select_from(Booking)) == 1
    # Running the runner again sends nothing twice.
    sent = len(connector.received), len(mail.sent)
    await run_jobs(client.app[RUNTIME].runner)
    assert (len(connector.received), len(mail.sent)) == sent


async def test_a_submit_from_someone_else_changes_nothing(app_client: Any, connector: FakeConnector) -> None:
    client = await app_client(mail=MemoryMail(), ASKARSAN_RUN_JOBS="false")
    services = client.app[RUNTIME].services

    result = await a_request(services)
    candidate_user = await invitation_user(client, result.candidate_token)
    day, start = next_wednesday_10()
    offer = {
        "action": "offer_slots",
        "interview_id": result.interview_id,
        "slot_1_date": day,
        "slot_1_time": start,
        "zone": "Europe/London",
    }
    for user, channel in (
        (candidate_user, "directline"),
        ("stranger", "emulator"),
        ("inv-forged", "directline"),
    ):
        await post(client, user_activity(connector.url, f"c-{user}", user, channelId=channel, value=offer))
        assert "isn't for you" in connector.texts(f"c-{user}")[-1]
    assert (await services.scheduling.view(result.interview_id)).stage is Stage.AWAITING_SLOTS


async def test_the_recruiter_sees_their_pipeline_and_upcoming_interviews_as_cards(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(mail=MemoryMail(), ASKARSAN_RUN_JOBS="false")
    await post(client, user_activity(connector.url, "rec", "rita", text="pipeline"))
    assert "for the agency's recruiters" in connector.texts("rec")[-1]
    values = {
        "action": "request_interview", "client_name": "Harry", "client_email": "hm@client.example",
        "client_zone": "Europe/London", "candidate_name": "Asha", "candidate_email": "asha@example.org",
        "candidate_zone": "Asia/Kolkata", "role_title": "Data Engineer", "duration_minutes": "60",
        "format": "teams",
    }
    await post(client, user_activity(connector.url, "rec", "rita", value=values))
    await post(client, user_activity(connector.url, "rec", "rita", text="pipeline"))
    card = json.dumps(sent_cards(connector, "rec")[-1])
    assert "Your pipeline" in card and "Asha" in card and "/tracker" in card
    await post(client, user_activity(connector.url, "rec", "rita", text="upcoming"))
    assert "Upcoming interviews" in json.dumps(sent_cards(connector, "rec")[-1])
    # A stranger (not a recruiter) sees nobody's pipeline.
    await post(client, user_activity(connector.url, "other", "mallory", text="pipeline"))
    assert "for the agency's recruiters" in connector.texts("other")[-1]
    assert "Asha" not in json.dumps(connector.activities("other"))


async def test_in_the_emulator_a_user_joins_with_a_link_and_plays_the_client_and_the_candidate(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(mail=MemoryMail(), ASKARSAN_RUN_JOBS="false")
    services = client.app[RUNTIME].services

    result = await a_request(services)
    await post(client, user_activity(connector.url, "emu-c", "emu-user-1", text="join not-a-token"))
    assert "not valid" in connector.texts("emu-c")[-1]
    link = services.chat_link(result.client_token)
    await post(client, user_activity(connector.url, "emu-c", "emu-user-1", text=f"join {link}"))
    [offer_card] = sent_cards(connector, "emu-c")
    [offer] = [d for d in submits(offer_card) if d["action"] == "offer_slots"]
    day, start = next_wednesday_10()
    await post(client, user_activity(connector.url, "emu-c", "emu-user-1",
                                value={**offer, "slot_1_date": day, "slot_1_time": start, "zone": "Europe/London"}))
    assert "sent 1 slot to" in connector.texts("emu-c")[-1]
    await post(client, user_activity(connector.url, "emu-k", "emu-user-2", text=f"join {result.candidate_token}"))
    [pick_card] = sent_cards(connector, "emu-k")
    [pick] = picks(pick_card)
    await post(client, user_activity(connector.url, "emu-k", "emu-user-2", value=pick))
    assert connector.texts("emu-k")[-1].startswith("Booked:")
    # Joining is an Emulator convenience: a Teams user cannot take over an invitation that way.
    await post(client, user_activity(connector.url, "teams-x", "29:someone", channelId="msteams",
                                text=f"join {result.client_token}"))
    assert "only for the Bot Framework Emulator" in connector.texts("teams-x")[-1]


async def test_suggest_from_my_calendar_fills_free_times_and_fails_closed_without_a_calendar(
    app_client: Any, connector: FakeConnector
) -> None:
    from datetime import datetime as dt

    from integrations.calendar import MemoryCalendar
    from scheduling.intervals import Interval

    client = await app_client(mail=MemoryMail(), ASKARSAN_RUN_JOBS="false")
    services = client.app[RUNTIME].services
    result = await a_request(services)
    client_user = await invitation_user(client, result.client_token)
    suggest = {"action": "suggest_slots", "interview_id": result.interview_id}

    # The local default has no free/busy: nothing is suggested, and the client is told why.
    await post(client, user_activity(connector.url, "cc", client_user, id="s-1", channelId="directline", value=suggest))
    assert "add the slots by hand" in connector.texts("cc")[-1] and sent_cards(connector, "cc") == []

    # With a calendar (the same database, served with it): the client's busy morning is avoided,
    # the free times are filled in.
    calendar = MemoryCalendar()
    client = await app_client(mail=MemoryMail(), calendar=calendar, ASKARSAN_RUN_JOBS="false")
    services = client.app[RUNTIME].services
    day = dt.fromisoformat(next_wednesday_10()[0]).replace(tzinfo=UTC)
    calendar.add_busy("hm@client.example", Interval(day.replace(hour=0), day.replace(hour=12)))
    calendar.add_busy("hm@client.example", Interval(day - timedelta(days=30), day))  # nothing before
    await post(client, user_activity(connector.url, "cc", client_user, id="s-2", channelId="directline", value=suggest))
    [card] = sent_cards(connector, "cc")
    filled = [
        (node.get("id"), node.get("value"))
        for node in card.get("body", [])
        for column in (node.get("columns") or [])
        for node in column.get("items", [])
        if str(node.get("id", "")).startswith("slot_")
    ]
    values = dict(filled)
    assert values["slot_1_date"] == day.date().isoformat()
    assert values["slot_1_time"] == "12:00"  # the first free start after the busy morning (UTC = London in winter)
    assert "Free in your calendar" in json.dumps(card)
    # Nothing was offered yet: the client checks and sends.
    assert (await services.scheduling.view(result.interview_id)).stage.value == "awaiting_slots"


async def test_a_recruiter_in_the_agency_tenant_without_a_chat_yet_is_reached_in_teams(
    app_client: Any, connector: FakeConnector
) -> None:
    from datetime import date, time

    from scheduling.interview import Role
    from scheduling.rules import SlotRequest
    from services import PartyInput
    from services.scheduling import Actor

    client = await app_client(
        mail=MemoryMail(), ASKARSAN_RUN_JOBS="false", MicrosoftAppTenantId="tenant-agency",
        TEAMS_SERVICE_URL=connector.url,
    )
    services = client.app[RUNTIME].services
    result = await a_request(services, PartyInput("Rita", None, "Europe/London", teams_user_id="29:rita"))
    await run_jobs(client.app[RUNTIME].runner)
    assert [m for m in connector.received if m.path == "/v3/conversations"] == []  # not needed yet
    # The client offers slots: the recruiter's update goes to Teams, where no chat exists yet.
    view = await services.scheduling.view(result.interview_id)
    assert view is not None
    day, start = next_wednesday_10()
    await services.scheduling.offer_slots(
        Actor(Role.CLIENT, view.client.id), result.interview_id,
        [SlotRequest(date.fromisoformat(day), time.fromisoformat(start), "Europe/London")],
    )
    await run_jobs(client.app[RUNTIME].runner)
    [created] = [m for m in connector.received if m.path == "/v3/conversations"]
    assert created.body["tenantId"] == "tenant-agency"
    assert created.body["channelData"]["tenant"]["id"] == "tenant-agency"
    assert created.body["members"][0]["id"] == "29:rita"
    assert any("Slots offered" in json.dumps(a) for a in connector.activities(created.conversation_id))
