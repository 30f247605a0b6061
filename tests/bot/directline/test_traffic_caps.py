"""The caps on one conversation's traffic (bot/directline/caps.py), against the real app: a flood
of posts is answered 429 with Retry-After and neither stored nor run, until the bucket refills;
one conversation's flood leaves the others alone; a conversation holds a bounded number of open
WebSockets, the newest taking the place of the oldest; the buckets kept in memory stay bounded.
Time moves only through the injected clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import RUNTIME
from bot.directline.server import DIRECTLINE
from storage.directline import DirectLineActivity
from tests.helpers.clock import Clock
from tests.helpers.directline import DIRECTLINE_OPTIONS, frames_until, start_session, user_rows, wait_for
from tests.helpers.http import call

BURST = 10  # the default of ASKARSAN_DIRECTLINE_BURST


async def capped_app(app_client: Callable[..., Any], clock: Clock[float], **options: Any) -> TestClient:
    client: TestClient = await app_client(
        directline={**DIRECTLINE_OPTIONS, "caps_clock": clock, **options}, chat={}
    )
    return client


async def post(client: TestClient, session: dict[str, Any], text: str) -> Any:
    cid = session["conversationId"]
    response = await client.post(
        f"/v3/directline/conversations/{cid}/activities",
        json={"type": "message", "text": text},
        headers={"Authorization": f"Bearer {session['token']}"},
    )
    return response.status, response.headers.get("Retry-After"), await response.json()


async def answered(client: TestClient, cid: str) -> set[str]:
    """The user activities the bot has run a turn on (its replies name them in replyToId)."""
    async with client.app[RUNTIME].sessions() as db:
        bodies = await db.scalars(
            select(DirectLineActivity.body).where(
                DirectLineActivity.conversation_id == cid, DirectLineActivity.sender == "bot"
            )
        )
        return {body["replyToId"] for body in bodies if body.get("replyToId")}


async def test_a_flood_of_posts_gets_429_stores_and_runs_nothing_until_the_bucket_refills(
    app_client: Callable[..., Any],
) -> None:
    clock = Clock(1000.0)
    client = await capped_app(app_client, clock)
    _, session = await start_session(client)
    cid = session["conversationId"]

    answers = [await post(client, session, f"help {n}") for n in range(BURST + 15)]
    accepted = [body["id"] for status, _, body in answers if status == 200]
    refused = [(retry_after, body) for status, retry_after, body in answers if status == 429]
    assert len(accepted) == BURST and len(refused) == 15, [a[0] for a in answers]
    assert [a[0] for a in answers[:BURST]] == [200] * BURST  # the burst goes through whole
    for retry_after, body in refused:
        assert retry_after is not None and int(retry_after) >= 1
        assert body["error"]["code"] == "TooManyRequests"
        assert "too many activities" in body["error"]["message"]

    await client.app[DIRECTLINE].drain()
    assert await user_rows(client, cid) == BURST
    assert await answered(client, cid) == set(accepted)

    clock.set(clock.now + int(refused[-1][0]))  # wait as told
    status, _, body = await post(client, session, "help again")
    assert status == 200, body
    await client.app[DIRECTLINE].drain()
    assert await user_rows(client, cid) == BURST + 1
    assert body["id"] in await answered(client, cid)


async def test_one_conversations_flood_does_not_limit_another(app_client: Callable[..., Any]) -> None:
    clock = Clock(1000.0)
    client = await capped_app(app_client, clock)
    _, flooder = await start_session(client)
    _, other = await start_session(client)
    statuses = [(await post(client, flooder, "spam"))[0] for _ in range(BURST + 5)]
    assert statuses.count(429) == 5

    others = [(await post(client, other, f"hello {n}"))[0] for n in range(BURST)]
    assert others == [200] * BURST
    assert (await post(client, flooder, "still spam"))[0] == 429
    await client.app[DIRECTLINE].drain()
    assert await user_rows(client, other["conversationId"]) == BURST


async def close_reason(ws: aiohttp.ClientWebSocketResponse) -> str:
    """Read what the server sends until it closes the socket; the close frame's reason."""
    async with asyncio.timeout(10):
        while True:
            message = await ws.receive()
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                return str(message.extra or "")


async def test_a_conversation_holds_at_most_four_streams_and_the_newest_displaces_the_oldest(
    app_client: Callable[..., Any],
) -> None:
    clock = Clock(1000.0)
    client = await capped_app(app_client, clock)
    _, session = await start_session(client)
    cid = session["conversationId"]
    service = client.app[DIRECTLINE]
    opened = []
    for _ in range(20):  # all on one stream token, as a flood of reconnects would
        opened.append(await client.session.ws_connect(session["streamUrl"]))
    try:
        displaced, kept = opened[:-4], opened[-4:]
        for ws in displaced:
            assert await close_reason(ws) == "collision"
        assert service.streams.open_count(cid) == 4

        status, _, posted = await post(client, session, "help")
        assert status == 200
        for ws in kept:  # the four newest still get what is stored
            await frames_until(ws, lambda got: any(a["id"] == posted["id"] for a in got))

        # A Web Chat whose stream dropped reconnects: a fresh streamUrl, and it is served.
        await kept[0].close()
        await wait_for(lambda: _fewer(service, cid, 4))
        status, again = await call(client, "GET", f"/v3/directline/conversations/{cid}", session["token"])
        assert status == 200, again
        async with client.session.ws_connect(again["streamUrl"]) as ws:
            await frames_until(ws, lambda got: any(a["id"] == posted["id"] for a in got))
    finally:
        for ws in opened:
            await ws.close()
    await wait_for(lambda: _fewer(service, cid, 1))


async def _fewer(service: Any, cid: str, count: int) -> bool:
    return bool(service.streams.open_count(cid) < count)


async def test_the_buckets_kept_in_memory_stay_bounded(app_client: Callable[..., Any]) -> None:
    clock = Clock(1000.0)
    client = await capped_app(app_client, clock, max_tracked=3)
    service = client.app[DIRECTLINE]
    sessions = [(await start_session(client))[1] for _ in range(7)]
    flooder, *others = sessions
    statuses = [(await post(client, flooder, "spam"))[0] for _ in range(BURST + 1)]
    assert statuses[-1] == 429
    for session in others:
        assert (await post(client, session, "hello"))[0] == 200
        assert len(service.posts) <= 3
        # The conversation being flooded is the most recently used: it stays limited.
        assert (await post(client, flooder, "spam"))[0] == 429
    # Buckets left alone for a whole refill are full again and forgotten first.
    clock.set(clock.now + 60)
    assert (await post(client, others[0], "later"))[0] == 200
    assert len(service.posts) == 1
