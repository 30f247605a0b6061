"""The queue in storage: enqueue in the caller's transaction, claims, leases, outcomes, requeue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from storage.db import create_engine, session_factory
from storage.jobs import claim_due, complete, enqueue, explain_claim, failed_jobs, park, requeue, retry
from storage.migrate import migrate
from storage.models import Job
from tests.helpers.clock import Clock
from tests.helpers.jobs import Queue, add_job

LEASE = timedelta(minutes=2)


async def count_jobs(queue: Queue) -> int:
    async with queue.sessions() as session:
        return (await session.execute(select(func.count()).select_from(Job))).scalar_one()


async def test_a_job_enqueued_in_a_transaction_that_rolls_back_never_exists(
    queue: Queue, clock: Clock
) -> None:
    async with queue.sessions() as session:
        async with session.begin():
            added = await enqueue(
                session,
                kind="send_card",
                payload={"to": "someone"},
                due_at=clock(),
                idempotency_key="interview-1:offer-slots",
                now=clock(),
            )
            assert added
            await session.rollback()
    assert await count_jobs(queue) == 0
    assert await claim_due(queue.sessions, clock(), lease=LEASE) == []


async def test_a_job_commits_with_the_caller_s_transaction(queue: Queue, clock: Clock) -> None:
    async with queue.sessions.begin() as session:
        await enqueue(
            session,
            kind="send_card",
            payload={"n": 1},
            due_at=clock(),
            idempotency_key="k",
            interview_id="interview-1",
            role="client",
            now=clock(),
        )
    [job] = await queue.jobs()
    assert (job.kind, job.status, job.attempts, job.max_attempts) == ("send_card", "pending", 0, 8)
    assert (job.interview_id, job.role, job.payload) == ("interview-1", "client", {"n": 1})
    assert job.due_at == clock() and job.created_at == clock()


async def test_the_same_idempotency_key_twice_keeps_one_job(queue: Queue, clock: Clock) -> None:
    async def add(payload: dict[str, int]) -> bool:
        async with queue.sessions.begin() as session:
            return await enqueue(
                session, kind="remind", payload=payload, due_at=clock(), idempotency_key="same", now=clock()
            )

    assert await add({"first": 1}) is True
    assert await add({"second": 2}) is False
    [job] = await queue.jobs()
    assert job.payload == {"first": 1}


async def test_a_duplicate_key_in_one_transaction_does_not_spoil_it(queue: Queue, clock: Clock) -> None:
    async with queue.sessions.begin() as session:
        for payload in ({"a": 1}, {"a": 2}):
            await enqueue(
                session, kind="remind", payload=payload, due_at=clock(), idempotency_key="dup", now=clock()
            )
        await enqueue(
            session, kind="remind", payload={}, due_at=clock(), idempotency_key="other", now=clock()
        )
    assert await count_jobs(queue) == 2


async def test_only_due_jobs_are_claimed_oldest_first(queue: Queue, clock: Clock) -> None:
    late = await add_job(queue, clock, "late", due_at=clock() - timedelta(minutes=1))
    early = await add_job(queue, clock, "early", due_at=clock() - timedelta(minutes=5))
    now_ = await add_job(queue, clock, "now", due_at=clock())
    await add_job(queue, clock, "future", due_at=clock() + timedelta(seconds=1))

    claimed = await claim_due(queue.sessions, clock(), lease=LEASE)

    assert [job.id for job in claimed] == [early, late, now_]
    assert all(job.attempts == 1 and job.locked_until == clock() + LEASE for job in claimed)
    stored = await queue.job(early)
    assert (stored.status, stored.attempts, stored.locked_until) == ("running", 1, clock() + LEASE)


async def test_a_future_job_is_claimed_once_the_clock_reaches_it(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "reminder-24h", due_at=clock() + timedelta(hours=24))

    assert await claim_due(queue.sessions, clock(), lease=LEASE) == []
    clock.advance(timedelta(hours=24) - timedelta(microseconds=1))
    assert await claim_due(queue.sessions, clock(), lease=LEASE) == []
    clock.advance(timedelta(microseconds=1))
    assert [job.id for job in await claim_due(queue.sessions, clock(), lease=LEASE)] == [job_id]


async def test_a_claim_takes_at_most_limit_jobs(queue: Queue, clock: Clock) -> None:
    for n in range(5):
        await add_job(queue, clock, f"k{n}", due_at=clock() - timedelta(seconds=n))
    first = await claim_due(queue.sessions, clock(), limit=3, lease=LEASE)
    second = await claim_due(queue.sessions, clock(), limit=3, lease=LEASE)
    assert (len(first), len(second)) == (3, 2)
    assert {job.id for job in first}.isdisjoint(job.id for job in second)
    assert await claim_due(queue.sessions, clock(), limit=3, lease=LEASE) == []


async def test_a_running_job_is_claimed_again_only_after_its_lease_expires(
    queue: Queue, clock: Clock
) -> None:
    job_id = await add_job(queue, clock, "k")
    [first] = await claim_due(queue.sessions, clock(), lease=LEASE)

    clock.advance(LEASE - timedelta(microseconds=1))
    assert await claim_due(queue.sessions, clock(), lease=LEASE) == []
    clock.advance(timedelta(microseconds=1))  # the first worker crashed: its lease runs out
    [second] = await claim_due(queue.sessions, clock(), lease=LEASE)

    assert second.id == first.id == job_id
    assert second.attempts == 2
    assert second.locked_until == clock() + LEASE


async def test_a_worker_whose_lease_was_taken_over_cannot_record_an_outcome(
    queue: Queue, clock: Clock
) -> None:
    job_id = await add_job(queue, clock, "k")
    [stale] = await claim_due(queue.sessions, clock(), lease=LEASE)
    clock.advance(LEASE)
    [current] = await claim_due(queue.sessions, clock(), lease=LEASE)

    assert await complete(queue.sessions, stale, clock()) is False
    assert await retry(queue.sessions, stale, clock(), "late", clock()) is False
    assert await park(queue.sessions, stale, clock(), "late") is False
    assert (await queue.job(job_id)).status == "running"

    assert await complete(queue.sessions, current, clock()) is True
    done = await queue.job(job_id)
    assert (done.status, done.done_at, done.locked_until) == ("done", clock(), None)
    # Recording twice changes nothing: the claim is spent.
    assert await complete(queue.sessions, current, clock()) is False


async def test_a_retried_job_waits_until_its_new_due_time(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k")
    [job] = await claim_due(queue.sessions, clock(), lease=LEASE)
    assert await retry(queue.sessions, job, clock(), "SMTP 451", clock() + timedelta(minutes=5))

    stored = await queue.job(job_id)
    assert (stored.status, stored.last_error, stored.locked_until) == ("pending", "SMTP 451", None)
    assert await claim_due(queue.sessions, clock() + timedelta(minutes=4), lease=LEASE) == []
    [again] = await claim_due(queue.sessions, clock() + timedelta(minutes=5), lease=LEASE)
    assert again.attempts == 2


async def test_a_parked_job_is_listed_and_can_be_tried_again(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k", kind="send_email")
    [job] = await claim_due(queue.sessions, clock(), lease=LEASE)
    assert await park(queue.sessions, job, clock(), "mailbox does not exist")

    [failed] = await failed_jobs(queue.sessions)
    assert (failed.id, failed.kind, failed.last_error, failed.failed_at) == (
        job_id,
        "send_email",
        "mailbox does not exist",
        clock(),
    )
    assert await claim_due(queue.sessions, clock() + timedelta(days=1), lease=LEASE) == []

    clock.advance(timedelta(hours=3))
    assert await requeue(queue.sessions, job_id, clock()) is True
    assert await requeue(queue.sessions, job_id, clock()) is False  # a double click
    stored = await queue.job(job_id)
    assert (stored.status, stored.attempts, stored.due_at, stored.done_at) == ("pending", 0, clock(), None)
    assert await failed_jobs(queue.sessions) == []
    [again] = await claim_due(queue.sessions, clock(), lease=LEASE)
    assert (again.id, again.attempts) == (job_id, 1)


async def test_requeue_leaves_jobs_that_did_not_fail_alone(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k")
    assert await requeue(queue.sessions, job_id, clock()) is False
    assert await requeue(queue.sessions, "no-such-job", clock()) is False


async def test_sqlite_claims_read_the_status_due_at_index(tmp_path: Path, clock: Clock) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'plan.db'}")
    try:
        await migrate(engine)
        plans = await explain_claim(session_factory(engine), clock(), 20)
    finally:
        await engine.dispose()
    assert len(plans) == 2
    for plan in plans:
        # SEARCH = a range read of the index; no SCAN of the table, no sort for ORDER BY due_at.
        assert "SEARCH jobs USING INDEX ix_jobs_status_due_at" in plan, plan
        assert "SCAN" not in plan and "TEMP B-TREE" not in plan, plan
