"""The job runner as a process of its own: ``askarsan worker``.

Runs until SIGTERM or SIGINT, then finishes the batch in hand and exits (a job cut short by SIGKILL
is claimed again by any worker once its lease expires). Any number of workers may run against one
PostgreSQL database; on SQLite run one. The worker is built by the same composition root as the
server (``bot/app.py``), so it runs the same handlers; its tuning is in the settings
(``ASKARSAN_JOB_LEASE_SECONDS``, ``ASKARSAN_JOB_POLL_SECONDS``, ``ASKARSAN_JOB_BATCH``).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.jobs.runner import JobRunner

log = logging.getLogger(__name__)


async def serve_jobs(runner: JobRunner, poll_interval: float, stop: asyncio.Event | None = None) -> None:
    """Run `runner` pass after pass until `stop` is set or SIGTERM / SIGINT arrives."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    try:
        log.info("job worker started: kinds %s", ", ".join(sorted(runner.kinds)) or "(none)")
        await runner.run_forever(stop, poll_interval)
        log.info("job worker stopped")
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
