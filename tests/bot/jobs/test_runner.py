"""The job runner, driven by a clock the test moves: outcomes, backoff, parking, the poll loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

import pytest

from bot.jobs.runner import Handler, JobRunner, PermanentFailure, RetryLater
from storage.jobs import ClaimedJob, claim_due, failed_jobs, requeue
from tests.helpers.clock import Clock
from tests.helpers.jobs import HighestRandom, Queue, add_job

LEASE = timedelta(minutes=2)
BASE = timedelta(seconds=30)


def make_runner(queue: Queue, clock: Clock, handlers: Mapping[str, Handler], **kwargs: object) -> JobRunner:
    options: dict[str, object] = {"lease": LEASE, "backoff_base": BASE, "rng": HighestRandom()}
    options.update(kwargs)
    return JobRunner(queue.sessions, handlers, clock=clock, **options)


class Recorder:
    """A handler that records the jobs it ran and can be told to fail."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.ran: list[ClaimedJob] = []

    async def __call__(self, job: ClaimedJob) -> None:
        self.ran.append(job)
        if self.errors:
            raise self.errors.pop(0)


async def test_a_due_job_is_carried_out_and_marked_done(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k", payload={"card": "offer-slots"})
    handler = Recorder()
    runner = make_runner(queue, clock, {"test.ok": handler})

    assert await runner.run_once() == 1
    ran = [(job.id, job.payload, job.attempts) for job in handler.ran]
    assert ran == [(job_id, {"card": "offer-slots"}, 1)]
    stored = await queue.job(job_id)
    assert (stored.status, stored.done_at, stored.locked_until) == ("done", clock(), None)
    assert await runner.run_once() == 0


async def test_a_failing_job_is_retried_with_growing_delays_then_parked(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k", max_attempts=3)
    handler = Recorder(
        ConnectionError("smtp down"), ConnectionError("smtp down"), ConnectionError("still down")
    )
    runner = make_runner(queue, clock, {"test.ok": handler})

    assert await runner.run_once() == 1
    stored = await queue.job(job_id)
    assert (stored.status, stored.attempts, stored.due_at) == ("pending", 1, clock() + BASE)
    assert stored.last_error == "ConnectionError: smtp down"

    clock.advance(BASE - timedelta(seconds=1))
    assert await runner.run_once() == 0  # not yet
    clock.advance(timedelta(seconds=1))
    assert await runner.run_once() == 1
    assert (await queue.job(job_id)).due_at == clock() + 2 * BASE

    clock.advance(2 * BASE)
    assert await runner.run_once() == 1
    parked = await queue.job(job_id)
    assert (parked.status, parked.attempts) == ("failed", 3)
    [failed] = await failed_jobs(queue.sessions)
    assert failed.id == job_id
    assert failed.last_error == "ConnectionError: still down (after 3 attempts)"
    assert len(handler.ran) == 3
    clock.advance(timedelta(days=30))
    assert await runner.run_once() == 0


async def test_retry_later_is_honoured_exactly(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k")
    handler = Recorder(RetryLater(timedelta(seconds=17), "429 Too Many Requests"))
    runner = make_runner(queue, clock, {"test.ok": handler})

    await runner.run_once()
    stored = await queue.job(job_id)
    assert (stored.status, stored.due_at) == ("pending", clock() + timedelta(seconds=17))
    assert stored.last_error == "RetryLater: 429 Too Many Requests"
    clock.advance(timedelta(seconds=16))
    assert await runner.run_once() == 0
    clock.advance(timedelta(seconds=1))
    assert await runner.run_once() == 1
    assert (await queue.job(job_id)).status == "done"


async def test_retry_later_on_the_last_attempt_parks(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k", max_attempts=1)
    runner = make_runner(queue, clock, {"test.ok": Recorder(RetryLater(timedelta(seconds=5)))})
    await runner.run_once()
    assert (await queue.job(job_id)).status == "failed"


async def test_a_permanent_failure_is_parked_at_once(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k")
    handler = Recorder(PermanentFailure("interview was deleted"))
    runner = make_runner(queue, clock, {"test.ok": handler})

    await runner.run_once()
    parked = await queue.job(job_id)
    assert (parked.status, parked.attempts, parked.last_error) == (
        "failed",
        1,
        "PermanentFailure: interview was deleted",
    )


async def test_a_job_of_unknown_kind_is_parked_with_a_clear_error(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k", kind="send_fax")
    runner = make_runner(queue, clock, {"test.ok": Recorder()})

    await runner.run_once()
    parked = await queue.job(job_id)
    assert (parked.status, parked.last_error) == ("failed", "no handler for job kind 'send_fax'")


async def test_a_recruiter_s_try_again_runs_a_parked_job(queue: Queue, clock: Clock) -> None:
    job_id = await add_job(queue, clock, "k", max_attempts=1)
    handler = Recorder(RuntimeError("calendar unavailable"))
    runner = make_runner(queue, clock, {"test.ok": handler})
    await runner.run_once()
    assert (await queue.job(job_id)).status == "failed"

    clock.advance(timedelta(hours=2))
    assert await requeue(queue.sessions, job_id, clock())
    assert await runner.run_once() == 1
    done = await queue.job(job_id)
    assert (done.status, done.attempts, done.done_at) == ("done", 1, clock())


async def test_a_job_whose_last_attempt_never_finished_is_parked_not_run_again(
    queue: Queue, clock: Clock
) -> None:
    job_id = await add_job(queue, clock, "k", max_attempts=2)
    handler = Recorder()
    for _ in range(2):  # two workers died in the middle of it
        await claim_due(queue.sessions, clock(), lease=LEASE)
        clock.advance(LEASE)
    runner = make_runner(queue, clock, {"test.ok": handler})

    assert await runner.run_once() == 1
    assert handler.ran == []
    parked = await queue.job(job_id)
    assert parked.status == "failed"
    assert parked.last_error == "gave up after 2 attempts (the last one never finished)"


async def test_jobs_of_a_batch_run_concurrently_but_bounded(queue: Queue, clock: Clock) -> None:
    for n in range(6):
        await add_job(queue, clock, f"k{n}")
    active = 0
    most = 0

    async def handler(job: ClaimedJob) -> None:
        nonlocal active, most
        active += 1
        most = max(most, active)
        for _ in range(5):
            await asyncio.sleep(0)  # yield to the other jobs of the batch
        active -= 1

    runner = make_runner(queue, clock, {"test.ok": handler}, batch=6, concurrency=2)
    assert await runner.run_once() == 6
    assert most == 2
    assert {job.status for job in await queue.jobs()} == {"done"}


async def test_logs_carry_ids_and_kinds_but_no_payload(
    queue: Queue, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = await add_job(queue, clock, "k", payload={"email": "jane.doe@example.com"}, max_attempts=1)

    async def handler(job: ClaimedJob) -> None:
        raise ValueError(f"bad address {job.payload['email']}")

    runner = make_runner(queue, clock, {"test.ok": handler})
    with caplog.at_level(logging.DEBUG, logger="bot.jobs.runner"):
        await runner.run_once()
    assert job_id in caplog.text and "test.ok" in caplog.text
    assert "jane.doe" not in caplog.text


async def test_the_loop_survives_a_failing_pass_and_stops_when_told(queue: Queue, clock: Clock) -> None:
    stop = asyncio.Event()

    class Flaky(JobRunner):
        passes = 0

        async def run_once(self) -> int:
            self.passes += 1
            self.doorbell.ring()  # no waiting between passes in this test
            if self.passes == 1:
                raise OSError("database restarting")
            if self.passes == 3:
                stop.set()
            return 0

    runner = Flaky(queue.sessions, {}, clock=clock, lease=LEASE)
    await asyncio.wait_for(runner.run_forever(stop, poll_interval=3600), timeout=10)
    assert runner.passes == 3


async def test_wake_runs_a_new_job_without_waiting_for_the_poll(queue: Queue, clock: Clock) -> None:
    stop = asyncio.Event()
    done = asyncio.Event()

    async def handler(job: ClaimedJob) -> None:
        done.set()

    runner = make_runner(queue, clock, {"test.ok": handler})
    loop = asyncio.create_task(runner.run_forever(stop, poll_interval=3600))
    try:
        await asyncio.sleep(0)
        await add_job(queue, clock, "k")
        runner.doorbell.ring()
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(loop, timeout=10)
    assert {job.status for job in await queue.jobs()} == {"done"}


async def test_a_full_batch_is_followed_at_once_by_the_next(queue: Queue, clock: Clock) -> None:
    for n in range(5):
        await add_job(queue, clock, f"k{n}")
    stop = asyncio.Event()
    seen: list[str] = []

    async def handler(job: ClaimedJob) -> None:
        seen.append(job.id)
        if len(seen) == 5:
            stop.set()

    runner = make_runner(queue, clock, {"test.ok": handler}, batch=2)
    await asyncio.wait_for(runner.run_forever(stop, poll_interval=3600), timeout=10)
    assert len(seen) == 5
