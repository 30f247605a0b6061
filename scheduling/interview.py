"""The interview lifecycle: a pure transition function `(stage, event) -> (stage, effects)`, with
the events, the effects, the policy and the views the lifecycle speaks of. One module on purpose,
though long: the state machine is read as a whole, and every transition is in `transition`.


    requested → awaiting_slots → awaiting_pick → scheduled → completed → awaiting_feedback
              → feedback_complete → decided
    requested → awaiting_pick                 (the client has a booking page: live open times)
    awaiting_pick → awaiting_slots            (the candidate proposes other times)
    scheduled → awaiting_slots                (reschedule; → awaiting_pick from a booking page)
    any open stage → cancelled;  scheduled / completed / awaiting_feedback → no_show
    awaiting_feedback → feedback_complete     (both answered, or the feedback window closed)
    feedback_complete / no_show → decided     (the recruiter's one-click decision)
    decided (on hold) → decided               (decided again; a hold asks after `hold_follow_up`)

Effects are data: the service layer writes each one as an outbox row in the same transaction as the
new stage, and the job runner carries them out afterwards. Whoever carries out an effect re-reads
the interview, so a reminder for an interview that was cancelled or moved meanwhile is dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from scheduling.errors import DomainError
from scheduling.intervals import Interval


class Stage(StrEnum):
    REQUESTED = "requested"
    AWAITING_SLOTS = "awaiting_slots"
    AWAITING_PICK = "awaiting_pick"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    AWAITING_FEEDBACK = "awaiting_feedback"
    FEEDBACK_COMPLETE = "feedback_complete"
    DECIDED = "decided"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


OPEN_STAGES = frozenset(
    {
        Stage.REQUESTED,
        Stage.AWAITING_SLOTS,
        Stage.AWAITING_PICK,
        Stage.SCHEDULED,
        Stage.COMPLETED,
        Stage.AWAITING_FEEDBACK,
        Stage.FEEDBACK_COMPLETE,
    }
)

STAGE_LABELS: Mapping[Stage, str] = MappingProxyType(
    {
        Stage.REQUESTED: "Requested",
        Stage.AWAITING_SLOTS: "Waiting for the client's slots",
        Stage.AWAITING_PICK: "Waiting for the candidate's pick",
        Stage.SCHEDULED: "Scheduled",
        Stage.COMPLETED: "Interview held",
        Stage.AWAITING_FEEDBACK: "Waiting for feedback",
        Stage.FEEDBACK_COMPLETE: "Feedback in: decision due",
        Stage.DECIDED: "Decided",
        Stage.CANCELLED: "Cancelled",
        Stage.NO_SHOW: "No-show",
    }
)


class Role(StrEnum):
    RECRUITER = "recruiter"
    CLIENT = "client"
    CANDIDATE = "candidate"


class Format(StrEnum):
    TEAMS = "teams"
    ON_SITE = "on_site"
    PHONE = "phone"


FORMAT_LABELS: Mapping[Format, str] = MappingProxyType(
    {Format.TEAMS: "Teams meeting", Format.ON_SITE: "On site", Format.PHONE: "Phone call"}
)


class EffectKind(StrEnum):
    ASK_CLIENT_FOR_SLOTS = "ask_client_for_slots"
    OFFER_SLOTS_TO_CANDIDATE = "offer_slots_to_candidate"
    NOTIFY_RECRUITER = "notify_recruiter"
    CREATE_CALENDAR_EVENT = "create_calendar_event"
    CANCEL_CALENDAR_EVENT = "cancel_calendar_event"
    CONFIRM_BOOKING = "confirm_booking"
    SEND_INVITATION_EMAIL = "send_invitation_email"
    SEND_CANCELLATION = "send_cancellation"
    REMIND_BEFORE_INTERVIEW = "remind_before_interview"
    MARK_INTERVIEW_ENDED = "mark_interview_ended"
    REQUEST_FEEDBACK = "request_feedback"
    REMIND_FEEDBACK = "remind_feedback"
    FEEDBACK_OVERDUE = "feedback_overdue"
    CLOSE_FEEDBACK_WINDOW = "close_feedback_window"
    FEEDBACK_RECEIVED = "feedback_received"
    SEND_FEEDBACK_SUMMARY = "send_feedback_summary"
    NO_SHOW_REPORTED = "no_show_reported"
    # Reschedule, cancel and escalation (services/changes.py).
    SEND_RESCHEDULE_NOTICE = "send_reschedule_notice"
    REMIND_PENDING_ACTION = "remind_pending_action"
    PENDING_ACTION_OVERDUE = "pending_action_overdue"
    # Holds: each hand-offered slot held in the client's calendar until the offer ends.
    HOLD_SLOTS = "hold_slots"
    RELEASE_HOLDS = "release_holds"
    # The team's channel: what happened, for the interview's thread (``milestone``).
    POST_TO_CHANNEL = "post_to_channel"
    # Outcomes (services/outcomes.py): a message the recruiter sent after deciding, and the
    # recruiter's follow-up of a candidate on hold.
    SEND_OUTCOME_MESSAGE = "send_outcome_message"
    HOLD_FOLLOW_UP = "hold_follow_up"
    # The recruiter's own calendar: the interview and a follow-up hold after it
    # (services/effects/recruiter_calendar.py), put there on booking, withdrawn with the booking.
    RECRUITER_CALENDAR = "recruiter_calendar"
    RECRUITER_CALENDAR_CANCEL = "recruiter_calendar_cancel"


@dataclass(frozen=True)
class Effect:
    """Something to do after the state change commits. `due` None means "as soon as possible"."""

    kind: EffectKind
    to: Role | None = None
    due: datetime | None = None
    data: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Policy:
    """Timings the lifecycle needs; configurable, with the agency's defaults."""

    reminders_before: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1))
    feedback_delay: timedelta = timedelta(minutes=15)
    # Feedback reminders to whoever has not answered: each gap is counted from the previous
    # prompt, so the interval grows. Their count is the maximum.
    feedback_reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=48))
    # After the last reminder: the recruiter is alerted, then the window closes and the summary
    # is compiled with whatever is in.
    feedback_escalation: timedelta = timedelta(hours=12)
    feedback_window: timedelta = timedelta(hours=24)
    # Reschedule and cancel: a client or candidate may move a booked
    # interview until `reschedule_cutoff` before its start, at most `max_reschedules` times each;
    # beyond that the recruiter decides (the recruiter is bound by neither).
    reschedule_cutoff: timedelta = timedelta(hours=12)
    max_reschedules: int = 2
    # Escalation: a client who offers no slots, or a candidate who does
    # not pick, is reminded after each gap (counted from the previous one, so the interval grows;
    # their count is the maximum), then the recruiter is alerted `pending_escalation` later.
    pending_reminders: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=48))
    pending_escalation: timedelta = timedelta(hours=24)
    # On hold: the recruiter is asked to decide after this long (``Decided``).
    hold_follow_up: timedelta = timedelta(days=7)
    # The recruiter's follow-up hold: time in their calendar, this long after the interview ends
    # and this long, to contact the client and the candidate for their feedback.
    recruiter_follow_up_after: timedelta = timedelta(minutes=15)
    recruiter_follow_up_length: timedelta = timedelta(minutes=30)

    def recruiter_follow_up(self, booked: Interval) -> Interval:
        """When the recruiter's follow-up hold of an interview booked at `booked` falls."""
        start = booked.end + self.recruiter_follow_up_after
        return Interval(start, start + self.recruiter_follow_up_length)

    def pending_schedule(self, entered: datetime) -> tuple[tuple[datetime, ...], datetime]:
        """When the reminders and the recruiter's alert fall for a stage entered at `entered`."""
        reminders: list[datetime] = []
        at = entered
        for gap in self.pending_reminders:
            at = at + gap
            reminders.append(at)
        return tuple(reminders), at + self.pending_escalation

    def feedback_schedule(self, prompted: datetime) -> FeedbackSchedule:
        """When the reminders, the recruiter's alert and the window's close fall for a prompt
        sent at `prompted`."""
        reminders: list[datetime] = []
        at = prompted
        for gap in self.feedback_reminders:
            at = at + gap
            reminders.append(at)
        return FeedbackSchedule(
            reminders=tuple(reminders),
            escalation=at + self.feedback_escalation,
            closes=at + self.feedback_window,
        )


