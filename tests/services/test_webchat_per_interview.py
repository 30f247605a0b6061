"""One web chat per interview: a card about an interview reaches the party's chat for that
interview and no other (a chat is opened from an invitation link, bound to one interview and one
party, so a card about another interview would be refused there), while a Teams conversation acts
on all of a person's interviews. Over HTTP as Direct Line and Teams send activities, the real job
runner carrying out the outbox, replies and proactive cards at a loopback connector; on SQLite and
PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from scheduling.interview import Role, Stage
from scheduling.rules import SlotRequest
from services import Actor, PartyInput
from services.invitations import hash_token
from services.scheduling import InterviewRequest
from storage.models import BotStateRow, Invitation, Party, WebChatReference
from tests.helpers.cards import picks, submits

CARD = "application/vnd.microsoft.card.adaptive"
NOT_YOURS = "isn't for you"


def next_wednesday() -> date:
    today = datetime.now(UTC).date()
    return today + timedelta(days=7 + (2 - today.weekday()) % 7)


class Chats:
    """The app over HTTP, and what each conversation received at the loopback connector."""

    def __init__(self, client: TestClient, connector: FakeConnector) -> None:
        self.client, self.connector = client, connector
        self.services = client.app[RUNTIME].services

    async def say(self, conversation: str, user: str, channel: str = "directline", **fields: Any) -> None:
        body: dict[str, Any] = {
            "type": "message", "id": uuid.uuid4().hex, "channelId": channel,
            "serviceUrl": self.connector.url, "from": {"id": user, "name": user},
            "conversation": {"id": conversation}, "recipient": {"id": "bot", "name": "askARSAN"},
        }
        body.update(fields)
        response = await self.client.post(
            "/api/messages", data=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        assert response.status in (200, 201), await response.text()

    async def opens(self, conversation: str, token: str) -> str:
        """The person opens their invitation link: a web chat bound to that invitation."""
        async with self.client.app[RUNTIME].sessions() as session:
            invitation_id = await session.scalar(
                select(Invitation.id).where(Invitation.token_hash == hash_token(token))
            )
        assert invitation_id is not None
        user = f"inv-{invitation_id}"
        await self.say(conversation, user, type="conversationUpdate", membersAdded=[{"id": user}])
        return user

    async def run_jobs(self) -> None:
        runner = self.client.app[RUNTIME].runner
        for _ in range(20):
            if await runner.run_once() == 0:
                return

    def cards(self, conversation: str) -> list[dict[str, Any]]:
        return [
            a["content"] for activity in self.connector.activities(conversation)
            for a in activity.get("attachments") or [] if a.get("contentType") == CARD
        ]

    def interviews_in(self, conversation: str) -> set[str]:
        """The interviews the buttons of a conversation's cards act on."""
        return {
            d["interview_id"] for card in self.cards(conversation) for d in submits(card)
            if "interview_id" in d
        }

    def last_text(self, conversation: str) -> str:
        return self.connector.texts(conversation)[-1]

    async def request(self, candidate: str, client: str = "Harry Manager", recruiter: PartyInput | None = None) -> Any:
        first = candidate.split()[0].lower()
        return await self.services.scheduling.request_interview(
            InterviewRequest(
                recruiter=recruiter or PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
                client=PartyInput(client, f"{client.split()[0].lower()}@client.example", "Europe/London",
                                  organisation="Client Ltd"),
                candidate=PartyInput(candidate, f"{first}@example.org", "Asia/Kolkata"),
                role_title=f"Data Engineer ({candidate})",
            )
        )

    async def offer(self, interview_id: str, hour: int) -> None:
        view = await self.services.scheduling.view(interview_id)
        result = await self.services.scheduling.offer_slots(
            Actor(Role.CLIENT, view.client.id), interview_id,
            [SlotRequest(next_wednesday(), time(hour), "Europe/London")],
        )
        assert result.accepted, result.refused

    async def stage(self, interview_id: str) -> Stage:
        view = await self.services.scheduling.view(interview_id)
        assert view is not None
        return view.stage


async def chats(app_client: Any, connector: FakeConnector, database_url: str) -> Chats:
    client = await app_client(mail=MemoryMail(), ASKARSAN_RUN_JOBS="false", DATABASE_URL=database_url)
    return Chats(client, connector)


