"""The durable job queue: the transactional outbox and timed work (``docs/architecture.md``,
"The outbox").

A job is a row in `jobs`, written by `enqueue` in the caller's own transaction, so that a state
change and the effects it causes commit or roll back together. The job runner
(`bot/jobs.py`) claims due rows with `claim_due`, carries them out and records the outcome.

Claims are leases: a claimed row is `running` until `locked_until`; a worker that crashed leaves
the row to be claimed again once the lease has expired. The claim itself (`locked_until` together
with `attempts`, which only grows) is the fencing token: `complete`, `retry` and `park` change a
row only while it still holds the caller's claim, so a worker whose lease expired cannot overwrite
the outcome of the worker that took the job over.

No function here reads the clock: `now` is always passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Insert, Select, Table, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal

from storage.models import Job, new_id

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"

# Enough to say what went wrong on the tracker without storing a whole traceback.
MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker holds until `locked_until`; pass it back to `complete`/`retry`/`park`."""

    id: str
    kind: str
    payload: dict[str, Any]
    interview_id: str | None
    role: str | None
    attempts: int
    max_attempts: int
    idempotency_key: str
    due_at: datetime
    locked_until: datetime


@dataclass(frozen=True)
class FailedJob:
    """A parked job as the tracker shows it (no payload: it may hold personal data)."""

    id: str
    kind: str
    interview_id: str | None
    role: str | None
    attempts: int
    max_attempts: int
    last_error: str | None
    due_at: datetime
    failed_at: datetime | None


class _OnKeyConflictDoNothing(ClauseElement):
    """``ON CONFLICT (idempotency_key) DO NOTHING``, the same words on SQLite and PostgreSQL.

    The dialects' own ``insert().on_conflict_do_nothing()`` has no cache key, so SQLAlchemy
    compiled the outbox INSERT again on every call (a booking's 11 effects took 2.3 ms, 1.1 ms
    compiled once; measured). This clause has a cache key, so the INSERT is compiled once."""

    __visit_name__ = "askarsan_on_key_conflict_do_nothing"
    _traverse_internals: list[tuple[str, InternalTraversal]] = [  # noqa: RUF012 - read off the class
        ("column", InternalTraversal.dp_string)
    ]

    def __init__(self, column: str) -> None:
        self.column = column


@compiles(_OnKeyConflictDoNothing)
def _compile_on_key_conflict(element: _OnKeyConflictDoNothing, compiler: SQLCompiler, **kw: Any) -> str:
    return f"ON CONFLICT ({compiler.preparer.quote(element.column)}) DO NOTHING"


class _InsertIgnoringDuplicates(Insert):
    """INSERT .. ON CONFLICT (idempotency_key) DO NOTHING, cacheable (the clause is part of the
    statement's cache key through `Insert`'s own traversal of `_post_values_clause`)."""

    inherit_cache = True
    _post_values_clause = _OnKeyConflictDoNothing("idempotency_key")


_JOBS = cast(Table, Job.__table__)
# RETURNING id tells which rows were new; run as an executemany (SQLAlchemy batches the rows
# into one multi-row VALUES on both dialects).
_INSERT_IGNORING_DUPLICATES = _InsertIgnoringDuplicates(_JOBS).returning(_JOBS.c.id)


@dataclass(frozen=True)
class NewJob:
    kind: str
    payload: dict[str, Any]
    due_at: datetime
    idempotency_key: str
    interview_id: str | None = None
    role: str | None = None
    max_attempts: int = 8


async def enqueue_many(session: AsyncSession, jobs: Sequence[NewJob], *, now: datetime) -> int:
    """`enqueue` for several jobs in one statement (a transition's effects); returns how many
    were new. Duplicates by key, within the batch or with existing jobs, are skipped."""
    rows: dict[str, dict[str, Any]] = {}
    for job in jobs:
        if job.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        rows.setdefault(
            job.idempotency_key,
            {
                "id": new_id(), "kind": job.kind, "interview_id": job.interview_id,
                "role": job.role, "payload": job.payload, "idempotency_key": job.idempotency_key,
                "status": PENDING, "due_at": job.due_at, "attempts": 0,
                "max_attempts": job.max_attempts, "last_error": None, "locked_until": None,
                "created_at": now, "done_at": None,
            },
        )
    if not rows:
        return 0
    result = await session.execute(_INSERT_IGNORING_DUPLICATES, list(rows.values()))
    return len(result.all())


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    payload: dict[str, Any],
    due_at: datetime,
    idempotency_key: str,
    interview_id: str | None = None,
    role: str | None = None,
    max_attempts: int = 8,
    now: datetime,
) -> bool:
    """Add a job in the caller's transaction; False if a job with this key already exists.

    The caller commits (or rolls back) together with the state change that caused the job. A
    replayed event enqueues with the same key and changes nothing.
    """
    job = NewJob(kind, payload, due_at, idempotency_key, interview_id, role, max_attempts)
    return await enqueue_many(session, [job], now=now) == 1


