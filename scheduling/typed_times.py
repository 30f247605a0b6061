"""Typed windows ("Tuesday after 2pm", read by ``scheduling.phrases``) against what can be booked.

Two pure questions a chat asks once a sentence became windows:

* a candidate: which open times lie inside what they asked for, and, when none does, which open
  times are nearest to it (:func:`match_open_times`);
* a client offering times by hand: which slots of the interview's length the windows hold
  (:func:`slots_in_windows`); the offer's own rules are checked later, by the use case;
* a client typing their weekly hours: the week the windows describe (:func:`weekly_hours`).

No clock, no I/O: the windows and the open times are given, half-open and UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from scheduling.intervals import Interval
from scheduling.zones import zone as zone_info

__all__ = [
    "MATCH_LIMIT", "TimeMatch", "WeeklyHours", "distance", "match_open_times", "slots_in_windows",
    "weekly_hours",
]

# How many times one answer offers: a chat answer is read at a glance, not scrolled.
MATCH_LIMIT = 3


@dataclass(frozen=True, slots=True)
class TimeMatch:
    """``open``: open times lying wholly inside an asked window, in the order the windows were
    said (then by start); ``nearest``: when none is, the open times nearest to the windows, in
    start order. At most the limit of each; both empty when nothing is open at all."""

    open: tuple[Interval, ...]
    nearest: tuple[Interval, ...]


def distance(time: Interval, windows: Sequence[Interval]) -> timedelta:
    """How far ``time`` is from the nearest of ``windows``: zero when they overlap, else the gap
    between them."""
    return min(max(w.start - time.end, time.start - w.end, timedelta(0)) for w in windows)


def match_open_times(
    windows: Sequence[Interval], open_times: Sequence[Interval], *, limit: int = MATCH_LIMIT
) -> TimeMatch:
    """The open times that answer ``windows``: those inside them, else the ``limit`` nearest.

    Nearest is by :func:`distance` to any window, ties by how far the start is from the start of
    the nearest window, then by start; the ones chosen are returned in start order (a list read
    like a calendar). An open time overlapping a window without fitting in it is not "open" for
    it (the person asked for that window), but it is as near as can be.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not windows:
        return TimeMatch((), ())
    inside: list[Interval] = []
    ordered = sorted(set(open_times))
    for window in windows:
        for time in ordered:
            if window.start <= time.start and time.end <= window.end and time not in inside:
                inside.append(time)
    if inside:
        return TimeMatch(tuple(inside[:limit]), ())

    def nearness(time: Interval) -> tuple[timedelta, timedelta, Interval]:
        return (
            distance(time, windows),
            min(abs(time.start - w.start) for w in windows),
            time,
        )

    nearest = sorted(ordered, key=nearness)[:limit]
    return TimeMatch((), tuple(sorted(nearest)))


def slots_in_windows(
    windows: Sequence[Interval], duration: timedelta, *, limit: int
) -> tuple[list[Interval], bool]:
    """Back-to-back slots of ``duration`` filling each window from its start ("Mon 10–12" with an
    hour: 10:00 and 11:00), in the order the windows were said, each slot once; at most ``limit``.
    Returns the slots and whether more would have fitted than ``limit``."""
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    slots: list[Interval] = []
    for window in windows:
        start = window.start
        while start + duration <= window.end:
            slot = Interval(start, start + duration)
            if slot not in slots:
                if len(slots) == limit:
                    return slots, True
                slots.append(slot)
            start += duration
    return slots, False


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Typed hours as a booking page's week: the weekdays (``scheduling.pages.DAY_KEYS``) and the
    same local windows on each, as minutes of the day (an end of 1440 is midnight)."""

    days: tuple[str, ...]
    windows: tuple[tuple[int, int], ...]


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def weekly_hours(windows: Sequence[Interval], zone: str, *, most: int) -> WeeklyHours | str:
    """The week that typed windows ("Mon–Fri 9–12 and 13–17", read as the coming days' windows)
    describe, in ``zone``: each day's local windows, the same on every day named. A ``str`` is the
    reason they cannot be one (different hours on different days, more than ``most`` windows a
    day, a window across midnight). Only the first seven days from the first window count: a
    week is what the page repeats."""
    if not windows:
        return "no hours were read from that"
    tz = zone_info(zone)
    first_day = min(w.start.astimezone(tz).date() for w in windows)
    by_day: dict[int, list[tuple[int, int]]] = {}
    for window in sorted(windows, key=lambda w: w.start):
        start, end = window.start.astimezone(tz), window.end.astimezone(tz)
        if (start.date() - first_day).days >= 7:
            continue
        end_minute = end.hour * 60 + end.minute
        if end.date() != start.date():
            if end.date() != start.date() + timedelta(days=1) or end_minute:
                return "a window runs past midnight: type each day's hours within the day"
            end_minute = 24 * 60
        by_day.setdefault(start.weekday(), []).append((start.hour * 60 + start.minute, end_minute))
    shapes = {tuple(hours) for hours in by_day.values()}
    if len(shapes) > 1:
        return ("the hours differ from day to day, and this form sets the same hours on every day "
                "chosen: type hours that are the same each day (e.g. Mon–Fri 9–12 and 13–17)")
    [hours] = shapes
    if len(hours) > most:
        return f"at most {most} windows a day fit this form"
    return WeeklyHours(tuple(_DAYS[d] for d in sorted(by_day)), hours)
