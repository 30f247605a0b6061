"""The recruiter's own calendar: the booked interview, and a follow-up hold shortly after it
(``Policy.recruiter_follow_up``) to contact the client and the candidate for their feedback;
moved and withdrawn with the booking.

- With a calendar that makes events (Microsoft Graph), the interview's event is organised from
  the recruiter's own mailbox, so it is in their calendar already, once. The follow-up hold is an
  event of their own, without attendees, made with a ``transactionId`` per booked time (a retried
  create returns the same event) and stored on the interview as ``<booking>:<event id>``
  (``booking`` counts the reschedules). A hold of an older booking, or of an interview no longer
  booked, is stale: the cancel deletes it once and clears it, and so does the next booking's
  create before it makes its own, whichever runs first. A reschedule therefore withdraws the hold
  with the old time (the interview's event goes at once too: a reschedule has no new time yet)
  and the new pick makes it again at the new time.
- Without one (the local calendar), the recruiter gets a mail with two ``.ics`` attachments, the
  interview and the follow-up hold, with stable UIDs and the interview's SEQUENCE: a reschedule's
  METHOD:CANCEL of the old time, then the new pick's REQUEST with a higher SEQUENCE, replace them;
  a cancel's METHOD:CANCEL withdraws them.

Only the recruiter who owns the interview, and only one with an e-mail address: a recruiter
known only from Teams has no calendar we can write to, and nothing is sent or fails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update

from cards.mails import recruiter_calendar_mail
from integrations.calendar import follow_up_transaction_id
from integrations.errors import PermanentError
from integrations.ics import follow_up_ics, invitation_ics
from scheduling.intervals import Interval
from scheduling.interview import InterviewView, Stage
from services.context import ServiceContext
from services.core import audit
from services.effects.deliveries import Deliveries, Gone
from services.policy import interview_policy
from services.views import load_view
from storage.jobs import ClaimedJob
from storage.models import Interview, Party

__all__ = ["cancel_recruiter_calendar", "recruiter_calendar", "stale_follow_up"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Entry:
    """Where the recruiter's calendar entries of one booked time are: ``booking`` counts the
    interview's reschedules, ``mailbox`` is the recruiter they went to (the owner then: a handover
    later does not move them), ``event_id`` the Graph hold, or ``ics`` for our mailed `.ics`."""

    booking: int
    mailbox: str
    event_id: str

    def stored(self) -> str:
        return f"{self.booking}|{self.mailbox}|{self.event_id}"


OWN_ICS = "ics"


def _entry(value: str | None) -> _Entry | None:
    if not value:
        return None
    booking, _, rest = value.partition("|")
    mailbox, _, event_id = rest.partition("|")
    if not booking.isdigit() or not mailbox or not event_id:
        return None
    return _Entry(int(booking), mailbox, event_id)


def stale_follow_up(interview: Interview) -> _Entry | None:
    """The recruiter's stored calendar entry if it no longer belongs to the interview's booked
    time (rescheduled or cancelled since), else None."""
    entry = _entry(interview.follow_up_event_id)
    if entry is None:
        return None
    booked = interview.stage == Stage.SCHEDULED.value and interview.starts_at is not None
    return None if booked and entry.booking == interview.reschedule_count else entry


def _booked_as_written(view: InterviewView, data: dict[str, str]) -> bool:
    return view.stage is Stage.SCHEDULED and view.booked is not None and (
        data.get("slot_start") in (None, view.booked.start.isoformat())
    )


@dataclass(frozen=True)
class _Plan:
    view: InterviewView
    mailbox: str | None  # the owner's, None when known only from Teams
    booking: int
    stale: _Entry | None
    make: bool  # this booked time's hold is still to be made


def _interval(data: dict[str, str]) -> Interval | None:
    start, end = data.get("follow_up_start"), data.get("follow_up_end")
    if not start or not end:
        return None
    return Interval(datetime.fromisoformat(start), datetime.fromisoformat(end))


async def recruiter_calendar(ctx: ServiceContext, job: ClaimedJob) -> int:
    """The booked interview and its follow-up hold into the owning recruiter's calendar."""
    if job.interview_id is None:
        raise Gone("an effect without an interview")
    data = dict(job.payload.get("data") or {})
    follow_up = _interval(data)
    if follow_up is None:
        raise Gone("a recruiter's calendar effect without its follow-up time")
    if not ctx.calendar_invites_attendees:
        return await _mail(ctx, job, data, follow_up, cancel=False)
    plan = await _plan(ctx, job.interview_id, data)
    if plan.stale is not None:
        await _delete(ctx, job.interview_id, plan.stale)
    if not plan.make or plan.mailbox is None:
        return 0
    try:
        hold_id = await ctx.calendar.create_follow_up(
            plan.view, follow_up, mailbox=plan.mailbox,
            transaction_id=follow_up_transaction_id(plan.view.id, plan.booking),
        )
    except PermanentError as error:
        # The recruiter's calendar takes no events from us (a mailbox outside the access policy):
        # the hold is a courtesy, the interview goes on without it, and the tracker says why.
        log.warning("follow-up hold refused for interview %s: %s", job.interview_id, error)
        async with ctx.sessions() as session, session.begin():
            audit(session, job.interview_id, ctx.now(), None, None, "follow_up_refused",
                  {"error": str(error)})
        return 0
    if not hold_id:
        return 0
    made = _Entry(plan.booking, plan.mailbox, hold_id)
    async with ctx.sessions() as session, session.begin():
        interview = await session.scalar(
            select(Interview).where(Interview.id == job.interview_id).with_for_update()
        )
        booked = plan.view.booked
        if interview is not None and interview.follow_up_event_id == made.stored():
            return 0  # stored by a run of this job that lost its lease
        if (
            interview is not None and interview.stage == Stage.SCHEDULED.value and booked is not None
            and interview.starts_at == booked.start and interview.reschedule_count == plan.booking
            and interview.follow_up_event_id is None
        ):
            interview.follow_up_event_id = made.stored()
            return 0
    # Moved or cancelled while the hold was being made: it goes again.
    await ctx.calendar.release_hold(hold_id, mailbox=plan.mailbox)
    return 0


