"""The tracker: revocable iCalendar feed tokens (hashed), and an index for the overdue rules.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "recruiter_id", sa.String(32), sa.ForeignKey("parties.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("revoked_at", UtcDateTime()),
    )
    op.create_index("ix_feed_tokens_recruiter_id", "feed_tokens", ["recruiter_id"])
    # The overdue rules read "in stage X since before T": one range scan per stage.
    op.create_index("ix_interviews_stage_changed", "interviews", ["stage", "stage_changed_at"])


def downgrade() -> None:
    op.drop_index("ix_interviews_stage_changed", table_name="interviews")
    op.drop_index("ix_feed_tokens_recruiter_id", table_name="feed_tokens")
    op.drop_table("feed_tokens")
