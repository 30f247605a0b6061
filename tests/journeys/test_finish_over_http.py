"""The small things a newcomer notices, through the real app over HTTP: counts said properly,
no "Suggest from my calendar" when no calendar can be read, reloading the demo's page, and demo
interviews that can be told apart on the tracker."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.calendar import MemoryCalendar
from integrations.mail import MemoryMail
from services import PartyInput
from services.invitations import hash_token
from services.reports import PipelineFilter
from services.scheduling import InterviewRequest
from storage.models import Invitation
from tests.helpers.cards import submits
from tests.helpers.journeys import weekday_ahead

CARD = "application/vnd.microsoft.card.adaptive"


async def client_chat(app: Any, connector: FakeConnector) -> tuple[str, str, dict[str, Any]]:
    """A request, and the client opening their chat over HTTP as Direct Line sends it: (the chat
    user, the interview, the offer card they see)."""
    services = app.app[RUNTIME].services
    request = await services.scheduling.request_interview(
        InterviewRequest(
            recruiter=PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
            client=PartyInput("Harry Manager", "harry@client.example", "Europe/London"),
            candidate=PartyInput("Asha Rao", "asha@example.org", "Asia/Kolkata"),
            role_title="Data Engineer",
        )
    )
    async with app.app[RUNTIME].sessions() as session:
        invitation_id = await session.scalar(
            select(Invitation.id).where(Invitation.token_hash == hash_token(request.client_token))
        )
    user = f"inv-{invitation_id}"
    await post(app, connector, user, type="conversationUpdate", membersAdded=[{"id": user}])
    [card] = cards(connector)
    return user, request.interview_id, card


async def post(app: Any, connector: FakeConnector, user: str, **fields: Any) -> None:
    body: dict[str, Any] = {
        "type": "message", "id": uuid.uuid4().hex, "channelId": "directline",
        "serviceUrl": connector.url, "from": {"id": user}, "conversation": {"id": "chat"},
        "recipient": {"id": "bot"},
    }
    body.update(fields)
    response = await app.post("/api/messages", data=json.dumps(body),
                              headers={"Content-Type": "application/json"})
    assert response.status in (200, 201), await response.text()


def cards(connector: FakeConnector) -> list[dict[str, Any]]:
    return [a["content"] for activity in connector.activities("chat")
            for a in activity.get("attachments") or [] if a.get("contentType") == CARD]


@pytest.mark.parametrize(
    ("hours", "said"),
    [((10,), "I've sent 1 slot to Asha Rao"), ((10, 12, 14), "I've sent 3 slots to Asha Rao")],
    ids=["one-slot", "three-slots"],
)
async def test_the_client_is_told_how_many_slots_went_out_in_plain_words(
    app_client: Any, connector: FakeConnector, hours: tuple[int, ...], said: str
) -> None:
    app = await app_client(mail=MemoryMail(), ASKARSAN_RUN_JOBS="false")
    user, _, card = await client_chat(app, connector)
    [offer] = [d for d in submits(card) if d["action"] == "offer_slots"]
    rows = {f"slot_{i}_{part}": value for i, hour in enumerate(hours, 1)
            for part, value in (("date", weekday_ahead(3)), ("time", f"{hour}:00"))}
    await post(app, connector, user, value={**offer, **rows, "zone": "Europe/London"})
    reply = connector.texts("chat")[-1]
    assert said in reply and "(s)" not in reply


@pytest.mark.parametrize(
    ("calendar", "offered"),
    [(None, False), (MemoryCalendar(["harry@client.example"]), True)],
    ids=["local-calendar-no-free-busy", "a-calendar-with-free-busy"],
)
async def test_suggest_from_my_calendar_is_offered_only_when_a_calendar_can_be_read(
    app_client: Any, connector: FakeConnector, calendar: MemoryCalendar | None, offered: bool
) -> None:
    app = await app_client(mail=MemoryMail(), calendar=calendar, ASKARSAN_RUN_JOBS="false")
    _, _, card = await client_chat(app, connector)
    verbs = {d["action"] for d in submits(card)}
    assert ("suggest_slots" in verbs) is offered
    # The ask for times the job runner sends to that chat follows the same rule.
    runner = app.app[RUNTIME].runner
    while await runner.run_once():
        pass
    assert all(("suggest_slots" in {d["action"] for d in submits(c)}) is offered for c in cards(connector))


async def test_reloading_the_demo_page_leads_back_to_its_button_and_starts_nothing(app_client: Any) -> None:
    app = await app_client()
    response = await app.get("/demo", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "/#try"
    landing = await (await app.get("/demo")).text()
    assert 'id="try"' in landing and 'action="/demo"' in landing
    async with app.app[RUNTIME].sessions() as session:
        assert list(await session.scalars(select(Invitation))) == []


async def test_each_demo_has_its_own_candidate_so_the_tracker_rows_differ(app_client: Any) -> None:
    app = await app_client()
    shown = []
    for _ in range(8):
        html = await (await app.post("/demo")).text()
        shown.append(re.search(r"and (.+?) \(the candidate", html).group(1))  # type: ignore[union-attr]
    assert len(set(shown)) == 8, shown
    assert shown[0] == "Asha Rao" and shown[6] == "Asha Rao (2)"
    page = await app.app[RUNTIME].services.reports.pipeline_page(PipelineFilter())
    assert len({row.candidate_name for row in page.rows}) == 8
    assert {row.client_name for row in page.rows} == {"Harry Manager"}  # one client, many candidates
