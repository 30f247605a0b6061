"""A lean Bot Connector client for the calls made on every turn (``docs/architecture.md``, SDK trap 2).

The SDK sends each reply through msrest: `Serializer.body` (which first rebuilds the activity through
a deserializer, then validates and serializes it), then an async pipeline of policies that hands
the request to `requests` in a worker thread. `LeanConnectorClient` wraps the SDK's
`ConnectorClient` and does `conversations.reply_to_activity`, `send_to_conversation` and
`update_activity` itself: the body from `bot.framework.sdk4171.activity_codec` (msrest's JSON, compiled), one
request on a shared `aiohttp.ClientSession`. Every other attribute and operation
(`create_conversation`, members, attachments, `config`...) is the wrapped client's.

What stays exactly as the SDK does it (tests/bot/test_connector_client.py sends the same calls
through both clients to a recording server and compares):

- the request: method, URL (ids quoted like `Serializer.url`, i.e. `quote(id, safe="")`, so
  Teams' `19:...;messageid=...@thread.v2` becomes `19%3A...%3Bmessageid%3D...%40thread.v2`, joined
  onto the service URL as msrest's `format_url` joins them and requoted as requests does), the
  body bytes (`json.dumps` of msrest's dict), and the headers msrest sets: `Accept`,
  `Content-Type`, `x-ms-conversation-id` on replies, the client's `User-Agent` and its
  `config.headers`; TLS verified against the same bundle (certifi's, or `REQUESTS_CA_BUNDLE`);
- authentication: with `MicrosoftAppCredentials` that have an app id, `Authorization: Bearer <token>`
  from `botauth.ensure_access_token` (MSAL in a worker thread, cached on the credentials, as the
  patched SDK path does); without an app id (local, Emulator) or with msrest's anonymous
  `Authentication`, no header (`AppCredentials._should_set_token`);
- the answer: 200/201/202 give a `ResourceResponse` (or None for an empty body); any other status
  raises the SDK's `ErrorResponseException` (an `HttpOperationError`) built by msrest from a
  `requests.Response` with the status, headers (so `Retry-After`), reason and body, which
  bot/proactive.py and bot/teams_reach.py read. Like msrest, a body that is not JSON (e.g. a
  `text/plain` 429) raises msrest's `DeserializationError` instead, whatever the status;
- retries: the client's urllib3 `Retry` policy decides, as it does under `requests`: failed
  connections are retried (msrest: 3 times, backoff 0 s, 1.6 s, 3.2 s), failures after the request
  went out and retryable statuses (408, 5xx but 501/505, or `Retry-After` on 413/429/503) only for
  idempotent methods -- `PUT` (update) yes, `POST` (reply, send) no; a transport failure raises
  msrest's `ClientRequestError`;
- timeouts: the client's `config.connection.timeout` (100 s) for connecting and for each read.

Deliberate differences: redirects are not followed (the Bot Connector does not redirect; requests
would re-post a 307/308 to wherever `Location` points, outside the service-URL allow-list);
`~/.netrc` is not read (requests would replace the bot's Bearer token with Basic credentials from
it); proxies from the environment are looked at when the client is created (a client behind one
goes through msrest) and `REQUESTS_CA_BUNDLE` when the shared session opens, not on every
request; on an update, a `Retry-After` urllib3 cannot parse means "back off", not an error.

A client whose setup the lean path does not reproduce -- other credentials (certificates, managed
identity, our Direct Line connector's), a custom pipeline, explicit or environment proxies, other
TLS settings, hooks, HTTP logging -- and any call with `custom_headers`, `raw` or operation
options, or with ids that are not printable ASCII strings, go to the wrapped msrest client unchanged.

The session: one `aiohttp.ClientSession` per `CachingAuthentication` (`SharedSession`), created
on the running loop at the first send, closed by `CachingAuthentication.close()`. An adapter
nobody closes (a worker, a test) still gets its session closed when its event loop shuts down
(the session's keeper is an async generator, which `loop.shutdown_asyncgens()` finalises).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, NoReturn
from urllib.parse import quote, urlsplit

import aiohttp
import requests
from botframework.connector.auth import MicrosoftAppCredentials
from botframework.connector.auth.app_credentials import AppCredentials
from botframework.connector.models import ErrorResponseException
from msrest.authentication import Authentication
from msrest.exceptions import ClientRequestError, raise_with_traceback
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import ClientRequest
from msrest.universal_http.async_requests import AsyncRequestsClientResponse
from msrest.universal_http.requests import default_session_configuration_callback
from requests.structures import CaseInsensitiveDict
from requests.utils import (
    DEFAULT_CA_BUNDLE_PATH,
    get_encoding_from_headers,
    get_environ_proxies,
    requote_uri,
)
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError
from urllib3.util.retry import Retry
from yarl import URL

from bot.framework.sdk4171 import activity_codec
from bot.framework.sdk4171 import auth_patches as botauth

log = logging.getLogger(__name__)

_MsrestResponse: Any = AsyncRequestsClientResponse  # untyped

__all__ = [
    "HotConversations",
    "LeanConnectorClient",
    "SharedSession",
    "WrappedConnectorClient",
    "close_shared_session",
    "shared_session",
]

REPLY_URL = "/v3/conversations/{conversationId}/activities/{activityId}"
SEND_URL = "/v3/conversations/{conversationId}/activities"
UPDATE_URL = "/v3/conversations/{conversationId}/activities/{activityId}"
SUCCESS = frozenset({200, 201, 202})


# --- the shared session ---------------------------------------------------------------------


async def _keeper(session: aiohttp.ClientSession) -> AsyncIterator[None]:
    """Closes `session` when closed itself: by `SharedSession.close` or at loop shutdown."""
    try:
        yield
    finally:
        await session.close()


_ssl_contexts: dict[tuple[str, str], ssl.SSLContext] = {}


def _trust_store() -> tuple[str, str]:
    """What requests verifies against (with `trust_env`): the environment's bundle or certifi's."""
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and os.path.isdir(bundle):
        return ("capath", bundle)
    return ("cafile", bundle or DEFAULT_CA_BUNDLE_PATH)


async def _ssl_context() -> ssl.SSLContext:
    store = _trust_store()
    context = _ssl_contexts.get(store)
    if context is None:
        kind, path = store
        # Reading the bundle takes a few ms: not on the event loop.
        if kind == "capath":
            context = await asyncio.to_thread(ssl.create_default_context, capath=path)
        else:
            context = await asyncio.to_thread(ssl.create_default_context, cafile=path)
        _ssl_contexts[store] = context
    return context


class SharedSession:
    """The one aiohttp session the lean clients of one `CachingAuthentication` share."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._keeper: AsyncIterator[None] | None = None
        self.opened = 0  # sessions created so far (tests look)

    @property
    def session(self) -> aiohttp.ClientSession | None:
        return self._session

    async def get(self) -> aiohttp.ClientSession:
        session = self._session
        if session is not None and not session.closed and self._loop is asyncio.get_running_loop():
            return session
        return await self._open()

    async def _open(self) -> aiohttp.ClientSession:
        context = await _ssl_context()
        loop = asyncio.get_running_loop()
        session = self._session
        if session is not None and not session.closed and self._loop is loop:
            return session  # another send opened it while we waited
        await self._close_on(loop)
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=context),
            # Proxies and .netrc are settled per client (see the module docstring): with
            # trust_env aiohttp would read them in worker threads on every request.
            trust_env=False,
        )
        # aiohttp re-sends an idempotent request (our PUT) once more when the connection drops;
        # the client's urllib3 Retry policy decides retries here, as under requests.
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False
        keeper = _keeper(session)
        await keeper.__anext__()  # registers it with this loop's async generator hooks
        self._session, self._loop, self._keeper = session, loop, keeper
        self.opened += 1
        return session

    async def _close_on(self, loop: asyncio.AbstractEventLoop) -> None:
        keeper, owner = self._keeper, self._loop
        self._session, self._loop, self._keeper = None, None, None
        # A session of another (finished) loop was closed by that loop's shutdown.
        if keeper is not None and owner is loop:
            await keeper.aclose()  # type: ignore[attr-defined]

    async def close(self) -> None:
        await self._close_on(asyncio.get_running_loop())


