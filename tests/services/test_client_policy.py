"""A client's policy overrides the agency's for the interviews requested after it, field by field:
reminders, the waits' reminders, the feedback prompt and its reminders, the reschedule cutoff and
cap; interviews requested before keep the policy they were requested under, and so do they when
the agency's policy changes. Bad overrides are refused with a reason per field, a stale one for
its version, and nothing is stored. Through the real use cases on SQLite and PostgreSQL.

Interviews are requested Monday 23 November 09:00 UTC; the one before the client's change is
booked for Wednesday 10:00–11:00 UTC, 49 hours later (tests/helpers/interviews.py), the one after
it for Wednesday 14:00–15:00, 53 hours later."""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from scheduling.interview import EffectKind, Policy, Role
from scheduling.rules import SlotRequest
from services import InvalidRequest, PastCutoff, SchedulingConfig, TooManyReschedules
from services.changes import check_reschedule, reschedule_interview
from services.client_policy import PolicyChanged, client_policy, set_client_policy
from services.feedback import mark_interview_ended
from services.requests import request_interview
from services.scheduling import Actor, offer_slots, pick_slot
from storage.models import ClientPolicy, Interview, Slot
from tests.helpers.databases import Sessions
from tests.helpers.interviews import ENDS, NOW, STARTS, WEDNESDAY, Parties, a_request, booked, jobs

H = timedelta(hours=1)


async def client_of(sessions: Sessions, interview_id: str) -> str:
    async with sessions() as session:
        return (await session.get_one(Interview, interview_id)).client_id


async def due_times(sessions: Sessions, interview_id: str, kind: EffectKind, role: Role) -> list[object]:
    return [j.due_at for j in await jobs(sessions, interview_id, kind.value) if j.role == role.value]


LATER = STARTS + 4 * H  # the second interview's start, Wednesday 14:00 UTC
LATER_ENDS = LATER + H


async def booked_later(sessions: Sessions) -> Parties:
    """The same client's second interview, booked for Wednesday 14:00–15:00 UTC."""
    result = await request_interview(sessions, a_request(candidate_email="late@example.org"), NOW)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
        client, candidate = Actor(Role.CLIENT, interview.client_id), Actor(Role.CANDIDATE, interview.candidate_id)
        recruiter = Actor(Role.RECRUITER, interview.recruiter_id)
    await offer_slots(sessions, client, result.interview_id, [SlotRequest(WEDNESDAY, time(14), "Europe/London")], NOW)
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == result.interview_id))
    assert slot_id is not None
    await pick_slot(sessions, candidate, result.interview_id, slot_id, NOW)
    return Parties(result.interview_id, recruiter, client, candidate, result.client_token, result.candidate_token)


async def two_interviews(sessions: Sessions, overrides: dict[str, object]) -> tuple[Parties, Parties]:
    """(one booked before the client's overrides, one booked after them), same client."""
    before = await booked(sessions, a_request(candidate_email="early@example.org"))
    client_id = await client_of(sessions, before.interview_id)
    await set_client_policy(sessions, client_id, overrides, Policy(), now=NOW, by="test")
    return before, await booked_later(sessions)


async def test_reminders_follow_the_clients_override_for_interviews_booked_after_it_and_not_before(
    sessions: Sessions,
) -> None:
    first, second = await two_interviews(sessions, {"reminders_before": "3h, 30m", "feedback_delay": "45m"})
    before, after = first.interview_id, second.interview_id

    for role in (Role.CLIENT, Role.CANDIDATE):
        assert await due_times(sessions, after, EffectKind.REMIND_BEFORE_INTERVIEW, role) == [
            LATER - 3 * H, LATER - timedelta(minutes=30)]
        assert await due_times(sessions, before, EffectKind.REMIND_BEFORE_INTERVIEW, role) == [
            STARTS - 24 * H, STARTS - H]
    assert [j.due_at for j in await jobs(sessions, after, EffectKind.MARK_INTERVIEW_ENDED.value)] == [
        LATER_ENDS + timedelta(minutes=45)]
    assert [j.due_at for j in await jobs(sessions, before, EffectKind.MARK_INTERVIEW_ENDED.value)] == [
        ENDS + timedelta(minutes=15)]


async def test_the_waits_and_the_feedback_follow_the_clients_override(sessions: Sessions) -> None:
    first, second = await two_interviews(sessions, {
        "pending_reminders": "2h", "pending_escalation": "3h",
        "feedback_reminders": "6h", "feedback_escalation": "1h", "feedback_window": "2h",
    })
    before, after = first.interview_id, second.interview_id
    # The waits for the client's slots and the candidate's pick both started at NOW.
    assert await due_times(sessions, after, EffectKind.REMIND_PENDING_ACTION, Role.CLIENT) == [NOW + 2 * H]
    assert await due_times(sessions, after, EffectKind.REMIND_PENDING_ACTION, Role.CANDIDATE) == [NOW + 2 * H]
    assert await due_times(sessions, after, EffectKind.PENDING_ACTION_OVERDUE, Role.RECRUITER) == [
        NOW + 5 * H, NOW + 5 * H]
    assert await due_times(sessions, before, EffectKind.REMIND_PENDING_ACTION, Role.CLIENT) == [
        NOW + 24 * H, NOW + 72 * H]

    ended = LATER_ENDS + timedelta(minutes=15)
    assert await mark_interview_ended(sessions, before, STARTS.isoformat(), ended)
    assert await mark_interview_ended(sessions, after, LATER.isoformat(), ended)
    assert await due_times(sessions, after, EffectKind.REMIND_FEEDBACK, Role.CLIENT) == [ended + 6 * H]
    assert await due_times(sessions, after, EffectKind.FEEDBACK_OVERDUE, Role.RECRUITER) == [ended + 7 * H]
    assert [j.due_at for j in await jobs(sessions, after, EffectKind.CLOSE_FEEDBACK_WINDOW.value)] == [
        ended + 8 * H]
    assert await due_times(sessions, before, EffectKind.REMIND_FEEDBACK, Role.CLIENT) == [
        ended + 24 * H, ended + 72 * H]


