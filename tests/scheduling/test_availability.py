"""Open times from booking pages: wall-clock hours across DST changes in five zones, overrides,
buffers, the daily cap, notice and horizon, the re-check at commit, paging, panels in three zones."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from scheduling.availability import (
    Host,
    JointOpenTime,
    NotOpen,
    by_local_day,
    check_joint_time,
    check_open_time,
    joint_open_times,
    open_times,
)
from scheduling.intervals import Interval
from scheduling.pages import BookingPage, DurationNotOffered, WeeklyHours
from scheduling.zones import zone
from tests.scheduling.builders import (
    ADELAIDE,
    KOLKATA,
    LONDON,
    NEW_YORK,
    PHOENIX,
    every_day,
    local,
    page,
    shown,
    slot,
    starts,
    utc,
    window,
)

HOUR_LONG = timedelta(minutes=60)
HALF_HOUR = timedelta(minutes=30)


def local_midnight(zone_name: str, day: date) -> datetime:
    return local(zone_name, day.year, day.month, day.day)


def around(zone_name: str, change: date) -> tuple[datetime, datetime]:
    """From just before local midnight two days before ``change`` to local midnight two days after."""
    return (
        local_midnight(zone_name, change - timedelta(days=2)) - timedelta(minutes=1),
        local_midnight(zone_name, change + timedelta(days=2)),
    )


def wall(readings: list[str]) -> list[str]:
    """ "Sun 29 Mar 2026, 09:00 BST (Europe/London)" -> "09:00 BST"."""
    return [r.split(", ")[1].split(" (")[0] for r in readings]


# --- the same wall time on both sides of each DST change ---------------------------------------


@pytest.mark.parametrize(
    ("zone_name", "change", "expected_utc", "expected_wall"),
    [
        (
            LONDON,
            date(2026, 3, 29),
            [utc(2026, 3, 27, 9), utc(2026, 3, 28, 9), utc(2026, 3, 29, 8), utc(2026, 3, 30, 8)],
            ["09:00 GMT", "09:00 GMT", "09:00 BST", "09:00 BST"],
        ),
        (
            LONDON,
            date(2026, 10, 25),
            [utc(2026, 10, 23, 8), utc(2026, 10, 24, 8), utc(2026, 10, 25, 9), utc(2026, 10, 26, 9)],
            ["09:00 BST", "09:00 BST", "09:00 GMT", "09:00 GMT"],
        ),
        (
            NEW_YORK,
            date(2026, 3, 8),
            [utc(2026, 3, 6, 14), utc(2026, 3, 7, 14), utc(2026, 3, 8, 13), utc(2026, 3, 9, 13)],
            ["09:00 EST", "09:00 EST", "09:00 EDT", "09:00 EDT"],
        ),
        (
            NEW_YORK,
            date(2026, 11, 1),
            [utc(2026, 10, 30, 13), utc(2026, 10, 31, 13), utc(2026, 11, 1, 14), utc(2026, 11, 2, 14)],
            ["09:00 EDT", "09:00 EDT", "09:00 EST", "09:00 EST"],
        ),
        (
            ADELAIDE,
            date(2026, 4, 5),
            [
                utc(2026, 4, 2, 22, 30),
                utc(2026, 4, 3, 22, 30),
                utc(2026, 4, 4, 23, 30),
                utc(2026, 4, 5, 23, 30),
            ],
            ["09:00 ACDT", "09:00 ACDT", "09:00 ACST", "09:00 ACST"],
        ),
        (
            ADELAIDE,
            date(2026, 10, 4),
            [
                utc(2026, 10, 1, 23, 30),
                utc(2026, 10, 2, 23, 30),
                utc(2026, 10, 3, 22, 30),
                utc(2026, 10, 4, 22, 30),
            ],
            ["09:00 ACST", "09:00 ACST", "09:00 ACDT", "09:00 ACDT"],
        ),
        (
            KOLKATA,
            date(2026, 3, 29),
            [
                utc(2026, 3, 27, 3, 30),
                utc(2026, 3, 28, 3, 30),
                utc(2026, 3, 29, 3, 30),
                utc(2026, 3, 30, 3, 30),
            ],
            ["09:00 IST"] * 4,
        ),
        (
            PHOENIX,
            date(2026, 3, 8),
            [utc(2026, 3, 6, 16), utc(2026, 3, 7, 16), utc(2026, 3, 8, 16), utc(2026, 3, 9, 16)],
            ["09:00 MST"] * 4,
        ),
    ],
    ids=[
        "London, clocks forward",
        "London, clocks back",
        "New York, clocks forward",
        "New York, clocks back",
        "Adelaide +10:30 to +09:30",
        "Adelaide +09:30 to +10:30",
        "Kolkata +05:30 while London changes",
        "Phoenix without DST while New York changes",
    ],
)
def test_a_nine_oclock_window_stays_nine_oclock_local_across_dst(
    zone_name: str, change: date, expected_utc: list[datetime], expected_wall: list[str]
) -> None:
    host = page(zone_name, every_day(window("09:00", "10:00")), min_notice_minutes=0, step_minutes=60)
    now, until = around(zone_name, change)
    times = open_times(host, HOUR_LONG, [], [], now, until=until)
    assert starts(times) == expected_utc
    assert wall(shown(times, zone_name)) == expected_wall
    assert all(t.duration == HOUR_LONG for t in times)


@pytest.mark.parametrize(
    ("zone_name", "change", "hours", "expected_wall", "expected_utc"),
    [
        (
            NEW_YORK,
            date(2026, 3, 8),
            ("02:00", "03:00"),
            ["02:00 EST", "02:30 EST", "02:00 EDT", "02:30 EDT"],
            [utc(2026, 3, 7, 7), utc(2026, 3, 7, 7, 30), utc(2026, 3, 9, 6), utc(2026, 3, 9, 6, 30)],
        ),
        (
            ADELAIDE,
            date(2026, 10, 4),
            ("02:00", "03:00"),
            ["02:00 ACST", "02:30 ACST", "02:00 ACDT", "02:30 ACDT"],
            [
                utc(2026, 10, 2, 16, 30),
                utc(2026, 10, 2, 17),
                utc(2026, 10, 4, 15, 30),
                utc(2026, 10, 4, 16),
            ],
        ),
        (
            LONDON,
            date(2026, 3, 29),
            ("01:30", "02:30"),
            ["01:30 GMT", "02:00 GMT", "02:00 BST", "01:30 BST", "02:00 BST"],
            [
                utc(2026, 3, 28, 1, 30),
                utc(2026, 3, 28, 2),
                utc(2026, 3, 29, 1),
                utc(2026, 3, 30, 0, 30),
                utc(2026, 3, 30, 1),
            ],
        ),
        (
            LONDON,
            date(2026, 10, 25),
            ("01:00", "02:00"),
            ["01:00 BST", "01:30 BST", "01:00 BST", "01:30 BST", "01:00 GMT", "01:30 GMT", "01:00 GMT", "01:30 GMT"],
            [
                utc(2026, 10, 24, 0),
                utc(2026, 10, 24, 0, 30),
                utc(2026, 10, 25, 0),
                utc(2026, 10, 25, 0, 30),
                utc(2026, 10, 25, 1),
                utc(2026, 10, 25, 1, 30),
                utc(2026, 10, 26, 1),
                utc(2026, 10, 26, 1, 30),
            ],
        ),
    ],
    ids=[
        "New York: a window inside the skipped hour is closed that night",
        "Adelaide: a window inside the skipped hour is closed that night",
        "London: a window half in the skipped hour keeps its real half",
        "London: a window in the repeated hour has both passes",
    ],
)
def test_a_window_in_a_dst_gap_or_fold_keeps_only_real_times(
    zone_name: str,
    change: date,
    hours: tuple[str, str],
    expected_wall: list[str],
    expected_utc: list[datetime],
) -> None:
    host = page(zone_name, every_day(window(*hours)), durations_minutes=(30,), min_notice_minutes=0)
    now = local_midnight(zone_name, change - timedelta(days=1)) - timedelta(minutes=1)
    until = local_midnight(zone_name, change + timedelta(days=2))
    times = open_times(host, HALF_HOUR, [], [], now, until=until)
    assert wall(shown(times, zone_name)) == expected_wall
    assert starts(times) == expected_utc


def test_where_clocks_went_back_just_after_midnight_the_repeated_hour_is_the_new_days() -> None:
    # Newfoundland went back at 00:01 until 2011: on 7 November 2010, 00:00–00:01 NDT came first,
    # then 23:01–24:00 of Saturday again (NST). Those instants are after Sunday began, so they are
    # Sunday's: Sunday's 00:00–02:00 window holds them, Saturday's until-midnight one does not.
    st_johns = "America/St_Johns"
    host = page(
        st_johns,
        WeeklyHours(sat=(window("22:00", "24:00"),), sun=(window("00:00", "02:00"),)),
        durations_minutes=(30,),
        min_notice_minutes=0,
    )
    now, until = utc(2010, 11, 6, 12), utc(2010, 11, 8)
    times = open_times(host, HALF_HOUR, [], [], now, until=until)
    assert starts(times) == [
        utc(2010, 11, 7, 0, 30), utc(2010, 11, 7, 1), utc(2010, 11, 7, 1, 30), utc(2010, 11, 7, 2),
        utc(2010, 11, 7, 2, 30), utc(2010, 11, 7, 3), utc(2010, 11, 7, 3, 30), utc(2010, 11, 7, 4),
        utc(2010, 11, 7, 4, 30), utc(2010, 11, 7, 5),
    ]
    assert wall(shown(times, st_johns)) == [
        "22:00 NDT", "22:30 NDT", "23:00 NDT", "23:30 NDT",
        "00:00 NDT", "23:30 NST", "00:00 NST", "00:30 NST", "01:00 NST", "01:30 NST",
    ]
    assert all(check_open_time(host, t, [], [], now) is None for t in times)
    # Sunday's daily cap counts a booking in the repeated hour as Sunday's.
    capped = page(st_johns, host.weekly, durations_minutes=(30,), min_notice_minutes=0, max_per_day=1)
    repeated_hour = slot(utc(2010, 11, 7, 3), 30)
    assert starts(open_times(capped, HALF_HOUR, [], [repeated_hour], now, until=until)) == starts(times)[:4]
    assert check_open_time(capped, slot(utc(2010, 11, 7, 4), 30), [], [repeated_hour], now) is NotOpen.DAILY_CAP


# --- overrides ----------------------------------------------------------------------------------

MONDAY_22_DEC = utc(2025, 12, 22)
CHRISTMAS_WEEK = page(
    overrides={
        date(2025, 12, 25): (),
        date(2025, 12, 26): (window("10:00", "12:00"),),
        date(2025, 12, 27): (window("10:00", "12:00"), window("14:00", "15:00")),
    },
    min_notice_minutes=0,
    step_minutes=60,
)


def by_day(times: list[Interval], zone_name: str) -> dict[date, list[str]]:
    tz = zone(zone_name)
    return {d: [f"{t.start.astimezone(tz):%H:%M}" for t in group] for d, group in by_local_day(times, zone_name)}


def test_overrides_close_a_day_and_replace_or_add_hours() -> None:
    times = open_times(CHRISTMAS_WEEK, HOUR_LONG, [], [], MONDAY_22_DEC, until=utc(2025, 12, 29))
    assert by_day(times, LONDON) == {
        date(2025, 12, 22): ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"],
        date(2025, 12, 23): ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"],
        date(2025, 12, 24): ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"],
        # 25th: a day off; 26th: shorter hours instead of the weekly ones; Saturday 27th: opened.
        date(2025, 12, 26): ["10:00", "11:00"],
        date(2025, 12, 27): ["10:00", "11:00", "14:00"],
    }


# --- buffers, busy time and bookings ------------------------------------------------------------

# Tuesday 3 March 2026 (GMT): one window 09:00–13:00, hour-long interviews every 30 minutes.
TUESDAY = date(2026, 3, 3)


def tue(h: int, mi: int = 0) -> datetime:
    return utc(2026, 3, 3, h, mi)


@pytest.mark.parametrize(
    ("before", "after", "busy", "booked", "expected"),
    [
        (0, 0, [], [slot(tue(10))], ["09:00", "11:00", "11:30", "12:00"]),
        (15, 15, [], [slot(tue(10))], ["11:30", "12:00"]),
        (15, 15, [], [slot(tue(10), 45)], ["11:00", "11:30", "12:00"]),
        (15, 15, [slot(tue(10))], [], ["11:30", "12:00"]),
        (0, 30, [slot(tue(10))], [], ["11:00", "11:30", "12:00"]),
        (0, 30, [], [slot(tue(10))], ["11:30", "12:00"]),
        (30, 0, [slot(tue(10))], [], ["09:00", "11:30", "12:00"]),
        (0, 0, [slot(tue(9))], [slot(tue(11))], ["10:00", "12:00"]),
        (0, 0, [slot(tue(8), 300)], [], []),
        (10, 10, [slot(tue(12, 35), 5)], [], ["09:00", "09:30", "10:00", "10:30", "11:00"]),
        (10, 10, [slot(tue(12, 40), 5)], [], ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),
    ],
    ids=[
        "back-to-back with zero buffers",
        "a booking keeps the larger buffer on both sides",
        "two interviews share the free time between them: 15 minutes apart, not 30",
        "busy time is kept clear of the time's own buffers",
        "only a buffer after: clear of busy time after",
        "only a buffer after: a booking still keeps it after itself",
        "only a buffer before: ending as busy time starts is fine",
        "busy time and a booking together",
        "busy all morning",
        "a short meeting inside the buffer after 11:30",
        "a short meeting just after that buffer",
    ],
)
def test_times_keep_their_buffers_clear_of_busy_time_and_bookings(
    before: int, after: int, busy: list[Interval], booked: list[Interval], expected: list[str]
) -> None:
    host = page(
        weekly=WeeklyHours(tue=(window("09:00", "13:00"),)),
        min_notice_minutes=0,
        buffer_before_minutes=before,
        buffer_after_minutes=after,
    )
    times = open_times(host, HOUR_LONG, busy, booked, utc(2026, 3, 2), until=utc(2026, 3, 4))
    assert by_day(times, LONDON).get(TUESDAY, []) == expected


# --- the daily cap ------------------------------------------------------------------------------

ALL_TUESDAY = ["09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]


@pytest.mark.parametrize(
    ("zone_name", "cap", "booked", "day", "expected"),
    [
        (LONDON, 2, [slot(tue(9))], TUESDAY, ALL_TUESDAY[1:]),
        (LONDON, 2, [slot(tue(9)), slot(tue(15))], TUESDAY, []),
        (LONDON, 2, [slot(utc(2026, 3, 2, 23, 30)), slot(tue(9))], TUESDAY, ALL_TUESDAY[1:]),
        (LONDON, None, [slot(tue(9)), slot(tue(11)), slot(tue(13))], TUESDAY, ["10:00", "12:00", "14:00", "15:00", "16:00"]),
        (KOLKATA, 1, [slot(utc(2026, 3, 2, 20))], TUESDAY, []),
        (KOLKATA, 1, [slot(utc(2026, 3, 2, 20))], date(2026, 3, 4), ALL_TUESDAY),
        (LONDON, 2, [slot(utc(2026, 3, 2, 9)), slot(utc(2026, 3, 2, 10))], date(2026, 3, 2), []),
        (LONDON, 2, [slot(utc(2026, 3, 5, 14)), slot(utc(2026, 3, 5, 15))], date(2026, 3, 5), []),
    ],
    ids=[
        "one booked, cap two: the rest of the day is open",
        "cap reached: the day is closed",
        "a booking late on Monday counts on Monday",
        "no cap",
        "Kolkata: 20:00 UTC Monday is Tuesday 01:30 there, and counts on Tuesday",
        "Kolkata: Wednesday is untouched",
        "bookings earlier on the first day, before now, count on it",
        "bookings later on the last day, after the range asked for, count on it",
    ],
)
def test_a_day_that_reached_the_cap_has_no_more_times(
    zone_name: str, cap: int | None, booked: list[Interval], day: date, expected: list[str]
) -> None:
    host = page(zone_name, every_day(window("09:00", "17:00")), min_notice_minutes=0, step_minutes=60, max_per_day=cap)
    times = open_times(host, HOUR_LONG, [], booked, utc(2026, 3, 2, 12), until=utc(2026, 3, 5, 12))
    assert by_day(times, zone_name).get(day, []) == expected


# --- notice, horizon and the re-check at commit -------------------------------------------------

NOW = utc(2026, 3, 3, 10)  # Tuesday 10:00 GMT
AROUND_THE_CLOCK = page(
    weekly=every_day(window("00:00", "24:00")),
    durations_minutes=(60,),
    min_notice_minutes=120,
    horizon_days=2,
    step_minutes=15,
    buffer_before_minutes=10,
    max_per_day=3,
)
OFFICE = page(durations_minutes=(30, 60), min_notice_minutes=0, step_minutes=30)
TOUCHING = page(
    weekly=WeeklyHours.uniform(window("09:00", "12:00"), window("12:00", "17:00")),
    min_notice_minutes=0,
    step_minutes=30,
)


@pytest.mark.parametrize(
    ("host", "picked", "busy", "booked", "expected"),
    [
        (AROUND_THE_CLOCK, slot(NOW), [], [], NotOpen.PAST),
        (AROUND_THE_CLOCK, slot(NOW - timedelta(hours=1)), [], [], NotOpen.PAST),
        (AROUND_THE_CLOCK, slot(NOW + timedelta(minutes=105)), [], [], NotOpen.TOO_SOON),
        (AROUND_THE_CLOCK, slot(NOW + timedelta(hours=2)), [], [], None),
        (AROUND_THE_CLOCK, slot(NOW + timedelta(days=2)), [], [], None),
        (AROUND_THE_CLOCK, slot(NOW + timedelta(days=2, minutes=15)), [], [], NotOpen.TOO_FAR),
        (AROUND_THE_CLOCK, slot(NOW + timedelta(hours=3), 30), [], [], NotOpen.DURATION),
        (AROUND_THE_CLOCK, slot(tue(14, 5)), [], [], NotOpen.OFF_GRID),
        (AROUND_THE_CLOCK, slot(tue(23)), [], [], None),
        (AROUND_THE_CLOCK, slot(tue(23, 30)), [], [], NotOpen.OUTSIDE_HOURS),
        (AROUND_THE_CLOCK, slot(tue(14)), [slot(tue(13, 30), 25)], [], NotOpen.CLASH),
        (AROUND_THE_CLOCK, slot(tue(14)), [slot(tue(13, 30), 20)], [], None),
        (AROUND_THE_CLOCK, slot(tue(14)), [], [slot(tue(13), 60)], NotOpen.CLASH),
        (AROUND_THE_CLOCK, slot(tue(14)), [], [slot(tue(12, 50), 60)], None),
        (AROUND_THE_CLOCK, slot(tue(20)), [], [slot(tue(13)), slot(tue(15)), slot(tue(17))], NotOpen.DAILY_CAP),
        (AROUND_THE_CLOCK, slot(tue(20)), [], [slot(tue(13)), slot(tue(15))], None),
        (OFFICE, slot(tue(16, 30), 30), [], [], None),
        (OFFICE, slot(tue(16, 30), 60), [], [], NotOpen.OUTSIDE_HOURS),
        (OFFICE, slot(utc(2026, 3, 7, 10)), [], [], NotOpen.OUTSIDE_HOURS),
        (OFFICE, slot(tue(16, 45), 30), [], [], NotOpen.OUTSIDE_HOURS),
        (TOUCHING, slot(utc(2026, 3, 4, 11, 30)), [], [], None),
        (TOUCHING, slot(utc(2026, 3, 4, 11, 30)), [slot(utc(2026, 3, 4, 9), 30)], [], None),
    ],
    ids=[
        "starting now",
        "already over",
        "inside the notice",
        "exactly the notice",
        "exactly the horizon",
        "one step beyond the horizon",
        "a length the page does not offer",
        "off the 15-minute grid",
        "ending at 24:00 on an all-day page",
        "across midnight: a day's hours end at 24:00",
        "busy time inside the buffer before",
        "busy time ending as the buffer starts",
        "another booking inside the gap",
        "another booking ending as the gap starts",
        "three already booked that day",
        "two booked, cap three",
        "ends at closing time",
        "runs past closing time",
        "Saturday",
        "off grid and past closing time: hours first",
        "touching windows read as one (Wednesday)",
        "touching windows read as one on a day with busy time (Wednesday)",
    ],
)
def test_a_pick_is_checked_again_at_commit_by_the_same_rules_as_the_list(
    host: BookingPage,
    picked: Interval,
    busy: list[Interval],
    booked: list[Interval],
    expected: NotOpen | None,
) -> None:
    assert check_open_time(host, picked, busy, booked, NOW) is expected
    if host.rules.offers(picked.duration):
        listed = open_times(host, picked.duration, busy, booked, NOW, until=NOW + timedelta(days=3))
        assert (picked in listed) is (expected is None)


def test_a_length_the_page_does_not_offer_gets_no_times_but_a_reason() -> None:
    with pytest.raises(DurationNotOffered) as raised:
        open_times(OFFICE, timedelta(minutes=45), [], [], NOW)
    assert "30 or 60-minute interviews, not 45 minutes" in raised.value.message


@pytest.mark.parametrize(
    "call",
    [
        lambda now: open_times(OFFICE, HALF_HOUR, [], [], now),
        lambda now: check_open_time(OFFICE, slot(tue(14)), [], [], now),
        lambda now: open_times(OFFICE, HALF_HOUR, [], [], NOW, starting_after=now),
    ],
    ids=["open_times", "check_open_time", "a naive cursor"],
)
def test_a_naive_time_is_a_programming_error(call: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 3, 3, 10))  # type: ignore[operator]


# --- paging and display -------------------------------------------------------------------------


def test_later_dates_page_on_from_the_last_time_shown() -> None:
    full = open_times(OFFICE, HOUR_LONG, [], [], NOW)
    pages: list[list[Interval]] = []
    cursor: datetime | None = None
    for _ in range(len(full)):  # bounded: a cursor that does not move fails instead of hanging
        shown_page = open_times(OFFICE, HOUR_LONG, [], [], NOW, starting_after=cursor, limit=7)
        if not shown_page:
            break
        pages.append(shown_page)
        cursor = shown_page[-1].start
    assert [t for p in pages for t in p] == full
    assert all(len(p) == 7 for p in pages[:-1])
    # 60 days from Tuesday 3 March 10:00: 12 times left today, 15 on each of the next 43 weekdays.
    assert len(full) == 12 + 43 * 15
    assert starts(full) == sorted(set(starts(full)))


def test_until_and_limit_cut_the_list() -> None:
    this_week = open_times(OFFICE, HOUR_LONG, [], [], NOW, until=utc(2026, 3, 4, 9, 30))
    assert wall(shown(this_week, LONDON))[-2:] == ["16:00 GMT", "09:00 GMT"]
    assert open_times(OFFICE, HOUR_LONG, [], [], NOW, limit=0) == []
    assert len(open_times(OFFICE, HOUR_LONG, [], [], NOW, limit=3)) == 3


def test_a_candidate_sees_the_times_grouped_by_their_own_days() -> None:
    london = page(weekly=WeeklyHours(tue=(window("09:00", "17:00"),)), min_notice_minutes=0, step_minutes=60)
    times = open_times(london, HOUR_LONG, [], [], utc(2026, 3, 2), until=utc(2026, 3, 4))
    groups = by_local_day(times, ADELAIDE)
    # 09:00–13:00 GMT is Tuesday evening in Adelaide (+10:30), 14:00–16:00 GMT is Wednesday.
    assert [(d, wall(shown(ts, ADELAIDE))) for d, ts in groups] == [
        (date(2026, 3, 3), ["19:30 ACDT", "20:30 ACDT", "21:30 ACDT", "22:30 ACDT", "23:30 ACDT"]),
        (date(2026, 3, 4), ["00:30 ACDT", "01:30 ACDT", "02:30 ACDT"]),
    ]


# --- panels: joint times over interviewers in three zones ---------------------------------------

# Tuesday 17 March 2026: New York is on EDT already (8 March), London still on GMT (29 March).
PANEL_DAY = date(2026, 3, 17)
PANEL_NOW = utc(2026, 3, 16, 12)
PANEL_UNTIL = utc(2026, 3, 18)


def interviewer(key: str, zone_name: str, hours: tuple[str, str], busy: list[Interval] | None = None) -> Host:
    weekly = WeeklyHours(tue=(window(*hours),))
    return Host(key, page(zone_name, weekly, min_notice_minutes=0, step_minutes=60), busy or [])


LONDON_9_TO_5 = interviewer("london", LONDON, ("09:00", "17:00"))  # 09:00–17:00 UTC
NEW_YORK_9_TO_5 = interviewer("new-york", NEW_YORK, ("09:00", "17:00"))  # 13:00–21:00 UTC
KOLKATA_EVENING = interviewer(  # 18:30–22:30 IST is 13:00–17:00 UTC; busy 14:00–15:00 UTC
    "kolkata", KOLKATA, ("18:30", "22:30"), [slot(utc(2026, 3, 17, 14))]
)
KOLKATA_9_TO_5 = interviewer("kolkata-day", KOLKATA, ("09:00", "17:00"))  # 03:30–11:30 UTC


def joint(required: list[Host], optional: list[Host]) -> list[tuple[str, tuple[str, ...]]]:
    times = joint_open_times(required, optional, HOUR_LONG, PANEL_NOW, until=PANEL_UNTIL)
    return [(f"{t.start:%H:%M}", t.optional) for t in times]


@pytest.mark.parametrize(
    ("required", "optional", "expected"),
    [
        (
            [LONDON_9_TO_5, NEW_YORK_9_TO_5],
            [KOLKATA_EVENING],
            [("13:00", ("kolkata",)), ("14:00", ()), ("15:00", ("kolkata",)), ("16:00", ("kolkata",))],
        ),
        (
            [LONDON_9_TO_5, NEW_YORK_9_TO_5, KOLKATA_EVENING],
            [],
            [("13:00", ()), ("15:00", ()), ("16:00", ())],
        ),
        ([LONDON_9_TO_5, NEW_YORK_9_TO_5, KOLKATA_9_TO_5], [], []),
        (
            [NEW_YORK_9_TO_5],
            [LONDON_9_TO_5, KOLKATA_EVENING],
            [
                ("13:00", ("london", "kolkata")),
                ("14:00", ("london",)),
                ("15:00", ("london", "kolkata")),
                ("16:00", ("london", "kolkata")),
                ("17:00", ()),
                ("18:00", ()),
                ("19:00", ()),
                ("20:00", ()),
            ],
        ),
    ],
    ids=[
        "London and New York required, Kolkata optional and ignored while busy",
        "all three required: Kolkata's busy hour is gone",
        "no hour common to all three",
        "one required, two optional, each listed when free",
    ],
)
def test_panel_times_fit_every_required_interviewer_across_three_zones(
    required: list[Host], optional: list[Host], expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert joint(required, optional) == expected


def test_a_panel_pick_is_checked_again_for_each_required_interviewer() -> None:
    required = [LONDON_9_TO_5, NEW_YORK_9_TO_5, KOLKATA_EVENING]
    assert check_joint_time(required, slot(utc(2026, 3, 17, 13)), PANEL_NOW) is None
    assert check_joint_time(required, slot(utc(2026, 3, 17, 14)), PANEL_NOW) == ("kolkata", NotOpen.CLASH)
    assert check_joint_time(required, slot(utc(2026, 3, 17, 12)), PANEL_NOW) == ("new-york", NotOpen.OUTSIDE_HOURS)
    assert check_joint_time(required, slot(utc(2026, 3, 17, 13, 30)), PANEL_NOW) == ("london", NotOpen.OFF_GRID)


def test_a_panel_interviewer_without_the_length_is_named() -> None:
    short_only = Host("short", page(durations_minutes=(30,)))
    with pytest.raises(DurationNotOffered) as raised:
        joint_open_times([LONDON_9_TO_5, short_only], [], HOUR_LONG, PANEL_NOW)
    assert raised.value.host == "short"
    assert "The booking page of short offers 30-minute interviews" in raised.value.message
    # An optional interviewer without the length is simply never listed as free.
    assert joint([LONDON_9_TO_5], [short_only])[0] == ("09:00", ())
    assert isinstance(joint_open_times([LONDON_9_TO_5], [], HOUR_LONG, PANEL_NOW, limit=1)[0], JointOpenTime)
    with pytest.raises(ValueError, match="at least one required"):
        joint_open_times([], [LONDON_9_TO_5], HOUR_LONG, PANEL_NOW)


def test_joint_times_group_by_day_like_single_ones() -> None:
    times = joint_open_times([NEW_YORK_9_TO_5], [], HOUR_LONG, PANEL_NOW, until=PANEL_UNTIL)
    ((day, group),) = by_local_day(times, NEW_YORK)
    assert day == PANEL_DAY
    assert [f"{t.start.astimezone(zone(NEW_YORK)):%H:%M}" for t in group] == [f"{h:02d}:00" for h in range(9, 17)]
    assert time(9) == group[0].start.astimezone(zone(NEW_YORK)).time()
