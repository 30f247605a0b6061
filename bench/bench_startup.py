"""Benchmark of ``askarsan serve``: start-up time and resident memory.

Not a test: run it with ``python -m bench startup`` (or ``python -m bench.bench_startup``).

- Start-up: ``askarsan serve`` as a child process with a fresh SQLite database in a temporary
  directory and a free port, timed from the start of the process until ``/healthz`` answers 200
  (migrations included). Repeated a few times; median and worst reported. Target under 2 s.
- Memory: VmRSS from ``/proc/<pid>/status`` once idle, and after 10,000 ``help`` turns (200
  recruiters in their own conversations, concurrency 20, replies to the loopback connector).
  Targets: idle under 150 MB, growth under 10 %. The RSS after the first 1,000 turns is shown
  too, so that warming up (compiled SQL, pools) can be told apart from a leak.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_turns import (
    Tally,
    askarsan_argv,
    askarsan_env,
    conversation_bodies,
    drive,
    prepare_recruiters,
)
from bench.common import Child, free_port, percentile, python, rss_mb

STARTS = 3
TURNS = 10_000
USERS = 200
CONCURRENCY = 20


async def _start_once(workdir: Path, n: int) -> tuple[float, Child, str]:
    port = free_port()
    url = f"sqlite+aiosqlite:///{workdir / f'startup-{n}.db'}"
    child = Child(f"serve-{n}", askarsan_argv(), env=askarsan_env(url, port, workdir), log_dir=workdir)
    seconds = await child.wait_http(f"http://127.0.0.1:{port}/healthz", timeout=60, interval=0.002)
    return seconds, child, f"http://127.0.0.1:{port}"


def _split(bodies: list[list[bytes]], workers: int) -> list[list[bytes]]:
    """Conversations' bodies interleaved over `workers` (each conversation stays in order)."""
    lanes: list[list[bytes]] = [[] for _ in range(workers)]
    for i, conversation in enumerate(bodies):
        lanes[i % workers].extend(conversation)
    return lanes


async def _run(turns: int) -> list[dict[str, Any]]:
    import aiohttp

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="askarsan-bench-startup-") as tmp:
        workdir = Path(tmp)
        starts: list[float] = []
        for n in range(STARTS):
            seconds, child, _ = await _start_once(workdir, n)
            starts.append(seconds)
            child.stop()
        rows.append(
            {
                "measure": "start-up until /healthz answers (fresh SQLite)",
                "median_s": statistics.median(starts),
                "max_s": max(starts),
                "runs": STARTS,
            }
        )

        conn_port = free_port()
        connector = Child(
            "connector",
            [python(), "-m", "bench.bench_turns", "--serve", "connector", "--port", str(conn_port)],
            log_dir=workdir,
        )
        port = free_port()
        url = f"sqlite+aiosqlite:///{workdir / 'memory.db'}"
        users = [f"mem-{u}-user-0" for u in range(USERS)]
        await prepare_recruiters(url, users)
        server = Child("serve-memory", askarsan_argv(), env=askarsan_env(url, port, workdir), log_dir=workdir)
        try:
            service_url = f"http://127.0.0.1:{conn_port}/"
            await connector.wait_http(service_url + "healthz")
            base = f"http://127.0.0.1:{port}"
            await server.wait_http(base + "/healthz", timeout=60)
            await asyncio.sleep(1.0)
            idle = rss_mb(server.pid)
            per_user = max(1, turns // USERS)
            bodies = [
                conversation_bodies(service_url, f"mem-{u}", "help", 1, per_user, u * per_user)[0]
                for u in range(USERS)
            ]
            # The first tenth of every conversation, then the rest: warm, then steady state.
            warm_share = max(1, per_user // 10)
            first = [b[:warm_share] for b in bodies]
            rest = [b[warm_share:] for b in bodies]
            tally = Tally()
            started = time.perf_counter()
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
                await drive(session, base + "/api/messages", _split(first, CONCURRENCY), tally)
                warm = rss_mb(server.pid)
                await drive(session, base + "/api/messages", _split(rest, CONCURRENCY), tally)
            elapsed = time.perf_counter() - started
            await asyncio.sleep(0.5)
            after = rss_mb(server.pid)
            rows.append(
                {
                    "measure": f"resident memory, {tally.requests:,} help turns at c={CONCURRENCY}",
                    "idle_mb": idle,
                    "after_warmup_mb": warm,
                    "after_mb": after,
                    "growth_pct": 100 * (after - idle) / idle,
                    "growth_after_warmup_pct": 100 * (after - warm) / warm,
                    "turns_per_s": tally.requests / elapsed,
                    "p99_ms": percentile(tally.latencies_ms, 99),
                    "errors": dict(tally.errors),
                }
            )
        finally:
            server.stop()
            connector.stop()
    return rows


def run(turns: int | None = None) -> list[dict[str, Any]]:
    """Rows: start-up (median, max seconds) and memory (idle, after N turns, growth %)."""
    return asyncio.run(_run(turns or int(os.environ.get("ASKARSAN_BENCH_MEMORY_TURNS", TURNS))))


def summarize(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    lines: list[tuple[str, str, str]] = []
    for row in rows:
        if "median_s" in row:
            lines.append(
                (
                    row["measure"],
                    f"median {row['median_s']:.2f} s · max {row['max_s']:.2f} s ({row['runs']} starts)",
                    f"< 2 s: {'met' if row['max_s'] < 2 else 'NOT met'}",
                )
            )
        else:
            result = (
                f"idle {row['idle_mb']:.0f} MB · after warm-up {row['after_warmup_mb']:.0f} MB · "
                f"after {row['after_mb']:.0f} MB · growth {row['growth_pct']:+.1f} % "
                f"({row['growth_after_warmup_pct']:+.1f} % after warm-up) · "
                f"{row['turns_per_s']:,.0f} turns/s, p99 {row['p99_ms']:.0f} ms"
            )
            if row["errors"]:
                result += f" · errors {row['errors']}"
            target = (
                f"idle < 150 MB: {'met' if row['idle_mb'] < 150 else 'NOT met'}; "
                f"growth < 10 %: {'met' if row['growth_pct'] < 10 else 'NOT met'}"
            )
            lines.append((row["measure"], result, target))
    return lines


def _main() -> None:
    for case, result, target in summarize(run()):
        print(f"{case}: {result}  [{target}]")


if __name__ == "__main__":
    _main()
