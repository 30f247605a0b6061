"""The job queue and its runner as the tests see them: the queue's rows, one job added at a time,
full jitter at its upper bound, running the due jobs by hand, and a messenger that records what
the handlers would send to Teams or web chat."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.jobs.runner import JobRunner
from storage.jobs import enqueue
from storage.models import Job
from tests.helpers.clock import Clock
from tests.helpers.databases import Sessions

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # where the job queue's clock starts


@dataclass
class Queue:
    sessions: Sessions

    async def job(self, job_id: str) -> Job:
        async with self.sessions() as session:
            return (await session.execute(select(Job).where(Job.id == job_id))).scalar_one()

    async def jobs(self) -> list[Job]:
        async with self.sessions() as session:
            return list((await session.execute(select(Job).order_by(Job.due_at))).scalars())


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


async def run_jobs(runner: JobRunner, rounds: int = 30) -> bool:
    """Carry out the due jobs, round after round, until a round finds none (True) or `rounds`
    rounds have all found work (False)."""
    for _ in range(rounds):
        if await runner.run_once() == 0:
            return True
    return False


@dataclass
class RecordingMessenger:
    """Stands in for `bot.framework.proactive.Messenger`: records (reference, activity) pairs."""

    sent: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    async def send(self, reference: dict[str, Any], activity: dict[str, Any]) -> None:
        self.sent.append((reference, activity))

    def to(self, conversation_id: str) -> list[dict[str, Any]]:
        return [a for r, a in self.sent if (r.get("conversation") or {}).get("id") == conversation_id]
