"""The typed terms a sentence is read into: wall clocks, time specs, day references, tokens.

Times of day are minutes after local midnight (0..1440); days are ``datetime.date`` in the
sender's zone. Nothing here knows about UTC or about a language: :mod:`.parser` turns terms into
UTC windows, :mod:`.lexicon` and :mod:`.timex` turn text into terms.

The hours given to words, and the other choices a sentence leaves open, are stated once here and
documented in docs/time-phrases.md.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

# The person's day: what "Tuesday" (no time), "after 2pm" and "before 11" stretch to.
DAY_START = 8 * 60
DAY_END = 20 * 60
MIDNIGHT = 24 * 60

# Words for parts of the day, in minutes after midnight, half-open.
PARTS: dict[str, tuple[int, int]] = {
    "morning": (8 * 60, 12 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "evening": (17 * 60, 20 * 60),
    "night": (20 * 60, 23 * 60),
    "lunch": (12 * 60, 14 * 60),
    # Spanish "la tarde" runs from lunch to dinner: one word for afternoon and evening.
    "tarde": (12 * 60, 20 * 60),
    "day": (DAY_START, DAY_END),
}

# Longest span a range of days may cover ("from the 1st to the 28th" is fine, a year is not).
LONGEST_SPAN_DAYS = 62
# How far "after Tuesday" stretches.
OPEN_SPAN_DAYS = 7
# A date without a year that passed this recently is that one (and in the past), not next year's.
RECENT_DAYS = 60

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


class Refusal(Exception):
    """A phrase that names no usable day or time; the message is shown to the person as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------------------------------- clocks


@dataclass(frozen=True, slots=True)
class Clock:
    """A wall time said by the person: candidate minutes after midnight, the likeliest first.

    "10:30" could be 10:30 or 22:30 and keeps both, so that "in the evening at 8" can pick 20:00;
    "14:00", "10am" and "08:00" have one. ``pm`` is set when the person said "pm" (or an afternoon
    marker), so that the bare start of "8-10pm" follows it.
    """

    minutes: tuple[int, ...]
    pm: bool = False

    @property
    def value(self) -> int:
        return self.minutes[0]


def clock(hour: int, minute: int = 0, marker: str | None = None, padded: bool = False) -> Clock | None:
    """A :class:`Clock` from what was written; None when it is not a time of day.

    ``marker`` is "am", "pm" or None. A bare hour from 1 to 7 (no am/pm, no leading zero) is taken
    as the afternoon first — interviews are not held at 3 in the morning — and 8 to 11 as the
    morning first; "07:30", "13:00" and "0:15" are 24-hour times.
    """
    if not 0 <= minute < 60 or not 0 <= hour <= 24 or (hour == 24 and minute):
        return None
    if marker == "am":
        if not 1 <= hour <= 12:
            return None
        return Clock(((hour % 12) * 60 + minute,))
    if marker == "pm":
        if not 1 <= hour <= 12:
            return None
        return Clock((((hour % 12) + 12) * 60 + minute,), pm=True)
    value = hour * 60 + minute
    if padded or hour == 0 or hour >= 13:
        return Clock((value,))
    if hour == 12:
        return Clock((value,))
    if hour <= 7:
        return Clock((value + 12 * 60, value))
    return Clock((value, value + 12 * 60))


def with_part(c: Clock, part: str) -> Clock:
    """``c`` read with a part-of-day marker ("3 in the afternoon", "10 de la noche")."""
    if part in ("morning", "madrugada"):
        return Clock(tuple(m for m in c.minutes if m < 12 * 60) or c.minutes)
    low, high = (12 * 60, MIDNIGHT) if part != "night" else (18 * 60, MIDNIGHT)
    later = tuple(m for m in c.minutes if low <= m < high)
    if later:
        return Clock(later, pm=True)
    if part == "night" and c.value == 12 * 60:  # "12 de la noche" is midnight
        return Clock((0,))
    return c


# ------------------------------------------------------------------------------------ time specs

