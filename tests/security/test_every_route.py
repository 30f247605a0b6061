"""Every route the app serves, listed from its router at run time (a new route is fuzzed without
anyone adding it here), with fuzzed path parameters, header bytes, cookie values, query strings and
bodies: the answer is always a status below 500, the connection is never dropped without one, and
the app logs no unhandled exception. In local and in production mode on SQLite, and on PostgreSQL
for the routes that reach the database with parsed parameters (ids, watermarks).

The requests go over a plain socket so that the bytes reach the server exactly as written."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.web.tracker.signin import SESSION_COOKIE
from integrations.mail import MemoryMail
from tests.helpers.databases import database
from tests.helpers.directline import DIRECTLINE_OPTIONS, start_session
from tests.helpers.http import API_KEY, csrf_of
from tests.helpers.tracker import PASSWORD, password_config
from tests.security.test_header_bytes import header_values

# FUZZ_EXAMPLES=4000 runs a longer, random (not derandomized) hunt; the suite's run stays bounded.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", 300)), deadline=None, derandomize=not os.environ.get("FUZZ_EXAMPLES"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PRODUCTION = {
    "ASKARSAN_ENV": "production",
    "MicrosoftAppId": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "MicrosoftAppPassword": "app-registration-client-secret",
    "MicrosoftAppTenantId": "00000000-0000-0000-0000-0000000000aa",
    "PUBLIC_URL": "https://askarsan.example",
    "ASKARSAN_SECRET_KEY": "fuzz-production-secret-" + "s" * 32,
    "ASKARSAN_API_KEY": API_KEY + "-" + "a" * 32,
}

# What the router must list (the task's inventory); the fuzzer covers whatever it lists.
EXPECTED = {
    ("GET", "/healthz"), ("GET", "/"), ("GET", "/chat"), ("POST", "/chat/session"),
    ("GET", "/static/vendor/webchat.js"), ("POST", "/api/messages"), ("POST", "/api/v1/interviews"),
    ("GET", "/api/v1/interviews/{interview_id}"),
    ("PUT", "/api/v1/clients/{client_id}/availability"), ("GET", "/api/v1/clients/{client_id}/availability"),
    ("POST", "/v3/directline/conversations"), ("GET", "/v3/directline/conversations/{cid}"),
    ("POST", "/v3/directline/conversations/{cid}/activities"),
    ("GET", "/v3/directline/conversations/{cid}/activities"),
    ("POST", "/v3/directline/conversations/{cid}/upload"),
    ("GET", "/v3/directline/conversations/{cid}/stream"), ("POST", "/v3/directline/tokens/refresh"),
    ("GET", "/tracker"), ("GET", "/tracker/interviews/{id}"), ("POST", "/tracker/login"),
    ("POST", "/tracker/logout"), ("GET", "/feeds/{token}.ics"), ("GET", "/static/{filename}"),
    ("POST", "/v3/directline/connector/v3/conversations"),
    ("POST", "/v3/directline/connector/v3/conversations/{cid}/activities"),
    ("POST", "/v3/directline/connector/v3/conversations/{cid}/activities/{aid}"),
    ("PUT", "/v3/directline/connector/v3/conversations/{cid}/activities/{aid}"),
    ("DELETE", "/v3/directline/connector/v3/conversations/{cid}/activities/{aid}"),
}
LOCAL_ONLY = {("GET", "/demo"), ("POST", "/demo")}


def routes_of(app: web.Application) -> list[tuple[str, str]]:
    """(method, path template) of every route the router holds; a static directory is
    `/static/{filename}`, HEAD routes (aiohttp adds them for GET) are left to GET."""
    found = []
    for route in app.router.routes():
        if route.method in ("HEAD", "OPTIONS"):
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        if "prefix" in info:
            path = info["prefix"].rstrip("/") + "/{filename}"
        else:
            path = info.get("formatter") or info.get("path") or ""
        found.append((route.method, path))
    return sorted(set(found))


async def started(client: TestClient) -> dict[str, Any]:
    """A signed-in recruiter's cookie and CSRF token, and a Direct Line session's token and ids."""
    page = await client.get("/tracker/login")
    signed = await client.post("/tracker/login", data={"password": PASSWORD, "csrf": csrf_of(await page.text())},
                               allow_redirects=False)
    assert signed.status == 303, await signed.text()
    cookie = signed.cookies[SESSION_COOKIE].value
    pipeline = await client.get("/tracker", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
    csrf = csrf_of(await pipeline.text())
    invite, session = await start_session(client)
    return {"cookie": cookie, "csrf": csrf, "token": session["token"], "cid": session["conversationId"],
            "interview": invite.interview_id, "invitation": invite.token}


@pytest.fixture(params=[
    ("local", "sqlite"), ("production", "sqlite"),
    pytest.param(("local", "postgresql"), marks=pytest.mark.postgres),
], ids=["local-sqlite", "production-sqlite", "local-postgresql"])
async def server(
    request: pytest.FixtureRequest, app_client: Callable[..., Any], make_settings: Callable[..., Any],
    openid: Any, tmp_path: Path,
) -> AsyncIterator[dict[str, Any]]:
    mode, kind = request.param
    config = password_config(failures_per_address=(10**6, 1.0), failures_per_account=(10**6, 1.0))
    async with database(kind, tmp_path) as url:
        values: dict[str, Any] = {"ASKARSAN_RUN_JOBS": "false", "DATABASE_URL": url}
        if mode == "production":
            values.update(PRODUCTION)
        client = await app_client(make_settings(**values), mail=MemoryMail(), tracker=config,
                                  directline=DIRECTLINE_OPTIONS, chat={})
        routes = routes_of(client.app)
        if kind == "postgresql":  # the routes that hand parsed parameters to the database
            routes = [(m, p) for m, p in routes if "{" in p or p.endswith("/activities")]
        api_key = PRODUCTION["ASKARSAN_API_KEY"] if mode == "production" else API_KEY
        yield {"client": client, "mode": mode, "routes": routes, "api_key": api_key, **await started(client)}
        await client.close()


def test_the_router_lists_every_route_the_app_serves(make_settings: Callable[..., Any]) -> None:
    from bot.app import create_app

    local = set(routes_of(create_app(make_settings(), directline=DIRECTLINE_OPTIONS, chat={},
                                     tracker=password_config())))
    assert EXPECTED | LOCAL_ONLY <= local, sorted(EXPECTED | LOCAL_ONLY - local)
    assert any(p.startswith("/tracker/") for _, p in local)
    production = set(routes_of(create_app(make_settings(**PRODUCTION), directline=DIRECTLINE_OPTIONS, chat={},
                                          tracker=password_config())))
    assert EXPECTED <= production and not LOCAL_ONLY & production


# --- what the fuzzer sends --------------------------------------------------------------------

NUMBERS = ["0", "-1", "7", "2147483648", "9223372036854775808", str(10**30), "1e400", "NaN", "0x10", " 1", "١"]
BAD_PERCENT = [b"%ff", b"%c3", b"%fe%ff", b"%00", b"%", b"%zz", b"%e2%82", b"%2e%2e%2f", b"%0d%0a"]
segment_bytes = st.binary(min_size=1, max_size=24).map(
    lambda b: bytes(c for c in b if c > 0x20 and c not in b"/?#%\x7f") or b"x")
percent_encoded = st.binary(min_size=1, max_size=24).map(lambda b: quote_from_bytes(b, safe="").encode())
segments = st.one_of(
    st.just(b"real"), st.just(b"real"), st.sampled_from(NUMBERS).map(lambda n: quote(n).encode()),
    st.sampled_from(BAD_PERCENT), percent_encoded, percent_encoded, segment_bytes, st.text(min_size=1, max_size=12).map(lambda t: re.sub(r"[/?#%\s]", "", t).encode() or b"x"),
    st.sampled_from([b"..", b".", b"a" * 300, b"webchat.js", b"style.css", b"vendor", b"x.ics"]),
)
QUERY_KEYS = ["watermark", "t", "next", "code", "state", "token", "invitation", "id", "format", "stage", "q",
              "lang", "page", "limit"]
query_values = st.one_of(st.sampled_from(NUMBERS).map(lambda n: quote(n).encode()), st.sampled_from(BAD_PERCENT),
                         percent_encoded, percent_encoded, segment_bytes, st.just(b"real"),
                         st.just(b""), st.sampled_from([b"real", b"/tracker", b"//evil.example", b"\xff\xfe"]))
query_pairs = st.lists(st.tuples(st.sampled_from(QUERY_KEYS).map(str.encode) | st.sampled_from(BAD_PERCENT),
                                 query_values), max_size=5)
HEADER_NAMES = [b"Authorization", b"Content-Type", b"X-Forwarded-Proto", b"X-Forwarded-For", b"X-Forwarded-Host",
                b"Forwarded", b"Origin", b"Referer", b"Accept-Language", b"Accept", b"Accept-Encoding",
                b"If-None-Match", b"If-Modified-Since", b"Range", b"User-Agent", b"Sec-Fetch-Site",
                b"Sec-WebSocket-Protocol", b"Sec-WebSocket-Extensions", b"X-Ms-Conversation-Id"]
header_value_bytes = header_values | st.sampled_from([
    b"https", b"http", b"1.2.3.4, ::1", b"for=\xff", b"null", b"https://evil.example", b"*", b"bytes=5-1",
    b"bytes=0-", b'W/"\xff"', b"Thu, 01 Jan 1970", b"de-DE;q=\xff", b"gzip, br", b"Bearer real", b"Bearer ",
])
CONTENT_TYPES = [b"application/json", b"application/json; charset=utf-8", b"application/json; charset=\xff",
                 b"application/x-www-form-urlencoded", b"application/x-www-form-urlencoded; charset=latin-1",
                 b"multipart/form-data; boundary=x", b"text/plain", b"application/octet-stream", b"\xff"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "text", "value", "id", "from", "channelData", "attachments", "watermark",
                         "invitation", "role_title", "candidate", "client", "recruiter"]), inner, max_size=4),
    max_leaves=8,
)
bodies = st.one_of(
    st.binary(max_size=64), json_values.map(lambda v: __import__("json").dumps(v).encode()),
    st.sampled_from([b"csrf={csrf}&password=wrong&next=/tracker", b"\xff\xfe=\xff", b"{", b"[]", b"null",
                     b'{"invitation": "real"}', b'{"type": "message", "text": "hi"}',
                     b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nz\r\n--x--\r\n",
                     b'{"n": 1e400}', b'{"a": "\\ud800"}']),
)
WEBSOCKET = [(b"Upgrade", b"websocket"), (b"Connection", b"Upgrade"),
             (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ=="), (b"Sec-WebSocket-Version", b"13")]


@st.composite
def websocket_headers(draw: st.DrawFn) -> list[tuple[bytes, bytes]]:
    """The upgrade's headers, each kept, dropped or replaced by fuzzed bytes."""
    headers = []
    for name, value in WEBSOCKET:
        choice = draw(st.sampled_from(["keep", "keep", "drop", "fuzz"]))
        if choice != "drop":
            headers.append((name, value if choice == "keep" else draw(header_value_bytes)))
    return headers


