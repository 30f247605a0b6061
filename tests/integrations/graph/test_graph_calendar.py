"""GraphCalendar on the wire: what the real msgraph-sdk sends to (loopback) Graph, and how answers,
throttling and failures come back."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.dev.loopback_graph import FakeGraph, parse_graph_time
from integrations.calendar import CalendarUnavailable, event_transaction_id
from integrations.errors import PermanentError, TransientError
from integrations.graph import GraphCalendar, GraphConnection
from scheduling.intervals import Interval
from scheduling.interview import Format
from scheduling.rules import BookingRules, free_slots
from tests.helpers.graph import (
    CLIENT_MAILBOX,
    ORGANIZER,
    SDK_WARNINGS,
    StaticTokenCredential,
)
from tests.helpers.views import BOOKED, make_view

pytestmark = SDK_WARNINGS

ATTENDEES = [("Carl Client", "carl@client.example"), ("Kim Candidate", "kim@example.org")]
MONDAY = datetime(2026, 10, 19, tzinfo=UTC)
WEEK = Interval(MONDAY, MONDAY + timedelta(days=7))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


async def test_get_schedule_goes_out_with_the_sdks_pascal_case_keys_in_utc(
    fake_graph: FakeGraph, graph: GraphConnection, credential: StaticTokenCredential
) -> None:
    await GraphCalendar(graph).free_busy(CLIENT_MAILBOX, WEEK)
    [call] = fake_graph.calls("POST", "/calendar/getSchedule")
    assert call.path == f"/v1.0/users/{CLIENT_MAILBOX}/calendar/getSchedule"
    assert set(call.body) == {"Schedules", "StartTime", "EndTime", "AvailabilityViewInterval"}
    assert call.body["Schedules"] == [CLIENT_MAILBOX]
    assert parse_graph_time(call.body["StartTime"]) == WEEK.start
    assert parse_graph_time(call.body["EndTime"]) == WEEK.end
    assert call.headers["prefer"] == 'outlook.timezone="UTC"'
    assert call.headers["Authorization"] == "Bearer fake-graph-token"
    # The scope comes from the Graph host; the token goes nowhere else.
    assert credential.scopes == [("http://127.0.0.1/.default",)]


@pytest.mark.parametrize(
    ("status", "busy"),
    [("busy", True), ("tentative", True), ("oof", True), ("unknown", True), ("free", False),
     ("workingElsewhere", False)],
    ids=lambda v: str(v),
)
async def test_which_statuses_count_as_busy(
    fake_graph: FakeGraph, graph: GraphConnection, status: str, busy: bool
) -> None:
    fake_graph.add_item(CLIENT_MAILBOX, at(1, 9), at(1, 10), status=status)
    result = await GraphCalendar(graph).free_busy(CLIENT_MAILBOX, WEEK)
    assert result == ([Interval(at(1, 9), at(1, 10))] if busy else [])


async def test_without_schedule_items_the_availability_view_is_read(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    fake_graph.availability_view_only.add(CLIENT_MAILBOX)
    fake_graph.add_item(CLIENT_MAILBOX, at(1, 9), at(1, 10), status="busy")
    fake_graph.add_item(CLIENT_MAILBOX, at(1, 11), at(1, 11, 30), status="oof")
    fake_graph.add_item(CLIENT_MAILBOX, at(1, 14), at(1, 15), status="free")
    result = await GraphCalendar(graph).free_busy(CLIENT_MAILBOX, WEEK)
    assert result == [Interval(at(1, 9), at(1, 10)), Interval(at(1, 11), at(1, 11, 30))]


async def test_free_slots_come_from_graph_busy_time_and_the_booking_rules(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    # Tuesday 20 Oct 2026 in London (BST, UTC+1): working 09:00-12:00 local = 08:00-11:00 UTC.
    fake_graph.add_item(CLIENT_MAILBOX, at(1, 8, 30), at(1, 9, 30), status="busy")
    fake_graph.add_item(CLIENT_MAILBOX, at(1, 10), at(1, 10, 30), status="tentative")
    fake_graph.add_item(CLIENT_MAILBOX, at(1, 9, 30), at(1, 10), status="free")
    rules = BookingRules(
        zone="Europe/London",
        duration=timedelta(minutes=30),
        min_notice=timedelta(hours=1),
        horizon=timedelta(days=2),
        working_hours={1: (time(9), time(12))},
    )
    now = at(0, 12)
    window = Interval(now, now + rules.horizon + rules.duration)
    busy = await GraphCalendar(graph).free_busy(CLIENT_MAILBOX, window)
    slots = free_slots(rules, busy, now)
    assert [s.start for s in slots] == [at(1, 8), at(1, 9, 30), at(1, 10, 30)]


async def test_a_window_longer_than_62_days_is_read_in_pieces(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    fake_graph.add_item(CLIENT_MAILBOX, at(80, 9), at(80, 10))
    window = Interval(MONDAY, MONDAY + timedelta(days=90))
    busy = await GraphCalendar(graph).free_busy(CLIENT_MAILBOX, window)
    assert busy == [Interval(at(80, 9), at(80, 10))]
    calls = fake_graph.calls("POST", "/calendar/getSchedule")
    assert len(calls) == 2
    assert all(
        parse_graph_time(c.body["EndTime"]) - parse_graph_time(c.body["StartTime"]) <= timedelta(days=62)
        for c in calls
    )


@pytest.mark.parametrize(
    "break_it",
    [
        lambda fake: fake.fail(403, code="ErrorAccessDenied", times=5),
        lambda fake: fake.fail(503, retry_after="1", times=5),
        lambda fake: fake.schedule_errors.update(
            {CLIENT_MAILBOX: {"message": "Access denied", "responseCode": "ErrorAccessDenied"}}
        ),
    ],
    ids=["403 access denied", "503 outlasting the retries", "an error inside the schedule"],
)
async def test_free_busy_that_cannot_be_read_fails_closed(
    fake_graph: FakeGraph, graph: GraphConnection, break_it: object
) -> None:
    fake_graph.add_item(CLIENT_MAILBOX, at(1, 9), at(1, 10))
    break_it(fake_graph)
    with pytest.raises(CalendarUnavailable, match="add the slots by hand"):
        await GraphCalendar(graph).free_busy(CLIENT_MAILBOX, WEEK)


async def test_the_event_goes_out_with_attendees_a_teams_meeting_and_the_transaction_id(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    view = make_view()
    transaction_id = event_transaction_id(view.id, view.round)
    event = await GraphCalendar(graph).create_event(
        view, organizer=ORGANIZER, attendees=ATTENDEES, transaction_id=transaction_id
    )
    [call] = fake_graph.calls("POST", f"/users/{ORGANIZER}/events")
    body = call.body
    assert body["transactionId"] == transaction_id
    assert body["isOnlineMeeting"] is True
    assert body["onlineMeetingProvider"] == "teamsForBusiness"
    assert body["allowNewTimeProposals"] is False
    assert [a["emailAddress"]["address"] for a in body["attendees"]] == ["carl@client.example", "kim@example.org"]
    assert {a["type"] for a in body["attendees"]} == {"required"}
    assert parse_graph_time(body["start"]) == BOOKED.start
    assert parse_graph_time(body["end"]) == BOOKED.end
    assert body["subject"].startswith("Interview: Backend Engineer")
    stored = fake_graph.events[event.id]
    assert event.join_url == stored.data["onlineMeeting"]["joinUrl"]


async def test_an_on_site_event_has_a_location_and_no_meeting(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    view = make_view(format=Format.ON_SITE, location="1 Main St, London", join_url=None)
    await GraphCalendar(graph).create_event(view, organizer=ORGANIZER, attendees=ATTENDEES, transaction_id="t-1")
    [call] = fake_graph.calls("POST", f"/users/{ORGANIZER}/events")
    assert "isOnlineMeeting" not in call.body
    assert call.body["location"]["displayName"] == "1 Main St, London"


async def test_a_create_whose_answer_was_lost_is_retried_and_still_makes_one_event(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    # Graph stores the event, but the client sees a 504: the SDK retries the POST with the same
    # transactionId and Graph hands back the event it already has.
    fake_graph.fail(504, retry_after="1", path_contains="/events", after_work=True)
    view = make_view()
    event = await GraphCalendar(graph).create_event(
        view, organizer=ORGANIZER, attendees=ATTENDEES, transaction_id=event_transaction_id(view.id, 1)
    )
    posts = fake_graph.calls("POST", f"/users/{ORGANIZER}/events")
    assert len(posts) == 2
    assert posts[1].headers["Retry-Attempt"] == "1"
    assert [e.id for e in fake_graph.live_events()] == [event.id]


async def test_a_join_url_attached_after_the_create_is_read_back(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    fake_graph.join_url_late = True
    event = await GraphCalendar(graph).create_event(
        make_view(), organizer=ORGANIZER, attendees=ATTENDEES, transaction_id="t-1"
    )
    assert event.join_url is not None
    assert len(fake_graph.calls("GET", f"/events/{event.id}")) == 1


async def test_update_patches_the_new_time_and_cancel_sends_the_comment(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    calendar = GraphCalendar(graph)
    event = await calendar.create_event(make_view(), organizer=ORGANIZER, attendees=ATTENDEES, transaction_id="t")
    moved = Interval(BOOKED.start + timedelta(days=1), BOOKED.end + timedelta(days=1))
    await calendar.update_event(event.id, make_view(booked=moved), organizer=ORGANIZER, attendees=ATTENDEES)
    [patch] = fake_graph.calls("PATCH", f"/users/{ORGANIZER}/events/{event.id}")
    assert parse_graph_time(patch.body["start"]) == moved.start
    assert "transactionId" not in patch.body
    await calendar.cancel_event(event.id, organizer=ORGANIZER, comment="The role was filled.")
    [cancel] = fake_graph.calls("POST", f"/events/{event.id}/cancel")
    assert cancel.body == {"Comment": "The role was filled."}


async def test_a_429_is_retried_by_the_sdk_after_its_retry_after(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    fake_graph.fail(429, retry_after="1", path_contains="/events")
    event = await GraphCalendar(graph).create_event(
        make_view(), organizer=ORGANIZER, attendees=ATTENDEES, transaction_id="t-1"
    )
    posts = fake_graph.calls("POST", f"/users/{ORGANIZER}/events")
    assert len(posts) == 2 and posts[1].headers["Retry-Attempt"] == "1"
    assert event.id in fake_graph.events


async def test_a_long_retry_after_is_handed_to_the_job_runner_instead_of_slept_on(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    fake_graph.fail(429, retry_after="120", path_contains="/events")
    with pytest.raises(TransientError) as caught:
        await GraphCalendar(graph).create_event(
            make_view(), organizer=ORGANIZER, attendees=ATTENDEES, transaction_id="t-1"
        )
    assert caught.value.after == timedelta(seconds=120)
    assert len(fake_graph.calls("POST", f"/users/{ORGANIZER}/events")) == 1


async def test_a_503_that_outlasts_the_retries_is_a_transient_error(
    fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    fake_graph.fail(503, retry_after="1", times=10, path_contains="/events")
    with pytest.raises(TransientError, match="503") as caught:
        await GraphCalendar(graph).create_event(
            make_view(), organizer=ORGANIZER, attendees=ATTENDEES, transaction_id="t-1"
        )
    assert caught.value.after == timedelta(seconds=1)
    assert len(fake_graph.calls("POST", f"/users/{ORGANIZER}/events")) == 3  # 1 + max_retries (2)
    assert fake_graph.live_events() == []


async def test_a_bad_token_is_a_permanent_error(fake_graph: FakeGraph) -> None:
    connection = GraphConnection(StaticTokenCredential("wrong"), base_url=fake_graph.url)
    try:
        with pytest.raises(PermanentError, match="401 InvalidAuthenticationToken"):
            await GraphCalendar(connection).create_event(
                make_view(), organizer=ORGANIZER, attendees=ATTENDEES, transaction_id="t-1"
            )
    finally:
        await connection.close()
