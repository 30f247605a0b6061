"""The recruiter's controls on a booked interview (docs/architecture.md, "Changes"): resend the
invitation, set the meeting link, and allow one more reschedule after a party used every one.

Reschedule, cancel and no-show are `services.changes` and `services.feedback`; these are the
others, each one transaction on the locked interview like them. Only the interview's owner or a
co-recruiter may act (``lock_interview`` with `Role.RECRUITER`, from our records, never the card);
what they send goes to the outbox as effects of a new interview version, so a retried job sends
nothing twice and a repeat of the same request writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.interview import Effect, EffectKind, Role, Stage
from services.changes import extra_reschedules, reschedules_used
from services.context import SchedulingConfig, ServiceContext
from services.core import Actor, InvalidRequest, NotAllowed, audit, lock_interview
from services.outbox import record_effects
from services.policy import interview_policy
from storage.models import Interview

MAX_LINK = 1000  # interviews.join_url
PARTIES = (Role.CLIENT, Role.CANDIDATE)


@dataclass(frozen=True)
class ControlResult:
    already: bool = False
    remaining: int = 0  # allow_one_more: reschedules the party has now


def meeting_link(url: str | None) -> str:
    """The meeting link as typed, when it is an https URL with a host; else InvalidRequest."""
    link = (url or "").strip()
    if not link:
        raise InvalidRequest({"join_url": "paste the meeting link (it starts with https://)"})
    if len(link) > MAX_LINK:
        raise InvalidRequest({"join_url": f"the meeting link must be under {MAX_LINK} characters"})
    try:
        parts = urlsplit(link)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() != "https" or not parts.hostname or any(
        c.isspace() for c in link
    ):
        raise InvalidRequest(
            {"join_url": "the meeting link must be a web address starting with https://, "
                         "e.g. https://teams.microsoft.com/l/meetup-join/…"}
        )
    return link


def _booked(interview: Interview, what: str) -> None:
    if Stage(interview.stage) is not Stage.SCHEDULED or interview.starts_at is None:
        raise NotAllowed(f"This interview is not booked, so there is no {what}.")


async def _send(
    session: AsyncSession, interview: Interview, now: datetime, effects: list[Effect]
) -> None:
    """Effects of a new interview version (their delivery keys are new, and once each)."""
    interview.version += 1
    await session.flush()
    await record_effects(session, interview.id, interview.version, effects, now)


async def resend_invitation(
    sessions: async_sessionmaker[AsyncSession], actor: Actor, interview_id: str, now: datetime
) -> ControlResult:
    """The booking's confirmation and invitation mail again, to the client and the candidate."""
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, Role.RECRUITER)
        _booked(interview, "invitation to resend")
        if now >= (interview.ends_at or interview.starts_at or now):
            raise NotAllowed("This interview is over, so there is no invitation to resend.")
        audit(session, interview.id, now, actor.role, actor.party_id, "invitation_resent", {})
        note = {"note": "resent"}
        await _send(session, interview, now, [
            *(Effect(EffectKind.CONFIRM_BOOKING, role, data=note) for role in PARTIES),
            *(Effect(EffectKind.SEND_INVITATION_EMAIL, role, data=note) for role in PARTIES),
        ])
        return ControlResult()


async def set_meeting_link(
    sessions: async_sessionmaker[AsyncSession], actor: Actor, interview_id: str, url: str,
    now: datetime,
) -> ControlResult:
    """Set (or change) the booked interview's meeting link; the client and the candidate get it
    once (their card with the Join button, and the invitation mail). The same link again: nothing."""
    link = meeting_link(url)
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, Role.RECRUITER)
        _booked(interview, "meeting to link")
        if interview.join_url == link:
            return ControlResult(already=True)
        changed = interview.join_url is not None
        interview.join_url = link
        # The .ics's LOCATION is the link: a changed invitation takes a higher SEQUENCE, so that
        # calendars take it as an update of the same meeting (RFC 5546 §2.1.4).
        interview.ics_sequence += 1
        audit(session, interview.id, now, actor.role, actor.party_id, "meeting_link_set",
              {"changed": changed})
        note = {"note": "meeting_link"}
        await _send(session, interview, now, [
            *(Effect(EffectKind.CONFIRM_BOOKING, role, data=note) for role in PARTIES),
            *(Effect(EffectKind.SEND_INVITATION_EMAIL, role, data=note) for role in PARTIES),
        ])
        return ControlResult()


async def allow_one_more_reschedule(
    sessions: async_sessionmaker[AsyncSession], actor: Actor, interview_id: str, party: str,
    now: datetime, config: SchedulingConfig | None = None,
) -> ControlResult:
    """Raise the interview's reschedule cap by one (recorded on its history) and tell `party`
    (the client or the candidate who hit it) they can reschedule again. When the party is under
    the cap already (a second click), nothing changes (`already`)."""
    config = config or SchedulingConfig()
    try:
        who = Role(party or Role.CANDIDATE.value)
    except ValueError:
        who = Role.RECRUITER
    if who not in PARTIES:
        raise InvalidRequest({"by": "say who may reschedule again: the client or the candidate"})
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, Role.RECRUITER)
        _booked(interview, "booked time to reschedule")
        used = await reschedules_used(session, interview.id, who)
        policy = interview_policy(interview, config.policy)  # the policy the interview runs under
        cap = policy.max_reschedules + await extra_reschedules(session, interview.id)
        if used < cap:
            return ControlResult(already=True, remaining=cap - used)
        audit(session, interview.id, now, actor.role, actor.party_id, "reschedule_allowed",
              {"for": who.value, "cap": cap + 1})
        await _send(session, interview, now, [
            Effect(EffectKind.CONFIRM_BOOKING, who, data={"note": "reschedule_allowed"}),
        ])
        return ControlResult(remaining=cap + 1 - used)


class Controls:
    """The recruiter's controls bound to the app's context (``Services.controls``); the `_as`
    forms are the tracker's (the recruiter's party from the signed-in session)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def resend_invitation(self, actor: Actor, interview_id: str) -> ControlResult:
        ctx = self._ctx
        result = await resend_invitation(ctx.sessions, actor, interview_id, ctx.now())
        ctx.doorbell.ring()
        return result

    async def set_meeting_link(self, actor: Actor, interview_id: str, url: str) -> ControlResult:
        ctx = self._ctx
        result = await set_meeting_link(ctx.sessions, actor, interview_id, url, ctx.now())
        ctx.doorbell.ring()
        return result

    async def allow_one_more(self, actor: Actor, interview_id: str, party: str) -> ControlResult:
        ctx = self._ctx
        result = await allow_one_more_reschedule(
            ctx.sessions, actor, interview_id, party, ctx.now(), ctx.config
        )
        ctx.doorbell.ring()
        return result


def recruiter(party_id: str | None) -> Actor:
    """The tracker's signed-in recruiter as an actor (the interview's records say if they may)."""
    if not party_id:
        raise NotAllowed(
            "askARSAN does not know which recruiter you are (sign in with Microsoft as a recruiter "
            "it knows), so nothing was changed."
        )
    return Actor(Role.RECRUITER, party_id)


__all__ = [
    "ControlResult",
    "Controls",
    "allow_one_more_reschedule",
    "meeting_link",
    "recruiter",
    "resend_invitation",
    "set_meeting_link",
]
