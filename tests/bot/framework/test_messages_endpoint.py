"""`POST /api/messages` on the real app, replies to a loopback Bot Connector."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from services.reports import PipelineFilter
from storage.models import BotStateRow
from tests.helpers.activities import emulator_activity
from tests.helpers.databases import count
from tests.helpers.http import post, sessions_of


async def test_help_is_answered_at_the_service_url(app_client: Any, connector: FakeConnector) -> None:
    client = await app_client()
    status, _ = await post(client, emulator_activity(connector.url))
    assert status in (200, 201, 202)
    [reply] = connector.activities("conv-1")
    assert "schedule" in reply["text"]
    assert reply["replyToId"] == "act-1"
    assert reply["recipient"]["id"] == "user-1"


async def test_conversation_update_greets_the_user(app_client: Any, connector: FakeConnector) -> None:
    client = await app_client()
    update = emulator_activity(
        connector.url,
        type="conversationUpdate",
        text=None,
        membersAdded=[{"id": "bot-1", "name": "Bot"}, {"id": "user-1", "name": "User"}],
    )
    status, _ = await post(client, update)
    assert status in (200, 201, 202)
    assert len(connector.activities("conv-1")) == 1
    assert "help" in connector.texts("conv-1")[0]


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        ("not json at all", {}, 400, "not valid JSON"),
        ("[1, 2]", {}, 400, "JSON object"),
        ('{"text": "hi"}', {}, 400, "no type"),
        ('{"type": 5}', {}, 400, "activity"),
        ('{"type": "message", "conversation": {"id": "c"}}', {}, 400, "serviceUrl"),
        ("{}", {"Content-Type": "text/plain"}, 415, "Content-Type"),
        ("{}", {"Content-Type": ""}, 415, "Content-Type"),
    ],
    ids=["not-json", "json-array", "no-type", "type-not-string", "no-service-url",
         "text-plain", "no-content-type"],
)
async def test_bad_input_gets_a_4xx_with_a_reason_and_writes_nothing(
    app_client: Any, body: str, headers: dict[str, str], status: int, reason: str
) -> None:
    client = await app_client()
    got_status, got = await post(client, body, **headers)
    assert got_status == status
    assert reason in got["error"]
    assert await count(sessions_of(client), BotStateRow) == 0


async def test_an_oversized_body_is_refused_with_413(app_client: Any, connector: FakeConnector) -> None:
    client = await app_client(ASKARSAN_MAX_BODY_BYTES="2048")
    status, got = await post(client, emulator_activity(connector.url, text="x" * 5000))
    assert status == 413
    assert "too large" in got["error"]
    assert connector.received == []


async def test_an_untrusted_service_url_never_receives_the_bots_reply(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client()
    status, got = await post(client, emulator_activity("https://attacker.example.net/"))
    assert status == 403
    assert "serviceUrl" in got["error"]
    assert await count(sessions_of(client), BotStateRow) == 0


async def test_with_an_app_id_an_unauthenticated_request_is_refused(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(
        ASKARSAN_ENV="local",
        MicrosoftAppId="00000000-0000-0000-0000-000000000001",
        MicrosoftAppPassword="secret",
        MicrosoftAppTenantId="00000000-0000-0000-0000-0000000000aa",
    )
    for header in ({}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic abc"}):
        status, got = await post(client, emulator_activity(connector.url), **header)
        assert status == 401, header
        assert "authenticated" in got["error"]
    assert connector.received == []


async def test_an_invoke_response_body_is_returned_not_a_500(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client()
    invoke = emulator_activity(
        connector.url,
        type="invoke",
        name="adaptiveCard/action",
        text=None,
        channelId="msteams",
        value={"action": {"type": "Action.Execute", "verb": "help", "data": {}}},
    )
    status, got = await post(client, invoke)
    assert status == 200
    assert got["statusCode"] == 200
    assert got["type"] == "application/vnd.microsoft.card.adaptive"
    assert "schedule" in got["value"]["body"][0]["text"]


async def test_the_teams_tenant_is_kept_on_the_conversation(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client()
    seen: dict[str, Any] = {}
    bot = client.app[RUNTIME].bot
    original = bot.on_message_activity

    async def spy(turn_context: Any) -> None:
        seen["tenant"] = turn_context.activity.conversation.tenant_id
        await original(turn_context)

    bot.on_message_activity = spy
    teams = emulator_activity(
        connector.url,
        channelId="msteams",
        conversation={"id": "conv-1", "tenantId": "tenant-123", "conversationType": "personal"},
        channelData={"tenant": {"id": "tenant-123"}},
    )
    status, _ = await post(client, teams)
    assert status in (200, 201)
    assert seen["tenant"] == "tenant-123"


async def test_an_activity_from_a_tenant_we_do_not_serve_is_dropped(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(ASKARSAN_ALLOWED_TENANTS="tenant-ours")
    teams = emulator_activity(
        connector.url, channelId="msteams", channelData={"tenant": {"id": "tenant-other"}}
    )
    await post(client, teams)
    assert connector.received == []
    ours = emulator_activity(
        connector.url, channelId="msteams", channelData={"tenant": {"id": "tenant-ours"}}
    )
    await post(client, ours)
    assert len(connector.received) == 1


async def test_healthz_reports_the_database(app_client: Any) -> None:
    client = await app_client()
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["status"] == "ok" and body["database"] == "reachable"
    assert body["version"]


async def test_the_landing_page_says_what_askarsan_is(app_client: Any) -> None:
    client = await app_client()
    response = await client.get("/")
    html = await response.text()
    assert response.status == 200
    assert "askARSAN" in html and "/api/messages" in html


async def test_the_landing_page_starts_a_demo_interview_with_two_personal_links(
    app_client: Any,
) -> None:
    client = await app_client()
    landing = await (await client.get("/")).text()
    assert 'action="/demo"' in landing
    response = await client.post("/demo")
    html = await response.text()
    assert response.status == 200
    links = [part.split('"')[0] for part in html.split('href="')[1:] if "/chat?t=" in part]
    assert len(links) == 2 and links[0] != links[1]
    services = client.app[RUNTIME].services
    async with client.app[RUNTIME].sessions() as session:
        from services.invitations import resolve_invitation

        grants = [
            await resolve_invitation(session, link.split("t=")[1], services.ctx.now())
            for link in links
        ]
    assert [g.role.value for g in grants] == ["client", "candidate"]


async def test_a_demo_cannot_be_started_from_another_site(app_client: Any) -> None:
    client = await app_client()
    response = await client.post("/demo", headers={"Origin": "https://evil.example.net"})
    assert response.status == 403


async def test_a_tenant_that_is_not_an_object_does_not_fail_the_turn(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client()
    odd = emulator_activity(connector.url, channelId="msteams", channelData={"tenant": "not-an-object"})
    status, _ = await post(client, odd)
    assert status in (200, 201)
    [reply] = connector.activities("conv-1")
    assert "schedule" in reply["text"]  # the help answer, not the apology of a failed turn


async def test_the_demo_books_from_the_clients_page_or_has_the_client_offer_times(app_client: Any) -> None:
    client = await app_client()
    landing = await (await client.get("/")).text()
    assert 'value="booking_page"' in landing and 'value="offered_by_client"' in landing
    from_page = await (await client.post("/demo", data={"times": "booking_page"})).text()
    assert "set their availability once" in from_page and "Mon–Fri 09:00–12:30" in from_page
    by_hand = await (await client.post("/demo", data={"times": "offered_by_client"})).text()
    assert "Offer a few time slots" in by_hand
    again = await (await client.post("/demo")).text()  # the default: the page set the first time
    assert "set their availability once" in again
    services = client.app[RUNTIME].services
    page = await services.reports.pipeline_page(PipelineFilter())
    stages = sorted(row.stage.value for row in page.rows)
    assert stages == ["awaiting_pick", "awaiting_pick", "awaiting_slots"]
    bad = await client.post("/demo", data={"times": "booking_page", "extra": "1"})
    assert bad.status == 400 and "extra" in await bad.text()


async def test_a_demo_form_that_cannot_be_read_is_a_400_saying_so(app_client: Any) -> None:
    client = await app_client()
    response = await client.post(
        "/demo", data=b"", headers={"Content-Type": "multipart/form-data; boundary=x"}
    )
    assert response.status == 400 and "could not be read" in await response.text()