TimeKind = Literal["at", "range", "after", "before", "part"]


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """What a person said about the hours: a start time ("at 10:30"), a range ("10-12"), an open
    end ("after 2pm", "before 11") or a part of the day ("morning", with its stated hours).

    For "part", ``low``/``high`` are the hours it stands for (implicit: not the person's words).
    """

    kind: TimeKind
    start: Clock | None = None
    end: Clock | None = None
    low: int = DAY_START
    high: int = DAY_END

    @staticmethod
    def part(name: str, qualifier: str | None = None) -> TimeSpec:
        low, high = PARTS[name]
        span = high - low
        if qualifier == "early":
            high = low + span // 2
        elif qualifier == "late":
            low = high - span // 2
        elif qualifier == "mid":
            low, high = low + span // 4, high - span // 4
        return TimeSpec("part", low=low, high=high)


ALL_DAY = TimeSpec.part("day")


# ----------------------------------------------------------------------------------------- days


def day_label(d: date) -> str:
    """"Wed 9 Dec 2026", as problems name a day (``scheduling.zones`` shows times the same way)."""
    return f"{WEEKDAY_NAMES[d.weekday()][:3]} {d.day} {MONTH_NAMES[d.month - 1][:3]} {d.year}"


def _valid(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True, slots=True)
class On:
    """A date with its year (the recognizer resolved "tomorrow", or the person wrote "2026-12-09")."""

    year: int
    month: int
    day: int

    span = False

    def dates(self, today: date) -> list[date]:
        if not _valid(self.year, self.month, self.day):
            month = MONTH_NAMES[self.month - 1] if 1 <= self.month <= 12 else f"month {self.month}"
            raise Refusal(f"{self.day} {month} {self.year} does not exist.")
        return [date(self.year, self.month, self.day)]

    def matches(self, d: date, today: date) -> bool:
        return (d.year, d.month, d.day) == (self.year, self.month, self.day)


@dataclass(frozen=True, slots=True)
class Today:
    """The sender's today ("this afternoon", "ce soir")."""

    span = False

    def dates(self, today: date) -> list[date]:
        return [today]

    def matches(self, d: date, today: date) -> bool:
        return d == today


@dataclass(frozen=True, slots=True)
class Weekday:
    """A weekday (0 = Monday): the next such day after today — on a Tuesday, "Tuesday" is next week's."""

    weekday: int

    span = False

    def dates(self, today: date) -> list[date]:
        return [today + timedelta(days=(self.weekday - today.weekday() - 1) % 7 + 1)]

    def matches(self, d: date, today: date) -> bool:
        return d.weekday() == self.weekday