@dataclass(frozen=True)
class FeedbackSchedule:
    reminders: tuple[datetime, ...]
    escalation: datetime
    closes: datetime


# Events ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requested:
    """The recruiter asked for an interview: the client is asked for slots, or, when the times
    come from the client's booking page (`from_page`), the candidate picks from its live open
    times and the client does nothing until it is booked."""

    from_page: bool = False


@dataclass(frozen=True)
class SlotsOffered:
    count: int


@dataclass(frozen=True)
class OtherTimesProposed:
    """The candidate said none of the slots work and gave windows of their own."""


@dataclass(frozen=True)
class SlotPicked:
    """A time was booked. ``proposed``: the client took a time inside the windows the candidate
    proposed (awaiting slots: the candidate already said it suits them, so nothing is offered)."""

    slot: Interval
    proposed: bool = False


@dataclass(frozen=True)
class Cancelled:
    """`by` cancelled the interview. With `notify_canceller` the canceller is sent the
    cancellation too (their own calendar must drop the event: METHOD:CANCEL)."""

    by: Role
    was_booked: bool
    notify_canceller: bool = False


@dataclass(frozen=True)
class RescheduleRequested:
    """`by` asked to move the booked interview: the booking is released and the offer/pick loop
    reopens: the client is asked for new slots, or, `from_page`, the candidate picks another live
    time from the client's booking page (the client is only told)."""

    by: Role
    from_page: bool = False


