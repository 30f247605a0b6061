"""Booking rules (as Microsoft Bookings has them) and the checks of offered and free slots.

One module on purpose, though long: the rules and the checks that apply them are read together.

Everything here is interval algebra over half-open UTC intervals (cal.com's date-ranges / slots):
working hours become UTC ranges, busy time is merged once and subtracted, ranges are cut into slots.
``now`` is always a parameter; nothing reads the clock.

Buffers: a slot together with its buffers (``buffer_before`` before it, ``buffer_after`` after it,
see :meth:`BookingRules.blocked`) must not overlap busy time, nor the buffered span of another
slot of the same offer. Busy intervals are taken as given: if they include interviews booked under
the same rules, pass those through :meth:`BookingRules.blocked` so their own buffers count too.
With zero buffers, back-to-back slots and bookings are fine.

Boundaries: a slot must start strictly after ``now``, at least ``min_notice`` after it (exactly
``min_notice`` is fine) and at most ``horizon`` after it (exactly ``horizon`` is fine); the whole
slot must lie within one working-hours window of its local day in the rules' zone (ending exactly
at closing time is fine).

Working hours are one window per weekday (``working_hours``), or, for a client with a booking
page, the page's own hours (``hours``: several windows a day, date overrides, 24:00 ends; see
:meth:`scheduling.pages.BookingPage.booking_rules`).
"""

from __future__ import annotations

import math
from bisect import insort
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo

from scheduling.errors import InvalidRules, UnknownTimeZone
from scheduling.intervals import Interval, first_overlap, intersect, merge, subtract, trusted
from scheduling.zones import (
    AmbiguousLocalTime,
    NonexistentLocalTime,
    format_local,
    format_local_range,
    local_to_utc,
    wall_to_utc,
    zone,
)

__all__ = [
    "BookingRules",
    "LocalHours",
    "RefusalReason",
    "RefusedSlot",
    "SlotCheck",
    "SlotRequest",
    "check_offered_slots",
    "check_pick",
    "free_slots",
]

_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NINE_TO_SIX = (time(9), time(18))


def _default_working_hours() -> Mapping[int, tuple[time, time]]:
    return {day: _NINE_TO_SIX for day in range(5)}


class LocalHours(Protocol):
    """Working hours richer than one window per weekday: a booking page's.

    Implemented by :class:`scheduling.pages.BookingPage`; it must be hashable (rules are).
    """

    @property
    def zone(self) -> str: ...

    def windows_on(self, day: date) -> list[Interval]:
        """The hours of the local date ``day`` as UTC intervals, sorted and disjoint."""
        ...

    def describe_hours(self) -> str:
        """The hours in a line, e.g. "Mon–Fri 09:00–12:00 and 13:00–17:00"."""
        ...


