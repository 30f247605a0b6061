"""Who is talking: the party our records say sent an activity, and how to reach them later.

Teams users are matched by their AAD object id (or Teams user id); web chat users by the
invitation their chat session is bound to (`inv-<invitation id>`, set by the server). A card's
own fields never decide who someone is.

Someone who installs the app or writes to the bot in a Teams personal chat has their member
profile read once (``bot/framework/member_profiles.py``) and kept (`TeamsProfile`); their Teams
identity and chat are attached to the client contacts and recruiters it names: by Entra object
id anywhere, by e-mail address or user principal name only from a directory the agency vouches
for (``TeamsDirectory.vouches_for``), and never onto a party that has another person's object id
(docs/architecture.md, "Reaching people").
"""

from __future__ import annotations

import json
import re
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards.i18n import supported_language
from integrations.directory import TeamsDirectory, TeamsMember, TeamsUser, guest_home_address
from scheduling.errors import DomainError
from scheduling.interview import Role
from scheduling.zones import zone
from services.context import ServiceContext
from services.core import Actor, InvalidRequest, audit, check_actor, co_recruiter_of
from services.invitations import InvitationGrant, grant_for_webchat_user, resolve_invitation
from storage.models import Interview, InterviewInterviewer, Party, TeamsProfile, WebChatReference

WEBCHAT_CHANNELS = frozenset({"directline", "webchat"})


@dataclass(frozen=True)
class Sender:
    """What an activity says about its sender (filled by the bot edge from the activity)."""

    channel_id: str
    user_id: str | None
    aad_object_id: str | None
    name: str | None
    tenant_id: str | None = None
    locale: str | None = None  # the activity's locale ("fr-FR"), as Web Chat and Teams send it


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


# Senders whose language this process has already settled (learnt, or found known): bounded.
_LANGUAGE_SETTLED: OrderedDict[tuple[str | None, ...], None] = OrderedDict()
_LANGUAGE_SETTLED_MAX = 10_000


async def learn_language(
    sessions: async_sessionmaker[AsyncSession], sender: Sender, now: datetime
) -> None:
    """A candidate or client contact whose language is not known yet reads the one their chat's
    locale names, when it is one we ship: run before the turn is answered, so the first time they
    talk already gets the answer in it. A language set by the API (or learnt before) is kept; each
    sender is settled once per process. (Recruiters are not asked: their surfaces are English.)"""
    language = supported_language(sender.locale)
    if language is None:
        return
    slot = (sender.channel_id, sender.user_id, sender.aad_object_id, sender.tenant_id)
    if slot in _LANGUAGE_SETTLED:
        return
    async with sessions() as session, session.begin():
        if sender.channel_id in WEBCHAT_CHANNELS:
            grant = await grant_for_webchat_user(session, sender.user_id, now)
            known = grant is not None
            ids = [grant.party_id] if grant is not None and grant.role is not Role.RECRUITER else []
        else:
            parties = await _teams_parties(session, sender)
            known = bool(parties)
            ids = [p.id for p in parties if p.kind != "recruiter" and p.language is None]
        if ids:
            await session.execute(
                update(Party).where(Party.id.in_(ids), Party.language.is_(None)).values(language=language)
            )
    if known:  # a stranger may be known later (a first request): asked again then
        _LANGUAGE_SETTLED[slot] = None
        while len(_LANGUAGE_SETTLED) > _LANGUAGE_SETTLED_MAX:
            _LANGUAGE_SETTLED.popitem(last=False)


