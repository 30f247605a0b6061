"""Builders shared by the booking-page tests: pages, windows, instants, readable local times."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from scheduling.intervals import Interval
from scheduling.pages import BookingPage, PageRules, WeeklyHours, Window
from scheduling.zones import format_local, zone

LONDON = "Europe/London"
NEW_YORK = "America/New_York"
KOLKATA = "Asia/Kolkata"
ADELAIDE = "Australia/Adelaide"
PHOENIX = "America/Phoenix"  # no DST, while the rest of the US changes
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def local(zone_name: str, y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A wall time in ``zone_name`` as a UTC instant (for times that exist once)."""
    return datetime(y, mo, d, h, mi, tzinfo=zone(zone_name)).astimezone(UTC)


def window(start: str, end: str) -> Window:
    """``window("09:00", "24:00")``: 24:00 is kept as an end of 00:00."""
    def clock(text: str) -> time:
        hours, minutes = (int(part) for part in text.split(":"))
        return time(0) if hours == 24 else time(hours, minutes)

    return Window(clock(start), clock(end))


def every_day(*windows: Window) -> WeeklyHours:
    return WeeklyHours.uniform(*windows, days=range(7))


def page(
    zone_name: str = LONDON,
    weekly: WeeklyHours | None = None,
    overrides: Mapping[date, tuple[Window, ...]] | None = None,
    **rules: Any,
) -> BookingPage:
    """A page with Mon–Fri 09:00–17:00 unless told otherwise; ``rules`` are PageRules fields."""
    return BookingPage(
        zone=zone_name,
        weekly=weekly if weekly is not None else WeeklyHours.uniform(window("09:00", "17:00")),
        overrides=overrides or {},
        rules=PageRules(**rules),
    )


def slot(start: datetime, minutes: int = 60) -> Interval:
    return Interval(start, start + timedelta(minutes=minutes))


def shown(times: Iterable[Interval], zone_name: str) -> list[str]:
    """Each start as the host reads it, e.g. "Sun 29 Mar 2026, 09:00 BST (Europe/London)"."""
    return [format_local(t.start, zone_name) for t in times]


def starts(times: Iterable[Interval]) -> list[datetime]:
    return [t.start for t in times]