@dataclass(frozen=True)
class Nudged:
    """The recruiter restarts the wait for the client's slots or the candidate's pick: the ask is
    sent again and the reminder schedule starts over."""


@dataclass(frozen=True)
class InterviewEnded:
    """The booked interview's end time has passed."""


@dataclass(frozen=True)
class FeedbackSubmitted:
    """One side sent (or edited) its feedback; `both_in` says whether the other side's is in too.
    `party_id` is who answered (one interviewer of a panel answers for themselves); `waiting`, the
    parties whose answers are still awaited."""

    by: Role
    rating: int
    both_in: bool
    edit: bool = False
    party_id: str = ""
    waiting: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeedbackWindowClosed:
    """The feedback window closed with at least one side missing: compile what is in."""


@dataclass(frozen=True)
class NoShowReported:
    """`by` says that `absent` did not come to the interview that started at `starts_at`."""

    by: Role
    absent: Role
    starts_at: datetime | None


class Decision(StrEnum):
    ANOTHER_ROUND = "another_round"
    OFFER = "offer"
    REJECT = "reject"
    ON_HOLD = "on_hold"


DECISION_LABELS: Mapping[Decision, str] = MappingProxyType(
    {
        Decision.ANOTHER_ROUND: "Another interview round",
        Decision.OFFER: "Offer",
        Decision.REJECT: "Reject",
        Decision.ON_HOLD: "On hold",
    }
)


@dataclass(frozen=True)
class Decided:
    """The recruiter decided the next step (after the feedback summary or a no-show), or decides
    again an interview that is on hold (`after_hold`: its earlier decision was "on hold")."""

    decision: Decision
    after_hold: bool = False


Event = (
    Requested
    | SlotsOffered
    | OtherTimesProposed
    | SlotPicked
    | Cancelled
    | RescheduleRequested
    | Nudged
    | InterviewEnded
    | FeedbackSubmitted
    | FeedbackWindowClosed
    | NoShowReported
    | Decided
)


class InvalidTransition(DomainError):
    """An event that makes no sense in the interview's current stage."""

    def __init__(self, stage: Stage, event: Event, message: str | None = None) -> None:
        super().__init__(
            message
            or f"This interview is {STAGE_LABELS[stage].lower()}: "
            f"that action ({type(event).__name__}) is not possible now."
        )
        self.stage = stage
        self.event = event


@dataclass(frozen=True)
class Transition:
    stage: Stage
    effects: tuple[Effect, ...]


