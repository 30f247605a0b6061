"""The calendar effects: the interview's event made and withdrawn through the calendar gateway,
our own ``.ics`` when there is no event (the local calendar) or the calendar refused one, and the
holds of hand-offered slots in the client's calendar.

A calendar write reads what it needs in one transaction, calls the gateway outside any (a slow
Graph call must not hold the interview's row lock), and stores the outcome in a second one. The
create carries a ``transactionId``, so a retried create returns the same event
(``docs/architecture.md``, "Calendars").

Holds: while a slot the client offered by hand is on offer, a tentative event without attendees
holds it in the client's own calendar (``hold_slots``), so that calendar does not fill it twice;
its id is stored on the slot. Once the slot is no longer offered (booked, withdrawn by the
candidate's other times or a cancel) or the interview no longer awaits a pick, ``release_holds``
deletes the hold and clears the id, so each hold is deleted once. Both are reconciliations of the
slots as they are, not replays of what the effect said: a retry, or a hold made while its slot
was being booked, ends the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cards.mails import ics_summary
from integrations.calendar import (
    Attendee,
    CalendarEvent,
    LocalCalendar,
    event_transaction_id,
    hold_transaction_id,
)
from integrations.errors import PermanentError
from integrations.ics import invitation_ics
from scheduling.intervals import Interval
from scheduling.interview import EffectKind, Format, InterviewView, Role, Stage
from services.context import ServiceContext
from services.core import audit
from services.effects.deliveries import Gone, NotYet
from services.views import load_view
from storage.jobs import ClaimedJob, NewJob, enqueue_many
from storage.models import Interview, Party, Slot

__all__ = [
    "OWN_INVITATION",
    "calendar_is_ours",
    "calendar_transaction_id",
    "cancel_calendar_event",
    "create_calendar_event",
    "fall_back_to_own_invitation",
    "hold_slots",
    "invitation_file",
    "release_holds",
    "wait_for_event",
]

log = logging.getLogger(__name__)

OWN_INVITATION = "ics:"  # an event id with this prefix: the calendar entry is our own .ics

# Confirmations that show the Teams join link give the event this many quick tries to exist.
EVENT_WAIT_ATTEMPTS = 3


def calendar_is_ours(ctx: ServiceContext, event_id: str | None) -> bool:
    """Whether the attendees' calendar entry is our `.ics` (so a cancellation carries our CANCEL),
    not an event the calendar made and invited them to itself: always with the local calendar;
    with Graph only after the event could not be made (`fall_back_to_own_invitation`)."""
    return not ctx.calendar_invites_attendees or (event_id or "").startswith(OWN_INVITATION)


def calendar_transaction_id(interview: Interview) -> str:
    """The create's ``transactionId``: the same on every retry, a new one for each booked time of
    a rescheduled interview (a reschedule cancels the old event and makes a new one)."""
    if interview.reschedule_count == 0:
        return event_transaction_id(interview.id, interview.round)
    return event_transaction_id(f"{interview.id}/rescheduled/{interview.reschedule_count}", interview.round)


async def invitation_file(
    ctx: ServiceContext,
    session: AsyncSession,
    view: InterviewView,
    interview: Interview,
    method: str,
    now: datetime,
    *,
    sequence: int | None = None,
    role: Role | None = None,
) -> bytes:
    """Our own iCalendar invitation (REQUEST) or cancellation (CANCEL) of the interview; its
    title in ``role``'s language (the recipient's)."""
    attendees = await _attendees(session, view, interview)
    return invitation_ics(
        view,
        summary=ics_summary(view, role) if role is not None else None,
        method="REQUEST" if method == "REQUEST" else "CANCEL",
        sequence=interview.ics_sequence if sequence is None else sequence,
        organizer_email=ctx.mail_from,
        attendees=attendees,
        now=now,
    )


async def wait_for_event(ctx: ServiceContext, job: ClaimedJob) -> None:
    """A confirmation should carry the Teams join link: let the event be created first (a few
    quick tries; after that it goes out without the link rather than not at all)."""
    if isinstance(ctx.calendar, LocalCalendar) or job.attempts > EVENT_WAIT_ATTEMPTS:
        return
    async with ctx.sessions() as session:
        interview = await session.get(Interview, job.interview_id)
    if (
        interview is not None
        and interview.stage == Stage.SCHEDULED.value
        and interview.format == Format.TEAMS.value
        and interview.calendar_event_id is None
    ):
        raise NotYet(timedelta(0), "waiting for the calendar event")


async def fall_back_to_own_invitation(
    ctx: ServiceContext, interview_id: str, slot_start: datetime, now: datetime
) -> bool:
    """The calendar refused to make the interview's event for good (the job is parked for the
    tracker): the client and the candidate get our own `.ics` invitation in a mail of its own
    (their confirmation said the invitation comes separately), so nobody is left without a
    calendar entry. The interview then counts the `.ics` as its event, so a retry of the parked
    job makes no second one, and a later cancel or reschedule sends our CANCEL. Nothing happens if
    the interview was moved or cancelled meanwhile, or has an event by now. Returns whether the
    invitations were queued."""
    async with ctx.sessions() as session, session.begin():
        interview = await session.scalar(
            select(Interview).where(Interview.id == interview_id).with_for_update()
        )
        if (
            interview is None or interview.stage != Stage.SCHEDULED.value
            or interview.starts_at != slot_start or interview.calendar_event_id
        ):
            return False
        interview.calendar_event_id = f"{OWN_INVITATION}{interview.id}"
        data = {"slot_start": slot_start.isoformat(), "note": "own_invitation"}
        await enqueue_many(
            session,
            [
                NewJob(
                    kind=EffectKind.SEND_INVITATION_EMAIL.value,
                    payload={"data": data, "version": interview.version},
                    due_at=now,
                    idempotency_key=f"{interview.id}:{interview.version}:own_invitation:{role.value}",
                    interview_id=interview.id,
                    role=role.value,
                )
                for role in (Role.CLIENT, Role.CANDIDATE)
            ],
            now=now,
        )
        return True


@dataclass(frozen=True)
class _EventPlan:
    """What a calendar write needs, read in one transaction and used outside any."""

    view: InterviewView
    organizer: str | None
    attendees: tuple[Attendee, ...]
    transaction_id: str


def _organizer_fallback(ctx: ServiceContext) -> str | None:
    """Who organises the event when the recruiter has no address (known only from Teams): the
    agency's sending mailbox, for a calendar that makes events."""
    return None if isinstance(ctx.calendar, LocalCalendar) else parseaddr(ctx.mail_from)[1]


