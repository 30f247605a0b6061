"""Benchmark of ``askarsan serve``: start-up time and resident memory.

Not a test: run it with ``python -m bench startup`` (or ``python -m bench.bench_startup``).

- Start-up: a child process and a free port, timed from the start of the process until
  ``/healthz`` answers 200. Contenders, interleaved in every round (the order rotating), so that
  a shared machine's load falls on all of them alike; medians and worst reported:

  - ``bare``: a bare aiohttp app that imports the same framework packages ``askarsan serve``
    imports (every third-party module loaded once its app is built, listed by a probe process
    in the same run) and answers ``/healthz``: the yardstick (target: start-up at most 1.5×
    it, README.md Benchmarks);
  - ``current``: ``askarsan serve`` on a SQLite database at the newest migration (a restart:
    alembic is not imported, storage/migrate.py);
  - ``fresh``: ``askarsan serve`` on a new SQLite database (every migration runs);
  - ``warm-at-once``: ``current`` with the date recognizers' worker thread started inside the
    lifecycle, as before (``bot.app.WARM_TIMES_AFTER_S = 0``), to show what that thread costs
    /healthz's first answer.

  Besides the wall time, the CPU seconds each process had used when /healthz answered (from
  /proc): on a shared machine the wall time carries the neighbours' load, the CPU time much less;
  and how long the first answering request took (a thread still running beside the server
  holds the GIL against it).
  Target: ``current`` at most 1.5× ``bare``; and under 2 s.
- Memory: VmRSS from ``/proc/<pid>/status`` once idle, and after 10,000 ``help`` turns (200
  recruiters in their own conversations, concurrency 20, replies to the loopback connector).
  Targets: idle under 150 MB, growth under 10 %. The RSS after the first 1,000 turns is shown
  too, so that warming up (compiled SQL, pools) can be told apart from a leak.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
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
    process_cpu_s,
)
from bench.common import ROOT, Child, free_port, percentile, python, rss_mb

STARTS = 7
TURNS = 10_000
USERS = 200
CONCURRENCY = 20


PROBE = """
import json, os, sys, sysconfig
from bot.cli import main  # noqa: F401 - what `python -m bot.cli serve` imports
from bot.app import create_app
from bot.settings import Settings
create_app(Settings().with_local_secrets())
roots = {os.path.realpath(sysconfig.get_paths()[k]) for k in ("purelib", "platlib")}
names = [
    name for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None) and not name.startswith(("__editable__", "_distutils_hack"))
    and any(os.path.realpath(module.__file__).startswith(root + os.sep) for root in roots)
]
print(json.dumps(names))
"""

BARE = """
import importlib, json, sys
for name in json.load(open(sys.argv[2])):
    try:
        importlib.import_module(name)
    except Exception:  # noqa: BLE001 - a module that only imports inside its package's order
        pass
from aiohttp import web

async def healthz(request):
    return web.json_response({"status": "ok"})

app = web.Application()
app.router.add_get("/healthz", healthz)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""

WARM_AT_ONCE = (
    "import sys\n"
    "import bot.app\n"
    "bot.app.WARM_TIMES_AFTER_S = 0\n"
    "from bot.cli import main\n"
    "sys.exit(main(['serve']))\n"
)
CONTENDERS = ("bare", "current", "fresh", "warm-at-once")
LABELS = {
    "bare": "bare aiohttp, same framework imports, /healthz",
    "current": "askarsan serve, schema current (restart)",
    "fresh": "askarsan serve, new database (all migrations)",
    "warm-at-once": "askarsan serve, schema current, recognizers' thread at once (as before)",
}


