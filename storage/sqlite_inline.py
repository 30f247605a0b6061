"""SQLite calls made on the event loop, not through aiosqlite's worker thread.

aiosqlite runs every call (cursor, execute, fetchall, close, commit) on its own thread and hands
the result back through the event loop: four thread round trips per statement, each costing a
loop wake-up and a GIL hand-over. A card pick of about 25 statements spent most of its time in
those hops (``docs/architecture.md``, SDK trap 9; bench/results.md). On a local file in WAL mode
a statement takes microseconds, so `InlineConnection` makes the same sqlite3 calls directly.

What could block the loop is waiting for another process's write lock (a second `askarsan`
process on the same file): the connection's busy timeout is 0, and a call that finds the
database busy yields to the loop and is retried, with backoff, until `busy_timeout` has passed;
SQLite returns SQLITE_BUSY before doing anything, so retrying the same call is safe.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite

BUSY_FIRST_WAIT = 0.001
BUSY_MAX_WAIT = 0.05


class InlineConnection(aiosqlite.Connection):
    """aiosqlite's connection with its calls made inline. The connection is opened on
    aiosqlite's thread (as usual) with ``check_same_thread=False``; it is never used by two
    callers at once (the engine's pool holds one connection and hands it to one session)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_timeout: float) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._busy_timeout = busy_timeout

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        wait = BUSY_FIRST_WAIT
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                if not _retryable(error):
                    raise
                deadline = deadline if deadline is not None else loop.time() + self._busy_timeout
                if loop.time() >= deadline:
                    raise
                await asyncio.sleep(wait)
                wait = min(wait * 2, BUSY_MAX_WAIT)


def _retryable(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY and its extended codes (recovery, timeout), not BUSY_SNAPSHOT: that one means
    the transaction's snapshot is stale and only a new transaction helps (it cannot happen to a
    transaction that took the write lock at BEGIN IMMEDIATE, as ours do)."""
    code = getattr(error, "sqlite_errorcode", None)
    if not isinstance(code, int) or code & 0xFF != sqlite3.SQLITE_BUSY:
        return False
    return code != getattr(sqlite3, "SQLITE_BUSY_SNAPSHOT", 517)


def inline_creator(path: str, *, busy_timeout: float = 30.0) -> Callable[[], Any]:
    """An ``async_creator`` for `create_async_engine` opening `path` with `InlineConnection`."""

    async def create() -> InlineConnection:
        connection = InlineConnection(
            partial(sqlite3.connect, path, check_same_thread=False, timeout=0),
            busy_timeout=busy_timeout,
        )
        connection._thread.daemon = True  # as SQLAlchemy does for aiosqlite's own connections
        await connection
        return connection

    return create
