"""Instructions per turn, counted by callgrind in the server process only.

Not a test: ``python -m bench instructions`` (or ``python -m bench.bench_instructions --json``).
Wall-clock rates on a shared VM drift by tens of per cent within the hour; callgrind counts the
instructions a process executes, which do not change with the load beside it. Each contender is
its own server process under ``valgrind --tool=callgrind`` with instrumentation off at start (so
start-up is fast and uncounted); after a warm-up the driver turns instrumentation on and sends two
batches of turns at concurrency 1, dumping the counts after each (``callgrind_control``). The cost
of one turn is the difference of the two dumps over the difference of their lengths, which
cancels what a dump itself and a batch's edges cost.

Contenders, every one measured in the same run (the targets are in README.md, Benchmarks):

- ``floor-pick`` (a), the yardstick: ``bench.floor_pick``, a bare aiohttp handler doing a pick's
  durable work (the rows today's pick writes) with the ``sqlite3`` module in one transaction, on
  a database prepared as the askARSAN pick's is;
- ``floor-echo``: the bare aiohttp echo of ``bench.bench_turns`` (the same reply the echo bot
  posts, no SDK): the floor of a text turn, against which ``help`` is held (at most 2.5×);
- ``stock-echo`` (b): the SDK's echo sample behind ``CloudAdapter`` (``bench.bench_turns``);
- ``help`` (c): ``askarsan serve`` (SQLite) answering ``help`` to known recruiters;
- ``pick-sqlite`` (d): ``askarsan serve`` on SQLite carrying a candidate's pick through the card
  action, each turn booking a distinct prepared interview (the job runner off);
- ``pick-postgresql`` (e): the same on PostgreSQL (skipped with a note when it is not reachable).

Every reply is checked to have reached the loopback connector (``Booked:``, the help text,
``Echo:``), so a contender that answers without doing its work is not counted.
``--json`` prints one JSON object: the counts, each contender's ratio to (a) and to the echo
floor, and the targets met or not.

``--tree PATH`` measures another checkout of askARSAN (the askARSAN contenders only; the floors
and the stock echo are this tree's) with the same driver (its own
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

from bench.common import PG_ADMIN, ROOT, free_port, machine_line, pg_problem, python

WARMUP = 8
BATCHES = (15, 45)
CONTENDERS = ("floor-pick", "floor-echo", "stock-echo", "help", "pick-sqlite", "pick-postgresql")
LABELS = {
    "floor-pick": "(a) floor: bare aiohttp + sqlite3, the pick's rows in one transaction",
    "floor-echo": "(a′) bare aiohttp echo (text turn floor)",
    "stock-echo": "(b) stock botbuilder echo",
    "help": "(c) askARSAN help (SQLite)",
    "pick-sqlite": "(d) askARSAN pick (SQLite)",
    "pick-postgresql": "(e) askARSAN pick (PostgreSQL)",
}
ASKARSAN = ("help", "pick-sqlite", "pick-postgresql")  # measured in every --tree; the rest once
KIND = {"floor-pick": "pick", "pick-sqlite": "pick", "pick-postgresql": "pick", "help": "help",
        "floor-echo": "echo", "stock-echo": "echo"}
EXPECTED_REPLY = {"pick": "booked", "help": "help", "echo": "echo"}  # the connector's counters
# (contender, of, at most): the instruction targets.
TARGETS = (("pick-sqlite", "floor-pick", 1.3), ("pick-postgresql", "pick-sqlite", 1.3),
           ("help", "floor-echo", 2.5))


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
    if kind == "echo":
        return [{"user": f"bench-echo-{i}"} for i in range(n)]
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
        text = "help" if kind == "help" else "hello"
        body.update(channelId="emulator", conversation={"id": f"conv-{item['user']}"}, text=text)
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


async def _replies(connector_port: int) -> dict[str, int]:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{connector_port}/count") as response:
            return dict(await response.json())


async def _wait_idle(pid: int, quiet_s: float = 3.0, limit_s: float = 900.0) -> None:
    """Until the server has used (almost) no CPU for `quiet_s`: what start-up left running in the
    background (the date recognizers' worker thread, slow under valgrind) must not be counted as
    the turns' work."""
    from bench.bench_turns import process_cpu_s

    deadline = time.monotonic() + limit_s
    last, quiet_since = process_cpu_s(pid), time.monotonic()
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = process_cpu_s(pid)
        if now - last > 0.05:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            return
        last = now
    raise TimeoutError(f"the server (pid {pid}) did not go idle within {limit_s:.0f} s")


def _control(pid: int, env: dict[str, str], *args: str) -> None:
    subprocess.run(
        ["callgrind_control", *args, str(pid)], env=env, check=True, capture_output=True, timeout=600
    )


def _total(path: Path) -> int:
    text = path.read_text(errors="replace")
    found = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
    if found is None:
        raise RuntimeError(f"no totals in {path}")
    return int(found.group(1))


def _server_argv(contender: str, port: int, database: Path) -> list[str]:
    if contender == "floor-pick":
        return [python(), "-m", "bench.floor_pick", "--port", str(port), "--database", str(database)]
    if contender in ("floor-echo", "stock-echo"):
        kind = "floor" if contender == "floor-echo" else "stock"
        return [python(), "-m", "bench.bench_turns", "--serve", kind, "--port", str(port)]
    return [python(), "-m", "bot.cli", "serve"]


async def _measure(contender: str, tree: Path, workdir: Path) -> Count:
    kind = KIND[contender]
    port, connector_port = free_port(), free_port()
    database = workdir / f"{contender}-{port}.db"
    if contender == "pick-postgresql":
        import asyncpg

        name = f"bench_instr_{os.getpid()}_{port}"
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        database_url = f"{base}/{name}"
    else:
        database_url = f"sqlite+aiosqlite:///{database}"
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
            *_server_argv(contender, port, database),
        ],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        await _wait_http(f"http://127.0.0.1:{connector_port}/healthz", 60)
        await _wait_http(f"http://127.0.0.1:{port}/healthz", 900)
        await _wait_idle(server.pid)
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
        replies = await _replies(connector_port)
        expected = EXPECTED_REPLY[kind]
        if replies.get(expected, 0) != start:
            raise RuntimeError(f"{contender}: {start} turns, connector received {replies}")
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


