"""Booking pages: `booking_pages`, one row per version of a client contact's page.

A change of a page adds the next version and never alters a stored one (an interview keeps the
page it was booked under), so the unique (party_id, version) is also what two concurrent changes
of one page meet on.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_pages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("page", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("party_id", "version", name="uq_booking_pages_party_version"),
    )


def downgrade() -> None:
    op.drop_table("booking_pages")