def transition(stage: Stage, event: Event, now: datetime, policy: Policy = Policy()) -> Transition:
    """The next stage and the effects of `event` happening in `stage` at `now`."""
    match event:
        case Requested(from_page=from_page):
            _expect(stage, event, Stage.REQUESTED)
            if from_page:
                return Transition(
                    Stage.AWAITING_PICK,
                    (
                        Effect(EffectKind.OFFER_SLOTS_TO_CANDIDATE, Role.CANDIDATE),
                        Effect(EffectKind.NOTIFY_RECRUITER, Role.RECRUITER, data=_note("from_page")),
                        *_pending(Stage.AWAITING_PICK, now, policy),
                    ),
                )
            return Transition(
                Stage.AWAITING_SLOTS,
                (
                    Effect(EffectKind.ASK_CLIENT_FOR_SLOTS, Role.CLIENT),
                    *_pending(Stage.AWAITING_SLOTS, now, policy),
                ),
            )
        case SlotsOffered(count=count):
            _expect(stage, event, Stage.AWAITING_SLOTS, Stage.AWAITING_PICK)
            if count < 1:
                raise InvalidTransition(stage, event, "Offer at least one slot.")
            # Every slot on offer is held in the client's calendar, so that calendar cannot fill
            # it meanwhile (the planner holds those not held yet).
            if stage is Stage.AWAITING_PICK:
                # More slots while the candidate is still choosing: show them the longer list.
                return Transition(
                    Stage.AWAITING_PICK,
                    (
                        Effect(EffectKind.HOLD_SLOTS),
                        Effect(EffectKind.OFFER_SLOTS_TO_CANDIDATE, Role.CANDIDATE),
                    ),
                )
            return Transition(
                Stage.AWAITING_PICK,
                (
                    Effect(EffectKind.HOLD_SLOTS),
                    Effect(EffectKind.OFFER_SLOTS_TO_CANDIDATE, Role.CANDIDATE),
                    Effect(EffectKind.NOTIFY_RECRUITER, Role.RECRUITER, data=_note("slots_offered")),
                    *_pending(Stage.AWAITING_PICK, now, policy),
                ),
            )
        case OtherTimesProposed():
            _expect(stage, event, Stage.AWAITING_PICK, Stage.AWAITING_SLOTS)
            # Awaiting slots: the candidate corrects the times they proposed (nothing is on offer).
            release = (
                (Effect(EffectKind.RELEASE_HOLDS, data=_note("other_times")),)
                if stage is Stage.AWAITING_PICK else ()
            )
            return Transition(
                Stage.AWAITING_SLOTS,
                (
                    # The offer is withdrawn: its holds go.
                    *release,
                    Effect(EffectKind.ASK_CLIENT_FOR_SLOTS, Role.CLIENT, data=_note("other_times")),
                    Effect(EffectKind.NOTIFY_RECRUITER, Role.RECRUITER, data=_note("other_times")),
                    *_pending(Stage.AWAITING_SLOTS, now, policy),
                ),
            )
        case SlotPicked(slot=slot, proposed=proposed):
            if proposed:
                _expect(stage, event, Stage.AWAITING_SLOTS)
            else:
                _expect(stage, event, Stage.AWAITING_PICK)
            effects: list[Effect] = [
                # Every hold of the offer goes, the booked one's too: the event takes its place
                # (a proposed time had no offer: its holds went with the candidate's proposal).
                *(() if proposed else (Effect(EffectKind.RELEASE_HOLDS, data=_note("booked")),)),
                Effect(EffectKind.CREATE_CALENDAR_EVENT),
                Effect(EffectKind.CONFIRM_BOOKING, Role.CLIENT),
                Effect(EffectKind.CONFIRM_BOOKING, Role.CANDIDATE),
                Effect(EffectKind.SEND_INVITATION_EMAIL, Role.CLIENT),
                Effect(EffectKind.SEND_INVITATION_EMAIL, Role.CANDIDATE),
                Effect(EffectKind.NOTIFY_RECRUITER, Role.RECRUITER, data=_note("booked")),
                _recruiter_calendar(slot, policy),
            ]
            for before in policy.reminders_before:
                due = slot.start - before
                if due > now:
                    for role in (Role.CLIENT, Role.CANDIDATE):
                        effects.append(
                            Effect(
                                EffectKind.REMIND_BEFORE_INTERVIEW,
                                role,
                                due=due,
                                data=_note("reminder", slot_start=slot.start.isoformat()),
                            )
                        )
            effects.append(
                Effect(
                    EffectKind.MARK_INTERVIEW_ENDED,
                    due=slot.end + policy.feedback_delay,
                    data=_note("ended", slot_start=slot.start.isoformat()),
                )
            )
            return Transition(Stage.SCHEDULED, tuple(effects))
        case Cancelled(by=by, was_booked=was_booked, notify_canceller=notify_canceller):
            if stage not in OPEN_STAGES or stage in (
                Stage.COMPLETED,
                Stage.AWAITING_FEEDBACK,
                Stage.FEEDBACK_COMPLETE,
            ):
                raise InvalidTransition(
                    stage,
                    event,
                    f"This interview is {STAGE_LABELS[stage].lower()}: it can no longer be cancelled.",
                )
            effects = [
                Effect(EffectKind.SEND_CANCELLATION, role, data=_note("cancelled", by=by.value))
                for role in (Role.CLIENT, Role.CANDIDATE)
                if role != by or notify_canceller
            ]
            if was_booked:
                effects.insert(0, Effect(EffectKind.CANCEL_CALENDAR_EVENT))
                effects.insert(1, Effect(EffectKind.RECRUITER_CALENDAR_CANCEL, Role.RECRUITER))
            if stage is Stage.AWAITING_PICK:
                # Slots were on offer (a booked interview's holds went with the pick).
                effects.insert(0, Effect(EffectKind.RELEASE_HOLDS, data=_note("cancelled", by=by.value)))
            effects.append(
                Effect(EffectKind.NOTIFY_RECRUITER, Role.RECRUITER, data=_note("cancelled", by=by.value))
            )
            return Transition(Stage.CANCELLED, tuple(effects))
        case RescheduleRequested(by=by, from_page=from_page):
            _expect(stage, event, Stage.SCHEDULED)
            moved = _note("rescheduled", by=by.value)
            # From a booking page the candidate picks again from its live times; otherwise the
            # client is asked for new slots.
            reopened = Stage.AWAITING_PICK if from_page else Stage.AWAITING_SLOTS
            ask = (
                Effect(EffectKind.OFFER_SLOTS_TO_CANDIDATE, Role.CANDIDATE, data=moved)
                if from_page
                else Effect(EffectKind.ASK_CLIENT_FOR_SLOTS, Role.CLIENT, data=moved)
            )
            return Transition(
                reopened,
                (
                    Effect(EffectKind.CANCEL_CALENDAR_EVENT, data=moved),
                    Effect(EffectKind.RECRUITER_CALENDAR_CANCEL, Role.RECRUITER, data=moved),
                    Effect(EffectKind.SEND_RESCHEDULE_NOTICE, Role.CLIENT, data=moved),
                    Effect(EffectKind.SEND_RESCHEDULE_NOTICE, Role.CANDIDATE, data=moved),
                    ask,
                    Effect(EffectKind.NOTIFY_RECRUITER, Role.RECRUITER, data=moved),
                    *_pending(reopened, now, policy),
                ),
            )
        case Nudged():
            _expect(stage, event, Stage.AWAITING_SLOTS, Stage.AWAITING_PICK)
            ask = (
                Effect(EffectKind.ASK_CLIENT_FOR_SLOTS, Role.CLIENT, data=_note("nudge"))
                if stage is Stage.AWAITING_SLOTS
                else Effect(EffectKind.OFFER_SLOTS_TO_CANDIDATE, Role.CANDIDATE, data=_note("nudge"))
            )
            return Transition(stage, (ask, *_pending(stage, now, policy)))
        case InterviewEnded():
            _expect(stage, event, Stage.SCHEDULED)
            schedule = policy.feedback_schedule(now)
            effects = [
                Effect(EffectKind.REQUEST_FEEDBACK, Role.CLIENT),
                Effect(EffectKind.REQUEST_FEEDBACK, Role.CANDIDATE),
            ]
            # Timed work is written now; each job re-reads the interview and does nothing if
            # that side has answered or the interview moved on.
            for number, due in enumerate(schedule.reminders, start=1):
                for role in (Role.CLIENT, Role.CANDIDATE):
                    effects.append(
                        Effect(
                            EffectKind.REMIND_FEEDBACK, role, due=due,
                            data=_note("feedback_reminder", attempt=str(number),
                                       of=str(len(schedule.reminders))),
                        )
                    )
            effects.append(
                Effect(
                    EffectKind.FEEDBACK_OVERDUE, Role.RECRUITER, due=schedule.escalation,
                    data=_note("escalation", closes=schedule.closes.isoformat()),
                )
            )
            effects.append(
                Effect(
                    EffectKind.CLOSE_FEEDBACK_WINDOW, due=schedule.closes,
                    data=_note("window_closed", prompted=now.isoformat()),
                )
            )
            return Transition(Stage.AWAITING_FEEDBACK, tuple(effects))
        case FeedbackSubmitted(by=by, rating=rating, both_in=both_in, edit=edit, party_id=party_id,
                               waiting=waiting):
            if by not in (Role.CLIENT, Role.CANDIDATE):
                raise InvalidTransition(stage, event, "Only the client and the candidate give feedback.")
            if stage in (Stage.FEEDBACK_COMPLETE, Stage.DECIDED):
                raise InvalidTransition(
                    stage, event,
                    "The feedback for this interview has already been compiled for the recruiter, "
                    "so it can no longer be changed.",
                )
            _expect(stage, event, Stage.AWAITING_FEEDBACK)
            received = Effect(
                EffectKind.FEEDBACK_RECEIVED, Role.RECRUITER,
                data=_note("feedback_updated" if edit else "feedback_received",
                           by=by.value, rating=str(rating), party=party_id, waiting=" ".join(waiting)),
            )
            if not both_in:
                return Transition(Stage.AWAITING_FEEDBACK, (received,))
            return Transition(
                Stage.FEEDBACK_COMPLETE,
                (received, Effect(EffectKind.SEND_FEEDBACK_SUMMARY, Role.RECRUITER,
                                  data=_note("summary"))),
            )
        case FeedbackWindowClosed():
            _expect(stage, event, Stage.AWAITING_FEEDBACK)
            return Transition(
                Stage.FEEDBACK_COMPLETE,
                (Effect(EffectKind.SEND_FEEDBACK_SUMMARY, Role.RECRUITER,
                        data=_note("summary", window_closed="yes")),),
            )
        case NoShowReported(by=by, absent=absent, starts_at=starts_at):
            if absent not in (Role.CLIENT, Role.CANDIDATE) or absent == by:
                raise InvalidTransition(
                    stage, event, "Say who did not come: the client or the candidate (not yourself)."
                )
            if stage is Stage.CANCELLED:
                raise InvalidTransition(
                    stage, event, "This interview was cancelled, so nobody can be a no-show."
                )
            if stage is Stage.NO_SHOW:
                raise InvalidTransition(
                    stage, event, "A no-show has already been reported for this interview."
                )
            _expect(stage, event, Stage.SCHEDULED, Stage.COMPLETED, Stage.AWAITING_FEEDBACK)
            if stage is Stage.SCHEDULED and (starts_at is None or now < starts_at):
                raise InvalidTransition(
                    stage, event, "The interview has not started yet, so nobody can be a no-show."
                )
            return Transition(
                Stage.NO_SHOW,
                (Effect(EffectKind.NO_SHOW_REPORTED, Role.RECRUITER,
                        data=_note("no_show", absent=absent.value, by=by.value)),),
            )
        case Decided(decision=decision, after_hold=after_hold):
            if after_hold:
                _expect(stage, event, Stage.DECIDED)
            else:
                _expect(stage, event, Stage.FEEDBACK_COMPLETE, Stage.NO_SHOW)
            if decision is not Decision.ON_HOLD:
                return Transition(Stage.DECIDED, ())
            # The recruiter is asked to decide once the hold has lasted its time.
            return Transition(
                Stage.DECIDED,
                (Effect(EffectKind.HOLD_FOLLOW_UP, Role.RECRUITER, due=now + policy.hold_follow_up,
                        data=_note("hold_follow_up", held_at=now.isoformat())),),
            )
    raise InvalidTransition(stage, event)  # pragma: no cover - the match is exhaustive


