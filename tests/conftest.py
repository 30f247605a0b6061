"""The fixtures more than one room uses: real SQLite and PostgreSQL databases, the real app over
HTTP (as it is, with the Direct Line endpoint's quick polling, with the tracker), the loopback
Bot Connector, the Bot Connector's keys and MSAL's stand-in, and the job queue with its clock.
What they are built from lives in tests/helpers/."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from botframework.connector.auth import AuthenticationConstants, ChannelValidation
from botframework.connector.auth import microsoft_app_credentials as msal_module
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from bot.dev.loopback import FakeConnector
from bot.framework.sdk4171 import auth_patches
from bot.settings import Settings
from integrations.mail import MemoryMail
from tests.helpers.bot_tokens import (
    APP_ID,
    APP_TENANT,
    CHANNEL_KID,
    EMULATOR_KID,
    FakeMsal,
    OpenIdServer,
    jwk,
)
from tests.helpers.clock import Clock
from tests.helpers.databases import DATABASES, Sessions, database, migrated, pg_database
from tests.helpers.directline import DIRECTLINE_OPTIONS
from tests.helpers.http import API_KEY
from tests.helpers.jobs import START, Queue
from tests.helpers.tracker import SECRET, password_config

# --- databases --------------------------------------------------------------------------------


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
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """A migrated database, on SQLite and on PostgreSQL (each test using this runs on both)."""
    async with migrated(database_url) as made:
        yield made


@pytest.fixture
async def sqlite_sessions(sqlite_url: str) -> AsyncIterator[Sessions]:
    """A migrated SQLite database, for suites about something else than the database (the
    dialogs, the turn's edge): the use cases' suites run on both databases."""
    async with migrated(sqlite_url) as made:
        yield made


@pytest.fixture
async def postgres_sessions(postgres_url: str) -> AsyncIterator[Sessions]:
    """A migrated PostgreSQL database (`postgres_url` names the same one)."""
    async with migrated(postgres_url) as made:
        yield made


# --- the job queue ----------------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock[datetime]:
    return Clock(START)


@pytest.fixture
def queue(sessions: Sessions) -> Queue:
    return Queue(sessions)


# --- the real app -----------------------------------------------------------------------------


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
            "ASKARSAN_API_KEY": API_KEY,
            "PUBLIC_URL": "http://localhost:3978",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


@pytest.fixture
async def app_client(
    make_settings: Callable[..., Settings],
) -> AsyncIterator[Callable[..., Any]]:
    """Start the real app (create_app) in an aiohttp test server; returns a TestClient.

    `start(settings=None, *, mail, calendar, clock, directline, chat, tracker, **settings_overrides)`:
    the keywords are create_app's; any other keyword is a setting."""
    from bot.app import create_app

    clients: list[TestClient] = []

    async def start(
        settings: Settings | None = None, *, mail: Any = None, calendar: Any = None, clock: Any = None,
        directline: Any = None, chat: Any = None, tracker: Any = None, **overrides: Any,
    ) -> TestClient:
        extra = {"clock": clock} if clock is not None else {}
        app = create_app(
            settings or make_settings(**overrides), mail=mail, calendar=calendar, directline=directline,
            chat=chat, tracker=tracker, **extra,
        )
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


@pytest.fixture
def dl_client(app_client: Callable[..., Any]) -> Callable[..., Any]:
    """The real app with the Direct Line endpoint polling quickly and the chat page:
    `make(settings=None, chat=None, **settings_overrides)` -> TestClient."""

    async def make(settings: Settings | None = None, chat: dict[str, Any] | None = None,
                   **overrides: Any) -> TestClient:
        client: TestClient = await app_client(
            settings, directline=DIRECTLINE_OPTIONS, chat=chat or {}, **overrides
        )
        return client

    return make


@pytest.fixture
def tracker_app(
    app_client: Callable[..., Any], make_settings: Callable[..., Settings]
) -> Callable[..., Any]:
    """The real app with the tracker set up, on a real database, the job runner off (tests drive
    it): `start(database_url=None, config=None, **settings_overrides)` -> TestClient."""

    async def start(database_url: str | None = None, config: Any = None, **overrides: Any) -> TestClient:
        values: dict[str, Any] = {"ASKARSAN_RUN_JOBS": "false", "ASKARSAN_SECRET_KEY": SECRET}
        if database_url:
            values["DATABASE_URL"] = database_url
        values.update(overrides)
        client: TestClient = await app_client(
            make_settings(**values), mail=MemoryMail(), tracker=config or password_config()
        )
        return client

    return start


# --- the Bot Connector's keys and MSAL (tests/helpers/bot_tokens.py) --------------------------


@pytest.fixture
def openid(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenIdServer]:
    """Our keys in place of the published ones (see tests/helpers/bot_tokens.py)."""
    server = OpenIdServer(
        channel_keys=[jwk("channel", CHANNEL_KID, ["msteams", "webchat", "directline", "emulator"])],
        emulator_keys=[jwk("emulator", EMULATOR_KID)],
    ).start()
    monkeypatch.setattr(ChannelValidation, "open_id_metadata_endpoint", server.channel_metadata_url)
    monkeypatch.setattr(
        AuthenticationConstants, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL", server.emulator_metadata_url
    )
    JwtTokenExtractor.metadataCache.clear()
    try:
        yield server
    finally:
        JwtTokenExtractor.metadataCache.clear()
        server.stop()


@pytest.fixture
def fake_msal(monkeypatch: pytest.MonkeyPatch) -> FakeMsal:
    auth_patches.install()
    fake = FakeMsal()
    monkeypatch.setattr(msal_module, "ConfidentialClientApplication", fake.factory())
    return fake


@pytest.fixture
async def auth_client(
    app_client: Callable[..., Any], openid: OpenIdServer, fake_msal: FakeMsal
) -> AsyncIterator[Any]:
    """The real app with an app id: every request to /api/messages needs a valid token."""
    client = await app_client(
        MicrosoftAppId=APP_ID, MicrosoftAppPassword="app-secret", MicrosoftAppTenantId=APP_TENANT,
        ASKARSAN_RUN_JOBS="false",
    )
    yield client
