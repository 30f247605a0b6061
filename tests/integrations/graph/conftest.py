"""The real msgraph-sdk client against the loopback Graph, with a credential that never leaves the box."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.credentials_async import AsyncTokenCredential

from integrations.graph import GraphConnection, GraphRetry
from tests.integrations.fake_graph import TOKEN, FakeGraph

ORGANIZER = "rita@agency.example"
CLIENT_MAILBOX = "harry@agency.example"
SENDER = "askarsan@agency.example"

# The SDK's generated code warns about its own deprecated request-configuration classes.
SDK_WARNINGS = [
    pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:GetQueryParameters is deprecated:DeprecationWarning"),
]

# Short waits so throttling tests run in about a second; the behaviour is the production one.
FAST_RETRY = GraphRetry(max_retries=2, max_wait=timedelta(seconds=5), base_delay=timedelta(0))


class StaticTokenCredential(AsyncTokenCredential):
    """An AsyncTokenCredential that hands out a fixed token and records the scopes asked for."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []
        self.closed = False

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        self.closed = True

    async def __aexit__(self, *args: object) -> None:
        await self.close()


@pytest.fixture
async def fake_graph() -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph().start()
    for mailbox in (ORGANIZER, CLIENT_MAILBOX, SENDER):
        fake.add_mailbox(mailbox)
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def credential() -> StaticTokenCredential:
    return StaticTokenCredential()


@pytest.fixture
async def graph(fake_graph: FakeGraph, credential: StaticTokenCredential) -> AsyncIterator[GraphConnection]:
    connection = GraphConnection(credential, base_url=fake_graph.url, retry=FAST_RETRY)
    try:
        yield connection
    finally:
        await connection.close()