def _framework_modules(workdir: Path) -> Path:
    """The third-party modules ``askarsan serve`` has loaded once its app is built, as a file."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.update(askarsan_env(f"sqlite+aiosqlite:///{workdir / 'probe.db'}", port, workdir))
    out = subprocess.run(
        [python(), "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300
    )
    path = workdir / "framework-modules.json"
    path.write_text(out.stdout.strip().splitlines()[-1])
    return path


async def _first_answer(child: Child, url: str, timeout: float = 120.0) -> tuple[float, float]:
    """Seconds from the child's start until ``url`` answers 200, and how long that request took
    (the server listening, what it still does beside answering shows here)."""
    import aiohttp

    deadline = time.perf_counter() + timeout
    async with aiohttp.ClientSession() as session:
        while time.perf_counter() < deadline:
            if child.process.poll() is not None:
                raise RuntimeError(f"{child.name} exited:\n{child.log_tail()}")
            sent = time.perf_counter()
            try:
                async with session.get(url) as response:
                    await response.read()
                    if response.status == 200:
                        answered = time.perf_counter()
                        return answered - child.started, answered - sent
            except (aiohttp.ClientError, OSError):
                pass
            await asyncio.sleep(0.002)
    raise RuntimeError(f"{child.name} did not answer {url} in {timeout:.0f} s:\n{child.log_tail()}")


async def _start_once(
    workdir: Path, contender: str, n: int, modules: Path, current: str
) -> tuple[float, float, float]:
    """Wall seconds until /healthz answers, the CPU seconds the process had used by then, and the
    milliseconds that first answer took."""
    port = free_port()
    if contender == "bare":
        child = Child(f"bare-{n}", [python(), "-c", BARE, str(port), str(modules)], log_dir=workdir)
    else:
        url = f"sqlite+aiosqlite:///{workdir / f'startup-{n}.db'}" if contender == "fresh" else current
        argv = [python(), "-c", WARM_AT_ONCE] if contender == "warm-at-once" else askarsan_argv()
        child = Child(f"{contender}-{n}", argv, env=askarsan_env(url, port, workdir), log_dir=workdir)
    try:
        wall, answer = await _first_answer(child, f"http://127.0.0.1:{port}/healthz")
        return wall, process_cpu_s(child.pid), answer * 1000
    finally:
        child.stop()


async def _starts(workdir: Path, rounds: int) -> list[dict[str, Any]]:
    modules = _framework_modules(workdir)
    current = f"sqlite+aiosqlite:///{workdir / 'current.db'}"
    await prepare_recruiters(current, [])  # migrated: at the newest migration
    seconds: dict[str, list[float]] = {c: [] for c in CONTENDERS}
    cpu: dict[str, list[float]] = {c: [] for c in CONTENDERS}
    answer_ms: dict[str, list[float]] = {c: [] for c in CONTENDERS}
    for n in range(rounds):
        shift = n % len(CONTENDERS)
        for contender in CONTENDERS[shift:] + CONTENDERS[:shift]:
            wall, used, answer = await _start_once(workdir, contender, n, modules, current)
            seconds[contender].append(wall)
            cpu[contender].append(used)
            answer_ms[contender].append(answer)
    bare, bare_cpu = statistics.median(seconds["bare"]), statistics.median(cpu["bare"])
    return [
        {
            "measure": f"start-up until /healthz answers: {LABELS[c]}",
            "contender": c,
            "median_s": statistics.median(seconds[c]),
            "max_s": max(seconds[c]),
            "x_bare": statistics.median(seconds[c]) / bare,
            "cpu_median_s": statistics.median(cpu[c]),
            "cpu_x_bare": statistics.median(cpu[c]) / bare_cpu,
            "first_answer_ms": statistics.median(answer_ms[c]),
            "runs": rounds,
            "framework_modules": len(json.loads(modules.read_text())),
        }
        for c in CONTENDERS
    ]


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
        rows.extend(await _starts(workdir, STARTS))

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
            result = (
                f"median {row['median_s']:.2f} s · max {row['max_s']:.2f} s ({row['runs']} starts)"
                f" · {row['x_bare']:.2f}× bare · CPU until then: median {row['cpu_median_s']:.2f} s, "
                f"{row['cpu_x_bare']:.2f}× bare · the first answer took {row['first_answer_ms']:.1f} ms"
            )
            target = ""
            if row["contender"] == "current":
                target = (
                    f"≤ 1.5× bare: {'met' if row['x_bare'] <= 1.5 else 'NOT met'} (wall), "
                    f"{'met' if row['cpu_x_bare'] <= 1.5 else 'NOT met'} (CPU); "
                    f"< 2 s: {'met' if row['max_s'] < 2 else 'NOT met'}"
                )
            elif row["contender"] == "bare":
                result += f" · {row['framework_modules']} framework modules imported"
            lines.append((row["measure"], result, target))
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