@dataclass(frozen=True, slots=True)
class DayOfMonth:
    """"The 9th": the next 9th from today on (a month without a 31st is skipped)."""

    day: int

    span = False

    def dates(self, today: date) -> list[date]:
        return [self.first_from(today)]

    def first_from(self, start: date) -> date:
        if not 1 <= self.day <= 31:
            raise Refusal(f"There is no {_ordinal(self.day)} day in a month.")
        year, month = start.year, start.month
        for _ in range(13):
            if _valid(year, month, self.day) and date(year, month, self.day) >= start:
                return date(year, month, self.day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        raise Refusal(f"There is no {_ordinal(self.day)} in the coming year.")  # pragma: no cover

    def matches(self, d: date, today: date) -> bool:
        return d.day == self.day


@dataclass(frozen=True, slots=True)
class MonthDay:
    """"9 December" without a year: the next such date, unless it passed less than
    :data:`RECENT_DAYS` ago — then it is that one, and refused as past ("1 December" said on the
    3rd is a slip, not next year's); "5 January" said on 28 December is next year's."""

    month: int
    day: int

    span = False

    def dates(self, today: date) -> list[date]:
        options = [
            date(year, self.month, self.day)
            for year in (today.year - 1, today.year, today.year + 1)
            if _valid(year, self.month, self.day)
        ]
        recent = [d for d in options if d < today and (today - d).days <= RECENT_DAYS]
        if recent:
            return recent[-1:]
        upcoming = [d for d in options if d >= today]
        if upcoming:
            return upcoming[:1]
        month = MONTH_NAMES[self.month - 1] if 1 <= self.month <= 12 else f"month {self.month}"
        raise Refusal(f"{self.day} {month} does not exist in {today.year} or {today.year + 1}.")

    def first_from(self, start: date) -> date:
        for year in (start.year, start.year + 1, start.year + 2, start.year + 3, start.year + 4):
            if _valid(year, self.month, self.day) and date(year, self.month, self.day) >= start:
                return date(year, self.month, self.day)
        return self.dates(start)[0]

    def matches(self, d: date, today: date) -> bool:
        return (d.month, d.day) == (self.month, self.day)


@dataclass(frozen=True, slots=True)
class Week:
    """A week, Monday to Sunday: ``offset`` weeks from today's (0 this week, 1 next week), or an ISO
    week the recognizer resolved. Alone, a week stands for its working days; a weekend for its two."""

    offset: int | None = None
    iso: tuple[int, int] | None = None
    weekend: bool = False

    span = True

    @property
    def working_days(self) -> bool:
        return not self.weekend

    def dates(self, today: date) -> list[date]:
        if self.iso is not None:
            monday = date.fromisocalendar(self.iso[0], self.iso[1], 1)
        else:
            monday = today - timedelta(days=today.weekday()) + timedelta(weeks=self.offset or 0)
        days = [monday + timedelta(days=i) for i in range(7)]
        return days[5:] if self.weekend else days

    def matches(self, d: date, today: date) -> bool:
        return d in self.dates(today)


@dataclass(frozen=True, slots=True)
class Month:
    """A month: with its year, or the next such month from this one on ("in January")."""

    month: int
    year: int | None = None

    span = True
    working_days = True

    def dates(self, today: date) -> list[date]:
        year = self.year
        if year is None:
            year = today.year if self.month >= today.month else today.year + 1
        last = calendar.monthrange(year, self.month)[1]
        return [date(year, self.month, day) for day in range(1, last + 1)]

    def matches(self, d: date, today: date) -> bool:
        return d in self.dates(today)


@dataclass(frozen=True, slots=True)
class Span:
    """From one day to another, both included ("Mon–Wed", "from the 9th to the 12th"), or open on
    one side for "before Friday" (from today) and "after the 9th" (a week)."""

    first: Day | None
    last: Day | None
    first_included: bool = True
    last_included: bool = True

    span = True

    @property
    def working_days(self) -> bool:
        """"Before Friday", "after the 9th": their working days; "Mon–Sun" as said."""
        return self.first is None or self.last is None

    def dates(self, today: date) -> list[date]:
        start = _first_date(self.first, today) if self.first is not None else today
        if not self.first_included:
            start += timedelta(days=1)
        if self.last is None:
            end = start + timedelta(days=OPEN_SPAN_DAYS - 1)
        else:
            end = _date_from(self.last, start)
            if not self.last_included:
                end -= timedelta(days=1)
        if end < start:
            raise Refusal(f"That range ends ({day_label(end)}) before it starts ({day_label(start)}).")
        if (end - start).days >= LONGEST_SPAN_DAYS:
            raise Refusal(
                f"That range runs from {day_label(start)} to {day_label(end)}: give at most "
                f"{LONGEST_SPAN_DAYS} days."
            )
        return [start + timedelta(days=i) for i in range((end - start).days + 1)]

    def matches(self, d: date, today: date) -> bool:
        return d in self.dates(today)


@dataclass(frozen=True, slots=True)
class AnyDay:
    """"Any day", "cualquier día": beside other days it adds nothing ("any day next week"); alone,
    the working days of the coming week, today included ("any day except Friday")."""

    span = True
    working_days = True

    def dates(self, today: date) -> list[date]:
        return [today + timedelta(days=i) for i in range(OPEN_SPAN_DAYS)]

    def matches(self, d: date, today: date) -> bool:
        return True


Day = On | Today | Weekday | DayOfMonth | MonthDay | Week | Month | Span | AnyDay


def _first_date(day: Day, today: date) -> date:
    return day.dates(today)[0]


def _date_from(day: Day, start: date) -> date:
    """The first date ``day`` names on or after ``start`` (the end of a range)."""
    if isinstance(day, Weekday):
        return start + timedelta(days=(day.weekday - start.weekday()) % 7)
    if isinstance(day, (DayOfMonth, MonthDay)):
        return day.first_from(start)
    return day.dates(start)[-1]


# ---------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class Token:
    """One thing said, where it was said: a day, a time spec, or both ("this afternoon")."""

    start: int
    end: int
    day: Day | None = None
    time: TimeSpec | None = None
