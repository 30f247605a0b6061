"""SQLite statements run on the event loop (storage/sqlite_inline.py): a database locked by another
connection is waited for without blocking the loop, and given up after the busy timeout."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.db import create_engine
from storage.sqlite_inline import InlineConnection, inline_creator


def _hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another writer (as a second askarsan process would be) holding the write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (v) VALUES ('other')")
    return other


async def _engine_with_table(path: Path, **kwargs: object):
    engine = create_engine(f"sqlite+aiosqlite:///{path}", **kwargs)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (v TEXT)"))
    return engine


async def test_the_engine_uses_the_inline_connection(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path / "a.db")
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
    finally:
        await engine.dispose()


async def test_a_locked_database_is_waited_for_while_the_loop_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    engine = await _engine_with_table(path)
    other = _hold_write_lock(path)
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    async def write() -> None:
        async with engine.begin() as conn:  # BEGIN IMMEDIATE: waits for the other writer
            await conn.execute(text("INSERT INTO t (v) VALUES ('ours')"))

    ticking = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    try:
        while ticks < 10:  # the loop keeps running other tasks while the write waits
            await asyncio.sleep(0.005)
        assert not writing.done(), "the write did not wait for the other writer's lock"
        other.execute("COMMIT")
        await asyncio.wait_for(writing, timeout=10)
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT v FROM t ORDER BY rowid"))).scalars().all()
        assert rows == ["other", "ours"]
    finally:
        stop.set()
        await ticking
        other.close()
        await engine.dispose()


async def test_a_lock_held_past_the_busy_timeout_fails_the_transaction(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    engine = await _engine_with_table(path, async_creator=inline_creator(str(path), busy_timeout=0.2))
    other = _hold_write_lock(path)
    try:
        with pytest.raises(OperationalError, match="locked"):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (v) VALUES ('ours')"))
        other.execute("COMMIT")
        async with engine.begin() as conn:  # and the connection is usable afterwards
            await conn.execute(text("INSERT INTO t (v) VALUES ('later')"))
            rows = (await conn.execute(text("SELECT v FROM t ORDER BY rowid"))).scalars().all()
        assert rows == ["other", "later"]
    finally:
        other.close()
        await engine.dispose()


async def test_other_errors_are_raised_at_once(tmp_path: Path) -> None:
    engine = await _engine_with_table(tmp_path / "a.db")
    try:
        with pytest.raises(OperationalError, match="no such table"):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT * FROM missing"))
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("code", "retried"),
    [(5, True), (261, True), (773, True), (517, False), (6, False), (1, False), (None, False)],
    ids=["busy", "busy-recovery", "busy-timeout", "busy-snapshot", "locked", "error", "no-code"],
)
def test_only_a_busy_database_is_waited_for(code: int | None, retried: bool) -> None:
    from storage.sqlite_inline import _retryable

    error = sqlite3.OperationalError("database is locked")
    if code is not None:
        error.sqlite_errorcode = code
    assert _retryable(error) is retried
