"""Scale-out as it is deployed: two `askarsan serve` processes and two `askarsan worker` processes
on one PostgreSQL database, a round-robin proxy in front of the servers (as a load balancer would
be), and a web chat user whose requests land on either server; then one server killed by SIGKILL
and the other carrying on alone. What another process needs is in the database, or nothing works."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.framework.state import SqlAlchemyStorage
from storage.bot_state import EtagConflict
from storage.db import create_engine, session_factory
from storage.jobs import NewJob, enqueue_many
from storage.models import Job
from tests.helpers.cards import picks
from tests.helpers.databases import Sessions
from tests.helpers.environment import ROOT
from tests.helpers.http import free_port
from tests.helpers.journeys import next_wednesday_10

pytestmark = pytest.mark.postgres

API_KEY = "scale-test-api-key-" + "k" * 32
SECRET = "scale-test-secret-" + "s" * 32
AUTH = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}


class Processes:
    """Processes started by a test, each logging to a file; killed (SIGKILL) if still running."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.running: dict[str, asyncio.subprocess.Process] = {}

    def env(self, url: str, **extra: str) -> dict[str, str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("ASKARSAN_", "DATABASE_URL", "PUBLIC_URL"))}
        return {
            **clean, "PYTHONPATH": str(ROOT), "ASKARSAN_ENV": "local", "DATABASE_URL": url,
            "ASKARSAN_DATA_DIR": str(self.tmp_path / "var"), "ASKARSAN_SECRET_KEY": SECRET,
            "ASKARSAN_API_KEY": API_KEY, "ASKARSAN_JOB_POLL_SECONDS": "0.1", "MAIL": "outbox", **extra,
        }

    async def start(self, name: str, env: dict[str, str], *args: str) -> None:
        with (self.tmp_path / f"{name}.log").open("ab") as out:
            self.running[name] = await asyncio.create_subprocess_exec(
                sys.executable, *args, cwd=self.tmp_path, env=env, stdout=out, stderr=out
            )

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.tmp_path.glob("*.log")))

    async def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.kill()
        await asyncio.wait_for(process.wait(), timeout=15)

    async def stop_all(self) -> dict[str, int]:
        codes = {}
        for name, process in list(self.running.items()):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            try:
                codes[name] = await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                codes[name] = await process.wait()
        self.running.clear()
        return codes


@asynccontextmanager
async def processes(tmp_path: Path) -> AsyncIterator[Processes]:
    made = Processes(tmp_path)
    try:
        yield made
    finally:
        for process in made.running.values():
            if process.returncode is None:
                process.kill()
                await process.wait()


