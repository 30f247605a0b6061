"""Microsoft Graph as the tests see it: the mailboxes of the loopback Graph, a credential that
never leaves the box, short retries, and the SDK's own deprecation warnings let through."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.credentials_async import AsyncTokenCredential

from bot.dev.loopback_graph import TOKEN
from integrations.graph import GraphRetry

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
