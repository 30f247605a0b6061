"""Fixtures for the job queue: a migrated database on SQLite and PostgreSQL, and a clock we drive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory
from storage.migrate import migrate
from storage.models import Job

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


@dataclass
class Queue:
    url: str
    sessions: async_sessionmaker[AsyncSession]

    async def job(self, job_id: str) -> Job:
        async with self.sessions() as session:
            return (await session.execute(select(Job).where(Job.id == job_id))).scalar_one()

    async def jobs(self) -> list[Job]:
        async with self.sessions() as session:
            return list((await session.execute(select(Job).order_by(Job.due_at))).scalars())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def queue(database_url: str) -> AsyncIterator[Queue]:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        yield Queue(database_url, session_factory(engine))
    finally:
        await engine.dispose()