async def _attendees(session: AsyncSession, view: InterviewView, interview: Interview) -> list[Attendee]:
    """Who the calendar entry invites: every attending interviewer (the client contact first),
    then the candidate; those with an e-mail address."""
    ids = [seat.party.id for seat in view.interviewers if seat.attending] or [interview.client_id]
    ids.append(interview.candidate_id)
    parties = {p.id: p for p in await session.scalars(select(Party).where(Party.id.in_(ids)))}
    return [(parties[i].display_name, email) for i in ids if i in parties and (email := parties[i].email)]


async def _event_plan(ctx: ServiceContext, interview_id: str) -> _EventPlan | None:
    async with ctx.sessions() as session, session.begin():
        interview = await session.get(Interview, interview_id)
        view = await load_view(session, interview_id) if interview is not None else None
        if interview is None or view is None:
            raise Gone("the interview no longer exists")
        if view.stage is not Stage.SCHEDULED or view.booked is None or interview.calendar_event_id:
            return None  # moved, cancelled, or created already
        recruiter = await session.get_one(Party, interview.recruiter_id)
        attendees = await _attendees(session, view, interview)
        return _EventPlan(
            view, recruiter.email or _organizer_fallback(ctx), tuple(attendees),
            calendar_transaction_id(interview),
        )


