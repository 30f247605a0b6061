"""Panels and the recruiting team.

- `interview_interviewers`: the client-side interviewers of an interview, each required or
  optional, in the order the recruiter gave them. The first is the interview's client contact
  (`interviews.client_id`, kept as the lead: the one who owns the booking page and answers for
  the client side); every existing interview gets that one row.
- `bookings` holds one active row per interviewer who attends a booked time, so the overlap
  constraint of migration 0002 (per `client_id`, which is the interviewer) keeps every
  interviewer from being double-booked; the two partial unique indexes become per interviewer.
- `feedback` is one row per interview and party (each interviewer answers on their own), not
  per role.
- `interview_recruiters`: the co-recruiters of an interview (the owner stays
  `interviews.recruiter_id`).
- `recruiting_teams` and `team_members`: a team of recruiters, and the Teams team and channel it
  chose for its threads; `interview_threads`: the channel thread of each interview.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    op.create_table(
        "interview_interviewers",
        sa.Column("interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id"), primary_key=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index("ix_interview_interviewers_party_id", "interview_interviewers", ["party_id"])
    op.execute(
        "INSERT INTO interview_interviewers (interview_id, party_id, required, position) "
        "SELECT id, client_id, true, 0 FROM interviews"
    )

    op.drop_index("uq_bookings_active_slot", table_name="bookings")
    op.drop_index("uq_bookings_active_interview", table_name="bookings")
    op.create_index(
        "uq_bookings_active_slot", "bookings", ["slot_id", "client_id"], unique=True,
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )
    op.create_index(
        "uq_bookings_active_interview", "bookings", ["interview_id", "client_id"], unique=True,
        sqlite_where=ACTIVE, postgresql_where=ACTIVE,
    )

    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("uq_feedback_interview_role", type_="unique")
        batch.create_unique_constraint("uq_feedback_interview_party", ["interview_id", "party_id"])

    op.create_table(
        "interview_recruiters",
        sa.Column("interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id"), primary_key=True),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_interview_recruiters_party_id", "interview_recruiters", ["party_id"])

    op.create_table(
        "recruiting_teams",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("teams_team_id", sa.String(200), nullable=True, unique=True),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("service_url", sa.String(500), nullable=True),
        sa.Column("channel_id", sa.String(200), nullable=True),
        sa.Column("channel_name", sa.String(200), nullable=True),
        sa.Column("share_feedback_text", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", sa.String(32), sa.ForeignKey("recruiting_teams.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("added_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_team_members_party_id", "team_members", ["party_id"])
    op.create_table(
        "interview_threads",
        sa.Column("interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("team_id", sa.String(32), sa.ForeignKey("recruiting_teams.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("conversation_id", sa.String(500), nullable=False),
        sa.Column("activity_id", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("interview_threads")
    op.drop_index("ix_team_members_party_id", table_name="team_members")
    op.drop_table("team_members")
    op.drop_table("recruiting_teams")
    op.drop_index("ix_interview_recruiters_party_id", table_name="interview_recruiters")
    op.drop_table("interview_recruiters")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint("uq_feedback_interview_party", type_="unique")
        batch.create_unique_constraint("uq_feedback_interview_role", ["interview_id", "role"])
    op.execute("UPDATE bookings SET status = 'cancelled' WHERE status = 'active' AND client_id NOT IN "
               "(SELECT client_id FROM interviews WHERE interviews.id = bookings.interview_id)")
    op.drop_index("uq_bookings_active_slot", table_name="bookings")
    op.drop_index("uq_bookings_active_interview", table_name="bookings")
    op.create_index("uq_bookings_active_slot", "bookings", ["slot_id"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_index("uq_bookings_active_interview", "bookings", ["interview_id"], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.drop_index("ix_interview_interviewers_party_id", table_name="interview_interviewers")
    op.drop_table("interview_interviewers")
