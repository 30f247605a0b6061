"""Alembic, driven from code: `askarsan migrate` and every `askarsan serve` run these.

Alembic is imported only when there is something to do: a database whose version table names
the newest migration is told apart with one SELECT, and start-up goes on without importing
alembic (about 0.5 s of a server's start, bench/bench_startup.py). The newest migration is read
from the scripts' own ``revision`` / ``down_revision`` lines; whenever they cannot be read
plainly (several heads, a revision that is not a string literal), alembic decides, as before.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# alembic's default version table (env.py does not name another)
_VERSIONS = text("SELECT version_num FROM alembic_version")
_REVISION = re.compile(r"""^revision(?:\s*:[^=\n]*)?\s*=\s*["']([^"'\n]+)["']\s*$""", re.M)
_DOWN_REVISION = re.compile(r"""^down_revision(?:\s*:[^=\n]*)?\s*=\s*(None|["']([^"'\n]+)["'])\s*$""", re.M)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database to `revision` over the app's own engine (sharing its connection).

    At "head" already (its version table names the newest script), nothing is imported or run."""
    if revision == "head" and await _at_head(engine):
        return

    def _upgrade(sync_conn: Connection) -> None:
        from alembic import command

        command.upgrade(alembic_config(sync_conn), revision)

    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _current(sync_conn: Connection) -> str | None:
        return MigrationContext.configure(sync_conn).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_current)


def head_revision() -> str:
    """The newest migration's revision."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def is_current(engine: AsyncEngine) -> bool:
    """Whether the database is at the newest migration (what a worker needs before it runs)."""
    if await _at_head(engine):
        return True
    return await current_revision(engine) == head_revision()


@cache
def script_head() -> str | None:
    """The newest migration read from the scripts' text, without alembic; None when the scripts
    do not say it plainly (then alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0][0] != "None":
            parents.add(down[0][1])
    heads = revisions - parents
    if len(heads) != 1 or not parents <= revisions:
        return None
    return heads.pop()


async def _at_head(engine: AsyncEngine) -> bool:
    """One SELECT on alembic's version table: does it name the newest script (and only it)?"""
    head = script_head()
    if head is None:
        return False
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(_VERSIONS)).scalars().all()
    except DBAPIError:  # no version table yet: a new database
        return False
    return list(rows) == [head]
