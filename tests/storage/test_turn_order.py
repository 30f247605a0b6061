"""The embedded database's connection goes to the oldest waiting turn (storage/turn_order.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.turn_order import OldestFirstQueue, begin_turn


def waiting(engine: AsyncEngine) -> int:
    queue = engine.sync_engine.pool._pool
    assert isinstance(queue, OldestFirstQueue)
    return sum(not w.done() for _, _, w in queue._waiters)


async def until_waiting(engine: AsyncEngine, count: int) -> None:
    while waiting(engine) < count:
        await asyncio.sleep(0.001)


async def test_a_freed_connection_goes_to_the_turn_that_began_first(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    served: list[str] = []

    async def turn(name: str, asks_after: asyncio.Event | None) -> None:
        begin_turn()
        if asks_after is not None:
            await asks_after.wait()  # began first, asks last
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            served.append(name)

    try:
        async with engine.connect() as held:
            await held.execute(text("SELECT 1"))
            late = asyncio.Event()
            tasks = [asyncio.create_task(turn("first", late))]
            await asyncio.sleep(0.002)
            tasks.append(asyncio.create_task(turn("second", None)))
            await until_waiting(engine, 1)
            await asyncio.sleep(0.002)
            tasks.append(asyncio.create_task(turn("third", None)))
            await until_waiting(engine, 2)
            late.set()
            await until_waiting(engine, 3)
            # Asked in the order second, third, first; began first, second, third.
        await asyncio.gather(*tasks)
        assert served == ["first", "second", "third"]
    finally:
        await engine.dispose()


async def test_work_outside_a_turn_ranks_by_when_it_asked(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    served: list[str] = []

    async def ask(name: str) -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            served.append(name)

    try:
        async with engine.connect():
            tasks = []
            for n, name in enumerate(("a", "b", "c")):
                tasks.append(asyncio.create_task(ask(name)))
                await until_waiting(engine, n + 1)
        await asyncio.gather(*tasks)
        assert served == ["a", "b", "c"]
    finally:
        await engine.dispose()


async def test_a_waiter_that_gives_up_loses_no_connection(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", pool_timeout=0.05)
    try:
        async with engine.connect():
            with pytest.raises(PoolTimeout):
                async with engine.connect():
                    pass
        async with engine.connect() as conn:  # the one connection is still there, and free
            assert (await conn.execute(text("SELECT 1"))).scalar() == 1
        queue = engine.sync_engine.pool._pool
        assert queue.qsize() == 1 and all(w.done() for _, _, w in queue._waiters)
    finally:
        await engine.dispose()