_sessions: weakref.WeakKeyDictionary[Any, SharedSession] = weakref.WeakKeyDictionary()


def shared_session(owner: Any) -> SharedSession:
    """The `SharedSession` of `owner` (a `CachingAuthentication`), made on first use."""
    shared = _sessions.get(owner)
    if shared is None:
        shared = _sessions[owner] = SharedSession()
    return shared


async def close_shared_session(owner: Any) -> None:
    """Close `owner`'s session (a later send opens a new one)."""
    shared = _sessions.get(owner)
    if shared is not None:
        await shared.close()


# --- the client -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Transport:
    """What a lean send needs from the wrapped client's configuration, checked once."""

    anonymous: bool
    timeout: aiohttp.ClientTimeout


def _transport_for(client: Any) -> _Transport | str:
    """The lean transport for `client`, or why its calls must go through msrest."""
    config: Any = getattr(client, "config", None)
    creds = getattr(config, "credentials", None)
    if type(creds) is Authentication:
        anonymous = True
    elif (
        isinstance(creds, MicrosoftAppCredentials)
        and type(creds).signed_session is AppCredentials.signed_session
        and type(creds)._should_set_token is AppCredentials._should_set_token
    ):
        anonymous = False
    else:
        return f"credentials of type {type(creds).__name__}"
    if getattr(config, "custom_pipeline", None) is not None:
        return "a custom pipeline"
    connection, proxies = getattr(config, "connection", None), getattr(config, "proxies", None)
    if connection is None or proxies is None:
        return "no connection settings"
    if connection.verify is not True or connection.cert is not None:
        return "custom TLS settings"
    if proxies.proxies:
        return "explicit proxies"
    if proxies.use_env_settings and get_environ_proxies(str(config.base_url), None):
        return "a proxy from the environment"
    if config.hooks or config.session_configuration_callback is not default_session_configuration_callback:
        return "requests hooks"
    if getattr(config.http_logger_policy, "enable_http_logger", False):
        return "HTTP logging"
    if not isinstance(config.retry_policy(), Retry):
        return "a retry policy that is not urllib3's"
    timeout = connection.timeout
    if isinstance(timeout, tuple) and len(timeout) == 2:
        connect, read = timeout
    else:
        connect = read = timeout
    if not all(isinstance(t, (int, float)) for t in (connect, read)):
        return "an unusual timeout"
    return _Transport(anonymous, aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read))


