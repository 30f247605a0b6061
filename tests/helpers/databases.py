"""Real databases for the tests: a file per test on SQLite, a fresh database per test on the
PostgreSQL server (dropped afterwards), and sessions on them once migrated."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from storage.migrate import migrate
from tests.helpers.environment import require_service

PG_ADMIN_URL = os.environ.get("ASKARSAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")

Sessions = async_sessionmaker[AsyncSession]

# The parameters of a fixture that runs its tests on both databases.
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


async def _pg_admin() -> Any:
    import asyncpg

    return await asyncpg.connect(PG_ADMIN_URL, timeout=3)


@asynccontextmanager
async def pg_database() -> AsyncIterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    try:
        admin = await _pg_admin()
    except (TimeoutError, OSError, Exception) as error:  # noqa: BLE001
        require_service("PostgreSQL at 127.0.0.1:5432", f"{type(error).__name__}: {error}")
    name = f"askarsan_t_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def database(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database of `kind` ("sqlite" or "postgresql")."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'askarsan.db'}"
    else:
        async with pg_database() as url:
            yield url


@asynccontextmanager
async def migrated(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the database at `url`, brought to the latest migration; the engine is disposed
    afterwards."""
    engine = create_engine(url)
    try:
        await migrate(engine)
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def count(sessions: Sessions, model: type, *where: object) -> int:
    """How many rows of `model` there are (that match `where`)."""
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
