"""Benchmark of the turn path: activities over HTTP to ``/api/messages``, replies to a loopback
Bot Connector, at concurrency 1, 5 and 20.

Not a test: run it with ``python -m bench turns`` (or ``python -m bench.bench_turns``). Concurrency 5
is not in the issue's targets; it is there to show what a busy hour looks like short of saturation.

Contenders, each its own server process on plain asyncio (so none shares an event loop with the
load generator), measured in one run, interleaved (every round runs each contender in turn, the
order rotating from round to round):

(a) ``floor``: a bare aiohttp handler that posts the same reply with one shared ClientSession;
(b) ``stock``: the SDK's echo bot behind ``CloudAdapter`` exactly as the samples build it (no app
    id);
(c) ``help``: ``askarsan serve`` (SQLite) answering ``help`` to recruiters (known parties, as
    the agency's Teams users are), each talking in their own conversation;
(d) ``pick-sqlite``: ``askarsan serve`` on SQLite carrying a candidate's pick through the card
    action: each request books a distinct interview prepared beforehand (a booking and outbox
    rows; the job runner is off, ``ASKARSAN_RUN_JOBS=false``);
(e) ``pick-postgresql``: the same on PostgreSQL (skipped with a note when it is not reachable).

Replies go to a loopback connector (``bot.dev.loopback.FakeConnector``) in its own process, which
counts what it receives and keeps nothing, so that every turn is checked to have replied (a pick
must answer "Booked:"). Reported: turns/s (requests / wall time over all rounds), p50 and p99 of
the request latency, the turns/s ratios to (a) and (b), and the server process's own CPU time per
turn (user + system, from /proc: steadier than wall-clock rates on a shared VM, and what bounds a
one-process server's throughput).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from bench.common import PG_ADMIN, Child, bare_reply, free_port, percentile, pg_problem, python

CONCURRENCY = (1, 5, 20)
HEADERS = {"Content-Type": "application/json"}
TARGET_NOTE = "(c),(d) ≥ 5× (b) at c=20; (d) p99 < 50 ms at c=20; (c) ≥ 1/3 of (a)"


# --------------------------------------------------------------------------------------------
# Servers (run in child processes: ``python -m bench.bench_turns --serve KIND --port N``)


def _connector_app() -> Any:
    """The loopback connector, counting replies by kind and keeping none (no memory growth)."""
    from aiohttp import web

    from bot.dev.loopback import FakeConnector, Received

    counts: Counter[str] = Counter()
    fake = FakeConnector()

    def on_receive(received: Received) -> None:
        text = str(received.body.get("text") or "")
        counts["replies"] += 1
        if text.startswith("Booked:"):
            counts["booked"] += 1
        elif text.startswith("I'm askARSAN"):
            counts["help"] += 1
        elif text.startswith("Echo:"):
            counts["echo"] += 1
        else:
            counts["other"] += 1
        fake.received.clear()

    fake.on_receive = on_receive

    async def count(_request: web.Request) -> web.Response:
        return web.json_response(dict(counts))

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = fake.app()
    app.router.add_get("/count", count)
    app.router.add_get("/healthz", health)
    return app


def _floor_app() -> Any:
    """(a) The same reply the echo bot posts, from a bare aiohttp handler."""
    import aiohttp
    from aiohttp import web

    holder: dict[str, aiohttp.ClientSession] = {}

    async def client(app: web.Application) -> AsyncIterator[None]:
        holder["session"] = aiohttp.ClientSession()
        yield
        await holder["session"].close()

    async def messages(request: web.Request) -> web.Response:
        activity = await request.json()
        url, reply = bare_reply(activity, f"Echo: {activity.get('text')}")
        async with holder["session"].post(url, json=reply) as response:
            await response.read()
        return web.Response(status=201)

    async def health(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.cleanup_ctx.append(client)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", health)
    return app


def _stock_app() -> Any:
    """(b) The SDK's echo bot sample (botbuilder-python samples/python/02.echo-bot), as is."""
    from types import SimpleNamespace

    from aiohttp import web
    from aiohttp.web import Request, Response
    from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
    from botbuilder.core.integration import aiohttp_error_middleware
    from botbuilder.integration.aiohttp import (
        CloudAdapter,
        ConfigurationBotFrameworkAuthentication,
    )

    class EchoBot(ActivityHandler):  # type: ignore[misc]
        async def on_message_activity(self, turn_context: TurnContext) -> None:
            await turn_context.send_activity(
                MessageFactory.text(f"Echo: {turn_context.activity.text}")
            )

    config = SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(config))
    bot = EchoBot()

    async def messages(req: Request) -> Response:
        response: Response = await adapter.process(req, bot)
        return response

    async def health(_request: Request) -> Response:
        return Response(text="ok")

    app = web.Application(middlewares=[aiohttp_error_middleware])
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", health)
    return app


