"""Who is talking: the party our records say sent an activity, and how to reach them later.

Teams users are matched by their AAD object id (or Teams user id); web chat users by the
invitation their chat session is bound to (`inv-<invitation id>`, set by the server). A card's
own fields never decide who someone is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.interview import Role
from services.invitations import InvitationGrant, grant_for_webchat_user
from services.scheduling import Actor
from storage.models import Interview, Party

WEBCHAT_CHANNELS = frozenset({"directline", "webchat"})


@dataclass(frozen=True)
class Sender:
    """What an activity says about its sender (filled by the bot edge from the activity)."""

    channel_id: str
    user_id: str | None
    aad_object_id: str | None
    name: str | None
    tenant_id: str | None = None


async def actor_for(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    interview_id: str | None,
    now: datetime,
) -> Actor | None:
    """The actor this sender is for `interview_id` (None: a stranger to that interview)."""
    async with sessions() as session:
        if sender.channel_id in WEBCHAT_CHANNELS:
            grant = await grant_for_webchat_user(session, sender.user_id, now)
            if grant is None:
                return None
            if interview_id is not None and grant.interview_id != interview_id:
                return None
            return Actor(grant.role, grant.party_id, grant.interview_id)
        if interview_id is None:
            return None
        interview = await session.get(Interview, interview_id)
        if interview is None:
            return None
        parties = await _teams_parties(session, sender)
        for party in parties:
            for role, party_id in (
                (Role.CLIENT, interview.client_id),
                (Role.CANDIDATE, interview.candidate_id),
                (Role.RECRUITER, interview.recruiter_id),
            ):
                if party.id == party_id:
                    return Actor(role, party.id)
        return None


async def webchat_grant(
    sessions: async_sessionmaker[AsyncSession], sender: Sender, now: datetime
) -> InvitationGrant | None:
    if sender.channel_id not in WEBCHAT_CHANNELS:
        return None
    async with sessions() as session:
        return await grant_for_webchat_user(session, sender.user_id, now)


async def _teams_parties(session: AsyncSession, sender: Sender) -> list[Party]:
    conditions = []
    if sender.aad_object_id:
        conditions.append(Party.aad_object_id == sender.aad_object_id)
    if sender.user_id:
        conditions.append(Party.teams_user_id == sender.user_id)
    if not conditions:
        return []
    return list(await session.scalars(select(Party).where(or_(*conditions))))


async def remember_conversation(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    reference: dict[str, Any],
    now: datetime,
) -> None:
    """Keep the latest conversation reference of each known party, per channel kind, so that
    proactive messages reach them where they last talked to us."""
    key = "webchat" if sender.channel_id in WEBCHAT_CHANNELS else "teams"
    async with sessions() as session, session.begin():
        if key == "webchat":
            grant = await grant_for_webchat_user(session, sender.user_id, now)
            parties = [await session.get_one(Party, grant.party_id)] if grant else []
        else:
            parties = await _teams_parties(session, sender)
        for party in parties:
            refs = dict(party.conversation_reference or {})
            if refs.get(key) != reference:
                refs[key] = reference
                party.conversation_reference = refs
            if key == "teams" and sender.tenant_id and not party.tenant_id:
                party.tenant_id = sender.tenant_id


async def recruiter_id_for(
    sessions: async_sessionmaker[AsyncSession], sender: Sender
) -> str | None:
    """The recruiter party this Teams (or Emulator) sender is, or None for anyone else."""
    if sender.channel_id in WEBCHAT_CHANNELS:
        return None
    async with sessions() as session:
        for party in await _teams_parties(session, sender):
            if party.kind == "recruiter":
                return party.id
    return None
