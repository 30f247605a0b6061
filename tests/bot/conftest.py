"""Fixtures of the conversation tests (the SDK's TestAdapter against a real SQLite database)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from storage.migrate import migrate


@pytest.fixture
async def sessions(sqlite_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(sqlite_url)
    await migrate(engine)
    yield session_factory(engine)
    await engine.dispose()
