"""The built-in web chat in production, end to end: an https `PUBLIC_URL`, a Microsoft app id, no
`DIRECTLINE_SECRET` and no `ASKARSAN_TRUSTED_SERVICE_HOSTS`. An ATS creates the interview over the
JSON API; the client and the candidate open their links as Web Chat does (the chat session, a
Direct Line conversation, activities posted and read over the protocol) and the interview ends
booked, with every reply reaching the chat. The bot's replies go to this server's own connector
address (`PUBLIC_URL` + /v3/directline), which is trusted for our own connector only: it is not a
Bot Connector host, and the bot's token never goes there."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import RUNTIME
from integrations.mail import MemoryMail
from scheduling.interview import Stage
from storage.models import Interview
from tests.helpers.cards import card_of, picks, submits
from tests.helpers.directline import DIRECTLINE_OPTIONS, wait_for
from tests.helpers.http import call
from tests.helpers.interviews import jobs
from tests.helpers.jobs import run_jobs
from tests.helpers.journeys import next_wednesday_10

PRODUCTION = {
    "ASKARSAN_ENV": "production",
    "MicrosoftAppId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "MicrosoftAppPassword": "app-registration-client-secret",
    "MicrosoftAppTenantId": "00000000-0000-0000-0000-0000000000aa",
    "PUBLIC_URL": "https://askarsan.agency.example",
    "ASKARSAN_SECRET_KEY": "production-secret-key-" + "s" * 32,
    "ASKARSAN_API_KEY": "production-api-key-" + "a" * 32,
    "ASKARSAN_RUN_JOBS": "false",
}
API = {"Authorization": f"Bearer {PRODUCTION['ASKARSAN_API_KEY']}", "Content-Type": "application/json"}
REQUEST = {
    "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
    "client": {"name": "Harry", "email": "hm@client.example", "zone": "Europe/London"},
    "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
    "role_title": "Data Engineer",
}


class WebChat:
    """One party's chat as Web Chat drives it: the session from the invitation link, a Direct Line
    conversation, activities posted and the conversation read back over the protocol."""

    def __init__(self, client: TestClient, link_token: str) -> None:
        self.client, self.link_token = client, link_token
        self.token = self.conversation = self.user = ""

    async def open(self) -> None:
        response = await self.client.post("/chat/session", json={"invitation": self.link_token})
        assert response.status == 200, await response.text()
        session = await response.json()
        self.token, self.user = session["token"], session["userId"]
        status, started = await call(self.client, "POST", "/v3/directline/conversations", self.token)
        assert status in (200, 201), started
        self.conversation = started["conversationId"]

    async def activities(self) -> list[dict[str, Any]]:
        status, page = await call(
            self.client, "GET", f"/v3/directline/conversations/{self.conversation}/activities", self.token
        )
        assert status == 200, page
        return list(page["activities"])

    async def bot_says(self, predicate: Any) -> dict[str, Any]:
        """The first activity from the bot that `predicate` accepts, waiting for it."""

        async def found() -> dict[str, Any] | None:
            return next(
                (a for a in await self.activities() if a["from"]["role"] == "bot" and predicate(a)), None
            )

        activity: dict[str, Any] = await wait_for(found)
        return activity

    async def card_with(self, action: str) -> dict[str, Any]:
        """The first card from the bot with a submit for `action`, waiting for it."""
        card = card_of(await self.bot_says(has_card_with(action)))
        assert card is not None
        return card

    async def submit(self, value: dict[str, Any]) -> None:
        body = {"type": "message", "from": {"id": self.user}, "value": value, "locale": "en-GB"}
        status, answer = await call(
            self.client, "POST", f"/v3/directline/conversations/{self.conversation}/activities",
            self.token, body,
        )
        assert status == 200, answer


def link_in(mail: MemoryMail, address: str) -> str:
    [message] = [m for m in mail.sent if address in m.to and "/chat?t=" in m.text]
    return message.text.split("/chat?t=")[1].split()[0]


def has_card_with(action: str) -> Any:
    return lambda a: (card := card_of(a)) is not None and any(d.get("action") == action for d in submits(card))


async def test_in_production_the_built_in_web_chat_carries_a_whole_booking(
    app_client: Any, database_url: str
) -> None:
    mail = MemoryMail()
    client = await app_client(
        mail=mail, directline=DIRECTLINE_OPTIONS, chat={}, DATABASE_URL=database_url, **PRODUCTION
    )
    runtime = client.app[RUNTIME]
    assert not runtime.settings.trusted_service_hosts

    response = await client.post("/api/v1/interviews", data=json.dumps(REQUEST), headers=API)
    assert response.status == 201, await response.text()
    await run_jobs(runtime.runner)

    # The client opens the e-mailed link and offers two slots in the built-in web chat.
    harry = WebChat(client, link_in(mail, "hm@client.example"))
    await harry.open()
    card = await harry.card_with("offer_slots")
    [offer_submit] = [d for d in submits(card) if d["action"] == "offer_slots"]
    day, start = next_wednesday_10()
    await harry.submit({**offer_submit, "slot_1_date": day, "slot_1_time": start,
                        "slot_2_date": day, "slot_2_time": "15:00", "zone": "Europe/London"})
    await harry.bot_says(lambda a: "I've sent 2 slots" in (a.get("text") or ""))

    # The candidate is e-mailed, opens the link and books the first time in India time.
    await run_jobs(runtime.runner)
    asha = WebChat(client, link_in(mail, "asha@example.org"))
    await asha.open()
    pick_card = await asha.card_with("pick_slot")
    assert "15:30" in json.dumps(pick_card)  # 10:00 in London is 15:30 in Kolkata
    await asha.submit(picks(pick_card)[0])
    await asha.bot_says(lambda a: (a.get("text") or "").startswith("Booked:"))

    # The confirmations the job runner sends reach both chats over the same connector.
    await run_jobs(runtime.runner)
    async with runtime.sessions() as session:
        interview = await session.scalar(select(Interview))
        assert interview is not None and interview.stage == Stage.SCHEDULED.value
    await harry.bot_says(lambda a: "booked" in json.dumps(card_of(a) or {}).lower())
    await asha.bot_says(lambda a: "booked" in json.dumps(card_of(a) or {}).lower())
    # No effect failed (an untrusted service URL would fail every delivery to the chats).
    effects = await jobs(runtime.sessions, interview.id)
    assert effects and all(job.last_error is None for job in effects), [(j.kind, j.last_error) for j in effects]