def _serve(kind: str, port: int) -> None:
    from aiohttp import web

    factories = {"connector": _connector_app, "floor": _floor_app, "stock": _stock_app}
    web.run_app(factories[kind](), host="127.0.0.1", port=port, print=None, access_log=None)


def askarsan_env(database_url: str, port: int, workdir: Path) -> dict[str, str]:
    """The environment of ``askarsan serve`` for a benchmark (local, job runner off)."""
    return {
        "ASKARSAN_ENV": "local",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_URL": f"http://localhost:{port}",
        "DATABASE_URL": database_url,
        "ASKARSAN_DATA_DIR": str(workdir / f"var-{port}"),
        "ASKARSAN_RUN_JOBS": "false",
        "ASKARSAN_SECRET_KEY": "bench-secret-" + "x" * 40,
        "ASKARSAN_API_KEY": "bench-api-key",
    }


def askarsan_argv() -> list[str]:
    return [python(), "-m", "bot.cli", "serve"]


# --------------------------------------------------------------------------------------------
# Activities


def message(
    service_url: str, conversation: str, user: str, channel: str, n: int, **fields: Any
) -> bytes:
    body: dict[str, Any] = {
        "type": "message",
        "id": f"b-{n}",
        "channelId": channel,
        "serviceUrl": service_url,
        "from": {"id": user, "name": "Bench User"},
        "conversation": {"id": conversation},
        "recipient": {"id": "bot", "name": "askARSAN"},
        "localTimezone": "Europe/London",
        "timestamp": datetime.now(UTC).isoformat(),
    }
    body.update(fields)
    return json.dumps(body).encode()


def conversation_bodies(
    service_url: str, prefix: str, text: str, workers: int, per_worker: int, start: int
) -> list[list[bytes]]:
    """One conversation (one user) per worker, talking in turn like a person would."""
    return [
        [
            message(service_url, f"{prefix}-{w}", f"{prefix}-user-{w}", "emulator", start + i, text=text)
            for i in range(per_worker)
        ]
        for w in range(workers)
    ]


@dataclass(frozen=True)
class Pick:
    user: str
    interview_id: str
    slot_id: str