@st.composite
def requests(draw: st.DrawFn, routes: list[tuple[str, str]]) -> dict[str, Any]:
    method, template = draw(st.sampled_from(routes))
    parameters = {name: draw(segments) for name in re.findall(r"{(\w+)}", template)}
    headers = [(draw(st.sampled_from(HEADER_NAMES)), draw(header_value_bytes)) for _ in range(draw(st.integers(0, 3)))]
    if method == "POST" and draw(st.booleans()):
        headers.append((b"Content-Type", draw(st.sampled_from(CONTENT_TYPES))))
    if template.endswith("/stream") or draw(st.integers(0, 9)) == 0:
        headers += draw(websocket_headers())
    return {
        "method": draw(st.sampled_from(["HEAD", "GET"])) if method == "GET" else method,
        "template": template, "parameters": parameters, "headers": headers,
        "query": draw(query_pairs), "cookie": draw(st.sampled_from(["ours", "none", "session", "raw", "many"])),
        "cookie_value": draw(header_values), "auth": draw(st.sampled_from(["real", "real", "none", "api"])),
        "body": draw(bodies) if method in ("POST", "PUT") else b"",
        "clean": draw(st.integers(0, 3)) > 0,
    }


CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")


def cleaned(request: dict[str, Any]) -> dict[str, Any]:
    """Most requests pass aiohttp's parser, so that they reach the app: no control bytes in the
    header values, the path and query's other bytes percent-encoded (a quarter stay raw)."""
    if not request["clean"]:
        return request
    def url(b: bytes) -> bytes:
        return quote_from_bytes(CONTROL.sub(b"", b), safe="%{}=&.-_~!$'()*+,;:@").encode()
    return {**request, "headers": [(n, CONTROL.sub(b"", v)) for n, v in request["headers"]],
            "cookie_value": CONTROL.sub(b"", request["cookie_value"]),
            "parameters": {k: url(v) if v != b"real" else v for k, v in request["parameters"].items()},
            "query": [(url(k), url(v) if v != b"real" else v) for k, v in request["query"]]}


