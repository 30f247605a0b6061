"""Small helpers shared by the security tests."""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot.app import RUNTIME
from storage.models import Booking, BotStateRow, Interview, Invitation, Party, Slot


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
