"""Who is talking: the party our records say sent an activity, and how to reach them later.

Teams users are matched by their AAD object id (or Teams user id); web chat users by the
invitation their chat session is bound to (`inv-<invitation id>`, set by the server). A card's
own fields never decide who someone is.
"""

from __future__ import annotations

import json
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.directory import TeamsDirectory, TeamsUser
from scheduling.errors import DomainError
from scheduling.interview import Role
from scheduling.zones import zone
from services.context import ServiceContext
from services.core import Actor, InvalidRequest, audit, check_actor, co_recruiter_of
from services.invitations import InvitationGrant, grant_for_webchat_user, resolve_invitation
from storage.models import Interview, InterviewInterviewer, Party, WebChatReference

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
        for party in parties:
            # A panel's other interviewers act in the client's role (their feedback, their cards).
            seat = await session.get(InterviewInterviewer, (interview.id, party.id))
            if seat is not None:
                return Actor(Role.CLIENT, party.id)
            # A co-recruiter acts as the interview's recruiter, as its owner does.
            if party.kind == "recruiter" and await co_recruiter_of(
                session, interview, Actor(Role.RECRUITER, party.id)
            ):
                return Actor(Role.RECRUITER, party.id)
        return None


async def webchat_grant(
    sessions: async_sessionmaker[AsyncSession], sender: Sender, now: datetime
) -> InvitationGrant | None:
    if sender.channel_id not in WEBCHAT_CHANNELS:
        return None
    async with sessions() as session:
        return await grant_for_webchat_user(session, sender.user_id, now)


# A Teams (or Emulator) sender is the party with their AAD object id or their Teams user id. Built
# once (see services/scheduling.py); a null id matches no row (`= NULL` is never true).
_IS_TEAMS_USER = or_(Party.aad_object_id == bindparam("aad"), Party.teams_user_id == bindparam("user"))
_TEAMS_PARTIES = select(Party).where(_IS_TEAMS_USER)


def _teams_user(sender: Sender) -> dict[str, str | None]:
    return {"aad": sender.aad_object_id or None, "user": sender.user_id or None}


async def _teams_parties(session: AsyncSession, sender: Sender) -> list[Party]:
    return list(await session.scalars(_TEAMS_PARTIES, _teams_user(sender)))


# How long this instance trusts what it last stored for a sender before it looks again. Within it
# an unchanged reference costs nothing; a changed one is always written at once. Another instance
# (or an erasure) changing the stored reference is seen by this one after at most this long.
REFERENCE_CACHE_TTL = 30.0
REFERENCE_CACHE_SIZE = 4096


