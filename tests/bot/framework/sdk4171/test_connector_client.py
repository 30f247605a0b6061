"""The lean connector client (bot/framework/sdk4171/connector_client.py) talks to the Bot Connector exactly as the
SDK's msrest client does -- same requests, same token, same answers and errors -- without msrest's
pipeline; and the app uses it for its replies and proactive messages."""

from __future__ import annotations

import asyncio
import copy
import gc
import json
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from botbuilder.core import MessageFactory
from botbuilder.schema import ResourceResponse
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticationConstants, MicrosoftAppCredentials
from botframework.connector.auth._connector_factory_impl import USER_AGENT
from botframework.connector.models import ErrorResponseException
from msrest.authentication import Authentication, BasicTokenAuthentication
from msrest.exceptions import ClientRequestError, HttpOperationError, ValidationError
from msrest.serialization import Deserializer, Serializer
from msrest.universal_http.async_requests import AsyncRequestsHTTPSender

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from bot.framework.adapter import create_adapter
from bot.framework.proactive import Messenger, retry_after
from bot.framework.sdk4171.connector_client import LeanConnectorClient, SharedSession, shared_session
from bot.settings import Settings
from integrations.errors import PermanentError, TransientError
from tests.helpers import bot_tokens as security
from tests.helpers.activities import teams_activity
from tests.helpers.activity_corpus import OUTGOING
from tests.helpers.http import post

TEAMS_IDS = [
    "19:abc123DEF@thread.tacv2;messageid=1714641331123",
    "19:meeting_Zm9vYmFy@thread.v2",
    "a:1XyZ_abc-DEF=ghi==",
    "29:1abc-DEF_ghi",
    "8:orgid:3c7e1f9a-1111-2222-3333-444455556666",
    "c-1|livechat",
    "with/slash?and#hash%and space",
    "..",
    ".",
    "é-non-ASCII",  # not sent by Teams: goes through msrest
]


# --- a recording Bot Connector ----------------------------------------------------------------


@dataclass
class Seen:
    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    """Records requests as they arrive (quoted path, headers, bytes) and answers from a script."""

    seen: list[Seen] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    server: TestServer | None = None

    def url(self, prefix: str = "/emea/") -> str:
        assert self.server is not None
        return str(self.server.make_url(prefix))

    def answer(self, status: int, body: Any = b"", content_type: str = "application/json", **headers: str) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.script.append((status, {"Content-Type": content_type, **headers}, data))

    async def _handle(self, request: web.Request) -> web.Response:
        self.seen.append(Seen(request.method, request.raw_path, dict(request.headers), await request.read()))
        if self.script:
            status, headers, body = self.script.pop(0)
            return web.Response(status=status, headers=headers, body=body)
        return web.json_response({"id": f"act-{len(self.seen)}"})

    async def start(self) -> Recorder:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        return self


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    server = await Recorder().start()
    yield server
    assert server.server is not None
    await server.server.close()


class TransportSpy:
    """Counts requests msrest's transport (requests in a worker thread) makes."""

    def __init__(self) -> None:
        self.calls = 0


