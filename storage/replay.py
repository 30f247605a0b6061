"""Replayed activities: Teams (and any channel) may deliver the same activity again when a request
was slow. A card submit is claimed by its key before it is acted on; a second delivery finds the
claim and is ignored. The claims live in the bot-state table (a key-value store for the bot's
runtime state), one primary-key INSERT each, so a claim is atomic on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import engine_of
from storage.models import BotStateRow

PREFIX = "replay|"
KEEP = timedelta(days=2)  # far longer than any channel retries


_CLAIM = insert(BotStateRow)  # built once: every card submit claims (see services/scheduling.py)


async def claim(sessions: async_sessionmaker[AsyncSession], key: str, now: datetime) -> bool:
    """True if this is the first delivery of `key`; False for a replay."""
    try:
        async with engine_of(sessions).begin() as connection:  # one INSERT: no ORM session
            await connection.execute(
                _CLAIM, {"key": PREFIX + key[:480], "etag": 0, "data": "{}", "updated_at": now}
            )
        return True
    except IntegrityError:
        return False


async def release(sessions: async_sessionmaker[AsyncSession], key: str) -> None:
    """Forget a claim whose turn failed, so that the channel's retry is acted on."""
    async with sessions() as session, session.begin():
        await session.execute(delete(BotStateRow).where(BotStateRow.key == PREFIX + key[:480]))


async def forget_old(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with sessions() as session, session.begin():
        done = await session.execute(
            delete(BotStateRow).where(
                BotStateRow.key.startswith(PREFIX), BotStateRow.updated_at < now - KEEP
            )
        )
        return int(done.rowcount or 0)  # type: ignore[attr-defined]
