from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.settings import Settings
from tests.directline.helpers import start


@pytest.fixture
async def dl_client(make_settings: Callable[..., Settings]) -> AsyncIterator[Callable[..., Any]]:
    """Start the real app with the Direct Line endpoint and the chat page; returns a TestClient."""
    clients: list[TestClient] = []

    async def make(settings: Settings | None = None, chat: dict[str, Any] | None = None,
                   **overrides: Any) -> TestClient:
        client = await start(settings or make_settings(**overrides), **(chat or {}))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()
