"""The client side of the built-in Direct Line 3.0 channel, so Microsoft's Web Chat and
directlinejs run against askARSAN with no Azure at all (``docs/architecture.md``, "Web chat").
Mounted by `setup_directline(app, service)`, with the same paths and shapes as Azure's:

    POST /v3/directline/conversations                 start (or resume) the token's conversation
    GET  /v3/directline/conversations/{id}?watermark= reconnect: a fresh streamUrl
    POST /v3/directline/conversations/{id}/activities send an activity -> {"id": "<id>|0000007"}
    GET  /v3/directline/conversations/{id}/activities poll -> {"activities": [...], "watermark": "7"}
    GET  /v3/directline/conversations/{id}/stream?t=&watermark=   WebSocket: frames like the poll
    POST /v3/directline/tokens/refresh                a new token with the same bindings

Identity: the browser's ``from.id`` is always overwritten with the user id the token binds
(``inv-<invitation id>``); the bot authorises card submits from it. Every REST call also checks
that the invitation is still usable (not revoked, not expired). `DirectLineChat` is what the chat
page (``bot/web/chat.py``) exchanges an invitation for: a token for the invitation's conversation.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.directline.caps import COLLISION, Closable
from bot.directline.connector import setup_connector
from bot.directline.service import (
    BOT_NAME,
    CHANNEL_ID,
    DIRECTLINE,
    MAX_ACTIVITY_BYTES,
    MAX_TEXT_CHARS,
    PAGE_SIZE,
    PREFIX,
    USER_ACTIVITY_TYPES,
    USER_FIELDS,
    DirectLineService,
    iso,
    public_domain,
    utc_now,
)
from bot.directline.tokens import DirectLineClaims, TokenInvalid
from bot.framework.sdk4171 import activity_codec
from bot.web.http import json_error, read_json_object
from services import InvitationGrant, Sender, Services
from storage import directline as store

__all__ = ["DirectLineChat", "clean_user_activity", "public_activity", "setup_directline"]

SERVICES_OF = web.AppKey("directline_services", Services)


@dataclass(frozen=True)
class DirectLineChat:
    """The chat page's session for an invitation on the built-in channel: its conversation
    (created on first use, resumed after), and a token bound to it and to the invitation."""

    service: DirectLineService

    async def open(self, request: web.Request, grant: InvitationGrant) -> dict[str, Any]:
        async with self.service.sessions() as session:
            conversation = await store.conversation_for_invitation(
                session,
                invitation_id=grant.invitation_id,
                user_id=grant.webchat_user_id,
                new_id=secrets.token_urlsafe(18),
                now=utc_now(),
            )
        token = self.service.conversation_token(conversation.id, grant.invitation_id, grant.webchat_user_id)
        return {
            "token": token,
            "conversationId": conversation.id,
            "domain": public_domain(request),
            "userId": grant.webchat_user_id,
            "expires_in": self.service.token_ttl,
        }


# Request helpers ---------------------------------------------------------------------------------


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise json_error(web.HTTPForbidden, "a Direct Line token is required (Authorization: Bearer)")
    return token.strip()


def _verify(service: DirectLineService, kind: str, token: str) -> DirectLineClaims:
    try:
        return service.signer.verify(kind, token)
    except TokenInvalid as error:
        raise json_error(web.HTTPForbidden, f"the token is not valid: {error}") from None


async def _authorise(
    request: web.Request, conversation_id: str | None = None, *, post: bool = False
) -> tuple[DirectLineService, DirectLineClaims]:
    """Token valid, bound to this conversation, which exists, for a still-usable invitation.
    A `post` spends one of the conversation's posts first (429 when none is left), before any
    database read, so that a flood costs no more than checking its token."""
    service = request.app[DIRECTLINE]
    claims = _verify(service, "conversation", _bearer(request))
    if conversation_id is not None and claims.conversation_id != conversation_id:
        raise json_error(web.HTTPForbidden, "the token is for another conversation")
    if post:
        _spend_post(service, claims.conversation_id)
    async with service.sessions() as session:
        conversation = await store.get_conversation(session, claims.conversation_id)
    if conversation is None:
        raise json_error(web.HTTPNotFound, "no such conversation")
    if conversation.user_id != claims.user_id or conversation.invitation_id != claims.invitation_id:
        raise json_error(web.HTTPForbidden, "the token does not match the conversation")
    sender = Sender(CHANNEL_ID, claims.user_id, None, None)
    grant = await request.app[SERVICES_OF].people.webchat_grant(sender)
    if grant is None or grant.invitation_id != claims.invitation_id:
        raise json_error(web.HTTPForbidden, "the invitation behind this chat has expired or been withdrawn")
    return service, claims


def _spend_post(service: DirectLineService, conversation_id: str) -> None:
    wait = service.posts.take(conversation_id)
    if wait:
        posts = service.posts
        # Direct Line's error shape; directlinejs retries once after Retry-After (which it reads
        # as milliseconds), then Web Chat marks the message "Send failed. Retry." to send again.
        raise web.HTTPTooManyRequests(
            text=json.dumps({"error": {
                "code": "TooManyRequests",
                "message": (
                    f"too many activities in this conversation: wait {wait} s and send again "
                    f"(at most {posts.burst} at once, then {posts.per_second:g} a second)"
                ),
            }}),
            content_type="application/json",
            headers={"Retry-After": str(wait)},
        )


MAX_WATERMARK = 2**31 - 1


def _watermark(request: web.Request) -> int:
    raw = request.query.get("watermark", "").strip()
    if raw in ("", "-", "null", "undefined"):
        return 0
    # The column is a 32-bit integer on PostgreSQL: a larger number is refused here, on both
    # databases, rather than by the database as a 500.
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_WATERMARK:
        raise json_error(web.HTTPBadRequest, "the watermark must be a number from this conversation")
    return int(raw)




def clean_user_activity(body: dict[str, Any]) -> dict[str, Any]:
    """The fields a browser may set, checked; 400 with the reason otherwise."""
    kind = body.get("type")
    if not isinstance(kind, str) or kind not in USER_ACTIVITY_TYPES:
        raise json_error(
            web.HTTPBadRequest,
            "the activity type must be one of: " + ", ".join(sorted(USER_ACTIVITY_TYPES)),
        )
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise json_error(web.HTTPBadRequest, "text must be a string")
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        raise json_error(web.HTTPBadRequest, f"text is longer than {MAX_TEXT_CHARS} characters")
    for name in ("textFormat", "locale", "localTimestamp", "localTimezone", "valueType", "name",
                 "speak", "inputHint"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 500):
            raise json_error(web.HTTPBadRequest, f"{name} must be a short string")
    channel_data = body.get("channelData")
    if channel_data is not None and not isinstance(channel_data, dict):
        raise json_error(web.HTTPBadRequest, "channelData must be an object")
    entities = body.get("entities")
    if entities is not None and (
        not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities)
    ):
        raise json_error(web.HTTPBadRequest, "entities must be a list of objects")
    attachments = body.get("attachments")
    if attachments:
        raise json_error(web.HTTPBadRequest, "attachments (file uploads) are not supported here")
    cleaned = {name: body[name] for name in USER_FIELDS if body.get(name) is not None}
    cleaned.pop("attachments", None)
    try:
        activity_codec.deserialize_activity(cleaned)
    except Exception:  # noqa: BLE001 - msrest raises various errors on wrong types
        raise json_error(web.HTTPBadRequest, "the body is not a valid activity") from None
    return cleaned


def public_activity(body: dict[str, Any]) -> dict[str, Any]:
    """An activity as a Direct Line client gets it: without the bot-side routing fields."""
    return {k: v for k, v in body.items() if k not in ("serviceUrl", "callerId")}


def _frame(rows: list[store.StoredActivity], watermark: int) -> dict[str, Any]:
    last = rows[-1].seq if rows else watermark
    return {"activities": [public_activity(r.body) for r in rows], "watermark": str(last)}


# Client-side handlers ---------------------------------------------------------------------------


def _conversation_answer(
    service: DirectLineService,
    request: web.Request,
    claims: DirectLineClaims,
    token: str,
    watermark: str | None,
) -> dict[str, Any]:
    return {
        "conversationId": claims.conversation_id,
        "token": token,
        "expires_in": claims.expires_in(),
        "streamUrl": service.stream_url(request, claims.conversation_id, watermark),
        "referenceGrammarId": "",
    }


async def _start_if_new(
    service: DirectLineService, request: web.Request, claims: DirectLineClaims
) -> bool:
    """The first start of a conversation tells the bot who joined (it greets); once only, on
    whichever instance wins the conditional update."""
    async with service.sessions() as session:
        started = await store.mark_started(session, claims.conversation_id, utc_now())
    if started:
        service.schedule_turn(
            claims.conversation_id,
            {
                "type": "conversationUpdate",
                "id": f"{claims.conversation_id}|start",
                "timestamp": iso(utc_now()),
                "channelId": CHANNEL_ID,
                "serviceUrl": service.service_url(request),
                "conversation": {"id": claims.conversation_id},
                "from": {"id": claims.user_id, "role": "user"},
                "recipient": {"id": service.bot_id, "name": BOT_NAME, "role": "bot"},
                "membersAdded": [
                    {"id": service.bot_id, "name": BOT_NAME},
                    {"id": claims.user_id},
                ],
            },
        )
    return started


async def start_conversation(request: web.Request) -> web.Response:
    service, claims = await _authorise(request)
    started = await _start_if_new(service, request, claims)
    body = _conversation_answer(service, request, claims, _bearer(request), None)
    return web.json_response(body, status=201 if started else 200)


async def reconnect(request: web.Request) -> web.Response:
    conversation_id = request.match_info["cid"]
    service, claims = await _authorise(request, conversation_id)
    _watermark(request)
    await _start_if_new(service, request, claims)
    watermark = request.query.get("watermark", "").strip() or None
    return web.json_response(_conversation_answer(service, request, claims, _bearer(request), watermark))


async def post_activity(request: web.Request) -> web.Response:
    conversation_id = request.match_info["cid"]
    service, claims = await _authorise(request, conversation_id, post=True)
    limit = min(MAX_ACTIVITY_BYTES, request.app._client_max_size)
    cleaned = clean_user_activity(await read_json_object(request, limit))
    activity = {
        **cleaned,
        "timestamp": iso(utc_now()),
        "channelId": CHANNEL_ID,
        "serviceUrl": service.service_url(request),
        "conversation": {"id": conversation_id},
        # The server says who is speaking: the user the token binds, whatever the browser sent.
        "from": {"id": claims.user_id, "role": "user"},
        "recipient": {"id": service.bot_id, "name": BOT_NAME, "role": "bot"},
    }
    stored = await service.append(conversation_id, activity, sender=store.SENDER_USER)
    if stored is None:
        raise json_error(web.HTTPNotFound, "no such conversation")
    service.schedule_turn(conversation_id, stored.body)
    return web.json_response({"id": stored.activity_id})


async def get_activities(request: web.Request) -> web.Response:
    conversation_id = request.match_info["cid"]
    service, _ = await _authorise(request, conversation_id)
    watermark = _watermark(request)
    async with service.sessions() as session:
        rows = await store.activities_after(session, conversation_id, watermark, limit=PAGE_SIZE)
    return web.json_response(_frame(rows, watermark))


async def refresh_token(request: web.Request) -> web.Response:
    service, claims = await _authorise(request)
    token = service.conversation_token(claims.conversation_id, claims.invitation_id, claims.user_id)
    fresh = service.signer.verify("conversation", token)
    return web.json_response(
        {"conversationId": claims.conversation_id, "token": token, "expires_in": fresh.expires_in()}
    )


async def upload(request: web.Request) -> web.Response:
    raise json_error(web.HTTPBadRequest, "file uploads are not supported in this chat")


async def stream(request: web.Request) -> web.StreamResponse:
    service = request.app[DIRECTLINE]
    conversation_id = request.match_info["cid"]
    claims = _verify(service, "stream", request.query.get("t", ""))
    if claims.conversation_id != conversation_id:
        raise json_error(web.HTTPForbidden, "the stream token is for another conversation")
    watermark = _watermark(request)
    async with service.sessions() as session:
        if await store.get_conversation(session, conversation_id) is None:
            raise json_error(web.HTTPNotFound, "no such conversation")

    ws = web.WebSocketResponse(heartbeat=service.keepalive_seconds, max_msg_size=4096)
    await ws.prepare(request)
    service.sockets.add(ws)
    for older in service.streams.admit(conversation_id, ws):
        _close_later(service, older)
    wake = service.hub.subscribe(conversation_id)
    reader = asyncio.create_task(_ignore_incoming(ws))
    idle = 0.0
    try:
        while not ws.closed and not reader.done():
            wake.clear()
            async with service.sessions() as session:
                rows = await store.activities_after(
                    session, conversation_id, watermark, limit=PAGE_SIZE
                )
            if rows:
                await ws.send_json(_frame(rows, watermark))
                watermark = rows[-1].seq
                idle = 0.0
                if len(rows) == PAGE_SIZE:
                    continue
            waiter = asyncio.create_task(wake.wait())
            done, _ = await asyncio.wait(
                {waiter, reader}, timeout=service.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            waiter.cancel()
            if not done:
                idle += service.poll_seconds
                if idle >= service.keepalive_seconds:
                    await ws.send_str("")  # keep-alive; directlinejs ignores empty frames
                    idle = 0.0
    except (ConnectionError, RuntimeError, asyncio.CancelledError):
        pass
    finally:
        service.hub.unsubscribe(conversation_id, wake)
        reader.cancel()
        service.sockets.discard(ws)
        service.streams.release(conversation_id, ws)
        if not ws.closed:
            await ws.close()
    return ws


def _close_later(service: DirectLineService, ws: Closable) -> None:
    """Close a displaced stream without holding up the new one (a half-open socket's close waits
    for an answer that never comes, up to aiohttp's close timeout)."""
    task = asyncio.create_task(ws.close(code=WSCloseCode.POLICY_VIOLATION, message=COLLISION.encode()))
    service.closing.add(task)
    task.add_done_callback(service.closing.discard)


async def _ignore_incoming(ws: web.WebSocketResponse) -> None:
    """Clients send empty pings; nothing else is expected. Returns when the socket closes."""
    async for message in ws:
        if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
            break


# Wiring ------------------------------------------------------------------------------------------


def setup_directline(app: web.Application, service: DirectLineService, services: Services) -> None:
    """Mount the Direct Line endpoint and its connector on an app made by `create_app`."""
    app[DIRECTLINE] = service
    app[SERVICES_OF] = services
    router = app.router
    router.add_post(f"{PREFIX}/conversations", start_conversation)
    router.add_get(f"{PREFIX}/conversations/{{cid}}", reconnect)
    router.add_post(f"{PREFIX}/conversations/{{cid}}/activities", post_activity)
    router.add_get(f"{PREFIX}/conversations/{{cid}}/activities", get_activities)
    router.add_post(f"{PREFIX}/conversations/{{cid}}/upload", upload)
    router.add_get(f"{PREFIX}/conversations/{{cid}}/stream", stream)
    router.add_post(f"{PREFIX}/tokens/refresh", refresh_token)
    setup_connector(app)

    async def close_sockets(app: web.Application) -> None:
        for ws in list(service.sockets):
            await ws.close(code=1001, message=b"server shutting down")

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        yield
        # The server has stopped listening by now, so a turn still running could not deliver its
        # replies to our connector: stop it. The user's message is stored; they can send again.
        await service.cancel_turns()

    app.on_shutdown.append(close_sockets)
    app.cleanup_ctx.append(lifecycle)
