"""The tracker's signed-in sessions (table `tracker_sessions`, migration 0008).

A session id is 256 random bits held only by the recruiter's browser; the table keys each row by
the id's SHA-256, so a copy of the database opens no session.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import TrackerSession


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionHolder:
    """Who a live session belongs to, as stored at sign-in."""

    display_name: str
    email: str | None = None
    object_id: str | None = None
    party_id: str | None = None
    zone: str | None = None


def _clip(value: str | None, width: int) -> str | None:
    # Names and addresses come from the identity provider; the columns' widths hold on every database.
    return value[:width] if value is not None else None


async def open_session(
    sessions: async_sessionmaker[AsyncSession], session_id: str, holder: SessionHolder, *,
    now: datetime, expires_at: datetime,
) -> None:
    """Store a new session, and delete the ones that have expired (nobody can use them again)."""
    async with sessions.begin() as session:
        await session.execute(delete(TrackerSession).where(TrackerSession.expires_at <= now))
        session.add(
            TrackerSession(
                id_hash=_hash(session_id),
                display_name=_clip(holder.display_name, 200) or "Recruiter",
                email=_clip(holder.email, 320),
                object_id=_clip(holder.object_id, 64),
                party_id=holder.party_id,
                zone=_clip(holder.zone, 64),
                created_at=now,
                expires_at=expires_at,
            )
        )


async def live_session(
    sessions: async_sessionmaker[AsyncSession], session_id: str, *, now: datetime
) -> SessionHolder | None:
    """The holder of a session that is neither revoked nor expired, else None."""
    async with sessions() as session:
        row = await session.scalar(
            select(TrackerSession).where(
                TrackerSession.id_hash == _hash(session_id),
                TrackerSession.revoked_at.is_(None),
                TrackerSession.expires_at > now,
            )
        )
    if row is None:
        return None
    return SessionHolder(row.display_name, row.email, row.object_id, row.party_id, row.zone)


async def revoke_session(
    sessions: async_sessionmaker[AsyncSession], session_id: str, *, now: datetime
) -> bool:
    """End a session on the server; False when it was already ended (or never existed)."""
    async with sessions.begin() as session:
        result = await session.execute(
            update(TrackerSession)
            .where(TrackerSession.id_hash == _hash(session_id), TrackerSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    return bool(getattr(result, "rowcount", 0))