@pytest.fixture
def msrest_codec(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Records msrest's `Deserializer(...)(type, data)` and `Serializer.body` calls."""
    calls: list[Any] = []
    deserialize, body = Deserializer.__call__, Serializer.body

    def spy_deserialize(self: Any, target: Any, data: Any, content_type: Any = None) -> Any:
        calls.append(("deserialize", target))
        return deserialize(self, target, data, content_type)

    def spy_body(self: Any, data: Any, data_type: str, **kwargs: Any) -> Any:
        calls.append(("body", data_type))
        return body(self, data, data_type, **kwargs)

    monkeypatch.setattr(Deserializer, "__call__", spy_deserialize)
    monkeypatch.setattr(Serializer, "body", spy_body)
    return calls


@pytest.fixture
def msrest_transport(monkeypatch: pytest.MonkeyPatch) -> TransportSpy:
    spy = TransportSpy()
    original = AsyncRequestsHTTPSender.send

    async def send(self: Any, request: Any, **kwargs: Any) -> Any:
        spy.calls += 1
        return await original(self, request, **kwargs)

    monkeypatch.setattr(AsyncRequestsHTTPSender, "send", send)
    return spy


def sdk_client(url: str, creds: Any = None) -> ConnectorClient:
    """The SDK's client as its connector factory builds it."""
    client = ConnectorClient(creds if creds is not None else MicrosoftAppCredentials.empty(), base_url=url)
    client.config.add_user_agent(USER_AGENT)
    return client


@pytest.fixture
async def make_clients() -> AsyncIterator[Callable[..., tuple[ConnectorClient, LeanConnectorClient]]]:
    made: list[Any] = []
    session = SharedSession()

    def make(url: str, creds: Any = None) -> tuple[ConnectorClient, LeanConnectorClient]:
        sdk, lean = sdk_client(url, creds), LeanConnectorClient(sdk_client(url, creds), session)
        made.extend([sdk, lean])
        return sdk, lean

    yield make
    for client in made:
        await client.__aexit__(None, None, None)
    await session.close()


WIRE_HEADERS = ("Accept", "Content-Type", "Content-Length", "User-Agent", "x-ms-conversation-id", "Authorization")


def wire(seen: Seen) -> tuple[Any, ...]:
    return seen.method, seen.raw_path, seen.body, {h: seen.headers.get(h) for h in WIRE_HEADERS}


async def call(client: Any, operation: str, conversation_id: Any, activity: Any, activity_id: Any = "1:2") -> Any:
    conversations = client.conversations
    if operation == "reply":
        return await conversations.reply_to_activity(conversation_id, activity_id, activity)
    if operation == "send":
        return await conversations.send_to_conversation(conversation_id, activity)
    return await conversations.update_activity(conversation_id, activity_id, activity)


async def both(
    recorder: Recorder, sdk: Any, lean: Any, operation: str, conversation_id: Any, activity: Any,
    activity_id: Any = "1:2", script: Callable[[], None] | None = None,
) -> tuple[tuple[str, Any, list[Seen]], tuple[str, Any, list[Seen]]]:
    """The same call through the SDK's client and the lean one: (outcome, value, requests) each;
    `script` queues the connector's answers before each."""
    results = []
    for client in (sdk, lean):
        if script is not None:
            recorder.script.clear()
            script()
        start = len(recorder.seen)
        try:
            value: Any = await call(client, operation, conversation_id, copy.deepcopy(activity), activity_id)
            kind = "ok"
        except Exception as error:  # noqa: BLE001 - compared below
            value, kind = error, "raised"
        results.append((kind, value, recorder.seen[start:]))
    return results[0], results[1]


# --- the wire ---------------------------------------------------------------------------------


@pytest.mark.parametrize("conversation_id", TEAMS_IDS)
@pytest.mark.parametrize("operation", ["reply", "send", "update"])
async def test_each_call_goes_out_as_msrest_sends_it(
    recorder: Recorder, make_clients: Any, msrest_transport: TransportSpy, operation: str, conversation_id: str
) -> None:
    sdk, lean = make_clients(recorder.url())
    assert lean.lean
    activity = OUTGOING["adaptive card"]
    (sdk_kind, sdk_value, [sdk_seen]), (lean_kind, lean_value, [lean_seen]) = await both(
        recorder, sdk, lean, operation, conversation_id, activity, activity_id=conversation_id[::-1]
    )
    assert wire(lean_seen) == wire(sdk_seen)
    assert sdk_kind == lean_kind == "ok"
    assert isinstance(lean_value, ResourceResponse) and type(lean_value) is type(sdk_value)
    assert (sdk_value.id, lean_value.id) == ("act-1", "act-2")
    # The SDK's call went through msrest's transport; the lean one did not (but for a non-ASCII id).
    assert msrest_transport.calls == (1 if conversation_id.isascii() else 2)


@pytest.mark.parametrize("prefix", ["/emea/", "/emea", "/", "", "/a|b/%7E~/", "/x//y/", "/p/./q/", "/p/../q/",
                                    "/amer;v=1/", "/teams/?q=1"])
@pytest.mark.parametrize("conversation_id", ["19:a@thread.v2;messageid=1", "..", "."])
async def test_service_urls_are_joined_with_ids_like_msrest_joins_them(
    recorder: Recorder, make_clients: Any, prefix: str, conversation_id: str
) -> None:
    assert recorder.server is not None
    url = str(recorder.server.make_url("/")).rstrip("/") + prefix
    sdk, lean = make_clients(url)
    for operation in ("reply", "send"):
        (_, _, [sdk_seen]), (_, _, [lean_seen]) = await both(
            recorder, sdk, lean, operation, conversation_id, OUTGOING["text"], activity_id=conversation_id
        )
        assert lean_seen.raw_path == sdk_seen.raw_path


@pytest.mark.parametrize("name", list(OUTGOING))
async def test_every_body_of_the_corpus_goes_out_byte_for_byte(
    recorder: Recorder, make_clients: Any, msrest_transport: TransportSpy, name: str
) -> None:
    sdk, lean = make_clients(recorder.url())
    (_, _, [sdk_seen]), (_, _, [lean_seen]) = await both(recorder, sdk, lean, "reply", "a:1", OUTGOING[name])
    assert lean_seen.body == sdk_seen.body and lean_seen.headers["Content-Length"] == sdk_seen.headers["Content-Length"]
    assert msrest_transport.calls == 1


async def test_teams_ids_are_quoted_like_msrest_quotes_them(recorder: Recorder, make_clients: Any) -> None:
    _, lean = make_clients(recorder.url("/emea/"))
    message = MessageFactory.text("hi")
    await lean.conversations.reply_to_activity(
        "19:abc123DEF@thread.tacv2;messageid=1714641331123", "1714641331123", message
    )
    await lean.conversations.send_to_conversation("a:1XyZ_abc-DEF=ghi==", message)
    await lean.conversations.update_activity("29:1abc", "1:a=b;c@d", message)
    assert [(s.method, s.raw_path) for s in recorder.seen] == [
        ("POST", "/emea/v3/conversations/19%3Aabc123DEF%40thread.tacv2%3Bmessageid%3D1714641331123"
                 "/activities/1714641331123"),
        ("POST", "/emea/v3/conversations/a%3A1XyZ_abc-DEF%3Dghi%3D%3D/activities"),
        ("PUT", "/emea/v3/conversations/29%3A1abc/activities/1%3Aa%3Db%3Bc%40d"),
    ]
    first = recorder.seen[0]
    assert first.headers["x-ms-conversation-id"] == "19:abc123DEF@thread.tacv2;messageid=1714641331123"
    assert first.headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(first.body) == {"type": "message", "text": "hi", "inputHint": "acceptingInput"}
    assert "Authorization" not in first.headers  # no app id: no token, as with msrest


# --- the answers ------------------------------------------------------------------------------

ANSWERS: dict[str, tuple[int, Any, str, dict[str, str]]] = {
    "200 with an id": (200, {"id": "x-1"}, "application/json", {}),
    "201 with extra keys": (201, {"id": "z", "extra": [1]}, "application/json; charset=utf-8", {}),
    "202 empty": (202, b"", "application/json", {}),
    "429 with Retry-After": (429, {"error": {"code": "TooManyRequests", "message": "throttled"}},
                             "application/json", {"Retry-After": "7"}),
    "403 empty": (403, b"", "application/json", {}),
    "404 with a message": (404, {"error": {"code": "ConversationNotFound", "message": "gone"}},
                           "application/json", {}),
    "500": (500, {"message": "boom"}, "application/json", {}),
    "404 that is not JSON": (404, b"not json", "application/json", {}),
    "429 in text/plain (msrest: DeserializationError)": (429, b"Too many", "text/plain", {"Retry-After": "3"}),
    "200 in text/plain": (200, b"ok", "text/plain", {}),
    "302 (not followed)": (302, {}, "application/json", {"Location": "/elsewhere"}),
    "200 in application/octet-stream": (200, {"id": "y"}, "application/octet-stream", {}),
}


def describe(kind: str, value: Any) -> Any:
    """What callers can see of an outcome."""
    if kind == "ok":
        return kind, None if value is None else value.__dict__
    described: dict[str, Any] = {"type": type(value), "message": str(value).split(", ")[0]}
    if isinstance(value, HttpOperationError):
        response = value.response
        described.update(
            status=response.status_code, reason=response.reason, text=response.text,
            retry_after=response.headers.get("Retry-After"), content_type=response.headers.get("content-type"),
            error=json.dumps(value.error.serialize()) if hasattr(value.error, "serialize") else repr(value.error),
        )
    return kind, described


@pytest.mark.parametrize("name", list(ANSWERS))
@pytest.mark.parametrize("operation", ["reply", "send"])
async def test_answers_and_errors_are_msrests(
    recorder: Recorder, make_clients: Any, operation: str, name: str
) -> None:
    status, body, content_type, headers = ANSWERS[name]
    sdk, lean = make_clients(recorder.url())
    sdk_result, lean_result = await both(
        recorder, sdk, lean, operation, "a:1", OUTGOING["text"],
        script=lambda: recorder.answer(status, body, content_type, **headers),
    )
    assert describe(*lean_result[:2]) == describe(*sdk_result[:2])
    assert len(lean_result[2]) == len(sdk_result[2]) == 1  # a POST is never retried


async def test_a_429_carries_what_proactive_sending_reads(recorder: Recorder, make_clients: Any) -> None:
    _, lean = make_clients(recorder.url())
    recorder.answer(429, {"error": {"code": "TooManyRequests", "message": "throttled"}}, **{"Retry-After": "7"})
    with pytest.raises(ErrorResponseException) as caught:
        await lean.conversations.send_to_conversation("a:1", MessageFactory.text("hi"))
    assert isinstance(caught.value, HttpOperationError)
    assert caught.value.response.status_code == 429
    assert retry_after(caught.value.response.headers) == timedelta(seconds=7)
    assert str(caught.value) == "(TooManyRequests) throttled"


@pytest.mark.parametrize(
    "script, requests",
    [
        ([(503, {})], 2),  # a 5xx is retried for PUT
        ([(429, {"Retry-After": "0"})], 2),  # so is a 429 that says when
        ([(429, {})], 1),  # not without Retry-After
        ([(503, {})] * 4, 4),  # three retries, then msrest's ClientRequestError
    ],
)
async def test_an_update_is_retried_like_requests_retries_it(
    recorder: Recorder, make_clients: Any, script: list[tuple[int, dict[str, str]]], requests: int
) -> None:
    sdk, lean = make_clients(recorder.url())
    for client in (sdk, lean):
        client.config.retry_policy.backoff_factor = 0  # keep the test fast; same for both

    def answers() -> None:
        for status, headers in script:
            recorder.answer(status, {"error": {"code": "x", "message": "y"}}, **headers)
        recorder.answer(200, {"id": "updated"})

    sdk_result, lean_result = await both(recorder, sdk, lean, "update", "a:1", OUTGOING["text"], script=answers)
    assert describe(*lean_result[:2]) == describe(*sdk_result[:2])
    assert len(lean_result[2]) == len(sdk_result[2]) == requests


async def test_a_post_is_not_retried_after_a_503(recorder: Recorder, make_clients: Any) -> None:
    sdk, lean = make_clients(recorder.url())
    sdk_result, lean_result = await both(
        recorder, sdk, lean, "reply", "a:1", OUTGOING["text"],
        script=lambda: recorder.answer(503, {"error": {"code": "x", "message": "busy"}}),
    )
    assert isinstance(lean_result[1], ErrorResponseException) and len(lean_result[2]) == 1
    assert describe(*lean_result[:2]) == describe(*sdk_result[:2])


class DroppingServer:
    """Accepts connections and closes them without answering."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.connections += 1
            await reader.read(1)
            writer.close()

        self.server = await asyncio.start_server(drop, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/"

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.mark.parametrize("operation, connections", [("reply", 1), ("update", 4)])
async def test_a_dropped_connection_is_msrests_client_request_error(
    make_clients: Any, operation: str, connections: int
) -> None:
    dropping = DroppingServer()
    url = await dropping.start()
    try:
        sdk, lean = make_clients(url)
        counts = []
        for client in (sdk, lean):
            client.config.retry_policy.backoff_factor = 0
            before = dropping.connections
            with pytest.raises(ClientRequestError):
                await call(client, operation, "a:1", MessageFactory.text("hi"))
            counts.append(dropping.connections - before)
        assert counts == [connections, connections]  # read errors: retried for PUT only
    finally:
        await dropping.close()


async def test_a_refused_connection_is_msrests_client_request_error(make_clients: Any) -> None:
    dropping = DroppingServer()
    url = await dropping.start()
    await dropping.close()  # nothing listens there any more
    sdk, lean = make_clients(url)
    for client in (sdk, lean):
        client.config.retry_policy.backoff_factor = 0
        with pytest.raises(ClientRequestError, match="Error occurred in request"):
            await call(client, "send", "a:1", MessageFactory.text("hi"))


# --- authentication ---------------------------------------------------------------------------


async def test_with_an_app_id_the_bots_token_is_sent_and_fetched_off_the_loop(
    recorder: Recorder, make_clients: Any, fake_msal: security.FakeMsal, msrest_transport: TransportSpy
) -> None:
    creds = MicrosoftAppCredentials(security.APP_ID, "app-secret", security.APP_TENANT)
    sdk, lean = make_clients(recorder.url(), creds)
    (_, _, [lean_seen]), (_, _, [sdk_seen]) = await both(recorder, lean, sdk, "reply", "a:1", OUTGOING["text"])
    assert lean_seen.headers["Authorization"] == "Bearer tok-1"
    assert wire(lean_seen) == wire(sdk_seen)
    assert len(fake_msal.calls) == 1  # one token, cached on the credentials for both
    assert fake_msal.calls[0]["thread"] != threading.get_ident()
    assert msrest_transport.calls == 1  # the SDK's call only


@pytest.mark.parametrize(
    "creds",
    [MicrosoftAppCredentials.empty(), Authentication(),
     MicrosoftAppCredentials(AuthenticationConstants.ANONYMOUS_SKILL_APP_ID, "")],
    ids=["no app id", "msrest anonymous", "anonymous skill id"],
)
async def test_without_an_app_id_no_token_is_sent(
    recorder: Recorder, make_clients: Any, fake_msal: security.FakeMsal, creds: Any
) -> None:
    sdk, lean = make_clients(recorder.url(), creds)
    assert lean.lean
    (_, _, [sdk_seen]), (_, _, [lean_seen]) = await both(recorder, sdk, lean, "send", "a:1", OUTGOING["text"])
    assert "Authorization" not in lean_seen.headers and wire(lean_seen) == wire(sdk_seen)
    assert fake_msal.calls == []


async def test_other_credentials_and_options_go_through_msrest(
    recorder: Recorder, make_clients: Any, msrest_transport: TransportSpy
) -> None:
    _, lean = make_clients(recorder.url(), BasicTokenAuthentication({"access_token": "opaque"}))
    assert not lean.lean
    await lean.conversations.send_to_conversation("a:1", MessageFactory.text("hi"))
    assert recorder.seen[-1].headers["Authorization"] == "Bearer opaque"
    assert msrest_transport.calls == 1

    _, lean = make_clients(recorder.url())
    await lean.conversations.send_to_conversation("a:1", MessageFactory.text("hi"), custom_headers={"X-A": "1"})
    assert recorder.seen[-1].headers["X-A"] == "1" and msrest_transport.calls == 2
    with pytest.raises(ValidationError):  # msrest's, as before
        await lean.conversations.reply_to_activity("a:1", None, MessageFactory.text("hi"))
    await lean.conversations.reply_to_activity("a:1", 5, MessageFactory.text("hi"))  # msrest str()s it
    assert recorder.seen[-1].raw_path.endswith("/a%3A1/activities/5") and msrest_transport.calls == 3
    with pytest.raises(ValidationError):
        await lean.conversations.send_to_conversation("a:1", None)
    # Everything else is the wrapped client's.
    assert lean.config is lean.inner.config and lean.attachments is lean.inner.attachments
    assert lean.conversations.create_conversation == lean.inner.conversations.create_conversation


# --- the app ----------------------------------------------------------------------------------


@dataclass
class RecordingConnector(FakeConnector):
    """The loopback connector, also keeping each request's path as sent (still quoted) and
    answering from a script first."""

    raw_paths: list[str] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = super().app()

        @web.middleware
        async def record(request: web.Request, handler: Any) -> web.StreamResponse:
            self.raw_paths.append(request.raw_path)
            if self.script:
                status, body, headers = self.script.pop(0)
                return web.json_response(body, status=status, headers=headers)
            return await handler(request)

        app.middlewares.append(record)
        return app


@pytest.fixture
async def connector() -> AsyncIterator[RecordingConnector]:
    fake = RecordingConnector()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


async def test_the_app_replies_through_the_lean_client(
    app_client: Any, connector: RecordingConnector, msrest_transport: TransportSpy, msrest_codec: list[Any]
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    assert (await post(client, teams_activity(connector.url))).status in (200, 201)
    [reply] = connector.received
    assert connector.raw_paths == [
        "/v3/conversations/19%3Aabc123DEF%40thread.tacv2%3Bmessageid%3D1714641331123"
        "/activities/1714641331123"
    ]
    assert reply.conversation_id == "19:abc123DEF@thread.tacv2;messageid=1714641331123"
    assert reply.body["text"].startswith("I'm askARSAN") and reply.body["replyToId"] == "1714641331123"
    assert reply.body["conversation"]["id"] == "19:abc123DEF@thread.tacv2;messageid=1714641331123"
    assert reply.authorization is None
    assert msrest_transport.calls == 0
    assert msrest_codec == []  # neither the activity nor the reply went through msrest
    [cached] = client.app[RUNTIME].adapter.auth.connectors.values()
    assert isinstance(cached, LeanConnectorClient) and cached.lean


async def test_an_invalid_activity_is_still_a_400(app_client: Any, connector: RecordingConnector) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    for bad in ({"from": "bob"}, {"historyDisclosed": "maybe"}, {"timestamp": "yesterday"}):
        assert (await post(client, teams_activity(connector.url, **bad))).status == 400
    assert connector.received == []


async def test_with_an_app_id_the_reply_carries_the_bots_token(
    auth_client: Any, connector: RecordingConnector, fake_msal: security.FakeMsal,
    msrest_transport: TransportSpy,
) -> None:
    token = security.sign(security.channel_claims(connector.url))
    status, _ = await post(auth_client, teams_activity(connector.url), Authorization=f"Bearer {token}")
    assert status in (200, 201)
    [reply] = connector.received
    assert reply.authorization == "Bearer tok-1"
    assert fake_msal.calls[0]["client_id"] == security.APP_ID
    assert fake_msal.calls[0]["thread"] != threading.get_ident()
    assert msrest_transport.calls == 0


def reference(connector: FakeConnector) -> dict[str, Any]:
    return {
        "serviceUrl": connector.url, "channelId": "msteams", "bot": {"id": "28:bot"},
        "conversation": {"id": "a:1XyZ=", "tenantID": "t-1"}, "user": {"id": "29:1abc"},
    }


async def test_throttling_and_refusals_reach_proactive_sending_as_before(
    make_settings: Callable[..., Settings], connector: RecordingConnector, msrest_transport: TransportSpy
) -> None:
    adapter = create_adapter(make_settings())
    messenger = Messenger(adapter, "")
    try:
        connector.script.append((429, {"error": {"code": "TooManyRequests", "message": "slow"}},
                                 {"Retry-After": "7"}))
        with pytest.raises(TransientError) as throttled:
            await messenger.send(reference(connector), {"type": "message", "text": "hi"})
        assert throttled.value.after == timedelta(seconds=7)
        connector.script.append((403, {"error": {"code": "Forbidden", "message": "not installed"}}, {}))
        with pytest.raises(PermanentError, match="403"):
            await messenger.send(reference(connector), {"type": "message", "text": "hi"})
        await messenger.send(reference(connector), {"type": "message", "text": "hi"})
        assert connector.texts("a:1XyZ=") == ["hi"]
        assert connector.raw_paths[-1].startswith("/v3/conversations/a%3A1XyZ%3D/activities")
        assert msrest_transport.calls == 0
    finally:
        await adapter.auth.close()


async def test_the_session_is_closed_when_the_app_shuts_down(
    app_client: Any, connector: RecordingConnector
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    assert (await post(client, teams_activity(connector.url))).status in (200, 201)
    shared = shared_session(client.app[RUNTIME].adapter.auth)
    session = shared.session
    assert session is not None and not session.closed and shared.opened == 1
    assert (await post(client, teams_activity(connector.url, id="2"))).status in (200, 201)
    assert shared.session is session  # one session for every reply
    await client.close()
    assert session.closed and shared.session is None


def test_an_adapter_nobody_closes_has_its_session_closed_with_its_loop(
    make_settings: Callable[..., Settings],
) -> None:
    loop = asyncio.new_event_loop()
    problems: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: problems.append(context))
    adapter = create_adapter(make_settings())

    async def send_once() -> Any:
        fake = await FakeConnector().start()
        try:
            await Messenger(adapter, "").send(reference(fake), {"type": "message", "text": "hi"})
            assert fake.texts() == ["hi"]
        finally:
            await fake.close()
        return shared_session(adapter.auth).session

    try:
        session = loop.run_until_complete(send_once())
        assert session is not None and not session.closed
        loop.run_until_complete(loop.shutdown_asyncgens())  # what asyncio.run does at the end
        assert session.closed
    finally:
        loop.close()
    del session
    gc.collect()
    assert problems == []  # no "Unclosed client session" / "Unclosed connector"


async def test_a_closed_session_is_reopened_by_the_next_send(recorder: Recorder) -> None:
    session = SharedSession()
    lean = LeanConnectorClient(sdk_client(recorder.url()), session)
    try:
        await lean.conversations.send_to_conversation("a:1", MessageFactory.text("hi"))
        first = session.session
        await session.close()
        await lean.conversations.send_to_conversation("a:1", MessageFactory.text("hi"))
        assert first is not None and first.closed and session.session is not first and session.opened == 2
    finally:
        await lean.__aexit__(None, None, None)
        await session.close()
