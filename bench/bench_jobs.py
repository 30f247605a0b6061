"""Benchmark of claiming due jobs as the `jobs` table grows.

Not a test: run it with ``python -m bench.bench_jobs``. It times ``claim_due`` taking a batch of
100 due jobs from a table of 1,000 rows and from one of 1,000,000 rows (the same 500 due jobs;
the rest done, not yet due, or running under a live lease), on SQLite and on PostgreSQL, and
prints the median and p90 of repeated claims with the big/small ratio (target: within 2×), and
whether each claim query reads the (status, due_at) index rather than scanning the table.

Each claimed batch is put back to pending (untimed) before the next claim. The big table is built
inside the database (a recursive CTE on SQLite, generate_series on PostgreSQL), then analysed.
PostgreSQL is skipped, with a note, when it is not reachable at ``ASKARSAN_BENCH_PG`` (default
postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine, session_factory
from storage.jobs import claim_due, explain_claim
from storage.migrate import migrate
from storage.models import Job

SIZES = (1_000, 1_000_000)
DUE = 500  # pending and due, in every table
RUNNING = 100  # claimed by a live worker (lease not expired)
BATCH = 100
REPEAT = 25
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)
PG_ADMIN = os.environ.get("ASKARSAN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _ts(dt: datetime) -> str:
    """A UTC timestamp as SQLAlchemy stores it in SQLite."""
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# Row n (1-based): the first DUE rows are due (oldest first), the next RUNNING rows are running
# under a live lease; of the rest, 1 in 10 is pending but not yet due and 9 in 10 are done.
_POPULATE_PG = """
INSERT INTO jobs (id, kind, interview_id, role, payload, idempotency_key, status, due_at,
                  attempts, max_attempts, last_error, locked_until, created_at, done_at)
SELECT md5(n::text), 'bench', NULL, NULL, '{}'::json, 'bench-' || n,
       CASE WHEN n <= :due THEN 'pending'
            WHEN n <= :due + :running THEN 'running'
            WHEN n % 10 = 0 THEN 'pending'
            ELSE 'done' END,
       CASE WHEN n <= :due + :running THEN :now - n * interval '1 second'
            WHEN n % 10 = 0 THEN :now + n * interval '1 second'
            ELSE :now - n * interval '1 second' END,
       CASE WHEN n <= :due THEN 0 ELSE 1 END, 8, NULL,
       CASE WHEN n > :due AND n <= :due + :running THEN :now + interval '1 minute' END,
       :now - interval '30 days',
       CASE WHEN n > :due + :running AND n % 10 <> 0 THEN :now - n * interval '1 second' END
FROM generate_series(1, :total) AS n
""".replace(":now", "CAST(:now AS timestamptz)")

_POPULATE_SQLITE = """
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < :total)
INSERT INTO jobs (id, kind, interview_id, role, payload, idempotency_key, status, due_at,
                  attempts, max_attempts, last_error, locked_until, created_at, done_at)
SELECT printf('%032x', n), 'bench', NULL, NULL, '{}', 'bench-' || n,
       CASE WHEN n <= :due THEN 'pending'
            WHEN n <= :due + :running THEN 'running'
            WHEN n % 10 = 0 THEN 'pending'
            ELSE 'done' END,
       CASE WHEN n <= :due + :running THEN strftime('%Y-%m-%d %H:%M:%S', :now, '-' || n || ' seconds')
            WHEN n % 10 = 0 THEN strftime('%Y-%m-%d %H:%M:%S', :now, '+' || n || ' seconds')
            ELSE strftime('%Y-%m-%d %H:%M:%S', :now, '-' || n || ' seconds') END || '.000000',
       CASE WHEN n <= :due THEN 0 ELSE 1 END, 8, NULL,
       CASE WHEN n > :due AND n <= :due + :running
            THEN strftime('%Y-%m-%d %H:%M:%S', :now, '+1 minutes') || '.000000' END,
       strftime('%Y-%m-%d %H:%M:%S', :now, '-30 days') || '.000000',
       CASE WHEN n > :due + :running AND n % 10 <> 0
            THEN strftime('%Y-%m-%d %H:%M:%S', :now, '-' || n || ' seconds') || '.000000' END
