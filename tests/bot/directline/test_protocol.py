"""The built-in Direct Line 3.0 endpoint over HTTP and WebSocket, against the real app and bot."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.schema import ConversationReference
from sqlalchemy import select

from bot.app import RUNTIME
from storage.directline import DirectLineActivity
from tests.helpers.directline import frames_until, make_invitation, open_session, start_session, wait_for
from tests.helpers.http import call


async def poll(client: TestClient, session: dict[str, Any], watermark: str = "") -> dict[str, Any]:
    cid = session["conversationId"]
    status, body = await call(
        client, "GET", f"/v3/directline/conversations/{cid}/activities?watermark={watermark}",
        session["token"],
    )
    assert status == 200, body
    return dict(body)


async def bot_replies(
    client: TestClient, session: dict[str, Any], reply_to: str | None = None
) -> list[dict[str, Any]]:
    """The bot's messages (to `reply_to` when given), once there is at least one."""

    async def found() -> list[dict[str, Any]]:
        page = await poll(client, session)
        return [
            a for a in page["activities"]
            if a["from"].get("role") == "bot" and a["type"] == "message"
            if reply_to is None or a.get("replyToId") == reply_to
        ]

    return list(await wait_for(found))


async def test_start_post_help_and_poll(dl_client: Any) -> None:
    client = await dl_client()
    invite = await make_invitation(client.app)
    session = await open_session(client, invite)
    cid = session["conversationId"]
    assert session["userId"] == invite.user_id
    assert session["domain"].endswith("/v3/directline")

    status, started = await call(client, "POST", "/v3/directline/conversations", session["token"])
    assert status in (200, 201), started
    assert started["conversationId"] == cid
    assert started["streamUrl"].startswith("ws://")
    assert started["expires_in"] > 0

    [welcome, *_] = await bot_replies(client, session)
    assert "Hello" in welcome["text"]  # the greeting on the conversation's first start

    status, posted = await call(
        client, "POST", f"/v3/directline/conversations/{cid}/activities", session["token"],
        {"type": "message", "text": "help", "from": {"id": "someone-else", "role": "user"},
         "channelData": {"clientActivityID": "client-1"}},
    )
    assert status == 200, posted
    assert posted["id"].startswith(cid + "|")

    [reply, *_] = await bot_replies(client, session, reply_to=posted["id"])
    assert reply["text"]
    assert reply["id"].startswith(cid + "|") and reply["id"] != posted["id"]
    assert reply["timestamp"].endswith("Z")
    assert reply["from"]["role"] == "bot" and reply["recipient"]["id"] == invite.user_id

    page = await poll(client, session)
    [echo] = [a for a in page["activities"] if a["id"] == posted["id"]]
    assert echo["from"]["id"] == invite.user_id  # the forged from.id was overwritten
    assert echo["channelData"]["clientActivityID"] == "client-1"
    assert "serviceUrl" not in echo

    later = await poll(client, session, page["watermark"])
    assert later["activities"] == [] and later["watermark"] == page["watermark"]





async def test_the_websocket_replays_history_then_pushes_the_reply(dl_client: Any) -> None:
    client = await dl_client()
    _, session = await start_session(client)
    cid = session["conversationId"]
    async with client.session.ws_connect(session["streamUrl"]) as ws:
        history = await frames_until(ws, lambda got: any(a["from"]["role"] == "bot" for a in got))
        assert "Hello" in history[0]["text"]
        status, posted = await call(
            client, "POST", f"/v3/directline/conversations/{cid}/activities", session["token"],
            {"type": "message", "text": "help", "channelData": {"clientActivityID": "c-42"}},
        )
        assert status == 200
        live = await frames_until(
            ws, lambda got: any(a.get("replyToId") == posted["id"] for a in got)
        )
    echo = next(a for a in live if a["id"] == posted["id"])
    assert echo["channelData"]["clientActivityID"] == "c-42"
    reply = next(a for a in live if a.get("replyToId") == posted["id"])
    assert reply["from"]["role"] == "bot" and reply["text"]