async def until(check: Callable[[], Any], what: str, procs: Processes, timeout: float = 30) -> Any:
    """Wait until `await check()` is truthy; a clear failure naming `what` (and the logs) if not."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}\n{procs.logs()}")
        await asyncio.sleep(0.1)


async def jobs_by_status(sessions: Sessions) -> Counter[tuple[str, int]]:
    async with sessions() as session:
        return Counter((row.status, row.attempts) for row in await session.execute(select(Job.status, Job.attempts)))


# --- 10,000 jobs, two worker processes -------------------------------------------------------

JOBS = 10_000


async def test_two_worker_processes_do_ten_thousand_jobs_each_exactly_once(
    postgres_url: str, postgres_sessions: Sessions, tmp_path: Path
) -> None:
    """The worker processes run `tests.bot.jobs.worker_process` (the production worker loop with a
    job kind that records its run): `askarsan worker` has no way to load a test-only job kind."""
    done = tmp_path / "done.txt"
    now = datetime.now(UTC)
    async with postgres_sessions.begin() as session:
        for start in range(0, JOBS, 1_000):
            await enqueue_many(
                session,
                [NewJob(kind="test.append", payload={"file": str(done)}, due_at=now, idempotency_key=f"job-{n}")
                 for n in range(start, start + 1_000)],
                now=now,
            )
    async with processes(tmp_path) as procs:
        env = procs.env(postgres_url, ASKARSAN_JOB_LEASE_SECONDS="60", ASKARSAN_JOB_BATCH="50")
        for name in ("worker-1", "worker-2"):
            await procs.start(name, env, "-m", "tests.bot.jobs.worker_process")

        async def all_done() -> bool:
            statuses = await jobs_by_status(postgres_sessions)
            twice = set(statuses) - {("pending", 0), ("running", 1), ("done", 1)}
            assert not twice, f"jobs claimed more than once: {statuses}"
            return statuses[("done", 1)] == JOBS

        await until(all_done, f"the two workers did all {JOBS} jobs", procs, timeout=120)
        codes = await procs.stop_all()
    assert codes == {"worker-1": 0, "worker-2": 0}, procs.logs()
    ran = Counter(done.read_text(encoding="utf-8").split())
    assert len(ran) == JOBS and set(ran.values()) == {1}, ran.most_common(3)
    assert await jobs_by_status(postgres_sessions) == {("done", 1): JOBS}
    logs = [(tmp_path / f"{name}.log").read_text() for name in ("worker-1", "worker-2")]
    assert all("job worker stopped" in log for log in logs)


# --- bot state: two instances, one conversation ---------------------------------------------


async def test_two_instances_writing_one_conversations_state_one_wins_and_the_other_must_reread(
    postgres_url: str, postgres_sessions: Sessions
) -> None:
    """At the storage level, with an engine (a connection pool) per instance as two `askarsan serve`
    processes have: driving two processes into the same turn at the same moment is not repeatable."""
    engines = [create_engine(postgres_url), create_engine(postgres_url)]
    try:
        a, b = (SqlAlchemyStorage(session_factory(engine)) for engine in engines)
        key = "directline/conversations/c-1"
        await a.write({key: {"step": "offered"}})
        seen_by_a, seen_by_b = (await a.read([key]))[key], (await b.read([key]))[key]
        seen_by_a["step"], seen_by_b["step"] = "picked-by-a", "picked-by-b"
        results = await asyncio.gather(a.write({key: seen_by_a}), b.write({key: seen_by_b}), return_exceptions=True)
        assert sorted(type(r).__name__ for r in results) == ["EtagConflict", "NoneType"], results
        winner, loser = (a, b) if results[0] is None else (b, a)
        stored = (await loser.read([key]))[key]
        assert stored["step"] == ("picked-by-a" if winner is a else "picked-by-b")
        stale = {**stored, "step": "stale"}
        await loser.write({key: {**stored, "step": "after-rereading"}})  # the fresh etag is accepted
        try:
            await winner.write({key: stale})
        except EtagConflict:
            pass
        else:
            raise AssertionError("a write with an etag already replaced overwrote the newer state")
        assert (await a.read([key]))[key]["step"] == "after-rereading"
    finally:
        for engine in engines:
            await engine.dispose()


# --- two servers behind a round-robin proxy, two workers --------------------------------------


class RoundRobin:
    """A loopback load balancer: each request goes to the next live server in turn; a server that
    refuses the connection is taken out (as a health-checking balancer would) and the next tried."""

    def __init__(self, ports: list[int]) -> None:
        self.live = list(ports)
        self.turns = itertools.count()
        self.served: Counter[int] = Counter()
        self.client = aiohttp.ClientSession(auto_decompress=False)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")}
        while self.live:
            port = self.live[next(self.turns) % len(self.live)]
            try:
                async with self.client.request(
                    request.method, f"http://127.0.0.1:{port}{request.path_qs}", headers=headers, data=body,
                    allow_redirects=False,
                ) as answer:
                    self.served[port] += 1
                    passed = {k: v for k, v in answer.headers.items()
                              if k.lower() not in ("content-length", "transfer-encoding", "connection")}
                    return web.Response(status=answer.status, body=await answer.read(), headers=passed)
            except aiohttp.ClientConnectionError:
                if port in self.live:
                    self.live.remove(port)
        return web.Response(status=502, text="no server is up")


def bot_texts(activities: list[dict[str, Any]]) -> list[str]:
    return [a.get("text") or "" for a in activities if a["from"]["role"] == "bot" and a["type"] == "message"]


async def test_two_servers_and_two_workers_on_one_database_carry_a_chat_across_instances_and_a_kill(
    postgres_url: str, postgres_sessions: Sessions, tmp_path: Path
) -> None:
    ports = [free_port(), free_port()]
    balancer = RoundRobin(list(ports))
    proxy_app = web.Application()
    proxy_app.router.add_route("*", "/{tail:.*}", balancer.handle)
    runner = web.AppRunner(proxy_app)
    await runner.setup()
    proxy_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", proxy_port).start()
    proxy = f"http://127.0.0.1:{proxy_port}"
    http = aiohttp.ClientSession()
    try:
        async with processes(tmp_path) as procs:
            for name, port in zip(("serve-a", "serve-b"), ports, strict=True):
                env = procs.env(postgres_url, PORT=str(port), PUBLIC_URL=proxy, ASKARSAN_RUN_JOBS="false")
                await procs.start(name, env, "-m", "bot.cli", "serve")
            for name in ("worker-1", "worker-2"):
                await procs.start(name, procs.env(postgres_url, PUBLIC_URL=proxy), "-m", "bot.cli", "worker")

            async def up(port: int) -> bool:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                        return answer.status == 200
                except aiohttp.ClientConnectionError:
                    return False

            for port in ports:
                await until(lambda port=port: up(port), f"the server on {port} answers", procs, timeout=60)

            # An ATS asks for an interview through the balancer.
            request = {
                "recruiter": {"name": "Rita", "email": "rita@agency.example", "zone": "UTC"},
                "client": {"name": "Harry", "email": "hm@client.example", "zone": "Europe/London"},
                "candidate": {"name": "Asha", "email": "asha@example.org", "zone": "Asia/Kolkata"},
                "role_title": "Data Engineer",
            }
            async with http.post(f"{proxy}/api/v1/interviews", data=json.dumps(request), headers=AUTH) as answer:
                assert answer.status == 201, await answer.text()
                created = await answer.json()
            client_token = created["links"]["client"].split("?t=", 1)[1]

            # The client opens the web chat; the session and conversation come through the balancer.
            async with http.post(f"{proxy}/chat/session", json={"invitation": client_token}) as answer:
                assert answer.status == 200, await answer.text()
                chat = await answer.json()
            bearer = {"Authorization": f"Bearer {chat['token']}"}
            async with http.post(f"{proxy}/v3/directline/conversations", headers=bearer) as answer:
                assert answer.status in (200, 201), await answer.text()
                started = await answer.json()
            cid = started["conversationId"]
            stream_a = started["streamUrl"].replace(f"127.0.0.1:{proxy_port}", f"127.0.0.1:{ports[0]}")

            async with http.ws_connect(stream_a) as ws:
                seen: list[dict[str, Any]] = []

                async def frames_until(done: Callable[[list[dict[str, Any]]], bool]) -> None:
                    async with asyncio.timeout(20):
                        while not done(seen):
                            message = await ws.receive()
                            assert message.type == aiohttp.WSMsgType.TEXT, message
                            if message.data:
                                seen.extend(json.loads(message.data)["activities"])

                await frames_until(lambda got: bool(bot_texts(got)))

                # The client offers a time through server B; the bot's answer arrives on A's stream.
                day, start = next_wednesday_10()
                posted = {"type": "message", "from": {"id": "web-user"}, "value": {
                    "action": "offer_slots", "interview_id": created["id"], "slot_1_date": day,
                    "slot_1_time": start, "zone": "Europe/London"}}
                async with http.post(
                    f"http://127.0.0.1:{ports[1]}/v3/directline/conversations/{cid}/activities",
                    headers=bearer, json=posted,
                ) as answer:
                    assert answer.status == 200, await answer.text()
                    posted_id = (await answer.json())["id"]
                await frames_until(lambda got: any(a["id"] == posted_id for a in got)
                                   and any("I've sent 1 slot" in t for t in bot_texts(got)))

            # Server A dies mid-journey; the balancer finds out and B carries on alone.
            await procs.kill("serve-a")
            candidate_token = created["links"]["candidate"].split("?t=", 1)[1]
            async with http.post(f"{proxy}/chat/session", json={"invitation": candidate_token}) as answer:
                assert answer.status == 200, await answer.text()
                candidate = {"Authorization": f"Bearer {(await answer.json())['token']}"}
            async with http.post(f"{proxy}/v3/directline/conversations", headers=candidate) as answer:
                assert answer.status in (200, 201), await answer.text()
                candidate_cid = (await answer.json())["conversationId"]
            activities = f"{proxy}/v3/directline/conversations/{candidate_cid}/activities"

            async def candidate_sees(check: Callable[[list[dict[str, Any]]], Any]) -> Any:
                async with http.get(activities, headers=candidate) as answer:
                    assert answer.status == 200, await answer.text()
                    return check([a for a in (await answer.json())["activities"] if a["from"]["role"] == "bot"])

            def offered(bot: list[dict[str, Any]]) -> list[dict[str, Any]]:
                return [p for a in bot for card in a.get("attachments") or [] for p in picks(card["content"])]

            [pick] = await until(lambda: candidate_sees(offered), "the candidate sees the offered time", procs)
            async with http.post(activities, headers=candidate,
                                 json={"type": "message", "from": {"id": "web-user"}, "value": pick}) as answer:
                assert answer.status == 200, await answer.text()
            await until(lambda: candidate_sees(lambda bot: any(t.startswith("Booked:") for t in bot_texts(bot))),
                        "the candidate's pick is booked through B alone", procs)
            assert balancer.live == [ports[1]]  # requests meant for A were retried on B
            async with http.get(f"{proxy}/api/v1/interviews/{created['id']}", headers=AUTH) as answer:
                assert (await answer.json())["stage"] == "scheduled"

            # The workers carried out every effect once: nothing pending, running or parked.
            async def settled() -> bool:
                async with postgres_sessions() as session:
                    rows = (await session.execute(select(Job.kind, Job.status, Job.attempts, Job.due_at))).all()
                now = datetime.now(UTC)
                jobs.clear()
                jobs.extend(rows)
                later = [r for r in rows if r.status == "pending" and r.due_at.replace(tzinfo=UTC) > now]
                done = {r.kind for r in rows if r.status == "done"}
                return {"ask_client_for_slots", "offer_slots_to_candidate", "send_mail"} <= done and all(
                    r in later or (r.status, r.attempts) == ("done", 1) for r in rows
                )

            jobs: list[Any] = []

            try:
                await until(settled, "every job due is done, each on its first attempt", procs, timeout=30)
            except AssertionError as error:
                raise AssertionError(f"jobs: {[tuple(r) for r in jobs]}\n{error}") from None
            mails = list((tmp_path / "var" / "outbox").rglob("*.eml"))
            assert mails, procs.logs()
            assert not [r for r in jobs if r.status != "done" and r.due_at.replace(tzinfo=UTC) <= datetime.now(UTC)], jobs
            codes = await procs.stop_all()
        assert codes == {"serve-b": 0, "worker-1": 0, "worker-2": 0}, procs.logs()
        assert balancer.served[ports[0]] and balancer.served[ports[1]], balancer.served
    finally:
        await http.close()
        await balancer.client.close()
        await runner.cleanup()