def _slot_day(today: date, k: int) -> date:
    day = today + timedelta(days=3 + k % 20)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def prepare_picks(database_url: str, n: int) -> list[Pick]:
    """``n`` interviews awaiting the candidate's pick (distinct clients, so no two bookings
    collide), with the candidate's web chat user and the slot to pick."""
    from sqlalchemy import select

    from scheduling.rules import SlotRequest
    from services import InterviewRequest, PartyInput, Sender, ServiceContext, Services
    from services.invitations import hash_token
    from storage.db import create_engine, session_factory
    from storage.migrate import migrate
    from storage.models import Invitation

    engine = create_engine(database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        services = Services(ServiceContext(sessions))
        tag = uuid.uuid4().hex[:6]
        today = datetime.now(UTC).date()

        async def one(k: int) -> Pick:
            result = await services.scheduling.request_interview(
                InterviewRequest(
                    recruiter=PartyInput("Rita Bench", "rita@agency.example", "Europe/London"),
                    client=PartyInput(f"Client {k}", f"client-{tag}-{k}@client.example", "Europe/London"),
                    candidate=PartyInput(f"Cand {k}", f"cand-{tag}-{k}@example.org", "Asia/Kolkata"),
                    role_title="Data Engineer",
                )
            )
            async with sessions() as session:
                ids = {
                    token: await session.scalar(
                        select(Invitation.id).where(Invitation.token_hash == hash_token(token))
                    )
                    for token in (result.client_token, result.candidate_token)
                }
            client = await services.people.actor_for(
                Sender("directline", f"inv-{ids[result.client_token]}", None, None),
                result.interview_id,
            )
            assert client is not None
            hour = 9 + k % 8
            await services.scheduling.offer_slots(
                client,
                result.interview_id,
                [SlotRequest(_slot_day(today, k), dtime(hour, 0), "Europe/London")],
            )
            view = await services.scheduling.view(result.interview_id)
            assert view is not None and view.slots, "the offered slot was refused"
            return Pick(f"inv-{ids[result.candidate_token]}", result.interview_id, view.slots[0].id)

        picks: list[Pick] = []
        batch = 1 if engine.dialect.name == "sqlite" else 8
        for first in range(0, n, batch):
            picks.extend(await asyncio.gather(*(one(k) for k in range(first, min(n, first + batch)))))
        return picks
    finally:
        await engine.dispose()


async def prepare_recruiters(database_url: str, teams_user_ids: list[str]) -> None:
    """The Teams users who will ask for help, known as recruiters (as the agency's are)."""
    from services.requests import PartyInput, upsert_party
    from storage.db import create_engine, session_factory
    from storage.migrate import migrate

    engine = create_engine(database_url)
    try:
        await migrate(engine)
        async with session_factory(engine).begin() as session:
            now = datetime.now(UTC)
            for user in teams_user_ids:
                data = PartyInput(f"Recruiter {user}", None, "Europe/London", teams_user_id=user)
                await upsert_party(session, "recruiter", data, now)
    finally:
        await engine.dispose()


def pick_bodies(service_url: str, picks: list[Pick], workers: int, start: int) -> list[list[bytes]]:
    per_worker: list[list[bytes]] = [[] for _ in range(workers)]
    for i, pick in enumerate(picks):
        per_worker[i % workers].append(
            message(
                service_url,
                f"cand-{pick.interview_id}",
                pick.user,
                "directline",
                start + i,
                value={"action": "pick_slot", "interview_id": pick.interview_id, "slot_id": pick.slot_id},
            )
        )
    return per_worker


# --------------------------------------------------------------------------------------------
# Load


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Tally:
    requests: int = 0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


async def drive(session: Any, url: str, per_worker: list[list[bytes]], tally: Tally) -> None:
    """Each worker posts its own bodies one after the other; all workers run at once."""

    async def worker(bodies: list[bytes]) -> None:
        for body in bodies:
            started = time.perf_counter()
            try:
                async with session.post(url, data=body, headers=HEADERS) as response:
                    await response.read()
                    if response.status >= 300:
                        tally.errors[f"HTTP {response.status}"] += 1
            except Exception as error:  # noqa: BLE001 - counted, reported
                tally.errors[type(error).__name__] += 1
            tally.latencies_ms.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker(bodies) for bodies in per_worker))
    tally.wall_s += time.perf_counter() - started
    tally.requests += sum(len(b) for b in per_worker)