class WrappedConnectorClient:
    """A connector client that is the SDK's `inner` client but for its `conversations`."""

    conversations: Any

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __aenter__(self) -> WrappedConnectorClient:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc_details: Any) -> None:
        await self.inner.__aexit__(*exc_details)


class HotConversations:
    """`conversations` whose reply / send / update a subclass carries itself (`_deliver`), when it
    `_takes` the ids and the call has no options; every other call, and every other operation, is
    the wrapped client's. `fallback` in `_deliver` is the same call through the wrapped client."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._operations = client.conversations

    def __getattr__(self, name: str) -> Any:
        return getattr(self._operations, name)

    def _takes(self, *ids: Any) -> bool:
        raise NotImplementedError

    async def _deliver(
        self,
        operation: Literal["reply", "send", "update"],
        conversation_id: str,
        activity_id: str | None,
        activity: Any,
        fallback: Callable[[], Awaitable[Any]],
    ) -> Any:
        raise NotImplementedError

    async def reply_to_activity(
        self,
        conversation_id: Any,
        activity_id: Any,
        activity: Any,
        *,
        custom_headers: Any = None,
        raw: bool = False,
        **operation_config: Any,
    ) -> Any:
        call = self._operations.reply_to_activity
        if custom_headers or raw or operation_config or not self._takes(conversation_id, activity_id):
            return await call(
                conversation_id, activity_id, activity,
                custom_headers=custom_headers, raw=raw, **operation_config,
            )
        return await self._deliver(
            "reply", conversation_id, activity_id, activity,
            lambda: call(conversation_id, activity_id, activity),
        )

    async def send_to_conversation(
        self,
        conversation_id: Any,
        activity: Any,
        *,
        custom_headers: Any = None,
        raw: bool = False,
        **operation_config: Any,
    ) -> Any:
        call = self._operations.send_to_conversation
        if custom_headers or raw or operation_config or not self._takes(conversation_id):
            return await call(
                conversation_id, activity, custom_headers=custom_headers, raw=raw, **operation_config
            )
        return await self._deliver(
            "send", conversation_id, None, activity, lambda: call(conversation_id, activity)
        )

    async def update_activity(
        self,
        conversation_id: Any,
        activity_id: Any,
        activity: Any,
        *,
        custom_headers: Any = None,
        raw: bool = False,
        **operation_config: Any,
    ) -> Any:
        call = self._operations.update_activity
        if custom_headers or raw or operation_config or not self._takes(conversation_id, activity_id):
            return await call(
                conversation_id, activity_id, activity,
                custom_headers=custom_headers, raw=raw, **operation_config,
            )
        return await self._deliver(
            "update", conversation_id, activity_id, activity,
            lambda: call(conversation_id, activity_id, activity),
        )


class LeanConnectorClient(WrappedConnectorClient):
    """The SDK's `ConnectorClient` with lean reply / send / update (see the module docstring)."""

    def __init__(self, inner: Any, session: SharedSession) -> None:
        super().__init__(inner)
        transport = _transport_for(inner)
        if isinstance(transport, str):
            log.info("connector client for %s goes through msrest: %s", inner.config.base_url, transport)
            self.conversations = inner.conversations
            self.lean = False
        else:
            self.conversations = _LeanConversations(inner, session, transport)
            self.lean = True