FROM g
"""


@asynccontextmanager
async def _database(kind: str, workdir: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        return
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN, timeout=3)
    name = f"askarsan_bench_{uuid.uuid4().hex[:10]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        host = PG_ADMIN.split("://", 1)[1].rsplit("/", 1)[0]
        yield f"postgresql+asyncpg://{host}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def _populate(engine: AsyncEngine, total: int) -> float:
    started = time.perf_counter()
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(
                text(_POPULATE_PG),
                {"total": total, "due": DUE, "running": RUNNING, "now": NOW},
            )
        else:
            await conn.execute(
                text(_POPULATE_SQLITE),
                {"total": total, "due": DUE, "running": RUNNING, "now": _ts(NOW)[:19]},
            )
    # Planner statistics, as autovacuum / a periodic ANALYZE keep them in production.
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE jobs"))
    else:
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def _uses_index(dialect: str, plan: str) -> bool:
    if dialect == "postgresql":
        return "ix_jobs_status_due_at" in plan and "Seq Scan" not in plan
    return "USING INDEX ix_jobs_status_due_at" in plan and "SCAN jobs" not in plan


async def _measure(kind: str, total: int, workdir: Path) -> dict[str, Any]:
    async with _database(kind, workdir) as url:
        engine = create_engine(url)
        try:
            await migrate(engine)
            build_s = await _populate(engine, total)
            sessions = session_factory(engine)
            plans = await explain_claim(sessions, NOW, BATCH)
            samples: list[float] = []
            for _ in range(REPEAT + 1):  # the first claim warms caches and is not counted
                started = time.perf_counter()
                claimed = await claim_due(sessions, NOW, limit=BATCH, lease=LEASE)
                samples.append((time.perf_counter() - started) * 1000)
                assert len(claimed) == BATCH, f"claimed {len(claimed)}"
                async with sessions.begin() as session:  # put the batch back, untimed
                    await session.execute(
                        update(Job)
                        .where(Job.id.in_([job.id for job in claimed]))
                        .values(status="pending", locked_until=None, attempts=0)
                        .execution_options(synchronize_session=False)
                    )
            samples = sorted(samples[1:])
            return {
                "database": kind,
                "rows": total,
                "build_s": build_s,
                "median_ms": statistics.median(samples),
                "p90_ms": samples[int(0.9 * (len(samples) - 1))],
                "uses_index": all(_uses_index(engine.dialect.name, plan) for plan in plans),
                "plans": plans,
            }
        finally:
            await engine.dispose()


async def _pg_reachable() -> str | None:
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN, timeout=3)
        await conn.close()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return f"{type(error).__name__}: {error}"


async def _run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="askarsan-bench-") as tmp:
        for kind in ("sqlite", "postgresql"):
            if kind == "postgresql" and (problem := await _pg_reachable()):
                rows.append({"database": kind, "skipped": f"PostgreSQL not reachable: {problem}"})
                continue
            small: float | None = None
            for total in SIZES:
                row = await _measure(kind, total, Path(tmp))
                row["ratio"] = None if small is None else row["median_ms"] / small
                small = small if small is not None else row["median_ms"]
                rows.append(row)
    return rows


def run() -> list[dict[str, Any]]:
    """One row per (database, table size): build time, median/p90 claim ms, index use, ratio."""
    return asyncio.run(_run())


def _main() -> None:
    print(f"claim_due of {BATCH} due jobs ({DUE} due in every table), {REPEAT} claims each")
    header = (
        f"{'database':<11} {'rows':>10} {'build s':>8} {'median ms':>10} {'p90 ms':>8} "
        f"{'index':>6} {'x small':>8}"
    )
    print(header)
    print("-" * len(header))
    rows = run()
    for row in rows:
        if "skipped" in row:
            print(f"{row['database']:<11} skipped: {row['skipped']}")
            continue
        ratio = row["ratio"]
        print(
            f"{row['database']:<11} {row['rows']:>10,} {row['build_s']:>8.1f} {row['median_ms']:>10.2f} "
            f"{row['p90_ms']:>8.2f} {'yes' if row['uses_index'] else 'NO':>6} "
            f"{'' if ratio is None else f'{ratio:.2f}':>8}"
        )
    for row in rows:
        if "skipped" not in row and not row["uses_index"]:
            print(f"\n{row['database']} {row['rows']:,} rows: a claim query does not use the index:")
            print("\n\n".join(row["plans"]))
    verdicts = [r["ratio"] for r in rows if r.get("ratio") is not None]
    if verdicts:
        ok = all(ratio <= 2 for ratio in verdicts)
        print(f"\ntarget (1,000,000 rows within 2x of 1,000): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    _main()
