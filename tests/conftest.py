"""Shared fixtures: real SQLite and PostgreSQL databases, the real app over HTTP, a fake connector."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from tests.fakes.connector import FakeConnector

PG_ADMIN_URL = os.environ.get("ASKARSAN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


async def _pg_admin() -> Any:
    import asyncpg

    return await asyncpg.connect(PG_ADMIN_URL, timeout=3)


def require_service(what: str, reason: str) -> None:
    """A missing service fails the test under CI and skips it (with the reason) elsewhere."""
    message = f"{what} is not available: {reason}"
    if _in_ci():
        pytest.fail(message + " (CI is set, so this is a failure)")
    pytest.skip(message)


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
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'askarsan.db'}"
    else:
        async with pg_database() as url:
            yield url


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'askarsan.db'}"


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    async with pg_database() as url:
        yield url


@pytest.fixture(params=DATABASES)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each test using this runs on SQLite and on PostgreSQL."""
    async with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = await FakeConnector().start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "ASKARSAN_ENV": "local",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'app.db'}",
            "ASKARSAN_DATA_DIR": str(tmp_path / "var"),
            "ASKARSAN_SECRET_KEY": "test-secret-key-" + "x" * 32,
            "ASKARSAN_API_KEY": "test-api-key",
            "PUBLIC_URL": "http://localhost:3978",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return make


@pytest.fixture
async def app_client(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[Callable[..., Any]]:
    """Start the real app (create_app) in an aiohttp test server; returns a TestClient."""
    from bot.app import create_app

    clients: list[TestClient] = []

    async def start(
        settings: Settings | None = None, *, mail: Any = None, calendar: Any = None, clock: Any = None,
        **overrides: Any,
    ) -> TestClient:
        extra = {"clock": clock} if clock is not None else {}
        app = create_app(settings or make_settings(**overrides), mail=mail, calendar=calendar, **extra)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()
