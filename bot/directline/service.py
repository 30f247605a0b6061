"""The built-in Direct Line channel's core: who the bot is on it, its signed tokens, storing
activities and waking the conversation's streams, and running the bot's turns.

Conversations and activities live in the database (``storage/directline.py``), so several server
instances serve one conversation: each wakes its own WebSockets at once when it stores an activity
(in-process fan-out) and polls the database every ``poll_seconds`` for activities stored by the
others. Every inbound user activity gets ``serviceUrl`` pointing at this server's connector
endpoint (``bot/directline/connector.py``) and is handed to the same bot as ``/api/messages``
(``channelId: "directline"``); the bot's replies and proactive messages come back through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import web
from botbuilder.core import TurnContext
from botframework.connector.auth import AuthenticateRequestResult, AuthenticationConstants
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.directline.caps import MAX_TRACKED_CONVERSATIONS, PostBuckets, StreamSlots
from bot.directline.tokens import TokenSigner
from bot.framework.adapter import AskarsanAdapter
from bot.framework.sdk4171 import activity_codec
from bot.settings import Settings
from bot.web.http import json_error
from storage import directline as store
from storage.turn_order import begin_turn

log = logging.getLogger(__name__)

PREFIX = "/v3/directline"
CONNECTOR_PATH = f"{PREFIX}/connector/"
CHANNEL_ID = "directline"
BOT_NAME = "askARSAN"
DEFAULT_TOKEN_TTL = 30 * 60
STREAM_TOKEN_TTL = 5 * 60
CONNECTOR_TOKEN_TTL = 5 * 60
MAX_ACTIVITY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 20_000
USER_ACTIVITY_TYPES = frozenset({"message", "event", "typing"})
# What a browser may set on its activity; everything else is the server's to say.
USER_FIELDS = (
    "type", "text", "textFormat", "locale", "localTimestamp", "localTimezone", "value",
    "valueType", "name", "channelData", "entities", "attachments", "speak", "inputHint",
)
PAGE_SIZE = 500


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _StreamHub:
    """In-process fan-out: wake this instance's WebSockets for a conversation."""

    def __init__(self) -> None:
        self._events: dict[str, set[asyncio.Event]] = {}

    def subscribe(self, conversation_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._events.setdefault(conversation_id, set()).add(event)
        return event

    def unsubscribe(self, conversation_id: str, event: asyncio.Event) -> None:
        events = self._events.get(conversation_id)
        if events is not None:
            events.discard(event)
            if not events:
                del self._events[conversation_id]

    def notify(self, conversation_id: str) -> None:
        for event in self._events.get(conversation_id, ()):
            event.set()


@dataclass
class DirectLineService:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    adapter: AskarsanAdapter
    on_turn: Callable[[TurnContext], Awaitable[None]]
    signer: TokenSigner
    token_ttl: int = DEFAULT_TOKEN_TTL
    poll_seconds: float = 2.0
    keepalive_seconds: float = 25.0
    service_url_override: str = ""
    hub: _StreamHub = field(default_factory=_StreamHub)
    own_ports: set[int] = field(default_factory=set)
    sockets: set[web.WebSocketResponse] = field(default_factory=set)
    closing: set[asyncio.Task[bool]] = field(default_factory=set)  # displaced streams' closes
    # The user activity whose turn is running, per conversation: the SDK leaves `replyToId` off
    # on Direct Line (`get_conversation_reference`), Web Chat uses it to order replies after the
    # message they answer, so the connector fills it in for sends made during that turn.
    in_turn: dict[str, str] = field(default_factory=dict)
    # The per-conversation caps (bot/directline/caps.py), made from the settings; the clock and
    # the bound on remembered conversations can be given (the tests drive them).
    caps_clock: Callable[[], float] = time.monotonic
    max_tracked: int = MAX_TRACKED_CONVERSATIONS
    posts: PostBuckets = field(init=False)
    streams: StreamSlots = field(init=False)
    _tails: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        settings = self.settings
        self.posts = PostBuckets(
            settings.directline_burst, settings.directline_per_second,
            clock=self.caps_clock, max_tracked=self.max_tracked,
        )
        self.streams = StreamSlots(settings.directline_streams)

    # -- identities -------------------------------------------------------------------------
    @property
    def bot_id(self) -> str:
        return self.settings.app_id or "askarsan-bot"

    def service_url(self, request: web.Request | None = None) -> str:
        """Where the bot's replies go: this server's connector endpoint, decided by the server
        (never by a request header). Local: loopback on the port that took the request."""
        if self.service_url_override:
            return self.service_url_override
        settings = self.settings
        if not settings.is_local:
            return settings.public_url + CONNECTOR_PATH
        port = settings.port
        host = "127.0.0.1"
        sockname = request.transport.get_extra_info("sockname") if request and request.transport else None
        if isinstance(sockname, tuple) and len(sockname) >= 2:
            port = int(sockname[1])
            if ":" in str(sockname[0]):
                host = "[::1]"
        self.own_ports.add(port)
        return f"http://{host}:{port}{CONNECTOR_PATH}"

    def owns_service_url(self, url: str) -> bool:
        if not url:
            return False
        if self.service_url_override and url == self.service_url_override:
            return True
        settings = self.settings
        if url == settings.public_url + CONNECTOR_PATH:
            return True
        parts = urlsplit(url)
        if not settings.is_local or parts.scheme != "http" or parts.path != CONNECTOR_PATH:
            return False
        return _is_loopback(parts.hostname or "") and (parts.port or 80) in (
            self.own_ports | {settings.port}
        )

    # -- tokens -----------------------------------------------------------------------------
    def conversation_token(self, conversation_id: str, invitation_id: str, user_id: str) -> str:
        return self.signer.issue(
            "conversation",
            conversation_id=conversation_id,
            invitation_id=invitation_id,
            user_id=user_id,
            ttl_seconds=self.token_ttl,
        )

    def stream_url(self, request: web.Request, conversation_id: str, watermark: str | None) -> str:
        token = self.signer.issue(
            "stream", conversation_id=conversation_id, ttl_seconds=STREAM_TOKEN_TTL
        )
        scheme = "wss" if _public_scheme(request) == "https" else "ws"
        url = f"{scheme}://{request.host}{PREFIX}/conversations/{quote(conversation_id)}/stream?t={token}"
        if watermark:
            url += f"&watermark={quote(watermark)}"
        return url

    # -- storing and fan-out ----------------------------------------------------------------
    async def append(
        self,
        conversation_id: str,
        body: dict[str, Any],
        *,
        sender: str,
        activity_id: str | None = None,
    ) -> store.StoredActivity | None:
        async with self.sessions() as session:
            stored = await store.append_activity(
                session, conversation_id, body, sender=sender, now=utc_now(), activity_id=activity_id
            )
            if stored is None:
                return None
            await session.commit()
        self.hub.notify(conversation_id)
        return stored

    async def store_bot_activity(
        self,
        conversation_id: str,
        body: dict[str, Any],
        *,
        reply_to: str | None = None,
        update_id: str | None = None,
    ) -> str:
        """The connector's one way in, for the HTTP endpoint and the in-process client alike:
        the bot's activity `body` (a JSON object as read from a request) sent to, replying to
        (`reply_to`) or replacing (`update_id`) an activity of the conversation, validated,
        stored and pushed to the conversation's streams. Returns the id to answer with; raises
        the endpoint's 4xx (`json_error`) before storing anything when it refuses."""
        kind = body.get("type")
        if not isinstance(kind, str) or not kind:
            raise json_error(web.HTTPBadRequest, "the activity has no type")
        async with self.sessions() as session:
            conversation = await store.get_conversation(session, conversation_id)
        if conversation is None:
            raise json_error(web.HTTPNotFound, "no such conversation")
        activity = {k: v for k, v in body.items() if k not in ("serviceUrl", "callerId", "id")}
        activity.update(
            {
                "timestamp": iso(utc_now()),
                "channelId": CHANNEL_ID,
                "conversation": {"id": conversation_id},
                "from": {"id": self.bot_id, "name": BOT_NAME, "role": "bot"},
                "recipient": {"id": conversation.user_id, "role": "user"},
            }
        )
        if update_id is None:
            reply_to = reply_to or activity.get("replyToId") or self.in_turn.get(conversation_id)
            if reply_to:
                activity["replyToId"] = reply_to
            stored = await self.append(conversation_id, activity, sender=store.SENDER_BOT)
            if stored is None:
                raise json_error(web.HTTPNotFound, "no such conversation")
            return stored.activity_id
        async with self.sessions() as session:
            original = await store.find_activity(session, conversation_id, update_id)
        if original is None:
            raise json_error(web.HTTPNotFound, "no such activity in this conversation")
        activity["timestamp"] = original.get("timestamp", activity["timestamp"])
        if original.get("replyToId") and "replyToId" not in activity:
            activity["replyToId"] = original["replyToId"]
        stored = await self.append(
            conversation_id, activity, sender=store.SENDER_BOT, activity_id=update_id
        )
        if stored is None:
            raise json_error(web.HTTPNotFound, "no such conversation")
        return update_id

    # -- bot turns --------------------------------------------------------------------------
    def schedule_turn(self, conversation_id: str, body: dict[str, Any]) -> None:
        """Run the bot on `body` after the conversation's earlier turns (one at a time per
        conversation on this instance), without holding up the HTTP answer."""
        previous = self._tails.get(conversation_id)
        task = asyncio.create_task(self._turn_after(previous, body))
        self._tails[conversation_id] = task
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            if self._tails.get(conversation_id) is finished:
                del self._tails[conversation_id]

        task.add_done_callback(done)

    async def _turn_after(self, previous: asyncio.Task[None] | None, body: dict[str, Any]) -> None:
        if previous is not None:
            with contextlib.suppress(BaseException):
                await asyncio.shield(previous)
        await self.run_turn(body)

    async def run_turn(self, body: dict[str, Any]) -> None:
        begin_turn()  # the database serves the oldest waiting turn first (storage/turn_order.py)
        activity = activity_codec.deserialize_activity(body)
        result = AuthenticateRequestResult()
        result.claims_identity = self.adapter.create_claims_identity(self.settings.app_id)
        result.audience = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        result.caller_id = None
        # The adapter's connectors hand out our own connector client for our own service URL
        # (bot/directline/connector.py registers it), signed for our endpoint, never the bot's
        # Azure AD token.
        result.connector_factory = self.adapter.auth.create_connector_factory(result.claims_identity)
        conversation_id = activity.conversation.id if activity.conversation else ""
        if activity.type != "conversationUpdate" and activity.id:
            self.in_turn[conversation_id] = activity.id
        try:
            await self.adapter.process_activity(result, activity, self.on_turn)
        except Exception as error:  # a failed turn must not kill the channel
            log.exception(
                "direct line turn failed: %s",
                type(error).__name__,
                extra={"activity_id": activity.id, "channel_id": CHANNEL_ID},
            )
        finally:
            self.in_turn.pop(conversation_id, None)

    async def drain(self, grace_seconds: float = 10.0) -> None:
        """Let the running turns finish (at shutdown), up to `grace_seconds`."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace_seconds)

    async def cancel_turns(self) -> None:
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            log.info("cancelled %d direct line turns at shutdown", len(pending))
            await asyncio.wait(pending, timeout=5)


DIRECTLINE = web.AppKey("directline", DirectLineService)


def _public_scheme(request: web.Request) -> str:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return forwarded if forwarded in ("http", "https") else request.scheme


def public_domain(request: web.Request) -> str:
    """The `domain` a browser on this request's origin gives Web Chat."""
    return f"{_public_scheme(request)}://{request.host}{PREFIX}"


