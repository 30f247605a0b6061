"""The recruiting team: who else is on an interview beside its owner, and handing an interview over.

An interview has an owner (`interviews.recruiter_id`) and any number of co-recruiters
(`interview_recruiters`); both see it, get its updates (``services/effects/note.py``) and act as
its recruiter (``services/core.check_actor``). A handover makes another recruiter the owner; the
old owner stays on as a co-recruiter. Teams (`recruiting_teams`, `team_members`) come from the
Teams team's roster; the read side uses them for "my team" (``services/reports/pipeline.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.interview import EffectKind, Role
from services.context import ServiceContext
from services.core import Actor, InvalidRequest, NotAllowed, audit, lock_interview
from services.panel import co_recruiter_ids
from services.requests import EMAIL_LIMIT, PartyInput
from storage.jobs import enqueue
from storage.models import InterviewRecruiter, Party

__all__ = [
    "HANDED_OVER",
    "Handover",
    "KnownRecruiter",
    "Team",
    "co_recruiter_inputs",
    "hand_over",
    "known_recruiters",
    "parse_emails",
]

HANDED_OVER = "handed_over"  # the recruiter note's name (cards.messages.recruiter_detail)
RECRUITER_CHOICES = 200


@dataclass(frozen=True)
class Handover:
    interview_id: str
    owner_id: str
    owner_name: str
    previous_id: str
    already: bool  # the chosen recruiter owned it already: nothing changed


@dataclass(frozen=True)
class KnownRecruiter:
    party_id: str
    name: str
    email: str


def parse_emails(text: str, field: str = "co_recruiters") -> list[str]:
    """Comma- (or semicolon-, or line-) separated e-mail addresses, lower case, each once;
    InvalidRequest naming the ones that are not addresses."""
    parts = [p.strip().lower() for p in re.split(r"[,;\n]", text)]
    wrong = [
        p for p in parts if p and (
            p.count("@") != 1 or p.startswith("@") or p.endswith("@") or len(p) > EMAIL_LIMIT
            or any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf") for c in p)
        )
    ]
    if wrong:
        shown = ", ".join(w[:80] for w in wrong[:3])
        what = "is not an e-mail address" if len(wrong) == 1 else "are not e-mail addresses"
        raise InvalidRequest(
            {field: f"{shown} {what}: "
                    "give the co-recruiters' addresses separated by commas, e.g. "
                    "sam@agency.example, lee@agency.example"}
        )
    return list(dict.fromkeys(p for p in parts if p))


async def co_recruiter_inputs(
    sessions: async_sessionmaker[AsyncSession], emails: Sequence[str], zone: str
) -> tuple[PartyInput, ...]:
    """Co-recruiters given by e-mail only (the Teams form): a recruiter we know keeps the name and
    zone our records have; anyone else is named by their address, in `zone`, until they talk to
    the bot."""
    if not emails:
        return ()
    async with sessions() as session:
        known = {
            p.email: p
            for p in await session.scalars(
                select(Party).where(Party.kind == "recruiter", Party.email.in_(list(emails)))
            )
        }
    return tuple(
        PartyInput(known[e].display_name, e, known[e].timezone) if e in known else PartyInput(e, e, zone)
        for e in emails
    )


async def known_recruiters(
    sessions: async_sessionmaker[AsyncSession], limit: int = RECRUITER_CHOICES
) -> list[KnownRecruiter]:
    """The recruiters an interview can be handed over to: those we know by e-mail."""
    async with sessions() as session:
        rows = await session.execute(
            select(Party.id, Party.display_name, Party.email)
            .where(Party.kind == "recruiter", Party.email.is_not(None), Party.erased_at.is_(None))
            .order_by(Party.display_name, Party.email)
            .limit(limit)
        )
        return [KnownRecruiter(r.id, r.display_name, r.email) for r in rows]


async def hand_over(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    to_email: str,
    now: datetime,
) -> Handover:
    """Make the recruiter with e-mail `to_email` the interview's owner. Only its owner or a
    co-recruiter may (NotAllowed for anyone else, a client or candidate included); the old owner
    stays on as a co-recruiter. One transaction: the owner, the co-recruiters, the audit entry and
    the new owner's note in the outbox (every recruiter of the interview gets it). The stage,
    the version and the calendar entry are not the recruiter's business and do not change."""
    email = to_email.strip().lower()
    if not email:
        raise InvalidRequest({"to": "choose the recruiter to hand the interview over to"})
    async with sessions() as session, session.begin():
        try:
            interview = await lock_interview(session, interview_id, actor, Role.RECRUITER)
        except NotAllowed:
            raise NotAllowed(
                "Only the interview's owner or one of its co-recruiters can hand it over; "
                "nothing was changed."
            ) from None
        target = await session.scalar(
            select(Party).where(Party.kind == "recruiter", Party.email == email, Party.erased_at.is_(None))
        )
        if target is None:
            raise InvalidRequest(
                {"to": f"no recruiter askARSAN knows has the e-mail address {email[:80]}: choose one "
                       "from the list (recruiters appear once they use askARSAN or join the team)"}
            )
        previous = interview.recruiter_id
        if target.id == previous:
            return Handover(interview.id, target.id, target.display_name, previous, already=True)
        before = await session.get_one(Party, previous)
        by = await session.get_one(Party, actor.party_id)
        interview.recruiter_id = target.id
        await session.execute(
            delete(InterviewRecruiter).where(
                InterviewRecruiter.interview_id == interview.id, InterviewRecruiter.party_id == target.id
            )
        )
        if previous not in await co_recruiter_ids(session, interview.id):
            session.add(InterviewRecruiter(interview_id=interview.id, party_id=previous, added_at=now,
                                           added_by=actor.party_id))
        audit(session, interview.id, now, Role.RECRUITER, actor.party_id, HANDED_OVER,
              {"from": previous, "to": target.id})
        await session.flush()
        # Not a lifecycle event: no new version. The key names this handover (who to whom, when).
        await enqueue(
            session, kind=EffectKind.NOTIFY_RECRUITER.value,
            payload={"data": {"note": HANDED_OVER, "from_name": before.display_name,
                              "by_name": by.display_name},
                     "version": interview.version},
            due_at=now,
            idempotency_key=f"{interview.id}:{HANDED_OVER}:{previous}:{target.id}:{now.isoformat()}",
            interview_id=interview.id, role=Role.RECRUITER.value, now=now,
        )
        return Handover(interview.id, target.id, target.display_name, previous, already=False)


