"""A feed token's scope: the recruiter's own interviews (owned or co-recruited), or their team's
(every interview whose owner or a co-recruiter shares a team with them). Existing feeds keep
covering the recruiter's own.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_tokens") as batch:
        batch.add_column(sa.Column("scope", sa.String(16), nullable=False, server_default="mine"))


def downgrade() -> None:
    with op.batch_alter_table("feed_tokens") as batch:
        batch.drop_column("scope")
