"""Effects become outbox rows in the caller's transaction (the transactional outbox).

The idempotency key is the interview, the version the transition produced, and the effect: a
retried event that does not transition again writes nothing new, and one that does cannot write
the same effect twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.interview import Effect
from storage.jobs import NewJob, enqueue_many


def effect_key(interview_id: str, version: int, effect: Effect) -> str:
    to = effect.to.value if effect.to else "-"
    due = effect.due.isoformat() if effect.due else "now"
    return f"{interview_id}:{version}:{effect.kind.value}:{to}:{due}"


async def record_effects(
    session: AsyncSession,
    interview_id: str,
    version: int,
    effects: Sequence[Effect],
    now: datetime,
) -> None:
    await enqueue_many(
        session,
        [
            NewJob(
                kind=effect.kind.value,
                payload={"data": dict(effect.data), "version": version},
                due_at=effect.due or now,
                idempotency_key=effect_key(interview_id, version, effect),
                interview_id=interview_id,
                role=effect.to.value if effect.to else None,
            )
            for effect in effects
        ],
        now=now,
    )
