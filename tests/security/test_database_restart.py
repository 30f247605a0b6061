"""The database restarting under load: requests fail cleanly (503 with a reason, never a 500 or
a partial write) and everything works again afterwards, without restarting the server.

The restart is what clients see of one: the test database stops accepting connections and every
open connection to it is terminated; then it accepts them again. (Stopping the shared PostgreSQL
server itself would disturb everything else running on the machine.)"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from integrations.mail import MemoryMail
from tests.helpers.activities import activity
from tests.helpers.databases import PG_ADMIN_URL
from tests.helpers.http import AUTH as API_AUTH

pytestmark = pytest.mark.postgres

REQUEST = {
    "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "Europe/London"},
    "client": {"name": "Harry", "email": "hm@client.example", "zone": "Europe/London"},
    "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
    "role_title": "Data Engineer",
}
AUTH = {**API_AUTH, "Content-Type": "application/json"}


async def set_database_down(name: str, down: bool) -> None:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if down else "true"}')
        if down:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
    finally:
        await admin.close()


async def test_requests_fail_cleanly_while_the_database_restarts_and_recover_after(
    app_client: Any, connector: FakeConnector, postgres_url: str
) -> None:
    client = await app_client(mail=MemoryMail(), DATABASE_URL=postgres_url, ASKARSAN_RUN_JOBS="false")
    name = postgres_url.rsplit("/", 1)[1]
    created = await client.post("/api/v1/interviews", data=json.dumps(REQUEST), headers=AUTH)
    assert created.status == 201

    await set_database_down(name, True)
    try:
        async def one(i: int) -> int:
            if i % 3 == 0:
                return (await client.post("/api/v1/interviews", data=json.dumps(REQUEST), headers=AUTH)).status
            if i % 3 == 1:
                return (await client.get("/healthz")).status
            body = json.dumps(activity(connector.url, "c", "rita", id=f"m-{i}", channelId="emulator"))
            return (await client.post("/api/messages", data=body,
                                      headers={"Content-Type": "application/json"})).status

        statuses = await asyncio.gather(*(one(i) for i in range(30)))
        assert 500 not in statuses, statuses
        api = [s for i, s in enumerate(statuses) if i % 3 == 0]
        assert set(api) == {503}, api  # the API says the database is unavailable
        health = await client.get("/healthz")
        assert health.status == 503 and (await health.json())["database"] == "unreachable"
        bot = [s for i, s in enumerate(statuses) if i % 3 == 2]
        assert all(s in (200, 201, 503) for s in bot), bot
    finally:
        await set_database_down(name, False)

    # Back: the same server serves again, with nothing half-written from the outage.
    assert (await client.get("/healthz")).status == 200
    again = await client.post("/api/v1/interviews", data=json.dumps(REQUEST), headers=AUTH)
    assert again.status == 201
    interview_id = (await again.json())["id"]
    assert (await client.get(f"/api/v1/interviews/{interview_id}", headers=AUTH)).status == 200
    before = len(connector.received)
    await client.post("/api/messages", data=json.dumps(activity(connector.url, "c", "rita", id="m-999", channelId="emulator")),
                      headers={"Content-Type": "application/json"})
    assert len(connector.received) == before + 1 and "schedule" in connector.texts("c")[-1]
    async with client.app[RUNTIME].sessions() as session:
        from sqlalchemy import func, select

        from storage.models import Interview

        assert await session.scalar(select(func.count()).select_from(Interview)) == 2
