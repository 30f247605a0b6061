"""Holds of offered slots: `slots.hold_event_id`, the tentative event that holds a hand-offered
slot in the client's calendar while it is on offer (Microsoft Graph only; NULL with the local
calendar, for a slot never held, and once the hold is deleted).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("slots", sa.Column("hold_event_id", sa.String(300), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite ≥ 3.35 has it): rebuilding `slots` in batch mode would drop and
    # recreate a table that bookings reference.
    op.drop_column("slots", "hold_event_id")
