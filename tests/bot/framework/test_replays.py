"""Every activity of the journey delivered three times (Teams resends slow requests with the same
activity id): one interview, one booking, one calendar event, one reply and one confirmation each."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from storage.models import Booking, Interview, Job
from tests.helpers.activities import sent_cards, user_activity
from tests.helpers.cards import picks, submits
from tests.helpers.databases import count
from tests.helpers.http import post, sessions_of
from tests.helpers.jobs import run_jobs
from tests.helpers.journeys import invitation_user, next_wednesday_10


async def thrice(client: Any, body: dict[str, Any]) -> None:
    for _ in range(3):
        assert (await post(client, body)).status < 500


async def test_every_activity_delivered_three_times_acts_once(app_client: Any, connector: FakeConnector) -> None:
    mail = MemoryMail()
    client = await app_client(mail=mail, ASKARSAN_RUN_JOBS="false")
    form = {
        "action": "request_interview", "client_name": "Harry", "client_email": "hm@client.example",
        "client_zone": "Europe/London", "candidate_name": "Asha", "candidate_email": "asha@example.org",
        "candidate_zone": "Asia/Kolkata", "role_title": "Data Engineer", "duration_minutes": "60",
        "format": "teams",
    }
    await thrice(client, user_activity(connector.url, "rec", "rita", id="form-1", value=form))
    assert await count(sessions_of(client), Interview) == 1
    replies = [t for t in connector.texts("rec") if "Interview requested" in t]
    assert len(replies) == 1
    client_token = replies[0].split("/chat?t=")[1].split()[0]
    candidate_token = replies[0].split("/chat?t=")[2].split()[0]
    await run_jobs(client.app[RUNTIME].runner)

    client_user = await invitation_user(client, client_token)
    await post(client, user_activity(connector.url, "cc", client_user, id="open-1", type="conversationUpdate",
                                channelId="directline", membersAdded=[{"id": client_user}]))
    [offer] = [d for d in submits(sent_cards(connector, "cc")[0]) if d["action"] == "offer_slots"]
    day, start = next_wednesday_10()
    await thrice(client, user_activity(connector.url, "cc", client_user, id="offer-1", channelId="directline",
                                  value={**offer, "slot_1_date": day, "slot_1_time": start, "zone": "Europe/London"}))
    assert sum("sent 1 slot to" in t for t in connector.texts("cc")) == 1
    await run_jobs(client.app[RUNTIME].runner)

    candidate_user = await invitation_user(client, candidate_token)
    await post(client, user_activity(connector.url, "kk", candidate_user, id="open-2", type="conversationUpdate",
                                channelId="directline", membersAdded=[{"id": candidate_user}]))
    [pick] = picks(sent_cards(connector, "kk")[0])
    await thrice(client, user_activity(connector.url, "kk", candidate_user, id="pick-1", channelId="directline", value=pick))
    assert sum(t.startswith("Booked:") for t in connector.texts("kk")) == 1
    await run_jobs(client.app[RUNTIME].runner)
    await run_jobs(client.app[RUNTIME].runner)

    assert await count(sessions_of(client), Booking) == 1
    assert await count(sessions_of(client), Job, Job.kind == "create_calendar_event") == 1
    async with client.app[RUNTIME].sessions() as session:
        interview = await session.scalar(select(Interview))
        assert interview is not None and interview.calendar_event_id == f"ics:{interview.id}"
    for conversation in ("cc", "kk"):
        confirmations = [c for c in sent_cards(connector, conversation) if "Your interview is booked" in json.dumps(c)]
        assert len(confirmations) == 1, conversation
    invitations = [m for m in mail.sent if any(a.filename.endswith(".ics") for a in m.attachments)]
    assert sorted(m.to[0] for m in invitations) == ["asha@example.org", "hm@client.example"]


async def test_a_submit_whose_turn_failed_is_acted_on_when_the_channel_retries(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(mail=MemoryMail(), ASKARSAN_RUN_JOBS="false")
    bot = client.app[RUNTIME].bot
    original = bot.actions.handle
    calls = {"n": 0}

    async def flaky(turn_context: Any, value: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the database went away for a moment")
        await original(turn_context, value)

    bot.actions.handle = flaky
    body = user_activity(connector.url, "x", "stranger", id="submit-1",
                    value={"action": "pick_slot", "interview_id": "nope", "slot_id": "nope"})
    await post(client, body)
    assert "went wrong on our side" in connector.texts("x")[-1]
    await post(client, body)  # the retry of the same activity is acted on
    assert calls["n"] == 2
    assert "isn't for you" in connector.texts("x")[-1]


async def test_old_claims_are_forgotten_and_recent_ones_kept(app_client: Any) -> None:
    from datetime import UTC, datetime, timedelta

    from storage import replay

    client = await app_client(ASKARSAN_RUN_JOBS="false")
    sessions = client.app[RUNTIME].sessions
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert await replay.claim(sessions, "old", now - timedelta(days=3))
    assert await replay.claim(sessions, "new", now)
    assert await replay.forget_old(sessions, now) == 1
    assert await replay.claim(sessions, "old", now)  # forgotten: a first delivery again
    assert not await replay.claim(sessions, "new", now)