async def _plan(ctx: ServiceContext, interview_id: str, data: dict[str, str]) -> _Plan:
    async with ctx.sessions() as session, session.begin():
        interview = await session.get(Interview, interview_id)
        view = await load_view(session, interview_id) if interview is not None else None
        if interview is None or view is None:
            raise Gone("the interview no longer exists")
        recruiter = await session.get_one(Party, interview.recruiter_id)
        stale = stale_follow_up(interview)
        make = _booked_as_written(view, data) and (stale is not None or interview.follow_up_event_id is None)
        return _Plan(view, recruiter.email or None, interview.reschedule_count, stale, make)


async def _delete(ctx: ServiceContext, interview_id: str, entry: _Entry) -> None:
    """Delete a stale follow-up hold from the mailbox it was made in and clear it, once (a hold
    gone already is no error)."""
    if entry.event_id != OWN_ICS:
        await ctx.calendar.release_hold(entry.event_id, mailbox=entry.mailbox)
    async with ctx.sessions() as session, session.begin():
        await session.execute(
            update(Interview)
            .where(Interview.id == interview_id, Interview.follow_up_event_id == entry.stored())
            .values(follow_up_event_id=None)
        )


async def cancel_recruiter_calendar(ctx: ServiceContext, job: ClaimedJob) -> int:
    """The booked time was released (a reschedule or a cancel): the interview and its follow-up
    hold go from the calendar of the recruiter they were put in."""
    if job.interview_id is None:
        raise Gone("an effect without an interview")
    data = dict(job.payload.get("data") or {})
    if not ctx.calendar_invites_attendees:
        return await _mail(ctx, job, data, None, cancel=True)
    async with ctx.sessions() as session, session.begin():
        interview = await session.get(Interview, job.interview_id)
        if interview is None:
            raise Gone("the interview no longer exists")
        stale = stale_follow_up(interview)
    if stale is not None:  # else none made, withdrawn already, or the new booking's own
        await _delete(ctx, job.interview_id, stale)
    return 0


async def _mail(
    ctx: ServiceContext, job: ClaimedJob, data: dict[str, str], follow_up: Interval | None, *, cancel: bool
) -> int:
    """The local calendar: the recruiter's `.ics` mail, REQUEST or CANCEL of both entries. A
    REQUEST goes to the owner and is recorded (``_Entry`` with ``ics``); a CANCEL goes where the
    recorded REQUEST went, and not at all when none went or the next booking's went since (its
    higher SEQUENCE replaced the old time already)."""
    now = ctx.now()
    assert job.interview_id is not None
    async with ctx.sessions() as session, session.begin():
        interview = await session.get(Interview, job.interview_id)
        view = await load_view(session, job.interview_id) if interview is not None else None
        if interview is None or view is None:
            raise Gone("the interview no longer exists")
        if cancel:
            entry = stale_follow_up(interview)
            if entry is None:
                return 0
            previous = _previous(data)
            if previous is not None:  # a reschedule: the old time is withdrawn
                view = replace(view, booked=previous)
            sequence = int(data.get("sequence") or interview.ics_sequence)
            to = entry.mailbox
            interview.follow_up_event_id = None
        else:
            if not _booked_as_written(view, data):
                return 0  # moved or cancelled since
            recruiter = await session.get_one(Party, interview.recruiter_id)
            if not recruiter.email:
                return 0  # known only from Teams: no calendar of theirs to write to
            sequence = interview.ics_sequence
            to = recruiter.email
            interview.follow_up_event_id = _Entry(interview.reschedule_count, to, OWN_ICS).stored()
        if view.booked is None:
            return 0
        policy = interview_policy(interview, ctx.config.policy)
        follow_up = follow_up or policy.recruiter_follow_up(view.booked)
        method: Literal["REQUEST", "CANCEL"] = "CANCEL" if cancel else "REQUEST"
        name = await session.scalar(select(Party.display_name).where(Party.email == to).limit(1))
        me = (name or view.recruiter.name, to)
        interview_file = invitation_ics(
            view, method=method, sequence=sequence, organizer_email=ctx.mail_from, attendees=[me], now=now
        )
        follow_up_file = follow_up_ics(
            view, follow_up, method=method, sequence=sequence, organizer_email=ctx.mail_from,
            recruiter=me, now=now,
        )
        out = Deliveries(session, job, now, ctx.public_url)
        await out.mail(
            recruiter_calendar_mail(
                view, to, interview_ics=interview_file, follow_up_ics=follow_up_file,
                follow_up=follow_up, cancel=cancel, key=f"{out.key}|mail",
                link=f"{ctx.public_url}/tracker/interviews/{view.id}",
            )
        )
        return out.count


def _previous(data: dict[str, str]) -> Interval | None:
    start, end = data.get("previous_start"), data.get("previous_end")
    if not start or not end:
        return None
    return Interval(datetime.fromisoformat(start), datetime.fromisoformat(end))
