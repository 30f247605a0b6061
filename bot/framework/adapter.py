"""The Bot Framework edge: the SDK's CloudAdapter with the traps of 4.17.1 worked around.

``docs/architecture.md`` ("SDK traps") lists them; each workaround here names the one it fixes:

1. `CloudAdapter.process` answers 500 to invoke responses with a body (the body is serialized
   twice), to a missing Content-Type (KeyError), to a body that is not JSON and to a malformed
   token. `AskarsanAdapter.process` parses and authenticates first and answers 4xx with a reason.
2. Every turn builds two msrest clients (a `ConnectorClient` and a user-token client) whose
   constructors are slow. `CachingAuthentication` keeps one per service URL / audience / app id.
   msrest itself then still costs about a third of a turn's CPU (bench/results.md), so it is off the
   turn path: `parse_activity` reads the incoming activity with `sdk4171.activity_codec`
   (msrest's result, from a compiled `_attribute_map`; msrest itself for anything unusual, so bad input is
   still a 400), and the cached connector clients are `LeanConnectorClient`s
   (`bot/connector_client.py`) whose replies, sends and updates go out as one aiohttp request on
   a session shared by all of them and closed by `CachingAuthentication.close()`: same URL,
   body, token and errors as msrest; every other operation is the wrapped msrest client's.
3. `is_trusted_service` trusts every URL, so the bot's token would go to any `serviceUrl`.
   `ServiceUrlPolicy` allow-lists hosts, and the cache refuses anything else, for replies and for
   proactive messages alike.
4. Teams sends `conversation.tenantId`, the schema maps `tenantID`: `TeamsTenantMiddleware` reads
   the tenant from `channelData.tenant.id` and drops activities from tenants we do not serve.
5. The SDK's token validation blocks the event loop, crashes on unknown key ids, skips the
   audience on the Emulator path and fetches the bot's own token synchronously: `bot/botauth.py`
   patches it once (`create_adapter` calls `botauth.install()`), and `CachingAuthentication`
   checks every token's claims against our app id and the activity (`botauth.verify_claims`).
6. `ServiceUrlPolicy` judges a URL the way the HTTP client that sends the token will read it:
   `urlsplit` and urllib3 disagree on `https://evil.example\\@smba.trafficmanager.net/` (urlsplit
   sees the Microsoft host, requests connects to evil.example), so URLs with user info, a
   backslash, whitespace, control or non-ASCII characters or percent-escapes in the host part are
   refused, and both parsers must agree on the host.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from ipaddress import ip_address
from types import SimpleNamespace
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from msrest.serialization import Model
from urllib3.util import parse_url

from bot.framework.middleware import TeamsTenantMiddleware
from bot.framework.sdk4171 import auth_patches as botauth
from bot.framework.sdk4171.activity_codec import deserialize_activity
from bot.framework.sdk4171.connector_client import LeanConnectorClient, close_shared_session, shared_session
from bot.settings import Settings
from bot.web.http import json_error, read_json_object

log = logging.getLogger(__name__)


class UntrustedServiceUrl(PermissionError):
    """A service URL outside the allow-list: the bot's token must not go there."""


_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


class ServiceUrlPolicy:
    def __init__(self, host_patterns: list[str], allow_loopback: bool) -> None:
        self._patterns = [p.lower() for p in host_patterns]
        self._allow_loopback = allow_loopback

    def is_allowed(self, url: str | None) -> bool:
        if not url or not isinstance(url, str) or len(url) > 2048:
            return False
        # Only plain printable ASCII: no backslash, whitespace or control characters that the
        # parsers below (and the HTTP client) treat differently.
        if not url.isascii() or not url.isprintable() or "\\" in url or " " in url:
            return False
        try:
            parts = urlsplit(url)
            port = parts.port  # ValueError on a bad port
            sent_to = parse_url(url)  # how requests/urllib3 will read it
        except ValueError:
            return False
        if "@" in parts.netloc or "%" in parts.netloc or parts.username is not None:
            return False
        host = (parts.hostname or "").lower()
        if not host or (sent_to.host or "").lower().strip("[]") != host or sent_to.port != port:
            return False
        if not _HOST_NAME.fullmatch(host) and not _is_loopback(host):
            return False
        if self._allow_loopback and _is_loopback(host):
            return parts.scheme in ("http", "https")
        if parts.scheme != "https":
            return False
        return any(fnmatch.fnmatchcase(host, p) for p in self._patterns)

    def check(self, url: str | None) -> None:
        if not self.is_allowed(url):
            raise UntrustedServiceUrl("the activity's serviceUrl is not an allowed Bot Connector host")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class ConnectorRoute(Protocol):
    """A connector of our own for some service URLs (``CachingAuthentication.route``)."""

    def owns(self, service_url: str) -> bool: ...

    def client_for(self, service_url: str) -> Any: ...

    async def close(self) -> None: ...


class _CachingConnectorFactory(ConnectorFactory):  # type: ignore[misc]
    def __init__(self, owner: CachingAuthentication, inner: ConnectorFactory, app_id: str) -> None:
        self._owner = owner
        self._inner = inner
        self._app_id = app_id

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        own = self._owner.own_client(service_url)
        if own is not None:
            return own
        self._owner.policy.check(service_url)
        key = (self._app_id, service_url, audience or "")
        client = self._owner.connectors.get(key)
        if client is None:
            # The SDK's client, with msrest off its hot calls (trap 2).
            inner = await self._inner.create(service_url, audience)
            client = LeanConnectorClient(inner, shared_session(self._owner))
            self._owner.connectors[key] = client
        return client