async def test_reconnect_with_a_watermark_replays_only_what_came_after(dl_client: Any) -> None:
    client = await dl_client()
    _, session = await start_session(client)
    cid = session["conversationId"]
    await bot_replies(client, session)  # the greeting
    first = await poll(client, session)
    watermark = first["watermark"]
    status, posted = await call(
        client, "POST", f"/v3/directline/conversations/{cid}/activities", session["token"],
        {"type": "message", "text": "hi again"},
    )
    assert status == 200
    await bot_replies(client, session, reply_to=posted["id"])

    status, again = await call(
        client, "GET", f"/v3/directline/conversations/{cid}?watermark={watermark}", session["token"]
    )
    assert status == 200, again
    assert again["conversationId"] == cid and f"watermark={watermark}" in again["streamUrl"]
    assert again["streamUrl"] != session["streamUrl"]
    async with client.session.ws_connect(again["streamUrl"]) as ws:
        replayed = await frames_until(
            ws, lambda got: any(a.get("replyToId") == posted["id"] for a in got)
        )
    ids = [a["id"] for a in replayed]
    assert ids[0] == posted["id"]
    assert all(int(i.rsplit("|", 1)[1]) > int(watermark) for i in ids)


async def stored_reference(client: TestClient, cid: str) -> ConversationReference:
    """The conversation reference a bot keeps for proactive messages (as `_remember` does)."""
    from botbuilder.schema import Activity

    async with client.app[RUNTIME].sessions() as session:
        body = await session.scalar(
            select(DirectLineActivity.body)
            .where(DirectLineActivity.conversation_id == cid, DirectLineActivity.sender == "user")
            .order_by(DirectLineActivity.seq)
            .limit(1)
        )
    assert body is not None
    reference = TurnContext.get_conversation_reference(Activity().deserialize(body))
    # Stored as JSON and read back, exactly like Party.conversation_reference.
    return ConversationReference().deserialize(json.loads(json.dumps(reference.serialize())))


async def test_a_proactive_message_reaches_an_open_websocket_and_updates_resend_the_same_id(
    dl_client: Any,
) -> None:
    client = await dl_client()
    _, session = await start_session(client)
    cid = session["conversationId"]
    status, posted = await call(
        client, "POST", f"/v3/directline/conversations/{cid}/activities", session["token"],
        {"type": "message", "text": "hello"},
    )
    assert status == 200
    await bot_replies(client, session, reply_to=posted["id"])
    reference = await stored_reference(client, cid)
    runtime = client.app[RUNTIME]
    sent: dict[str, str] = {}

    async def remind(turn_context: TurnContext) -> None:
        response = await turn_context.send_activity(MessageFactory.text("Reminder: interview tomorrow"))
        sent["id"] = response.id

    async def amend(turn_context: TurnContext) -> None:
        update = MessageFactory.text("Reminder: interview tomorrow at 10:00 (Europe/London)")
        update.id = sent["id"]
        await turn_context.update_activity(update)

    watermark = (await poll(client, session))["watermark"]
    status, again = await call(
        client, "GET", f"/v3/directline/conversations/{cid}?watermark={watermark}", session["token"]
    )
    async with client.session.ws_connect(again["streamUrl"]) as ws:
        await runtime.adapter.continue_conversation(reference, remind, runtime.settings.app_id)
        pushed = await frames_until(ws, lambda got: any("Reminder" in (a.get("text") or "") for a in got))
        [reminder] = [a for a in pushed if "Reminder" in (a.get("text") or "")]
        assert reminder["id"] == sent["id"] and reminder["from"]["role"] == "bot"

        await runtime.adapter.continue_conversation(reference, amend, runtime.settings.app_id)
        updated = await frames_until(ws, lambda got: any("10:00" in (a.get("text") or "") for a in got))
    [version2] = [a for a in updated if "10:00" in (a.get("text") or "")]
    assert version2["id"] == sent["id"]
    assert version2["timestamp"] == reminder["timestamp"]
    history = (await poll(client, session))["activities"]
    assert [a["text"] for a in history if a["id"] == sent["id"]] == [version2["text"]]


async def test_proactive_history_is_there_when_the_chat_is_opened_later(dl_client: Any) -> None:
    client = await dl_client()
    invite, session = await start_session(client)
    cid = session["conversationId"]
    await call(client, "POST", f"/v3/directline/conversations/{cid}/activities", session["token"],
               {"type": "message", "text": "hello"})
    reference = await stored_reference(client, cid)
    runtime = client.app[RUNTIME]

    async def remind(turn_context: TurnContext) -> None:
        await turn_context.send_activity("Your interview starts in one hour.")

    await runtime.adapter.continue_conversation(reference, remind, runtime.settings.app_id)
    # The link is opened again later: the same conversation, with the reminder in its history.
    reopened = await open_session(client, invite)
    assert reopened["conversationId"] == cid
    page = await poll(client, reopened)
    assert any("one hour" in (a.get("text") or "") for a in page["activities"])
