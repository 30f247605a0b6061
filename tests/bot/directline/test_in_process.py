"""Replies in the process that serves the Direct Line endpoint are stored in process:
the same JSON, order and streams as over the connector's HTTP endpoint, with no request to it;
the endpoint still takes a proactive send from another process (the `askarsan worker`)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import (
    Activity,
    CardAction,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    HeroCard,
    Mention,
    SuggestedActions,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.models import ErrorResponseException, ResourceResponse
from sqlalchemy import select

from bot.app import RUNTIME, build_runtime
from bot.directline.connector import OwnConnector, _ConnectorCredentials, _InProcessConnectorClient
from bot.directline.service import CONNECTOR_PATH, DIRECTLINE, DirectLineService
from bot.settings import Settings
from storage import directline as store
from storage.directline import DirectLineActivity
from tests.helpers.directline import build_app, frames_until, make_invitation, open_session, wait_for
from tests.helpers.http import call, free_port


@dataclass
class Server:
    client: TestClient
    settings: Settings
    # (method, path) of every request to the connector endpoint, as the app received them
    connector_requests: list[tuple[str, str]] = field(default_factory=list)

    @property
    def service(self) -> DirectLineService:
        return self.client.app[DIRECTLINE]

    @property
    def connector(self) -> OwnConnector:
        return self.client.app[RUNTIME].connector


@pytest.fixture
async def serve(make_settings: Callable[..., Settings]) -> AsyncIterator[Callable[..., Any]]:
    """The real app with Direct Line, on the port its settings name (as `askarsan serve` runs it,
    so a worker built from the same settings finds it), counting requests to the connector."""
    clients: list[TestClient] = []

    async def make() -> Server:
        port = free_port()
        settings = make_settings(PORT=str(port), PUBLIC_URL=f"http://localhost:{port}")
        app = build_app(settings)
        server = Server(TestClient(TestServer(app, host="127.0.0.1", port=port)), settings)

        @web.middleware
        async def count(request: web.Request, handler: Any) -> web.StreamResponse:
            if request.path.startswith(CONNECTOR_PATH):
                server.connector_requests.append((request.method, request.path))
            response: web.StreamResponse = await handler(request)
            return response

        app.middlewares.append(count)
        await server.client.start_server()
        clients.append(server.client)
        return server

    yield make
    for client in clients:
        await client.close()


async def start_session(server: Server) -> dict[str, Any]:
    invite = await make_invitation(server.client.app)
    session = await open_session(server.client, invite)
    status, started = await call(server.client, "POST", "/v3/directline/conversations", session["token"])
    assert status in (200, 201), started
    session["streamUrl"] = started["streamUrl"]
    session["userId"] = invite.user_id
    return session


async def all_activities(server: Server, session: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation's activities as a polling client gets them."""
    cid = session["conversationId"]
    status, page = await call(
        server.client, "GET", f"/v3/directline/conversations/{cid}/activities", session["token"]
    )
    assert status == 200, page
    return list(page["activities"])


async def stored(server: Server, cid: str) -> dict[str, dict[str, Any]]:
    """The latest stored body of each activity, by id."""
    async with server.client.app[RUNTIME].sessions() as session:
        rows = await store.activities_after(session, cid, 0)
    return {row.activity_id: row.body for row in rows}


async def greeted(server: Server, session: dict[str, Any]) -> list[dict[str, Any]]:
    async def found() -> list[dict[str, Any]]:
        activities = await all_activities(server, session)
        return activities if any(a["from"]["role"] == "bot" for a in activities) else []

    return list(await wait_for(found))




def seq(activity_id: str) -> int:
    return int(activity_id.rsplit("|", 1)[1])


# -- a turn's replies ------------------------------------------------------------------------


async def test_a_turns_replies_reach_the_list_and_the_stream_in_order_without_http(
    serve: Callable[..., Any],
) -> None:
    server = await serve()
    session = await start_session(server)
    cid = session["conversationId"]
    async with server.client.session.ws_connect(session["streamUrl"]) as ws:
        history = await frames_until(ws, lambda got: any(a["from"]["role"] == "bot" for a in got))
        posted_ids = []
        for text in ("help", "hello", "help"):
            status, posted = await call(
                server.client, "POST", f"/v3/directline/conversations/{cid}/activities",
                session["token"], {"type": "message", "text": text},
            )
            assert status == 200, posted
            posted_ids.append(posted["id"])
        live = await frames_until(
            ws, lambda got: any(a.get("replyToId") == posted_ids[-1] for a in got)
        )
        # whatever else the last turn sends comes in the same turn: wait for it to finish
        await asyncio.gather(*server.service._tails.values())
        listed = await all_activities(server, session)
        live += await frames_until(ws, lambda got: len(history) + len(live) + len(got) >= len(listed))

    assert isinstance(server.connector.client_for(_service_url(server)), _InProcessConnectorClient)
    assert server.connector_requests == []  # the greeting and every reply: in process

    # The stream pushed exactly what the list holds, in the same order, with the same JSON.
    assert history + live == listed
    ids = [a["id"] for a in listed]
    assert [seq(i) for i in ids] == sorted(seq(i) for i in ids) and len(set(ids)) == len(ids)
    for posted_id in posted_ids:
        replies = [a for a in listed if a.get("replyToId") == posted_id]
        assert replies, f"no reply to {posted_id}"
        assert all(seq(r["id"]) > seq(posted_id) for r in replies)
        for reply in replies:
            assert reply["from"] == {"id": server.service.bot_id, "name": "askARSAN", "role": "bot"}
            assert reply["recipient"] == {"id": session["userId"], "role": "user"}
            assert reply["conversation"] == {"id": cid} and reply["channelId"] == "directline"
            assert reply["timestamp"].endswith("Z") and "serviceUrl" not in reply


