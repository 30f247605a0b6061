"""Changes to an interview (`docs/architecture.md`, "Changes"): reschedule, cancel, and the recruiter's nudge
when someone does not answer.

Like `services.scheduling`, each use case is one transaction on the locked interview: the
lifecycle decides the next stage and its effects, and the effects go to the outbox in the same
transaction. Who may act comes from our records (`Actor`), never from the card.

Reschedule releases the booking (the client's time is free again), sends the interview back to
`awaiting_slots` so the offer/pick loop reopens, and keeps the other party's constraints: a
candidate's reason becomes their proposed windows, shown to the client with the request for new
slots; a client's reschedule leaves the candidate's earlier windows as they were.

Calendar (RFC 5546): a reschedule has no new time yet, so the old time is withdrawn at once with a
METHOD:CANCEL (same UID, SEQUENCE + 1) and the calendar event is cancelled; the new pick later sends
a METHOD:REQUEST with the same UID and a SEQUENCE higher still (+ 2), which calendars treat as the
same meeting re-issued at the new time. Leaving the old time in people's calendars while new slots
are arranged would have them turn up at a time that no longer holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.interview import (
    STAGE_LABELS,
    Cancelled,
    EffectKind,
    InvalidTransition,
    Nudged,
    Policy,
    RescheduleRequested,
    Role,
    Stage,
    transition,
    waiting_on,
)
from scheduling.zones import format_local
from services.context import SchedulingConfig, ServiceContext
from services.core import Actor, InvalidRequest, NotAllowed, apply_event, audit, lock_interview
from services.policy import interview_policy
from storage.jobs import DONE, PENDING, enqueue
from storage.models import AuditEvent, Booking, Interview, InterviewChanges, Job, Party, Slot

MAX_REASON = 500

# Timed jobs that belong to one booked time: dropped when that time is released, so that a new
# booking at the same hour does not get two reminders (the planners re-check the time as well).
BOOKED_TIME_JOBS = (
    EffectKind.CREATE_CALENDAR_EVENT.value,
    EffectKind.REMIND_BEFORE_INTERVIEW.value,
    EffectKind.MARK_INTERVIEW_ENDED.value,
)


class PastCutoff(NotAllowed):
    """Too close to the interview for the client or the candidate to move it themselves."""


class TooManyReschedules(NotAllowed):
    """The party has used up their reschedules: the recruiter decides now (and has been told)."""


@dataclass(frozen=True)
class ChangeResult:
    stage: Stage
    already: bool = False


# Reschedule --------------------------------------------------------------------------------------


async def reschedule_interview(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    reason: str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> ChangeResult:
    """Move the booked interview: release the booking and ask the client for new slots.

    Refused (nothing changed) when the interview is not booked, when the sender is not one of its
    parties, past the cutoff, or over the party's maximum. Over the maximum the recruiter is
    alerted (one recruiter note per interview state, however often the party retries)."""
    config = config or SchedulingConfig()
    text = _reason(reason)
    limit_hit = False
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, actor.role)
        policy = interview_policy(interview, config.policy)
        await _may_reschedule(session, interview, actor, now, policy)
        assert interview.starts_at is not None and interview.ends_at is not None
        changes = await session.get(InterviewChanges, interview.id)
        used = _count(changes, actor.role)
        cap = policy.max_reschedules + await extra_reschedules(session, interview.id)
        if actor.role is not Role.RECRUITER and used >= cap:
            # No state change: only the audit trail and the recruiter's alert are written.
            audit(session, interview.id, now, actor.role, actor.party_id, "reschedule_refused",
                  {"why": "maximum", "used": used, "reason": text})
            # One alert per party and interview state, however often the party retries.
            await enqueue(
                session, kind=EffectKind.NOTIFY_RECRUITER.value,
                payload={"data": {"note": "reschedule_limit", "by": actor.role.value, "reason": text},
                         "version": interview.version},
                due_at=now,
                idempotency_key=f"{interview.id}:{interview.version}:reschedule_limit:{actor.role.value}",
                interview_id=interview.id, role=Role.RECRUITER.value, now=now,
            )
            limit_hit = True
        else:
            previous_start, previous_end = interview.starts_at, interview.ends_at
            await _release_booking(session, interview, now)
            if changes is None:
                changes = InterviewChanges(
                    interview_id=interview.id, by_client=0, by_candidate=0, by_recruiter=0,
                    updated_at=now,
                )
                session.add(changes)
            setattr(changes, f"by_{actor.role.value}", used + 1)
            changes.previous_start, changes.previous_end = previous_start, previous_end
            changes.last_by, changes.last_reason, changes.updated_at = actor.role.value, text, now
            event_id = interview.calendar_event_id or ""
            interview.calendar_event_id, interview.join_url = None, None
            interview.starts_at, interview.ends_at = None, None
            interview.reschedule_count += 1
            # The CANCEL of the old time takes SEQUENCE + 1; the next REQUEST (the new pick) reads
            # `ics_sequence`, which must be higher still (RFC 5546 §2.1.4).
            cancel_sequence = interview.ics_sequence + 1
            interview.ics_sequence += 2
            if actor.role is Role.CANDIDATE and text:
                interview.candidate_windows = {"text": text, "at": now.isoformat()}
            audit(session, interview.id, now, actor.role, actor.party_id, "rescheduled",
                  {"reason": text, "previous_start": previous_start.isoformat(),
                   "count": used + 1})
            stage = await apply_event(
                session, interview,
                RescheduleRequested(actor.role, from_page="page_version" in (interview.rules or {})),
                now, config.policy,
                {
                    "reason": text, "sequence": str(cancel_sequence), "event_id": event_id,
                    "previous_start": previous_start.isoformat(),
                    "previous_end": previous_end.isoformat(),
                },
            )
            return ChangeResult(stage)
    assert limit_hit
    who = "the client" if actor.role is Role.CLIENT else "you"
    if used == 0:  # the policy allows none: only the recruiter moves this interview
        raise TooManyReschedules(
            "This interview can't be rescheduled automatically. I've told your recruiter, who will "
            "get in touch to find a time."
        )
    raise TooManyReschedules(
        f"This interview has already been rescheduled {used} times by {who}, the most we can do "
        "automatically. I've told your recruiter, who will get in touch to find a time."
    )


async def check_reschedule(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> None:
    """Refuse now, before anyone is asked why, what :func:`reschedule_interview` would refuse for
    the stage, the start or the cutoff (the same `NotAllowed` and wording); changes nothing. The
    maximum is left to the reschedule itself: over it, the reason given goes to the recruiter."""
    config = config or SchedulingConfig()
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, actor.role)
        await _may_reschedule(session, interview, actor, now, interview_policy(interview, config.policy))


async def _may_reschedule(
    session: AsyncSession, interview: Interview, actor: Actor, now: datetime, policy: Policy
) -> None:
    stage = Stage(interview.stage)
    if stage is not Stage.SCHEDULED or interview.starts_at is None or interview.ends_at is None:
        raise NotAllowed(_not_now(stage, "reschedule"))
    if now >= interview.starts_at:
        raise NotAllowed("The interview has already started, so it can't be rescheduled.")
    if actor.role is not Role.RECRUITER and now >= interview.starts_at - policy.reschedule_cutoff:
        zone = await _zone(session, actor.party_id)
        raise PastCutoff(
            "It's too late to reschedule this interview yourself: changes are possible until "
            f"{format_local(interview.starts_at - policy.reschedule_cutoff, zone)}. "
            "Please contact your recruiter, or cancel if you can't attend."
        )


# Cancel ----------------------------------------------------------------------------------------


async def cancel_interview(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    reason: str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> ChangeResult:
    """Cancel an interview that has not taken place yet; everyone is told, a booked one's event is
    cancelled and both sides get a METHOD:CANCEL for their calendars."""
    config = config or SchedulingConfig()
    text = _reason(reason)
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, actor.role)
        stage = Stage(interview.stage)
        if stage is Stage.CANCELLED:
            raise NotAllowed("This interview was already cancelled.")
        booked = stage is Stage.SCHEDULED and interview.starts_at is not None
        if booked and interview.starts_at is not None and now >= interview.starts_at:
            raise NotAllowed(
                "The interview has already started, so it can't be cancelled. If someone did not "
                "come, report a no-show after the interview."
            )
        try:
            transition(stage, Cancelled(actor.role, booked, notify_canceller=True), now,
                       interview_policy(interview, config.policy))
        except InvalidTransition:
            raise NotAllowed(_not_now(stage, "cancel")) from None
        await _release_booking(session, interview, now)
        await session.execute(
            update(Slot)
            .where(Slot.interview_id == interview.id, Slot.status == "offered")
            .values(status="withdrawn")
        )
        interview.ics_sequence += 1
        audit(session, interview.id, now, actor.role, actor.party_id, "cancelled",
              {"reason": text, "was_booked": booked, "stage": stage.value})
        new_stage = await apply_event(
            session, interview, Cancelled(actor.role, booked, notify_canceller=True), now,
            config.policy,
            {"reason": text, "sequence": str(interview.ics_sequence),
             "event_id": interview.calendar_event_id or ""},
        )
        return ChangeResult(new_stage)


# Escalation --------------------------------------------------------------------------------------


async def nudge(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> ChangeResult:
    """The recruiter asks again: the client's or the candidate's card goes out once more and the
    reminder schedule restarts from now (the earlier reminders become no-ops)."""
    config = config or SchedulingConfig()
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, Role.RECRUITER)
        stage = Stage(interview.stage)
        if waiting_on(stage) is None:
            raise NotAllowed(
                f"This interview is {STAGE_LABELS[stage].lower()}: nobody is waited on, so there "
                "is nothing to nudge."
            )
        # The wait restarts now: jobs stamped with the previous entry time do nothing.
        interview.stage_changed_at = now
        audit(session, interview.id, now, actor.role, actor.party_id, "nudged",
              {"waiting_on": str(waiting_on(stage))})
        return ChangeResult(await apply_event(session, interview, Nudged(), now, config.policy, {}))


def pending_still_due(interview: Interview, data: Mapping[str, str]) -> bool:
    """Whether an escalation job (reminder or recruiter alert) still applies: the interview is in
    the stage the job was written for and has not left (or been nudged) since."""
    if interview.stage != data.get("stage"):
        return False
    entered = data.get("entered")
    if not entered:
        return False
    return interview.stage_changed_at == datetime.fromisoformat(entered)


# Shared helpers --------------------------------------------------------------------------------


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) > MAX_REASON:
        raise InvalidRequest({"reason": f"please keep the reason under {MAX_REASON} characters"})
    return text


async def extra_reschedules(session: AsyncSession, interview_id: str) -> int:
    """How many more reschedules the recruiter allowed on this interview beyond the policy's
    maximum ("Allow one more" on the escalation: ``services.controls``), from its history."""
    found = await session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.interview_id == interview_id, AuditEvent.action == "reschedule_allowed"
        )
    )
    return int(found or 0)


async def reschedules_used(session: AsyncSession, interview_id: str, role: Role) -> int:
    return _count(await session.get(InterviewChanges, interview_id), role)


def _count(changes: InterviewChanges | None, role: Role) -> int:
    return int(getattr(changes, f"by_{role.value}", 0) or 0) if changes is not None else 0


def _not_now(stage: Stage, what: str) -> str:
    if stage is Stage.CANCELLED:
        return f"This interview was cancelled, so there is nothing to {what}."
    if stage in (Stage.COMPLETED, Stage.AWAITING_FEEDBACK, Stage.FEEDBACK_COMPLETE, Stage.DECIDED,
                 Stage.NO_SHOW):
        return f"This interview has already taken place, so it can't be {what}ed any more."
    return f"You can't {what} now: this interview is {STAGE_LABELS[stage].lower()}."


async def _zone(session: AsyncSession, party_id: str) -> str:
    party = await session.get(Party, party_id)
    return party.timezone if party is not None else "UTC"


async def _release_booking(session: AsyncSession, interview: Interview, now: datetime) -> None:
    """Free the client's time and drop the timed jobs of the released time."""
    await session.execute(
        update(Booking)
        .where(Booking.interview_id == interview.id, Booking.status == "active")
        .values(status="cancelled", cancelled_at=now)
    )
    await session.execute(
        update(Slot)
        .where(Slot.interview_id == interview.id, Slot.status == "booked")
        .values(status="withdrawn")
    )
    await session.execute(
        update(Job)
        .where(Job.interview_id == interview.id, Job.status == PENDING, Job.kind.in_(BOOKED_TIME_JOBS))
        .values(status=DONE, done_at=now, last_error="superseded: the booked time was released")
    )


