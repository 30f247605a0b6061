"""The built-in Direct Line channel: conversations (one per invitation) and their activities.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directline_conversations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "invitation_id",
            sa.String(32),
            sa.ForeignKey("invitations.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("started_at", UtcDateTime()),
    )
    op.create_table(
        "directline_activities",
        sa.Column(
            "conversation_id",
            sa.String(64),
            sa.ForeignKey("directline_conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("activity_id", sa.String(100), nullable=False),
        sa.Column("sender", sa.String(8), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index(
        "ix_directline_activities_activity_id",
        "directline_activities",
        ["conversation_id", "activity_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_directline_activities_activity_id", table_name="directline_activities")
    op.drop_table("directline_activities")
    op.drop_table("directline_conversations")
