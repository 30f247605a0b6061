"""A worker process for the worker tests: the production worker loop (`bot.jobs.worker.serve_jobs`,
its signals and graceful stop) with the job runner tuned by the settings, running one test job
kind instead of askARSAN's effects (`python -m tests.bot.jobs.worker_process`).

`test.append` appends the job id to a "started" file, sleeps for `sleep_first_attempt` seconds on
the job's first attempt only (so that a test can kill the worker in the middle of it), then
appends the job id to the file named `file`: a line there means the job was carried out.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from bot.jobs.runner import JobRunner
from bot.jobs.worker import serve_jobs
from bot.settings import Settings
from services import utc_now
from storage.db import create_engine, session_factory
from storage.jobs import ClaimedJob


def _append(path: str, line: str) -> None:
    with Path(path).open("a", encoding="utf-8") as out:
        out.write(line + "\n")
        out.flush()


async def append(job: ClaimedJob) -> None:
    started = job.payload.get("started")
    if started:
        _append(started, job.id)
    if job.attempts == 1 and job.payload.get("sleep_first_attempt"):
        await asyncio.sleep(float(job.payload["sleep_first_attempt"]))
    _append(job.payload["file"], job.id)


async def main() -> None:
    settings = Settings()
    engine = create_engine(settings.database_url)
    try:
        runner = JobRunner(
            session_factory(engine), {"test.append": append}, clock=utc_now,
            lease=timedelta(seconds=settings.job_lease_seconds), batch=settings.job_batch,
        )
        await serve_jobs(runner, settings.job_poll_seconds)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(main())
