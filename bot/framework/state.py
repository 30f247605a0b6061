"""The Bot Framework `Storage` behind ConversationState and UserState, on the bot state rows.

The SQL, the etag rules and the allow-list for stored classes are ``storage/bot_state.py``'s; this
is the SDK's side of it. An item is a dict or an object (``StoreItem``) carrying its etag in
``e_tag``; the etag is taken off before the value is stored and put back on what is read. After a
write the new etag is handed back into the caller's item, so the next write in the same turn does
not conflict with itself.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import Storage, StoreItem
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.bot_state import BotStateStore, Versioned


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


def _without_etag(item: Any) -> Any:
    if isinstance(item, dict) and "e_tag" in item:
        return {k: v for k, v in item.items() if k != "e_tag"}
    return item


class SqlAlchemyStorage(Storage):  # type: ignore[misc]
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self._rows = BotStateStore(sessions)

    async def read(self, keys: list[str]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, (value, etag) in (await self._rows.read(keys)).items():
            if etag is not None:
                _set_etag(value, etag)
            result[key] = value
        return result

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required when writing")
        new_etags = await self._rows.write(
            {key: Versioned(_without_etag(item), _get_etag(item)) for key, item in changes.items()}
        )
        # Only once the transaction committed: hand the new etags back to the callers' items.
        for key, item in changes.items():
            _set_etag(item, new_etags[key])

    async def delete(self, keys: list[str]) -> None:
        await self._rows.delete(keys)
