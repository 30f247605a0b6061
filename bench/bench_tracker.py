"""The tracker's first pipeline page with 10,000 interviews, on SQLite and PostgreSQL.

Not a test: prints median / p99 milliseconds of the whole page (the count, the filter choices, the
page query and the rendered HTML, through the real app over HTTP) and of the page query alone.
Target: the first page in under 100 ms. Data is built with bulk inserts, not the use cases.

    .venv/bin/python -m bench.bench_tracker
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import insert

from bot.app import RUNTIME, create_app
from bot.settings import Settings
from bot.web.tracker.signin import TrackerAuthConfig
from integrations.mail import MemoryMail
from scheduling.interview import Stage
from services.reports import PipelineFilter, pipeline_page
from storage.models import Interview, Job, Party

INTERVIEWS = 10_000
RUNS = 60
PASSWORD = "bench-password"  # noqa: S105 - a throwaway local database
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _id() -> str:
    return uuid.uuid4().hex


async def populate(sessions: Any, now: datetime, n: int = INTERVIEWS) -> None:
    rnd = random.Random(8)
    recruiters = [{"id": _id(), "kind": "recruiter", "display_name": f"Recruiter {i}",
                   "email": f"r{i}@a.example", "timezone": "Europe/London", "created_at": now}
                  for i in range(20)]
    clients = [{"id": _id(), "kind": "client", "display_name": f"Client {i}", "email": f"c{i}@c.example",
                "organisation": f"Company {i % 150}", "timezone": "Europe/London", "created_at": now}
               for i in range(300)]
    candidates = [{"id": _id(), "kind": "candidate", "display_name": f"Candidate {i}",
                   "email": f"k{i}@m.example", "timezone": "Asia/Kolkata", "created_at": now}
                  for i in range(n)]
    stages = [s.value for s in Stage]
    interviews, jobs = [], []
    for i in range(n):
        requested = now - timedelta(hours=rnd.randint(1, 24 * 120))
        stage = rnd.choice(stages)
        booked = stage not in ("requested", "awaiting_slots", "awaiting_pick")
        starts = requested + timedelta(days=rnd.randint(2, 20)) if booked else None
        interviews.append({
            "id": _id(), "role_title": f"Role {i % 40}", "format": "teams", "stage": stage,
            "recruiter_id": rnd.choice(recruiters)["id"], "client_id": rnd.choice(clients)["id"],
            "candidate_id": candidates[i]["id"], "duration_minutes": 60, "rules": {}, "round": 1,
            "starts_at": starts, "ends_at": starts + timedelta(hours=1) if starts else None,
            "ics_sequence": 0, "reschedule_count": 0, "requested_at": requested,
            "booked_at": requested + timedelta(hours=rnd.randint(1, 72)) if booked else None,
            "stage_changed_at": requested + timedelta(hours=rnd.randint(0, 48)), "version": 1,
        })
        for k in range(3):
            jobs.append({
                "id": _id(), "kind": "send_mail", "interview_id": interviews[-1]["id"], "payload": {},
                "idempotency_key": f"{i}:{k}", "status": "failed" if rnd.random() < 0.01 else "done",
                "due_at": requested, "attempts": 1, "max_attempts": 8, "created_at": requested,
            })
    async with sessions.begin() as session:
        for table, rows in ((Party, recruiters + clients + candidates), (Interview, interviews), (Job, jobs)):
            for start in range(0, len(rows), 2000):
                await session.execute(insert(table), rows[start:start + 2000])


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2)}


async def stalled(work: Any) -> tuple[float, float]:
    """(ms `work` took, the longest the event loop could not run anything else meanwhile, ms):
    a 1 ms ticker runs beside it and its longest overshoot is the stall every turn in flight
    would have waited."""
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append(max(0.0, (time.perf_counter() - started) * 1000 - 1))

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await work()
    took = (time.perf_counter() - started) * 1000
    done.set()
    await task
    return took, max(lags, default=0.0)


async def measure(database_url: str, label: str) -> list[dict[str, Any]]:
    data = Path(tempfile.mkdtemp(prefix="askarsan-bench-"))
    settings = Settings(_env_file=None, ASKARSAN_ENV="local", DATABASE_URL=database_url,  # type: ignore[call-arg]
                        ASKARSAN_DATA_DIR=str(data), ASKARSAN_SECRET_KEY="b" * 40, ASKARSAN_API_KEY="k",
                        ASKARSAN_RUN_JOBS="false")
    app = create_app(
        settings, mail=MemoryMail(),
        tracker=TrackerAuthConfig(b"b" * 40, "password", password=SecretStr(PASSWORD)),
    )
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        sessions = app[RUNTIME].sessions
        now = datetime.now(UTC)
        await populate(sessions, now)
        page = await client.get("/tracker/login")
        csrf = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
        await client.post("/tracker/login", data={"password": PASSWORD, "csrf": csrf})
        reports = app[RUNTIME].reports  # what the pages read with (SQLite: off the loop)

        async def get_page() -> None:
            response = await client.get("/tracker")
            await response.read()
            assert response.status == 200

        http, query, http_stall, query_stall, loop_query, loop_stall = [], [], [], [], [], []
        for _ in range(RUNS):
            took, stall = await stalled(get_page)
            http.append(took)
            http_stall.append(stall)
            took, stall = await stalled(lambda: pipeline_page(reports, PipelineFilter(), now=now))
            query.append(took)
            query_stall.append(stall)
            if reports is not sessions:
                took, stall = await stalled(lambda: pipeline_page(sessions, PipelineFilter(), now=now))
                loop_query.append(took)
                loop_stall.append(stall)
        rows = [
            {"database": label, "what": "GET /tracker (first page, 50 rows, rendered)",
             "interviews": INTERVIEWS, **_stats(http[5:]),
             "loop stall median ms": round(statistics.median(http_stall[5:]), 2)},
            {"database": label, "what": "pipeline_page query alone", "interviews": INTERVIEWS,
             **_stats(query[5:]), "loop stall median ms": round(statistics.median(query_stall[5:]), 2)},
        ]
        if loop_query:
            rows.append(
                {"database": label, "what": "pipeline_page query alone, on the turn path's engine",
                 "interviews": INTERVIEWS, **_stats(loop_query[5:]),
                 "loop stall median ms": round(statistics.median(loop_stall[5:]), 2)}
            )
        return rows
    finally:
        await client.close()


async def _run() -> list[dict[str, Any]]:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results += await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", "sqlite")
    try:
        import asyncpg

        admin = await asyncpg.connect(PG_ADMIN, timeout=3)
    except Exception as error:  # noqa: BLE001 - any reason PostgreSQL is not there
        results.append({"database": "postgresql", "skipped": f"{type(error).__name__}: {error}"})
        return results
    name = f"askarsan_bench_{uuid.uuid4().hex[:8]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        results += await measure(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", "postgresql")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return results


def run() -> list[dict[str, Any]]:
    return asyncio.run(_run())


if __name__ == "__main__":
    for row in run():
        print(row)