@dataclass(frozen=True)
class BookingRules:
    """A client's availability rules, as Microsoft Bookings has them.

    ``working_hours`` maps a weekday (0 = Monday) to a start and end wall time in ``zone``; a
    weekday absent from ``working_hours`` is not a working day. ``hours``, when given, is where
    the hours come from instead (a booking page, in the same zone); ``working_hours`` is then
    left at its default or empty, and reads empty.
    """

    zone: str
    duration: timedelta = timedelta(minutes=60)
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    min_notice: timedelta = timedelta(hours=24)
    horizon: timedelta = timedelta(days=60)
    working_hours: Mapping[int, tuple[time, time]] = field(default_factory=_default_working_hours)
    hours: LocalHours | None = None

    def __post_init__(self) -> None:
        zone(self.zone)  # raises UnknownTimeZone
        for name in ("duration", "buffer_before", "buffer_after", "min_notice", "horizon"):
            if not isinstance(getattr(self, name), timedelta):
                raise InvalidRules(f"The {name.replace('_', ' ')} must be a length of time.")
        if self.duration <= timedelta(0):
            raise InvalidRules("An interview must last longer than zero minutes.")
        if self.buffer_before < timedelta(0) or self.buffer_after < timedelta(0):
            raise InvalidRules("Buffers before and after an interview cannot be negative.")
        if self.min_notice < timedelta(0):
            raise InvalidRules("The minimum notice cannot be negative.")
        if self.horizon <= self.min_notice:
            raise InvalidRules(
                f"The booking horizon ({hours_or_days_text(self.horizon)}) must be longer than the "
                f"minimum notice ({hours_text(self.min_notice)}), or no time could ever be booked."
            )
        if self.hours is not None:
            self._use_hours(self.hours)
            return
        hours: dict[int, tuple[time, time]] = {}
        for day, window in sorted(self.working_hours.items()):
            if not isinstance(day, int) or isinstance(day, bool) or not 0 <= day <= 6:
                raise InvalidRules(f"Working days are numbered 0 (Monday) to 6 (Sunday); got {day!r}.")
            start, end = _window(day, window)
            if start >= end:
                raise InvalidRules(
                    f"Working hours on {_FULL_DAY_NAMES[day]} must end after they start "
                    f"(got {start:%H:%M}–{end:%H:%M})."
                )
            hours[day] = (start, end)
        if not hours:
            raise InvalidRules("At least one working day is needed, e.g. Monday 09:00–18:00.")
        # Read-only, so a frozen BookingRules really cannot change under a caller.
        object.__setattr__(self, "working_hours", MappingProxyType(hours))

    def _use_hours(self, hours: LocalHours) -> None:
        if zone(hours.zone).key != zone(self.zone).key:
            raise InvalidRules(
                f"The working hours are in {hours.zone}, the rules in {self.zone}: they must agree."
            )
        if self.working_hours and dict(self.working_hours) != _default_working_hours():
            raise InvalidRules("Give either working hours or a booking page's hours, not both.")
        object.__setattr__(self, "working_hours", MappingProxyType({}))

    def __hash__(self) -> int:
        # The generated hash would fail on the working-hours mapping; hash its items instead.
        return hash(
            (
                self.zone,
                self.duration,
                self.buffer_before,
                self.buffer_after,
                self.min_notice,
                self.horizon,
                tuple(sorted(self.working_hours.items())),
                self.hours,
            )
        )

    def blocked(self, slot: Interval) -> Interval:
        """The time an interview in ``slot`` keeps busy: the slot with its buffers."""
        return slot.expanded(self.buffer_before, self.buffer_after)

    def describe(self) -> list[str]:
        """The rules as short sentences for a card."""
        lines = [f"Interviews last {minutes_text(self.duration)}"]
        if self.buffer_before:
            lines.append(f"{minutes_text(self.buffer_before).capitalize()} free before each interview")
        if self.buffer_after:
            lines.append(f"{minutes_text(self.buffer_after).capitalize()} free after each interview")
        if self.min_notice:
            lines.append(f"At least {notice_text(self.min_notice)}")
        else:
            lines.append("No minimum notice")
        lines.append(f"Up to {hours_or_days_text(self.horizon)} ahead")
        lines.append(f"Working hours {self.describe_hours()} {self.zone.strip()}")
        return lines

    def describe_hours(self) -> str:
        """The working hours in a line, e.g. "Mon–Fri 09:00–18:00"."""
        if self.hours is not None:
            return self.hours.describe_hours()
        return _describe_hours(self.working_hours)