class ReferenceCache:
    """The reference this instance last stored (or found already stored) per sender and channel
    kind, so that a turn whose reference has not changed costs no database round trip.

    Bounded (least recently used entries go first) and time-limited (`ttl`): it only ever skips
    a write this instance has itself made or checked within `ttl` seconds. Senders who are no
    party of ours are never cached: a party created meanwhile (a recruiter's first request, or
    on another instance) is found on their next turn.
    """

    def __init__(
        self,
        max_entries: int = REFERENCE_CACHE_SIZE,
        ttl: float = REFERENCE_CACHE_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[Hashable, tuple[str, float]] = OrderedDict()
        self._max = max_entries
        self._ttl = ttl
        self._clock = clock

    def __len__(self) -> int:
        return len(self._entries)

    def fresh(self, slot: Hashable, fingerprint: str) -> bool:
        entry = self._entries.get(slot)
        if entry is None:
            return False
        stored, until = entry
        if stored != fingerprint or self._clock() >= until:
            del self._entries[slot]
            return False
        self._entries.move_to_end(slot)
        return True

    def put(self, slot: Hashable, fingerprint: str) -> None:
        self._entries[slot] = (fingerprint, self._clock() + self._ttl)
        self._entries.move_to_end(slot)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()


# One cache per session factory, i.e. per app instance and database (never shared between two).
_CACHES: weakref.WeakKeyDictionary[Any, ReferenceCache] = weakref.WeakKeyDictionary()


def reference_cache(sessions: async_sessionmaker[AsyncSession]) -> ReferenceCache:
    cache = _CACHES.get(sessions)
    if cache is None:
        cache = _CACHES[sessions] = ReferenceCache()
    return cache


def _fingerprint(reference: dict[str, Any] | None) -> str:
    """A reference as compared for "has it changed": all of it but the id of the activity it was
    taken from (different on every Teams message; proactive messages do not use it)."""
    if not reference:
        return ""
    kept = {k: v for k, v in reference.items() if k not in ("activityId", "activity_id")}
    return json.dumps(kept, sort_keys=True, default=str)


# Run on a sender's first turn and whenever their reference changes: built once (see
# services/scheduling.py).
_STORED_OF_TEAMS_USER = select(Party.id, Party.conversation_reference, Party.tenant_id).where(_IS_TEAMS_USER)
_STORE = (
    update(Party)
    .where(Party.id == bindparam("party_id"))
    .values(
        conversation_reference=bindparam("refs", type_=Party.conversation_reference.type),
        tenant_id=func.coalesce(Party.tenant_id, bindparam("tenant", type_=String)),
    )
)
# Bind names differ from the columns': SQLAlchemy keeps those for the VALUES / SET clauses.
_IS_WEBCHAT_OF = (WebChatReference.interview_id == bindparam("iid")) & (
    WebChatReference.party_id == bindparam("pid")
)
_WEBCHAT_STORED = select(WebChatReference.reference).where(_IS_WEBCHAT_OF)
_WEBCHAT_ADD = insert(WebChatReference).values(
    interview_id=bindparam("iid"), party_id=bindparam("pid"),
    reference=bindparam("ref", type_=WebChatReference.reference.type),
    updated_at=bindparam("now", type_=WebChatReference.updated_at.type),
)
_WEBCHAT_REPLACE = (
    update(WebChatReference)
    .where(_IS_WEBCHAT_OF)
    .values(
        reference=bindparam("ref", type_=WebChatReference.reference.type),
        updated_at=bindparam("now", type_=WebChatReference.updated_at.type),
    )
)


async def remember_conversation(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    reference: dict[str, Any],
    now: datetime,
    cache: ReferenceCache | None = None,
) -> None:
    """Keep the conversation reference of each known party, so that proactive messages reach
    them where they talk to us: a Teams sender's latest Teams conversation (one for all of their
    interviews), a web chat sender's chat for the interview its invitation is for
    (docs/architecture.md, "Reaching people").

    A reference that differs from the stored one only by its activity id is not written again,
    and one this instance stored (or found stored) for the same sender within
    `REFERENCE_CACHE_TTL` seconds costs no database access at all.
    """
    webchat = sender.channel_id in WEBCHAT_CHANNELS
    cache = cache if cache is not None else reference_cache(sessions)
    fingerprint = _fingerprint(reference)
    slot = ("webchat" if webchat else "teams", sender.channel_id, sender.user_id,
            sender.aad_object_id, sender.tenant_id)
    if cache.fresh(slot, fingerprint):
        return
    async with sessions() as session, session.begin():
        if webchat:
            stored = await _remember_webchat(session, sender, reference, fingerprint, now)
        else:
            stored = await _remember_teams(session, sender, reference, fingerprint)
    if stored:  # committed: from now on an unchanged reference is known to be stored
        cache.put(slot, fingerprint)


async def _remember_teams(
    session: AsyncSession, sender: Sender, reference: dict[str, Any], fingerprint: str
) -> bool:
    connection = await session.connection()
    parties = list(await connection.execute(_STORED_OF_TEAMS_USER, _teams_user(sender)))
    for party in parties:
        refs = dict(party.conversation_reference or {})
        changed = _fingerprint(refs.get("teams")) != fingerprint
        tenant = sender.tenant_id if not party.tenant_id else None
        if changed or tenant:
            refs["teams"] = reference
            await connection.execute(_STORE, {"party_id": party.id, "refs": refs, "tenant": tenant})
    return bool(parties)


async def _remember_webchat(
    session: AsyncSession, sender: Sender, reference: dict[str, Any], fingerprint: str, now: datetime
) -> bool:
    """The chat of the invitation's interview and party (a chat is bound to one invitation)."""
    grant = await grant_for_webchat_user(session, sender.user_id, now)
    if grant is None:
        return False
    connection = await session.connection()
    params: dict[str, Any] = {"iid": grant.interview_id, "pid": grant.party_id}
    stored = (await connection.execute(_WEBCHAT_STORED, params)).scalar()
    if stored is not None and _fingerprint(stored) == fingerprint:
        return True
    params |= {"ref": reference, "now": now}
    if stored is None:
        try:
            async with session.begin_nested():
                await connection.execute(_WEBCHAT_ADD, params)
            return True
        except IntegrityError:
            pass  # the same chat's other turn stored it meanwhile: the newer one replaces it
    await connection.execute(_WEBCHAT_REPLACE, params)
    return True


async def webchat_reference(
    session: AsyncSession, interview_id: str, party_id: str
) -> dict[str, Any] | None:
    """The party's web chat for this interview, if they have opened one."""
    connection = await session.connection()
    stored = (await connection.execute(
        _WEBCHAT_STORED, {"iid": interview_id, "pid": party_id}
    )).scalar()
    return dict(stored) if stored else None


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


EMULATOR_CHANNEL = "emulator"


async def bind_emulator_user(
    sessions: async_sessionmaker[AsyncSession], sender: Sender, token: str, now: datetime
) -> InvitationGrant:
    """Local development: an Emulator user becomes the party an invitation is for, so a client
    and a candidate can do the journey in the Bot Framework Emulator. Only on the Emulator
    channel (web chat binds through its own Direct Line token; Teams through AAD)."""
    from services.invitations import InvitationInvalid, resolve_invitation

    if sender.channel_id != EMULATOR_CHANNEL or not sender.user_id:
        raise InvitationInvalid("Joining with a link is only for the Bot Framework Emulator.")
    async with sessions() as session, session.begin():
        grant = await resolve_invitation(session, token, now)
        party = await session.get_one(Party, grant.party_id)
        party.teams_user_id = sender.user_id
    reference_cache(sessions).clear()
    return grant


async def ensure_teams_reference(
    sessions: async_sessionmaker[AsyncSession], teams: TeamsDirectory, party_id: str
) -> dict[str, Any] | None:
    """The party's Teams conversation reference, creating the conversation if we have none yet.

    Recruiters are agency staff, so in the agency's tenant; anyone else only when their tenant is
    known to be the agency's. Returns None when Teams cannot reach them (use e-mail instead). The
    connector call happens outside any transaction; the reference is stored afterwards, unless a
    message from the person stored one meanwhile.
    """
    async with sessions() as session:
        party = await session.get(Party, party_id)
        if party is None or party.erased_at is not None:
            return None
        existing = (party.conversation_reference or {}).get("teams")
        if existing:
            return dict(existing)
        user_id = party.teams_user_id or party.aad_object_id
        tenant = party.tenant_id or (teams.agency_tenant_id if party.kind == "recruiter" else None)
        if not user_id or not tenant:
            return None
        user = TeamsUser(user_id, tenant)
    reference = await teams.open(user)
    if reference is None:
        return None
    async with sessions() as session, session.begin():
        party = await session.get_one(Party, party_id)
        refs = dict(party.conversation_reference or {})
        if refs.get("teams"):
            return dict(refs["teams"])
        refs["teams"] = reference
        party.conversation_reference = refs
        party.tenant_id = party.tenant_id or tenant
    return reference


async def set_zone(
    sessions: async_sessionmaker[AsyncSession], actor: Actor, interview_id: str, zone_name: str,
    now: datetime,
) -> str:
    """The client or candidate `actor` reads times in `zone_name` from now on (cards, mails and
    replies for every interview of theirs); returns its IANA key. InvalidRequest for a zone that
    does not exist."""
    try:
        key = zone(zone_name).key
    except DomainError as error:
        raise InvalidRequest({"zone": error.message}) from None
    async with sessions() as session, session.begin():
        interview = check_actor(
            await session.get(Interview, interview_id), interview_id, actor, Role.CANDIDATE, Role.CLIENT
        )
        party = await session.get_one(Party, actor.party_id)
        before, party.timezone = party.timezone, key
        if before != key:
            audit(session, interview.id, now, actor.role, actor.party_id, "zone_changed",
                  {"from": before, "to": key})
    return key


# The way in ------------------------------------------------------------------------------------


class People:
    """Who is talking and how to reach them, bound to the app's context (``Services.people``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def actor_for(self, sender: Sender, interview_id: str | None) -> Actor | None:
        return await actor_for(self._ctx.sessions, sender, interview_id, self._ctx.now())

    async def webchat_grant(self, sender: Sender) -> InvitationGrant | None:
        return await webchat_grant(self._ctx.sessions, sender, self._ctx.now())

    async def bind_emulator_user(self, sender: Sender, token: str) -> InvitationGrant:
        return await bind_emulator_user(self._ctx.sessions, sender, token, self._ctx.now())

    async def invitation(self, token: str) -> InvitationGrant:
        """What an invitation link grants (raises `InvitationInvalid` with the reason)."""
        async with self._ctx.sessions() as session:
            return await resolve_invitation(session, token, self._ctx.now())

    async def recruiter_id_for(self, sender: Sender) -> str | None:
        return await recruiter_id_for(self._ctx.sessions, sender)

    async def remember_conversation(self, sender: Sender, reference: dict[str, Any]) -> None:
        await remember_conversation(self._ctx.sessions, sender, reference, self._ctx.now())

    async def ensure_teams_reference(self, party_id: str) -> dict[str, Any] | None:
        return await ensure_teams_reference(self._ctx.sessions, self._ctx.teams, party_id)

    async def set_zone(self, actor: Actor, interview_id: str, zone_name: str) -> str:
        return await set_zone(self._ctx.sessions, actor, interview_id, zone_name, self._ctx.now())
