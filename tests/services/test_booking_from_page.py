"""Scheduling from a client's booking page on real databases (SQLite and PostgreSQL): a request
for a client with a page goes straight to the candidate with live open times, a pick is checked
again at commit (the bookings as they are now, the calendar read through the real msgraph-sdk
against the loopback Graph, failing closed when it cannot be read), and the database keeps one
booking per time whatever the concurrency. A change of the page never alters what was booked.

Monday 23 November 2026 09:00 UTC is now (tests/helpers/interviews.py); London is UTC+0 then."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dev.loopback_graph import FakeGraph
from integrations.calendar import CalendarUnavailable, LocalCalendar, MemoryCalendar
from integrations.graph import GraphCalendar, GraphConnection
from scheduling.intervals import Interval
from scheduling.interview import EffectKind, Role, Stage
from services.availability import set_page
from services.booking import book_open_time, listed_times
from services.changes import reschedule_interview
from services.core import Actor, InvalidRequest, NotAllowed, SlotTaken
from services.requests import TimesFrom, request_interview
from storage.models import Booking, Interview, Job
from tests.helpers.databases import count
from tests.helpers.graph import FAST_RETRY, SDK_WARNINGS, StaticTokenCredential
from tests.helpers.interviews import NOW, a_request

Sessions = async_sessionmaker[AsyncSession]
CLIENT = "hm@client.example"

# Weekdays 09:00–12:00 and 13:00–17:00 in London, hour-long interviews on the hour, an hour's
# notice: the first open time is Monday 10:00.
PAGE: dict[str, Any] = {
    "zone": "Europe/London",
    "weekly": {
        day: [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri")
    },
    "rules": {"durations_minutes": [60], "min_notice_minutes": 60, "step_minutes": 60},
}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


async def a_client_with_a_page(sessions: Sessions, page: dict[str, Any] = PAGE) -> str:
    """The client exists once a first (hand-offered) request names them; then they set a page."""
    first = await request_interview(sessions, a_request(candidate_email="first@example.org"), NOW)
    await set_page(sessions, first.client_id, page, now=NOW, by="test")
    return first.client_id


async def from_the_page(sessions: Sessions, n: int) -> tuple[str, str]:
    """Candidate `n`'s interview requested under the client's page, and the candidate's id."""
    result = await request_interview(
        sessions, a_request(candidate_email=f"c{n}@example.org", candidate_name=f"Cand {n}"), NOW
    )
    return result.interview_id, result.candidate_id


async def test_a_request_for_a_client_with_a_page_goes_straight_to_the_candidate(sessions: Sessions) -> None:
    await a_client_with_a_page(sessions)
    interview_id, _ = await from_the_page(sessions, 1)
    async with sessions() as session:
        interview = await session.get_one(Interview, interview_id)
        assert (interview.stage, interview.rules) == (Stage.AWAITING_PICK.value, {"page_version": 1})
        kinds = {(j.kind, j.role) for j in await session.scalars(
            select(Job).where(Job.interview_id == interview_id))}
    assert (EffectKind.OFFER_SLOTS_TO_CANDIDATE.value, Role.CANDIDATE.value) in kinds
    assert not any(kind == EffectKind.ASK_CLIENT_FOR_SLOTS.value for kind, _ in kinds)

    live = await listed_times(sessions, LocalCalendar(), interview_id, NOW)
    assert live is not None and live.more
    assert [t.start for t in live.times] == [
        at(23, 10), at(23, 11), at(23, 13), at(23, 14), at(23, 15), at(23, 16), at(24, 9), at(24, 10)
    ]
    later = await listed_times(sessions, LocalCalendar(), interview_id, NOW, after=live.times[-1].start)
    assert later is not None and later.times[0].start == at(24, 11)


async def test_a_client_without_a_page_is_asked_for_slots_as_before(sessions: Sessions) -> None:
    result = await request_interview(sessions, a_request(), NOW)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
    assert interview.stage == Stage.AWAITING_SLOTS.value and "page_version" not in interview.rules
    assert await listed_times(sessions, LocalCalendar(), result.interview_id, NOW) is None


@pytest.mark.parametrize(
    ("changes", "field", "says"),
    [
        ({"duration_minutes": 45}, "duration_minutes", "offers interviews of 60 minutes"),
        ({"buffer_minutes": 15}, "buffer_minutes", "set by Harry Manager's booking page"),
        ({"horizon_days": 10}, "horizon_days", "leave it out"),
    ],
)
async def test_a_request_the_page_cannot_serve_is_refused_naming_the_field(
    sessions: Sessions, changes: dict[str, Any], field: str, says: str
) -> None:
    await a_client_with_a_page(sessions)
    before = await count(sessions, Interview)
    request = a_request(candidate_email="x@example.org")
    with pytest.raises(InvalidRequest) as refused:
        await request_interview(sessions, type(request)(**{**request.__dict__, **changes}), NOW)
    assert says in refused.value.problems[field]
    assert await count(sessions, Interview) == before  # nothing half-written


