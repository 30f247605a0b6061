"""Start-up imports alembic only when the schema is behind: a new database and one a migration
behind are upgraded (alembic imported), one at the newest migration is left as it is without
importing alembic, on SQLite and PostgreSQL. Each start is a process of its own, as a server's
start is, so that ``sys.modules`` tells what it imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage.db import create_engine
from storage.migrate import alembic_config, head_revision

ROOT = Path(__file__).resolve().parents[2]
START = """
import asyncio, json, sys
from storage.db import create_engine
from storage.migrate import migrate

async def start(url):
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()

asyncio.run(start(sys.argv[1]))
print(json.dumps({"alembic": "alembic" in sys.modules}))
"""


def _start(url: str) -> bool:
    """Migrate as start-up does, in a new process; whether it imported alembic."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", START, url], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        check=True,
    )
    return bool(json.loads(out.stdout.strip().splitlines()[-1])["alembic"])


async def _versions(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    finally:
        await engine.dispose()


async def test_start_up_migrates_a_new_or_behind_schema_with_alembic_and_leaves_a_current_one_without(
    database_url: str,
) -> None:
    head = head_revision()

    assert _start(database_url) is True  # a new database: every migration runs
    assert await _versions(database_url) == [head]

    assert _start(database_url) is False  # at the newest migration: one SELECT, no alembic
    assert await _versions(database_url) == [head]

    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:  # a release behind
            await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "0013"))
    finally:
        await engine.dispose()
    assert await _versions(database_url) == ["0013"]
    assert _start(database_url) is True
    assert await _versions(database_url) == [head]


def test_the_newest_migration_read_from_the_scripts_is_alembics_head() -> None:
    from storage.migrate import script_head

    assert script_head() == head_revision()
