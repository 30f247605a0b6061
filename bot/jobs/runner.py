"""The job runner: claims due jobs from the queue (`storage/jobs.py`) and carries them out.

Handlers are async functions keyed by job kind. A handler that returns has done the job; one
that raises `RetryLater` is tried again after the delay it names (a 429/503 with Retry-After);
`PermanentFailure` parks the job at once (e.g. the interview no longer exists); any other error
is retried with exponential backoff and full jitter until the job's `max_attempts`, then parked
with the error visible to recruiters. Handlers must be idempotent: a job whose worker crashed is
carried out again once its lease has expired (at-least-once delivery; ``docs/architecture.md``,
"The outbox").

The same runner runs in the web process (the use cases ring its `Doorbell` right after they
enqueue, so it does not wait for the poll) or in a separate worker process (`bot/jobs/worker.py`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.context import Doorbell
from storage import jobs as queue
from storage.jobs import ClaimedJob

log = logging.getLogger(__name__)

Handler = Callable[[ClaimedJob], Awaitable[None]]


class RetryLater(Exception):
    """Try this job again after `after` (e.g. the Retry-After of a 429 or 503)."""

    def __init__(self, after: timedelta, reason: str = "") -> None:
        super().__init__(reason or f"retry after {after}")
        self.after = max(after, timedelta(0))


class PermanentFailure(Exception):
    """The job can never succeed (e.g. its interview no longer exists): park it at once."""


def backoff(attempt: int, base: timedelta, cap: timedelta, rng: random.Random) -> timedelta:
    """Delay before retrying after failed attempt number `attempt` (1-based).

    "Full jitter": uniform in [0, min(cap, base · 2^(attempt-1))], which spreads out the retries
    of many jobs that failed together (e.g. while a mail server was down).
    """
    if attempt < 1:
        raise ValueError("attempt is 1-based")
    # Past 2^40 · base every sane cap is reached; stop there instead of building huge numbers.
    ceiling = min(cap, base * (2 ** min(attempt - 1, 40)))
    return timedelta(seconds=rng.uniform(0.0, ceiling.total_seconds()))


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class JobRunner:
    """Claims a batch of due jobs, runs them concurrently (at most `concurrency` at a time) and
    records each outcome. Time comes from `clock`, so tests drive it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, Handler],
        *,
        clock: Callable[[], datetime],
        batch: int = 20,
        lease: timedelta,
        backoff_base: timedelta = timedelta(seconds=30),
        backoff_cap: timedelta = timedelta(hours=1),
        rng: random.Random | None = None,
        concurrency: int | None = None,
        handler_timeout: timedelta | None = None,
        doorbell: Doorbell | None = None,
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        if lease <= timedelta(0):
            raise ValueError("lease must be positive")
        self._sessions = sessions
        self._handlers = dict(handlers)
        self._clock = clock
        self._batch = batch
        self._lease = lease
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._rng = rng or random.Random()
        self._limit = asyncio.Semaphore(concurrency or batch)
        # A handler that outlives its lease may be running twice already; stop it and retry.
        self._handler_timeout = (handler_timeout or lease).total_seconds()
        # Rung by the use cases of this process when they enqueue: the next pass starts at once
        # instead of at the end of the poll interval.
        self.doorbell = doorbell or Doorbell()

    async def run_once(self) -> int:
        """One pass: claim a batch of due jobs, carry them out, record outcomes. Returns how many
        jobs were claimed."""
        claimed = await queue.claim_due(self._sessions, self._clock(), limit=self._batch, lease=self._lease)
        if claimed:
            await asyncio.gather(*(self._run(job) for job in claimed))
        return len(claimed)

    async def run_forever(self, stop: asyncio.Event, poll_interval: float = 1.0) -> None:
        """Pass after pass until `stop` is set; a pass in progress is finished first.

        A failing pass (e.g. the database is briefly unreachable) is logged and the loop goes on.
        A full batch means more may be due, so the next pass starts at once.
        """
        while not stop.is_set():
            claimed = 0
            try:
                claimed = await self.run_once()
            except Exception:  # the runner outlives any single pass
                log.exception("job runner pass failed")
            if stop.is_set():
                break
            if claimed >= self._batch:
                continue
            await self._sleep(stop, poll_interval)

    async def _sleep(self, stop: asyncio.Event, poll_interval: float) -> None:
        stopped = asyncio.ensure_future(stop.wait())
        rung = asyncio.ensure_future(self.doorbell.wait(poll_interval))
        try:
            await asyncio.wait({stopped, rung}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            rung.cancel()

    async def _run(self, job: ClaimedJob) -> None:
        async with self._limit:
            try:
                await self._carry_out(job)
            except Exception:  # recording the outcome failed; the lease will expire
                log.exception("job %s (%s): could not record the outcome", job.id, job.kind)

    async def _carry_out(self, job: ClaimedJob) -> None:
        if job.attempts > job.max_attempts:
            # Claimed again after its last attempt's lease expired: its worker died or hung each
            # time. Do not run a job that may be what kills the worker.
            await self._park(job, f"gave up after {job.max_attempts} attempts (the last one never finished)")
            return
        handler = self._handlers.get(job.kind)
        if handler is None:
            await self._park(job, f"no handler for job kind {job.kind!r}")
            return
        deadline = asyncio.timeout(self._handler_timeout)
        try:
            async with deadline:
                await handler(job)
        except RetryLater as later:
            self._log_failure(job, later)
            await self._retry_or_park(job, later, self._clock() + later.after)
        except PermanentFailure as failure:
            self._log_failure(job, failure)
            await self._park(job, _describe(failure))
        except Exception as error:  # noqa: BLE001 - any handler error is the job's outcome
            if isinstance(error, TimeoutError) and deadline.expired():
                error = TimeoutError("the handler ran longer than the job's lease")
            self._log_failure(job, error)
            await self._retry_or_park(job, error, None)
        else:
            if not await queue.complete(self._sessions, job, self._clock()):
                log.warning("job %s (%s): done, but its lease had been taken over", job.id, job.kind)

    @property
    def kinds(self) -> frozenset[str]:
        """The job kinds this runner has handlers for."""
        return frozenset(self._handlers)

    def _log_failure(self, job: ClaimedJob, error: BaseException) -> None:
        # Ids and the error's type only: payloads and messages may carry personal data (§5).
        log.warning(
            "job %s (%s) attempt %d/%d failed: %s",
            job.id,
            job.kind,
            job.attempts,
            job.max_attempts,
            type(error).__name__,
        )

    async def _retry_or_park(self, job: ClaimedJob, error: BaseException, at: datetime | None) -> None:
        if job.attempts >= job.max_attempts:
            await self._park(job, f"{_describe(error)} (after {job.attempts} attempts)")
            return
        now = self._clock()
        if at is None:
            at = now + backoff(job.attempts, self._backoff_base, self._backoff_cap, self._rng)
        if not await queue.retry(self._sessions, job, now, _describe(error), at):
            log.warning("job %s (%s): lease taken over before the retry was recorded", job.id, job.kind)

    async def _park(self, job: ClaimedJob, error: str) -> None:
        log.error("job %s (%s) parked after attempt %d", job.id, job.kind, job.attempts)
        if not await queue.park(self._sessions, job, self._clock(), error):
            log.warning("job %s (%s): lease taken over before parking was recorded", job.id, job.kind)
