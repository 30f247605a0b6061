"""Many workers on one PostgreSQL database: concurrent claims, and a worker killed mid-job."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.runner import JobRunner
from storage.db import create_engine, session_factory
from storage.jobs import ClaimedJob, NewJob, enqueue, enqueue_many
from storage.models import Job
from tests.helpers.clock import Clock
from tests.helpers.environment import ROOT

pytestmark = pytest.mark.postgres

LEASE = timedelta(minutes=2)


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[str, tuple[str, int]]:
    async with sessions() as session:
        rows = await session.execute(select(Job.id, Job.status, Job.attempts))
        return {row.id: (row.status, row.attempts) for row in rows}


JOBS = 10_000  # two workers on PostgreSQL, 10,000 jobs: none run twice, none lost


async def test_two_runners_claiming_at_once_do_every_job_exactly_once(
    postgres_url: str, postgres_sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with postgres_sessions.begin() as session:
        for start in range(0, JOBS, 1_000):
            await enqueue_many(
                session,
                [
                    NewJob(kind="count", payload={"n": n}, due_at=clock() - timedelta(seconds=n),
                           idempotency_key=f"job-{n}")
                    for n in range(start, start + 1_000)
                ],
                now=clock(),
            )
    counts: Counter[str] = Counter()

    async def handler(job: ClaimedJob) -> None:
        counts[job.id] += 1
        await asyncio.sleep(0)

    engines = [create_engine(postgres_url), create_engine(postgres_url)]
    try:
        runners = [
            JobRunner(session_factory(engine), {"count": handler}, clock=clock, lease=LEASE, batch=20)
            for engine in engines
        ]

        async def drain(runner: JobRunner) -> int:
            total = 0
            while claimed := await runner.run_once():
                total += claimed
            return total

        claimed = await asyncio.wait_for(asyncio.gather(*(drain(r) for r in runners)), timeout=600)
    finally:
        for engine in engines:
            await engine.dispose()

    assert sum(claimed) == JOBS, claimed
    assert all(claimed), f"one runner did all the work: {claimed}"
    assert len(counts) == JOBS
    assert set(counts.values()) == {1}
    assert set((await statuses(postgres_sessions)).values()) == {("done", 1)}


# --- a real worker process, killed in the middle of a job ------------------------------------


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split() if path.exists() else []


async def _start_worker(url: str, log: Path) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": url,
            "ASKARSAN_ENV": "local",
            "ASKARSAN_JOB_LEASE_SECONDS": "2",
            "ASKARSAN_JOB_POLL_SECONDS": "0.1",
            "PYTHONPATH": str(ROOT),
        }
    )
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.bot.jobs.worker_process", cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def _wait_until(check: Callable[[], bool], what: str, logs: list[Path], timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            output = "\n".join(f"--- {p.name}\n{p.read_text()}" for p in logs if p.exists())
            raise AssertionError(f"timed out after {timeout}s waiting until {what}\n{output}")
        await asyncio.sleep(0.05)


async def _enqueue_append(
    sessions: async_sessionmaker[AsyncSession], key: str, due_at: datetime, payload: dict[str, object]
) -> str:
    async with sessions.begin() as session:
        await enqueue(
            session,
            kind="test.append",
            payload=payload,
            due_at=due_at,
            idempotency_key=key,
            now=datetime.now(UTC),
        )
        return (await session.execute(select(Job.id).where(Job.idempotency_key == key))).scalar_one()


async def test_a_job_cut_short_by_sigkill_is_done_exactly_once_by_the_next_worker(
    postgres_url: str, postgres_sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    done, started = tmp_path / "done.txt", tmp_path / "started.txt"
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
    payload: dict[str, object] = {"file": str(done), "started": str(started)}
    slow = await _enqueue_append(
        postgres_sessions, "slow", datetime.now(UTC), {**payload, "sleep_first_attempt": 600}
    )

    first = await _start_worker(postgres_url, logs[0])
    try:
        await _wait_until(lambda: slow in _lines(started), "the first worker started the job", logs)
    finally:
        first.kill()  # SIGKILL: no chance to clean up
        await asyncio.wait_for(first.wait(), timeout=15)
    assert _lines(done) == []
    assert (await statuses(postgres_sessions))[slow] == ("running", 1)

    # While no worker runs, another job becomes due.
    due = datetime.now(UTC) + timedelta(milliseconds=300)
    waiting = await _enqueue_append(postgres_sessions, "became-due", due, payload)
    await _wait_until(lambda: datetime.now(UTC) > due, "the second job is due", logs)

    second = await _start_worker(postgres_url, logs[1])
    try:
        await _wait_until(
            lambda: {slow, waiting} <= set(_lines(done)), "the second worker did both jobs", logs
        )
    finally:
        second.send_signal(signal.SIGTERM)
        returncode = await asyncio.wait_for(second.wait(), timeout=15)
    assert returncode == 0, logs[1].read_text()
    assert "job worker stopped" in logs[1].read_text()  # a graceful stop, not a crash

    assert Counter(_lines(done)) == {slow: 1, waiting: 1}
    assert Counter(_lines(started)) == {slow: 2, waiting: 1}
    assert await statuses(postgres_sessions) == {slow: ("done", 2), waiting: ("done", 1)}
