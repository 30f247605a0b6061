"""askARSAN's own Direct Line 3.0 endpoint, so Microsoft's Web Chat and directlinejs run against
askARSAN with no Azure at all (DESIGN.md §4 Runtime). Mounted by `setup_directline(app)`.

Client side (`/v3/directline`, the same paths and shapes as Azure's):

    POST /conversations                      start (or resume) the token's conversation
    GET  /conversations/{id}?watermark=      reconnect: a fresh streamUrl
    POST /conversations/{id}/activities      send an activity -> {"id": "<id>|0000007"}
    GET  /conversations/{id}/activities      poll -> {"activities": [...], "watermark": "7"}
    GET  /conversations/{id}/stream?t=&watermark=   WebSocket: frames like the poll answer
    POST /tokens/refresh                     a new token with the same bindings

Bot side (`/v3/directline/connector/`): a Bot-Connector-compatible endpoint. Every inbound user
activity gets `serviceUrl` pointing here and is handed to the same bot as `/api/messages`
(`channelId: "directline"`); the bot's replies, updates and proactive messages
(`adapter.continue_conversation` with a stored reference, as for Teams) come back here, are stored
and pushed to open WebSockets.

Identity: the browser's `from.id` is always overwritten with the user id the token binds
(`inv-<invitation id>`); the bot authorises card submits from it. Every REST call also checks that
the invitation is still usable (not revoked, not expired).

Scale-out: conversations and activities live in the database (storage/directline.py). Each
instance wakes its own WebSockets at once when it stores an activity (in-process fan-out) and
polls the database every `poll_seconds` for activities stored by other instances.

The bot's calls to our connector carry a short-lived HMAC token (`connector` kind, see
bot/directline_tokens.py) rather than an Azure AD token: `install_own_connector` makes the
adapter use our own client for our own service URL, for turns and proactive sends alike.

In process (issue #10): in the process that serves the endpoint (`setup_directline`), that client
does not call the endpoint over HTTP. Its `reply_to_activity`, `send_to_conversation` and
`update_activity` turn the activity into the JSON object the request body would have been
(msrest's body from `bot.framework.sdk4171.activity_codec`, through `json`) and hand it to
`DirectLineService.store_bot_activity` -- the function the HTTP endpoint calls too, which
validates, stores and wakes the streams -- and answer the same `ResourceResponse`. No token is
needed there: the call does not leave the process that holds the signing key. Whatever the
endpoint might refuse (a body over the size limit, not JSON, characters it cannot store, an
unknown conversation or activity, no type, the database unavailable), unusual calls
(`custom_headers`, `raw`, ids the URL could change) and every other operation go to the wrapped
msrest client over HTTP, so the caller gets exactly the endpoint's answer. Another process (the
`askarsan worker`) still reaches the endpoint over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import ip_address
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from aiohttp import WSMsgType, web
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    ConnectorFactory,
)
from msrest.authentication import Authentication

from bot.directline.tokens import DirectLineClaims, TokenInvalid, TokenSigner
from bot.framework.adapter import UntrustedServiceUrl
from bot.framework.sdk4171 import activity_codec
from bot.framework.sdk4171.connector_client import HotConversations, WrappedConnectorClient
from bot.runtime import RUNTIME, Runtime
from bot.web.http import database_unavailable, json_error, read_json_object
from services.invitations import grant_for_webchat_user
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


class _ConnectorCredentials(Authentication):
    """msrest credentials that sign every call to our own connector with a fresh HMAC token."""

    def __init__(self, signer: TokenSigner) -> None:
        super().__init__()
        self._signer = signer

    def signed_session(self, session: Any = None) -> Any:
        session = super().signed_session(session)
        token = self._signer.issue("connector", ttl_seconds=CONNECTOR_TOKEN_TTL)
        session.headers["Authorization"] = f"Bearer {token}"
        return session


class _OwnConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(self, service: DirectLineService) -> None:
        self._service = service

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        return self._service.client_for(service_url)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _as_received(body: Any, limit: int) -> dict[str, Any] | None:
    """The JSON object the connector endpoint would read from the request msrest sends for `body`
    (`json.dumps` of it, ASCII), or None when the endpoint might refuse that request (over the size
    limit, NaN or Infinity, lone surrogates or NUL characters, not an object): the caller then
    makes the request, so the refusal is the endpoint's own (`read_json_object`)."""
    try:
        data = json.dumps(body)
    except (TypeError, ValueError, RecursionError):
        return None  # msrest has its own answer for a body that is not JSON
    if len(data) > limit or "\\u0000" in data:
        return None
    try:
        received = json.loads(data, parse_constant=_reject_constant)
        if "\\ud" in data:  # surrogate escapes: pairs are fine, lone ones are refused
            json.dumps(received, ensure_ascii=False).encode("utf-8")
    except (ValueError, UnicodeEncodeError, RecursionError):
        return None
    return received if type(received) is dict else None