def _window(day: int, window: object) -> tuple[time, time]:
    if (
        not isinstance(window, tuple)
        or len(window) != 2
        or not all(isinstance(t, time) and t.tzinfo is None for t in window)
    ):
        raise InvalidRules(
            f"Working hours on {_FULL_DAY_NAMES[day]} must be a start and an end time, e.g. 09:00–18:00."
        )
    start, end = window
    return start, end


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def minutes_text(td: timedelta) -> str:
    seconds = int(td.total_seconds())
    if seconds % 60:
        return _plural(seconds, "second")
    return _plural(seconds // 60, "minute")


def hours_text(td: timedelta) -> str:
    seconds = int(td.total_seconds())
    return _plural(seconds // 3600, "hour") if seconds % 3600 == 0 else minutes_text(td)


def notice_text(td: timedelta) -> str:
    """"24 hours' notice", "1 hour's notice"."""
    notice = hours_text(td)
    return f"{notice}' notice" if notice.endswith("s") else f"{notice}'s notice"


def hours_or_days_text(td: timedelta) -> str:
    return _plural(td.days, "day") if td.days and td == timedelta(days=td.days) else hours_text(td)


def _describe_hours(working_hours: Mapping[int, tuple[time, time]]) -> str:
    """E.g. "Mon–Fri 09:00–18:00" or "Mon–Thu 09:00–18:00, Fri 09:00–16:00"."""
    groups: dict[tuple[time, time], list[int]] = {}
    for day in sorted(working_hours):
        groups.setdefault(working_hours[day], []).append(day)
    parts = []
    for (start, end), days in groups.items():
        parts.append(f"{describe_days(days)} {start:%H:%M}–{end:%H:%M}")
    return ", ".join(parts)


def describe_days(days: list[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names: list[str] = []
    for run in runs:
        if len(run) >= 3:
            names.append(f"{_DAY_NAMES[run[0]]}–{_DAY_NAMES[run[-1]]}")
        else:
            names.extend(_DAY_NAMES[d] for d in run)
    return ", ".join(names)


@dataclass(frozen=True)
class SlotRequest:
    """A slot as the client typed it: a local date and start time in a zone."""

    date: date
    start: time
    zone: str


class RefusalReason(StrEnum):
    PAST = "past"
    MIN_NOTICE = "min_notice"
    BEYOND_HORIZON = "beyond_horizon"
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    OVERLAPS_OFFERED = "overlaps_offered"
    OVERLAPS_BOOKING = "overlaps_booking"
    DST_GAP = "dst_gap"
    DST_AMBIGUOUS = "dst_ambiguous"
    UNKNOWN_ZONE = "unknown_zone"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class RefusedSlot:
    """A refused request, why, and a message that says what was wrong and what to do."""

    request: SlotRequest
    reason: RefusalReason
    message: str


@dataclass(frozen=True)
class SlotCheck:
    """The outcome of an offer: accepted slots (UTC, in request order) and refused requests."""

    accepted: list[Interval]
    refused: list[RefusedSlot]


class _Availability:
    """Busy time merged once, and the working-hours windows of ``rules``, for repeated checks."""

    def __init__(self, rules: BookingRules, busy: Sequence[Interval]) -> None:
        self.rules = rules
        self.tz: ZoneInfo = zone(rules.zone)
        self.busy = merge(busy)

    def windows(self, local_day: date) -> list[Interval]:
        """The working-hours windows of ``local_day`` in UTC (none on a day off).

        From ``working_hours`` the bounds are converted leniently: an opening time inside a DST
        gap is read with the offset before the change (02:30 on a spring-forward night opens at
        03:30), one inside a fold is the first occurrence. ``hours`` converts its own.
        """
        if self.rules.hours is not None:
            return self.rules.hours.windows_on(local_day)
        hours = self.rules.working_hours.get(local_day.weekday())
        if hours is None:
            return []
        start = datetime.combine(local_day, hours[0], tzinfo=self.tz).astimezone(UTC)
        end = datetime.combine(local_day, hours[1], tzinfo=self.tz).astimezone(UTC)
        return [Interval(start, end)] if start < end else []

    def in_working_hours(self, slot: Interval) -> bool:
        windows = self.windows(slot.start.astimezone(self.tz).date())
        return any(w.start <= slot.start and slot.end <= w.end for w in windows)

    def booking_clash(self, slot: Interval) -> Interval | None:
        return first_overlap(self.rules.blocked(slot), self.busy)


def check_offered_slots(
    requests: Sequence[SlotRequest],
    rules: BookingRules,
    busy: Sequence[Interval],
    now: datetime,
) -> SlotCheck:
    """Check the slots a client offers: keep those that follow ``rules``, refuse the others.

    Requests are taken in order, and the first problem found is the reason given, checked in this
    order: unknown zone, DST gap, DST fold, duplicate (same instant as an earlier request),
    past, minimum notice, horizon, working hours (in the rules' zone, whatever zone the request
    was typed in), overlap with busy time, overlap with an earlier accepted slot of this offer.
    Busy time is merged once and each slot is then checked by bisection: O((n + m) log n).
    """
    require_aware(now)
    availability = _Availability(rules, busy)
    accepted: list[Interval] = []
    refused: list[RefusedSlot] = []
    seen_starts: set[datetime] = set()
    offered_blocks: list[Interval] = []  # buffered accepted slots, sorted and disjoint

    for request in requests:
        try:
            start = local_to_utc(request.date, request.start, request.zone)
        except UnknownTimeZone as error:
            refused.append(RefusedSlot(request, RefusalReason.UNKNOWN_ZONE, error.message))
            continue
        except NonexistentLocalTime as error:
            refused.append(RefusedSlot(request, RefusalReason.DST_GAP, error.message))
            continue
        except AmbiguousLocalTime as error:
            refused.append(RefusedSlot(request, RefusalReason.DST_AMBIGUOUS, error.message))
            continue
        slot = Interval(start, start + rules.duration)
        problem = _problem(slot, request, rules, availability, offered_blocks, seen_starts, now)
        seen_starts.add(slot.start)
        if problem is not None:
            refused.append(RefusedSlot(request, *problem))
            continue
        accepted.append(slot)
        _insert_sorted(offered_blocks, rules.blocked(slot))
    return SlotCheck(accepted, refused)


def _problem(
    slot: Interval,
    request: SlotRequest,
    rules: BookingRules,
    availability: _Availability,
    offered_blocks: list[Interval],
    seen_starts: set[datetime],
    now: datetime,
) -> tuple[RefusalReason, str] | None:
    shown = format_local(slot.start, request.zone)
    if slot.start in seen_starts:
        return RefusalReason.DUPLICATE, f"{shown} is already in this offer — it is kept once."
    reason = _timing(slot, rules, now)
    if reason is RefusalReason.PAST:
        if not rules.min_notice:
            return reason, f"{shown} is in the past — pick a time after {format_local(now, request.zone)}."
        # "After now" would invite a time the notice rule refuses next: name the earliest allowed.
        earliest = format_local(now + rules.min_notice, request.zone)
        return reason, (
            f"{shown} is in the past — pick a time from {earliest} on "
            f"(at least {notice_text(rules.min_notice)})."
        )
    if reason is RefusalReason.MIN_NOTICE:
        earliest = format_local(now + rules.min_notice, request.zone)
        return reason, (
            f"{shown} is less than {hours_text(rules.min_notice)} from now — pick a time from {earliest} on."
        )
    if reason is RefusalReason.BEYOND_HORIZON:
        latest = format_local(now + rules.horizon, request.zone)
        return reason, (
            f"{shown} is more than {hours_or_days_text(rules.horizon)} ahead — pick a time up to {latest}."
        )
    if not availability.in_working_hours(slot):
        where = format_local_range(slot, rules.zone)
        if zone(request.zone).key != zone(rules.zone).key:
            where = f"{format_local_range(slot, request.zone)} is {where}, which"
        return RefusalReason.OUTSIDE_WORKING_HOURS, (
            f"{where} is outside working hours ({rules.describe_hours()} "
            f"{rules.zone}) — pick a time when the whole {minutes_text(rules.duration)} "
            "fit within them."
        )
    if availability.booking_clash(slot) is not None:
        return RefusalReason.OVERLAPS_BOOKING, (
            f"{format_local_range(slot, request.zone)} overlaps time that is already booked"
            f"{_buffer_note(rules)} — pick another time."
        )
    clash = first_overlap(rules.blocked(slot), offered_blocks)
    if clash is not None:
        other = Interval(clash.start + rules.buffer_before, clash.end - rules.buffer_after)
        return RefusalReason.OVERLAPS_OFFERED, (
            f"{format_local_range(slot, request.zone)} overlaps "
            f"{format_local_range(other, request.zone)}, already in this offer"
            f"{_buffer_note(rules)} — pick a different time."
        )
    return None


def _timing(slot: Interval, rules: BookingRules, now: datetime) -> RefusalReason | None:
    if slot.start <= now:
        return RefusalReason.PAST
    if slot.start < now + rules.min_notice:
        return RefusalReason.MIN_NOTICE
    if slot.start > now + rules.horizon:
        return RefusalReason.BEYOND_HORIZON
    return None


def _buffer_note(rules: BookingRules) -> str:
    parts = []
    if rules.buffer_before:
        parts.append(f"{minutes_text(rules.buffer_before)} before")
    if rules.buffer_after:
        parts.append(f"{minutes_text(rules.buffer_after)} after")
    return f" (with {' and '.join(parts)} each interview kept free)" if parts else ""


def _insert_sorted(blocks: list[Interval], block: Interval) -> None:
    # Accepted blocks never overlap each other, so sorted by start they stay sorted by end too,
    # as first_overlap needs.
    insort(blocks, block)


def require_aware(now: datetime) -> None:
    # A naive "now" is a programming error, not bad user input: no friendly DomainError.
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now.isoformat()}")


def check_pick(
    slot: Interval, rules: BookingRules, busy: Sequence[Interval], now: datetime
) -> RefusalReason | None:
    """Re-check an offered slot when it is picked: PAST, MIN_NOTICE or OVERLAPS_BOOKING, else None.

    The slot passed the other rules when it was offered and those do not change with time.
    ``busy`` need not be sorted: one linear scan is cheaper than sorting for a single slot.
    """
    require_aware(now)
    if slot.start <= now:
        return RefusalReason.PAST
    if slot.start < now + rules.min_notice:
        return RefusalReason.MIN_NOTICE
    blocked = rules.blocked(slot)
    if any(blocked.overlaps(b) for b in busy):
        return RefusalReason.OVERLAPS_BOOKING
    return None


def free_slots(
    rules: BookingRules,
    busy: Sequence[Interval],
    now: datetime,
    step: timedelta = timedelta(minutes=30),
    limit: int | None = None,
    within: Sequence[Interval] | None = None,
) -> list[Interval]:
    """Slots the client could offer: "suggest from my calendar" (``within``: only inside these
    ranges, e.g. the windows a candidate proposed).

    Built as interval algebra: the working-hours windows of each local day in the rules' zone
    (converted to UTC, so DST days have their real length), intersected with the bookable range
    (after ``now + min_notice``, starting no later than ``now + horizon``), minus busy time widened
    by the buffers, then cut into ``duration`` slots whose local start times fall on ``step``
    boundaries counted from local midnight (09:00, 09:30... in the rules' zone, also in
    +05:30 zones). Local start times that do not exist or happen twice are skipped, as
    :func:`check_offered_slots` would refuse them. Slots may overlap each other when ``step`` is
    shorter than the duration; every slot on its own passes :func:`check_offered_slots`.
    """
    require_aware(now)
    if step <= timedelta(0):
        raise InvalidRules("The step between suggested slots must be longer than zero.")
    if limit is not None and limit <= 0:
        return []
    availability = _Availability(rules, ())
    tz = availability.tz
    earliest = max(now + rules.min_notice, now + timedelta(microseconds=1))
    bookable = Interval(earliest, now + rules.horizon + rules.duration)

    windows: list[Interval] = []
    first, last = bookable.start, bookable.end
    if within:
        # Only the days the ranges span need their working hours.
        first, last = max(first, min(w.start for w in within)), min(last, max(w.end for w in within))
        if first >= last:
            return []
    day = first.astimezone(tz).date() - timedelta(days=1)
    last_day = last.astimezone(tz).date()
    while day <= last_day:
        windows.extend(availability.windows(day))
        day += timedelta(days=1)

    # Busy B conflicts with slot S when S widened by its buffers overlaps B, i.e. when S overlaps
    # B widened by buffer_after before it and buffer_before after it.
    # Buffers are validated non-negative, so the widened intervals need no re-validation.
    blocked = [trusted(b.start - rules.buffer_after, b.end + rules.buffer_before) for b in busy]
    open_ranges = intersect(windows, [bookable])
    if within is not None:
        open_ranges = intersect(open_ranges, within)
    free = subtract(open_ranges, blocked)

    slots: list[Interval] = []
    for rng in free:
        for slot in _cut(rng, rules.duration, step, tz):
            slots.append(slot)
            if limit is not None and len(slots) >= limit:
                return slots
    return slots


def _cut(rng: Interval, duration: timedelta, step: timedelta, tz: ZoneInfo) -> list[Interval]:
    """``duration`` slots inside ``rng``, starting on local ``step`` boundaries from midnight."""
    local = rng.start.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None, fold=0)
    k = math.ceil((local.replace(tzinfo=None) - midnight) / step)
    result: list[Interval] = []
    while True:
        wall = midnight + k * step
        k += 1
        start = wall_to_utc(wall, tz)
        if isinstance(start, str):
            # A wall time in a DST gap or fold cannot be typed unambiguously: not offerable. Gaps
            # and folds last hours at most, so the loop goes on to real times soon.
            continue
        # Outside gaps and folds, later wall times are later instants: once one slot overruns
        # the range, every later one does.
        end = start + duration
        if end > rng.end:
            return result
        if start >= rng.start:
            result.append(trusted(start, end))
