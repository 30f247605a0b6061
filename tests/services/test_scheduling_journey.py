"""The scheduling use cases on real databases: request, offer, pick, propose, and no double booking."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.interview import Role, Stage
from scheduling.rules import RefusalReason, SlotRequest
from services.invitations import hash_token, resolve_invitation
from services.requests import request_interview
from services.scheduling import (
    Actor,
    InterviewRequest,
    InvalidRequest,
    NotAllowed,
    SlotTaken,
    offer_slots,
    pick_slot,
    propose_other_times,
)
from storage.models import Booking, Interview, Invitation, Slot
from tests.helpers.databases import Sessions, count
from tests.helpers.interviews import NOW, WEDNESDAY, a_request, job_kinds, stage

# The reminders and the recruiter's alert written when a wait starts (test_calendar_and_escalation.py
# covers them).
ESCALATION = {"remind_pending_action", "pending_action_overdue"}


async def parties(sessions: async_sessionmaker[AsyncSession], interview_id: str) -> tuple[Actor, Actor]:
    async with sessions() as session:
        interview = await session.get_one(Interview, interview_id)
        return Actor(Role.CLIENT, interview.client_id), Actor(Role.CANDIDATE, interview.candidate_id)


async def test_a_request_asks_the_client_and_stores_only_hashed_links(sessions: Sessions) -> None:
    result = await request_interview(sessions, a_request(), NOW)
    assert await stage(sessions, result.interview_id) == Stage.AWAITING_SLOTS
    assert [j for j in await job_kinds(sessions, result.interview_id) if j[0] not in ESCALATION] == [
        ("ask_client_for_slots", "client"), ("post_to_channel", None)
    ]
    async with sessions() as session:
        hashes = set(await session.scalars(select(Invitation.token_hash)))
        assert hash_token(result.client_token) in hashes
        assert result.client_token not in hashes
        grant = await resolve_invitation(session, result.candidate_token, NOW)
        assert grant.role is Role.CANDIDATE and grant.interview_id == result.interview_id
    assert len(result.client_token) >= 43  # 256 random bits, base64url


async def test_a_request_with_bad_fields_says_which_and_writes_nothing(sessions: Sessions) -> None:
    bad = a_request(client_email="not-an-address")
    bad = InterviewRequest(**{**bad.__dict__, "duration_minutes": 5})
    with pytest.raises(InvalidRequest) as caught:
        await request_interview(sessions, bad, NOW)
    assert set(caught.value.problems) == {"client_email", "duration_minutes"}
    assert await count(sessions, Interview) == 0


async def test_the_client_offers_slots_bad_ones_are_refused_and_the_rest_kept(sessions: Sessions) -> None:
    result = await request_interview(sessions, a_request(), NOW)
    client, _ = await parties(sessions, result.interview_id)
    offer = await offer_slots(
        sessions,
        client,
        result.interview_id,
        [
            SlotRequest(WEDNESDAY, time(10), "Europe/London"),
            SlotRequest(WEDNESDAY, time(10, 30), "Europe/London"),  # overlaps the first
            SlotRequest(date(2026, 11, 20), time(10), "Europe/London"),  # in the past
            SlotRequest(WEDNESDAY, time(20), "Europe/London"),  # after working hours
        ],
        NOW,
    )
    assert len(offer.accepted) == 1
    assert [r.reason for r in offer.refused] == [
        RefusalReason.OVERLAPS_OFFERED,
        RefusalReason.PAST,
        RefusalReason.OUTSIDE_WORKING_HOURS,
    ]
    assert offer.stage is Stage.AWAITING_PICK
    assert ("offer_slots_to_candidate", "candidate") in await job_kinds(sessions, result.interview_id)


async def test_nothing_acceptable_changes_nothing(sessions: Sessions) -> None:
    result = await request_interview(sessions, a_request(), NOW)
    client, _ = await parties(sessions, result.interview_id)
    offer = await offer_slots(
        sessions, client, result.interview_id, [SlotRequest(WEDNESDAY, time(3), "Europe/London")], NOW
    )
    assert offer.accepted == [] and offer.stage is Stage.AWAITING_SLOTS
    assert await count(sessions, Slot) == 0
    assert len([j for j in await job_kinds(sessions, result.interview_id) if j[0] not in ESCALATION]) == 2


@pytest.mark.parametrize("who", ["candidate", "stranger", "other-client"])
async def test_only_the_interviews_client_may_offer_slots(sessions: Sessions, who: str) -> None:
    result = await request_interview(sessions, a_request(), NOW)
    other = await request_interview(sessions, a_request("other@client.example", "x@y.org"), NOW)
    _client, candidate = await parties(sessions, result.interview_id)
    other_client, _ = await parties(sessions, other.interview_id)
    actor = {
        "candidate": candidate,
        "stranger": Actor(Role.CLIENT, "f" * 32),
        "other-client": other_client,
    }[who]
    with pytest.raises(NotAllowed):
        await offer_slots(
            sessions, actor, result.interview_id, [SlotRequest(WEDNESDAY, time(10), "Europe/London")], NOW
        )
    assert await count(sessions, Slot) == 0
    assert await stage(sessions, result.interview_id) == Stage.AWAITING_SLOTS


async def offered(sessions: Sessions, times: list[time] | None = None) -> tuple[str, Actor, Actor, list[str]]:
    result = await request_interview(sessions, a_request(), NOW)
    client, candidate = await parties(sessions, result.interview_id)
    await offer_slots(
        sessions,
        client,
        result.interview_id,
        [SlotRequest(WEDNESDAY, t, "Europe/London") for t in times or [time(10), time(14)]],
        NOW,
    )
    async with sessions() as session:
        slot_ids = list(
            await session.scalars(
                select(Slot.id).where(Slot.interview_id == result.interview_id).order_by(Slot.start)
            )
        )
    return result.interview_id, client, candidate, slot_ids


async def test_the_candidate_picks_and_everything_follows_from_one_booking(sessions: Sessions) -> None:
    interview_id, _, candidate, slot_ids = await offered(sessions)
    picked = await pick_slot(sessions, candidate, interview_id, slot_ids[0], NOW)
    assert picked.booked.start == datetime(2026, 11, 25, 10, 0, tzinfo=UTC) and not picked.already
    assert await stage(sessions, interview_id) == Stage.SCHEDULED
    kinds = await job_kinds(sessions, interview_id)
    for expected in [
        ("create_calendar_event", None),
        ("confirm_booking", "client"),
        ("confirm_booking", "candidate"),
        ("send_invitation_email", "client"),
        ("send_invitation_email", "candidate"),
        ("notify_recruiter", "recruiter"),
        ("remind_before_interview", "client"),
        ("remind_before_interview", "candidate"),
        ("mark_interview_ended", None),
    ]:
        assert expected in kinds, expected
    assert kinds.count(("remind_before_interview", "candidate")) == 2  # 24 h and 1 h before
    async with sessions() as session:
        statuses = dict((await session.execute(select(Slot.id, Slot.status))).all())
    assert statuses == {slot_ids[0]: "booked", slot_ids[1]: "withdrawn"}


async def test_the_same_pick_delivered_twice_books_once_and_confirms_once(sessions: Sessions) -> None:
    interview_id, _, candidate, slot_ids = await offered(sessions)
    await pick_slot(sessions, candidate, interview_id, slot_ids[0], NOW)
    before = await job_kinds(sessions, interview_id)
    again = await pick_slot(sessions, candidate, interview_id, slot_ids[0], NOW)
    assert again.already
    assert await job_kinds(sessions, interview_id) == before
    assert await count(sessions, Booking) == 1
    with pytest.raises(NotAllowed):
        await pick_slot(sessions, candidate, interview_id, slot_ids[1], NOW)


async def test_fifty_concurrent_picks_of_one_slot_make_one_booking(sessions: Sessions) -> None:
    interview_id, _, candidate, slot_ids = await offered(sessions)
    results = await asyncio.gather(
        *(pick_slot(sessions, candidate, interview_id, slot_ids[0], NOW) for _ in range(50)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for r in results if not r.already) == 1
    assert await count(sessions, Booking) == 1
    assert (await job_kinds(sessions, interview_id)).count(("confirm_booking", "candidate")) == 1


async def test_fifty_interviews_of_one_client_picking_the_same_hour_book_it_once(sessions: Sessions) -> None:
    """Different interviews do not lock each other: only the database's constraint can stop
    two candidates booking one client's overlapping slots at once."""
    picks = []
    for i in range(50):
        result = await request_interview(
            sessions, a_request("hm@client.example", f"cand{i}@example.org"), NOW
        )
        client, candidate = await parties(sessions, result.interview_id)
        # Slots at 10:00 and at 10:30: they all overlap one another.
        start = time(10, 30) if i % 2 else time(10)
        await offer_slots(
            sessions, client, result.interview_id, [SlotRequest(WEDNESDAY, start, "Europe/London")], NOW
        )
        async with sessions() as session:
            slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == result.interview_id))
        picks.append((candidate, result.interview_id, slot_id))
    results = await asyncio.gather(
        *(pick_slot(sessions, c, iid, sid, NOW) for c, iid, sid in picks), return_exceptions=True
    )
    booked = [r for r in results if not isinstance(r, BaseException)]
    taken = [r for r in results if isinstance(r, SlotTaken)]
    assert len(booked) == 1, results
    assert len(taken) == 49, [r for r in results if not isinstance(r, SlotTaken)]
    assert await count(sessions, Booking, Booking.status == "active") == 1
    assert await count(sessions, Interview, Interview.stage == Stage.SCHEDULED.value) == 1