def _routable(*ids: Any) -> bool:
    """Ids that reach the endpoint's handler unchanged through msrest's URL (quoted, then decoded
    by the router): anything else goes over HTTP, to whatever the router makes of it."""
    return all(
        type(i) is str and i.isascii() and i.isprintable() and i not in ("", ".", "..")
        and "/" not in i and "%" not in i and "\\" not in i
        for i in ids
    )


class _InProcessConnectorClient(WrappedConnectorClient):
    """Our own connector client in the process that serves the endpoint: replies, sends and
    updates are stored in process (see the module docstring); everything else is the wrapped
    msrest client's, over HTTP."""

    def __init__(self, inner: ConnectorClient, service: DirectLineService) -> None:
        super().__init__(inner)
        self.conversations = _InProcessConversations(inner, service)


class _InProcessConversations(HotConversations):
    """`conversations` with reply / send / update in process; the rest are msrest's."""

    def __init__(self, client: ConnectorClient, service: DirectLineService) -> None:
        super().__init__(client)
        self._service = service

    def _takes(self, *ids: Any) -> bool:
        return _routable(*ids)

    async def _deliver(
        self,
        operation: Literal["reply", "send", "update"],
        conversation_id: str,
        activity_id: str | None,
        activity: Any,
        fallback: Callable[[], Awaitable[Any]],
    ) -> Any:
        return await self._store(
            conversation_id, activity, fallback,
            reply_to=activity_id if operation == "reply" else None,
            update_id=activity_id if operation == "update" else None,
        )

    async def _store(
        self,
        conversation_id: str,
        activity: Any,
        over_http: Callable[[], Awaitable[Any]],
        *,
        reply_to: str | None = None,
        update_id: str | None = None,
    ) -> Any:
        # msrest's body (and msrest's exceptions for a missing or broken activity), compiled.
        body = activity_codec.serialize_activity(activity, self._client._serialize)
        received = _as_received(body, self._service.body_limit)
        if received is None:
            return await over_http()
        try:
            stored_id = await self._service.store_bot_activity(
                conversation_id, received, reply_to=reply_to, update_id=update_id
            )
        except web.HTTPException:
            # Refused before anything was stored: ask the endpoint, whose answer (msrest's
            # ErrorResponseException with its status) is what the caller handles.
            return await over_http()
        except Exception as error:
            if not database_unavailable(error):
                raise
            return await over_http()  # the endpoint's 503 with Retry-After
        return activity_codec.CONNECTOR.deserialize("ResourceResponse", {"id": stored_id})


class _ConnectorCache(dict):  # type: ignore[type-arg]
    """Stands in for `CachingAuthentication.connectors`: our own service URL always gets our own
    client (signed with the connector key); every other URL is cached as before."""

    def __init__(self, existing: dict[Any, Any], service: DirectLineService) -> None:
        super().__init__(existing)
        self._service = service

    def get(self, key: Any, default: Any = None) -> Any:
        if isinstance(key, tuple) and len(key) == 3 and self._service.owns_service_url(str(key[1])):
            return self._service.client_for(str(key[1]))
        return super().get(key, default)


