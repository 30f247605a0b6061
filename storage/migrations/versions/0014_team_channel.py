"""The team's channel: a team the bot was removed from, and which post made each thread.

- `recruiting_teams.removed_at`: when the bot was removed from the Teams team (or the team was
  deleted or archived); nothing is posted to a removed team's channel.
- `interview_threads.root_key`: the delivery key of the post that made the thread, so that a
  retried root post knows the thread is its own and posts nothing twice. A thread whose
  `activity_id` is empty is being made by that post; the others wait for it.

Numbered 0014 as planned for this change; it follows 0015 (teams profiles), which landed first.

Revision ID: 0014
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0014"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recruiting_teams") as batch:
        batch.add_column(sa.Column("removed_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("interview_threads") as batch:
        batch.add_column(sa.Column("root_key", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interview_threads") as batch:
        batch.drop_column("root_key")
    with op.batch_alter_table("recruiting_teams") as batch:
        batch.drop_column("removed_at")
