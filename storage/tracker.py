"""The tracker's own tables (migration 0005): revocable iCalendar feed tokens, and the index the
overdue rules read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, Interview, new_id


class FeedToken(Base):
    """A secret iCalendar feed URL of one recruiter's interviews. Only a SHA-256 of the token is
    stored; revoking sets `revoked_at`."""

    __tablename__ = "feed_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    recruiter_id: Mapped[str] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_feed_tokens_recruiter_id", "recruiter_id"),)


# "In stage X since before T": one range scan per stage for the overdue rules.
Index("ix_interviews_stage_changed", Interview.stage, Interview.stage_changed_at)