async def test_times_from_the_page_needs_a_page_and_by_hand_overrides_one(sessions: Sessions) -> None:
    request = a_request()
    with pytest.raises(InvalidRequest) as refused:
        await request_interview(
            sessions, type(request)(**{**request.__dict__, "times_from": TimesFrom.BOOKING_PAGE}), NOW
        )
    assert "has no booking page yet" in refused.value.problems["times_from"]
    assert await count(sessions, Interview) == 0

    await a_client_with_a_page(sessions)
    by_hand = type(request)(**{**request.__dict__, "candidate": a_request(candidate_email="h@example.org").candidate,
                               "times_from": TimesFrom.OFFERED_BY_CLIENT, "buffer_minutes": 15})
    result = await request_interview(sessions, by_hand, NOW)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
    assert interview.stage == Stage.AWAITING_SLOTS.value and interview.rules["buffer_minutes"] == 15


async def test_a_booked_time_is_not_listed_again_and_a_stale_pick_is_refused(sessions: Sessions) -> None:
    await a_client_with_a_page(sessions)
    first, first_candidate = await from_the_page(sessions, 1)
    second, second_candidate = await from_the_page(sessions, 2)
    calendar = LocalCalendar()

    booked = await book_open_time(
        sessions, calendar, Actor(Role.CANDIDATE, first_candidate), first, at(23, 10), NOW
    )
    assert booked.booked == Interval(at(23, 10), at(23, 11)) and not booked.already
    again = await book_open_time(
        sessions, calendar, Actor(Role.CANDIDATE, first_candidate), first, at(23, 10), NOW
    )
    assert again.already  # a retried activity books nothing more

    live = await listed_times(sessions, calendar, second, NOW)
    assert live is not None and at(23, 10) not in [t.start for t in live.times]
    with pytest.raises(SlotTaken, match="just taken"):
        await book_open_time(sessions, calendar, Actor(Role.CANDIDATE, second_candidate), second, at(23, 10), NOW)
    with pytest.raises(SlotTaken, match="not in the client's hours"):
        await book_open_time(sessions, calendar, Actor(Role.CANDIDATE, second_candidate), second, at(23, 12), NOW)
    with pytest.raises(NotAllowed):  # the other candidate's interview is not theirs
        await book_open_time(sessions, calendar, Actor(Role.CANDIDATE, second_candidate), first, at(23, 11), NOW)
    assert await count(sessions, Booking, Booking.status == "active") == 1


async def test_fifty_concurrent_picks_of_one_live_time_make_one_booking(sessions: Sessions) -> None:
    await a_client_with_a_page(sessions)
    interviews = [await from_the_page(sessions, n) for n in range(50)]
    calendar = LocalCalendar()

    async def pick(interview_id: str, candidate_id: str) -> str:
        try:
            await book_open_time(
                sessions, calendar, Actor(Role.CANDIDATE, candidate_id), interview_id, at(24, 14), NOW
            )
            return "booked"
        except SlotTaken:
            return "taken"

    outcomes = await asyncio.gather(*(pick(i, c) for i, c in interviews))
    assert sorted(set(outcomes)) == ["booked", "taken"] and outcomes.count("booked") == 1
    assert await count(sessions, Booking, Booking.status == "active") == 1
    assert await count(sessions, Interview, Interview.stage == Stage.SCHEDULED.value) == 1


async def test_a_page_change_never_alters_an_interview_requested_under_it(sessions: Sessions) -> None:
    client_id = await a_client_with_a_page(sessions)
    interview_id, candidate_id = await from_the_page(sessions, 1)
    await book_open_time(sessions, LocalCalendar(), Actor(Role.CANDIDATE, candidate_id), interview_id, at(23, 10), NOW)
    waiting, _ = await from_the_page(sessions, 2)
    # The client now works Tuesdays afternoons only.
    await set_page(sessions, client_id, {**PAGE, "weekly": {"tue": [{"start": "13:00", "end": "17:00"}]}},
                   now=NOW, by="test")
    async with sessions() as session:
        kept = await session.get_one(Interview, interview_id)
    assert (kept.starts_at, kept.rules) == (at(23, 10), {"page_version": 1})
    # An interview requested under version 1 still lists version 1's hours...
    live = await listed_times(sessions, LocalCalendar(), waiting, NOW)
    assert live is not None and live.times[0].start == at(23, 11)
    # ...and the next request is under version 2.
    newer, _ = await from_the_page(sessions, 3)
    later = await listed_times(sessions, LocalCalendar(), newer, NOW)
    assert later is not None and later.times[0].start == at(24, 13)