async def create_calendar_event(ctx: ServiceContext, job: ClaimedJob) -> int:
    if job.interview_id is None:
        raise Gone("an effect without an interview")
    plan = await _event_plan(ctx, job.interview_id)
    if plan is None:
        return 0
    calendar = ctx.calendar
    event: CalendarEvent
    if not plan.organizer:
        if not isinstance(calendar, LocalCalendar):
            raise PermanentError("the recruiter has no e-mail address to organise the event")
        # The embedded default calendar is the `.ics` invitation itself.
        event = CalendarEvent(f"{OWN_INVITATION}{plan.view.id}")
    else:
        organizer = plan.organizer
        try:
            event = await calendar.create_event(
                plan.view, organizer=organizer, attendees=plan.attendees,
                transaction_id=plan.transaction_id,
            )
        except PermanentError:
            # Parked for the tracker, but not at the attendees' expense: our own invitation.
            booked = plan.view.booked
            if booked is not None and await fall_back_to_own_invitation(
                ctx, plan.view.id, booked.start, ctx.now()
            ):
                ctx.doorbell.ring()
            raise
    async with ctx.sessions() as session, session.begin():
        interview = await session.scalar(
            select(Interview).where(Interview.id == job.interview_id).with_for_update()
        )
        booked = plan.view.booked
        if (
            interview is not None and interview.stage == Stage.SCHEDULED.value
            and booked is not None and interview.starts_at == booked.start
        ):
            interview.calendar_event_id = interview.calendar_event_id or event.id
            interview.join_url = interview.join_url or event.join_url
            return 0
    # Moved or cancelled while the event was being made: withdraw it again.
    if plan.organizer:
        await calendar.cancel_event(event.id, organizer=plan.organizer)
    return 0


async def cancel_calendar_event(ctx: ServiceContext, job: ClaimedJob) -> int:
    data = job.payload.get("data") or {}
    async with ctx.sessions() as session, session.begin():
        interview = await session.get(Interview, job.interview_id)
        if interview is None:
            raise Gone("the interview no longer exists")
        event_id = data.get("event_id") or (
            # A cancel written before the event was stored: the create stored it since.
            interview.calendar_event_id if interview.stage == Stage.CANCELLED.value else None
        )
        recruiter = await session.get(Party, interview.recruiter_id)
        organizer = (recruiter.email if recruiter is not None else None) or _organizer_fallback(ctx)
    if not event_id:
        return 0  # no event was ever made (the create found the time released and withdrew)
    if event_id.startswith(OWN_INVITATION):
        return 0  # the entry is our own .ics: the cancellation mail carries its CANCEL
    if not organizer:
        if isinstance(ctx.calendar, LocalCalendar):
            return 0  # the METHOD:CANCEL mail is the local calendar's cancel
        raise PermanentError("the recruiter has no e-mail address to organise the event")
    reason = data.get("reason") or None
    await ctx.calendar.cancel_event(event_id, organizer=organizer, comment=reason)
    return 0


# Holds of hand-offered slots -------------------------------------------------------------------


@dataclass(frozen=True)
class _HoldPlan:
    """The slots to hold and where, read in one transaction and used outside any."""

    view: InterviewView
    mailbox: str
    slots: tuple[tuple[str, Interval], ...]


async def _hold_plan(ctx: ServiceContext, interview_id: str) -> _HoldPlan | None:
    async with ctx.sessions() as session, session.begin():
        interview = await session.get(Interview, interview_id)
        if interview is None:
            raise Gone("the interview no longer exists")
        if interview.stage != Stage.AWAITING_PICK.value:
            return None  # picked, withdrawn or cancelled before the holds were made
        client = await session.get_one(Party, interview.client_id)
        if not client.email:
            return None  # no calendar of theirs to hold time in
        rows = await session.execute(
            select(Slot.id, Slot.start, Slot.end)
            .where(Slot.interview_id == interview_id, Slot.status == "offered",
                   Slot.hold_event_id.is_(None))
            .order_by(Slot.start)
        )
        slots = tuple((slot_id, Interval(start, end)) for slot_id, start, end in rows)
        view = await load_view(session, interview_id) if slots else None
        if view is None:
            return None
        return _HoldPlan(view, client.email, slots)


