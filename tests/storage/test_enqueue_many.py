"""A transition's effects go into the outbox in one statement, duplicates skipped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from storage.jobs import NewJob, enqueue, enqueue_many
from storage.models import Job
from tests.helpers.databases import Sessions

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def job(key: str) -> NewJob:
    return NewJob(kind="notify", payload={"k": key}, due_at=NOW, idempotency_key=key)


async def test_a_batch_is_written_once_and_duplicates_are_skipped(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await enqueue(session, kind="notify", payload={}, due_at=NOW, idempotency_key="a", now=NOW)
        added = await enqueue_many(session, [job("a"), job("b"), job("c"), job("b")], now=NOW)
    assert added == 2
    async with sessions() as session:
        keys = sorted(await session.scalars(select(Job.idempotency_key)))
    assert keys == ["a", "b", "c"]


async def test_a_rolled_back_batch_leaves_nothing(sessions: Sessions) -> None:
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await enqueue_many(session, [job("x"), job("y")], now=NOW)
            raise RuntimeError("the state change failed")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == 0