async def test_the_candidate_proposes_other_times_and_the_client_is_asked_again(sessions: Sessions) -> None:
    interview_id, client, candidate, _ = await offered(sessions)
    await propose_other_times(sessions, candidate, interview_id, "Thursday after 14:00 IST", NOW)
    assert await stage(sessions, interview_id) == Stage.AWAITING_SLOTS
    assert await count(sessions, Slot, Slot.status == "offered") == 0
    assert (await job_kinds(sessions, interview_id)).count(("ask_client_for_slots", "client")) == 2
    with pytest.raises(InvalidRequest):
        await propose_other_times(sessions, candidate, interview_id, "   ", NOW)
    # The client offers again: the loop goes on.
    offer = await offer_slots(
        sessions, client, interview_id, [SlotRequest(date(2026, 11, 26), time(9, 30), "Europe/London")], NOW
    )
    assert offer.stage is Stage.AWAITING_PICK


async def test_a_pick_after_the_minimum_notice_passed_is_refused(sessions: Sessions) -> None:
    interview_id, _, candidate, slot_ids = await offered(sessions)
    late = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 11 hours before the 10:00 slot
    with pytest.raises(SlotTaken):
        await pick_slot(sessions, candidate, interview_id, slot_ids[0], late)
    assert await count(sessions, Booking) == 0