async def test_the_clients_cutoff_refuses_a_reschedule_the_agencys_would_allow(sessions: Sessions) -> None:
    # 53 hours before the start: inside a 60-hour cutoff, well before the agency's 12 hours.
    before, after = await two_interviews(sessions, {"reschedule_cutoff": "60h"})

    with pytest.raises(PastCutoff) as refused:
        await check_reschedule(sessions, after.candidate, after.interview_id, NOW)
    assert "changes are possible until" in refused.value.message
    await check_reschedule(sessions, before.candidate, before.interview_id, NOW)  # still allowed


async def test_the_clients_cap_refuses_the_first_reschedule_when_it_is_zero(sessions: Sessions) -> None:
    before, after = await two_interviews(sessions, {"max_reschedules": 0})

    with pytest.raises(TooManyReschedules) as refused:
        await reschedule_interview(sessions, after.candidate, after.interview_id, "ill", NOW)
    assert refused.value.message.startswith("This interview can't be rescheduled automatically.")
    moved = await reschedule_interview(sessions, before.candidate, before.interview_id, "ill", NOW)
    assert moved.stage.value == "awaiting_slots"


async def test_an_interview_keeps_the_agencys_policy_it_was_requested_under_when_the_agencys_changes(
    sessions: Sessions,
) -> None:
    before = await booked(sessions)
    changed = SchedulingConfig(policy=dataclasses.replace(Policy(), reschedule_cutoff=timedelta(hours=50)))
    # Under the changed agency policy the cutoff would have passed; this interview keeps 12 hours.
    await check_reschedule(sessions, before.candidate, before.interview_id, NOW, changed)
    async with sessions() as session:
        recorded = (await session.get_one(Interview, before.interview_id)).policy
    assert recorded is not None
    assert recorded["source"] == "agency" and recorded["values"]["reschedule_cutoff"] == "12h"


async def test_bad_overrides_are_refused_with_a_reason_per_field_and_nothing_is_stored(sessions: Sessions) -> None:
    parties = await booked(sessions)
    client_id = await client_of(sessions, parties.interview_id)
    with pytest.raises(InvalidRequest) as refused:
        await set_client_policy(sessions, client_id, {
            "reminders_before": "0h, 1h", "reschedule_cutoff": "soon", "max_reschedules": -1,
            "feedback_window": "1h", "pending_reminders": "24h, 48h, 1h, 1h, 1h, 1h", "colour": "blue",
        }, Policy(), now=NOW, by="test")
    problems = refused.value.problems
    assert problems["reminders_before"] == "each reminder must be a positive time (write none for no reminder)"
    assert problems["reschedule_cutoff"].startswith("'soon' is not a time: write a time like 24h")
    assert problems["max_reschedules"] == "must be between 0 and 10, not -1"
    assert "must come before the window closes (1h after it)" in problems["feedback_window"]
    assert problems["pending_reminders"] == "at most 5 reminders, not 6"
    assert problems["colour"].startswith("not a policy field")
    async with sessions() as session:
        assert list(await session.scalars(select(ClientPolicy))) == []


async def test_a_change_read_at_an_older_version_is_refused_and_the_history_keeps_every_version(
    sessions: Sessions,
) -> None:
    parties = await booked(sessions)
    client_id = await client_of(sessions, parties.interview_id)
    assert await set_client_policy(sessions, client_id, {"max_reschedules": 1, "version": 0}, Policy(),
                                   now=NOW, by="Rita") == 1
    with pytest.raises(PolicyChanged) as stale:
        await set_client_policy(sessions, client_id, {"max_reschedules": 3, "version": 0}, Policy(),
                                now=NOW + H, by="Sam")
    assert stale.value.current == 1 and "at version 1 now, not 0" in stale.value.problems["version"]
    assert await set_client_policy(sessions, client_id, {"version": 1}, Policy(), now=NOW + H, by="Sam") == 2

    view = await client_policy(sessions, client_id, Policy())
    assert view.version == 2 and view.overrides == {} and view.effective["max_reschedules"] == 2
    assert [(v.version, v.overrides, v.by, v.at) for v in view.history] == [
        (2, {}, "Sam", NOW + H), (1, {"max_reschedules": 1}, "Rita", NOW)]


async def test_the_recruiters_follow_up_hold_follows_the_clients_override(sessions: Sessions) -> None:
    first, second = await two_interviews(sessions, {"recruiter_follow_up_after": "0m",
                                                    "recruiter_follow_up_length": "1h"})

    async def hold(interview_id: str) -> tuple[str, str]:
        [job] = await jobs(sessions, interview_id, EffectKind.RECRUITER_CALENDAR.value)
        data = job.payload["data"]
        return data["follow_up_start"][:16], data["follow_up_end"][:16]

    assert await hold(second.interview_id) == (LATER_ENDS.isoformat()[:16], (LATER_ENDS + H).isoformat()[:16])
    default = ENDS + timedelta(minutes=15)
    assert await hold(first.interview_id) == (default.isoformat()[:16],
                                              (default + timedelta(minutes=30)).isoformat()[:16])
