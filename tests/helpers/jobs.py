"""Small helpers shared by the job tests."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.jobs import enqueue
from storage.models import Job
from tests.jobs.conftest import Clock, Queue


async def add_job(
    queue: Queue,
    clock: Clock,
    key: str,
    *,
    kind: str = "test.ok",
    due_at: datetime | None = None,
    payload: dict[str, Any] | None = None,
    max_attempts: int = 8,
) -> str:
    """Enqueue one job in its own transaction and return its id."""
    async with queue.sessions.begin() as session:
        await enqueue(
            session,
            kind=kind,
            payload=payload or {},
            due_at=due_at or clock(),
            idempotency_key=key,
            interview_id="interview-1",
            role="candidate",
            max_attempts=max_attempts,
            now=clock(),
        )
        return (await session.execute(select(Job.id).where(Job.idempotency_key == key))).scalar_one()


class HighestRandom(random.Random):
    """Full jitter at its upper bound, so a test knows the exact delay."""

    def uniform(self, a: float, b: float) -> float:
        return b
