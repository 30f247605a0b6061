"""The bot state rows: versioned values under a key, with the Bot Framework's etag semantics.

``bot/framework/state.py`` adapts this to the SDK's ``Storage`` (the ``e_tag`` on items, handing the
new etag back); the SQL, the etag rules and the encoding of what is stored are here:

- A write naming an etag that is not the stored one fails (`EtagConflict`, a `KeyError` as the
  SDK's `MemoryStorage` raises); `"*"` or no etag overwrites; an empty etag is refused.
- The optimistic check is one conditional UPDATE (`WHERE etag = :expected`), not a read then a
  write, so two server instances writing the same conversation cannot both win.
- A batch of writes is one transaction: all of it is written or none.

Values are encoded with jsonpickle (the SDK's own choice for state hashing), and decoded only
for classes from an allow-list of modules: a tampered row cannot make us import arbitrary code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

import jsonpickle
from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import engine_of
from storage.models import BotStateRow

# What bot state holds: the SDK's dialog stack and prompt activities, our dialogs' own values.
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


class Versioned(NamedTuple):
    """A value and the etag it goes with: the stored one on a read; on a write the one it was
    read at (``None`` or ``"*"``: write whatever is there)."""

    value: Any
    etag: str | None


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


class BotStateStore:
    """The ``bot_state`` table, read and written by key."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._engine = engine_of(sessions)

    async def read(self, keys: Sequence[str]) -> dict[str, Versioned]:
        """Every turn reads its conversation's state: one key, on a plain connection (an ORM
        session and an expanding IN cost more than the read itself). Unknown keys are left out."""
        if not keys:
            return {}
        async with self._engine.connect() as connection:
            if len(keys) == 1:
                rows = (await connection.execute(_READ_ONE, {"read_key": keys[0]})).all()
            else:
                rows = (await connection.execute(_READ_MANY, {"read_keys": list(keys)})).all()
        return {key: Versioned(decode(data), str(etag)) for key, etag, data in rows}

    async def write(self, changes: Mapping[str, Versioned]) -> dict[str, str]:
        """Write every change or none; returns each key's new etag once the transaction committed."""
        if not changes:
            return {}
        now = datetime.now(UTC)
        new_etags: dict[str, str] = {}
        async with self._sessions() as session, session.begin():
            for key, (value, expected) in changes.items():
                if expected == "":
                    raise ValueError("storage.write(): etag missing")
                new_etags[key] = str(await self._write_one(session, key, expected, encode(value), now))
        return new_etags

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
        """Unknown keys are ignored."""
        keys = list(keys)
        if not keys:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(delete(BotStateRow).where(BotStateRow.key.in_(keys)))
