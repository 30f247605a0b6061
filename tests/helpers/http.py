"""Talking to the real app over HTTP: activities posted to /api/messages, raw requests with
header bytes exactly as given, the JSON API's key, and the rows a request could write."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import RUNTIME
from storage.models import Booking, BotStateRow, Interview, Invitation, Party, Slot

API_KEY = "test-api-key"  # the JSON API's key in the tests' settings (tests/conftest.py)
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def activity(service_url: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "message",
        "id": "act-1",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": {"id": "29:user-1", "name": "User"},
        "conversation": {"id": "conv-1"},
        "recipient": {"id": "28:bot", "name": "askARSAN"},
        "text": "help",
        "locale": "en-US",
    }
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


async def post(client: TestClient, body: Any, path: str = "/api/messages", **headers: str) -> tuple[int, Any]:
    headers.setdefault("Content-Type", "application/json")
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    response = await client.post(path, data=data, headers=headers)
    text = await response.text()
    try:
        return response.status, json.loads(text) if text else None
    except ValueError:
        return response.status, text


async def counts(client: TestClient) -> dict[str, int]:
    """Rows that a turn or an API call could write."""
    tables = {"state": BotStateRow, "interviews": Interview, "slots": Slot, "bookings": Booking,
              "parties": Party, "invitations": Invitation}
    async with client.app[RUNTIME].sessions() as session:
        return {
            name: int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in tables.items()
        }


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


def csrf_in(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)