def _service_url(server: Server) -> str:
    port = server.client.server.port
    return f"http://127.0.0.1:{port}{CONNECTOR_PATH}"


# -- the same JSON as over HTTP --------------------------------------------------------------


def rich_reply(cid: str, reply_to: str | None = None, text: str = "📅 Ünïcode <b>reply</b>") -> Activity:
    """A reply with most of what msrest serializes: a card, suggested actions, a mention,
    datetimes, channel data, values, and fields the connector drops or overrides."""
    activity = MessageFactory.attachment(_hero(text), text=text)
    activity.suggested_actions = SuggestedActions(
        actions=[CardAction(type="imBack", title="help", value="help")], to=["someone"]
    )
    activity.entities = [Mention(mentioned=ChannelAccount(id="u1", name="Cleo"), text="<at>Cleo</at>", type="mention")]
    activity.local_timestamp = datetime(2031, 3, 3, 9, 30, 15, 123000, tzinfo=UTC)
    activity.channel_data = {"nested": {"list": [1, 2.5, None, True, "x"]}, "ünï": "cödé"}
    activity.value = {"a": [1, {"b": None}]}
    activity.input_hint = "acceptingInput"
    activity.conversation = ConversationAccount(id=cid)
    activity.from_property = ChannelAccount(id="forged", name="Not the bot")
    activity.recipient = ChannelAccount(id="forged-user")
    activity.service_url = "https://evil.example/"
    activity.caller_id = "urn:botframework:forged"
    activity.id = "forged-id"
    activity.reply_to_id = reply_to
    return activity


def _hero(text: str) -> Any:
    from botbuilder.core import CardFactory

    return CardFactory.hero_card(
        HeroCard(
            title="Pick a slot", text=text,
            buttons=[CardAction(type="messageBack", title="Mon 10:00", value={"slot": "2031-03-03T10:00"})],
        )
    )


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """A stored body without what differs between two sends of the same activity."""
    return {k: v for k, v in body.items() if k not in ("id", "timestamp", "replyToId")}


async def test_in_process_stores_the_same_json_and_answers_as_the_http_endpoint(
    serve: Callable[..., Any],
) -> None:
    server = await serve()
    session = await start_session(server)
    cid = session["conversationId"]
    greeting = (await greeted(server, session))[-1]
    url = _service_url(server)
    in_process = server.connector.client_for(url)
    # The worker's client: msrest over HTTP, signed with the connector key.
    over_http = ConnectorClient(_ConnectorCredentials(server.service.signer), base_url=url)
    results: dict[str, list[Any]] = {}
    try:
        for name, client in (("in_process", in_process), ("http", over_http)):
            sent = await client.conversations.send_to_conversation(cid, rich_reply(cid))
            replied = await client.conversations.reply_to_activity(
                cid, greeting["id"], rich_reply(cid, reply_to=greeting["id"])
            )
            updated = await client.conversations.update_activity(
                cid, sent.id, rich_reply(cid, text="updated ✅")
            )
            results[name] = [sent, replied, updated]
            if name == "in_process":
                assert server.connector_requests == []
    finally:
        await over_http.__aexit__(None, None, None)
    base = f"{CONNECTOR_PATH}v3/conversations/{cid}/activities"
    assert server.connector_requests == [
        ("POST", base), ("POST", f"{base}/{greeting['id']}"), ("PUT", f"{base}/{results['http'][0].id}")
    ]

    bodies = await stored(server, cid)
    for mine, theirs in zip(results["in_process"], results["http"], strict=True):
        assert type(mine) is type(theirs) is ResourceResponse
        assert mine.serialize().keys() == theirs.serialize().keys() == {"id"}
        assert comparable(bodies[mine.id]) == comparable(bodies[theirs.id])
        assert set(bodies[mine.id]) == set(bodies[theirs.id])
        assert bodies[mine.id].get("replyToId") == bodies[theirs.id].get("replyToId")
    sent, replied, updated = results["in_process"]
    assert bodies[replied.id]["replyToId"] == greeting["id"]
    assert updated.id == sent.id and bodies[sent.id]["text"] == "updated ✅"
    assert bodies[replied.id]["from"]["role"] == "bot" and "serviceUrl" not in bodies[replied.id]
    assert bodies[replied.id]["localTimestamp"] == "2031-03-03T09:30:15.123Z"
    # every version stored, the update superseding the first
    async with server.client.app[RUNTIME].sessions() as db:
        versions = (await db.scalars(
            select(DirectLineActivity.superseded).where(DirectLineActivity.activity_id == sent.id)
        )).all()
    assert sorted(versions) == [False, True]