def milestone(event: Event) -> Mapping[str, str] | None:
    """What a recruiting team's channel hears of `event`, or None: the interview was requested,
    booked, moved or cancelled, a side's feedback came in (and with the second, the summary),
    the window closed with the summary, a no-show, the decision. Which teams hear it, and how,
    is the effect planner's (``services/effects/channel.py``)."""
    match event:
        case Requested():
            return _note("requested")
        case SlotPicked():
            return _note("booked")
        case RescheduleRequested(by=by):
            return _note("rescheduled", by=by.value)
        case Cancelled(by=by):
            return _note("cancelled", by=by.value)
        case FeedbackSubmitted(by=by, rating=rating, both_in=both_in, edit=edit):
            return _note("feedback_updated" if edit else "feedback_received", by=by.value,
                         rating=str(rating), summary="yes" if both_in else "no")
        case FeedbackWindowClosed():
            return _note("summary", summary="yes")
        case NoShowReported(absent=absent):
            return _note("no_show", absent=absent.value)
        case Decided(decision=decision):
            return _note("decided", decision=decision.value)
    return None


def _expect(stage: Stage, event: Event, *allowed: Stage) -> None:
    if stage not in allowed:
        raise InvalidTransition(stage, event)


def waiting_on(stage: Stage) -> Role | None:
    """Whose answer an interview in `stage` waits for (the one escalation reminds)."""
    return {Stage.AWAITING_SLOTS: Role.CLIENT, Stage.AWAITING_PICK: Role.CANDIDATE}.get(stage)


