"""The real app with the tracker added, on a real database, the job runner off (tests drive it)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import RUNTIME, create_app
from bot.settings import Settings
from bot.web.tracker.signin import TrackerAuthConfig
from integrations.mail import MemoryMail
from tests.conftest import database
from tests.tracker.helpers import PASSWORD

SECRET = "tracker-test-secret-" + "k" * 32


def password_config(**overrides: Any) -> TrackerAuthConfig:
    values: dict[str, Any] = {"secret_key": SECRET.encode(), "mode": "password",
                              "password": SecretStr(PASSWORD)}
    values.update(overrides)
    return TrackerAuthConfig(**values)


@pytest.fixture
async def tracker_app(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> AsyncIterator[Callable[..., Any]]:
    """start(database_url=None, config=None) -> TestClient with the tracker set up."""
    clients: list[TestClient] = []

    async def start(database_url: str | None = None, config: TrackerAuthConfig | None = None,
                    **overrides: Any) -> TestClient:
        values: dict[str, Any] = {"ASKARSAN_RUN_JOBS": "false", "ASKARSAN_SECRET_KEY": SECRET}
        if database_url:
            values["DATABASE_URL"] = database_url
        values.update(overrides)
        app: web.Application = create_app(
            make_settings(**values), mail=MemoryMail(), tracker=config or password_config()
        )
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database(request.param, tmp_path) as url:
        yield url


def sessions_of(client: TestClient) -> Any:
    return client.app[RUNTIME].sessions
