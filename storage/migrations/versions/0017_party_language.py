"""The language a party reads: `parties.language` ("es"; cards/i18n.py LANGUAGES), set by the API
(`candidate.language`, `client.language`) or from the chat's `locale` the first time they talk;
NULL: not known (their cards, messages and e-mails are in English).

Revision ID: 0017
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0019"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, also on SQLite (3.35+ drops a column in place): a batch operation would
# copy `parties`, and dropping the old table fails while other tables' foreign keys point at it.
def upgrade() -> None:
    op.add_column("parties", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("parties", "language")