async def test_what_the_endpoint_refuses_is_refused_the_same_in_process(
    serve: Callable[..., Any],
) -> None:
    server = await serve()
    session = await start_session(server)
    cid = session["conversationId"]
    await greeted(server, session)
    url = _service_url(server)
    in_process = server.connector.client_for(url)
    over_http = ConnectorClient(_ConnectorCredentials(server.service.signer), base_url=url)
    huge = "x" * (server.connector.body_limit + 1)
    cases: list[tuple[str, Callable[[Any], Any]]] = [
        ("unknown conversation", lambda c: c.conversations.send_to_conversation("nope", rich_reply("nope"))),
        ("unknown activity", lambda c: c.conversations.update_activity(cid, f"{cid}|9999999", rich_reply(cid))),
        ("no type", lambda c: c.conversations.send_to_conversation(cid, Activity(text="typeless"))),
        ("too large", lambda c: c.conversations.send_to_conversation(cid, MessageFactory.text(huge))),
    ]
    try:
        before = await stored(server, cid)
        for name, make_call in cases:
            answers = []
            for client in (in_process, over_http):
                server.connector_requests.clear()
                with pytest.raises(ErrorResponseException) as caught:
                    await make_call(client)
                answers.append((caught.value.response.status_code, str(caught.value)))
                # refused in process: asked over HTTP, so the answer is the endpoint's own
                assert len(server.connector_requests) == 1, name
            assert answers[0] == answers[1], name
            assert answers[0][0] in (400, 404, 413), name
        assert await stored(server, cid) == before  # nothing stored by any refusal
    finally:
        await over_http.__aexit__(None, None, None)


# -- another process -------------------------------------------------------------------------


async def test_a_proactive_send_from_another_process_still_arrives_over_http(
    serve: Callable[..., Any],
) -> None:
    server = await serve()
    session = await start_session(server)
    cid = session["conversationId"]
    await call(server.client, "POST", f"/v3/directline/conversations/{cid}/activities",
               session["token"], {"type": "message", "text": "hello"})
    listed = await greeted(server, session)
    user_body = next(a for a in listed if a["from"]["role"] == "user")
    async with server.client.app[RUNTIME].sessions() as db:
        first = await db.scalar(
            select(DirectLineActivity.body).where(
                DirectLineActivity.conversation_id == cid,
                DirectLineActivity.activity_id == user_body["id"],
            )
        )
    assert first is not None
    reference = ConversationReference().deserialize(
        json.loads(json.dumps(TurnContext.get_conversation_reference(Activity().deserialize(first)).serialize()))
    )
    await asyncio.gather(*server.service._tails.values())

    # What `askarsan worker` builds (bot.app.build_runtime, not serving): its own runtime and
    # adapter, and our own connector posting to the server's endpoint over HTTP.
    settings = server.settings
    worker = build_runtime(settings, engine=server.client.app[RUNTIME].engine)
    sent: dict[str, str] = {}

    async def remind(turn_context: TurnContext) -> None:
        response = await turn_context.send_activity("Your interview starts in one hour.")
        sent["id"] = response.id

    async def amend(turn_context: TurnContext) -> None:
        update = MessageFactory.text("Your interview starts in 55 minutes.")
        update.id = sent["id"]
        await turn_context.update_activity(update)

    server.connector_requests.clear()
    try:
        async with server.client.session.ws_connect(session["streamUrl"]) as ws:
            await worker.adapter.continue_conversation(reference, remind, settings.app_id)
            pushed = await frames_until(ws, lambda got: any(a["id"] == sent.get("id") for a in got))
            await worker.adapter.continue_conversation(reference, amend, settings.app_id)
            pushed += await frames_until(ws, lambda got: any("55" in (a.get("text") or "") for a in got))
    finally:
        await worker.adapter.auth.close()
    base = f"{CONNECTOR_PATH}v3/conversations/{cid}/activities"
    assert server.connector_requests == [("POST", base), ("PUT", f"{base}/{sent['id']}")]
    [first_version] = [a for a in pushed if "one hour" in (a.get("text") or "")]
    [second_version] = [a for a in pushed if "55" in (a.get("text") or "")]
    assert first_version["id"] == second_version["id"] == sent["id"]
    assert first_version["from"]["role"] == "bot" and first_version["recipient"]["id"] == session["userId"]
    bodies = await stored(server, cid)
    assert bodies[sent["id"]]["text"] == "Your interview starts in 55 minutes."
