"""Effects as data, planned by a table: every kind of effect the lifecycle writes to the outbox
maps to the one planner that carries it out (``docs/architecture.md``, "The outbox").

A notification planner turns its effect into delivery jobs (``send_activity``, ``send_mail``) in
one transaction; the calendar planners call the calendar gateway; the lifecycle planners apply the
next event (the interview ended, the feedback window closed). The job runner
(``bot/jobs/handlers.py``) runs ``Effects.run`` for every kind in ``PLANNERS`` and hands the
deliveries to the channels. ``PLANNERS`` covers every ``EffectKind`` (a test holds them together),
so there is no second list to keep in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from scheduling.interview import EffectKind
from services.context import ServiceContext
from services.effects import calendar, changes, channel, feedback, outcomes, recruiter_calendar, scheduling
from services.effects.deliveries import (
    CHANNEL_POST,
    SEND_ACTIVITY,
    SEND_MAIL,
    Gone,
    NotYet,
    card_activity,
    mail_from_payload,
)
from services.effects.note import Planner, notification
from storage.jobs import ClaimedJob

__all__ = [
    "CHANNEL_POST",
    "PLANNERS",
    "SEND_ACTIVITY",
    "SEND_MAIL",
    "Effects",
    "Gone",
    "NotYet",
    "Planner",
    "card_activity",
    "mail_from_payload",
]


def _after_event(planner: Planner) -> Planner:
    """A confirmation that should carry the Teams join link waits a little for the event."""

    async def wrapped(ctx: ServiceContext, job: ClaimedJob) -> int:
        await calendar.wait_for_event(ctx, job)
        return await planner(ctx, job)

    return wrapped


PLANNERS: Mapping[EffectKind, Planner] = MappingProxyType(
    {
        # Scheduling
        EffectKind.ASK_CLIENT_FOR_SLOTS: notification(scheduling.ask_client_for_slots),
        EffectKind.OFFER_SLOTS_TO_CANDIDATE: notification(scheduling.offer_slots_to_candidate, live=True),
        EffectKind.CONFIRM_BOOKING: _after_event(notification(scheduling.confirm_booking, panel=True)),
        EffectKind.SEND_INVITATION_EMAIL: _after_event(
            notification(scheduling.send_invitation_email, panel=True)
        ),
        EffectKind.NOTIFY_RECRUITER: notification(scheduling.notify_recruiter),
        EffectKind.REMIND_BEFORE_INTERVIEW: notification(scheduling.remind_before_interview, panel=True),
        EffectKind.CREATE_CALENDAR_EVENT: calendar.create_calendar_event,
        EffectKind.CANCEL_CALENDAR_EVENT: calendar.cancel_calendar_event,
        EffectKind.HOLD_SLOTS: calendar.hold_slots,
        EffectKind.RELEASE_HOLDS: calendar.release_holds,
        EffectKind.RECRUITER_CALENDAR: recruiter_calendar.recruiter_calendar,
        EffectKind.RECRUITER_CALENDAR_CANCEL: recruiter_calendar.cancel_recruiter_calendar,
        # Changes
        EffectKind.SEND_CANCELLATION: notification(changes.send_cancellation, panel=True),
        EffectKind.SEND_RESCHEDULE_NOTICE: notification(changes.send_reschedule_notice, panel=True),
        EffectKind.REMIND_PENDING_ACTION: notification(changes.remind_pending_action, live=True),
        EffectKind.PENDING_ACTION_OVERDUE: notification(changes.pending_action_overdue),
        # After the interview
        EffectKind.MARK_INTERVIEW_ENDED: feedback.interview_ended,
        EffectKind.REQUEST_FEEDBACK: notification(feedback.request_feedback, panel=True),
        EffectKind.REMIND_FEEDBACK: notification(feedback.request_feedback, panel=True),
        EffectKind.FEEDBACK_OVERDUE: notification(feedback.feedback_overdue),
        EffectKind.FEEDBACK_RECEIVED: notification(feedback.feedback_received),
        EffectKind.CLOSE_FEEDBACK_WINDOW: feedback.window_closed,
        EffectKind.SEND_FEEDBACK_SUMMARY: notification(feedback.send_feedback_summary),
        EffectKind.NO_SHOW_REPORTED: notification(feedback.no_show_reported),
        # After the decision
        EffectKind.SEND_OUTCOME_MESSAGE: notification(outcomes.send_outcome_message),
        EffectKind.HOLD_FOLLOW_UP: notification(outcomes.hold_follow_up),
        # The recruiting teams' channels
        EffectKind.POST_TO_CHANNEL: channel.post_to_channel,
    }
)


class Effects:
    """The job runner's way into the services (``Services.effects``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(kind.value for kind in PLANNERS)

    async def run(self, job: ClaimedJob) -> None:
        """Carry out one effect job. Raises `Gone` (nothing to do, ever), `NotYet` (again after a
        while) or the gateways' `TransientError` / `PermanentError`."""
        try:
            planner = PLANNERS[EffectKind(job.kind)]
        except (ValueError, KeyError):
            raise Gone(f"no planner for {job.kind!r}") from None
        if await planner(self._ctx, job):
            self._ctx.doorbell.ring()
