"""The recruiter's calendar: where the interview and the follow-up hold after it were put in the
recruiter's own calendar, so that a reschedule or a cancel withdraws them once, from there.

- `interviews.follow_up_event_id`: `<booking>|<mailbox>|<Graph event id, or "ics">`
  (services/effects/recruiter_calendar.py): the follow-up hold made through Graph, or our `.ics`
  mailed to the recruiter with the local calendar; cleared once withdrawn.

Numbered 0022 as assigned; it follows 0018, the head when it was merged with main.

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0018"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch: on SQLite a batch copies `interviews` into a new table and drops
# the old one, and the foreign keys' ON DELETE CASCADE would take every slot, job and booking with
# it. SQLite has ADD and DROP COLUMN itself (3.35+).


def upgrade() -> None:
    op.add_column("interviews", sa.Column("follow_up_event_id", sa.String(600), nullable=True))


def downgrade() -> None:
    op.drop_column("interviews", "follow_up_event_id")
