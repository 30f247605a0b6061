"""Live open times from booking pages, the re-check at commit, and joint times for panels.

Pure: ``now``, the calendar's busy blocks and askARSAN's bookings are passed in; the caller reads
them (Graph ``getSchedule`` or the local calendar, the bookings table) and re-runs
:func:`check_open_time` inside the booking transaction.

What is open
    A time ``[start, start + duration)`` is open on a host's :class:`~scheduling.pages.BookingPage`
    when all of these hold (each failing one has a :class:`NotOpen` reason, checked in this
    order):

    - ``DURATION``: ``duration`` is one of the page's lengths;
    - ``PAST`` / ``TOO_SOON`` / ``TOO_FAR``: ``start`` is after ``now``, at least the minimum
      notice after it and at most the horizon after it (exactly at either boundary is open);
    - ``OUTSIDE_HOURS``: the whole time lies within the page's hours of the local day it starts
      on, in the page's zone, converted per day so a 09:00 window stays 09:00 local on both
      sides of a DST change (see :meth:`~scheduling.pages.BookingPage.windows_on` for windows
      whose bounds fall in a skipped or repeated hour); touching windows count as one, a day's
      last window does not run into the next day's;
    - ``OFF_GRID``: ``start`` is on the page's step from local midnight (09:00, 09:30… for a
      30-minute step — also in +05:30 zones); in a repeated hour both occurrences are on it;
    - ``CLASH``: the time with its buffers (``buffer_before`` before, ``buffer_after`` after)
      meets no busy block, and it keeps ``max(buffer_before, buffer_after)`` from every
      booking (each interview keeps its buffers free; two interviews may share the free time
      between them). Back-to-back with zero buffers is fine;
    - ``DAILY_CAP``: fewer than ``max_per_day`` bookings start on that local day.

    ``booked`` are the host's other bookings — leave out the one being rescheduled. A host's
    local day runs from the first instant of its midnight to the first instant of the next.

    :func:`open_times` lists exactly the times :func:`check_open_time` accepts (a property the
    tests check both ways), in start order. Built as interval algebra over half-open UTC
    intervals (:mod:`scheduling.intervals`): per local day, the page's windows ∩ the bookable
    range − busy blocks and bookings widened by the buffers, skipping capped days, then cut on
    the step grid. Busy time is merged once: O(n + (m + d) log m) for n blocks and bookings,
    m of them near the bookable range, over d days — bookings far from it (a table's past
    interviews, any beyond the horizon) cost one comparison each, in any order.

Paging
    Times come in start order; ``limit`` cuts the list and ``starting_after`` (the last start
    shown) continues it, so "later dates" is ``starting_after=times[-1].start``. ``until`` ends
    it (times starting before it). :func:`by_local_day` groups times by day in the reader's zone.

Panels
    :func:`joint_open_times` takes :class:`Host`\\ s, required and optional: a time is open when
    it is open for every required host (each with their own page, zone, rules, busy time and
    bookings; the step grid is the first required host's), and each time lists the optional
    hosts it is open for too; a busy optional host never removes a time.
    :func:`check_joint_time` is its re-check at commit.

The API the services call::

    open_times(page, duration, busy, booked, now, *, starting_after=None, until=None, limit=None)
        -> list[Interval]
    check_open_time(page, slot, busy, booked, now) -> NotOpen | None
    joint_open_times(required, optional, duration, now, *, starting_after=None, until=None,
                     limit=None) -> list[JointOpenTime]
    check_joint_time(required, slot, now) -> tuple[str, NotOpen] | None
    free_hosts(optional, slot, now) -> tuple[str, ...]
    by_local_day(times, zone_name) -> list[tuple[date, list[T]]]
    BookingPage.booking_rules(duration) -> BookingRules     # hand-offered slots, today's checks

``open_times`` and ``joint_open_times`` raise :class:`~scheduling.pages.DurationNotOffered` when a
required page does not offer ``duration`` (the request should be refused with its message).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from itertools import chain, islice
from operator import attrgetter
from typing import Protocol, TypeVar

from scheduling.intervals import Interval, intersect, subtract, trusted
from scheduling.pages import BookingPage, DurationNotOffered, PageRules, first_instant_at, offset_change
from scheduling.rules import require_aware
from scheduling.zones import zone

__all__ = [
    "Host",
    "JointOpenTime",
    "NotOpen",
    "by_local_day",
    "check_joint_time",
    "check_open_time",
    "free_hosts",
    "joint_open_times",
    "open_times",
]

_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
_ZERO = timedelta(0)
_START = attrgetter("start")


class NotOpen(StrEnum):
    """Why a time is not open on a booking page (see the module docstring for each rule)."""

    DURATION = "duration"
    PAST = "past"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    OUTSIDE_HOURS = "outside_hours"
    OFF_GRID = "off_grid"
    CLASH = "clash"
    DAILY_CAP = "daily_cap"


@dataclass(frozen=True)
class Host:
    """One person whose time a booking needs: their page and what already fills their time.

    ``key`` is the caller's id for them (a party id), given back in :class:`JointOpenTime` and
    :func:`check_joint_time`; ``busy`` are their calendar's busy blocks, ``booked`` their other
    askARSAN bookings.
    """

    key: str
    page: BookingPage
    busy: Sequence[Interval] = ()
    booked: Sequence[Interval] = ()


@dataclass(frozen=True, slots=True)
class JointOpenTime:
    """A time open for every required host; ``optional`` are the optional hosts free then too."""

    slot: Interval
    optional: tuple[str, ...] = ()

    @property
    def start(self) -> datetime:
        return self.slot.start


# --- the API ------------------------------------------------------------------------------------


def open_times(
    page: BookingPage,
    duration: timedelta,
    busy: Sequence[Interval],
    booked: Sequence[Interval],
    now: datetime,
    *,
    starting_after: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[Interval]:
    """The live open times of ``page`` for an interview of ``duration``, in start order.

    Only times starting after ``starting_after`` and before ``until`` are listed, at most
    ``limit`` of them. Raises :class:`~scheduling.pages.DurationNotOffered`.
    """
    host = Host("", page, busy, booked)
    found = _joint([host], [], duration, now, starting_after, until)
    return [slot for slot, _ in islice(found, limit)] if _wanted(limit) else []


def check_open_time(
    page: BookingPage,
    slot: Interval,
    busy: Sequence[Interval],
    booked: Sequence[Interval],
    now: datetime,
) -> NotOpen | None:
    """Why ``slot`` is not open on ``page`` now, or None when it is: the re-check at commit.

    Exactly the rules :func:`open_times` lists by; ``busy`` and ``booked`` need not be sorted.
    """
    require_aware(now)
    return _refusal(page, slot, busy, booked, now, on_grid=True)


def joint_open_times(
    required: Sequence[Host],
    optional: Sequence[Host],
    duration: timedelta,
    now: datetime,
    *,
    starting_after: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[JointOpenTime]:
    """Times open for every required host, on the first one's step grid, in start order.

    Each lists the optional hosts for whom it is open too; an optional host whose page does not
    offer ``duration`` is never listed. Raises :class:`~scheduling.pages.DurationNotOffered`
    (with the host's key) for a required page that does not offer it.
    """
    if not required:
        raise ValueError("Joint open times need at least one required host.")
    found = _joint(required, optional, duration, now, starting_after, until)
    return [JointOpenTime(s, o) for s, o in islice(found, limit)] if _wanted(limit) else []


def check_joint_time(
    required: Sequence[Host], slot: Interval, now: datetime
) -> tuple[str, NotOpen] | None:
    """The first required host for whom ``slot`` is not open, and why; None when it is open.

    The step grid is the first host's, as in :func:`joint_open_times`; optional hosts never
    refuse a time, so they are not asked.
    """
    require_aware(now)
    for i, host in enumerate(required):
        reason = _refusal(host.page, slot, host.busy, host.booked, now, on_grid=i == 0)
        if reason is not None:
            return host.key, reason
    return None


class _Timed(Protocol):
    @property
    def start(self) -> datetime: ...


_T = TypeVar("_T", bound=_Timed)


def by_local_day(times: Iterable[_T], zone_name: str) -> list[tuple[date, list[_T]]]:
    """``times`` grouped by their start's local date in ``zone_name`` (the reader's), in order.

    Works on :class:`~scheduling.intervals.Interval` and :class:`JointOpenTime` alike.
    """
    tz = zone(zone_name)
    groups: list[tuple[date, list[_T]]] = []
    for item in times:
        day = item.start.astimezone(tz).date()
        if groups and groups[-1][0] == day:
            groups[-1][1].append(item)
        else:
            groups.append((day, [item]))
    return groups


# --- the re-check -------------------------------------------------------------------------------


def _refusal(
    page: BookingPage,
    slot: Interval,
    busy: Sequence[Interval],
    booked: Sequence[Interval],
    now: datetime,
    *,
    on_grid: bool,
) -> NotOpen | None:
    rules = page.rules
    start = slot.start
    if not rules.offers(slot.duration):
        return NotOpen.DURATION
    if start <= now:
        return NotOpen.PAST
    if start < now + rules.min_notice:
        return NotOpen.TOO_SOON
    if start > now + rules.horizon:
        return NotOpen.TOO_FAR
    tz = zone(page.zone)
    day, day_start, day_end = _local_day(start, tz)
    if not any(w.start <= start and slot.end <= w.end for w in page.windows_on(day)):
        return NotOpen.OUTSIDE_HOURS
    if on_grid and not _on_grid(start, rules.step, tz):
        return NotOpen.OFF_GRID
    buffered = slot.expanded(rules.buffer_before, rules.buffer_after)
    apart = slot.expanded(rules.gap, rules.gap)
    if any(buffered.overlaps(b) for b in busy) or any(apart.overlaps(b) for b in booked):
        return NotOpen.CLASH
    cap = rules.max_per_day
    if cap is not None and sum(1 for b in booked if day_start <= b.start < day_end) >= cap:
        return NotOpen.DAILY_CAP
    return None


def _local_day(instant: datetime, tz: tzinfo) -> tuple[date, datetime, datetime]:
    """The host's local day ``instant`` falls in, with its first instant and the next day's.

    Usually the local date; where clocks go back at midnight (America/Santiago) the repeated
    hour after midnight's first occurrence belongs to the new day, as the day's span says.
    """
    day = instant.astimezone(tz).date()
    start = first_instant_at(day, 0, tz)
    end = first_instant_at(day + _DAY, 0, tz)
    if instant >= end:
        day, start, end = day + _DAY, end, first_instant_at(day + 2 * _DAY, 0, tz)
    return day, start, end


def _on_grid(start: datetime, step: timedelta, tz: tzinfo) -> bool:
    local = start.astimezone(tz)
    since_midnight = timedelta(hours=local.hour, minutes=local.minute, seconds=local.second,
                               microseconds=local.microsecond)
    return since_midnight % step == _ZERO


def free_hosts(optional: Sequence[Host], slot: Interval, now: datetime) -> tuple[str, ...]:
    """The keys of the optional hosts for whom ``slot`` is open (their hours, rules, busy time
    and bookings; not their step grid: the time is the required hosts'), in their order: who of
    them attends a booked time."""
    require_aware(now)
    return tuple(
        host.key
        for host in optional
        if _refusal(host.page, slot, host.busy, host.booked, now, on_grid=False) is None
    )


# --- open times ---------------------------------------------------------------------------------


def _wanted(limit: int | None) -> bool:
    return limit is None or limit > 0


def _joint(
    required: Sequence[Host],
    optional: Sequence[Host],
    duration: timedelta,
    now: datetime,
    starting_after: datetime | None,
    until: datetime | None,
) -> Iterator[tuple[Interval, tuple[str, ...]]]:
    """Open times on the first required host's grid, with the optional hosts free for each.

    The first host's free ranges are produced day by day (so a small ``limit`` stops early);
    the other hosts' are listed in full and each time is looked up in them by bisection. A time
    must fit one free range of each host — ranges of one host may touch at a midnight, and a
    time across it would not be within one local day's hours.
    """
    require_aware(now)
    for value in (starting_after, until):
        if value is not None:
            require_aware(value)
    for host in required:
        if not host.page.rules.offers(duration):
            raise DurationNotOffered(duration, host.page.rules.durations_minutes, host.key)
    first, others = required[0], required[1:]
    others_free = [_Ranges(_free(h, duration, now, starting_after, until)) for h in others]
    optional_free = [
        (h.key, _Ranges(_free(h, duration, now, starting_after, until)))
        for h in optional
        if h.page.rules.offers(duration)
    ]
    tz = zone(first.page.zone)
    step = first.page.rules.step
    alone = not others_free and not optional_free
    for rng in _free(first, duration, now, starting_after, until):
        for slot in _cut(rng, duration, step, tz):
            if alone:
                yield slot, ()
            elif all(free.holds(slot) for free in others_free):
                yield slot, tuple(key for key, free in optional_free if free.holds(slot))


class _Ranges:
    """Sorted, disjoint (possibly touching) free ranges, asked whether they hold a time."""

    def __init__(self, ranges: Iterable[Interval]) -> None:
        self.ranges = list(ranges)
        self.starts = [r.start for r in self.ranges]

    def holds(self, slot: Interval) -> bool:
        i = bisect_right(self.starts, slot.start) - 1
        return i >= 0 and slot.end <= self.ranges[i].end


def _free(
    host: Host,
    duration: timedelta,
    now: datetime,
    starting_after: datetime | None,
    until: datetime | None,
) -> Iterator[Interval]:
    """The host's free ranges, day by day in order: each lies within one local day's hours.

    A time of ``duration`` is open for the host (grid aside) exactly when it fits one range.
    """
    page = host.page
    rules = page.rules
    earliest = max(now + rules.min_notice, now + _MICROSECOND)
    latest = now + rules.horizon  # the last start
    if starting_after is not None:
        earliest = max(earliest, starting_after + _MICROSECOND)
    if until is not None:
        latest = min(latest, until - _MICROSECOND)
    if latest < earliest:
        return
    # A time fits [earliest, latest + duration] exactly when it starts in [earliest, latest].
    bookable = trusted(earliest, latest + duration)
    tz = zone(page.zone)
    day = earliest.astimezone(tz).date() - _DAY
    day_start = first_instant_at(day, 0, tz)
    # One pass over the bookings keeps those that can matter: those within the gap of the
    # bookable range (for clashes) and those starting on a day the loop below visits (for the
    # cap; the last one starts before the range ends and lasts at most 25 hours). The caller's
    # table holds past and far-off interviews too; sorting only the few near ones keeps the
    # cost of the rest to one comparison each.
    cap = rules.max_per_day
    gap = rules.gap
    near_lo = min(day_start, bookable.start - gap)
    near_hi = max(bookable.end + 2 * _DAY, bookable.end + gap)
    booked = [b for b in host.booked if b.end > near_lo and b.start < near_hi]
    booked_starts = sorted(b.start for b in booked) if cap is not None else []

    offset = day_start.astimezone(tz).utcoffset()
    # The blocks are read as the days reach them, so a first page widens and joins only the
    # blocks of its first days. Those read so far are kept: the ones before j end before the
    # current day and cannot matter again.
    pending = _blocks(rules, host.busy, booked, bookable)
    upcoming = next(pending, None)
    blocks: list[Interval] = []
    j = 0
    while day_start < bookable.end:
        next_day = day + _DAY
        # A day whose next midnight is 24 hours on at the same offset has no clock change
        # (no zone changes its clocks twice in one day): its wall times are a fixed offset
        # from UTC, so its windows need no conversion each.
        guess = day_start + _DAY
        local = guess.astimezone(tz)
        steady = local.utcoffset() == offset and local.hour == local.minute == 0 == local.second
        day_end = guess if steady else first_instant_at(next_day, 0, tz)
        if day_end > bookable.start and not (
            cap is not None
            and bisect_left(booked_starts, day_end) - bisect_left(booked_starts, day_start) >= cap
        ):
            windows = _windows(page, day, day_start, day_end, steady)
            if windows:
                if windows[0].start < bookable.start or windows[-1].end > bookable.end:
                    windows = intersect(windows, [bookable])  # the first and last days only
                while upcoming is not None and upcoming.start < day_end:
                    blocks.append(upcoming)
                    upcoming = next(pending, None)
                while j < len(blocks) and blocks[j].end <= day_start:
                    j += 1
                # subtract merges the windows too: touching ones become one range.
                yield from subtract(windows, blocks[j:])
        day, day_start = next_day, day_end
        offset = day_end.astimezone(tz).utcoffset() if not steady else offset


def _windows(
    page: BookingPage, day: date, day_start: datetime, day_end: datetime, steady: bool
) -> list[Interval]:
    """The day's windows in UTC, sorted (touching ones not yet joined)."""
    if not steady:
        return page.windows_on(day)
    return [
        trusted(day_start + timedelta(minutes=w.start_minute), day_start + timedelta(minutes=w.end_minute))
        for w in page.wall_windows(day)
    ]


def _blocks(
    rules: PageRules, busy: Iterable[Interval], booked: Iterable[Interval], bookable: Interval
) -> Iterator[Interval]:
    """Busy blocks and bookings widened so a time that meets none is clear of both, merged.

    A time conflicts with busy block B when the time with its buffers meets B, i.e. when the
    time meets B widened by ``buffer_after`` before and ``buffer_before`` after; with a booking
    when it comes within the gap (the larger buffer) of it. Blocks that cannot reach the
    bookable range are dropped first and the rest sorted; the merged blocks then come in start
    order as they are read, disjoint and not touching, as :func:`~scheduling.intervals.merge`
    gives them.
    """
    before, after, gap = rules.buffer_before, rules.buffer_after, rules.gap
    lo, hi = bookable.start, bookable.end
    # Bounds moved instead of each block widened: comparisons only in the per-block filter.
    if before == after:
        # One widening for both keeps their order: sort them raw together, widen each merged one.
        after_lo, before_hi = lo - gap, hi + gap
        return _joined(
            sorted((b for b in chain(busy, booked) if b.end > after_lo and b.start < before_hi), key=_START),
            gap,
        )
    busy_lo, busy_hi, booked_lo, booked_hi = lo - before, hi + after, lo - gap, hi + gap
    busy_sorted = sorted((b for b in busy if b.end > busy_lo and b.start < busy_hi), key=_START)
    booked_sorted = sorted((b for b in booked if b.end > booked_lo and b.start < booked_hi), key=_START)
    widened = heapq.merge(
        (trusted(b.start - after, b.end + before) for b in busy_sorted),
        (trusted(b.start - gap, b.end + gap) for b in booked_sorted),
        key=_START,
    )
    return _joined(widened, _ZERO)


def _joined(ordered: Iterable[Interval], widen: timedelta) -> Iterator[Interval]:
    """The union of ``ordered`` (sorted by start), each widened by ``widen`` on both sides.

    Two intervals whose widenings meet or touch are joined: they come within ``2 * widen``.
    """
    intervals = iter(ordered)
    first = next(intervals, None)
    if first is None:
        return
    reach = 2 * widen
    start, end = first.start, first.end
    for current in intervals:
        if current.start - reach > end:
            yield trusted(start - widen, end + widen)
            start, end = current.start, current.end
        elif current.end > end:
            end = current.end
    yield trusted(start - widen, end + widen)


def _cut(rng: Interval, duration: timedelta, step: timedelta, tz: tzinfo) -> Iterator[Interval]:
    """The times of ``duration`` within ``rng`` whose start is on the step grid of ``tz``."""
    last = rng.end - duration
    if last < rng.start:
        return
    piece_start = rng.start
    while True:
        offset = piece_start.astimezone(tz).utcoffset()
        if last.astimezone(tz).utcoffset() == offset:
            piece_end = last  # one offset to the end (one change a day at most, as above)
        else:
            change = offset_change(piece_start, last, tz)
            piece_end = change - _MICROSECOND
        assert offset is not None
        local = piece_start + offset  # the wall time, carried as a UTC datetime
        since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
        start = piece_start + (-since_midnight) % step
        while start <= piece_end:
            yield trusted(start, start + duration)
            start += step
        if piece_end >= last:
            return
        piece_start = piece_end + _MICROSECOND
