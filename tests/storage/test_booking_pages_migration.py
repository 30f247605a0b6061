"""Migration 0010 adds `booking_pages` with one row per (party, version) and takes it away again on
downgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from storage.db import create_engine
from storage.migrate import alembic_config, migrate
from storage.models import BookingPageRow, Party
from tests.helpers.databases import DATABASES, database

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture(params=DATABASES)
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    async with database(request.param, tmp_path) as value:
        yield value


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_booking_pages_come_with_0010_hold_one_row_per_version_and_go_on_downgrade(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine, "0009")
        async with engine.connect() as connection:
            assert "booking_pages" not in await connection.run_sync(_tables)
        await migrate(engine)
        async with engine.begin() as connection:
            await connection.execute(insert(Party.__table__), [
                {"id": "harry", "kind": "client", "display_name": "Harry", "timezone": "UTC", "created_at": NOW}
            ])
            row = {"party_id": "harry", "page": {"zone": "UTC"}, "created_at": NOW, "created_by": "api"}
            await connection.execute(insert(BookingPageRow.__table__), [
                {**row, "id": "p1", "version": 1}, {**row, "id": "p2", "version": 2},
            ])
        with pytest.raises(IntegrityError):
            async with engine.begin() as connection:
                await connection.execute(insert(BookingPageRow.__table__), [{**row, "id": "p3", "version": 2}])

        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0009"))
        async with engine.connect() as connection:
            assert "booking_pages" not in await connection.run_sync(_tables)
    finally:
        await engine.dispose()
