"""The recognizer's TIMEX 3 values read into terms.

The TIMEX string says what was meant without resolving it ("XXXX-WXX-2" is "a Tuesday",
"XXXX-12-09" is "9 December of some year"); the recognizer's own resolution picks a past and a
future value for those, which is not what an availability needs, so only the TIMEX is read and
:mod:`.terms` decides which Tuesday. Parts of the day get the hours of ``terms.PARTS``, not the
recognizer's (it gives "afternoon" 12-16, "tarde" 16-20).
"""

from __future__ import annotations

import re

from scheduling.phrases.recognizer import Mention
from scheduling.phrases.terms import (
    Clock,
    Day,
    DayOfMonth,
    Month,
    MonthDay,
    On,
    Span,
    TimeSpec,
    Token,
    Week,
    Weekday,
    clock,
)

__all__ = ["tokens_of"]

_DATE_KINDS = {"date", "daterange", "datetime", "datetimerange", "set"}
_PARTS = {"MO": "morning", "AF": "afternoon", "EV": "evening", "NI": "night", "DT": "day", "MI": "lunch"}

_ON = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_MONTH_DAY = re.compile(r"XXXX-(\d{2})-(\d{2})")
_DAY_OF_MONTH = re.compile(r"XXXX-XX-(\d{2})")
_WEEKDAY = re.compile(r"XXXX-WXX-(\d)")
_WEEK = re.compile(r"(\d{4})-W(\d{2})(-WE)?")
_ANY_WEEKEND = re.compile(r"XXXX-WXX-WE")
_MONTH = re.compile(r"(\d{4}|XXXX)-(\d{2})")
_CLOCK = re.compile(r"(\d{2})(?::(\d{2}))?(?::\d{2})?")


class Unreadable(Exception):
    """A TIMEX this decoder does not know (kept out: better nothing than a wrong day)."""


def tokens_of(mention: Mention, text: str) -> tuple[list[Token], str | None]:
    """The tokens of one recognizer mention, and a problem when it named a day we cannot place.

    ``text`` is the sentence the mention's offsets point into (for the problem's quote).
    """
    if not mention.timexes:
        if mention.kind in _DATE_KINDS:
            return [], f'"{text[mention.start:mention.end].strip()}" is not a date I can place.'
        return [], None
    if mention.kind == "duration":
        return [], None
    primary = mention.timexes[0]
    try:
        if primary.startswith("(") and primary.endswith(")"):
            day, time = _range(primary)
        else:
            date_part, time_part = _split(primary)
            day = _day(date_part) if date_part else None
            time = _time(time_part, [_split(t)[1] for t in mention.timexes]) if time_part else None
    except Unreadable:
        if mention.kind in _DATE_KINDS and not primary.startswith(("P", "PRESENT", "PAST", "FUTURE")):
            return [], f'"{text[mention.start:mention.end].strip()}" is not a date I can place.'
        return [], None
    day, time = _modified(day, time, mention.mod)
    tokens = []
    if day is not None:
        tokens.append(Token(mention.start, mention.end, day=day))
    if time is not None:
        tokens.append(Token(mention.start, mention.end, time=time))
    return tokens, None


def _split(timex: str) -> tuple[str, str]:
    """("XXXX-WXX-2", "14:00") from "XXXX-WXX-2T14:00"; ("", "MO") from "TMO"."""
    date_part, _, time_part = timex.partition("T")
    return date_part, time_part


def _day(text: str) -> Day:
    if m := _ON.fullmatch(text):
        return On(int(m[1]), int(m[2]), int(m[3]))
    if m := _MONTH_DAY.fullmatch(text):
        return MonthDay(int(m[1]), int(m[2]))
    if m := _DAY_OF_MONTH.fullmatch(text):
        return DayOfMonth(int(m[1]))
    if m := _WEEKDAY.fullmatch(text):
        if not 1 <= int(m[1]) <= 7:
            raise Unreadable(text)
        return Weekday(int(m[1]) - 1)
    if m := _WEEK.fullmatch(text):
        return Week(iso=(int(m[1]), int(m[2])), weekend=bool(m[3]))
    if _ANY_WEEKEND.fullmatch(text):
        return Week(offset=0, weekend=True)
    if m := _MONTH.fullmatch(text):
        month = int(m[2])
        if not 1 <= month <= 12:
            raise Unreadable(text)
        return Month(month, None if m[1] == "XXXX" else int(m[1]))
    raise Unreadable(text)


def _clock(text: str, alternatives: list[str]) -> Clock:
    """A clock from a TIMEX time; a bare hour (the recognizer gives "T10:30" and "T22:30") is read
    by the same rule as ours (``terms.clock``), a single one as it is."""
    m = _CLOCK.fullmatch(text)
    if m is None:
        raise Unreadable(text)
    hour, minute = int(m[1]), int(m[2] or 0)
    if len({alt for alt in alternatives if alt}) > 1:
        read = clock(hour % 12 or 12, minute)
    else:
        read = clock(hour, minute, padded=True)
    if read is None:
        raise Unreadable(text)
    return read


def _time(text: str, alternatives: list[str]) -> TimeSpec:
    if text in _PARTS:
        return TimeSpec.part(_PARTS[text])
    return TimeSpec("at", start=_clock(text, alternatives))


def _range(timex: str) -> tuple[Day | None, TimeSpec | None]:
    """"(XXXX-WXX-1,XXXX-WXX-3,P2D)" → Monday to Wednesday, both included (what the person
    said; the recognizer's own end is exclusive)."""
    parts = timex[1:-1].split(",")
    if len(parts) != 3:
        raise Unreadable(timex)
    first_date, first_time = _split(parts[0])
    last_date, last_time = _split(parts[1])
    first = _day(first_date) if first_date else None
    try:
        last = _day(last_date) if last_date else None
    except Unreadable:
        last = None  # "(XXXX-WXX-2T12,12T12,PT0H)": French "mardi après-midi"; its day is the first
    day: Day | None = first
    if first is not None and last is not None and last != first:
        day = Span(first, last)
    time = None
    if first_time and last_time and first_time not in _PARTS:
        start, end = _clock(first_time, []), _clock(last_time, [])
        if start.value < end.value:
            time = TimeSpec("range", start=start, end=end)
    return day, time


def _modified(day: Day | None, time: TimeSpec | None, mod: str | None) -> tuple[Day | None, TimeSpec | None]:
    """Apply "before"/"after"/"since"/"until" to what they bear on: the time if there is one."""
    if mod is None:
        return day, time
    if time is not None and time.kind == "at" and time.start is not None:
        if mod in ("after", "since"):
            return day, TimeSpec("after", start=time.start)
        if mod in ("before", "until"):
            return day, TimeSpec("before", end=time.start)
        return day, time
    if day is not None and time is None:
        if mod == "before":
            return Span(None, day, last_included=False), None
        if mod == "until":
            return Span(None, day), None
        if mod == "after":
            return Span(day, None, first_included=False), None
        if mod == "since":
            return Span(day, None), None
    return day, time