@dataclass
class Contender:
    key: str
    label: str
    url: str
    kind: str  # "echo", "help" or "pick"
    pid: int = 0
    picks: list[Pick] = field(default_factory=list)
    used: int = 0
    tallies: dict[int, Tally] = field(default_factory=dict)
    skipped: str | None = None

    def bodies(self, service_url: str, workers: int, total: int, serial: int) -> list[list[bytes]]:
        per = max(1, total // workers)
        if self.kind == "pick":
            take = self.picks[self.used : self.used + per * workers]
            if len(take) < per * workers:
                raise RuntimeError(f"{self.key}: ran out of prepared interviews")
            self.used += len(take)
            return pick_bodies(service_url, take, workers, serial)
        text = "help" if self.kind == "help" else "hello"
        return conversation_bodies(service_url, f"{self.key}-c{workers}", text, workers, per, serial)


@asynccontextmanager
async def _postgres_database() -> AsyncIterator[str]:
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


async def _counts(session: Any, connector_url: str) -> Counter[str]:
    async with session.get(connector_url + "count") as response:
        return Counter(await response.json())


def _serve_argv(kind: str, port: int) -> list[str]:
    return [python(), "-m", "bench.bench_turns", "--serve", kind, "--port", str(port)]


async def _prepare(
    workdir: Path, stack: contextlib.AsyncExitStack, needed: int, per_round: dict[int, int]
) -> tuple[list[tuple[str, str, str]], dict[str, list[Pick]], str | None]:
    """The askARSAN contenders' databases, filled: (key, label, url), their picks, PG problem."""
    databases = [
        ("help", "(c) askARSAN help (SQLite)", f"sqlite+aiosqlite:///{workdir / 'help.db'}"),
        ("pick-sqlite", "(d) askARSAN pick (SQLite)", f"sqlite+aiosqlite:///{workdir / 'pick.db'}"),
    ]
    pg_skip = await pg_problem()
    if pg_skip is None:
        pg_url = await stack.enter_async_context(_postgres_database())
        databases.append(("pick-postgresql", "(e) askARSAN pick (PostgreSQL)", pg_url))
    prepared: dict[str, list[Pick]] = {}
    for key, _label, url in databases:
        if key == "help":
            users = [f"help-c{n}-user-{w}" for n in (5, *per_round) for w in range(n)]
            await prepare_recruiters(url, users)
        else:
            began = time.perf_counter()
            prepared[key] = await prepare_picks(url, needed)
            print(
                f"  prepared {needed} interviews awaiting a pick for {key} "
                f"in {time.perf_counter() - began:.1f} s",
                file=sys.stderr,
            )
    return databases, prepared, pg_skip


EXPECTED_REPLY = {"echo": "echo", "help": "help", "pick": "booked"}


async def _measure(
    contenders: list[Contender], service_url: str, rounds: int, per_round: dict[int, int], warmup: int
) -> None:
    import aiohttp

    serial = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        # Warm every server (first turns create state rows, fill caches, open pools).
        for contender in contenders:
            bodies = contender.bodies(service_url, 5, warmup, serial)
            serial += warmup
            await drive(session, contender.url + "/api/messages", bodies, Tally())
        before = await _counts(session, service_url)
        for round_no in range(rounds):
            for workers, total in per_round.items():
                shift = round_no % len(contenders)
                for contender in contenders[shift:] + contenders[:shift]:
                    tally = contender.tallies.setdefault(workers, Tally())
                    bodies = contender.bodies(service_url, workers, total, serial)
                    serial += total
                    counts = await _counts(session, service_url)
                    cpu = process_cpu_s(contender.pid)
                    await drive(session, contender.url + "/api/messages", bodies, tally)
                    tally.server_cpu_s += process_cpu_s(contender.pid) - cpu
                    after = await _counts(session, service_url)
                    expected = EXPECTED_REPLY[contender.kind]
                    missing = sum(len(b) for b in bodies) - (after[expected] - counts[expected])
                    if missing:
                        tally.errors[f"{expected} replies missing"] += missing
        unexpected = (await _counts(session, service_url))["other"] - before["other"]
        if unexpected:
            print(f"  unexpected replies: {unexpected}", file=sys.stderr)


async def _run(rounds: int, per_round: dict[int, int], warmup: int) -> list[dict[str, Any]]:
    children: list[Child] = []
    contenders: list[Contender] = []
    with tempfile.TemporaryDirectory(prefix="askarsan-bench-turns-") as tmp:
        workdir = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            try:
                conn_port = free_port()
                connector = Child("connector", _serve_argv("connector", conn_port), log_dir=workdir)
                children.append(connector)
                service_url = f"http://127.0.0.1:{conn_port}/"
                needed = warmup + rounds * sum(per_round.values())
                databases, prepared, pg_skip = await _prepare(workdir, stack, needed, per_round)
                servers: list[tuple[str, str, str, list[str], dict[str, str] | None]] = [
                    ("floor", "(a) bare aiohttp (floor)", "echo", _serve_argv("floor", 0), None),
                    ("stock", "(b) stock botbuilder echo", "echo", _serve_argv("stock", 0), None),
                ]
                servers += [
                    (key, label, "help" if key == "help" else "pick", askarsan_argv(), {"DATABASE_URL": url})
                    for key, label, url in databases
                ]
                for key, label, kind, argv, env in servers:
                    port = free_port()
                    if env is None:
                        argv = [*argv[:-1], str(port)]
                    else:
                        env = askarsan_env(env["DATABASE_URL"], port, workdir)
                    child = Child(key, argv, env=env, log_dir=workdir)
                    children.append(child)
                    url = f"http://127.0.0.1:{port}"
                    contenders.append(
                        Contender(key, label, url, kind, child.pid, picks=prepared.get(key, []))
                    )
                await connector.wait_http(service_url + "healthz")
                for contender, child in zip(contenders, children[1:], strict=True):
                    await child.wait_http(contender.url + "/healthz")
                await _measure(contenders, service_url, rounds, per_round, warmup)
            finally:
                for child in reversed(children):
                    child.stop()

    rows: list[dict[str, Any]] = []
    for workers in per_round:
        floor = next(c for c in contenders if c.key == "floor").tallies[workers]
        stock = next(c for c in contenders if c.key == "stock").tallies[workers]
        floor_tps = floor.requests / floor.wall_s
        stock_tps = stock.requests / stock.wall_s
        for contender in contenders:
            tally = contender.tallies[workers]
            tps = tally.requests / tally.wall_s
            rows.append(
                {
                    "contender": contender.label,
                    "concurrency": workers,
                    "turns": tally.requests,
                    "turns_per_s": tps,
                    "p50_ms": percentile(tally.latencies_ms, 50),
                    "p99_ms": percentile(tally.latencies_ms, 99),
                    "server_cpu_ms": tally.server_cpu_s * 1000 / tally.requests,
                    "x_floor": tps / floor_tps,
                    "x_stock": tps / stock_tps,
                    "errors": dict(tally.errors),
                }
            )
        if pg_skip is not None:
            rows.append(
                {
                    "contender": "(e) askARSAN pick (PostgreSQL)",
                    "concurrency": workers,
                    "skipped": f"PostgreSQL not reachable: {pg_skip}",
                }
            )
    return rows


def run() -> list[dict[str, Any]]:
    """One row per (contender, concurrency). Sizes: ``ASKARSAN_BENCH_TURNS`` = "rounds,c1,c5,c20"
    (turns per round at each concurrency)."""
    sizes = [int(x) for x in os.environ.get("ASKARSAN_BENCH_TURNS", "3,120,200,400").split(",")]
    if len(sizes) != 1 + len(CONCURRENCY):
        raise SystemExit(f"ASKARSAN_BENCH_TURNS: rounds and one size per concurrency {CONCURRENCY}")
    per_round = dict(zip(CONCURRENCY, sizes[1:], strict=True))
    return asyncio.run(_run(sizes[0], per_round, warmup=50))


def summarize(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(case, result, target) lines for the runner's table."""
    lines: list[tuple[str, str, str]] = []
    by = {(r["contender"][:3], r["concurrency"]): r for r in rows if "skipped" not in r}
    for row in rows:
        case = f"{row['contender']}, c={row['concurrency']}"
        if "skipped" in row:
            lines.append((case, f"skipped: {row['skipped']}", ""))
            continue
        result = (
            f"{row['turns_per_s']:,.0f} turns/s · p50 {row['p50_ms']:.1f} ms · "
            f"p99 {row['p99_ms']:.1f} ms · {row['x_floor']:.2f}× (a) · {row['x_stock']:.1f}× (b) · "
            f"server CPU {row['server_cpu_ms']:.2f} ms/turn"
        )
        if row["errors"]:
            result += f" · errors {row['errors']}"
        target = ""
        key = row["contender"][:3]
        if row["concurrency"] == 20 and key in ("(c)", "(d)"):
            stock = by.get(("(b)", 20))
            ok = stock is not None and row["turns_per_s"] >= 5 * stock["turns_per_s"]
            target = f"≥ 5× (b): {'met' if ok else 'NOT met'}"
            if key == "(d)":
                target += f"; p99 < 50 ms: {'met' if row['p99_ms'] < 50 else 'NOT met'}"
            if key == "(c)":
                target += f"; within 3× of (a): {'met' if row['x_floor'] >= 1 / 3 else 'NOT met'}"
        elif row["concurrency"] == 1 and key == "(c)":
            target = f"within 3× of (a): {'met' if row['x_floor'] >= 1 / 3 else 'NOT met'}"
        lines.append((case, result, target))
    return lines


def _main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=("connector", "floor", "stock"))
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.port)
        return
    for case, result, target in summarize(run()):
        print(f"{case:<45} {result}  {target}")


if __name__ == "__main__":
    _main()
