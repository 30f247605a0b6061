"""Fixtures: a migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from storage.migrate import migrate
from tests.conftest import DATABASES, database


@pytest.fixture(params=DATABASES)
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with database(request.param, tmp_path) as url:
        engine = create_engine(url)
        await migrate(engine)
        yield session_factory(engine)
        await engine.dispose()