def _pending(stage: Stage, entered: datetime, policy: Policy) -> tuple[Effect, ...]:
    """The reminders and the recruiter's alert for a wait that starts at `entered`. Each job carries
    the stage and when it was entered, and does nothing once the interview has moved on."""
    role = waiting_on(stage)
    if role is None or not policy.pending_reminders:
        return ()
    reminders, alert = policy.pending_schedule(entered)
    marks = {"stage": stage.value, "entered": entered.isoformat()}
    effects = [
        Effect(
            EffectKind.REMIND_PENDING_ACTION, role, due=due,
            data=_note("pending_reminder", attempt=str(number), of=str(len(reminders)), **marks),
        )
        for number, due in enumerate(reminders, start=1)
    ]
    effects.append(
        Effect(EffectKind.PENDING_ACTION_OVERDUE, Role.RECRUITER, due=alert,
               data=_note("escalation", waiting=role.value, **marks))
    )
    return tuple(effects)


def _recruiter_calendar(slot: Interval, policy: Policy) -> Effect:
    """The booked interview and its follow-up hold, for the recruiter's own calendar."""
    follow_up = policy.recruiter_follow_up(slot)
    return Effect(
        EffectKind.RECRUITER_CALENDAR,
        Role.RECRUITER,
        data=_note(
            "booked", slot_start=slot.start.isoformat(),
            follow_up_start=follow_up.start.isoformat(), follow_up_end=follow_up.end.isoformat(),
        ),
    )


