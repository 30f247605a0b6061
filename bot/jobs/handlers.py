"""The job runner's handlers: what each kind of job does, wired to the real gateways."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.framework.proactive import Messenger
from bot.framework.teams_reach import TeamsReach, ensure_teams_reference
from bot.jobs.runner import Handler, PermanentFailure, RetryLater
from integrations.calendar import (
    Attendee,
    CalendarEvent,
    CalendarGateway,
    LocalCalendar,
    event_transaction_id,
)
from integrations.errors import PermanentError, TransientError
from integrations.mail import MailGateway
from scheduling.interview import EffectKind, Format, InterviewView, Stage
from services import feedback
from services.notify import (
    OWN_INVITATION,
    SEND_ACTIVITY,
    SEND_MAIL,
    Gone,
    NotifyConfig,
    fall_back_to_own_invitation,
    mail_from_payload,
    plan_effect,
)
from services.views import load_view
from storage.jobs import ClaimedJob
from storage.models import Interview, Party

_T = TypeVar("_T")

# Confirmations that show the Teams join link, and how many quick tries they give the event.
WAIT_FOR_EVENT = frozenset({EffectKind.CONFIRM_BOOKING.value, EffectKind.SEND_INVITATION_EMAIL.value})
EVENT_WAIT_ATTEMPTS = 3

PLANNED = (
    EffectKind.ASK_CLIENT_FOR_SLOTS,
    EffectKind.OFFER_SLOTS_TO_CANDIDATE,
    EffectKind.CONFIRM_BOOKING,
    EffectKind.SEND_INVITATION_EMAIL,
    EffectKind.NOTIFY_RECRUITER,
    EffectKind.REMIND_BEFORE_INTERVIEW,
    # After the interview: prompts, reminders and the recruiter's notes (services/notify.py).
    EffectKind.REQUEST_FEEDBACK,
    EffectKind.REMIND_FEEDBACK,
    EffectKind.FEEDBACK_OVERDUE,
    EffectKind.FEEDBACK_RECEIVED,
    EffectKind.SEND_FEEDBACK_SUMMARY,
    EffectKind.NO_SHOW_REPORTED,
    # Reschedule, cancel and escalation (services/notify.py, services/changes.py).
    EffectKind.SEND_CANCELLATION,
    EffectKind.SEND_RESCHEDULE_NOTICE,
    EffectKind.REMIND_PENDING_ACTION,
    EffectKind.PENDING_ACTION_OVERDUE,
)


@dataclass(frozen=True)
class _EventPlan:
    """What a calendar write needs, read in one transaction and used outside any."""

    view: InterviewView
    organizer: str | None
    attendees: tuple[Attendee, ...]
    transaction_id: str


def calendar_transaction_id(interview: Interview) -> str:
    """The create's ``transactionId``: the same on every retry, a new one for each booked time of
    a rescheduled interview (a reschedule cancels the old event and makes a new one)."""
    if interview.reschedule_count == 0:
        return event_transaction_id(interview.id, interview.round)
    return event_transaction_id(f"{interview.id}/rescheduled/{interview.reschedule_count}", interview.round)


async def calendar_call(call: Callable[[], Awaitable[_T]]) -> _T:
    """Run a gateway call and map its failures for the job runner: a throttle with Retry-After
    is retried after it, another transient failure with the runner's own backoff, a permanent one
    parks the job."""
    try:
        return await call()
    except TransientError as error:
        if error.after is not None:
            raise RetryLater(error.after, str(error)) from error
        raise
    except PermanentError as error:
        raise PermanentFailure(str(error)) from error


def make_handlers(
    sessions: async_sessionmaker[AsyncSession],
    messenger: Messenger,
    mail: MailGateway,
    config: NotifyConfig,
    clock: Callable[[], datetime],
    wake: Callable[[], None] = lambda: None,
    calendar: CalendarGateway | None = None,
    reach: TeamsReach | None = None,
) -> Mapping[str, Handler]:
    calendar = calendar or LocalCalendar()
    organizer_fallback = None if isinstance(calendar, LocalCalendar) else parseaddr(config.mail_from)[1]

    async def plan(job: ClaimedJob) -> None:
        if job.kind in WAIT_FOR_EVENT and await _event_pending(job):
            # The confirmation should carry the Teams join link: let the event be created first
            # (a few quick tries; after that it goes out without the link rather than not at all).
            raise RetryLater(timedelta(0), "waiting for the calendar event")
        if reach is not None and job.role in ("recruiter", "client") and job.interview_id:
            # In-tenant recruiters and clients whom the bot has not talked to yet: open the 1:1
            # Teams chat first (None: not reachable there; e-mail and web chat are the fallback).
            async with sessions() as session:
                interview = await session.get(Interview, job.interview_id)
            if interview is not None:
                party_id = interview.recruiter_id if job.role == "recruiter" else interview.client_id
                await ensure_teams_reference(sessions, reach, party_id)
        try:
            added = await plan_effect(sessions, job, clock(), config)
        except Gone as error:
            raise PermanentFailure(str(error)) from error
        if added:
            wake()

    async def _event_pending(job: ClaimedJob) -> bool:
        if isinstance(calendar, LocalCalendar) or job.attempts > EVENT_WAIT_ATTEMPTS:
            return False
        async with sessions() as session:
            interview = await session.get(Interview, job.interview_id)
            return (
                interview is not None
                and interview.stage == Stage.SCHEDULED.value
                and interview.format == Format.TEAMS.value
                and interview.calendar_event_id is None
            )

    async def send_activity(job: ClaimedJob) -> None:
        await messenger.send(job.payload["reference"], job.payload["activity"])

    async def send_mail(job: ClaimedJob) -> None:
        await mail.send(mail_from_payload(job.payload))

    async def read_event_plan(job: ClaimedJob) -> _EventPlan | None:
        if job.interview_id is None:
            raise PermanentFailure("an effect without an interview")
        async with sessions() as session, session.begin():
            interview = await session.get(Interview, job.interview_id)
            view = await load_view(session, job.interview_id) if interview is not None else None
            if interview is None or view is None:
                raise PermanentFailure("the interview no longer exists")
            if view.stage is not Stage.SCHEDULED or view.booked is None or interview.calendar_event_id:
                return None  # moved, cancelled, or created already
            parties = {
                p.id: p
                for p in await session.scalars(
                    select(Party).where(
                        Party.id.in_([interview.recruiter_id, interview.client_id, interview.candidate_id])
                    )
                )
            }
            attendees = tuple(
                (parties[i].display_name, parties[i].email)
                for i in (interview.client_id, interview.candidate_id)
                if parties[i].email
            )
            return _EventPlan(
                # A recruiter known only from Teams has no address here: the agency's sending
                # mailbox organises the event instead.
                view, parties[interview.recruiter_id].email or organizer_fallback,
                attendees,  # type: ignore[arg-type]
                calendar_transaction_id(interview),
            )

    async def create_calendar_event(job: ClaimedJob) -> None:
        # Read in one transaction, call the calendar outside any (a slow Graph call must not hold
        # the interview's row lock), store the event in a second one. The transactionId makes a
        # retried create return the same event.
        plan = await read_event_plan(job)
        if plan is None:
            return
        event: CalendarEvent
        if not plan.organizer:
            if not isinstance(calendar, LocalCalendar):
                raise PermanentFailure("the recruiter has no e-mail address to organise the event")
            # The embedded default calendar is the `.ics` invitation itself.
            event = CalendarEvent(f"{OWN_INVITATION}{plan.view.id}")
        else:
            organizer = plan.organizer
            try:
                event = await calendar_call(
                    lambda: calendar.create_event(
                        plan.view, organizer=organizer, attendees=plan.attendees,
                        transaction_id=plan.transaction_id,
                    )
                )
            except PermanentFailure:
                # Parked for the tracker, but not at the attendees' expense: our own invitation.
                booked = plan.view.booked
                if booked is not None and await fall_back_to_own_invitation(
                    sessions, plan.view.id, booked.start, clock()
                ):
                    wake()
                raise
        async with sessions() as session, session.begin():
            interview = await session.scalar(
                select(Interview).where(Interview.id == job.interview_id).with_for_update()
            )
            booked = plan.view.booked
            still = (
                interview is not None and interview.stage == Stage.SCHEDULED.value
                and booked is not None and interview.starts_at == booked.start
            )
            if still and interview is not None:
                interview.calendar_event_id = interview.calendar_event_id or event.id
                interview.join_url = interview.join_url or event.join_url
                return
        # Moved or cancelled while the event was being made: withdraw it again.
        if plan.organizer:
            organizer = plan.organizer
            await calendar_call(lambda: calendar.cancel_event(event.id, organizer=organizer))

    async def cancel_calendar_event(job: ClaimedJob) -> None:
        data = job.payload.get("data") or {}
        async with sessions() as session, session.begin():
            interview = await session.get(Interview, job.interview_id)
            if interview is None:
                raise PermanentFailure("the interview no longer exists")
            event_id = data.get("event_id") or (
                # A cancel written before the event was stored: the create stored it since.
                interview.calendar_event_id if interview.stage == Stage.CANCELLED.value else None
            )
            recruiter = await session.get(Party, interview.recruiter_id)
            organizer = (recruiter.email if recruiter is not None else None) or organizer_fallback
        if not event_id:
            return  # no event was ever made (the create found the time released and withdrew)
        if event_id.startswith(OWN_INVITATION):
            return  # the entry is our own .ics: the cancellation mail carries its CANCEL
        if not organizer:
            if isinstance(calendar, LocalCalendar):
                return  # the METHOD:CANCEL mail is the local calendar's cancel
            raise PermanentFailure("the recruiter has no e-mail address to organise the event")
        reason = data.get("reason") or None
        await calendar_call(lambda: calendar.cancel_event(event_id, organizer=organizer, comment=reason))

    async def mark_interview_ended(job: ClaimedJob) -> None:
        # Re-reads the interview: nothing happens if it was moved, cancelled or marked already.
        slot_start = (job.payload.get("data") or {}).get("slot_start")
        if job.interview_id is None:
            raise PermanentFailure("an effect without an interview")
        if await feedback.mark_interview_ended(
            sessions, job.interview_id, slot_start, clock(), config.scheduling
        ):
            wake()

    async def close_feedback_window(job: ClaimedJob) -> None:
        if job.interview_id is None:
            raise PermanentFailure("an effect without an interview")
        if await feedback.close_feedback_window(sessions, job.interview_id, clock(), config.scheduling):
            wake()

    handlers: dict[str, Handler] = {kind.value: plan for kind in PLANNED}
    handlers[EffectKind.MARK_INTERVIEW_ENDED.value] = mark_interview_ended
    handlers[EffectKind.CLOSE_FEEDBACK_WINDOW.value] = close_feedback_window
    handlers[SEND_ACTIVITY] = send_activity
    handlers[SEND_MAIL] = send_mail
    handlers[EffectKind.CREATE_CALENDAR_EVENT.value] = create_calendar_event
    handlers[EffectKind.CANCEL_CALENDAR_EVENT.value] = cancel_calendar_event
    return handlers