async def test_a_client_with_two_candidates_gets_each_interviews_cards_in_that_interviews_chat(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j = await chats(app_client, connector, database_url)
    first = await j.request("Asha Rao")
    await j.run_jobs()
    client_a = await j.opens("chat-a", first.client_token)

    # A second candidate for the same client: the ask for times must not land in the first chat.
    second = await j.request("Ben Okafor")
    await j.run_jobs()
    assert j.interviews_in("chat-a") == {first.interview_id}
    assert "Ben Okafor" not in json.dumps(j.connector.activities("chat-a"))
    client_b = await j.opens("chat-b", second.client_token)
    assert j.interviews_in("chat-b") == {second.interview_id}

    # The client offers times for the first candidate in the first chat, and the candidate books:
    # the confirmation reaches the first chat (not the chat opened last), and its buttons work there.
    [offer] = [d for d in submits(j.cards("chat-a")[-1]) if d["action"] == "offer_slots"]
    await j.say("chat-a", client_a, value={**offer, "slot_1_date": next_wednesday().isoformat(),
                                           "slot_1_time": "10:00", "zone": "Europe/London"})
    assert "sent 1 slot" in j.last_text("chat-a")
    await j.run_jobs()
    candidate_a = await j.opens("cand-a", first.candidate_token)
    await j.say("cand-a", candidate_a, value=picks(j.cards("cand-a")[-1])[0])
    assert j.last_text("cand-a").startswith("Booked:")
    await j.run_jobs()
    assert any("Your interview is booked" in json.dumps(c) for c in j.cards("chat-a"))
    assert j.interviews_in("chat-a") == {first.interview_id}
    assert j.interviews_in("chat-b") == {second.interview_id}
    [reschedule] = [d for d in submits(j.cards("chat-a")[-1]) if d["action"] == "reschedule"]
    await j.say("chat-a", client_a, value=reschedule)
    assert NOT_YOURS not in j.last_text("chat-a")

    # And the second interview goes on in its own chat.
    [offer_b] = [d for d in submits(j.cards("chat-b")[-1]) if d["action"] == "offer_slots"]
    await j.say("chat-b", client_b, value={**offer_b, "slot_1_date": next_wednesday().isoformat(),
                                           "slot_1_time": "14:00", "zone": "Europe/London"})
    assert "sent 1 slot" in j.last_text("chat-b")
    assert await j.stage(second.interview_id) is Stage.AWAITING_PICK

    # Stored per interview: one chat each, none on the party.
    async with j.client.app[RUNTIME].sessions() as session:
        rows = list(await session.scalars(select(WebChatReference).order_by(WebChatReference.interview_id)))
        client_party = await session.scalar(select(Party).where(Party.email == "harry@client.example"))
    assert client_party is not None and "webchat" not in (client_party.conversation_reference or {})
    chats_of_client = {r.interview_id: r.reference["conversation"]["id"] for r in rows
                       if r.party_id == client_party.id}
    assert chats_of_client == {first.interview_id: "chat-a", second.interview_id: "chat-b"}


async def test_a_candidate_with_two_interviews_picks_each_in_its_own_chat(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j = await chats(app_client, connector, database_url)
    one = await j.request("Asha Rao", client="Harry Manager")
    two = await j.request("Asha Rao", client="Gina Ortega")
    await j.run_jobs()
    asha_one = await j.opens("asha-1", one.candidate_token)
    await j.opens("asha-2", two.candidate_token)  # opened last

    # Harry offers times: the pick card is for the first interview, so it goes to the first chat.
    await j.offer(one.interview_id, 10)
    await j.run_jobs()
    assert one.interview_id in j.interviews_in("asha-1")
    assert j.interviews_in("asha-2") <= {two.interview_id}
    await j.say("asha-1", asha_one, value=picks(j.cards("asha-1")[-1])[0])
    assert j.last_text("asha-1").startswith("Booked:")
    assert await j.stage(one.interview_id) is Stage.SCHEDULED
    assert await j.stage(two.interview_id) is Stage.AWAITING_SLOTS


async def test_a_recruiter_in_teams_acts_on_two_interviews_from_one_conversation(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j = await chats(app_client, connector, database_url)
    rita = PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London", teams_user_id="29:rita")
    one = await j.request("Asha Rao", recruiter=rita)
    two = await j.request("Ben Okafor", recruiter=rita)
    await j.say("teams-rita", "29:rita", channel="msteams", text="help")  # her 1:1 chat with the bot
    await j.offer(one.interview_id, 10)
    await j.offer(two.interview_id, 14)
    await j.run_jobs()
    # Both interviews' updates reach her one Teams conversation...
    updates = json.dumps(j.cards("teams-rita"))
    assert "Asha Rao" in updates and "Ben Okafor" in updates
    # ...and from it she acts on either: here she books the offered time for each candidate.
    for interview in (one, two):
        view = await j.services.scheduling.view(interview.interview_id)
        await j.say("teams-rita", "29:rita", channel="msteams",
                    value={"action": "pick_slot", "interview_id": view.id, "slot_id": view.slots[0].id})
        assert j.last_text("teams-rita").startswith("Booked for"), j.last_text("teams-rita")
    assert {await j.stage(one.interview_id), await j.stage(two.interview_id)} == {Stage.SCHEDULED}


async def test_erasing_a_candidate_forgets_the_chats_of_every_one_of_their_interviews(
    app_client: Any, connector: FakeConnector, database_url: str
) -> None:
    j = await chats(app_client, connector, database_url)
    one = await j.request("Asha Rao", client="Harry Manager")
    two = await j.request("Asha Rao", client="Gina Ortega")
    await j.opens("asha-1", one.candidate_token)
    await j.opens("asha-2", two.candidate_token)
    sessions = j.client.app[RUNTIME].sessions
    async with sessions.begin() as session:
        for conversation in ("asha-1", "asha-2", "someone-else"):
            key = f"directline/conversations/{conversation}"
            if await session.get(BotStateRow, key) is None:
                session.add(BotStateRow(key=key, etag=1, data="{}", updated_at=datetime.now(UTC)))

    await j.services.privacy.erase(email="asha@example.org")

    async with sessions() as session:
        assert list(await session.scalars(select(WebChatReference))) == []
        keys = set(await session.scalars(select(BotStateRow.key)))
    assert "directline/conversations/asha-1" not in keys
    assert "directline/conversations/asha-2" not in keys
    assert "directline/conversations/someone-else" in keys
