"""Talking to the real app over HTTP: requests and their answers, raw requests with header bytes
exactly as given, the JSON API's key, a form's CSRF token, and the rows a request could write."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
from typing import Any, NamedTuple

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from bot.app import RUNTIME
from storage.models import Booking, BotStateRow, Interview, Invitation, Party, Slot
from tests.helpers.databases import Sessions, count

API_KEY = "test-api-key"  # the JSON API's key in the tests' settings (tests/conftest.py)
AUTH = {"Authorization": f"Bearer {API_KEY}"}


class Answer(NamedTuple):
    """The app's answer: its status, and its body read as JSON (the text when it is not JSON)."""

    status: int
    body: Any


async def answer_of(response: ClientResponse) -> Answer:
    text = await response.text()
    try:
        return Answer(response.status, json.loads(text) if text else None)
    except ValueError:
        return Answer(response.status, text)


async def post(client: TestClient, body: Any, path: str = "/api/messages", **headers: str) -> Answer:
    """POST `body` (JSON unless it is already text or bytes) as a channel or the JSON API would."""
    headers.setdefault("Content-Type", "application/json")
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return await answer_of(await client.post(path, data=data, headers=headers))


async def call(
    client: TestClient,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    """Any request, with `token` as its bearer token and `body` (when given) as JSON."""
    all_headers = dict(headers or {})
    if token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        all_headers.setdefault("Content-Type", "application/json")
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return await answer_of(await client.request(method, path, data=data, headers=all_headers))


def sessions_of(client: TestClient) -> Sessions:
    """The sessions of the app behind `client` (its own database)."""
    sessions: Sessions = client.app[RUNTIME].sessions
    return sessions


async def counts(client: TestClient) -> dict[str, int]:
    """Rows that a turn or an API call could write."""
    tables = {"state": BotStateRow, "interviews": Interview, "slots": Slot, "bookings": Booking,
              "parties": Party, "invitations": Invitation}
    return {name: await count(sessions_of(client), model) for name, model in tables.items()}


async def assert_request_refused_naming(client: TestClient, request: dict[str, Any], field: str, reason: str) -> None:
    """``POST /api/v1/interviews`` with ``request`` is a 422 whose ``problems`` names ``field`` with
    ``reason``, and nothing is written."""
    before = await counts(client)
    response = await client.post(
        "/api/v1/interviews", data=json.dumps(request), headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status == 422, await response.text()
    problems = (await response.json())["problems"]
    assert field in problems and reason in problems[field], problems
    assert await counts(client) == before


async def raw_request(
    client: TestClient, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> tuple[int | None, bytes]:
    """One HTTP/1.1 request over a plain socket, its header bytes exactly as given (aiohttp's own
    client refuses to send most of them). Returns (status, raw answer); status None means the
    server closed the connection without answering."""
    host, port = client.server.host, client.server.port
    reader, writer = await asyncio.open_connection(host, port)
    lines = [f"{method} {target} HTTP/1.1".encode(), f"Host: {host}:{port}".encode(), b"Connection: close"]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}".encode())
    lines += [name + b": " + value for name, value in headers]
    try:
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), timeout=30)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    status_line = answer.split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) >= 2 and status_line[1].isdigit() else None
    return status, answer


def csrf_of(html: str) -> str:
    """The CSRF token of a form on the page."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a server the test starts itself)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
