"""One contract for bot state: MemoryStorage (the SDK's reference), and ours on SQLite and PostgreSQL.

Ours is the SDK adapter (bot/framework/state.py) over the rows of storage/bot_state.py; the tests
after the contract check what only ours does, down to the rows on their own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from botbuilder.core import MemoryStorage, Storage, StoreItem
from botbuilder.dialogs import DialogInstance, DialogState

from bot.framework.state import SqlAlchemyStorage
from storage.bot_state import BotStateStore, EtagConflict, UnsafeStateData, Versioned
from storage.db import create_engine, session_factory
from storage.migrate import migrate
from tests.helpers.databases import DATABASES, Sessions, database


async def _sql_storage(url: str) -> tuple[SqlAlchemyStorage, Any]:
    engine = create_engine(url)
    await migrate(engine)
    return SqlAlchemyStorage(session_factory(engine)), engine


@pytest.fixture(params=["memory", *DATABASES])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "memory":
        yield MemoryStorage()
        return
    async with database(request.param, tmp_path) as url:
        store, engine = await _sql_storage(url)
        yield store
        await engine.dispose()


@pytest.fixture
def sql_storage(sessions: Sessions) -> SqlAlchemyStorage:
    return SqlAlchemyStorage(sessions)


async def test_reading_unknown_keys_gives_nothing(storage: Storage) -> None:
    assert await storage.read(["nope", "nothing"]) == {}
    assert await storage.read([]) == {}


async def test_what_is_written_is_read_back(storage: Storage) -> None:
    await storage.write({"a": {"count": 1, "names": ["x", "ü"]}, "b": {"nested": {"n": None}}})
    got = await storage.read(["a", "b", "c"])
    assert set(got) == {"a", "b"}
    assert got["a"]["count"] == 1 and got["a"]["names"] == ["x", "ü"]
    assert got["b"]["nested"] == {"n": None}


async def test_a_store_item_object_round_trips(storage: Storage) -> None:
    await storage.write({"obj": StoreItem(message="hi", count=3)})
    got = (await storage.read(["obj"]))["obj"]
    assert got.message == "hi" and got.count == 3


async def test_times_and_prompt_activities_round_trip(storage: Storage) -> None:
    from datetime import UTC, datetime

    from botbuilder.core import MessageFactory
    from botbuilder.dialogs.prompts import PromptOptions

    when = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    options = PromptOptions(prompt=MessageFactory.text("Pick a time"))
    await storage.write({"k": {"when": when, "options": options}})
    got = (await storage.read(["k"]))["k"]
    assert got["when"] == when
    assert got["options"].prompt.text == "Pick a time"


async def test_a_dialog_stack_round_trips(storage: Storage) -> None:
    state = DialogState([DialogInstance(id="schedule", state={"values": {"step": 2}})])
    await storage.write({"dialogs": {"DialogState": state}})
    got = (await storage.read(["dialogs"]))["dialogs"]["DialogState"]
    assert got.dialog_stack[0].id == "schedule"
    assert got.dialog_stack[0].state == {"values": {"step": 2}}


async def test_a_stale_etag_is_a_conflict_and_changes_nothing(storage: Storage) -> None:
    await storage.write({"k": {"v": 1, "e_tag": "*"}})
    first = (await storage.read(["k"]))["k"]
    first["v"] = 2
    await storage.write({"k": first})
    stale = dict(first)
    stale["v"] = 3
    stale["e_tag"] = "0" if first.get("e_tag") != "0" else "999"
    with pytest.raises(KeyError):
        await storage.write({"k": stale})
    assert (await storage.read(["k"]))["k"]["v"] == 2


async def test_star_overwrites_whatever_is_there(storage: Storage) -> None:
    await storage.write({"k": {"v": 1, "e_tag": "*"}})
    await storage.write({"k": {"v": 2, "e_tag": "*"}})
    assert (await storage.read(["k"]))["k"]["v"] == 2


async def test_an_item_without_etag_overwrites(storage: Storage) -> None:
    await storage.write({"k": {"v": 1}})
    await storage.write({"k": {"v": 2}})
    assert (await storage.read(["k"]))["k"]["v"] == 2


async def test_delete_removes_and_ignores_unknown_keys(storage: Storage) -> None:
    await storage.write({"a": {"v": 1}, "b": {"v": 2}})
    await storage.delete(["a", "unknown"])
    assert set(await storage.read(["a", "b"])) == {"b"}


async def test_an_empty_etag_is_refused(storage: Storage) -> None:
    with pytest.raises(Exception, match="etag"):
        await storage.write({"k": {"v": 1, "e_tag": ""}})


# What MemoryStorage does not do, and state handling across instances needs.


async def test_the_new_etag_is_written_back_into_the_callers_item(
    sql_storage: SqlAlchemyStorage,
) -> None:
    item = {"v": 1}
    await sql_storage.write({"k": item})
    first = item["e_tag"]
    item["v"] = 2
    await sql_storage.write({"k": item})  # uses the etag handed back: no conflict with itself
    assert item["e_tag"] != first
    obj = StoreItem(v=1)
    await sql_storage.write({"o": obj})
    assert obj.e_tag == (await sql_storage.read(["o"]))["o"].e_tag


async def test_two_writers_with_the_same_etag_one_wins(sql_storage: SqlAlchemyStorage) -> None:
    await sql_storage.write({"k": {"v": 0}})
    a = (await sql_storage.read(["k"]))["k"]
    b = (await sql_storage.read(["k"]))["k"]
    a["v"], b["v"] = "a", "b"
    results = await asyncio.gather(
        sql_storage.write({"k": a}), sql_storage.write({"k": b}), return_exceptions=True
    )
    conflicts = [r for r in results if isinstance(r, EtagConflict)]
    assert len(conflicts) == 1, results
    winner = "a" if results[0] is None else "b"
    assert (await sql_storage.read(["k"]))["k"]["v"] == winner


async def test_a_failed_batch_writes_nothing(sql_storage: SqlAlchemyStorage) -> None:
    await sql_storage.write({"x": {"v": 1}})
    x = (await sql_storage.read(["x"]))["x"]
    await sql_storage.write({"x": {"v": 2, "e_tag": "*"}})
    with pytest.raises(EtagConflict):
        await sql_storage.write({"new": {"v": 1}, "x": x})
    assert await sql_storage.read(["new"]) == {}


@pytest.mark.parametrize(
    "data",
    [
        '{"py/object": "os.system", "v": 1}',
        '{"v": {"py/reduce": [{"py/function": "builtins.eval"}, {"py/tuple": ["1+1"]}]}}',
        '{"v": {"py/reduce": [{"py/type": "subprocess.Popen"}, {"py/tuple": [["true"]]}]}}',
    ],
    ids=["foreign-object", "reduce-builtins-eval", "reduce-popen"],
)
async def test_a_row_naming_a_foreign_class_is_not_decoded(
    sessions: Sessions, sql_storage: SqlAlchemyStorage, data: str
) -> None:
    from sqlalchemy import update

    from storage.models import BotStateRow

    await sql_storage.write({"k": {"v": 1}})
    async with sessions() as session, session.begin():
        await session.execute(
            update(BotStateRow).values(data=data)
        )
    with pytest.raises(UnsafeStateData):
        await sql_storage.read(["k"])


async def test_the_rows_keep_versions_without_the_sdk(sessions: Sessions) -> None:
    rows = BotStateStore(sessions)
    first = await rows.write({"k": Versioned({"step": 1}, None)})
    assert await rows.read(["k", "unknown"]) == {"k": Versioned({"step": 1}, first["k"])}
    second = await rows.write({"k": Versioned({"step": 2}, first["k"])})
    assert second["k"] != first["k"]
    with pytest.raises(EtagConflict):
        await rows.write({"k": Versioned({"step": 3}, first["k"])})
    assert (await rows.read(["k"]))["k"] == Versioned({"step": 2}, second["k"])

