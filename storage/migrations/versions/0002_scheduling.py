"""Scheduling: interviews, offered slots, bookings, invitations, the job queue, the audit trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "interviews",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("role_title", sa.String(200), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("location", sa.String(500)),
        sa.Column("notes", sa.Text()),
        sa.Column("stage", sa.String(24), nullable=False),
        sa.Column("recruiter_id", sa.String(32), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("client_id", sa.String(32), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("candidate_id", sa.String(32), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("candidate_windows", sa.JSON()),
        sa.Column("deadline", UtcDateTime()),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("previous_interview_id", sa.String(32)),
        sa.Column("starts_at", UtcDateTime()),
        sa.Column("ends_at", UtcDateTime()),
        sa.Column("calendar_event_id", sa.String(300)),
        sa.Column("join_url", sa.String(1000)),
        sa.Column("ics_sequence", sa.Integer(), nullable=False),
        sa.Column("reschedule_count", sa.Integer(), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("booked_at", UtcDateTime()),
        sa.Column("stage_changed_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    for column in ("stage", "starts_at", "client_id", "recruiter_id", "requested_at"):
        op.create_index(f"ix_interviews_{column}", "interviews", [column])

    op.create_table(
        "slots",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("offer_round", sa.Integer(), nullable=False),
        sa.Column("start", UtcDateTime(), nullable=False),
        sa.Column("end", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_slots_interview_id", "slots", ["interview_id"])

    op.create_table(
        "bookings",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "slot_id", sa.String(32), sa.ForeignKey("slots.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("client_id", sa.String(32), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("start", UtcDateTime(), nullable=False),
        sa.Column("end", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("cancelled_at", UtcDateTime()),
    )
    active = sa.text("status = 'active'")
    # One active booking per slot and per interview, whatever the concurrency.
    op.create_index(
        "uq_bookings_active_slot", "bookings", ["slot_id"], unique=True,
        sqlite_where=active, postgresql_where=active,
    )
    op.create_index(
        "uq_bookings_active_interview", "bookings", ["interview_id"], unique=True,
        sqlite_where=active, postgresql_where=active,
    )
    op.create_index("ix_bookings_client_start", "bookings", ["client_id", "start"])
    if dialect == "postgresql":
        # No two active bookings of one client overlap: a half-open range exclusion constraint.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_client_overlap EXCLUDE USING gist "
            "(client_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) WHERE (status = 'active')"
        )
    elif dialect == "sqlite":
        op.execute(
            """
            CREATE TRIGGER bookings_no_client_overlap
            BEFORE INSERT ON bookings WHEN NEW.status = 'active'
            BEGIN
              SELECT RAISE(ABORT, 'ex_bookings_client_overlap')
              WHERE EXISTS (
                SELECT 1 FROM bookings b
                WHERE b.client_id = NEW.client_id AND b.status = 'active'
                  AND b.start < NEW."end" AND b."end" > NEW.start
              );
            END
            """
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_used_at", UtcDateTime()),
    )

    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("interview_id", sa.String(32)),
        sa.Column("role", sa.String(16)),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("locked_until", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime()),
    )
    op.create_index("ix_jobs_status_due_at", "jobs", ["status", "due_at"])
    op.create_index("ix_jobs_interview_id", "jobs", ["interview_id"])

    op.create_table(
        "audit_events",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor_role", sa.String(16)),
        sa.Column("actor_party_id", sa.String(32)),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_events_interview_id_at", "audit_events", ["interview_id", "at"])


def downgrade() -> None:
    for table in ("audit_events", "jobs", "invitations", "bookings", "slots", "interviews"):
        op.drop_table(table)