class _StatusResponse:
    """What urllib3's `Retry.increment` reads from a response."""

    def __init__(self, status: int) -> None:
        self.status = status

    def get_redirect_location(self) -> bool:
        return False


@dataclass
class _Answer:
    status: int
    reason: str
    headers: Any  # aiohttp's CIMultiDictProxy
    body: bytes


class _LeanConversations(HotConversations):
    """Reply, send and update on the shared aiohttp session."""

    def __init__(self, client: Any, session: SharedSession, transport: _Transport) -> None:
        super().__init__(client)
        self._session = session
        self._transport = transport
        self._prefix = _simple_prefix(client.config.base_url)

    def _takes(self, *ids: Any) -> bool:
        return _plain(*ids)

    async def _deliver(
        self,
        operation: Literal["reply", "send", "update"],
        conversation_id: str,
        activity_id: str | None,
        activity: Any,
        fallback: Callable[[], Awaitable[Any]],
    ) -> Any:
        if operation == "reply":
            url = self._url(REPLY_URL, conversation_id, activity_id)
            return await self._call(
                "POST", url, activity, {"x-ms-conversation-id": conversation_id}, fallback
            )
        if operation == "send":
            return await self._call("POST", self._url(SEND_URL, conversation_id), activity, {}, fallback)
        url = self._url(UPDATE_URL, conversation_id, activity_id)
        return await self._call("PUT", url, activity, {}, fallback)

    # -- the request ----------------------------------------------------------------------------

    def _url(self, template: str, conversation_id: str, activity_id: str | None = None) -> str:
        """msrest's URL (`format_url` joins the quoted ids to the service URL with `urljoin`),
        then requests' normalisation of it (`requote_uri`)."""
        quoted_conversation = quote(conversation_id, safe="")
        quoted_activity = None if activity_id is None else quote(activity_id, safe="")
        if self._prefix is not None and not {quoted_conversation, quoted_activity} & {".", ".."}:
            # urljoin changes nothing here (no dot segments): base + "/" + path, requoted in parts.
            path = template.format(conversationId=quoted_conversation, activityId=quoted_activity)
            return self._prefix + path.lstrip("/")
        arguments = {"conversationId": quoted_conversation}
        if quoted_activity is not None:
            arguments["activityId"] = quoted_activity
        url: str = self._client._client.format_url(template, **arguments)
        return str(requote_uri(url))

    async def _call(
        self, method: str, url: str, activity: Any, extra_headers: dict[str, str], msrest_call: Any
    ) -> Any:
        # msrest's body (its own exceptions for a missing or broken activity), compiled.
        body = activity_codec.serialize_activity(activity, self._client._serialize)
        try:
            data = json.dumps(body).encode("ascii")  # ensure_ascii: what msrest sends
        except (TypeError, ValueError):
            return await msrest_call()  # not JSON: msrest has its own (form-data) answer
        config = self._client.config
        headers: dict[str, str] = {}
        if not self._transport.anonymous:
            token = await _bearer_token(config.credentials)
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
        headers.update(config.headers)
        headers["Accept"] = "application/json"
        headers["Content-Type"] = "application/json; charset=utf-8"
        headers.update(extra_headers)
        headers["User-Agent"] = config.user_agent_policy.user_agent
        answer = await self._exchange(method, url, headers, data)
        return self._result(method, url, headers, data, answer)

    async def _exchange(
        self, method: str, url: str, headers: dict[str, str], data: bytes
    ) -> _Answer:
        retry: Retry = self._client.config.retry_policy()
        session = await self._session.get()
        target = URL(url, encoded=True)
        while True:
            try:
                async with session.request(
                    method, target, data=data, headers=headers,
                    allow_redirects=False, timeout=self._transport.timeout,
                ) as response:
                    answer = _Answer(
                        response.status, response.reason or "", response.headers, await response.read()
                    )
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as error:
                # Nothing was sent: urllib3 counts it as a connect error, retried for any method.
                refused = NewConnectionError(None, str(error))  # type: ignore[arg-type]
                retry = _next_retry(retry, method, url, refused)
                await asyncio.sleep(retry.get_backoff_time())
                continue
            except (
                aiohttp.ClientConnectionError, aiohttp.ClientPayloadError,
                aiohttp.ClientResponseError, TimeoutError,
            ) as error:
                # The request may have arrived: a read error, retried for idempotent methods only.
                retry = _next_retry(retry, method, url, ProtocolError(str(error)))
                await asyncio.sleep(retry.get_backoff_time())
                continue
            except aiohttp.ClientError:
                _request_error()
            retry_after = answer.headers.get("Retry-After")
            if retry.is_retry(method, answer.status, bool(retry_after)):
                try:
                    retry = retry.increment(method, url, response=_StatusResponse(answer.status))  # type: ignore[arg-type]
                except MaxRetryError as exhausted:  # requests raises RetryError
                    if not retry.raise_on_status:
                        return answer
                    try:
                        raise requests.exceptions.RetryError(str(exhausted)) from exhausted
                    except requests.exceptions.RetryError:
                        _request_error()
                await asyncio.sleep(_retry_delay(retry, retry_after))
                continue
            return answer

    def _result(
        self, method: str, url: str, headers: dict[str, str], data: bytes, answer: _Answer
    ) -> Any:
        # msrest reads every answer's body by its Content-Type first (RawDeserializer), so a
        # body that is not JSON raises DeserializationError before the status is looked at.
        content = RawDeserializer.deserialize_from_http_generics(_text(answer), answer.headers)
        if answer.status in SUCCESS:
            return activity_codec.CONNECTOR.deserialize("ResourceResponse", content)
        raise ErrorResponseException(
            self._client._deserialize, _msrest_response(method, url, headers, data, answer, content)
        )


