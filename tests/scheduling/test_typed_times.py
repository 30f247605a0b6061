"""Typed windows against what can be booked (scheduling.typed_times): the open times inside what
a candidate asked for, else the nearest; a client's typed windows as slots of the interview's
length."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduling.intervals import Interval
from scheduling.phrases import parse_times
from scheduling.typed_times import (
    TimeMatch,
    WeeklyHours,
    distance,
    match_open_times,
    slots_in_windows,
    weekly_hours,
)

HOUR = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def hour_at(day: int, hour: int, minute: int = 0) -> Interval:
    return Interval(at(day, hour, minute), at(day, hour, minute) + HOUR)


OPEN = [hour_at(8, h) for h in (9, 10, 11, 14, 15)] + [hour_at(9, h) for h in (9, 13)]


def test_an_asked_hour_that_is_open_is_the_match() -> None:
    assert match_open_times([hour_at(8, 14)], OPEN) == TimeMatch((hour_at(8, 14),), ())


def test_an_afternoon_offers_the_open_times_inside_it_first_ones_first_up_to_the_limit() -> None:
    afternoon = Interval(at(8, 12), at(8, 17))
    assert match_open_times([afternoon], OPEN).open == (hour_at(8, 14), hour_at(8, 15))
    morning = Interval(at(8, 8), at(8, 12))
    assert match_open_times([morning], OPEN, limit=2).open == (hour_at(8, 9), hour_at(8, 10))


def test_times_inside_come_in_the_order_the_windows_were_said() -> None:
    wednesday, tuesday = Interval(at(9, 8), at(9, 20)), Interval(at(8, 14), at(8, 16))
    assert match_open_times([wednesday, tuesday], OPEN).open == (
        hour_at(9, 9), hour_at(9, 13), hour_at(8, 14),
    )


def test_overlapping_windows_offer_each_time_once() -> None:
    windows = [Interval(at(8, 9), at(8, 11)), Interval(at(8, 10), at(8, 12))]
    assert match_open_times(windows, OPEN).open == (hour_at(8, 9), hour_at(8, 10), hour_at(8, 11))


def test_an_open_time_only_overlapping_the_asked_one_is_not_open_for_it_but_nearest() -> None:
    asked = hour_at(8, 14, 30)  # 14:30–15:30; open are 14:00 and 15:00
    match = match_open_times([asked], OPEN)
    assert match.open == ()
    assert match.nearest == (hour_at(8, 11), hour_at(8, 14), hour_at(8, 15))


def test_a_time_not_open_gets_the_three_nearest_in_start_order() -> None:
    asked = hour_at(8, 12, 15)  # 12:15–13:15
    match = match_open_times([asked], OPEN)
    assert match.open == ()
    # 11:00 (a gap of 15 min), 14:00 (45 min), 10:00 (75 min); not 15:00 (105 min).
    assert match.nearest == (hour_at(8, 10), hour_at(8, 11), hour_at(8, 14))


def test_nearest_reaches_other_days_when_they_are_nearer() -> None:
    asked = Interval(at(8, 20), at(8, 23))  # Tuesday night: Wednesday 9:00 is 10 h away, 15:00 5 h
    assert match_open_times([asked], OPEN, limit=2).nearest == (hour_at(8, 14), hour_at(8, 15))


def test_nothing_open_or_nothing_asked_matches_nothing() -> None:
    assert match_open_times([hour_at(8, 14)], []) == TimeMatch((), ())
    assert match_open_times([], OPEN) == TimeMatch((), ())
    with pytest.raises(ValueError):
        match_open_times([hour_at(8, 14)], OPEN, limit=0)


def test_distance_is_zero_when_overlapping_else_the_gap_to_the_nearest_window() -> None:
    windows = [Interval(at(8, 10), at(8, 12)), Interval(at(8, 16), at(8, 17))]
    assert distance(hour_at(8, 11, 30), windows) == timedelta(0)
    assert distance(hour_at(8, 13), windows) == HOUR
    assert distance(hour_at(8, 12), windows) == timedelta(0)  # touching: no gap
    assert distance(hour_at(8, 18), windows) == HOUR


def test_mon_and_tue_ten_to_twelve_are_four_one_hour_slots() -> None:
    windows = [Interval(at(7, 10), at(7, 12)), Interval(at(8, 10), at(8, 12))]
    assert slots_in_windows(windows, HOUR, limit=20) == (
        [hour_at(7, 10), hour_at(7, 11), hour_at(8, 10), hour_at(8, 11)], False,
    )


def test_slots_fill_a_window_from_its_start_and_drop_what_is_too_short() -> None:
    window = Interval(at(7, 10), at(7, 11, 20))
    assert slots_in_windows([window], timedelta(minutes=45), limit=20) == (
        [Interval(at(7, 10), at(7, 10, 45))], False,
    )
    assert slots_in_windows([Interval(at(7, 10), at(7, 10, 30))], HOUR, limit=20) == ([], False)


def test_slots_stop_at_the_limit_and_say_more_would_fit() -> None:
    day = Interval(at(7, 8), at(7, 20))
    slots, more = slots_in_windows([day], HOUR, limit=5)
    assert slots == [hour_at(7, h) for h in range(8, 13)] and more
    assert slots_in_windows([day], HOUR, limit=12) == ([hour_at(7, h) for h in range(8, 20)], False)


def test_overlapping_windows_give_each_slot_once() -> None:
    windows = [Interval(at(7, 10), at(7, 12)), Interval(at(7, 11), at(7, 13))]
    assert slots_in_windows(windows, HOUR, limit=20)[0] == [hour_at(7, 10), hour_at(7, 11), hour_at(7, 12)]


# ---------------------------------------------------------------------------- weekly hours

def _read(text: str, zone: str = "Europe/London") -> list[Interval]:
    now = datetime(2026, 12, 4, 9, tzinfo=UTC)  # a Friday
    return parse_times(text, zone=zone, now=now, locale="en-GB", duration=timedelta(minutes=15)).windows


def test_typed_weekdays_and_hours_become_the_pages_week() -> None:
    assert weekly_hours(_read("Mon–Fri 9–12 and 13–17"), "Europe/London", most=2) == WeeklyHours(
        ("mon", "tue", "wed", "thu", "fri"), ((540, 720), (780, 1020))
    )


def test_typed_hours_are_read_in_the_clients_zone() -> None:
    week = weekly_hours(_read("Tuesday and Thursday 10:00 to 16:30", "America/New_York"),
                        "America/New_York", most=2)
    assert week == WeeklyHours(("tue", "thu"), ((600, 990),))


def test_hours_that_differ_between_days_are_refused_with_the_reason() -> None:
    reason = weekly_hours(_read("Monday 9-12, Tuesday 14-17"), "Europe/London", most=2)
    assert isinstance(reason, str) and "the hours differ from day to day" in reason


def test_more_windows_a_day_than_the_form_holds_are_refused() -> None:
    reason = weekly_hours(_read("Monday 8-9, 10-11 and 12-13"), "Europe/London", most=2)
    assert reason == "at most 2 windows a day fit this form"


def test_nothing_read_is_said() -> None:
    assert weekly_hours([], "Europe/London", most=2) == "no hours were read from that"
