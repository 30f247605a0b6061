"""The per-turn cost cuts keep behaviour: the sender's conversation reference is still stored
when it changes, an unchanged one is not written again, and a second instance on the same
database sees what the first stored (and the first sees the second's after its cache window)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import event, select

from bot.app import RUNTIME
from bot.dev.loopback import FakeConnector
from services.identity import ReferenceCache, reference_cache
from services.requests import PartyInput, upsert_party
from storage.models import Party
from tests.helpers.activities import activity
from tests.helpers.http import post

TEAMS_USER = "29:recruiter-rita"


async def turn(
    client: TestClient[Any, Any], connector: FakeConnector, conversation: str, n: int, **fields: Any
) -> None:
    """Rita's `n`th message in `conversation`, answered."""
    body = activity(connector.url, conversation, TEAMS_USER, id=f"msg-{conversation}-{n}", **fields)
    status, answer = await post(client, body)
    assert status in (200, 201), answer


async def add_recruiter(client: TestClient[Any, Any]) -> str:
    async with client.app[RUNTIME].sessions.begin() as session:
        party = await upsert_party(
            session,
            "recruiter",
            PartyInput("Rita", None, "Europe/London", teams_user_id=TEAMS_USER),
            datetime.now(UTC),
        )
        return party.id


async def stored(client: TestClient[Any, Any], party_id: str) -> dict[str, Any]:
    async with client.app[RUNTIME].sessions() as session:
        party = await session.get_one(Party, party_id)
        return dict(party.conversation_reference or {})


def party_writes(client: TestClient[Any, Any]) -> list[str]:
    """UPDATE statements on `parties` that the app's engine runs from now on."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE PARTIES"):
            seen.append(statement)

    event.listen(client.app[RUNTIME].engine.sync_engine, "before_cursor_execute", record)
    return seen


async def test_an_unchanged_reference_is_not_written_again_and_a_changed_one_is(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    party_id = await add_recruiter(client)
    writes = party_writes(client)

    await turn(client, connector, "personal-1", 1)
    first = (await stored(client, party_id))["teams"]
    assert first["conversation"]["id"] == "personal-1"
    assert len(writes) == 1

    # The same conversation again (a new activity id only): answered, nothing written.
    for n in range(2, 5):
        await turn(client, connector, "personal-1", n)
    assert len(writes) == 1
    assert connector.texts("personal-1")[-1].startswith("I'm askARSAN")
    assert (await stored(client, party_id))["teams"] == first

    # Another conversation: stored at once.
    await turn(client, connector, "group-7", 1)
    assert (await stored(client, party_id))["teams"]["conversation"]["id"] == "group-7"
    assert len(writes) == 2
    # ...and back again: a change too, so written again despite the cache.
    await turn(client, connector, "personal-1", 9)
    assert (await stored(client, party_id))["teams"]["conversation"]["id"] == "personal-1"


async def test_a_second_instance_sees_the_reference_and_the_first_sees_the_seconds_later(
    app_client: Any, connector: FakeConnector
) -> None:
    first = await app_client(ASKARSAN_RUN_JOBS="false")
    second = await app_client(ASKARSAN_RUN_JOBS="false")  # same database file, its own process state
    party_id = await add_recruiter(first)

    await turn(first, connector, "personal-1", 1)
    assert (await stored(second, party_id))["teams"]["conversation"]["id"] == "personal-1"

    # The user talks through the second instance in another conversation.
    await turn(second, connector, "group-7", 1)
    assert (await stored(first, party_id))["teams"]["conversation"]["id"] == "group-7"

    # Back on the first instance in the first conversation: within the first instance's cache
    # window that looks unchanged to it; once the window is over it is stored again.
    reference_cache(first.app[RUNTIME].sessions).clear()  # what the window's end does
    await turn(first, connector, "personal-1", 2)
    assert (await stored(second, party_id))["teams"]["conversation"]["id"] == "personal-1"


async def test_a_sender_who_becomes_a_party_is_remembered_on_their_next_turn(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    await turn(client, connector, "personal-1", 1)  # not a party yet: nothing to store
    party_id = await add_recruiter(client)  # e.g. their first request, or on another instance
    await turn(client, connector, "personal-1", 2)
    assert (await stored(client, party_id))["teams"]["conversation"]["id"] == "personal-1"


async def test_the_teams_tenant_is_stored_with_the_reference(
    app_client: Any, connector: FakeConnector
) -> None:
    client = await app_client(ASKARSAN_RUN_JOBS="false")
    party_id = await add_recruiter(client)
    await turn(client, connector, "personal-1", 1, channelData={"tenant": {"id": "t-1"}})
    async with client.app[RUNTIME].sessions() as session:
        party = await session.scalar(select(Party).where(Party.id == party_id))
        assert party is not None and party.tenant_id == "t-1"


def test_the_reference_cache_is_bounded_and_forgets_after_its_window() -> None:
    now = [0.0]
    cache = ReferenceCache(max_entries=2, ttl=30.0, clock=lambda: now[0])
    cache.put("a", "ref-a")
    assert cache.fresh("a", "ref-a")
    assert not cache.fresh("a", "ref-other")  # a different reference is never "fresh"
    assert not cache.fresh("a", "ref-a")  # ...and the stale entry is gone
    cache.put("a", "ref-a")
    now[0] = 30.0
    assert not cache.fresh("a", "ref-a")
    for slot in ("a", "b", "c"):
        cache.put(slot, "ref")
    assert len(cache) == 2 and not cache.fresh("a", "ref") and cache.fresh("c", "ref")
