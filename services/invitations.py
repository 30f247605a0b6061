"""Invitation links: 256 random bits, stored as a SHA-256, scoped to one interview and one party,
expiring and revocable (``docs/architecture.md``, "Rules that hold everywhere"). A GET of a link
only shows a page; changes are POSTs.

A web chat session opened from an invitation is bound to it: the chat user id is
`inv-<invitation id>` (set by the server, never by the browser), and the bot resolves the party
from that id on every turn.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.errors import DomainError
from scheduling.interview import Role
from storage.models import Invitation

WEBCHAT_USER_PREFIX = "inv-"


class InvitationInvalid(DomainError):
    """An unknown, expired or revoked invitation link."""


@dataclass(frozen=True)
class InvitationGrant:
    invitation_id: str
    interview_id: str
    party_id: str
    role: Role

    @property
    def webchat_user_id(self) -> str:
        return WEBCHAT_USER_PREFIX + self.invitation_id


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def create_invitation(
    session: AsyncSession,
    *,
    interview_id: str,
    party_id: str,
    role: Role,
    now: datetime,
    ttl: timedelta,
) -> str:
    """Add an invitation in the caller's transaction; returns the raw token (shown once)."""
    token = new_token()
    session.add(
        Invitation(
            interview_id=interview_id,
            party_id=party_id,
            role=role.value,
            token_hash=hash_token(token),
            expires_at=now + ttl,
            created_at=now,
        )
    )
    return token


_Fields = Invitation | Row[Any]


def _grant(row: _Fields) -> InvitationGrant:
    return InvitationGrant(row.id, row.interview_id, row.party_id, Role(row.role))


def _usable(row: _Fields | None, now: datetime) -> _Fields:
    if row is None:
        raise InvitationInvalid("This link is not valid. Please use the latest link we sent you.")
    if row.revoked_at is not None:
        raise InvitationInvalid(
            "This link has been withdrawn. Please use the latest link we sent you."
        )
    if row.expires_at <= now:
        raise InvitationInvalid(
            "This link has expired. Ask your recruiter for a new one."
        )
    return row


async def resolve_invitation(session: AsyncSession, token: str, now: datetime) -> InvitationGrant:
    if not token or len(token) > 200:
        raise InvitationInvalid("This link is not valid. Please use the latest link we sent you.")
    row = await session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    return _grant(_usable(row, now))


# Read on every web chat turn (and every Direct Line call): built once (see services/scheduling.py).
_BY_ID = select(
    Invitation.id, Invitation.interview_id, Invitation.party_id, Invitation.role,
    Invitation.expires_at, Invitation.revoked_at,
).where(Invitation.id == bindparam("id"))


async def grant_for_webchat_user(
    session: AsyncSession, user_id: str | None, now: datetime
) -> InvitationGrant | None:
    """The invitation a web chat user is bound to, or None if the id is not one of ours."""
    if not user_id or not user_id.startswith(WEBCHAT_USER_PREFIX):
        return None
    connection = await session.connection()
    row = (await connection.execute(_BY_ID, {"id": user_id[len(WEBCHAT_USER_PREFIX) :]})).first()
    try:
        return _grant(_usable(row, now))
    except InvitationInvalid:
        return None


async def revoke_invitations(session: AsyncSession, party_ids: Sequence[str], now: datetime) -> int:
    """Revoke every live invitation of these parties (a candidate's erasure): their links and the
    web chats bound to them stop working at once. Returns how many were revoked."""
    result = await session.execute(
        update(Invitation)
        .where(Invitation.party_id.in_(list(party_ids)), Invitation.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