def request_bytes(server: dict[str, Any], request: dict[str, Any]) -> bytes:
    """The request as it goes on the wire; "real" stands for the live session's id or token."""
    request = cleaned(request)
    real = {"cid": server["cid"], "interview_id": server["interview"], "id": server["interview"],
            "token": server["token"], "filename": "style.css"}
    path = request["template"]
    for name, value in request["parameters"].items():
        value = real.get(name, "x").encode() if value == b"real" else value
        path = path.replace("{" + name + "}", value.decode("latin-1"))
    target = path.encode("latin-1")
    if request["query"]:
        target += b"?" + b"&".join(k + b"=" + (server["token"].encode() if v == b"real" else v)
                                   for k, v in request["query"])
    headers = list(request["headers"])
    value = request["cookie_value"]
    cookie = {"ours": f"{SESSION_COOKIE}={server['cookie']}".encode(), "session": SESSION_COOKIE.encode() + b"=" + value,
              "raw": value, "many": b"a=1; a=2; " + SESSION_COOKIE.encode() + b"=" + value + b"; =; ;;"}
    if request["cookie"] in cookie:
        headers.append((b"Cookie", cookie[request["cookie"]]))
    if not any(name == b"Authorization" for name, _ in headers):
        if request["auth"] == "real":
            headers.append((b"Authorization", f"Bearer {server['token']}".encode()))
        elif request["auth"] == "api":
            headers.append((b"Authorization", f"Bearer {server['api_key']}".encode()))
    headers = [(n, v.replace(b"Bearer real", f"Bearer {server['token']}".encode())) for n, v in headers]
    body = request["body"].replace(b"{csrf}", server["csrf"].encode()).replace(
        b'"real"', f'"{server["invitation"]}"'.encode())
    host = f"{server['client'].server.host}:{server['client'].server.port}".encode()
    lines = [request["method"].encode() + b" " + target + b" HTTP/1.1", b"Host: " + host]
    if not any(name == b"Connection" for name, _ in headers):
        lines.append(b"Connection: close")
    if body or request["method"] in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}".encode())
    lines += [name + b": " + v for name, v in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def send(client: TestClient, wire: bytes) -> tuple[int | None, bytes]:
    """Send the bytes and read the answer's head (then its body up to Content-Length, or to the
    close); a 101 is closed at once. Status None: the server closed without answering."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(wire)
        await writer.drain()
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=20)
        except asyncio.IncompleteReadError as partial:
            head = partial.partial
        status_line = head.split(b"\r\n", 1)[0].split()
        status = int(status_line[1]) if len(status_line) >= 2 and status_line[1].isdigit() else None
        if status not in (None, 101) and not wire.startswith(b"HEAD "):
            length = re.search(rb"(?im)^content-length: *(\d+)", head)
            with contextlib.suppress(asyncio.IncompleteReadError):
                if length:
                    head += await asyncio.wait_for(reader.readexactly(int(length.group(1))), timeout=20)
                elif re.search(rb"(?im)^transfer-encoding: *chunked", head):
                    head += await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), timeout=20)
        return status, head
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def unhandled(records: list[logging.LogRecord]) -> list[str]:
    """Errors logged with an exception, except aiohttp's parser refusing a malformed request (it
    logs those at ERROR too, and answers 400 before any of the app's code runs)."""
    return [r.getMessage() + (" " + repr(r.exc_info[1]) if r.exc_info else "") for r in records
            if r.levelno >= logging.ERROR and (r.exc_info or "Error handling request" in r.getMessage())
            and not (r.exc_info and isinstance(r.exc_info[1], HttpProcessingError))]


@FUZZ
@given(data=st.data())
async def test_no_fuzzed_request_to_any_route_gives_a_500_or_a_dropped_connection(
    server: dict[str, Any], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    request = data.draw(requests(server["routes"]))
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        status, answer = await send(server["client"], request_bytes(server, request))
        await asyncio.sleep(0)

    assert status is not None, ("the connection was dropped", request)
    assert status < 500, (status, answer[:600], request)
    assert not unhandled(caplog.records), (unhandled(caplog.records), request)


NUL_TARGETS = ["/tracker/interviews/%00", "/tracker/outbox/%00", "/api/v1/interviews/a%00b", "/feeds/%00.ics",
               "/v3/directline/conversations/%00/activities", "/tracker?stage=%00"]


@pytest.mark.parametrize("target", NUL_TARGETS)
async def test_a_nul_in_a_path_or_query_parameter_is_refused_with_400_naming_it(
    tracker_app: Callable[..., Any], database_url: str, target: str
) -> None:
    """Regression: on PostgreSQL /tracker/interviews/%00 answered 500 (asyncpg refuses NUL in text)."""
    client = await tracker_app(database_url)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    page = await client.get("/tracker/login")
    await client.post("/tracker/login", data={"password": PASSWORD, "csrf": csrf_of(await page.text())})
    response = await client.get(target, headers=headers, allow_redirects=False)
    assert response.status == 400, (response.status, await response.text())
    assert "contains a NUL character" in (await response.json())["error"]


async def test_a_static_file_name_too_long_for_the_file_system_is_a_404_not_a_503(app_client: Callable[..., Any]) -> None:
    """Regression: /static/ + 300 letters answered 503 "the database is unavailable" (the file
    system's ENAMETOOLONG is an OSError, which the database middleware took for a lost connection)."""
    client = await app_client()
    for method in ("GET", "HEAD"):
        response = await client.request(method, "/static/" + "a" * 300)
        assert response.status == 404, (method, response.status, await response.text())
        assert "Retry-After" not in response.headers
    assert "name is too long" in (await (await client.get("/static/" + "a" * 300)).json())["error"]