async def measure(contenders: tuple[str, ...], trees: list[Path]) -> tuple[list[Count], dict[str, str]]:
    """The counts, and the contenders skipped with why."""
    counts: list[Count] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="askarsan-instr-") as tmp:
        workdir = Path(tmp)
        for contender in contenders:
            if contender == "pick-postgresql":
                problem = await pg_problem()
                if problem is not None:
                    skipped[contender] = f"PostgreSQL not reachable: {problem}"
                    continue
            for tree in trees if contender in ASKARSAN else [ROOT]:
                print(f"  counting {contender} ({tree})...", file=sys.stderr, flush=True)
                counts.append(await _measure(contender, tree, workdir))
    return counts, skipped


def _key(contender: str, tree: str) -> str:
    return contender if Path(tree) == ROOT else f"{contender} @ {tree}"


def rows_of(counts: list[Count], skipped: dict[str, str]) -> list[dict[str, Any]]:
    """One row per count (ratios to the pick floor and the echo floor), one per skip."""
    floors = {c.contender: c.per_turn for c in counts if c.contender in ("floor-pick", "floor-echo")}
    rows: list[dict[str, Any]] = []
    for c in counts:
        rows.append(
            {
                "contender": _key(c.contender, c.tree),
                "label": LABELS[c.contender],
                "tree": c.tree,
                "instructions_per_turn": round(c.per_turn),
                "x_floor_pick": c.per_turn / floors["floor-pick"] if "floor-pick" in floors else None,
                "x_floor_echo": c.per_turn / floors["floor-echo"] if "floor-echo" in floors else None,
                "batches": list(c.batches),
                "totals": list(c.totals),
            }
        )
    rows.extend({"contender": k, "label": LABELS[k], "skipped": why} for k, why in skipped.items())
    return rows


