"""Migration 0011 adds `slots.hold_event_id` (NULL for the slots already there) and takes it away
again on downgrade, keeping the slots, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db import create_engine
from storage.migrate import alembic_config, migrate
from tests.helpers.databases import DATABASES, database

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(params=DATABASES)
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database(request.param, tmp_path) as value:
        yield value


def _slot_columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("slots")}


async def test_hold_ids_come_with_0011_empty_for_existing_slots_and_go_on_downgrade(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine, "0010")
        async with engine.begin() as connection:
            assert "hold_event_id" not in await connection.run_sync(_slot_columns)
            # Plain SQL: the model already has the new column.
            await connection.execute(text(
                "INSERT INTO parties (id, kind, display_name, timezone, created_at) VALUES "
                "('rita', 'recruiter', 'Rita', 'UTC', :now), ('harry', 'client', 'Harry', 'UTC', :now), "
                "('asha', 'candidate', 'Asha', 'UTC', :now)"
            ), {"now": NOW})
            await connection.execute(text(
                "INSERT INTO interviews (id, role_title, format, stage, recruiter_id, client_id, "
                "candidate_id, duration_minutes, rules, round, ics_sequence, reschedule_count, "
                "requested_at, stage_changed_at, version) VALUES ('iv', 'Data Engineer', 'teams', "
                "'awaiting_pick', 'rita', 'harry', 'asha', 60, '{}', 1, 0, 0, :now, :now, 1)"
            ), {"now": NOW})
            await connection.execute(text(
                "INSERT INTO slots (id, interview_id, offer_round, start, \"end\", status, created_at) "
                "VALUES ('s1', 'iv', 1, :now, :now, 'offered', :now)"
            ), {"now": NOW})

        await migrate(engine)
        async with engine.begin() as connection:
            assert "hold_event_id" in await connection.run_sync(_slot_columns)
            assert (await connection.execute(text("SELECT hold_event_id FROM slots"))).all() == [(None,)]
            await connection.execute(text("UPDATE slots SET hold_event_id = 'AAMkHold='"))

        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0010"))
        async with engine.connect() as connection:
            assert "hold_event_id" not in await connection.run_sync(_slot_columns)
            assert (await connection.execute(text("SELECT id, status FROM slots"))).all() == [("s1", "offered")]
    finally:
        await engine.dispose()
