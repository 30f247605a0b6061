"""Reschedules: per-party counts and the time an interview was moved away from.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "interview_changes",
        sa.Column(
            "interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("by_client", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("by_candidate", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("by_recruiter", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("previous_start", UtcDateTime()),
        sa.Column("previous_end", UtcDateTime()),
        sa.Column("last_by", sa.String(16)),
        sa.Column("last_reason", sa.Text()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("interview_changes")
