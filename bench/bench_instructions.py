"""Instructions per turn, counted by callgrind in the server process only.

Not a test: ``python -m bench instructions`` (or ``python -m bench.bench_instructions --json``).
Wall-clock rates on a shared VM drift by tens of per cent within the hour; callgrind counts the
instructions a process executes, which do not change with the load beside it. Each contender is
its own server process under ``valgrind --tool=callgrind`` with instrumentation off at start (so
start-up is fast and uncounted); after a warm-up the driver turns instrumentation on and sends two
batches of turns at concurrency 1, dumping the counts after each (``callgrind_control``). The cost
of one turn is the difference of the two dumps over the difference of their lengths, which
cancels what a dump itself and a batch's edges cost.

Contenders:

- ``help``: ``askarsan serve`` (SQLite) answering ``help`` to known recruiters;
- ``pick-sqlite``: ``askarsan serve`` on SQLite carrying a candidate's pick through the card
  action, each turn booking a distinct prepared interview (the job runner off);
- ``pick-postgresql``: the same on PostgreSQL (skipped with a note when it is not reachable).

``--tree PATH`` measures another checkout of askARSAN with the same driver (its own
``bench.bench_turns`` prepares the database and serves the loopback connector), so a before and
after are counted in one run. valgrind names its control pipes after ``$HOST``; the server is
started with ``HOST=127.0.0.1`` (askARSAN's own setting) and ``callgrind_control`` is called with
the same environment, so the two find each other.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import PG_ADMIN, ROOT, free_port, pg_problem, python

WARMUP = 8
BATCHES = (15, 45)
CONTENDERS = ("help", "pick-sqlite", "pick-postgresql")


@dataclass(frozen=True)
class Count:
    contender: str
    tree: str
    per_turn: float  # instructions
    batches: tuple[int, ...]
    totals: tuple[int, ...]


def _env(tree: Path, database_url: str, port: int, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASKARSAN_", "MicrosoftApp"))}
    env.update(
        {
            "PYTHONPATH": str(tree),
            "ASKARSAN_ENV": "local",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_URL": f"http://localhost:{port}",
            "DATABASE_URL": database_url,
            "ASKARSAN_DATA_DIR": str(workdir / f"var-{port}"),
            "ASKARSAN_RUN_JOBS": "false",
            "ASKARSAN_SECRET_KEY": "bench-secret-" + "x" * 40,
            "ASKARSAN_API_KEY": "bench-api-key-" + "y" * 32,
            "ASKARSAN_TRACKER_PASSWORD": "bench-tracker-password",
            "PYTHONHASHSEED": "0",
        }
    )
    return env


def _prepare(tree: Path, kind: str, database_url: str, n: int, env: dict[str, str]) -> list[dict[str, str]]:
    """The tree's own preparation (bench.bench_turns), in a child process, as JSON."""
    code = (
        "import asyncio, json, sys\n"
        "from bench import bench_turns as t\n"
        f"kind, url, n = {kind!r}, {database_url!r}, {n}\n"
        "if kind == 'pick':\n"
        "    picks = asyncio.run(t.prepare_picks(url, n))\n"
        "    print(json.dumps([{'user': p.user, 'interview_id': p.interview_id, 'slot_id': p.slot_id}"
        " for p in picks]))\n"
        "else:\n"
        "    users = [f'bench-rec-{i}' for i in range(n)]\n"
        "    asyncio.run(t.prepare_recruiters(url, users))\n"
        "    print(json.dumps([{'user': u} for u in users]))\n"
    )
    out = subprocess.run(
        [python(), "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=True, timeout=1800
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def _body(kind: str, item: dict[str, str], service_url: str, n: int) -> bytes:
    body: dict[str, Any] = {
        "type": "message",
        "id": f"i-{n}",
        "serviceUrl": service_url,
        "from": {"id": item["user"], "name": "Bench User"},
        "recipient": {"id": "bot", "name": "askARSAN"},
        "localTimezone": "Europe/London",
    }
    if kind == "pick":
        body.update(
            channelId="directline",
            conversation={"id": f"cand-{item['interview_id']}"},
            value={"action": "pick_slot", "interview_id": item["interview_id"], "slot_id": item["slot_id"]},
        )
    else:
        body.update(channelId="emulator", conversation={"id": f"conv-{item['user']}"}, text="help")
    return json.dumps(body).encode()


async def _wait_http(url: str, seconds: float) -> None:
    import aiohttp

    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer within {seconds:.0f} s")
            await asyncio.sleep(0.5)


async def _turns(port: int, bodies: list[bytes], expect: str) -> None:
    import aiohttp

    url = f"http://127.0.0.1:{port}/api/messages"
    async with aiohttp.ClientSession() as http:
        for body in bodies:
            async with http.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
                await response.read()
                if response.status >= 300:
                    raise RuntimeError(f"a {expect} turn was answered {response.status}")


def _control(pid: int, env: dict[str, str], *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], env=env, check=True, capture_output=True, timeout=600)


def _total(path: Path) -> int:
    text = path.read_text(errors="replace")
    found = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
    if found is None:
        raise RuntimeError(f"no totals in {path}")
    return int(found.group(1))


async def _measure(contender: str, tree: Path, workdir: Path) -> Count:
    kind = "pick" if contender.startswith("pick") else "help"
    port, connector_port = free_port(), free_port()
    if contender == "pick-postgresql":
        import asyncpg

        name = f"bench_instr_{os.getpid()}_{port}"
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        database_url = f"{base}/{name}"
    else:
        database_url = f"sqlite+aiosqlite:///{workdir / f'{contender}-{port}.db'}"
    env = _env(tree, database_url, port, workdir)
    n = WARMUP + sum(BATCHES)
    items = await asyncio.to_thread(_prepare, tree, kind, database_url, n, env)
    connector = subprocess.Popen(
        [python(), "-m", "bench.bench_turns", "--serve", "connector", "--port", str(connector_port)],
        cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    out = workdir / f"callgrind-{contender}-{port}.out"
    server = subprocess.Popen(
        [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
            python(), "-m", "bot.cli", "serve",
        ],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_http(f"http://127.0.0.1:{connector_port}/healthz", 60)
        await _wait_http(f"http://127.0.0.1:{port}/healthz", 900)
        service_url = f"http://127.0.0.1:{connector_port}/"
        bodies = [_body(kind, item, service_url, i) for i, item in enumerate(items)]
        await _turns(port, bodies[:WARMUP], kind)
        _control(server.pid, env, "--instr=on")
        totals: list[int] = []
        start = WARMUP
        for size in BATCHES:
            await _turns(port, bodies[start:start + size], kind)
            start += size
            before = set(workdir.glob(f"{out.name}*"))
            _control(server.pid, env, "--dump")
            dumped = sorted(set(workdir.glob(f"{out.name}*")) - before, key=lambda p: p.stat().st_mtime)
            totals.append(_total(dumped[-1]))
        per_turn = (totals[1] - totals[0]) / (BATCHES[1] - BATCHES[0])
        return Count(contender, str(tree), per_turn, BATCHES, tuple(totals))
    finally:
        server.terminate()
        connector.terminate()
        for child in (server, connector):
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
        if contender == "pick-postgresql":
            import asyncpg

            admin = await asyncpg.connect(PG_ADMIN)
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


async def measure(contenders: tuple[str, ...], trees: list[Path]) -> list[Count]:
    counts: list[Count] = []
    with tempfile.TemporaryDirectory(prefix="askarsan-instr-") as tmp:
        workdir = Path(tmp)
        for contender in contenders:
            if contender == "pick-postgresql" and await pg_problem():
                continue
            for tree in trees:
                counts.append(await _measure(contender, tree, workdir))
    return counts


def run() -> list[dict[str, Any]]:
    """For ``python -m bench``: this tree's counts (set ASKARSAN_BENCH_INSTR_TREES to compare)."""
    if shutil.which("valgrind") is None:
        return [{"skipped": "valgrind is not installed"}]
    trees = [Path(p) for p in os.environ.get("ASKARSAN_BENCH_INSTR_TREES", "").split(":") if p] or [ROOT]
    return [
        {"contender": c.contender, "tree": c.tree, "instructions per turn": round(c.per_turn)}
        for c in asyncio.run(measure(CONTENDERS, trees))
    ]


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tree", action="append", type=Path, help="a checkout to measure (repeatable)")
    parser.add_argument("--only", action="append", choices=CONTENDERS)
    args = parser.parse_args()
    trees = [t.resolve() for t in args.tree] if args.tree else [ROOT]
    counts = asyncio.run(measure(tuple(args.only or CONTENDERS), trees))
    result = {
        f"{c.contender} @ {c.tree}": {"instructions_per_turn": round(c.per_turn), "batches": c.batches,
                                      "totals": c.totals}
        for c in counts
    }
    print(json.dumps(result, indent=2) if args.json else "\n".join(
        f"{k}: {v['instructions_per_turn']:,}" for k, v in result.items()))


if __name__ == "__main__":
    sys.exit(_main())