def _targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by = {r["contender"]: r for r in rows if "skipped" not in r}
    targets: list[dict[str, Any]] = []
    for name, of, limit in TARGETS:
        for key, row in by.items():
            if key.split(" @ ", 1)[0] != name:
                continue
            tree_suffix = key[len(name):]
            base = by.get(of + tree_suffix) or by.get(of)
            target = f"{name} ≤ {limit}× {of}"
            if base is None:
                targets.append({"target": target, "contender": key, "ratio": None, "met": None})
                continue
            ratio = row["instructions_per_turn"] / base["instructions_per_turn"]
            targets.append(
                {"target": target, "contender": key, "ratio": round(ratio, 3), "met": ratio <= limit}
            )
    return targets


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The one JSON object of ``--json``."""
    counted = [r for r in rows if "skipped" not in r]
    return {
        "unit": (
            "instructions per turn: callgrind, server process only, warm, concurrency 1, the "
            f"difference of two dumps after batches of {BATCHES[0]} and {BATCHES[1]} turns"
        ),
        "machine": machine_line(),
        "contenders": {
            r["contender"]: {
                "label": r["label"],
                "instructions_per_turn": r["instructions_per_turn"],
                "x_floor_pick": None if r["x_floor_pick"] is None else round(r["x_floor_pick"], 3),
                "x_floor_echo": None if r["x_floor_echo"] is None else round(r["x_floor_echo"], 3),
                "batches": r["batches"],
                "totals": r["totals"],
            }
            for r in counted
        },
        "skipped": {r["contender"]: r["skipped"] for r in rows if "skipped" in r},
        "targets": _targets(rows),
    }


def run() -> list[dict[str, Any]]:
    """For ``python -m bench``: this tree's counts (set ASKARSAN_BENCH_INSTR_TREES to compare)."""
    if shutil.which("valgrind") is None:
        return [{"skipped": "valgrind is not installed"}]
    trees = [Path(p) for p in os.environ.get("ASKARSAN_BENCH_INSTR_TREES", "").split(":") if p] or [ROOT]
    return rows_of(*asyncio.run(measure(CONTENDERS, trees)))


def summarize(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(case, result, target) lines for the runner's table."""
    if rows and "contender" not in rows[0]:
        return [("", f"skipped: {rows[0]['skipped']}", "")]
    targets = {t["contender"]: t for t in _targets(rows)}
    lines: list[tuple[str, str, str]] = []
    for row in rows:
        case = row["label"] + ("" if Path(row.get("tree", ROOT)) == ROOT else f" @ {row['tree']}")
        if "skipped" in row:
            lines.append((case, f"skipped: {row['skipped']}", ""))
            continue
        result = f"{row['instructions_per_turn'] / 1e6:.2f} M instructions/turn"
        if row["x_floor_pick"] is not None:
            result += f" · {row['x_floor_pick']:.2f}× (a)"
        if row["x_floor_echo"] is not None:
            result += f" · {row['x_floor_echo']:.2f}× echo floor"
        target = targets.get(row["contender"])
        mark = ""
        if target is not None and target["met"] is not None:
            mark = f"{target['target']}: {'met' if target['met'] else 'NOT met'} ({target['ratio']:.2f}×)"
        lines.append((case, result, mark))
    return lines


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--tree", action="append", type=Path, help="a checkout to measure (repeatable)")
    parser.add_argument("--only", action="append", choices=CONTENDERS)
    args = parser.parse_args()
    trees = [t.resolve() for t in args.tree] if args.tree else [ROOT]
    rows = rows_of(*asyncio.run(measure(tuple(args.only or CONTENDERS), trees)))
    if args.json:
        print(json.dumps(report(rows), indent=2, ensure_ascii=False))
    else:
        for case, result, target in summarize(rows):
            print(f"{case:<72} {result}  {target}")


if __name__ == "__main__":
    _main()
