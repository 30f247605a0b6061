"""The built-in Direct Line channel's storage: conversations and their activities.

One conversation per invitation (reopening a link resumes it, and a stored conversation reference
stays valid). Each activity gets the next sequence number of its conversation; the sequence number
is the Direct Line *watermark* and the activity id is `<conversationId>|<seq:07d>`, as Azure's.

Sequence numbers are taken with a conditional `UPDATE ... SET last_seq = last_seq + 1` on the
conversation row in the same transaction as the insert: the row lock (PostgreSQL) or the database
lock (SQLite, `BEGIN IMMEDIATE`) is held until commit, so rows become visible in watermark order
and a reader never skips an activity that commits later with a lower number.

An updated activity is stored again under a new sequence number with the same activity id (so a
client watching the stream gets it re-sent); the older versions are marked `superseded` and left
out of what is served, so a replay shows each activity once, in its latest version.

Erasing an invitation (personal data) cascades to its conversation and every activity in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

SENDER_USER = "user"
SENDER_BOT = "bot"


class DirectLineConversation(Base):
    __tablename__ = "directline_conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    invitation_id: Mapped[str] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]


class DirectLineActivity(Base):
    __tablename__ = "directline_activities"

    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("directline_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    activity_id: Mapped[str] = mapped_column(String(100))
    sender: Mapped[str] = mapped_column(String(8))  # user | bot
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_directline_activities_activity_id", "conversation_id", "activity_id"),
    )


def activity_id_for(conversation_id: str, seq: int) -> str:
    return f"{conversation_id}|{seq:07d}"


@dataclass(frozen=True)
class StoredActivity:
    seq: int
    activity_id: str
    body: dict[str, Any]


async def get_conversation(session: AsyncSession, conversation_id: str) -> DirectLineConversation | None:
    return await session.get(DirectLineConversation, conversation_id)


async def conversation_for_invitation(
    session: AsyncSession,
    *,
    invitation_id: str,
    user_id: str,
    new_id: str,
    now: datetime,
) -> DirectLineConversation:
    """The invitation's conversation, created (committed) when it has none yet. Race-safe: the
    invitation id is unique, a concurrent creator's row wins and is returned."""
    found = await session.scalar(
        select(DirectLineConversation).where(DirectLineConversation.invitation_id == invitation_id)
    )
    if found is not None:
        return found
    row = DirectLineConversation(
        id=new_id, invitation_id=invitation_id, user_id=user_id, last_seq=0, created_at=now
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        winner: DirectLineConversation | None = await session.scalar(
            select(DirectLineConversation).where(
                DirectLineConversation.invitation_id == invitation_id
            )
        )
        if winner is None:
            raise
        return winner
    return row


async def mark_started(session: AsyncSession, conversation_id: str, now: datetime) -> bool:
    """True exactly once per conversation (the caller then greets); commits."""
    result = await session.execute(
        update(DirectLineConversation)
        .where(DirectLineConversation.id == conversation_id, DirectLineConversation.started_at.is_(None))
        .values(started_at=now)
    )
    await session.commit()
    return bool(getattr(result, "rowcount", 0))


async def _next_seq(session: AsyncSession, conversation_id: str) -> int | None:
    seq = await session.scalar(
        update(DirectLineConversation)
        .where(DirectLineConversation.id == conversation_id)
        .values(last_seq=DirectLineConversation.last_seq + 1)
        .returning(DirectLineConversation.last_seq)
    )
    return int(seq) if seq is not None else None


async def append_activity(
    session: AsyncSession,
    conversation_id: str,
    body: dict[str, Any],
    *,
    sender: str,
    now: datetime,
    activity_id: str | None = None,
) -> StoredActivity | None:
    """Store one activity (in the caller's transaction; the caller commits).

    Without `activity_id` the activity gets `<conversationId>|<seq>`; with one, it is an update:
    the earlier versions are superseded. `body["id"]` is set here. None: no such conversation.
    """
    seq = await _next_seq(session, conversation_id)
    if seq is None:
        return None
    new_id = activity_id or activity_id_for(conversation_id, seq)
    stored = dict(body)
    stored["id"] = new_id
    if activity_id is not None:
        await session.execute(
            update(DirectLineActivity)
            .where(
                DirectLineActivity.conversation_id == conversation_id,
                DirectLineActivity.activity_id == activity_id,
            )
            .values(superseded=True)
        )
    session.add(
        DirectLineActivity(
            conversation_id=conversation_id,
            seq=seq,
            activity_id=new_id,
            sender=sender,
            body=stored,
            superseded=False,
            created_at=now,
        )
    )
    await session.flush()
    return StoredActivity(seq, new_id, stored)


async def find_activity(
    session: AsyncSession, conversation_id: str, activity_id: str
) -> dict[str, Any] | None:
    row = await session.scalar(
        select(DirectLineActivity)
        .where(
            DirectLineActivity.conversation_id == conversation_id,
            DirectLineActivity.activity_id == activity_id,
            DirectLineActivity.superseded.is_(False),
        )
        .limit(1)
    )
    return dict(row.body) if row is not None else None


async def activities_after(
    session: AsyncSession,
    conversation_id: str,
    watermark: int,
    *,
    limit: int = 500,
) -> list[StoredActivity]:
    """Activities after `watermark`, in order, each in its latest version: an update has a higher
    sequence number than the version it supersedes, so a client past the old version gets the new
    one, and a client before both gets only the new one."""
    query = select(
        DirectLineActivity.seq, DirectLineActivity.activity_id, DirectLineActivity.body
    ).where(
        DirectLineActivity.conversation_id == conversation_id,
        DirectLineActivity.seq > watermark,
        DirectLineActivity.superseded.is_(False),
    )
    rows = await session.execute(query.order_by(DirectLineActivity.seq).limit(limit))
    return [StoredActivity(int(seq), str(aid), dict(body)) for seq, aid, body in rows]


async def last_seq(session: AsyncSession, conversation_id: str) -> int:
    value = await session.scalar(
        select(DirectLineConversation.last_seq).where(DirectLineConversation.id == conversation_id)
    )
    return int(value or 0)