async def test_an_expired_link_is_refused(sessions: Sessions) -> None:
    from services.invitations import InvitationInvalid

    result = await request_interview(sessions, a_request(), NOW)
    async with sessions() as session:
        with pytest.raises(InvitationInvalid, match="expired"):
            await resolve_invitation(session, result.client_token, NOW + timedelta(days=31))
        with pytest.raises(InvitationInvalid):
            await resolve_invitation(session, result.client_token + "x", NOW)


async def test_the_recruiter_picks_for_the_candidate_and_is_answered_in_their_own_zone(sessions: Sessions) -> None:
    interview_id, _, _, slot_ids = await offered(sessions)
    async with sessions() as session:
        recruiter = Actor(Role.RECRUITER, (await session.get_one(Interview, interview_id)).recruiter_id)
    picked = await pick_slot(sessions, recruiter, interview_id, slot_ids[1], NOW)
    assert (picked.zone, picked.candidate_name) == ("Europe/London", "Asha Candidate")
    assert picked.booked.start == datetime(2026, 11, 25, 14, 0, tzinfo=UTC)
    assert await stage(sessions, interview_id) == Stage.SCHEDULED


async def test_the_candidate_is_answered_in_their_own_zone(sessions: Sessions) -> None:
    interview_id, _, candidate, slot_ids = await offered(sessions)
    picked = await pick_slot(sessions, candidate, interview_id, slot_ids[0], NOW)
    assert (picked.zone, picked.candidate_name) == ("Asia/Kolkata", "Asha Candidate")


async def test_a_slot_of_another_interview_cannot_be_picked(sessions: Sessions) -> None:
    from services.scheduling import NotFound

    mine, _, candidate, _ = await offered(sessions)
    other = await request_interview(sessions, a_request("other@client.example", "b@example.org"), NOW)
    other_client, _ = await parties(sessions, other.interview_id)
    await offer_slots(
        sessions, other_client, other.interview_id, [SlotRequest(WEDNESDAY, time(16), "Europe/London")], NOW
    )
    async with sessions() as session:
        theirs = await session.scalar(select(Slot.id).where(Slot.interview_id == other.interview_id))
    assert theirs is not None
    for slot_id in (theirs, "no-such-slot"):
        with pytest.raises(NotFound):
            await pick_slot(sessions, candidate, mine, slot_id, NOW)
    assert await count(sessions, Booking) == 0
    assert await stage(sessions, mine) == Stage.AWAITING_PICK


async def test_every_statement_of_a_pick_comes_from_the_compiled_cache(sessions: Sessions) -> None:
    """The pick is the hottest write path: once warm, nothing in it is compiled again (the
    outbox INSERT of the dialects' `on_conflict_do_nothing` had no cache key and was compiled on
    every booking)."""
    from sqlalchemy import event
    from sqlalchemy.engine.interfaces import CacheStats

    from storage.db import engine_of

    first, _, candidate, slot_ids = await offered(sessions)
    await pick_slot(sessions, candidate, first, slot_ids[0], NOW)  # warms the cache
    second, _, candidate, slot_ids = await offered(sessions, [time(16)])
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, _params, context, _many) -> None:
        if context.compiled is not None:
            seen.append((statement.split("(")[0][:40], context.cache_hit))

    engine = engine_of(sessions).sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await pick_slot(sessions, candidate, second, slot_ids[0], NOW)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert any(text.startswith("INSERT INTO jobs") for text, _ in seen), seen
    assert [(text, hit) for text, hit in seen if hit is not CacheStats.CACHE_HIT] == []