class Changes:
    """The change use cases bound to the app's context (``Services.changes``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def reschedule(self, actor: Actor, interview_id: str, reason: str) -> ChangeResult:
        ctx = self._ctx
        try:
            return await reschedule_interview(
                ctx.sessions, actor, interview_id, reason, ctx.now(), ctx.config
            )
        finally:
            ctx.doorbell.ring()  # a refusal over the maximum still alerts the recruiter

    async def check_reschedule(self, actor: Actor, interview_id: str) -> None:
        ctx = self._ctx
        await check_reschedule(ctx.sessions, actor, interview_id, ctx.now(), ctx.config)

    async def cancel(self, actor: Actor, interview_id: str, reason: str) -> ChangeResult:
        ctx = self._ctx
        result = await cancel_interview(ctx.sessions, actor, interview_id, reason, ctx.now(), ctx.config)
        ctx.doorbell.ring()
        return result

    async def nudge(self, actor: Actor, interview_id: str) -> ChangeResult:
        ctx = self._ctx
        result = await nudge(ctx.sessions, actor, interview_id, ctx.now(), ctx.config)
        ctx.doorbell.ring()
        return result


__all__ = [
    "ChangeResult",
    "Changes",
    "PastCutoff",
    "TooManyReschedules",
    "cancel_interview",
    "check_reschedule",
    "extra_reschedules",
    "nudge",
    "pending_still_due",
    "reschedule_interview",
    "reschedules_used",
]