def _simple_prefix(base_url: Any) -> str | None:
    """`requote_uri(base_url.rstrip("/") + "/")` when msrest's `urljoin` of a path onto
    `base_url` is plain concatenation: no format fields, query, fragment, dot or empty segments."""
    if not isinstance(base_url, str) or "{" in base_url or "}" in base_url:
        return None
    parts = urlsplit(base_url)
    if not parts.scheme or not parts.netloc or parts.query or parts.fragment or ";" in parts.path:
        return None
    segments = parts.path.split("/")
    if {".", ".."} & set(segments) or "" in segments[1:-1]:
        return None  # urljoin would resolve or collapse these
    return str(requote_uri(base_url.rstrip("/") + "/"))


def _plain(*ids: Any) -> bool:
    """Ids we quote exactly like msrest and may put in a header as they are."""
    return all(type(i) is str and i.isascii() and i.isprintable() for i in ids)


async def _bearer_token(creds: Any) -> str | None:
    """The bot's token for `creds`, as the SDK's credentials policy would set it (or None)."""
    if not creds._should_set_token(None):
        return None  # no app id (local, Emulator) or the anonymous skill id: no header
    await botauth.ensure_access_token(creds)
    token = botauth._cached_token(creds)
    if token is None:  # a token too close to expiry to cache: ask again, still off the loop
        token = await asyncio.to_thread(creds.get_access_token)
    return str(token)


