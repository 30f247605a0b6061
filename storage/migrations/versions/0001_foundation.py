"""Foundation: parties and bot state.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("organisation", sa.String(200)),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("aad_object_id", sa.String(64)),
        sa.Column("tenant_id", sa.String(64)),
        sa.Column("teams_user_id", sa.String(200)),
        sa.Column("conversation_reference", sa.JSON()),
        sa.Column("erased_at", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_parties_aad_object_id", "parties", ["aad_object_id"])
    op.create_index("ix_parties_email", "parties", ["email"])
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("etag", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bot_state")
    op.drop_index("ix_parties_email", "parties")
    op.drop_index("ix_parties_aad_object_id", "parties")
    op.drop_table("parties")
