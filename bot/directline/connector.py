"""The bot side of the built-in Direct Line channel: a Bot-Connector-compatible endpoint under
``/v3/directline/connector/`` where the bot's replies, updates and proactive messages arrive, are
stored and pushed to the conversation's streams, and `OwnConnector`, the client the adapter uses
for that endpoint.

`OwnConnector` is registered with the adapter's connectors (``CachingAuthentication.route``):
for our own service URL, and only for it, the adapter hands out our client, which signs each call
with a short-lived HMAC token of the ``connector`` kind (``bot/directline/tokens.py``), never the
bot's Azure AD token. Our own URL is trusted for our own connector whatever the allow-list of Bot
Connector hosts says; no other URL gets this client.

In process: in the process that serves the endpoint (``serving=True``), the client does not call
the endpoint over HTTP. Its ``reply_to_activity``, ``send_to_conversation`` and
``update_activity`` turn the activity into the JSON object the request body would have been
(msrest's body from ``activity_codec``, through ``json``) and hand it to
``DirectLineService.store_bot_activity`` -- the function the HTTP endpoint calls too, which
validates, stores and wakes the streams -- and answer the same ``ResourceResponse``. Whatever the
endpoint might refuse (a body over the size limit, not JSON, characters it cannot store, an
unknown conversation or activity, no type, the database unavailable), unusual calls
(``custom_headers``, ``raw``, ids the URL could change) and every other operation go to the
wrapped msrest client over HTTP, so the caller gets exactly the endpoint's answer. Another process
(``askarsan worker``) reaches the endpoint over HTTP.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from aiohttp import web
from botframework.connector.aio import ConnectorClient
from msrest.authentication import Authentication

from bot.directline.service import CONNECTOR_TOKEN_TTL, DIRECTLINE, DirectLineService
from bot.directline.tokens import TokenInvalid, TokenSigner
from bot.framework.sdk4171 import activity_codec
from bot.framework.sdk4171.connector_client import HotConversations, WrappedConnectorClient
from bot.web.http import database_unavailable, json_error, read_json_object

__all__ = ["OwnConnector", "setup_connector"]


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


class OwnConnector:
    """Our own connector clients, one per service URL of this server (``CachingAuthentication``
    routes our own URLs here): in process where the endpoint is served, msrest over HTTP
    elsewhere (the worker)."""

    def __init__(self, service: DirectLineService, *, serving: bool, body_limit: int = 1024**2) -> None:
        self._service = service
        self._serving = serving
        self.body_limit = body_limit  # the app's client_max_size, what the endpoint reads at most
        self._clients: dict[str, Any] = {}

    @property
    def service(self) -> DirectLineService:
        return self._service

    def owns(self, service_url: str) -> bool:
        return self._service.owns_service_url(service_url)

    def client_for(self, service_url: str) -> Any:
        client = self._clients.get(service_url)
        if client is None:
            inner = ConnectorClient(_ConnectorCredentials(self._service.signer), base_url=service_url)
            client = _InProcessConnectorClient(inner, self) if self._serving else inner
            self._clients[service_url] = client
        return client

    async def close(self) -> None:
        for client in self._clients.values():
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)
        self._clients.clear()


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

    def __init__(self, inner: ConnectorClient, connector: OwnConnector) -> None:
        super().__init__(inner)
        self.conversations = _InProcessConversations(inner, connector)


class _InProcessConversations(HotConversations):
    """`conversations` with reply / send / update in process; the rest are msrest's."""

    def __init__(self, client: ConnectorClient, connector: OwnConnector) -> None:
        super().__init__(client)
        self._connector = connector

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
        received = _as_received(body, self._connector.body_limit)
        if received is None:
            return await over_http()
        try:
            stored_id = await self._connector.service.store_bot_activity(
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


# The bot-side handlers (the Bot Connector API, v3) -------------------------------------------


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




def setup_connector(app: web.Application) -> None:
    """Mount the bot-side endpoint (after ``setup_directline``: it reads ``app[DIRECTLINE]``)."""
    base = "/v3/directline/connector/v3/conversations"
    router = app.router
    router.add_post(f"{base}/{{cid}}/activities", connector_send)
    router.add_post(f"{base}/{{cid}}/activities/{{aid}}", connector_send)
    router.add_put(f"{base}/{{cid}}/activities/{{aid}}", connector_update)
    router.add_delete(f"{base}/{{cid}}/activities/{{aid}}", connector_unsupported)
    router.add_post(base, connector_unsupported)
