"""The Bot Framework `Storage` on SQLAlchemy, with the SDK's etag semantics.

- A write whose item carries an etag that is not the stored one fails (`EtagConflict`, a
  `KeyError` as `MemoryStorage` raises); `"*"` or no etag overwrites.
- After a write the new etag is put back into the caller's item, so the next write in the same
  turn does not conflict with itself.
- The optimistic check is one conditional UPDATE (`WHERE etag = :expected`), not a read then a
  write, so two server instances writing the same conversation cannot both win.

Values are encoded with jsonpickle (the SDK's own choice for state hashing), and decoded only
for classes from an allow-list of modules: a tampered row cannot make us import arbitrary code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import jsonpickle
from botbuilder.core import Storage, StoreItem
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import engine_of
from storage.models import BotStateRow

_ALLOWED_MODULE_PREFIXES = (
    "botbuilder.",
    "botframework.",
    "dialogs.",
    "datetime.",
    "decimal.",
    "uuid.",
    "enum.",
)
# Containers only: `builtins.eval` and friends must never be reachable through py/reduce.
_ALLOWED_NAMES = frozenset(
    {
        "builtins.set",
        "builtins.frozenset",
        "builtins.tuple",
        "builtins.list",
        "builtins.dict",
        "builtins.bytes",
        "builtins.object",
        "collections.OrderedDict",
        "collections.defaultdict",
        "collections.deque",
        "copyreg._reconstructor",
    }
)
_CLASS_TAGS = ("py/object", "py/type", "py/function", "py/reduce", "py/newobj")


class EtagConflict(KeyError):
    """Somebody else wrote this state since it was read."""


class UnsafeStateData(ValueError):
    """A stored state row names a class outside the allow-list."""


def _check_classes(node: Any) -> None:
    if isinstance(node, dict):
        for tag in _CLASS_TAGS:
            name = node.get(tag)
            if (
                isinstance(name, str)
                and name not in _ALLOWED_NAMES
                and not name.startswith(_ALLOWED_MODULE_PREFIXES)
            ):
                raise UnsafeStateData(f"state names a class outside the allow-list: {name}")
        for value in node.values():
            _check_classes(value)
    elif isinstance(node, list):
        for value in node:
            _check_classes(value)


def encode(value: Any) -> str:
    return str(jsonpickle.encode(value, keys=True, warn=True))


def decode(text: str) -> Any:
    _check_classes(json.loads(text))
    return jsonpickle.decode(text, keys=True)  # noqa: S301 - classes checked against the allow-list above


def _get_etag(item: Any) -> str | None:
    if isinstance(item, dict):
        etag = item.get("e_tag")
    else:
        etag = getattr(item, "e_tag", None)
    return None if etag is None else str(etag)


def _set_etag(item: Any, etag: str) -> None:
    if isinstance(item, dict):
        item["e_tag"] = etag
    elif isinstance(item, StoreItem) or hasattr(item, "e_tag"):
        item.e_tag = etag


# Every turn reads its state and most dialog turns write it: built once (see
# services/scheduling.py).
_COLUMNS = select(BotStateRow.key, BotStateRow.etag, BotStateRow.data)
_READ_ONE = _COLUMNS.where(BotStateRow.key == bindparam("read_key"))
_READ_MANY = _COLUMNS.where(BotStateRow.key.in_(bindparam("read_keys", expanding=True)))
_WRITE_IF = (
    update(BotStateRow)
    .where(BotStateRow.key == bindparam("row_key"), BotStateRow.etag == bindparam("expected"))
    .values(etag=bindparam("new_etag"), data=bindparam("new_data"), updated_at=bindparam("now"))
)


class SqlAlchemyStorage(Storage):  # type: ignore[misc]
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self._sessions = sessions
        self._engine = engine_of(sessions)

    async def read(self, keys: list[str]) -> dict[str, Any]:
        """Every turn reads its conversation's state: one key, on a plain connection (an ORM
        session and an expanding IN cost more than the read itself)."""
        if not keys:
            return {}
        async with self._engine.connect() as connection:
            if len(keys) == 1:
                rows = (await connection.execute(_READ_ONE, {"read_key": keys[0]})).all()
            else:
                rows = (await connection.execute(_READ_MANY, {"read_keys": list(keys)})).all()
        result: dict[str, Any] = {}
        for key, etag, data in rows:
            value = decode(data)
            _set_etag(value, str(etag))
            result[key] = value
        return result

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required when writing")
        if not changes:
            return
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            new_etags: dict[str, str] = {}
            for key, item in changes.items():
                expected = _get_etag(item)
                if expected == "":
                    raise ValueError("storage.write(): etag missing")
                data = encode(_without_etag(item))
                new_etags[key] = str(await self._write_one(session, key, expected, data, now))
        # Only once the transaction committed: hand the new etags back to the callers' items.
        for key, item in changes.items():
            _set_etag(item, new_etags[key])

    async def _write_one(
        self, session: AsyncSession, key: str, expected: str | None, data: str, now: datetime
    ) -> int:
        if expected is not None and expected != "*":
            try:
                expected_int = int(expected)
            except ValueError:
                raise EtagConflict(f"etag conflict on {key!r}: unknown etag") from None
            done = await session.execute(
                _WRITE_IF,
                {"row_key": key, "expected": expected_int, "new_etag": expected_int + 1,
                 "new_data": data, "now": now},
            )
            if done.rowcount == 1:  # type: ignore[attr-defined]
                return expected_int + 1
            exists = await session.scalar(select(BotStateRow.etag).where(BotStateRow.key == key))
            if exists is not None:
                raise EtagConflict(f"etag conflict on {key!r}")
            # An etag for a row that does not exist (deleted meanwhile): write it fresh.
        current = await session.scalar(select(BotStateRow.etag).where(BotStateRow.key == key))
        if current is None:
            try:
                async with session.begin_nested():
                    await session.execute(
                        insert(BotStateRow).values(key=key, etag=1, data=data, updated_at=now)
                    )
                return 1
            except IntegrityError:
                current = await session.scalar(
                    select(BotStateRow.etag).where(BotStateRow.key == key)
                )
                if current is None:
                    raise
        await session.execute(
            update(BotStateRow)
            .where(BotStateRow.key == key)
            .values(etag=current + 1, data=data, updated_at=now)
        )
        return int(current) + 1

    async def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if not keys:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(delete(BotStateRow).where(BotStateRow.key.in_(keys)))


def _without_etag(item: Any) -> Any:
    if isinstance(item, dict) and "e_tag" in item:
        return {k: v for k, v in item.items() if k != "e_tag"}
    return item
