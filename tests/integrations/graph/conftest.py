"""Fixtures: the real msgraph-sdk client against the loopback Graph, with a credential that never
leaves the box (tests/helpers/graph.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.dev.loopback_graph import FakeGraph
from integrations.graph import GraphConnection
from tests.helpers.graph import CLIENT_MAILBOX, FAST_RETRY, ORGANIZER, SENDER, StaticTokenCredential


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
