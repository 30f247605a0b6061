"""One contract for every CalendarGateway: the in-memory fake and GraphCalendar on the loopback Graph.

LocalCalendar keeps the part of the contract that applies to it (fail-closed free/busy, a stable
event id) and is tested at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.dev.loopback_graph import FakeGraph
from integrations.calendar import (
    CalendarEvent,
    CalendarGateway,
    CalendarUnavailable,
    EventNotFound,
    LocalCalendar,
    MemoryCalendar,
    event_transaction_id,
)
from integrations.errors import PermanentError
from integrations.graph import GraphCalendar, GraphConnection
from scheduling.intervals import Interval
from scheduling.interview import Format
from tests.helpers.graph import (
    CLIENT_MAILBOX,
    FAST_RETRY,
    ORGANIZER,
    SDK_WARNINGS,
    StaticTokenCredential,
)
from tests.helpers.views import BOOKED, make_view

pytestmark = SDK_WARNINGS

DAY = Interval(datetime(2026, 10, 20, tzinfo=UTC), datetime(2026, 10, 21, tzinfo=UTC))
ATTENDEES = [("Carl Client", "carl@client.example"), ("Kim Candidate", "kim@example.org")]


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, 20, hour, minute, tzinfo=UTC)


@dataclass
class Subject:
    """A gateway under test, and how to put busy time into the calendar behind it."""

    gateway: CalendarGateway
    add_busy: Callable[[str, Interval], None]
    event_count: Callable[[], int]


@pytest.fixture(params=["memory", "graph"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == "memory":
        memory = MemoryCalendar([ORGANIZER, CLIENT_MAILBOX])
        yield Subject(memory, lambda m, i: memory.add_busy(m, i), lambda: len(memory.live_events()))
        return
    fake = await FakeGraph().start()
    for mailbox in (ORGANIZER, CLIENT_MAILBOX):
        fake.add_mailbox(mailbox)
    connection = GraphConnection(StaticTokenCredential(), base_url=fake.url, retry=FAST_RETRY)
    try:
        yield Subject(
            GraphCalendar(connection),
            lambda m, i: fake.add_item(m, i.start, i.end),
            lambda: len(fake.live_events()),
        )
    finally:
        await connection.close()
        await fake.close()


async def create(subject: Subject, **overrides: object) -> CalendarEvent:
    view = make_view(**overrides)
    return await subject.gateway.create_event(
        view, organizer=ORGANIZER, attendees=ATTENDEES, transaction_id=event_transaction_id(view.id, view.round)
    )


async def test_busy_time_comes_back_sorted_merged_and_clipped_to_the_window(subject: Subject) -> None:
    subject.add_busy(CLIENT_MAILBOX, Interval(at(14), at(15)))
    subject.add_busy(CLIENT_MAILBOX, Interval(at(9), at(10)))
    subject.add_busy(CLIENT_MAILBOX, Interval(at(9, 30), at(11)))
    subject.add_busy(CLIENT_MAILBOX, Interval(at(23), at(23) + timedelta(hours=3)))  # runs past midnight
    busy = await subject.gateway.free_busy(CLIENT_MAILBOX, DAY)
    assert busy == [Interval(at(9), at(11)), Interval(at(14), at(15)), Interval(at(23), DAY.end)]


async def test_an_empty_calendar_is_all_free(subject: Subject) -> None:
    assert await subject.gateway.free_busy(CLIENT_MAILBOX, DAY) == []


async def test_an_unknown_mailbox_fails_closed(subject: Subject) -> None:
    with pytest.raises(CalendarUnavailable):
        await subject.gateway.free_busy("nobody@agency.example", DAY)


async def test_a_retried_create_returns_the_same_event(subject: Subject) -> None:
    first = await create(subject)
    again = await create(subject)
    assert again == first
    assert subject.event_count() == 1


async def test_a_teams_interview_gets_a_join_url_and_an_on_site_one_does_not(subject: Subject) -> None:
    teams = await create(subject)
    on_site = await create(subject, id="iv-43", format=Format.ON_SITE, location="1 Main St", join_url=None)
    assert teams.join_url is not None and teams.join_url.startswith("https://teams.microsoft.com/")
    assert on_site.join_url is None
    assert on_site.id != teams.id


async def test_a_new_round_is_a_new_event(subject: Subject) -> None:
    first = await create(subject)
    second = await create(subject, round=2)
    assert second.id != first.id


async def test_the_event_makes_its_organizer_busy_until_it_is_cancelled(subject: Subject) -> None:
    event = await create(subject)
    assert await subject.gateway.free_busy(ORGANIZER, DAY) == [BOOKED]
    await subject.gateway.cancel_event(event.id, organizer=ORGANIZER, comment="Position filled")
    assert await subject.gateway.free_busy(ORGANIZER, DAY) == []


async def test_a_reschedule_moves_the_event_and_keeps_its_id(subject: Subject) -> None:
    event = await create(subject)
    moved = Interval(BOOKED.start + timedelta(hours=5), BOOKED.end + timedelta(hours=5))
    view = replace(make_view(booked=moved), join_url=event.join_url)
    updated = await subject.gateway.update_event(event.id, view, organizer=ORGANIZER, attendees=ATTENDEES)
    assert updated == event
    assert await subject.gateway.free_busy(ORGANIZER, DAY) == [moved]


async def test_cancelling_twice_is_fine_and_updating_a_cancelled_event_is_not_found(subject: Subject) -> None:
    event = await create(subject)
    await subject.gateway.cancel_event(event.id, organizer=ORGANIZER)
    await subject.gateway.cancel_event(event.id, organizer=ORGANIZER)
    with pytest.raises(EventNotFound):
        await subject.gateway.update_event(event.id, make_view(), organizer=ORGANIZER, attendees=ATTENDEES)
    assert subject.event_count() == 0


async def test_an_unknown_organizer_is_a_permanent_error(subject: Subject) -> None:
    view = make_view()
    with pytest.raises(PermanentError):
        await subject.gateway.create_event(
            view, organizer="nobody@agency.example", attendees=ATTENDEES, transaction_id="t-1"
        )


async def test_an_interview_without_a_booking_has_no_event(subject: Subject) -> None:
    with pytest.raises(ValueError, match="no booked time"):
        await create(subject, booked=None)


# The local default -----------------------------------------------------------------------------


async def test_the_local_calendar_cannot_suggest_times_and_says_so() -> None:
    with pytest.raises(CalendarUnavailable, match="add the slots by hand"):
        await LocalCalendar().free_busy(CLIENT_MAILBOX, DAY)


async def test_the_local_calendar_records_the_ics_invitation_as_the_event() -> None:
    calendar = LocalCalendar()
    view = make_view()
    event = await calendar.create_event(view, organizer=ORGANIZER, attendees=ATTENDEES, transaction_id="t")
    assert event == CalendarEvent("ics:iv-42", None)
    assert await calendar.update_event(event.id, view, organizer=ORGANIZER, attendees=ATTENDEES) == event
    await calendar.cancel_event(event.id, organizer=ORGANIZER)


def test_transaction_ids_are_stable_per_interview_round() -> None:
    assert event_transaction_id("iv-42", 1) == event_transaction_id("iv-42", 1)
    assert event_transaction_id("iv-42", 1) != event_transaction_id("iv-42", 2)
    assert event_transaction_id("iv-42", 1) != event_transaction_id("iv-43", 1)
    with pytest.raises(ValueError):
        event_transaction_id("iv-42", 0)
