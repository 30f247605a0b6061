"""The job runner's handlers: what each kind of job does, wired to the real gateways."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs import Handler, PermanentFailure
from bot.proactive import Messenger
from integrations.calendar import CalendarGateway, LocalCalendar
from integrations.mail import MailGateway
from scheduling.interview import EffectKind
from services import feedback
from services.notify import SEND_ACTIVITY, SEND_MAIL, Gone, NotifyConfig, mail_from_payload, plan_effect
from storage.jobs import ClaimedJob
from storage.models import Interview

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
)


def make_handlers(
    sessions: async_sessionmaker[AsyncSession],
    messenger: Messenger,
    mail: MailGateway,
    config: NotifyConfig,
    clock: Callable[[], datetime],
    wake: Callable[[], None] = lambda: None,
    calendar: CalendarGateway | None = None,
) -> Mapping[str, Handler]:
    calendar = calendar or LocalCalendar()

    async def plan(job: ClaimedJob) -> None:
        try:
            added = await plan_effect(sessions, job, clock(), config)
        except Gone as error:
            raise PermanentFailure(str(error)) from error
        if added:
            wake()

    async def send_activity(job: ClaimedJob) -> None:
        await messenger.send(job.payload["reference"], job.payload["activity"])

    async def send_mail(job: ClaimedJob) -> None:
        await mail.send(mail_from_payload(job.payload))

    async def create_calendar_event(job: ClaimedJob) -> None:
        # The embedded default calendar is the `.ics` invitation itself (sent by
        # send_invitation_email); the interview records where its event lives.
        async with sessions() as session, session.begin():
            interview = await session.get(Interview, job.interview_id)
            if interview is None:
                raise PermanentFailure("the interview no longer exists")
            interview.calendar_event_id = interview.calendar_event_id or f"ics:{interview.id}"

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
    return handlers

