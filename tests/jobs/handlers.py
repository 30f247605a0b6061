"""Job handlers for the worker-process tests (`ASKARSAN_JOB_HANDLERS=tests.jobs.handlers:make_handlers`).

`test.append` appends the job id to a "started" file, sleeps for `sleep_first_attempt` seconds on
the job's first attempt only (so that a test can kill the worker in the middle of it), then
appends the job id to the file named `file`: a line there means the job was carried out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.jobs.runner import Handler
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


def make_handlers(**_: Any) -> Mapping[str, Handler]:
    return {"test.append": append}
