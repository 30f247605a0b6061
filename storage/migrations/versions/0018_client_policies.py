"""A configurable policy: a client contact's overrides of the agency's policy, and the policy each
interview runs under.

- `client_policies`: one row per version of a client's overrides (only the fields they change,
  as text: ``scheduling.policy``), with who set it and when; a stored version is never changed,
  so the versions are the overrides' history.
- `interviews.policy`: the policy the interview was requested under (its source and every value),
  which all its due times use. Interviews from before have none: they run under the agency's.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_policies",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("overrides", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("party_id", "version", name="uq_client_policies_party_version"),
    )
    # Not in batch mode: on SQLite that recreates `interviews`, and the rows referring to it
    # (ON DELETE CASCADE) would go with the old table.
    op.add_column("interviews", sa.Column("policy", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("interviews", "policy")  # SQLite 3.35+ drops a column in place
    op.drop_table("client_policies")
