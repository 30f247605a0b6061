"""Engine and session handling for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator

from storage.sqlite_inline import inline_creator
from storage.turn_order import OldestTurnFirstPool


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out.

    PostgreSQL stores `timestamptz`; SQLite drops offsets, so values are converted to UTC on the
    way in and tagged UTC on the way out. Naive datetimes are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        # SQLite has one writer at a time, and every transaction here takes the write lock at
        # BEGIN. With a pool of many connections, waiting transactions sleep in SQLite's busy
        # handler and retry (seconds of tail latency under load); with one connection they wait
        # in the pool's queue, the oldest turn first (storage/turn_order.py). Nothing holds two
        # sessions at once.
        # Statements run on the event loop (storage/sqlite_inline.py); a busy database is
        # waited for without blocking it, for up to 30 s.
        database = make_url(url).database or ":memory:"
        kwargs.setdefault("async_creator", inline_creator(database, busy_timeout=30.0))
        kwargs.setdefault("poolclass", OldestTurnFirstPool)
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=0")  # InlineConnection waits, off the loop
            cur.close()
            # pysqlite's implicit transactions defer BEGIN; take the write lock at BEGIN instead
            # so that two transactions never upgrade read locks into a deadlock.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, **kwargs)


def create_read_engine(engine: AsyncEngine) -> AsyncEngine | None:
    """For a SQLite file: a second, read-only engine whose statements run on aiosqlite's own
    thread, for the reports (the tracker's pages, the pipeline). The main engine runs SQLite on
    the event loop, which suits a turn's short statements; a report over thousands of interviews
    takes tens of milliseconds, and on the loop every turn in flight would wait for it. sqlite3
    releases the GIL while it steps a query, and in WAL mode a reader and the writer do not block
    each other. None for PostgreSQL (its driver never blocks the loop) and in-memory SQLite (a
    second connection would be another database)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or (url.database or ":memory:") == ":memory:":
        return None
    reader = create_async_engine(url, pool_size=2, max_overflow=0, pool_timeout=60)

    @event.listens_for(reader.sync_engine, "connect")
    def _read_only(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=ON")
        cur.execute("PRAGMA busy_timeout=30000")  # on aiosqlite's thread, not the loop
        cur.close()

    return reader


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine behind `session_factory`'s sessions, for a single statement on a plain
    connection where an ORM session would cost more than the statement (the turn path)."""
    engine: AsyncEngine = sessions.kw["bind"]
    return engine


async def database_reachable(engine: AsyncEngine) -> bool:
    from sqlalchemy import text

    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable" for /healthz
        return False


# PostgreSQL's "deadlock detected": two bookings checked by the overlap (exclusion) constraint at
# once can each wait for the other's transaction; PostgreSQL aborts one, which may simply retry.
DEADLOCK = "40P01"


def is_deadlock(error: BaseException) -> bool:
    """True when `error` (a DBAPIError) is PostgreSQL aborting this transaction for a deadlock."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) == DEADLOCK