def _next_retry(retry: Retry, method: str, url: str, error: Exception) -> Retry:
    """urllib3's decision on a transport error (call it while handling the aiohttp error): the
    next `Retry`, or msrest's ClientRequestError wrapping the aiohttp error when it says stop."""
    try:
        return retry.increment(method, url, error=error)
    except (MaxRetryError, NewConnectionError, ProtocolError):  # exhausted / not retryable
        _request_error()


def _request_error() -> NoReturn:
    """msrest's wrapping of the transport error being handled, as for requests' errors."""
    raise_with_traceback(ClientRequestError, "Error occurred in request.")
    raise AssertionError("raise_with_traceback returned")  # pragma: no cover


def _retry_delay(retry: Retry, retry_after: str | None) -> float:
    """urllib3's `Retry.sleep(response)`: Retry-After if the policy respects it, else backoff."""
    if retry.respect_retry_after_header and retry_after:
        try:
            seconds = retry.parse_retry_after(retry_after)
        except Exception:  # noqa: BLE001 - an unreadable Retry-After: back off instead
            seconds = 0.0
        if seconds:
            return seconds
    return retry.get_backoff_time()


def _text(answer: _Answer) -> str:
    """`requests.Response.text`: the charset from the headers (JSON: UTF-8), else UTF-8."""
    if not answer.body:
        return ""
    encoding = get_encoding_from_headers(answer.headers) or "utf-8"
    try:
        return str(answer.body, encoding, errors="replace")
    except (LookupError, TypeError):
        return str(answer.body, errors="replace")


def _msrest_response(
    method: str, url: str, headers: dict[str, str], data: bytes, answer: _Answer, content: Any
) -> Any:
    """The response object msrest builds ErrorResponseException from: a `requests.Response`
    (the exception's `.response`, with `.status_code`, `.headers`, `.reason`, `.text`) inside
    msrest's wrapper, carrying the already-read body."""
    response = requests.Response()
    response.status_code = answer.status
    joined: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    for name in answer.headers:
        if name not in joined:
            joined[name] = ", ".join(answer.headers.getall(name))
    response.headers = joined
    response._content = answer.body
    response._content_consumed = True
    response.reason = answer.reason
    response.url = url
    response.encoding = get_encoding_from_headers(joined)
    response.request = requests.Request(method, url, headers=headers, data=data).prepare()
    request = ClientRequest(method, url)
    request.headers.update(headers)
    request.data = data
    wrapped: Any = _MsrestResponse(request, response)
    wrapped.context = {RawDeserializer.CONTEXT_NAME: content}
    return wrapped