def _note(note: str, **extra: str) -> Mapping[str, str]:
    return MappingProxyType({"note": note, **extra})


# Read model: what cards and pages show about an interview ------------------------------------


@dataclass(frozen=True)
class PartyView:
    id: str
    name: str
    zone: str
    organisation: str | None = None
    language: str | None = None  # a shipped language ("es"), None: not known (English)


@dataclass(frozen=True)
class Seat:
    """One client-side interviewer of an interview: required or optional, and whether they
    attend the booked time (an optional one who was busy does not)."""

    party: PartyView
    required: bool = True
    attending: bool = True


@dataclass(frozen=True)
class OfferedSlot:
    id: str
    interval: Interval


@dataclass(frozen=True)
class InterviewView:
    """An interview as the people in it see it. Times are UTC; show them in the viewer's zone."""

    id: str
    role_title: str
    format: Format
    stage: Stage
    duration: timedelta
    recruiter: PartyView
    client: PartyView
    candidate: PartyView
    location: str | None = None
    join_url: str | None = None
    booked: Interval | None = None
    slots: tuple[OfferedSlot, ...] = ()
    candidate_windows: tuple[Interval, ...] = ()
    candidate_note: str | None = None
    # Which proposal of the candidate's the windows are (a client's accept names it); None: none
    # open (none made, or one of its times was accepted).
    candidate_proposal: str | None = None
    round: int = 1
    # The version of the client's booking page the times come from; None: offered by hand.
    page_version: int | None = None
    # A panel: every client-side interviewer, the client contact first; () for the client alone.
    panel: tuple[Seat, ...] = ()
    # The co-recruiters beside the owner (`recruiter`).
    co_recruiters: tuple[PartyView, ...] = ()

    def party(self, role: Role) -> PartyView:
        return {Role.RECRUITER: self.recruiter, Role.CLIENT: self.client}.get(role, self.candidate)

    @property
    def interviewers(self) -> tuple[Seat, ...]:
        """Every client-side interviewer, the client contact first."""
        return self.panel or (Seat(self.client),)

    def for_interviewer(self, party_id: str) -> InterviewView:
        """The view as one interviewer of the panel reads it: they are "the client" of every
        card and mail addressed to them (their name, their zone)."""
        for seat in self.interviewers:
            if seat.party.id == party_id:
                return dataclasses.replace(self, client=seat.party)
        raise KeyError(party_id)
