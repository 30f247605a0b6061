"""The candidate's own windows on real databases: proposed with the words and the windows they were
read as, accepted by the client in one transaction that re-checks everything a booking checks,
and refused when stale, forged or taken — whatever the concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from scheduling.intervals import Interval
from scheduling.interview import Role, Stage
from scheduling.rules import SlotRequest
from services import ServiceContext, Services
from services.requests import request_interview
from services.scheduling import (
    Actor,
    NotAllowed,
    SlotTaken,
    accept_proposed_time,
    offer_slots,
    pick_slot,
    propose_other_times,
)
from storage.models import Booking, Interview, Slot
from tests.helpers.clock import Clock
from tests.helpers.databases import Sessions, count
from tests.helpers.interviews import NOW, WEDNESDAY, a_request, stage

# 14:00–20:00 IST on Monday 30 Nov is 08:30–14:30 GMT; London's working hours open at 09:00.
MONDAY = Interval(datetime(2026, 11, 30, 8, 30, tzinfo=UTC), datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
NINE = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


async def proposing(sessions: Sessions, candidate_email: str = "asha@example.org") -> tuple[str, Actor, Actor, str]:
    """An interview whose candidate turned down Wednesday 10:00 and proposed Monday afternoon IST."""
    result = await request_interview(sessions, a_request(candidate_email=candidate_email), NOW)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
        client = Actor(Role.CLIENT, interview.client_id)
        candidate = Actor(Role.CANDIDATE, interview.candidate_id)
    await offer_slots(sessions, client, result.interview_id, [SlotRequest(WEDNESDAY, time(10), "Europe/London")], NOW)
    proposal = await propose_other_times(sessions, candidate, result.interview_id, "Monday after 14:00", NOW,
                                         windows=[MONDAY], zone="Asia/Kolkata")
    return result.interview_id, client, candidate, proposal


async def test_the_client_books_a_proposed_time_at_once_and_the_proposal_is_used(sessions: Sessions) -> None:
    iid, client, _, proposal = await proposing(sessions)
    async with sessions() as session:
        stored = (await session.get_one(Interview, iid)).candidate_windows
    assert stored is not None and stored["text"] == "Monday after 14:00"
    assert stored["windows"] == [[MONDAY.start.isoformat(), MONDAY.end.isoformat()]]

    booked = await accept_proposed_time(sessions, client, iid, proposal, NINE, NOW)
    assert booked.booked == Interval(NINE, datetime(2026, 11, 30, 10, tzinfo=UTC)) and not booked.already
    assert await stage(sessions, iid) == Stage.SCHEDULED
    assert await count(sessions, Booking, Booking.status == "active") == 1
    assert await count(sessions, Slot, Slot.status == "booked") == 1
    again = await accept_proposed_time(sessions, client, iid, proposal, NINE, NOW)  # a retried click
    assert again.already and await count(sessions, Booking) == 1


@pytest.mark.parametrize(
    ("start", "message"),
    [
        (datetime(2026, 11, 30, 14, 0, tzinfo=UTC), "not inside the times the candidate proposed"),  # ends 15:00
        (datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "not inside the times the candidate proposed"),
    ],
)
async def test_a_forged_time_outside_the_windows_books_nothing(
    sessions: Sessions, start: datetime, message: str
) -> None:
    iid, client, _, proposal = await proposing(sessions)
    with pytest.raises(NotAllowed, match=message):
        await accept_proposed_time(sessions, client, iid, proposal, start, NOW)
    assert await stage(sessions, iid) == Stage.AWAITING_SLOTS and await count(sessions, Booking) == 0


async def test_only_the_client_accepts_and_only_the_open_proposal(sessions: Sessions) -> None:
    iid, client, candidate, proposal = await proposing(sessions)
    with pytest.raises(NotAllowed):
        await accept_proposed_time(sessions, candidate, iid, proposal, NINE, NOW)
    with pytest.raises(NotAllowed, match="proposed other times since"):
        await accept_proposed_time(sessions, client, iid, "an-older-proposal", NINE, NOW)
    await offer_slots(sessions, client, iid, [SlotRequest(WEDNESDAY, time(11), "Europe/London")], NOW)
    with pytest.raises(NotAllowed, match="no longer open: this interview is waiting for the candidate's pick"):
        await accept_proposed_time(sessions, client, iid, proposal, NINE, NOW)
    assert await count(sessions, Booking) == 0


async def test_a_time_the_clients_rules_refuse_is_refused_with_the_reason(sessions: Sessions) -> None:
    iid, client, _, proposal = await proposing(sessions)
    # 08:30 GMT lies in the window but before London's working hours open.
    with pytest.raises(SlotTaken, match="outside working hours"):
        await accept_proposed_time(sessions, client, iid, proposal, MONDAY.start, NOW)


async def test_twenty_clicks_at_once_book_once(sessions: Sessions) -> None:
    iid, client, _, proposal = await proposing(sessions)
    results = await asyncio.gather(
        *(accept_proposed_time(sessions, client, iid, proposal, NINE, NOW) for _ in range(20)),
        return_exceptions=True,
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(1 for r in results if not r.already) == 1
    assert await count(sessions, Booking) == 1


async def test_an_accept_racing_another_candidates_pick_of_the_same_hour_books_one(sessions: Sessions) -> None:
    """Two interviews of one client do not lock each other: the database's constraint decides."""
    iid, client, _, proposal = await proposing(sessions)
    other = await request_interview(sessions, a_request(candidate_email="other@example.org"), NOW)
    await offer_slots(sessions, client, other.interview_id,
                      [SlotRequest(NINE.date(), time(9), "Europe/London")], NOW)
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == other.interview_id))
        their = Actor(Role.CANDIDATE, (await session.get_one(Interview, other.interview_id)).candidate_id)
    assert slot_id is not None
    results = await asyncio.gather(
        accept_proposed_time(sessions, client, iid, proposal, NINE, NOW),
        pick_slot(sessions, their, other.interview_id, slot_id, NOW),
        return_exceptions=True,
    )
    assert sum(1 for r in results if not isinstance(r, BaseException)) == 1, results
    assert all(isinstance(r, SlotTaken) for r in results if isinstance(r, BaseException)), results
    assert await count(sessions, Booking, Booking.status == "active") == 1


async def test_the_words_are_read_in_the_candidates_zone_and_language_and_relayed_when_they_cannot_be(
    sessions: Sessions,
) -> None:
    services = Services(ServiceContext(sessions, clock=Clock(NOW)))
    await services.ctx.times.warm()
    result = await request_interview(sessions, a_request(), NOW)
    iid = result.interview_id
    async with sessions() as session:
        interview = await session.get_one(Interview, iid)
        client = Actor(Role.CLIENT, interview.client_id)
        candidate = Actor(Role.CANDIDATE, interview.candidate_id)
    await offer_slots(sessions, client, iid, [SlotRequest(WEDNESDAY, time(10), "Europe/London")], NOW)
    read = await services.scheduling.propose_other_times(candidate, iid, "el lunes después de las 14:00",
                                                         locale="es-ES")
    assert read.windows == (MONDAY,) and read.problems == () and read.zone == "Asia/Kolkata"

    # German times cannot be read: the words alone go to the client, and nothing can be accepted.
    again = await services.scheduling.propose_other_times(candidate, iid, "Montag nach 14 Uhr", locale="de-DE")
    assert again.windows == ()
    view = await services.scheduling.view(iid)
    assert view is not None and view.candidate_note == "Montag nach 14 Uhr" and view.candidate_windows == ()
    assert await services.scheduling.proposed_options(iid) == []