@dataclass
class DirectLineService:
    runtime: Runtime
    signer: TokenSigner
    token_ttl: int = DEFAULT_TOKEN_TTL
    poll_seconds: float = 2.0
    keepalive_seconds: float = 25.0
    service_url_override: str = ""
    hub: _StreamHub = field(default_factory=_StreamHub)
    own_ports: set[int] = field(default_factory=set)
    sockets: set[web.WebSocketResponse] = field(default_factory=set)
    # True in the process that serves the connector endpoint (`setup_directline`): our own
    # client stores the bot's activities in process instead of posting them to ourselves.
    serving: bool = False
    body_limit: int = 1024**2  # the app's client_max_size, what the endpoint reads at most
    _clients: dict[str, Any] = field(default_factory=dict)
    _tails: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    # The user activity whose turn is running, per conversation: the SDK leaves `replyToId` off
    # on Direct Line (`get_conversation_reference`), Web Chat uses it to order replies after the
    # message they answer, so the connector fills it in for sends made during that turn.
    in_turn: dict[str, str] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    # -- identities -------------------------------------------------------------------------
    @property
    def bot_id(self) -> str:
        return self.runtime.settings.app_id or "askarsan-bot"

    def service_url(self, request: web.Request | None = None) -> str:
        """Where the bot's replies go: this server's connector endpoint, decided by the server
        (never by a request header). Local: loopback on the port that took the request."""
        if self.service_url_override:
            return self.service_url_override
        settings = self.runtime.settings
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
        settings = self.runtime.settings
        if url == settings.public_url + CONNECTOR_PATH:
            return True
        parts = urlsplit(url)
        if not settings.is_local or parts.scheme != "http" or parts.path != CONNECTOR_PATH:
            return False
        return _is_loopback(parts.hostname or "") and (parts.port or 80) in (
            self.own_ports | {settings.port}
        )

    def client_for(self, service_url: str) -> Any:
        """Our own connector client for our own service URL: in process where the endpoint is
        served (`_InProcessConnectorClient`), msrest over HTTP elsewhere (the worker)."""
        if not self.owns_service_url(service_url):
            raise UntrustedServiceUrl("not this server's Direct Line connector")
        self.runtime.adapter.auth.policy.check(service_url)
        client = self._clients.get(service_url)
        if client is None:
            inner = ConnectorClient(_ConnectorCredentials(self.signer), base_url=service_url)
            client = _InProcessConnectorClient(inner, self) if self.serving else inner
            self._clients[service_url] = client
        return client

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
        async with self.runtime.sessions() as session:
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
        async with self.runtime.sessions() as session:
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
        async with self.runtime.sessions() as session:
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
        runtime = self.runtime
        activity = activity_codec.deserialize_activity(body)
        result = AuthenticateRequestResult()
        result.claims_identity = runtime.adapter.create_claims_identity(runtime.settings.app_id)
        result.audience = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
        result.caller_id = None
        result.connector_factory = _OwnConnectorFactory(self)
        conversation_id = activity.conversation.id if activity.conversation else ""
        if activity.type != "conversationUpdate" and activity.id:
            self.in_turn[conversation_id] = activity.id
        try:
            await runtime.adapter.process_activity(result, activity, runtime.bot.on_turn)
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

    async def close(self) -> None:
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)
        self._clients.clear()


DIRECTLINE = web.AppKey("directline", DirectLineService)


def _public_scheme(request: web.Request) -> str:
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return forwarded if forwarded in ("http", "https") else request.scheme


def public_domain(request: web.Request) -> str:
    """The `domain` a browser on this request's origin gives Web Chat."""
    return f"{_public_scheme(request)}://{request.host}{PREFIX}"


def install_own_connector(service: DirectLineService) -> None:
    """Make the adapter's connector cache hand out our own client for our own service URL, so a
    proactive `continue_conversation` into a Direct Line conversation is signed for our connector
    (and never carries the bot's Azure AD token). Call once per process (the job worker too)."""
    auth = service.runtime.adapter.auth
    if not isinstance(auth.connectors, _ConnectorCache):
        auth.connectors = _ConnectorCache(auth.connectors, service)


# -- request helpers -------------------------------------------------------------------------


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
    request: web.Request, conversation_id: str | None = None
) -> tuple[DirectLineService, DirectLineClaims]:
    """Token valid, bound to this conversation, which exists, for a still-usable invitation."""
    service = request.app[DIRECTLINE]
    claims = _verify(service, "conversation", _bearer(request))
    if conversation_id is not None and claims.conversation_id != conversation_id:
        raise json_error(web.HTTPForbidden, "the token is for another conversation")
    async with service.runtime.sessions() as session:
        conversation = await store.get_conversation(session, claims.conversation_id)
        if conversation is None:
            raise json_error(web.HTTPNotFound, "no such conversation")
        if conversation.user_id != claims.user_id or conversation.invitation_id != claims.invitation_id:
            raise json_error(web.HTTPForbidden, "the token does not match the conversation")
        grant = await grant_for_webchat_user(session, claims.user_id, utc_now())
        if grant is None or grant.invitation_id != claims.invitation_id:
            raise json_error(
                web.HTTPForbidden, "the invitation behind this chat has expired or been withdrawn"
            )
    return service, claims


def _watermark(request: web.Request) -> int:
    raw = request.query.get("watermark", "").strip()
    if raw in ("", "-", "null", "undefined"):
        return 0
    if not raw.isdigit() or len(raw) > 12:
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


