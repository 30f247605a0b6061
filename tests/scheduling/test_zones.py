"""Time zones: strict local → UTC conversion around DST changes, and display with the zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from scheduling.errors import DomainError, UnknownTimeZone
from scheduling.intervals import Interval
from scheduling.zones import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    format_local,
    format_local_range,
    local_to_utc,
    zone,
)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@pytest.mark.parametrize(
    "name",
    ["Mars/Olympus_Mons", "", "   ", "GMT+25", "../../etc/passwd", "Europe/"],
    ids=["made up", "empty", "blank", "bad offset", "path", "trailing slash"],
)
def test_an_unknown_zone_is_refused_with_an_example(name: str) -> None:
    with pytest.raises(UnknownTimeZone) as error:
        zone(name)
    assert isinstance(error.value, DomainError)
    assert "Europe/London" in error.value.message
    if name.strip():
        assert name in error.value.message


@pytest.mark.parametrize(
    ("day", "wall", "zone_name", "expected"),
    [
        (date(2026, 3, 3), time(14), "Europe/London", utc(2026, 3, 3, 14)),
        (date(2026, 7, 3), time(14), "Europe/London", utc(2026, 7, 3, 13)),
        (date(2026, 3, 29), time(0, 59), "Europe/London", utc(2026, 3, 29, 0, 59)),
        (date(2026, 3, 29), time(2), "Europe/London", utc(2026, 3, 29, 1)),
        (date(2026, 10, 25), time(0, 59), "Europe/London", utc(2026, 10, 24, 23, 59)),
        (date(2026, 10, 25), time(2), "Europe/London", utc(2026, 10, 25, 2)),
        (date(2026, 3, 8), time(3), "America/New_York", utc(2026, 3, 8, 7)),
        (date(2026, 11, 1), time(2), "America/New_York", utc(2026, 11, 1, 7)),
        (date(2026, 3, 29), time(2, 30), "Asia/Kolkata", utc(2026, 3, 28, 21)),
        (date(2026, 4, 5), time(3), "Australia/Adelaide", utc(2026, 4, 4, 17, 30)),
        (date(2026, 4, 5), time(1, 59), "Australia/Adelaide", utc(2026, 4, 4, 15, 29)),
        (date(2026, 10, 4), time(3), "Australia/Adelaide", utc(2026, 10, 3, 16, 30)),
        (date(2026, 3, 29), time(1, 30), "Asia/Tokyo", utc(2026, 3, 28, 16, 30)),
        (date(2026, 3, 29), time(1, 30), "UTC", utc(2026, 3, 29, 1, 30)),
    ],
    ids=[
        "London winter",
        "London summer",
        "London just before the gap",
        "London just after the gap",
        "London just before the fold",
        "London just after the fold",
        "New York after the gap",
        "New York after the fold",
        "Kolkata half-hour offset",
        "Adelaide after the fold (+09:30)",
        "Adelaide before the fold (+10:30)",
        "Adelaide after the gap (+10:30)",
        "Tokyo has no DST",
        "UTC has no DST",
    ],
)
def test_local_to_utc_converts_real_wall_times(
    day: date, wall: time, zone_name: str, expected: datetime
) -> None:
    assert local_to_utc(day, wall, zone_name) == expected


@pytest.mark.parametrize(
    ("day", "wall", "zone_name"),
    [
        (date(2026, 3, 29), time(1), "Europe/London"),
        (date(2026, 3, 29), time(1, 59), "Europe/London"),
        (date(2026, 3, 8), time(2, 30), "America/New_York"),
        (date(2026, 10, 4), time(2, 30), "Australia/Adelaide"),
    ],
    ids=["London gap start", "London gap end", "New York gap", "Adelaide gap (October)"],
)
def test_a_wall_time_in_a_dst_gap_is_refused(day: date, wall: time, zone_name: str) -> None:
    with pytest.raises(NonexistentLocalTime) as error:
        local_to_utc(day, wall, zone_name)
    assert zone_name in error.value.message
    assert f"{wall:%H:%M}" in error.value.message
    assert "clocks go forward" in error.value.message


@pytest.mark.parametrize(
    ("day", "wall", "zone_name"),
    [
        (date(2026, 10, 25), time(1), "Europe/London"),
        (date(2026, 10, 25), time(1, 59), "Europe/London"),
        (date(2026, 11, 1), time(1, 30), "America/New_York"),
        (date(2026, 4, 5), time(2, 30), "Australia/Adelaide"),
    ],
    ids=["London fold start", "London fold end", "New York fold", "Adelaide fold (April)"],
)
def test_a_wall_time_in_a_dst_fold_is_refused(day: date, wall: time, zone_name: str) -> None:
    with pytest.raises(AmbiguousLocalTime) as error:
        local_to_utc(day, wall, zone_name)
    assert zone_name in error.value.message
    assert f"{wall:%H:%M}" in error.value.message
    assert "clocks go back" in error.value.message


@pytest.mark.parametrize(
    ("instant", "zone_name", "expected"),
    [
        (utc(2026, 3, 3, 14), "Europe/London", "Tue 3 Mar 2026, 14:00 GMT (Europe/London)"),
        (utc(2026, 7, 3, 13), "Europe/London", "Fri 3 Jul 2026, 14:00 BST (Europe/London)"),
        (utc(2026, 3, 3, 14), "America/New_York", "Tue 3 Mar 2026, 09:00 EST (America/New_York)"),
        (utc(2026, 3, 3, 14), "Asia/Kolkata", "Tue 3 Mar 2026, 19:30 IST (Asia/Kolkata)"),
        (
            utc(2026, 3, 3, 14),
            "Australia/Adelaide",
            "Wed 4 Mar 2026, 00:30 ACDT (Australia/Adelaide)",
        ),
        (utc(2026, 3, 3, 14), "Asia/Tokyo", "Tue 3 Mar 2026, 23:00 JST (Asia/Tokyo)"),
        (utc(2026, 3, 3, 14), "Asia/Dubai", "Tue 3 Mar 2026, 18:00 UTC+04 (Asia/Dubai)"),
        (
            utc(2026, 3, 3, 14),
            "America/Sao_Paulo",
            "Tue 3 Mar 2026, 11:00 UTC-03 (America/Sao_Paulo)",
        ),
        (utc(2026, 3, 3, 14), "UTC", "Tue 3 Mar 2026, 14:00 UTC"),
    ],
    ids=[
        "London GMT",
        "London BST",
        "New York",
        "Kolkata",
        "Adelaide next day",
        "Tokyo",
        "bare offset keeps the IANA name",
        "negative bare offset",
        "UTC said once",
    ],
)
def test_every_time_is_shown_with_its_zone(instant: datetime, zone_name: str, expected: str) -> None:
    assert format_local(instant, zone_name) == expected


@pytest.mark.parametrize(
    ("interval", "zone_name", "expected"),
    [
        (
            Interval(utc(2026, 3, 3, 14), utc(2026, 3, 3, 15)),
            "Europe/London",
            "Tue 3 Mar 2026, 14:00–15:00 GMT (Europe/London)",
        ),
        (
            Interval(utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 30)),
            "Europe/London",
            "Sun 29 Mar 2026, 00:30 GMT–02:30 BST (Europe/London)",
        ),
        (
            Interval(utc(2026, 3, 3, 23, 30), utc(2026, 3, 4, 0, 30)),
            "Europe/London",
            "Tue 3 Mar 2026, 23:30 GMT – Wed 4 Mar 2026, 00:30 GMT (Europe/London)",
        ),
    ],
    ids=["plain", "across the spring-forward change", "across midnight"],
)
def test_a_range_is_shown_with_its_zone(interval: Interval, zone_name: str, expected: str) -> None:
    assert format_local_range(interval, zone_name) == expected


def test_formatting_a_naive_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="time zone"):
        format_local(datetime(2026, 3, 3, 14), "Europe/London")