def refuse_without_party(party_id: str | None) -> str:
    """The tracker viewer's recruiter party, or NotAllowed when our records do not know them (the
    local password names nobody)."""
    if not party_id:
        raise NotAllowed(
            "askARSAN does not know which recruiter you are (sign in with Microsoft as a recruiter "
            "it knows), so nothing was handed over."
        )
    return party_id


class Team:
    """The recruiting team's use cases (``Services.team``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def hand_over(self, actor: Actor, interview_id: str, to_email: str) -> Handover:
        ctx = self._ctx
        result = await hand_over(ctx.sessions, actor, interview_id, to_email, ctx.now())
        ctx.doorbell.ring()
        return result

    async def hand_over_as(self, party_id: str | None, interview_id: str, to_email: str) -> Handover:
        """A handover by the recruiter signed in to the tracker (their party from the session)."""
        actor = Actor(Role.RECRUITER, refuse_without_party(party_id))
        return await self.hand_over(actor, interview_id, to_email)

    async def recruiters(self) -> list[KnownRecruiter]:
        return await known_recruiters(self._ctx.read_sessions)

    async def co_recruiters(self, emails: Sequence[str], zone: str) -> tuple[PartyInput, ...]:
        return await co_recruiter_inputs(self._ctx.sessions, emails, zone)
