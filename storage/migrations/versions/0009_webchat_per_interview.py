"""One web chat conversation per interview and party: `webchat_references`.

A party's web chat reference used to be one key of `parties.conversation_reference`
(``"webchat"``), the latest chat whatever its interview, so a card about one interview landed in
the chat of another and was refused there. Each stored one moves to the interview of the
invitation its chat is bound to (the chat user is ``inv-<invitation id>``); one whose invitation
is unknown, or belongs to someone else, is dropped (it could only reach the wrong chat).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.db import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

WEBCHAT = "webchat"
USER_PREFIX = "inv-"

parties = sa.table(
    "parties", sa.column("id", sa.String), sa.column("conversation_reference", sa.JSON)
)
invitations = sa.table(
    "invitations",
    sa.column("id", sa.String), sa.column("interview_id", sa.String), sa.column("party_id", sa.String),
)
references = sa.table(
    "webchat_references",
    sa.column("interview_id", sa.String), sa.column("party_id", sa.String),
    sa.column("reference", sa.JSON), sa.column("updated_at", UtcDateTime()),
)


def _user_id(reference: dict[str, Any]) -> str:
    user = reference.get("user") or {}
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def upgrade() -> None:
    op.create_table(
        "webchat_references",
        sa.Column("interview_id", sa.String(32), sa.ForeignKey("interviews.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("party_id", sa.String(32), sa.ForeignKey("parties.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_webchat_references_party_id", "webchat_references", ["party_id"])

    connection = op.get_bind()
    now = datetime.now(UTC)
    for party_id, refs in connection.execute(sa.select(parties.c.id, parties.c.conversation_reference)):
        if not isinstance(refs, dict) or WEBCHAT not in refs:
            continue
        reference = refs.pop(WEBCHAT)
        user_id = _user_id(reference) if isinstance(reference, dict) else ""
        if user_id.startswith(USER_PREFIX):
            interview_id = connection.scalar(
                sa.select(invitations.c.interview_id).where(
                    invitations.c.id == user_id[len(USER_PREFIX):], invitations.c.party_id == party_id
                )
            )
            if interview_id is not None:
                connection.execute(
                    references.insert().values(
                        interview_id=interview_id, party_id=party_id, reference=reference, updated_at=now
                    )
                )
        connection.execute(
            parties.update().where(parties.c.id == party_id).values(conversation_reference=refs or None)
        )


def downgrade() -> None:
    # Back to one web chat per party: the newest of each party's.
    connection = op.get_bind()
    latest: dict[str, dict[str, Any]] = {}
    for party_id, reference in connection.execute(
        sa.select(references.c.party_id, references.c.reference).order_by(references.c.updated_at)
    ):
        latest[party_id] = reference
    for party_id, reference in latest.items():
        refs = connection.scalar(
            sa.select(parties.c.conversation_reference).where(parties.c.id == party_id)
        )
        refs = dict(refs or {})
        refs[WEBCHAT] = reference
        connection.execute(
            parties.update().where(parties.c.id == party_id).values(conversation_reference=refs)
        )
    op.drop_index("ix_webchat_references_party_id", table_name="webchat_references")
    op.drop_table("webchat_references")
