"""Teams member profiles: who installed the app or talked to the bot in a personal chat.

- `teams_profiles`: one row per Teams user (their ``29:`` id), with what Teams' member profile
  says of them (Entra object id, tenant, e-mail, user principal name; lower-case, no name) and
  their personal chat's conversation reference, so that a client contact or a recruiter named
  later by e-mail is reached in that chat.

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_profiles",
        sa.Column("teams_user_id", sa.String(200), primary_key=True),
        sa.Column("aad_object_id", sa.String(64), nullable=True),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("user_principal_name", sa.String(320), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=True),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_teams_profiles_aad_object_id", "teams_profiles", ["aad_object_id"])
    op.create_index("ix_teams_profiles_email", "teams_profiles", ["email"])
    op.create_index("ix_teams_profiles_user_principal_name", "teams_profiles", ["user_principal_name"])


def downgrade() -> None:
    op.drop_table("teams_profiles")