async def test_a_reschedule_from_a_page_lets_the_candidate_pick_a_new_live_time(sessions: Sessions) -> None:
    await a_client_with_a_page(sessions)
    interview_id, candidate_id = await from_the_page(sessions, 1)
    candidate = Actor(Role.CANDIDATE, candidate_id)
    await book_open_time(sessions, LocalCalendar(), candidate, interview_id, at(25, 10), NOW)

    result = await reschedule_interview(sessions, candidate, interview_id, "a clash", NOW)
    assert result.stage is Stage.AWAITING_PICK
    async with sessions() as session:
        asks = {j.kind for j in await session.scalars(
            select(Job).where(Job.interview_id == interview_id, Job.created_at >= NOW))}
    assert EffectKind.OFFER_SLOTS_TO_CANDIDATE.value in asks

    moved = await book_open_time(sessions, LocalCalendar(), candidate, interview_id, at(26, 14), NOW)
    assert moved.booked.start == at(26, 14)
    assert await count(sessions, Booking, Booking.status == "active") == 1


async def test_a_calendar_that_cannot_be_read_lists_nothing_and_books_nothing(sessions: Sessions) -> None:
    await a_client_with_a_page(sessions)
    interview_id, candidate_id = await from_the_page(sessions, 1)
    calendar = MemoryCalendar([CLIENT])
    calendar.fail_next = [RuntimeError("down"), RuntimeError("down")]
    with pytest.raises(CalendarUnavailable, match="won't offer a time"):
        await listed_times(sessions, calendar, interview_id, NOW)
    with pytest.raises(CalendarUnavailable, match="Nothing was booked"):
        await book_open_time(sessions, calendar, Actor(Role.CANDIDATE, candidate_id), interview_id, at(23, 10), NOW)
    assert await count(sessions, Booking) == 0


# The real msgraph-sdk against the loopback Graph -------------------------------------------------


@pytest.fixture
async def fake_graph() -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph().start()
    fake.add_mailbox(CLIENT)
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
async def graph_calendar(fake_graph: FakeGraph) -> AsyncIterator[GraphCalendar]:
    connection = GraphConnection(StaticTokenCredential(), base_url=fake_graph.url, retry=FAST_RETRY)
    try:
        yield GraphCalendar(connection)
    finally:
        await connection.close()


@SDK_WARNINGS[0]
@SDK_WARNINGS[1]
async def test_a_pick_reads_the_clients_calendar_again_at_commit(
    sessions: Sessions, fake_graph: FakeGraph, graph_calendar: GraphCalendar
) -> None:
    await a_client_with_a_page(sessions)
    interview_id, candidate_id = await from_the_page(sessions, 1)
    fake_graph.add_item(CLIENT, at(23, 11), at(23, 12))  # already busy when the list is made
    live = await listed_times(sessions, graph_calendar, interview_id, NOW)
    assert live is not None and [t.start for t in live.times[:2]] == [at(23, 10), at(23, 13)]

    # The client's calendar fills 10:00 after the candidate saw the list: the pick is refused.
    fake_graph.add_item(CLIENT, at(23, 10), at(23, 11))
    with pytest.raises(SlotTaken, match="just taken"):
        await book_open_time(
            sessions, graph_calendar, Actor(Role.CANDIDATE, candidate_id), interview_id, at(23, 10), NOW
        )
    # Graph answering 503 (past the retries): fail closed, nothing booked.
    fake_graph.fail(503, retry_after="0", times=10, path_contains="getSchedule")
    with pytest.raises(CalendarUnavailable):
        await book_open_time(
            sessions, graph_calendar, Actor(Role.CANDIDATE, candidate_id), interview_id, at(23, 13), NOW
        )
    assert await count(sessions, Booking) == 0
    assert fake_graph.calls("POST", "/calendar/getSchedule")


async def test_a_days_cap_counts_its_bookings_from_before_now(sessions: Sessions) -> None:
    capped = {**PAGE, "rules": {**PAGE["rules"], "max_per_day": 1, "min_notice_minutes": 0}}
    await a_client_with_a_page(sessions, capped)
    early, early_candidate = await from_the_page(sessions, 1)
    # Booked at 09:00 today, when it was still open (now was before it then).
    await book_open_time(sessions, LocalCalendar(), Actor(Role.CANDIDATE, early_candidate), early,
                         at(23, 9), NOW - timedelta(hours=1))
    later, _ = await from_the_page(sessions, 2)
    live = await listed_times(sessions, LocalCalendar(), later, NOW + timedelta(hours=1, minutes=30))
    assert live is not None and live.times[0].start == at(24, 9)  # Monday is full