async def learn_party_language(
    sessions: async_sessionmaker[AsyncSession], grant: InvitationGrant, locale: str
) -> None:
    """The person opening their chat link reads the language their browser prefers, when we ship
    it and none is known yet (the API's, or one learnt before, is kept): so the chat's very first
    card, sent before they type, is already in it. Recruiters are not asked."""
    language = supported_language(locale)
    if language is None or grant.role is Role.RECRUITER:
        return
    async with sessions() as session, session.begin():
        theirs = (Party.id == grant.party_id) & Party.language.is_(None)
        await session.execute(update(Party).where(theirs).values(language=language))


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
    """The party's Teams conversation reference: the one we have; else the personal chat of a
    Teams profile that is them (someone who installed the app, or wrote to the bot, before this
    party was made: attached now); else a new conversation the bot opens.

    Recruiters are agency staff, so in the agency's tenant; so is anyone named by an Entra object
    id we were given (the people picker, the JSON API); anyone else only when their tenant is
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
        profile = await _profile_of(session, teams, party)
        profile_id = profile.teams_user_id if profile is not None and profile.reference else None
        user_id = party.teams_user_id or party.aad_object_id
        # A recruiter is agency staff. An Entra object id that no Teams turn of theirs brought
        # (which brings the tenant too) is one the recruiter picked from the agency's directory,
        # or gave the JSON API as such: a member or a guest of the agency's tenant.
        tenant = party.tenant_id or (
            teams.agency_tenant_id if party.kind == "recruiter" or party.aad_object_id else None
        )
    if profile_id is not None:
        async with sessions() as session, session.begin():
            party = await session.get_one(Party, party_id)
            refs = dict(party.conversation_reference or {})
            if refs.get("teams"):
                return dict(refs["teams"])
            kept = await session.get_one(TeamsProfile, profile_id)
            _attach(party, kept, reference=True)
            return dict(kept.reference or {})
    if not user_id or not tenant:
        return None
    reference = await teams.open(TeamsUser(user_id, tenant))
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


# Teams member profiles -------------------------------------------------------------------------

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def aad_object_id_problem(value: object, label: str) -> str | None:
    """Why `value` is not an Entra (AAD) object id, or None: one is a GUID such as
    ``3f2504e0-4f89-11d3-9a0c-0305e82c3301`` (what Teams' people picker gives, and Entra shows as
    "Object ID")."""
    if value is None:
        return None
    if not isinstance(value, str) or not _GUID.match(value.strip()):
        return (
            f"{label} must be the person's Microsoft Entra object id, a GUID such as "
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301 (Entra admin centre, Users, Object ID)"
        )
    return None


def aad_object_id(value: str | None) -> str | None:
    """An object id as we store it (lower-case, trimmed); call after `aad_object_id_problem`."""
    return value.strip().lower() if value and value.strip() else None


# Client contacts and recruiters are found by the addresses a Teams profile names; a candidate
# is reached through their invitation's web chat and e-mail only.
_MATCHED_BY_ADDRESS = ("client", "recruiter")


def _attach(party: Party, profile: TeamsProfile, *, reference: bool) -> None:
    """Put the profile's Teams identity (and with `reference`, its personal chat) on `party`,
    filling only what is empty: an object id already there is the party's own."""
    party.aad_object_id = party.aad_object_id or profile.aad_object_id
    party.teams_user_id = party.teams_user_id or profile.teams_user_id
    party.tenant_id = party.tenant_id or profile.tenant_id
    if reference and profile.reference:
        refs = dict(party.conversation_reference or {})
        refs["teams"] = profile.reference
        party.conversation_reference = refs


def _same_person(party: Party, profile: TeamsProfile) -> bool:
    """Nothing on the party says it is someone else: no other object id, no other Teams id."""
    if party.aad_object_id and profile.aad_object_id:
        return party.aad_object_id.lower() == profile.aad_object_id.lower()
    if party.aad_object_id and not profile.aad_object_id:
        return False
    return not party.teams_user_id or party.teams_user_id == profile.teams_user_id


async def _profile_of(session: AsyncSession, teams: TeamsDirectory, party: Party) -> TeamsProfile | None:
    """The newest Teams profile that is this party: by object id, else (a client contact or a
    recruiter) by an address a vouched-for directory gives them."""
    if party.erased_at is not None:
        return None
    if party.aad_object_id:
        mine: TeamsProfile | None = await session.scalar(
            select(TeamsProfile)
            .where(func.lower(TeamsProfile.aad_object_id) == party.aad_object_id.lower())
            .order_by(TeamsProfile.seen_at.desc())
            .limit(1)
        )
        return mine
    if party.teams_user_id:
        found = await session.get(TeamsProfile, party.teams_user_id)
        if found is not None:
            return found
    if party.kind not in _MATCHED_BY_ADDRESS or not party.email:
        return None
    address = party.email.strip().lower()
    rows = await session.scalars(
        select(TeamsProfile)
        .where(or_(TeamsProfile.email == address, TeamsProfile.user_principal_name == address))
        .order_by(TeamsProfile.seen_at.desc())
    )
    for profile in rows:
        if teams.vouches_for(profile.tenant_id) and _same_person(party, profile):
            return profile
    return None


# A positive answer only: someone whose profile is not kept yet is looked up on their next turn.
_KNOWN = ("teams-profile",)


async def knows_teams_member(sessions: async_sessionmaker[AsyncSession], sender: Sender) -> bool:
    """Whether this Teams sender's member profile is kept already (so it need not be read)."""
    if not sender.user_id or sender.channel_id in WEBCHAT_CHANNELS:
        return True  # nothing to look up
    cache = reference_cache(sessions)
    slot = (*_KNOWN, sender.user_id)
    if cache.fresh(slot, "known"):
        return True
    async with sessions() as session:
        found = await session.get(TeamsProfile, sender.user_id) is not None
    if found:
        cache.put(slot, "known")
    return found