def claim_selects(now: datetime, limit: int) -> list[Select[tuple[str, datetime]]]:
    """The candidate queries of a claim, each one a range read of `ix_jobs_status_due_at`.

    Two queries rather than one with OR: each stays on its own prefix of the (status, due_at)
    index, so a claim costs the same with a thousand rows as with millions that are done or not
    yet due. Expired leases are few (running rows are bounded by workers × batch). On PostgreSQL
    rows another worker is claiming right now are skipped, not waited for.
    """
    due = (
        select(Job.id, Job.due_at)
        .where(Job.status == PENDING, Job.due_at <= now)
        .order_by(Job.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    expired = (
        select(Job.id, Job.due_at)
        .where(Job.status == RUNNING, Job.locked_until <= now)
        .order_by(Job.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [expired, due]


class _Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler: SQLCompiler, **kw: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN" if compiler.dialect.name == "sqlite" else "EXPLAIN"
    return f"{prefix} {compiler.process(element.statement, **kw)}"


async def explain_claim(
    sessions: async_sessionmaker[AsyncSession], now: datetime, limit: int = 20
) -> list[str]:
    """The database's plan for each candidate query of a claim (operations: "is the index used?")."""
    plans = []
    async with sessions() as session:
        for query in claim_selects(now, limit):
            rows = await session.execute(_Explain(query))
            plans.append("\n".join(str(row[-1]) for row in rows))
    return plans


async def claim_due(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    limit: int = 20,
    lease: timedelta = timedelta(minutes=2),
) -> list[ClaimedJob]:
    """Claim up to `limit` jobs that are due (or whose lease expired), oldest due first.

    One transaction: the rows are locked (PostgreSQL, `FOR UPDATE SKIP LOCKED`; SQLite holds the
    database write lock from `BEGIN IMMEDIATE`), marked running until `now + lease`, and their
    attempt counted.
    """
    if limit < 1:
        return []
    locked_until = now + lease
    async with sessions.begin() as session:
        candidates: list[tuple[str, datetime]] = []
        for query in claim_selects(now, limit):
            candidates.extend((row.id, row.due_at) for row in await session.execute(query))
        if not candidates:
            return []
        candidates.sort(key=lambda c: c[1])
        ids = [job_id for job_id, _ in candidates[:limit]]
        result = await session.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(status=RUNNING, locked_until=locked_until, attempts=Job.attempts + 1)
            .returning(
                Job.id,
                Job.kind,
                Job.payload,
                Job.interview_id,
                Job.role,
                Job.attempts,
                Job.max_attempts,
                Job.idempotency_key,
                Job.due_at,
            )
            .execution_options(synchronize_session=False)
        )
        claimed = [
            ClaimedJob(
                id=row.id,
                kind=row.kind,
                payload=row.payload,
                interview_id=row.interview_id,
                role=row.role,
                attempts=row.attempts,
                max_attempts=row.max_attempts,
                idempotency_key=row.idempotency_key,
                due_at=row.due_at,
                locked_until=locked_until,
            )
            for row in result
        ]
    claimed.sort(key=lambda job: job.due_at)
    return claimed


def _still_held(job: ClaimedJob) -> Any:
    return and_(
        Job.id == job.id,
        Job.status == RUNNING,
        Job.locked_until == job.locked_until,
        Job.attempts == job.attempts,
    )


async def _finish(
    sessions: async_sessionmaker[AsyncSession], job: ClaimedJob, values: dict[str, Any]
) -> bool:
    async with sessions.begin() as session:
        result = await session.execute(
            update(Job)
            .where(_still_held(job))
            .values(**values)
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none() is not None


def _clip(error: str) -> str:
    return error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 1] + "…"


async def complete(sessions: async_sessionmaker[AsyncSession], job: ClaimedJob, now: datetime) -> bool:
    """Mark the job done; False if the claim was lost (lease expired and taken over)."""
    return await _finish(sessions, job, {"status": DONE, "done_at": now, "locked_until": None})


async def retry(
    sessions: async_sessionmaker[AsyncSession],
    job: ClaimedJob,
    now: datetime,
    error: str,
    at: datetime,
) -> bool:
    """Put the job back to run again at `at`, keeping the error; False if the claim was lost."""
    del now  # the new due time carries the decision; kept for a uniform signature
    return await _finish(
        sessions,
        job,
        {"status": PENDING, "due_at": at, "last_error": _clip(error), "locked_until": None},
    )


async def park(
    sessions: async_sessionmaker[AsyncSession], job: ClaimedJob, now: datetime, error: str
) -> bool:
    """Give up on the job: `failed`, with the error shown to recruiters; False if the claim was lost.

    `done_at` records when it was given up; `requeue` clears it.
    """
    return await _finish(
        sessions,
        job,
        {"status": FAILED, "last_error": _clip(error), "done_at": now, "locked_until": None},
    )


async def failed_jobs(sessions: async_sessionmaker[AsyncSession], limit: int = 50) -> list[FailedJob]:
    """Parked jobs, most recently due first (read from the (status, due_at) index)."""
    async with sessions() as session:
        rows = await session.execute(
            select(
                Job.id,
                Job.kind,
                Job.interview_id,
                Job.role,
                Job.attempts,
                Job.max_attempts,
                Job.last_error,
                Job.due_at,
                Job.done_at,
            )
            .where(Job.status == FAILED)
            .order_by(Job.due_at.desc())
            .limit(limit)
        )
        return [
            FailedJob(
                id=row.id,
                kind=row.kind,
                interview_id=row.interview_id,
                role=row.role,
                attempts=row.attempts,
                max_attempts=row.max_attempts,
                last_error=row.last_error,
                due_at=row.due_at,
                failed_at=row.done_at,
            )
            for row in rows
        ]


async def requeue(sessions: async_sessionmaker[AsyncSession], job_id: str, now: datetime) -> bool:
    """A recruiter's "try again": a failed job is due now with a fresh set of attempts.

    False if the job is not (or no longer) failed, so a double click changes nothing twice. The
    last error stays until the job succeeds or fails again.
    """
    async with sessions.begin() as session:
        result = await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == FAILED)
            .values(status=PENDING, due_at=now, attempts=0, done_at=None, locked_until=None)
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none() is not None
