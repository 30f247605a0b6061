"""The journeys over HTTP as the tests drive them: a booked interview in the real app with the
recruiter, the client and the candidate in their chats, their web chat users, and a slot day."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from services import PartyInput
from services.invitations import hash_token
from services.scheduling import InterviewRequest
from storage.models import Invitation
from tests.helpers.activities import sent_cards, user_activity
from tests.helpers.clock import Clock
from tests.helpers.http import post
from tests.helpers.interviews import NOW, Parties, a_request, booked
from tests.helpers.jobs import run_jobs


def weekday_ahead(days: int) -> str:
    """The first weekday at least `days` days from today (UTC), as YYYY-MM-DD: a day inside the
    default working hours' week and past the default notice."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


async def invitation_user(client: TestClient, token: str) -> str:
    async with client.app[RUNTIME].sessions() as session:
        row = await session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
        assert row is not None
        return f"inv-{row.id}"


def next_wednesday_10() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    day = today + timedelta(days=7 + (2 - today.weekday()) % 7)
    return day.isoformat(), "10:00"


class Journey:
    """A booked interview in the real app: the recruiter in the Emulator ("rec"), the client and the
    candidate in their web chats ("client-chat", "cand-chat"), the app's clock set by the test."""

    def __init__(self, client: TestClient, connector: FakeConnector, clock: Clock[datetime]) -> None:
        self.client, self.connector = client, connector
        runtime = client.app[RUNTIME]
        self.runtime = runtime
        self.clock = clock  # the app's own clock (create_app(clock=...))
        self.runner = runtime.runner
        self.client_user = ""  # the web chat users bound to the invitations, once `start` made them
        self.candidate_user = ""
        self.mail = MemoryMail()  # the app's mail gateway, once `start` made the app

    async def run_jobs(self, when: Any = None) -> None:
        if when is not None:
            self.clock.set(when)
        await run_jobs(self.runner)

    async def say(self, conversation: str, user: str, channel: str = "directline", **fields: Any) -> None:
        body = user_activity(self.connector.url, conversation, user, channelId=channel, **fields)
        status, answer = await post(self.client, body)
        assert status in (200, 201), answer

    async def opens_chat(self, conversation: str, user: str) -> None:
        await self.say(conversation, user, type="conversationUpdate", membersAdded=[{"id": user}])

    def texts(self, conversation: str) -> list[str]:
        return self.connector.texts(conversation)

    def cards(self, conversation: str) -> list[dict[str, Any]]:
        return sent_cards(self.connector, conversation)

    def everything(self, conversation: str) -> str:
        return json.dumps(self.connector.activities(conversation))


async def start(
    app_client: Any, connector: FakeConnector, request: InterviewRequest | None = None
) -> tuple[Journey, Parties]:
    """The journey once the interview is booked, both chats opened and the jobs run; ``request``
    replaces the usual one (the recruiter in Teams as "rita")."""
    clock = Clock(NOW)
    mail = MemoryMail()
    client = await app_client(mail=mail, clock=clock, ASKARSAN_RUN_JOBS="false")
    journey = Journey(client, connector, clock)
    journey.mail = mail
    sessions = journey.runtime.sessions
    parties = await booked(
        sessions,
        request
        or a_request(recruiter=PartyInput("Rita Recruiter", None, "Europe/London", teams_user_id="rita")),
    )
    await journey.say("rec", "rita", channel="emulator", text="help")  # the recruiter's conversation
    journey.client_user = await invitation_user(client, parties.client_token)
    journey.candidate_user = await invitation_user(client, parties.candidate_token)
    await journey.opens_chat("client-chat", journey.client_user)
    await journey.opens_chat("cand-chat", journey.candidate_user)
    await journey.run_jobs(NOW)
    return journey, parties


