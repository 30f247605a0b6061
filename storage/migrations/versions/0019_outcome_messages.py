"""Outcomes: the messages a decision implies, and a rejected candidate's retention start.

- `outcome_messages`: one draft per decision and recipient role (candidate, client), edited and
  sent by the recruiter only; `sent_at` is set once.
- `interview_outcomes.retention_from`: when a rejected candidate's data-retention clock started.

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0019"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_messages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("drafted_at", UtcDateTime(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("sent_by", sa.String(32), nullable=True),
        sa.UniqueConstraint("interview_id", "decision", "role", name="uq_outcome_messages_decision_role"),
    )
    with op.batch_alter_table("interview_outcomes") as batch:
        batch.add_column(sa.Column("retention_from", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interview_outcomes") as batch:
        batch.drop_column("retention_from")
    op.drop_table("outcome_messages")
