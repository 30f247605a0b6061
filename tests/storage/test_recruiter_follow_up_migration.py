"""Migration 0022 adds `interviews.follow_up_event_id` (NULL for the interviews already there) and
takes it away again on downgrade, keeping the interviews and what hangs off them (an interview's
slots go with it on a cascade, so the column is altered in place, not by copying the table), on
SQLite and PostgreSQL."""

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


def _interview_columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("interviews")}


async def test_the_follow_up_column_comes_with_0022_empty_and_goes_on_downgrade_keeping_the_rows(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine, "0018")
        async with engine.begin() as connection:
            assert "follow_up_event_id" not in await connection.run_sync(_interview_columns)
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
            assert "follow_up_event_id" in await connection.run_sync(_interview_columns)
            assert (await connection.execute(text("SELECT follow_up_event_id FROM interviews"))).all() == [(None,)]
            await connection.execute(text("UPDATE interviews SET follow_up_event_id = '0|rita@x|AAMk='"))

        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0018"))
        async with engine.connect() as connection:
            assert "follow_up_event_id" not in await connection.run_sync(_interview_columns)
            assert (await connection.execute(text("SELECT id FROM interviews"))).all() == [("iv",)]
            assert (await connection.execute(text("SELECT id FROM slots"))).all() == [("s1",)]
    finally:
        await engine.dispose()
