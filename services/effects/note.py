"""What a notification planner is handed: its effect, re-read in the planner's own transaction.

Every notification (a card to a party, a mail with their link, a note for the recruiter) is
planned the same way: in one transaction, read the interview as it is now (it may have moved on
since the effect was written: a planner then plans nothing), the recipient, and the effect's data;
add the delivery jobs. `notification(planner)` does that around each planner of the table
(``services/effects/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.calendar import CalendarUnavailable
from integrations.errors import TransientError
from scheduling.interview import InterviewView, Role
from services.booking import LiveTimes, listed_times
from services.context import ServiceContext
from services.core import NotFound
from services.effects.deliveries import Deliveries, Gone
from services.hosts import interviewers
from services.identity import ensure_teams_reference
from services.invitations import create_invitation
from services.panel import co_recruiter_ids
from services.views import load_view
from storage.jobs import ClaimedJob
from storage.models import Interview, Party

__all__ = ["Note", "Planner", "notification"]

# A planner of the effect table: carries out one effect job; returns how many jobs it added.
Planner = Callable[[ServiceContext, ClaimedJob], Awaitable[int]]


@dataclass
class Note:
    ctx: ServiceContext
    job: ClaimedJob
    session: AsyncSession
    now: datetime
    data: dict[str, str]
    view: InterviewView
    interview: Interview
    role: Role | None
    party: Party | None
    out: Deliveries
    # The interview's live open times, read before the transaction (``notification(live=True)``);
    # None when its times are offered by hand.
    live: LiveTimes | None = None

    @property
    def key(self) -> str:
        return self.out.key  # per recipient (``Deliveries.key``)

    def recipient(self) -> tuple[Party, Role]:
        if self.party is None or self.role is None:
            raise Gone(f"{self.job.kind} without a recipient")
        return self.party, self.role

    async def link(self) -> str:
        """A fresh personal chat link for the recipient: tokens are stored hashed only, so a raw
        token exists nowhere but in the message that carries it."""
        party, role = self.recipient()
        token = await create_invitation(
            self.session, interview_id=self.view.id, party_id=party.id, role=role, now=self.now,
            ttl=self.ctx.config.invite_ttl,
        )
        return self.ctx.chat_link(token)


def notification(
    plan: Callable[[Note], Awaitable[None]], *, live: bool = False, panel: bool = False
) -> Planner:
    """A table entry for `plan`: the transaction, the re-read and the deliveries around it. With
    `live`, the interview's live open times are read first, outside the transaction (the
    calendar is a network call); a calendar that cannot be read puts the job off for later
    rather than sending times nobody checked. Only the candidate's cards list them. With
    `panel`, an effect for the client goes to every attending interviewer of a panel (the
    confirmation, the invitation, reminders, changes, feedback prompts), each planned as their
    own note with their own delivery keys."""

    async def planner(ctx: ServiceContext, job: ClaimedJob) -> int:
        if job.interview_id is None:
            raise Gone("an effect without an interview")
        role = Role(job.role) if job.role else None
        times: LiveTimes | None = None
        if live and role is Role.CANDIDATE:
            try:
                times = await listed_times(ctx.sessions, ctx.calendar, job.interview_id, ctx.now())
            except NotFound:
                raise Gone("the interview no longer exists") from None
            except CalendarUnavailable as error:
                raise TransientError(f"live open times: {error.message}") from None
        if role in (Role.RECRUITER, Role.CLIENT):
            # In-tenant recruiters and clients whom the bot has not talked to yet: open the 1:1
            # Teams chat first (None: not reachable there; e-mail and web chat are the fallback).
            for party_id in await _party_ids(ctx, job.interview_id, role):
                await ensure_teams_reference(ctx.sessions, ctx.teams, party_id)
        now = ctx.now()
        async with ctx.sessions() as session, session.begin():
            view = await load_view(session, job.interview_id)
            interview = await session.get(Interview, job.interview_id)
            if view is None or interview is None:
                raise Gone("the interview no longer exists")
            data = dict(job.payload.get("data") or {})
            if panel and role is Role.CLIENT and view.panel:
                # Every interviewer of the panel who attends, each reading the card as theirs;
                # the client contact's deliveries keep the effect's own key.
                count = 0
                for seat in view.interviewers:
                    if not seat.attending:
                        continue
                    member = await session.get_one(Party, seat.party.id)
                    suffix = "" if seat.party.id == interview.client_id else f"|{seat.party.id}"
                    note = Note(
                        ctx, job, session, now, data, view.for_interviewer(seat.party.id), interview,
                        role, member, Deliveries(session, job, now, ctx.public_url, suffix=suffix), times,
                    )
                    await plan(note)
                    count += note.out.count
                return count
            count = 0
            for party in await _recipients(session, interview, view, role):
                # A recruiter's note goes to each recruiter of the interview, under a key of its own.
                recipient = party.id if role is Role.RECRUITER and party is not None else None
                note = Note(
                    ctx, job, session, now, dict(job.payload.get("data") or {}), view, interview, role,
                    party, Deliveries(session, job, now, ctx.public_url, recipient), times,
                )
                await plan(note)
                count += note.out.count
            return count

    planner.__name__ = plan.__name__
    planner.__doc__ = plan.__doc__
    return planner


async def _party_ids(ctx: ServiceContext, interview_id: str, role: Role) -> list[str]:
    async with ctx.sessions() as session:
        interview = await session.get(Interview, interview_id)
        if interview is None:
            return []
        if role is Role.RECRUITER:
            return [interview.recruiter_id, *await co_recruiter_ids(session, interview_id)]
        # Every interviewer of a panel, the client contact first.
        return [seat.party_id for seat in await interviewers(session, interview)]


async def _recipients(
    session: AsyncSession, interview: Interview, view: InterviewView, role: Role | None
) -> list[Party | None]:
    """Who an effect for `role` goes to: the party in that role; for the recruiter, the owner and
    then every co-recruiter (``docs/architecture.md``, "Reaching people"), as they are now: after
    a handover, the new owner."""
    if role is None:
        return [None]
    if role is not Role.RECRUITER:
        return [await session.get_one(Party, view.party(role).id)]
    ids = [interview.recruiter_id, *await co_recruiter_ids(session, interview.id)]
    return [await session.get_one(Party, party_id) for party_id in dict.fromkeys(ids)]
