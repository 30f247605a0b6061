"""After the interview: feedback from both sides, and the outcome (no-show, summary, decision).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("edits", sa.Integer(), nullable=False),
        sa.UniqueConstraint("interview_id", "role", name="uq_feedback_interview_role"),
    )
    op.create_table(
        "interview_outcomes",
        sa.Column(
            "interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("no_show", sa.String(16)),
        sa.Column("no_show_reported_by", sa.String(32)),
        sa.Column("no_show_reported_role", sa.String(16)),
        sa.Column("no_show_reported_at", UtcDateTime()),
        sa.Column("summary_at", UtcDateTime()),
        sa.Column("window_closed", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(16)),
        sa.Column("decided_by", sa.String(32)),
        sa.Column("decided_at", UtcDateTime()),
        sa.Column("next_interview_id", sa.String(32)),
    )


def downgrade() -> None:
    op.drop_table("interview_outcomes")
    op.drop_table("feedback")