async def learn_teams_member(
    sessions: async_sessionmaker[AsyncSession],
    teams: TeamsDirectory,
    member: TeamsMember,
    reference: dict[str, Any] | None,
    now: datetime,
) -> list[str]:
    """Keep what Teams' member profile says of someone in a personal chat with the bot, and
    attach their Teams identity and that chat to the parties that are them: those with their
    object id or Teams id, and the client contacts and recruiters with an address the profile
    names (when the directory is one the agency vouches for, and the party has no other
    person's object id). A party of theirs without an e-mail address gets the profile's. Returns
    the ids of the parties attached."""
    email = (member.email or "").strip().lower() or guest_home_address(member.user_principal_name)
    upn = (member.user_principal_name or "").strip().lower() or None
    values: dict[str, Any] = {
        "aad_object_id": aad_object_id(member.aad_object_id),
        "tenant_id": (member.tenant_id or "").lower() or None,
        "email": email if email and "@" in email else None,
        "user_principal_name": upn,
        "seen_at": now,
    }
    if reference:
        values["reference"] = reference
    async with sessions() as session, session.begin():
        profile = await session.get(TeamsProfile, member.user_id)
        if profile is None:
            try:
                async with session.begin_nested():
                    profile = TeamsProfile(teams_user_id=member.user_id, **values)
                    session.add(profile)
            except IntegrityError:  # their other turn kept it meanwhile: this one is newer
                profile = await session.get_one(TeamsProfile, member.user_id)
        for field, value in values.items():
            setattr(profile, field, value)
        vouched = teams.vouches_for(profile.tenant_id)
        conditions = [Party.teams_user_id == member.user_id]
        if profile.aad_object_id:
            conditions.append(func.lower(Party.aad_object_id) == profile.aad_object_id)
        addresses = [a for a in (profile.email, profile.user_principal_name) if a] if vouched else []
        if addresses:
            conditions.append(Party.kind.in_(_MATCHED_BY_ADDRESS) & Party.email.in_(addresses))
        parties = await session.scalars(
            select(Party).where(Party.erased_at.is_(None), or_(*conditions))
        )
        attached: list[str] = []
        for party in parties:
            if not _same_person(party, profile):
                continue  # the address is theirs, the object id someone else's: not them
            _attach(party, profile, reference=True)
            if vouched and not party.email and profile.email:
                party.email = profile.email
            attached.append(party.id)
    reference_cache(sessions).put((*_KNOWN, member.user_id), "known")
    return attached


async def teams_email(
    sessions: async_sessionmaker[AsyncSession], teams: TeamsDirectory, sender: Sender
) -> str | None:
    """This Teams sender's e-mail address as their kept member profile gives it, when the
    agency vouches for its directory and no recruiter with another object id has it."""
    if not sender.user_id or sender.channel_id in WEBCHAT_CHANNELS:
        return None
    async with sessions() as session:
        profile = await session.get(TeamsProfile, sender.user_id)
        if profile is None or not profile.email or not teams.vouches_for(profile.tenant_id):
            return None
        others = await session.scalars(
            select(Party).where(Party.kind == "recruiter", Party.email == profile.email)
        )
        if any(not _same_person(party, profile) for party in others):
            return None
        return profile.email


async def forget_teams_profiles(session: AsyncSession, party: Party) -> None:
    """Erasure: the Teams profiles that are this party (by object id, Teams id or address)."""
    conditions = []
    if party.aad_object_id:
        conditions.append(func.lower(TeamsProfile.aad_object_id) == party.aad_object_id.lower())
    if party.teams_user_id:
        conditions.append(TeamsProfile.teams_user_id == party.teams_user_id)
    if party.email:
        conditions.append(TeamsProfile.email == party.email.lower())
    if conditions:
        await session.execute(delete(TeamsProfile).where(or_(*conditions)))


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

    async def learn_language(self, sender: Sender) -> None:
        await learn_language(self._ctx.sessions, sender, self._ctx.now())

    async def learn_party_language(self, grant: InvitationGrant, locale: str) -> None:
        await learn_party_language(self._ctx.sessions, grant, locale)

    async def remember_conversation(self, sender: Sender, reference: dict[str, Any]) -> None:
        await remember_conversation(self._ctx.sessions, sender, reference, self._ctx.now())

    async def ensure_teams_reference(self, party_id: str) -> dict[str, Any] | None:
        return await ensure_teams_reference(self._ctx.sessions, self._ctx.teams, party_id)

    async def knows_teams_member(self, sender: Sender) -> bool:
        return await knows_teams_member(self._ctx.sessions, sender)

    async def learn_teams_member(
        self, member: TeamsMember, reference: dict[str, Any] | None
    ) -> list[str]:
        return await learn_teams_member(
            self._ctx.sessions, self._ctx.teams, member, reference, self._ctx.now()
        )

    async def teams_email(self, sender: Sender) -> str | None:
        return await teams_email(self._ctx.sessions, self._ctx.teams, sender)

    async def set_zone(self, actor: Actor, interview_id: str, zone_name: str) -> str:
        return await set_zone(self._ctx.sessions, actor, interview_id, zone_name, self._ctx.now())
