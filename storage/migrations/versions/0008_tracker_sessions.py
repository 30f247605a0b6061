"""The tracker's server-side sessions: signing out (and expiry) end a session on the server.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tracker_sessions",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("object_id", sa.String(64)),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id", ondelete="SET NULL")),
        sa.Column("zone", sa.String(64)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime()),
    )
    op.create_index("ix_tracker_sessions_expires_at", "tracker_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_tracker_sessions_expires_at", table_name="tracker_sessions")
    op.drop_table("tracker_sessions")