class CachingAuthentication(BotFrameworkAuthentication):  # type: ignore[misc]
    """Delegates to the SDK's authentication; caches the clients it builds; checks URLs."""

    def __init__(
        self,
        inner: BotFrameworkAuthentication,
        policy: ServiceUrlPolicy,
        app_id: str = "",
        *,
        emulator_tokens: bool = True,
    ) -> None:
        self.inner = inner
        self.policy = policy
        self.app_id = app_id
        self.emulator_tokens = emulator_tokens
        self.connectors: dict[tuple[str, str, str], ConnectorClient] = {}
        self._user_token_clients: dict[str, UserTokenClient] = {}
        self._routes: list[ConnectorRoute] = []

    def route(self, connector: ConnectorRoute) -> None:
        """Hand out `connector`'s own client for the service URLs it owns (the built-in Direct
        Line channel's endpoint): those are trusted for that connector, which never carries the
        bot's token, whatever the allow-list of Bot Connector hosts says."""
        self._routes.append(connector)

    def own_client(self, service_url: str) -> Any | None:
        for connector in self._routes:
            if connector.owns(service_url):
                return connector.client_for(service_url)
        return None

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await self.inner.authenticate_request(activity, auth_header)
        if self.app_id:
            # The SDK leaves the audience unchecked on the Emulator path (botauth, patch 3).
            botauth.verify_claims(
                result.claims_identity, activity, self.app_id, emulator=self.emulator_tokens
            )
        if result.connector_factory is not None:
            app_id = _app_id(result.claims_identity)
            result.connector_factory = _CachingConnectorFactory(
                self, result.connector_factory, app_id
            )
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self.inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = self.inner.create_connector_factory(claims_identity)
        return _CachingConnectorFactory(self, inner, _app_id(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)
        client = self._user_token_clients.get(app_id)
        if client is None:
            client = await self.inner.create_user_token_client(claims_identity)
            self._user_token_clients[app_id] = client
        return client

    def create_bot_framework_client(self) -> Any:
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return str(self.inner.get_originating_audience())

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)

    async def close(self) -> None:
        for route in self._routes:
            await route.close()
        for client in self.connectors.values():
            await client.__aexit__(None, None, None)  # msrest closes its HTTP session here
        self.connectors.clear()
        await close_shared_session(self)  # the lean clients' aiohttp session


def _app_id(identity: ClaimsIdentity | None) -> str:
    if identity is None:
        return ""
    claims = identity.claims or {}
    return str(claims.get("appid") or claims.get("azp") or claims.get("aud") or "")


class AskarsanAdapter(CloudAdapter):  # type: ignore[misc]
    def __init__(self, auth: CachingAuthentication) -> None:
        super().__init__(auth)
        self.auth = auth

    async def process(
        self, request: web.Request, bot: Bot, ws_response: Any = None
    ) -> web.Response:
        activity = await parse_activity(request)
        auth_header = request.headers.get("Authorization", "")
        try:
            authenticated = await self.auth.authenticate_request(activity, auth_header)
        except botauth.SigningKeysUnavailable:
            log.warning("refused an activity: the signing keys could not be read")
            raise json_error(
                web.HTTPServiceUnavailable, "the request cannot be authenticated right now"
            ) from None
        except Exception as error:  # noqa: BLE001 - every auth failure is a 401, never a 500
            log.info("refused an activity: %s", type(error).__name__)
            raise json_error(web.HTTPUnauthorized, "the request is not authenticated") from None
        try:
            self.auth.policy.check(activity.service_url)
        except UntrustedServiceUrl as error:
            raise json_error(web.HTTPForbidden, str(error)) from None
        invoke_response = await self.process_activity(authenticated, activity, bot.on_turn)
        if invoke_response is None:
            return web.Response(status=201)
        body = invoke_response.body
        if isinstance(body, Model):
            body = body.serialize()  # type: ignore[no-untyped-call]
        # The SDK serializes a dict body a second time and fails; a body is already JSON-ready.
        if body is None:
            return web.Response(status=invoke_response.status or 200)
        return web.json_response(body, status=invoke_response.status or 200)


async def parse_activity(request: web.Request) -> Activity:
    """Read an activity from a request, or answer 4xx saying what is wrong with it."""
    body = await read_json_object(request)
    try:
        activity = deserialize_activity(body)  # Activity().deserialize(body), compiled
    except Exception:  # noqa: BLE001 - msrest raises various errors on wrong types
        raise json_error(web.HTTPBadRequest, "the body is not a valid activity") from None
    if not activity.type or not isinstance(activity.type, str):
        raise json_error(web.HTTPBadRequest, "the activity has no type")
    if not activity.service_url:
        raise json_error(web.HTTPBadRequest, "the activity has no serviceUrl")
    if not activity.channel_id or not isinstance(activity.channel_id, str):
        # The SDK raises TypeError without it (a 500), and a token's channel endorsement is
        # checked against it.
        raise json_error(web.HTTPBadRequest, "the activity has no channelId")
    if activity.conversation is None or not activity.conversation.id:
        raise json_error(web.HTTPBadRequest, "the activity has no conversation id")
    return activity


def create_adapter(settings: Settings) -> AskarsanAdapter:
    config = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password.get_secret_value(),
        # Without an app id authentication is disabled (local / Emulator); the SDK only accepts
        # that under its MultiTenant factory.
        APP_TYPE=settings.app_type if settings.app_id else "MultiTenant",
        APP_TENANTID=settings.app_tenant_id,
    )
    botauth.install()
    inner = ConfigurationBotFrameworkAuthentication(config)
    policy = ServiceUrlPolicy(settings.service_hosts, allow_loopback=settings.is_local)
    adapter = AskarsanAdapter(
        CachingAuthentication(
            inner, policy, settings.app_id, emulator_tokens=settings.accepts_emulator_tokens
        )
    )
    adapter.use(TeamsTenantMiddleware(settings.allowed_tenants))
    return adapter
