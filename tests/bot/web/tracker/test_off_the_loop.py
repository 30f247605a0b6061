"""On SQLite the tracker's reports run off the event loop: the turn path's statements run on the
loop (storage/sqlite_inline.py), and a report over thousands of interviews would stall every turn
in flight. The reports use a read-only engine whose statements run on aiosqlite's thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import RUNTIME
from tests.helpers.http import sessions_of
from tests.helpers.tracker import book, new_interview, sign_in, weekday_after


@contextmanager
def statements_of(engine: AsyncEngine) -> Iterator[list[str]]:
    """The statements `engine` ran while the block ran."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def traced_threads(engine: AsyncEngine) -> set[int]:
    """The threads SQLite itself runs `engine`'s statements on, from now on (its trace callback
    is called by the thread stepping the statement; SQLAlchemy's events run on the caller's)."""
    threads: set[int] = set()

    def trace(_sql: str) -> None:
        threads.add(threading.get_ident())

    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.run_async(lambda raw: raw.set_trace_callback(trace))

    await engine.dispose()  # new connections, each traced
    event.listen(engine.sync_engine, "connect", on_connect)
    return threads


async def test_on_sqlite_the_trackers_pages_query_off_the_event_loop(tracker_app, tmp_path: Path) -> None:
    client = await tracker_app(f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}")
    runtime = client.app[RUNTIME]
    t = datetime.now(UTC)
    iid, client_id, candidate_id = await new_interview(sessions_of(client), t)
    await book(sessions_of(client), iid, client_id, candidate_id, t, weekday_after(t, 3))
    await sign_in(client)
    assert runtime.read_engine is not None
    loop_thread = threading.get_ident()
    reads = await traced_threads(runtime.read_engine)
    with statements_of(runtime.engine) as on_loop:
        for page in ("/tracker", "/tracker/export.csv", f"/tracker/interviews/{iid}", "/tracker/kpis",
                     "/tracker/feeds"):
            response = await client.get(page)
            assert response.status == 200, (page, await response.text())
        pipeline = await (await client.get("/tracker")).text()
    assert "Cara Candidate" in pipeline  # written on the loop's engine, read on the other
    assert reads and loop_thread not in reads
    assert on_loop == []


async def test_the_report_engine_cannot_write(tracker_app, tmp_path: Path) -> None:
    client = await tracker_app(f"sqlite+aiosqlite:///{tmp_path / 'tracker.db'}")
    reader = client.app[RUNTIME].read_engine
    assert reader is not None
    async with reader.connect() as connection:
        with pytest.raises(OperationalError, match="readonly"):
            await connection.execute(text("DELETE FROM interviews"))


async def test_reports_have_their_own_engine_on_sqlite_only(tracker_app, database_url: str) -> None:
    client = await tracker_app(database_url)
    runtime = client.app[RUNTIME]
    if database_url.startswith("postgresql"):
        assert runtime.read_engine is None and runtime.reports is runtime.sessions
    else:
        assert runtime.read_engine is not None and runtime.reports is not runtime.sessions
