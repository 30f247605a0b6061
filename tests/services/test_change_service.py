"""Reschedule and cancel on real databases: what changes, what is refused, and what is left alone.

The interview is booked for Wednesday 10:00–11:00 UTC, requested Monday 09:00 (tests/helpers/interviews.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.interview import Policy, Role, Stage
from services.changes import (
    PastCutoff,
    TooManyReschedules,
    cancel_interview,
    reschedule_interview,
)
from services.scheduling import Actor, NotAllowed, NotFound
from storage.models import AuditEvent, Booking, Interview, InterviewChanges, Job, Slot
from tests.helpers.databases import count
from tests.helpers.interviews import NOW, STARTS, booked, jobs, rebook, stage

Sessions = async_sessionmaker[AsyncSession]


async def snapshot(sessions: Sessions, interview_id: str) -> tuple[object, ...]:
    """Everything a refused change must leave as it was."""
    async with sessions() as session:
        interview = await session.get_one(Interview, interview_id)
        bookings = sorted(
            (b.status, b.start.isoformat())
            for b in await session.scalars(select(Booking).where(Booking.interview_id == interview_id))
        )
        slots = sorted(s.status for s in await session.scalars(select(Slot)))
        pending = len(list(await session.scalars(select(Job.id).where(Job.status == "pending"))))
        return (interview.stage, interview.starts_at, interview.ics_sequence, interview.version,
                interview.reschedule_count, tuple(bookings), tuple(slots), pending)


@pytest.mark.parametrize("who", ["client", "candidate", "recruiter"])
async def test_a_reschedule_releases_the_booking_and_reopens_the_loop(sessions: Sessions, who: str) -> None:
    p = await booked(sessions)
    actor: Actor = getattr(p, who)
    result = await reschedule_interview(sessions, actor, p.interview_id, "Clash: Thu afternoons work", NOW)
    assert result.stage is Stage.AWAITING_SLOTS
    async with sessions() as session:
        interview = await session.get_one(Interview, p.interview_id)
        assert interview.starts_at is None and interview.reschedule_count == 1
        assert interview.ics_sequence == 2  # CANCEL at 1, the next REQUEST at 2
        [booking] = await session.scalars(select(Booking).where(Booking.interview_id == p.interview_id))
        assert booking.status == "cancelled" and booking.cancelled_at == NOW
        changes = await session.get_one(InterviewChanges, p.interview_id)
        assert getattr(changes, f"by_{who}") == 1 and changes.previous_start == STARTS
        assert changes.last_reason == "Clash: Thu afternoons work"
        actions = list(await session.scalars(select(AuditEvent.action)))
        assert "rescheduled" in actions
        if who == "candidate":  # the candidate's constraint goes to the client with the ask
            assert interview.candidate_windows and "Thu" in interview.candidate_windows["text"]
    # The old time's reminders and end-of-interview job are dropped, not left to fire.
    for kind in ("remind_before_interview", "mark_interview_ended"):
        assert all(j.status == "done" for j in await jobs(sessions, p.interview_id, kind))
    kinds = {(j.kind, j.role) for j in await jobs(sessions, p.interview_id) if j.status == "pending"}
    assert {
        ("cancel_calendar_event", None),
        ("send_reschedule_notice", "client"),
        ("send_reschedule_notice", "candidate"),
        ("ask_client_for_slots", "client"),
        ("notify_recruiter", "recruiter"),
        ("remind_pending_action", "client"),
        ("pending_action_overdue", "recruiter"),
    } <= kinds


async def test_the_client_can_offer_the_same_time_again_and_it_books(sessions: Sessions) -> None:
    p = await booked(sessions)
    await reschedule_interview(sessions, p.candidate, p.interview_id, "moved", NOW)
    await rebook(sessions, p, 10)  # the released time is free again
    assert await stage(sessions, p.interview_id) == Stage.SCHEDULED
    assert await count(sessions, Booking, Booking.status == "active") == 1


async def test_past_the_cutoff_a_party_is_refused_and_nothing_changes(sessions: Sessions) -> None:
    p = await booked(sessions)
    late = STARTS - Policy().reschedule_cutoff + timedelta(hours=1)  # within the cutoff
    before = await snapshot(sessions, p.interview_id)
    for actor in (p.client, p.candidate):
        with pytest.raises(PastCutoff) as caught:
            await reschedule_interview(sessions, actor, p.interview_id, "late", late)
        assert "too late" in caught.value.message
    assert await snapshot(sessions, p.interview_id) == before
    # The recruiter is not bound by the cutoff.
    await reschedule_interview(sessions, p.recruiter, p.interview_id, "", late)
    assert await stage(sessions, p.interview_id) == Stage.AWAITING_SLOTS


async def test_over_the_maximum_the_party_is_refused_and_the_recruiter_alerted(sessions: Sessions) -> None:
    p = await booked(sessions)
    for n in range(2):
        await reschedule_interview(sessions, p.candidate, p.interview_id, f"again {n}", NOW)
        await rebook(sessions, p, 10 + 2 * n)
    before = await snapshot(sessions, p.interview_id)
    alerts = len(await jobs(sessions, p.interview_id, "notify_recruiter"))
    with pytest.raises(TooManyReschedules) as caught:
        await reschedule_interview(sessions, p.candidate, p.interview_id, "a third time", NOW)
    assert "told your recruiter" in caught.value.message
    # The same refusal again alerts nobody twice.
    with pytest.raises(TooManyReschedules):
        await reschedule_interview(sessions, p.candidate, p.interview_id, "a third time", NOW)
    after = await snapshot(sessions, p.interview_id)
    assert after[:7] == before[:7]  # stage, time, sequence, version, count, bookings, slots
    limit = [j for j in await jobs(sessions, p.interview_id, "notify_recruiter")
             if j.payload["data"].get("note") == "reschedule_limit"]
    assert len(limit) == 1 and len(await jobs(sessions, p.interview_id, "notify_recruiter")) == alerts + 1
    # The maximum is per party: the client may still move it.
    await reschedule_interview(sessions, p.client, p.interview_id, "client clash", NOW)
    assert await stage(sessions, p.interview_id) == Stage.AWAITING_SLOTS


@pytest.mark.parametrize("who", ["client", "candidate", "recruiter"])
async def test_a_cancel_frees_the_time_and_tells_both_sides(sessions: Sessions, who: str) -> None:
    p = await booked(sessions)
    result = await cancel_interview(sessions, getattr(p, who), p.interview_id, "Role filled", NOW)
    assert result.stage is Stage.CANCELLED
    async with sessions() as session:
        interview = await session.get_one(Interview, p.interview_id)
        assert interview.ics_sequence == 1 and interview.starts_at == STARTS
        [booking] = await session.scalars(select(Booking))
        assert booking.status == "cancelled"
        audit = await session.scalar(select(AuditEvent).where(AuditEvent.action == "cancelled"))
        assert audit is not None and audit.detail["reason"] == "Role filled" and audit.actor_role == who
    pending = {(j.kind, j.role) for j in await jobs(sessions, p.interview_id) if j.status == "pending"}
    assert {("cancel_calendar_event", None), ("send_cancellation", "client"),
            ("send_cancellation", "candidate"), ("notify_recruiter", "recruiter")} <= pending
    assert not [j for j in await jobs(sessions, p.interview_id, "remind_before_interview")
                if j.status == "pending"]


async def test_a_cancel_while_waiting_for_slots_needs_no_calendar(sessions: Sessions) -> None:
    from services.scheduling import request_interview
    from tests.helpers.interviews import a_request

    result = await request_interview(sessions, a_request(), NOW)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
        recruiter = Actor(Role.RECRUITER, interview.recruiter_id)
    await cancel_interview(sessions, recruiter, result.interview_id, "", NOW)
    kinds = {j.kind for j in await jobs(sessions, result.interview_id) if j.status == "pending"}
    assert "cancel_calendar_event" not in kinds and "send_cancellation" in kinds


BAD = ["already-cancelled", "completed", "not-theirs", "stranger", "started"]


@pytest.mark.parametrize("case", BAD, ids=BAD)
@pytest.mark.parametrize("action", ["reschedule", "cancel"])
async def test_bad_changes_are_refused_with_a_reason_and_change_nothing(
    sessions: Sessions, case: str, action: str
) -> None:
    from tests.helpers.interviews import a_request

    p = await booked(sessions)
    other = await booked(sessions, a_request("other@client.example", "other@example.org"))
    actor, when = p.candidate, NOW
    if case == "already-cancelled":
        await cancel_interview(sessions, p.client, p.interview_id, "", NOW)
    elif case == "completed":
        async with sessions() as session, session.begin():
            (await session.get_one(Interview, p.interview_id)).stage = Stage.COMPLETED.value
    elif case == "not-theirs":
        actor = other.candidate
    elif case == "stranger":
        actor = Actor(Role.CLIENT, "f" * 32)
    elif case == "started":
        actor, when = p.recruiter, STARTS + timedelta(minutes=5)
    before = await snapshot(sessions, p.interview_id)
    change = reschedule_interview if action == "reschedule" else cancel_interview
    with pytest.raises((NotAllowed, NotFound)) as caught:
        await change(sessions, actor, p.interview_id, "why", when)
    assert caught.value.message
    assert await snapshot(sessions, p.interview_id) == before


def test_the_reschedule_button_of_the_first_reminder_is_before_the_cutoff() -> None:
    """The 24 h reminder carries Reschedule: it must still work when the reminder arrives."""
    policy = Policy()
    assert max(policy.reminders_before) > policy.reschedule_cutoff
