"""Booking rules: offered slots around every boundary, DST in five zones, free slots, picks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta

import pytest

from scheduling.errors import DomainError, InvalidRules, UnknownTimeZone
from scheduling.intervals import Interval
from scheduling.rules import (
    BookingRules,
    RefusalReason,
    SlotRequest,
    check_offered_slots,
    check_pick,
    free_slots,
)
from scheduling.zones import zone

R = RefusalReason
LONDON = "Europe/London"
NEW_YORK = "America/New_York"
KOLKATA = "Asia/Kolkata"
ADELAIDE = "Australia/Adelaide"
TOKYO = "Asia/Tokyo"
MINUTE = timedelta(minutes=1)
EVERY_DAY = {day: (time(0), time(23, 59)) for day in range(7)}


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def slot(start: datetime, minutes: int = 60) -> Interval:
    return Interval(start, start + timedelta(minutes=minutes))


def request(day: date, hour: int, minute: int = 0, zone_name: str = LONDON) -> SlotRequest:
    return SlotRequest(day, time(hour, minute), zone_name)


def outcome(
    requests: list[SlotRequest],
    rules: BookingRules,
    now: datetime,
    busy: tuple[Interval, ...] = (),
) -> list[RefusalReason | Interval]:
    """Per request, in order: the accepted interval or the refusal reason."""
    check = check_offered_slots(requests, rules, busy, now)
    accepted = iter(check.accepted)
    refused = {id(r.request): r.reason for r in check.refused}
    assert len(check.accepted) + len(check.refused) == len(requests)
    return [refused[id(r)] if id(r) in refused else next(accepted) for r in requests]


# --- one slot against each boundary -----------------------------------------------------------

# Monday 2 March 2026, 12:00 GMT; London rules: 60 min, 24 h notice, 60 days, Mon–Fri 09–18.
NOW = utc(2026, 3, 2, 12)
DEFAULT = BookingRules(zone=LONDON)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (request(date(2026, 3, 2), 10), R.PAST),
        (request(date(2026, 3, 2), 12), R.PAST),
        (request(date(2026, 3, 2), 13), R.MIN_NOTICE),
        (request(date(2026, 3, 3), 11, 59), R.MIN_NOTICE),
        (request(date(2026, 3, 3), 12), slot(utc(2026, 3, 3, 12))),
        (request(date(2026, 5, 1), 13), slot(utc(2026, 5, 1, 12))),
        (request(date(2026, 5, 1), 13, 1), R.BEYOND_HORIZON),
        (request(date(2026, 3, 4), 9), slot(utc(2026, 3, 4, 9))),
        (request(date(2026, 3, 4), 8, 59), R.OUTSIDE_WORKING_HOURS),
        (request(date(2026, 3, 4), 17), slot(utc(2026, 3, 4, 17))),
        (request(date(2026, 3, 4), 17, 1), R.OUTSIDE_WORKING_HOURS),
        (request(date(2026, 3, 4), 18), R.OUTSIDE_WORKING_HOURS),
        (request(date(2026, 3, 7), 10), R.OUTSIDE_WORKING_HOURS),
        (request(date(2026, 3, 8), 10), R.OUTSIDE_WORKING_HOURS),
        (request(date(2026, 3, 4), 23, 30), R.OUTSIDE_WORKING_HOURS),
        (SlotRequest(date(2026, 3, 4), time(10), "Europe/Londn"), R.UNKNOWN_ZONE),
    ],
    ids=[
        "earlier today is past",
        "exactly now is past",
        "later today is short notice",
        "one minute short of 24 hours",
        "exactly 24 hours ahead",
        "exactly 60 days ahead",
        "one minute beyond 60 days",
        "starts at opening time",
        "starts a minute before opening",
        "ends exactly at closing time",
        "ends a minute after closing",
        "starts at closing time",
        "Saturday",
        "Sunday",
        "late evening crossing midnight",
        "misspelt zone",
    ],
)
def test_an_offered_slot_is_checked_against_each_rule(
    typed: SlotRequest, expected: RefusalReason | Interval
) -> None:
    assert outcome([typed], DEFAULT, NOW) == [expected]


@pytest.mark.parametrize(
    ("typed", "reason", "must_say"),
    [
        (request(date(2026, 3, 2), 10), R.PAST, ["Mon 2 Mar 2026, 10:00 GMT", "in the past"]),
        (
            request(date(2026, 3, 3), 10),
            R.MIN_NOTICE,
            ["24 hours", "Tue 3 Mar 2026, 12:00 GMT (Europe/London)"],
        ),
        (request(date(2026, 6, 1), 10), R.BEYOND_HORIZON, ["60 days", "Fri 1 May 2026, 13:00"]),
        (request(date(2026, 3, 7), 10), R.OUTSIDE_WORKING_HOURS, ["Mon–Fri 09:00–18:00"]),
        (request(date(2026, 3, 29), 1, 30), R.DST_GAP, ["Sun 29 Mar 2026 01:30", LONDON]),
        (request(date(2026, 10, 25), 1, 30), R.DST_AMBIGUOUS, ["Sun 25 Oct 2026 01:30", LONDON]),
        (SlotRequest(date(2026, 3, 4), time(10), "Nowhere"), R.UNKNOWN_ZONE, ["Nowhere"]),
    ],
    ids=["past", "notice", "horizon", "working hours", "gap", "fold", "zone"],
)
def test_a_refusal_says_what_was_wrong_and_what_to_do(
    typed: SlotRequest, reason: RefusalReason, must_say: list[str]
) -> None:
    (refused,) = check_offered_slots([typed], DEFAULT, (), NOW).refused
    assert refused.reason is reason
    assert refused.request is typed
    for words in must_say:
        assert words in refused.message
    assert "— pick" in refused.message or "— use" in refused.message


# --- several slots in one offer, and busy time ------------------------------------------------

WED = date(2026, 3, 4)


@pytest.mark.parametrize(
    ("rules", "typed", "expected"),
    [
        (
            DEFAULT,
            [request(WED, 10), request(WED, 11)],
            [slot(utc(2026, 3, 4, 10)), slot(utc(2026, 3, 4, 11))],
        ),
        (
            DEFAULT,
            [request(WED, 10), request(WED, 10, 59)],
            [slot(utc(2026, 3, 4, 10)), R.OVERLAPS_OFFERED],
        ),
        (
            DEFAULT,
            [request(WED, 11), request(WED, 10, 30)],
            [slot(utc(2026, 3, 4, 11)), R.OVERLAPS_OFFERED],
        ),
        (
            DEFAULT,
            [request(WED, 10), request(WED, 10)],
            [slot(utc(2026, 3, 4, 10)), R.DUPLICATE],
        ),
        (
            DEFAULT,
            [request(WED, 10), SlotRequest(WED, time(5), NEW_YORK)],
            [slot(utc(2026, 3, 4, 10)), R.DUPLICATE],
        ),
        (
            DEFAULT,
            [request(WED, 17, 30), request(WED, 17)],
            [R.OUTSIDE_WORKING_HOURS, slot(utc(2026, 3, 4, 17))],
        ),
        (
            BookingRules(zone=LONDON, buffer_after=timedelta(minutes=10)),
            [request(WED, 10), request(WED, 11)],
            [slot(utc(2026, 3, 4, 10)), R.OVERLAPS_OFFERED],
        ),
        (
            BookingRules(zone=LONDON, buffer_after=timedelta(minutes=10)),
            [request(WED, 10), request(WED, 11, 10)],
            [slot(utc(2026, 3, 4, 10)), slot(utc(2026, 3, 4, 11, 10))],
        ),
        (
            BookingRules(zone=LONDON, buffer_before=timedelta(minutes=5), buffer_after=timedelta(minutes=10)),
            [request(WED, 10), request(WED, 11, 14), request(WED, 11, 15)],
            [slot(utc(2026, 3, 4, 10)), R.OVERLAPS_OFFERED, slot(utc(2026, 3, 4, 11, 15))],
        ),
    ],
    ids=[
        "back-to-back slots are fine",
        "overlapping second slot refused",
        "the earlier-accepted slot wins",
        "the same slot twice",
        "the same instant typed in another zone",
        "a refused slot does not block a later one",
        "after-buffer keeps the next slot out",
        "after-buffer respected",
        "both buffers add up between two slots",
    ],
)
def test_slots_in_one_offer_do_not_collide(
    rules: BookingRules,
    typed: list[SlotRequest],
    expected: list[RefusalReason | Interval],
) -> None:
    assert outcome(typed, rules, NOW) == expected


BUSY = (slot(utc(2026, 3, 4, 14)),)  # Wed 14:00–15:00 GMT
BUFFERED = BookingRules(zone=LONDON, buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=10))


@pytest.mark.parametrize(
    ("rules", "typed", "expected"),
    [
        (DEFAULT, request(WED, 13), slot(utc(2026, 3, 4, 13))),
        (DEFAULT, request(WED, 15), slot(utc(2026, 3, 4, 15))),
        (DEFAULT, request(WED, 13, 1), R.OVERLAPS_BOOKING),
        (DEFAULT, request(WED, 14, 59), R.OVERLAPS_BOOKING),
        (BUFFERED, request(WED, 12, 50), slot(utc(2026, 3, 4, 12, 50))),
        (BUFFERED, request(WED, 12, 51), R.OVERLAPS_BOOKING),
        (BUFFERED, request(WED, 15, 15), slot(utc(2026, 3, 4, 15, 15))),
        (BUFFERED, request(WED, 15, 14), R.OVERLAPS_BOOKING),
    ],
    ids=[
        "back-to-back before a booking",
        "back-to-back after a booking",
        "a minute into a booking",
        "a minute before a booking ends",
        "after-buffer just clears the booking",
        "after-buffer touches the booking",
        "before-buffer just clears the booking",
        "before-buffer touches the booking",
    ],
)
def test_a_slot_with_its_buffers_must_clear_busy_time(
    rules: BookingRules, typed: SlotRequest, expected: RefusalReason | Interval
) -> None:
    assert outcome([typed], rules, NOW, BUSY) == [expected]


def test_busy_time_may_come_unsorted_and_overlapping() -> None:
    busy = (
        slot(utc(2026, 3, 4, 16)),
        slot(utc(2026, 3, 4, 9), minutes=300),  # 09:00–14:00 swallows the next one
        slot(utc(2026, 3, 4, 10)),
    )
    typed = [request(WED, 13), request(WED, 14), request(WED, 15, 30)]
    assert outcome(typed, DEFAULT, NOW, busy) == [
        R.OVERLAPS_BOOKING,
        slot(utc(2026, 3, 4, 14)),
        R.OVERLAPS_BOOKING,
    ]


# --- DST, in five zones -----------------------------------------------------------------------


def around(zone_name: str, **kwargs: object) -> BookingRules:
    """Rules open every day and all day, so only DST (and the rule under test) can refuse."""
    return BookingRules(
        zone=zone_name,
        working_hours=EVERY_DAY,
        min_notice=timedelta(0),
        **kwargs,
    )


EARLY_2026 = utc(2026, 1, 1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (request(date(2026, 3, 29), 1, 30, LONDON), R.DST_GAP),
        (request(date(2026, 10, 25), 1, 30, LONDON), R.DST_AMBIGUOUS),
        (request(date(2026, 3, 8), 2, 30, NEW_YORK), R.DST_GAP),
        (request(date(2026, 11, 1), 1, 30, NEW_YORK), R.DST_AMBIGUOUS),
        (request(date(2026, 10, 4), 2, 30, ADELAIDE), R.DST_GAP),
        (request(date(2026, 4, 5), 2, 30, ADELAIDE), R.DST_AMBIGUOUS),
        (request(date(2026, 3, 29), 1, 30, KOLKATA), slot(utc(2026, 3, 28, 20))),
        (request(date(2026, 3, 29), 1, 30, TOKYO), slot(utc(2026, 3, 28, 16, 30))),
        (request(date(2026, 3, 29), 1, 30, "UTC"), slot(utc(2026, 3, 29, 1, 30))),
    ],
    ids=[
        "London spring gap",
        "London autumn fold",
        "New York spring gap",
        "New York autumn fold",
        "Adelaide October gap",
        "Adelaide April fold",
        "Kolkata has no gap",
        "Tokyo has no gap",
        "UTC has no gap",
    ],
)
def test_wall_times_that_do_not_exist_or_happen_twice_are_refused(
    typed: SlotRequest, expected: RefusalReason | Interval
) -> None:
    rules = around(typed.zone, horizon=timedelta(days=400))
    assert outcome([typed], rules, EARLY_2026) == [expected]


@pytest.mark.parametrize(
    ("zone_name", "typed", "expected_utc_start", "minutes"),
    [
        (LONDON, request(date(2026, 3, 29), 0, 30, LONDON), utc(2026, 3, 29, 0, 30), 60),
        (LONDON, request(date(2026, 10, 25), 0, 30, LONDON), utc(2026, 10, 24, 23, 30), 90),
        (NEW_YORK, request(date(2026, 3, 8), 1, 30, NEW_YORK), utc(2026, 3, 8, 6, 30), 60),
        (NEW_YORK, request(date(2026, 11, 1), 0, 30, NEW_YORK), utc(2026, 11, 1, 4, 30), 120),
        (ADELAIDE, request(date(2026, 10, 4), 1, 30, ADELAIDE), utc(2026, 10, 3, 16), 60),
        (ADELAIDE, request(date(2026, 4, 5), 1, 30, ADELAIDE), utc(2026, 4, 4, 15), 120),
    ],
    ids=[
        "London spring: 00:30 GMT–02:30 BST is one hour",
        "London autumn: 00:30 BST–01:00 GMT is ninety minutes",
        "New York spring: 01:30 EST–03:30 EDT is one hour",
        "New York autumn: 00:30 EDT–01:30 EST is two hours",
        "Adelaide October: 01:30 ACST–03:30 ACDT is one hour",
        "Adelaide April: 01:30 ACDT–02:30 ACST is two hours",
    ],
)
def test_a_slot_across_a_dst_change_lasts_its_real_duration(
    zone_name: str, typed: SlotRequest, expected_utc_start: datetime, minutes: int
) -> None:
    rules = around(zone_name, duration=timedelta(minutes=minutes), horizon=timedelta(days=400))
    (accepted,) = check_offered_slots([typed], rules, (), EARLY_2026).accepted
    assert accepted == slot(expected_utc_start, minutes)
    assert accepted.duration == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (request(date(2026, 3, 29), 11, 0, LONDON), slot(utc(2026, 3, 29, 10))),
        (request(date(2026, 3, 29), 11, 1, LONDON), R.OUTSIDE_WORKING_HOURS),
        (request(date(2026, 10, 25), 11, 0, LONDON), slot(utc(2026, 10, 25, 11))),
        (request(date(2026, 10, 25), 11, 1, LONDON), R.OUTSIDE_WORKING_HOURS),
    ],
    ids=[
        "short Sunday: last slot ends 12:00 BST",
        "short Sunday: a minute later overruns",
        "long Sunday: last slot ends 12:00 GMT",
        "long Sunday: a minute later overruns",
    ],
)
def test_working_hours_on_a_dst_day_are_kept_in_wall_time(
    typed: SlotRequest, expected: RefusalReason | Interval
) -> None:
    rules = BookingRules(
        zone=LONDON,
        working_hours={6: (time(0), time(12))},
        min_notice=timedelta(0),
        horizon=timedelta(days=400),
    )
    assert outcome([typed], rules, EARLY_2026) == [expected]


# --- working hours in the client's zone, typed in another -------------------------------------

SUNDAY_1_MARCH = utc(2026, 3, 1)


@pytest.mark.parametrize(
    ("rules_zone", "typed", "expected"),
    [
        # New York moves to EDT on 8 March, London to BST on 29 March: three weeks 4 h apart.
        (LONDON, request(date(2026, 3, 2), 4, 0, NEW_YORK), slot(utc(2026, 3, 2, 9))),
        (LONDON, request(date(2026, 3, 16), 4, 0, NEW_YORK), R.OUTSIDE_WORKING_HOURS),
        (LONDON, request(date(2026, 3, 16), 5, 0, NEW_YORK), slot(utc(2026, 3, 16, 9))),
        (LONDON, request(date(2026, 3, 2), 13, 0, NEW_YORK), R.OUTSIDE_WORKING_HOURS),
        (LONDON, request(date(2026, 3, 16), 13, 0, NEW_YORK), slot(utc(2026, 3, 16, 17))),
        (LONDON, request(date(2026, 3, 30), 13, 0, NEW_YORK), R.OUTSIDE_WORKING_HOURS),
        (LONDON, request(date(2026, 3, 4), 14, 30, KOLKATA), slot(utc(2026, 3, 4, 9))),
        (LONDON, request(date(2026, 3, 4), 13, 30, KOLKATA), R.OUTSIDE_WORKING_HOURS),
        (LONDON, request(date(2026, 4, 1), 13, 30, KOLKATA), slot(utc(2026, 4, 1, 8))),
        # Adelaide is a day ahead: a London Sunday evening is an Adelaide Monday morning.
        (ADELAIDE, request(date(2026, 3, 1), 22, 30, LONDON), slot(utc(2026, 3, 1, 22, 30))),
        (ADELAIDE, request(date(2026, 3, 6), 22, 30, LONDON), R.OUTSIDE_WORKING_HOURS),
        (ADELAIDE, request(date(2026, 4, 12), 0, 30, LONDON), R.OUTSIDE_WORKING_HOURS),
        (ADELAIDE, request(date(2026, 4, 13), 0, 30, LONDON), slot(utc(2026, 4, 12, 23, 30))),
        (TOKYO, request(date(2026, 3, 2), 0, 0, LONDON), slot(utc(2026, 3, 2, 0))),
        (TOKYO, request(date(2026, 3, 2), 9, 0, LONDON), R.OUTSIDE_WORKING_HOURS),
    ],
    ids=[
        "New York 04:00 EST is London 09:00 GMT",
        "New York 04:00 EDT is London 08:00 GMT",
        "New York 05:00 EDT is London 09:00 GMT",
        "New York 13:00 EST is London 18:00 GMT",
        "New York 13:00 EDT is London 17:00 GMT",
        "New York 13:00 EDT is London 18:00 BST",
        "Kolkata 14:30 is London 09:00 GMT",
        "Kolkata 13:30 is London 08:00 GMT",
        "Kolkata 13:30 is London 09:00 BST",
        "London Sunday night is Adelaide Monday 09:00 ACDT",
        "London Friday night is Adelaide Saturday",
        "London Sunday 00:30 BST is Adelaide Sunday 09:00 ACST",
        "London Monday 00:30 BST is Adelaide Monday 09:00 ACST",
        "London 00:00 is Tokyo 09:00",
        "London 09:00 is Tokyo 18:00",
    ],
)
def test_working_hours_are_the_clients_whatever_zone_the_slot_was_typed_in(
    rules_zone: str, typed: SlotRequest, expected: RefusalReason | Interval
) -> None:
    rules = BookingRules(zone=rules_zone, min_notice=timedelta(0))
    assert outcome([typed], rules, SUNDAY_1_MARCH) == [expected]


def test_an_out_of_hours_refusal_shows_the_time_in_both_zones() -> None:
    typed = request(date(2026, 3, 16), 4, 0, NEW_YORK)
    (refused,) = check_offered_slots([typed], DEFAULT, (), SUNDAY_1_MARCH).refused
    assert "04:00–05:00 EDT (America/New_York)" in refused.message
    assert "08:00–09:00 GMT (Europe/London)" in refused.message


# --- free slots -------------------------------------------------------------------------------


def test_free_slots_start_after_the_notice_on_step_boundaries() -> None:
    assert free_slots(DEFAULT, (), NOW, limit=3) == [
        slot(utc(2026, 3, 3, 12)),
        slot(utc(2026, 3, 3, 12, 30)),
        slot(utc(2026, 3, 3, 13)),
    ]


def test_free_slots_leave_out_busy_time_and_buffers() -> None:
    rules = BookingRules(
        zone=LONDON,
        working_hours={2: (time(12), time(17))},
        buffer_before=timedelta(minutes=15),
        buffer_after=timedelta(minutes=10),
    )
    starts = [s.start for s in free_slots(rules, BUSY, NOW) if s.start.date() == WED]
    # Busy 14:00–15:00: a slot must end by 13:50 and start from 15:15; steps of 30 minutes.
    assert starts == [
        utc(2026, 3, 4, 12),
        utc(2026, 3, 4, 12, 30),
        utc(2026, 3, 4, 15, 30),
        utc(2026, 3, 4, 16),
    ]


def test_free_slots_with_a_step_longer_than_the_duration() -> None:
    rules = BookingRules(zone=LONDON, working_hours={2: (time(9), time(12))}, duration=timedelta(minutes=30))
    found = free_slots(rules, (), NOW, step=timedelta(hours=1))
    starts = [s.start for s in found if s.start.date() == WED]
    assert starts == [utc(2026, 3, 4, 9), utc(2026, 3, 4, 10), utc(2026, 3, 4, 11)]


@pytest.mark.parametrize(
    ("zone_name", "now", "horizon_days", "expected_starts"),
    [
        (
            LONDON,
            utc(2026, 3, 26),
            5,
            [
                utc(2026, 3, 26, 9),
                utc(2026, 3, 27, 9),
                utc(2026, 3, 28, 9),
                utc(2026, 3, 29, 8),
                utc(2026, 3, 30, 8),
            ],
        ),
        (
            NEW_YORK,
            utc(2026, 10, 30),
            3,
            [utc(2026, 10, 30, 13), utc(2026, 10, 31, 13), utc(2026, 11, 1, 14)],
        ),
        (
            ADELAIDE,
            utc(2026, 4, 3),
            4,
            [
                utc(2026, 4, 3, 22, 30),
                utc(2026, 4, 4, 23, 30),
                utc(2026, 4, 5, 23, 30),
                utc(2026, 4, 6, 23, 30),
            ],
        ),
        (
            ADELAIDE,
            utc(2026, 10, 2),
            3,
            [utc(2026, 10, 2, 23, 30), utc(2026, 10, 3, 22, 30), utc(2026, 10, 4, 22, 30)],
        ),
        (
            KOLKATA,
            utc(2026, 3, 27),
            3,
            [utc(2026, 3, 27, 3, 30), utc(2026, 3, 28, 3, 30), utc(2026, 3, 29, 3, 30)],
        ),
        (TOKYO, utc(2026, 3, 27), 2, [utc(2026, 3, 28, 0), utc(2026, 3, 29, 0)]),
    ],
    ids=[
        "London: 09:00 GMT then 09:00 BST",
        "New York: 09:00 EDT then 09:00 EST",
        "Adelaide April: 09:00 ACDT then 09:00 ACST",
        "Adelaide October: 09:00 ACST then 09:00 ACDT",
        "Kolkata: 09:00 IST is 03:30 UTC every day",
        "Tokyo: 09:00 JST is 00:00 UTC; exactly now is past, exactly the horizon is in",
    ],
)
def test_free_slots_follow_local_working_hours_across_dst_changes(
    zone_name: str, now: datetime, horizon_days: int, expected_starts: list[datetime]
) -> None:
    rules = BookingRules(
        zone=zone_name,
        working_hours={day: (time(9), time(10)) for day in range(7)},
        min_notice=timedelta(0),
        horizon=timedelta(days=horizon_days),
    )
    assert [s.start for s in free_slots(rules, (), now)] == expected_starts


@pytest.mark.parametrize(
    ("day", "expected_starts"),
    [
        (
            date(2026, 3, 29),
            [
                utc(2026, 3, 29, 0),
                utc(2026, 3, 29, 0, 30),
                utc(2026, 3, 29, 1),
                utc(2026, 3, 29, 1, 30),
                utc(2026, 3, 29, 2),
                utc(2026, 3, 29, 2, 30),
            ],
        ),
        (
            date(2026, 10, 25),
            [
                utc(2026, 10, 24, 23),
                utc(2026, 10, 24, 23, 30),
                utc(2026, 10, 25, 2),
                utc(2026, 10, 25, 2, 30),
                utc(2026, 10, 25, 3),
                utc(2026, 10, 25, 3, 30),
            ],
        ),
    ],
    ids=["spring: 01:00–01:59 does not exist", "autumn: 01:00–01:59 twice is not offered"],
)
def test_free_slots_skip_wall_times_a_client_could_not_type(
    day: date, expected_starts: list[datetime]
) -> None:
    rules = BookingRules(
        zone=LONDON,
        working_hours={6: (time(0), time(4))},
        duration=timedelta(minutes=30),
        min_notice=timedelta(0),
        horizon=timedelta(days=400),
    )
    found = [
        s.start for s in free_slots(rules, (), EARLY_2026) if s.start.date() in (day, day - timedelta(days=1))
    ]
    assert found == expected_starts


@pytest.mark.parametrize(
    ("rules", "now", "busy"),
    [
        (BookingRules(zone=LONDON), utc(2026, 3, 25, 10, 17), ()),
        (
            BookingRules(
                zone=NEW_YORK,
                buffer_before=timedelta(minutes=10),
                buffer_after=timedelta(minutes=20),
                duration=timedelta(minutes=45),
                min_notice=timedelta(hours=3),
            ),
            utc(2026, 3, 5, 15),
            (slot(utc(2026, 3, 9, 15), 90), slot(utc(2026, 3, 10, 19, 5), 20)),
        ),
        (
            BookingRules(
                zone=ADELAIDE,
                working_hours={6: (time(0), time(6)), 0: (time(9), time(17))},
                min_notice=timedelta(0),
            ),
            utc(2026, 4, 1),
            (slot(utc(2026, 4, 5, 23, 30), 30),),
        ),
        (BookingRules(zone=KOLKATA, duration=timedelta(minutes=30)), utc(2026, 3, 3, 6), ()),
        (
            BookingRules(zone="UTC", working_hours=EVERY_DAY, min_notice=timedelta(hours=1)),
            utc(2026, 3, 3, 6, 1),
            (slot(utc(2026, 3, 3, 9), 600),),
        ),
    ],
    ids=["London", "New York with buffers and busy", "Adelaide fold night", "Kolkata", "UTC"],
)
def test_free_slots_are_exactly_the_step_times_an_offer_would_accept(
    rules: BookingRules, now: datetime, busy: tuple[Interval, ...]
) -> None:
    """Over the first week, free_slots and check_offered_slots agree on every step time."""
    step = timedelta(minutes=30)
    suggested = {s for s in free_slots(rules, busy, now, step=step) if s.start < now + timedelta(7)}
    tz = zone(rules.zone)
    accepted: set[Interval] = set()
    first_day = now.astimezone(tz).date()
    for offset in range(8):
        day = first_day + timedelta(days=offset)
        for k in range(48):
            typed = SlotRequest(day, time(k // 2, 30 * (k % 2)), rules.zone)
            accepted.update(check_offered_slots([typed], rules, busy, now).accepted)
    accepted = {s for s in accepted if s.start < now + timedelta(7)}
    assert suggested
    assert suggested == accepted


def test_free_slots_stop_at_the_limit_and_the_horizon() -> None:
    assert free_slots(DEFAULT, (), NOW, limit=0) == []
    assert len(free_slots(DEFAULT, (), NOW, limit=5)) == 5
    every = free_slots(DEFAULT, (), NOW)
    assert every[-1].start <= NOW + DEFAULT.horizon
    assert every[-1] == slot(utc(2026, 5, 1, 12))  # Fri 1 May 13:00 BST, exactly 60 days


# --- re-check at pick time --------------------------------------------------------------------

PICKED = slot(utc(2026, 3, 4, 10))


@pytest.mark.parametrize(
    ("rules", "now", "busy", "expected"),
    [
        (DEFAULT, NOW, (), None),
        (DEFAULT, utc(2026, 3, 4, 10), (), R.PAST),
        (DEFAULT, utc(2026, 3, 4, 12), (), R.PAST),
        (DEFAULT, utc(2026, 3, 3, 10, 1), (), R.MIN_NOTICE),
        (DEFAULT, utc(2026, 3, 3, 10), (), None),
        (DEFAULT, NOW, (slot(utc(2026, 3, 4, 10, 30)),), R.OVERLAPS_BOOKING),
        (DEFAULT, NOW, (slot(utc(2026, 3, 4, 11)), slot(utc(2026, 3, 4, 9))), None),
        (BUFFERED, NOW, (slot(utc(2026, 3, 4, 11)),), R.OVERLAPS_BOOKING),
        (BUFFERED, NOW, (slot(utc(2026, 3, 4, 11, 10)),), None),
    ],
    ids=[
        "still free",
        "starting now",
        "already over",
        "notice ran out",
        "exactly the notice left",
        "taken meanwhile",
        "back-to-back bookings on both sides",
        "a booking inside the after-buffer",
        "a booking right after the after-buffer",
    ],
)
def test_a_pick_is_checked_again(
    rules: BookingRules,
    now: datetime,
    busy: tuple[Interval, ...],
    expected: RefusalReason | None,
) -> None:
    assert check_pick(PICKED, rules, busy, now) is expected


# --- the rules themselves ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "must_say"),
    [
        ({"zone": "Mars/Base"}, UnknownTimeZone, "Mars/Base"),
        ({"duration": timedelta(0)}, InvalidRules, "longer than zero"),
        ({"buffer_before": -MINUTE}, InvalidRules, "negative"),
        ({"min_notice": -MINUTE}, InvalidRules, "negative"),
        ({"horizon": timedelta(hours=24)}, InvalidRules, "horizon"),
        ({"working_hours": {}}, InvalidRules, "working day"),
        ({"working_hours": {0: (time(18), time(9))}}, InvalidRules, "Monday"),
        ({"working_hours": {7: (time(9), time(18))}}, InvalidRules, "0 (Monday) to 6"),
        ({"working_hours": {4: ("09:00", "18:00")}}, InvalidRules, "Friday"),
    ],
    ids=[
        "unknown zone",
        "zero duration",
        "negative buffer",
        "negative notice",
        "horizon not beyond the notice",
        "no working day",
        "hours end before they start",
        "weekday out of range",
        "hours given as text",
    ],
)
def test_rules_that_cannot_work_are_refused_clearly(
    kwargs: Mapping[str, object], error: type[DomainError], must_say: str
) -> None:
    arguments: dict[str, object] = {"zone": LONDON, **kwargs}
    with pytest.raises(error) as raised:
        BookingRules(**arguments)
    assert must_say in raised.value.message


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            DEFAULT,
            [
                "Interviews last 60 minutes",
                "At least 24 hours' notice",
                "Up to 60 days ahead",
                "Working hours Mon–Fri 09:00–18:00 Europe/London",
            ],
        ),
        (
            BookingRules(
                zone=KOLKATA,
                duration=timedelta(minutes=45),
                buffer_before=timedelta(minutes=10),
                buffer_after=timedelta(minutes=5),
                min_notice=timedelta(hours=1),
                horizon=timedelta(days=14),
                working_hours={
                    0: (time(9), time(17)),
                    1: (time(9), time(17)),
                    2: (time(9), time(17)),
                    3: (time(9), time(17)),
                    4: (time(9), time(13)),
                },
            ),
            [
                "Interviews last 45 minutes",
                "10 minutes free before each interview",
                "5 minutes free after each interview",
                "At least 1 hour's notice",
                "Up to 14 days ahead",
                "Working hours Mon–Thu 09:00–17:00, Fri 09:00–13:00 Asia/Kolkata",
            ],
        ),
        (
            BookingRules(
                zone=TOKYO,
                min_notice=timedelta(0),
                working_hours={0: (time(8), time(12)), 2: (time(8), time(12))},
            ),
            [
                "Interviews last 60 minutes",
                "No minimum notice",
                "Up to 60 days ahead",
                "Working hours Mon, Wed 08:00–12:00 Asia/Tokyo",
            ],
        ),
    ],
    ids=["defaults", "everything set", "two separate days"],
)
def test_rules_describe_themselves_for_a_card(rules: BookingRules, expected: list[str]) -> None:
    assert rules.describe() == expected


def test_rules_are_frozen_hashable_and_equal_by_value() -> None:
    same = BookingRules(zone=LONDON, working_hours={d: (time(9), time(18)) for d in range(5)})
    assert same == DEFAULT
    assert hash(same) == hash(DEFAULT)
    with pytest.raises(TypeError):
        same.working_hours[5] = (time(9), time(12))


@pytest.mark.parametrize(
    "call",
    [
        lambda now: check_offered_slots([], DEFAULT, (), now),
        lambda now: free_slots(DEFAULT, (), now),
        lambda now: check_pick(PICKED, DEFAULT, (), now),
    ],
    ids=["check_offered_slots", "free_slots", "check_pick"],
)
def test_a_naive_now_is_a_programming_error(call: Callable[[datetime], object]) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 3, 2, 12))