# -- client-side handlers --------------------------------------------------------------------


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
    async with service.runtime.sessions() as session:
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
    service, claims = await _authorise(request, conversation_id)
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
    async with service.runtime.sessions() as session:
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
    async with service.runtime.sessions() as session:
        if await store.get_conversation(session, conversation_id) is None:
            raise json_error(web.HTTPNotFound, "no such conversation")

    ws = web.WebSocketResponse(heartbeat=service.keepalive_seconds, max_msg_size=4096)
    await ws.prepare(request)
    service.sockets.add(ws)
    wake = service.hub.subscribe(conversation_id)
    reader = asyncio.create_task(_ignore_incoming(ws))
    idle = 0.0
    try:
        while not ws.closed and not reader.done():
            wake.clear()
            async with service.runtime.sessions() as session:
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
        if not ws.closed:
            await ws.close()
    return ws


async def _ignore_incoming(ws: web.WebSocketResponse) -> None:
    """Clients send empty pings; nothing else is expected. Returns when the socket closes."""
    async for message in ws:
        if message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
            break


# -- bot-side handlers (the Bot Connector API, v3) -------------------------------------------


def _authorise_bot(request: web.Request) -> DirectLineService:
    service = request.app[DIRECTLINE]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise json_error(web.HTTPUnauthorized, "the connector requires the bot's token")
    try:
        service.signer.verify("connector", token.strip())
    except TokenInvalid:
        raise json_error(web.HTTPUnauthorized, "the connector requires the bot's token") from None
    return service


async def connector_send(request: web.Request) -> web.Response:
    service = _authorise_bot(request)
    body = await read_json_object(request, request.app._client_max_size)
    activity_id = await service.store_bot_activity(
        request.match_info["cid"], body, reply_to=request.match_info.get("aid")
    )
    return web.json_response({"id": activity_id}, status=200)


async def connector_update(request: web.Request) -> web.Response:
    service = _authorise_bot(request)
    body = await read_json_object(request, request.app._client_max_size)
    activity_id = await service.store_bot_activity(
        request.match_info["cid"], body, update_id=request.match_info["aid"]
    )
    return web.json_response({"id": activity_id})


async def connector_unsupported(request: web.Request) -> web.Response:
    _authorise_bot(request)
    raise json_error(web.HTTPBadRequest, "not supported by the built-in Direct Line channel")


# -- wiring ----------------------------------------------------------------------------------


def setup_directline(
    app: web.Application,
    *,
    poll_seconds: float = 2.0,
    token_ttl: int | None = None,
) -> None:
    """Mount the Direct Line endpoint and its connector on an app made by `create_app`."""
    runtime = app[RUNTIME]
    settings = runtime.settings
    if settings.secret_key is None:
        raise RuntimeError("ASKARSAN_SECRET_KEY is required for the Direct Line endpoint")
    service = DirectLineService(
        runtime=runtime,
        signer=TokenSigner(settings.secret_key.get_secret_value()),
        token_ttl=int(token_ttl or getattr(settings, "directline_token_ttl", 0) or DEFAULT_TOKEN_TTL),
        poll_seconds=poll_seconds,
        service_url_override=str(getattr(settings, "directline_service_url", "") or ""),
        serving=True,
        body_limit=app._client_max_size,
    )
    app[DIRECTLINE] = service
    install_own_connector(service)

    router = app.router
    router.add_post(f"{PREFIX}/conversations", start_conversation)
    router.add_get(f"{PREFIX}/conversations/{{cid}}", reconnect)
    router.add_post(f"{PREFIX}/conversations/{{cid}}/activities", post_activity)
    router.add_get(f"{PREFIX}/conversations/{{cid}}/activities", get_activities)
    router.add_post(f"{PREFIX}/conversations/{{cid}}/upload", upload)
    router.add_get(f"{PREFIX}/conversations/{{cid}}/stream", stream)
    router.add_post(f"{PREFIX}/tokens/refresh", refresh_token)

    base = f"{PREFIX}/connector/v3/conversations"
    router.add_post(f"{base}/{{cid}}/activities", connector_send)
    router.add_post(f"{base}/{{cid}}/activities/{{aid}}", connector_send)
    router.add_put(f"{base}/{{cid}}/activities/{{aid}}", connector_update)
    router.add_delete(f"{base}/{{cid}}/activities/{{aid}}", connector_unsupported)
    router.add_post(base, connector_unsupported)

    async def close_sockets(app: web.Application) -> None:
        for ws in list(service.sockets):
            await ws.close(code=1001, message=b"server shutting down")

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        yield
        # The server has stopped listening by now, so a turn still running could not deliver its
        # replies to our connector: stop it. The user's message is stored; they can send again.
        await service.cancel_turns()
        await service.close()

    app.on_shutdown.append(close_sockets)
    app.cleanup_ctx.append(lifecycle)


__all__ = [
    "DIRECTLINE",
    "PREFIX",
    "DirectLineService",
    "install_own_connector",
    "public_domain",
    "setup_directline",
]
