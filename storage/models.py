"""SQLAlchemy models. Times are UTC (`UtcDateTime`); ids are random UUID strings."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.db import UtcDateTime


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON}


class Party(Base):
    """A person askARSAN talks to: a recruiter, a client contact or a candidate.

    The channel identities say how to reach them: a Teams conversation reference (with the
    tenant id read from `channelData`, DESIGN.md §6) and/or an e-mail address for the
    web chat link.
    """

    __tablename__ = "parties"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(16))  # recruiter | client | candidate
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    organisation: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    aad_object_id: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    teams_user_id: Mapped[str | None] = mapped_column(String(200))
    conversation_reference: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_parties_aad_object_id", "aad_object_id"),
        Index("ix_parties_email", "email"),
    )


class BotStateRow(Base):
    """Bot Framework state (conversation, user, dialog stacks) with an etag for optimistic writes."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    etag: Mapped[int] = mapped_column(Integer)
    data: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


__all__ = ["Base", "BotStateRow", "Party", "new_id"]