async def hold_slots(ctx: ServiceContext, job: ClaimedJob) -> int:
    """Hold every offered slot of the interview not held yet in the client's calendar, then
    release any hold whose slot stopped being offered meanwhile."""
    if job.interview_id is None:
        raise Gone("an effect without an interview")
    calendar = ctx.calendar
    if not calendar.holds_slots:
        return 0
    plan = await _hold_plan(ctx, job.interview_id)
    if plan is not None:
        made: dict[str, str] = {}
        failure: Exception | None = None
        refused: PermanentError | None = None
        for slot_id, interval in plan.slots:
            try:
                hold_id = await calendar.create_hold(
                    plan.view, interval, mailbox=plan.mailbox,
                    transaction_id=hold_transaction_id(slot_id),
                )
            except PermanentError as error:
                # The client's calendar takes no holds from us (a mailbox outside the tenant or
                # the access policy): the other slots would be refused alike. Holds are a
                # courtesy to that calendar; the offer goes on without them, and the tracker's
                # history says why.
                refused = error
                break
            except Exception as error:  # noqa: BLE001 - raised below, once what was made is stored
                failure = error  # the retry then makes only the rest
                break
            if hold_id:
                made[slot_id] = hold_id
        for orphan in await _store_holds(ctx, job.interview_id, made, refused):
            await calendar.release_hold(orphan, mailbox=plan.mailbox)
        if failure is not None:
            raise failure
    # A slot booked or withdrawn while its hold was being made has the hold stored all the same:
    # it goes now (or on this job's retry), as in any release.
    await _release_stale_holds(ctx, job.interview_id)
    return 0


async def _store_holds(
    ctx: ServiceContext, interview_id: str, made: dict[str, str], refused: PermanentError | None
) -> list[str]:
    """Store each hold on its slot, whatever the slot's status now (a hold whose slot is no longer
    offered is found and deleted by the release that follows). Returns the holds that have no
    slot to be stored on, to be deleted at once."""
    if not made and refused is None:
        return []
    orphans: list[str] = []
    async with ctx.sessions() as session, session.begin():
        slots = (
            {s.id: s for s in await session.scalars(select(Slot).where(Slot.id.in_(list(made))))}
            if made else {}
        )
        for slot_id, hold_id in made.items():
            slot = slots.get(slot_id)
            if slot is not None and slot.hold_event_id in (None, hold_id):
                slot.hold_event_id = hold_id
            else:
                orphans.append(hold_id)
        if refused is not None and await session.get(Interview, interview_id) is not None:
            log.warning("calendar holds refused for interview %s: %s", interview_id, refused)
            audit(session, interview_id, ctx.now(), None, None, "holds_refused", {"error": str(refused)})
    return orphans


async def release_holds(ctx: ServiceContext, job: ClaimedJob) -> int:
    """Delete the holds of the interview's slots that are no longer on offer (all of them once it
    no longer awaits a pick)."""
    if job.interview_id is None:
        raise Gone("an effect without an interview")
    if not ctx.calendar.holds_slots:
        return 0
    await _release_stale_holds(ctx, job.interview_id)
    return 0


async def _release_stale_holds(ctx: ServiceContext, interview_id: str) -> None:
    """Delete each hold whose slot is no longer offered, once: its id is cleared as soon as the
    delete succeeds, so a retry after a failure deletes only the rest."""
    async with ctx.sessions() as session, session.begin():
        interview = await session.get(Interview, interview_id)
        if interview is None:
            raise Gone("the interview no longer exists")
        query = select(Slot.id, Slot.hold_event_id).where(
            Slot.interview_id == interview.id, Slot.hold_event_id.is_not(None)
        )
        if interview.stage == Stage.AWAITING_PICK.value:
            query = query.where(Slot.status != "offered")
        rows = await session.execute(query.order_by(Slot.start))
        holds = [(slot_id, str(hold_id)) for slot_id, hold_id in rows]
        client = await session.get_one(Party, interview.client_id) if holds else None
        mailbox = client.email if client is not None else None
    if not holds:
        return
    if not mailbox:
        raise PermanentError("the client has no e-mail address to release the holds from")
    released: list[tuple[str, str]] = []
    failure: Exception | None = None
    for slot_id, hold_id in holds:
        try:
            await ctx.calendar.release_hold(hold_id, mailbox=mailbox)
        except Exception as error:  # noqa: BLE001 - raised below, once what was released is cleared
            failure = error  # the retry then deletes only the rest
            break
        released.append((slot_id, hold_id))
    if released:
        async with ctx.sessions() as session, session.begin():
            for slot_id, hold_id in released:
                await session.execute(
                    update(Slot)
                    .where(Slot.id == slot_id, Slot.hold_event_id == hold_id)
                    .values(hold_event_id=None)
                )
    if failure is not None:
        raise failure
