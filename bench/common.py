"""Helpers shared by the benchmarks: percentiles, the machine line, child processes, ports.

Benchmarks are not tests: nothing here asserts a time. Each benchmark module has
``run() -> list[dict]``; ``python -m bench`` turns the rows into one markdown table.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("ASKARSAN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted samples; NaN for none."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, -(-q * len(ordered) // 100))
    return ordered[min(len(ordered), int(rank)) - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS from /proc), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def pg_problem() -> str | None:
    """None when PostgreSQL answers at PG_ADMIN, else why not."""
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN, timeout=3)
        await conn.close()
        return None
    except Exception as error:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return f"{type(error).__name__}: {error}"


async def pg_version() -> str | None:
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN, timeout=3)
        try:
            return str(await conn.fetchval("SHOW server_version")).split()[0]
        finally:
            await conn.close()
    except Exception:  # noqa: BLE001
        return None


def machine_line() -> str:
    pg = asyncio.run(pg_version())
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, PostgreSQL {pg or 'not reachable'}, "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )


class Child:
    """A server started as a child process (its own interpreter and event loop)."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str] | None = None,
        log_dir: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = argv
        self.log_path = (log_dir or Path(tempfile.gettempdir())) / f"bench-{name}-{os.getpid()}.log"
        self._log: IO[bytes] = open(self.log_path, "wb")
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, cwd=str(ROOT), env=full_env, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def wait_http(self, url: str, timeout: float = 30.0, interval: float = 0.005) -> float:
        """Seconds from start until ``url`` answers 200 (raises with the log if it never does)."""
        import aiohttp

        deadline = time.perf_counter() + timeout
        async with aiohttp.ClientSession() as session:
            while time.perf_counter() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited:\n{self.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(url) as response:
                        if response.status == 200:
                            return time.perf_counter() - self.started
                await asyncio.sleep(interval)
        raise RuntimeError(f"{self.name} did not answer {url} in {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        with contextlib.suppress(OSError):
            self.log_path.unlink()


def python() -> str:
    return sys.executable


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def bare_reply(activity: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    """What a bare handler posts to answer ``activity`` with ``text``: the Bot Connector's
    reply-to-activity URL and the reply's body (the floors' one way to answer)."""
    conversation = activity["conversation"]
    reply = {
        "type": "message",
        "text": text,
        "from": activity.get("recipient"),
        "recipient": activity.get("from"),
        "conversation": conversation,
        "replyToId": activity.get("id"),
        "channelId": activity.get("channelId"),
        "serviceUrl": activity["serviceUrl"],
    }
    url = (
        f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{quote(conversation['id'])}"
        f"/activities/{quote(activity['id'])}"
    )
    return url, reply
