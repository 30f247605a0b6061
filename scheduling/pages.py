"""Booking pages: a host's weekly hours, date overrides and booking rules, as one immutable value.

One module on purpose, though long: the value, its validation and its strict dict form change
together (most of the length is the per-field reasons).

A host (a client contact, or one interviewer of a panel) sets a page once; candidates then book
live open times from it (:mod:`scheduling.availability`). This module holds the value, its
validation and its plain-dict form; nothing here reads the clock or stores anything.

The value
    ``BookingPage(zone, weekly, overrides, rules, version)``:

    - ``zone`` — the host's IANA zone; every wall time of the page is read in it.
    - ``weekly`` — :class:`WeeklyHours`, per weekday (``mon`` … ``sun``) any number of
      :class:`Window`\\ s: wall times, in order, not overlapping (touching is fine and reads as
      one window), each ending after it starts. A window may end at 24:00 (``Window(start,
      time(0))``: an end of 00:00 is midnight at the end of the day).
    - ``overrides`` — ``{date: windows}``: on that local date the windows replace the weekly
      ones; no windows (``()``) is a day off.
    - ``rules`` — :class:`PageRules`: allowed durations, buffers, minimum notice, horizon, a
      daily cap, the step between start times.
    - ``version`` — set by the storage layer (None until stored). The domain treats a page as
      a value: a change is a new page with a new version, so a booked interview keeps the
      version it was booked under.

Validation
    Every constructor call validates the whole page and collects every problem, not just the
    first: :class:`InvalidPage` carries ``problems: dict[str, str]`` keyed by field path —
    ``zone``, ``weekly.mon[1]``, ``overrides[2025-12-25][0]``, ``rules.step_minutes`` — each
    reason saying what is wrong and what would do. The parts (:class:`Window`,
    :class:`WeeklyHours`, :class:`PageRules`) are checked as part of their page, so the path can
    name where they sit.

Plain dicts
    :meth:`BookingPage.to_dict` gives the JSON-ready form the database JSON column and the JSON
    API carry; :meth:`BookingPage.from_dict` reads it back strictly (unknown keys are problems
    naming them, numbers must be whole numbers, times ``"HH:MM"`` with ``"24:00"`` only as an
    end, dates ``"YYYY-MM-DD"``)::

        {"zone": "Europe/London",
         "weekly": {"mon": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
                    "tue": [...], ..., "sun": []},
         "overrides": {"2025-12-25": [], "2025-12-24": [{"start": "09:00", "end": "12:00"}]},
         "rules": {"durations_minutes": [30, 60], "buffer_before_minutes": 10,
                   "buffer_after_minutes": 10, "min_notice_minutes": 1440, "horizon_days": 60,
                   "max_per_day": 4, "step_minutes": 30},
         "version": 3}

    ``weekly`` lists all seven days on the way out; on the way in missing days are days off and
    ``overrides``, ``rules`` (and any rule) and ``version`` may be left out for their defaults.

Today's callers
    :meth:`BookingPage.booking_rules` derives the :class:`~scheduling.rules.BookingRules` that
    hand-offered slots are checked with, so they follow the page's hours (several windows a day,
    overrides, 24:00), notice, horizon and buffers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import Any

from scheduling.errors import DomainError, UnknownTimeZone
from scheduling.intervals import Interval, merge, trusted
from scheduling.rules import BookingRules, describe_days, hours_or_days_text, hours_text, minutes_text
from scheduling.zones import day_label, wall_to_utc, zone

__all__ = [
    "DAY_KEYS",
    "BookingPage",
    "DurationNotOffered",
    "InvalidPage",
    "PageRules",
    "WeeklyHours",
    "Window",
    "panel_page",
]

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_WINDOWS_PER_DAY = 24
MAX_OVERRIDES = 400
MAX_DURATIONS = 10
DURATION_RANGE = (5, 480)
BUFFER_MAX = 240
NOTICE_MAX = 90 * 24 * 60
HORIZON_RANGE = (1, 365)
CAP_MAX = 48
STEP_RANGE = (5, 240)
MINUTES_A_DAY = 24 * 60
_MICROSECOND = timedelta(microseconds=1)
_HH_MM = re.compile(r"^(\d\d):(\d\d)$")
_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_TOP_KEYS = ("zone", "weekly", "overrides", "rules", "version")
_WINDOW_KEYS = ("start", "end")


class InvalidPage(DomainError):
    """A booking page that cannot be used, with one reason per bad field.

    ``problems`` maps a field path (``weekly.mon[1]``, ``overrides[2025-12-25]``,
    ``rules.horizon_days``) to what is wrong there and what would do; over HTTP it is the body of
    the 422, in a conversation each line is shown next to its field.
    """

    problems: dict[str, str]

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        listed = "; ".join(f"{path}: {reason}" for path, reason in self.problems.items())
        count = len(self.problems)
        super().__init__(
            f"The booking page has {count} problem{'' if count == 1 else 's'} — {listed}."
        )


class DurationNotOffered(DomainError):
    """An interview length that the host's booking page does not offer."""

    def __init__(self, duration: timedelta, offered: Sequence[int], host: str = "") -> None:
        minutes = duration.total_seconds() / 60
        shown = f"{minutes:g} minutes"
        choices = ", ".join(str(m) for m in offered[:-1])
        choices = f"{choices} or {offered[-1]}" if choices else str(offered[-1])
        whose = f"The booking page of {host}" if host else "This booking page"
        super().__init__(
            f"{whose} offers {choices}-minute interviews, not {shown} — pick one of those lengths."
        )
        self.host = host


@dataclass(frozen=True, slots=True)
class Window:
    """Wall times ``[start, end)`` of one local day; an ``end`` of 00:00 means 24:00.

    Checked as part of its page (see :class:`BookingPage`), where a problem can name the day.
    """

    start: time
    end: time

    @property
    def start_minute(self) -> int:
        return self.start.hour * 60 + self.start.minute

    @property
    def end_minute(self) -> int:
        """Minutes from midnight to the end; 1440 for a window ending at 24:00."""
        minute = self.end.hour * 60 + self.end.minute
        return minute or MINUTES_A_DAY

    def __str__(self) -> str:
        return f"{_clock(self.start_minute)}–{_clock(self.end_minute)}"

    def to_dict(self) -> dict[str, str]:
        return {"start": _clock(self.start_minute), "end": _clock(self.end_minute)}


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Per weekday, the windows a host can be booked in (none: not a working day)."""

    mon: tuple[Window, ...] = ()
    tue: tuple[Window, ...] = ()
    wed: tuple[Window, ...] = ()
    thu: tuple[Window, ...] = ()
    fri: tuple[Window, ...] = ()
    sat: tuple[Window, ...] = ()
    sun: tuple[Window, ...] = ()

    def __post_init__(self) -> None:
        # Lists are accepted and kept as tuples, so the value stays hashable and immutable.
        for key in DAY_KEYS:
            value = getattr(self, key)
            if isinstance(value, list):
                object.__setattr__(self, key, tuple(value))

    @classmethod
    def uniform(cls, *windows: Window, days: Iterable[int] = range(5)) -> WeeklyHours:
        """The same windows on each of ``days`` (0 = Monday; Monday to Friday by default)."""
        chosen = set(days)
        return cls(**{key: tuple(windows) for i, key in enumerate(DAY_KEYS) if i in chosen})

    def on(self, weekday: int) -> tuple[Window, ...]:
        """The windows of ``weekday`` (0 = Monday)."""
        windows: tuple[Window, ...] = getattr(self, DAY_KEYS[weekday])
        return windows

    def to_dict(self) -> dict[str, list[dict[str, str]]]:
        return {key: [w.to_dict() for w in self.on(i)] for i, key in enumerate(DAY_KEYS)}


@dataclass(frozen=True, slots=True)
class PageRules:
    """A page's booking rules, in whole minutes (days for the horizon), as the JSON carries them.

    ``durations_minutes`` are the interview lengths the host accepts (an interview booked from
    the page must be one of them); buffers are kept free before and after each interview;
    a time can be booked from ``min_notice_minutes`` after now up to ``horizon_days`` ahead;
    ``max_per_day`` caps the interviews on one local day of the host (None: no cap); start
    times fall every ``step_minutes`` from local midnight.
    """

    durations_minutes: tuple[int, ...] = (30, 45, 60)
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    min_notice_minutes: int = 24 * 60
    horizon_days: int = 60
    max_per_day: int | None = None
    step_minutes: int = 30

    def __post_init__(self) -> None:
        if isinstance(self.durations_minutes, list):
            object.__setattr__(self, "durations_minutes", tuple(self.durations_minutes))

    @property
    def buffer_before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before_minutes)

    @property
    def buffer_after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after_minutes)

    @property
    def gap(self) -> timedelta:
        """The least free time between two interviews of the host: the larger buffer.

        The time before an interview and the time after the previous one may be the same
        minutes, so two interviews are ``max(before, after)`` apart, not the sum.
        """
        return max(self.buffer_before, self.buffer_after)

    @property
    def min_notice(self) -> timedelta:
        return timedelta(minutes=self.min_notice_minutes)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.horizon_days)

    @property
    def step(self) -> timedelta:
        return timedelta(minutes=self.step_minutes)

    def offers(self, duration: timedelta) -> bool:
        """True when ``duration`` is one of the allowed lengths (whole minutes)."""
        return duration in {timedelta(minutes=m) for m in self.durations_minutes}

    def to_dict(self) -> dict[str, Any]:
        return {
            "durations_minutes": list(self.durations_minutes),
            "buffer_before_minutes": self.buffer_before_minutes,
            "buffer_after_minutes": self.buffer_after_minutes,
            "min_notice_minutes": self.min_notice_minutes,
            "horizon_days": self.horizon_days,
            "max_per_day": self.max_per_day,
            "step_minutes": self.step_minutes,
        }


_RULE_KEYS = tuple(PageRules().to_dict())


def _no_overrides() -> Mapping[date, tuple[Window, ...]]:
    return {}


@dataclass(frozen=True)
class BookingPage:
    """A host's booking page: weekly hours and date overrides in ``zone``, and the rules.

    Validated as a whole on construction (:class:`InvalidPage` lists every problem by path).
    ``overrides`` is kept sorted by date and read-only; ``zone`` is kept as its IANA key.
    """

    zone: str
    weekly: WeeklyHours
    overrides: Mapping[date, tuple[Window, ...]] = field(default_factory=_no_overrides)
    rules: PageRules = PageRules()
    version: int | None = None

    def __post_init__(self) -> None:
        problems = _page_problems(self.zone, self.weekly, self.overrides, self.rules, self.version)
        if problems:
            raise InvalidPage(problems)
        object.__setattr__(self, "zone", zone(self.zone).key)
        ordered = {day: tuple(self.overrides[day]) for day in sorted(self.overrides)}
        object.__setattr__(self, "overrides", MappingProxyType(ordered))

    def __hash__(self) -> int:
        # The generated hash would fail on the overrides mapping; hash its items instead.
        return hash((self.zone, self.weekly, tuple(self.overrides.items()), self.rules, self.version))

    # --- reading the hours -----------------------------------------------------------------

    def wall_windows(self, day: date) -> tuple[Window, ...]:
        """The windows of the local date ``day``: its override if it has one, else its weekday's."""
        override = self.overrides.get(day)
        return override if override is not None else self.weekly.on(day.weekday())

    def windows_on(self, day: date) -> list[Interval]:
        """The page's hours on the local date ``day`` as UTC intervals, sorted and disjoint.

        Each bound is the first instant whose wall time in the page's zone reaches it: a bound in
        the hour skipped when clocks go forward is the moment they do (a window of 01:30–02:30
        on the London spring-forward night is 02:00–02:30 BST; 01:00–02:00 there is empty), a
        bound in the hour repeated when clocks go back is its first occurrence. Touching windows
        come back as one.
        """
        walls = self.wall_windows(day)
        if not walls:
            return []
        tz = zone(self.zone)
        result = []
        for window in walls:
            start = first_instant_at(day, window.start_minute, tz)
            end = first_instant_at(day, window.end_minute, tz)
            if start < end:
                result.append(trusted(start, end))
        return merge(result)

    # --- today's callers -------------------------------------------------------------------

    def booking_rules(self, duration: timedelta) -> BookingRules:
        """The :class:`BookingRules` of an interview of ``duration`` booked under this page.

        Hand-offered slots checked with them follow the page's hours (several windows a day,
        overrides, 24:00 ends), notice, horizon and buffers; the daily cap and the step between
        start times are rules of open times only (a client offering by hand chose each time).
        Raises :class:`DurationNotOffered` for a length the page does not offer.
        """
        if not self.rules.offers(duration):
            raise DurationNotOffered(duration, self.rules.durations_minutes)
        return BookingRules(
            zone=self.zone,
            duration=duration,
            buffer_before=self.rules.buffer_before,
            buffer_after=self.rules.buffer_after,
            min_notice=self.rules.min_notice,
            horizon=self.rules.horizon,
            working_hours={},
            hours=self,
        )

    def describe_hours(self) -> str:
        """The weekly hours in a line, e.g. "Mon–Fri 09:00–12:00 and 13:00–17:00, Sat 10:00–12:00"."""
        groups: dict[tuple[Window, ...], list[int]] = {}
        for weekday in range(7):
            windows = self.weekly.on(weekday)
            if windows:
                groups.setdefault(windows, []).append(weekday)
        if not groups:
            return "only on the dates set apart"
        return ", ".join(
            f"{describe_days(days)} {' and '.join(str(w) for w in windows)}"
            for windows, days in groups.items()
        )

    def describe(self) -> list[str]:
        """The page as short sentences for a card ("set my availability" shows the current page)."""
        rules = self.rules
        lengths = [str(m) for m in rules.durations_minutes]
        shown = f"{', '.join(lengths[:-1])} or {lengths[-1]}" if len(lengths) > 1 else lengths[0]
        lines = [f"Interviews of {shown} minutes"]
        if rules.buffer_before_minutes:
            lines.append(f"{minutes_text(rules.buffer_before).capitalize()} free before each interview")
        if rules.buffer_after_minutes:
            lines.append(f"{minutes_text(rules.buffer_after).capitalize()} free after each interview")
        if rules.min_notice_minutes:
            notice = hours_text(rules.min_notice)
            possessive = f"{notice}'" if notice.endswith("s") else f"{notice}'s"
            lines.append(f"At least {possessive} notice")
        else:
            lines.append("No minimum notice")
        lines.append(f"Up to {hours_or_days_text(rules.horizon)} ahead")
        if rules.max_per_day is not None:
            many = "interview" if rules.max_per_day == 1 else "interviews"
            lines.append(f"At most {rules.max_per_day} {many} a day")
        lines.append(f"Start times every {minutes_text(rules.step)}")
        lines.append(f"Hours {self.describe_hours()} {self.zone}")
        off = [day for day, windows in self.overrides.items() if not windows]
        other = [(day, windows) for day, windows in self.overrides.items() if windows]
        if off:
            lines.append("Days off: " + ", ".join(_date(day) for day in off))
        for day, windows in other:
            lines.append(f"On {_date(day)}: {' and '.join(str(w) for w in windows)}")
        return lines

    # --- plain dicts -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (see the module docstring); :meth:`from_dict` reads it back."""
        return {
            "zone": self.zone,
            "weekly": self.weekly.to_dict(),
            "overrides": {
                day.isoformat(): [w.to_dict() for w in windows]
                for day, windows in self.overrides.items()
            },
            "rules": self.rules.to_dict(),
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, data: object) -> BookingPage:
        """Read a page from its plain-dict form, strictly; :class:`InvalidPage` lists every problem."""
        problems: dict[str, str] = {}
        if not isinstance(data, Mapping):
            raise InvalidPage({"page": "must be an object with zone, weekly, overrides and rules"})
        _unknown_keys(data, _TOP_KEYS, "", problems)
        zone_name = _read_zone(data, problems)
        weekly = _read_weekly(data.get("weekly", _MISSING), problems)
        overrides = _read_overrides(data.get("overrides", {}), problems)
        rules = _read_rules(data.get("rules", {}), problems)
        version = _read_version(data.get("version"), problems)
        if problems:
            # Report what is wrong with the parts that did parse too, so one answer lists all.
            semantic = _page_problems(
                zone_name if zone_name is not None else _UNCHECKED,
                weekly if weekly is not None else _UNCHECKED,
                overrides,
                rules if rules is not None else _UNCHECKED,
                version,
            )
            for path, reason in semantic.items():
                problems.setdefault(path, reason)
            raise InvalidPage(problems)
        assert zone_name is not None and weekly is not None and rules is not None
        return cls(zone=zone_name, weekly=weekly, overrides=overrides, rules=rules, version=version)


# --- local time ---------------------------------------------------------------------------------


# The hours assumed for a panel interviewer who has no booking page of their own.
WORKING_HOURS = (time(9), time(17))


def panel_page(own: BookingPage | None, zone_name: str, lead: BookingPage) -> BookingPage:
    """The page a panel interviewer is booked under beside the lead's page `lead`: their own
    page's hours and overrides (else Monday to Friday, 09:00–17:00 in their zone `zone_name`)
    with the interview's rules, which are the lead's (lengths, buffers, notice, horizon, cap,
    step): one interview, one set of rules, each person's own hours."""
    if own is not None:
        return replace(own, rules=lead.rules, version=None)
    start, end = WORKING_HOURS
    return BookingPage(zone=zone_name, weekly=WeeklyHours.uniform(Window(start, end)), rules=lead.rules)


def first_instant_at(day: date, minute: int, tz: tzinfo) -> datetime:
    """The first UTC instant whose wall time in ``tz`` is at least ``day`` + ``minute`` minutes.

    ``minute`` may be 1440 (24:00, the next midnight). Built on the strict conversion of
    :func:`scheduling.zones.wall_to_utc`: a wall time that exists once is that instant; one
    repeated when clocks go back is its first occurrence; one skipped when they go forward is
    the moment they do (found by bisection between the two readings of the skipped time).
    """
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    result = wall_to_utc(wall, tz)
    if isinstance(result, datetime):
        return result
    if result == "fold":
        return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    # In a gap, fold=1 reads the wall time with the offset after the change (an instant before
    # it) and fold=0 with the offset before (an instant after it): the change lies between.
    return offset_change(
        wall.replace(tzinfo=tz, fold=1).astimezone(UTC),
        wall.replace(tzinfo=tz, fold=0).astimezone(UTC),
        tz,
    )


def offset_change(before: datetime, after: datetime, tz: tzinfo) -> datetime:
    """The first instant in ``(before, after]`` with ``after``'s UTC offset in ``tz``.

    ``before`` and ``after`` must have different offsets with one change between them; found to
    the microsecond by bisection (a few dozen conversions, only on the days clocks change).
    """
    target = after.astimezone(tz).utcoffset()
    while after - before > _MICROSECOND:
        middle = before + (after - before) // 2
        if middle.astimezone(tz).utcoffset() == target:
            after = middle
        else:
            before = middle
    return after


# --- validation ---------------------------------------------------------------------------------


class _Unchecked:
    """A part that did not parse: validation of the other parts goes on without it."""


_UNCHECKED = _Unchecked()
_MISSING = object()


def _page_problems(
    zone_name: object,
    weekly: object,
    overrides: object,
    rules: object,
    version: object,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not isinstance(zone_name, _Unchecked):
        problem = _zone_problem(zone_name)
        if problem:
            problems["zone"] = problem
    any_window = False
    if isinstance(weekly, WeeklyHours):
        for i, key in enumerate(DAY_KEYS):
            windows = weekly.on(i)
            problems.update(_windows_problems(f"weekly.{key}", windows))
            any_window = any_window or bool(windows)
    elif not isinstance(weekly, _Unchecked):
        problems["weekly"] = "must be weekly hours: windows per weekday, mon to sun"
    if isinstance(overrides, Mapping):
        if len(overrides) > MAX_OVERRIDES:
            problems["overrides"] = f"at most {MAX_OVERRIDES} dates can be set apart"
        for day, windows in overrides.items():
            if not isinstance(day, date) or isinstance(day, datetime):
                problems[f"overrides[{day!s}]"] = "must be a date such as 2025-12-25"
                continue
            problems.update(_windows_problems(f"overrides[{day.isoformat()}]", windows))
            any_window = any_window or bool(windows)
    else:
        problems["overrides"] = "must map dates to their windows (no windows: a day off)"
    if isinstance(weekly, WeeklyHours) and not any_window and not problems:
        problems["weekly"] = "set at least one window, e.g. mon 09:00–17:00"
    if isinstance(rules, PageRules):
        problems.update(_rules_problems(rules))
    elif not isinstance(rules, _Unchecked):
        problems["rules"] = "must be the page's rules"
    if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        problems["version"] = "must be a whole number from 1 up, set when the page is stored"
    return problems


def _zone_problem(zone_name: object) -> str | None:
    if not isinstance(zone_name, str) or not zone_name.strip():
        return 'must be an IANA time-zone name such as "Europe/London"'
    try:
        zone(zone_name)
    except UnknownTimeZone as error:
        return error.message
    return None


def _windows_problems(path: str, windows: object) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not isinstance(windows, tuple | list):
        return {path: "must be a list of windows, each with a start and an end"}
    if len(windows) > MAX_WINDOWS_PER_DAY:
        problems[path] = f"at most {MAX_WINDOWS_PER_DAY} windows a day"
    previous: Window | None = None
    for i, window in enumerate(windows):
        where = f"{path}[{i}]"
        problem = _window_problem(window)
        if problem:
            problems[where] = problem
            previous = None
            continue
        assert isinstance(window, Window)
        if previous is not None and window.start_minute < previous.end_minute:
            if window.start_minute < previous.start_minute:
                problems[where] = f"must come after {previous} — list a day's windows in order"
            else:
                problems[where] = f"overlaps {previous} — join them or move one"
        previous = window
    return problems


def _window_problem(window: object) -> str | None:
    if not isinstance(window, Window):
        return "must be a window with a start and an end, e.g. 09:00–17:00"
    for name in ("start", "end"):
        value = getattr(window, name)
        if not isinstance(value, time) or value.tzinfo is not None:
            return f"the {name} must be a wall time without a zone, e.g. 09:00"
        if value.second or value.microsecond:
            return f"times are whole minutes (the {name} is {value.isoformat()})"
    if window.end_minute <= window.start_minute:
        return f"must end after it starts (got {window}); for midnight at the end of the day use 24:00"
    return None


def _rules_problems(rules: PageRules) -> dict[str, str]:
    problems: dict[str, str] = {}
    durations = rules.durations_minutes
    if not isinstance(durations, tuple) or not durations:
        problems["rules.durations_minutes"] = "list at least one interview length in minutes, e.g. [60]"
    elif len(durations) > MAX_DURATIONS:
        problems["rules.durations_minutes"] = f"at most {MAX_DURATIONS} lengths"
    else:
        seen: set[int] = set()
        low, high = DURATION_RANGE
        for i, minutes in enumerate(durations):
            where = f"rules.durations_minutes[{i}]"
            if not _is_int(minutes) or not low <= minutes <= high:
                problems[where] = f"must be a whole number of minutes from {low} to {high}"
            elif minutes in seen:
                problems[where] = f"{minutes} minutes is listed twice — keep it once"
            else:
                seen.add(minutes)
    for name in ("buffer_before_minutes", "buffer_after_minutes"):
        value = getattr(rules, name)
        if not _is_int(value) or not 0 <= value <= BUFFER_MAX:
            problems[f"rules.{name}"] = f"must be a whole number of minutes from 0 to {BUFFER_MAX}"
    notice_ok = _is_int(rules.min_notice_minutes) and 0 <= rules.min_notice_minutes <= NOTICE_MAX
    if not notice_ok:
        problems["rules.min_notice_minutes"] = (
            f"must be a whole number of minutes from 0 to {NOTICE_MAX} (90 days)"
        )
    low, high = HORIZON_RANGE
    if not _is_int(rules.horizon_days) or not low <= rules.horizon_days <= high:
        problems["rules.horizon_days"] = f"must be a whole number of days from {low} to {high}"
    elif notice_ok and rules.horizon_days * MINUTES_A_DAY <= rules.min_notice_minutes:
        problems["rules.horizon_days"] = (
            f"must reach beyond the minimum notice ({hours_text(rules.min_notice)}), "
            "or no time could ever be booked"
        )
    cap = rules.max_per_day
    if cap is not None and (not _is_int(cap) or not 1 <= cap <= CAP_MAX):
        problems["rules.max_per_day"] = f"must be a whole number from 1 to {CAP_MAX}, or null for no cap"
    step = rules.step_minutes
    low, high = STEP_RANGE
    if not _is_int(step) or not low <= step <= high or MINUTES_A_DAY % step:
        problems["rules.step_minutes"] = (
            f"must be {low} to {high} minutes and divide a day evenly, e.g. 15, 30 or 60"
        )
    return problems


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- reading plain dicts ------------------------------------------------------------------------


def _unknown_keys(data: Mapping[Any, Any], known: Sequence[str], path: str, problems: dict[str, str]) -> None:
    for key in data:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            problems[where] = f"unknown field — {_known(path)} has {', '.join(known)}"


def _known(path: str) -> str:
    if not path:
        return "a booking page"
    if path == "rules":
        return "rules"
    if path == "weekly":
        return "weekly hours"
    return "a window"


def _read_zone(data: Mapping[Any, Any], problems: dict[str, str]) -> str | None:
    value = data.get("zone", _MISSING)
    if value is _MISSING:
        problems["zone"] = 'required — an IANA time-zone name such as "Europe/London"'
        return None
    if not isinstance(value, str):
        problems["zone"] = 'must be an IANA time-zone name such as "Europe/London"'
        return None
    return value


def _read_weekly(value: object, problems: dict[str, str]) -> WeeklyHours | None:
    if value is _MISSING:
        problems["weekly"] = (
            'required — windows per weekday, e.g. {"mon": [{"start": "09:00", "end": "17:00"}]}'
        )
        return None
    if not isinstance(value, Mapping):
        problems["weekly"] = "must map weekdays (mon to sun) to lists of windows"
        return None
    _unknown_keys(value, DAY_KEYS, "weekly", problems)
    # A day that did not parse counts as empty, so the other days are still checked.
    days: dict[str, tuple[Window, ...]] = {}
    for key in DAY_KEYS:
        windows = _read_windows(value.get(key, []), f"weekly.{key}", problems)
        days[key] = windows if windows is not None else ()
    return WeeklyHours(**days)


def _read_overrides(value: object, problems: dict[str, str]) -> dict[date, tuple[Window, ...]]:
    """The overrides that parsed; problems for the others (they are left out of the result)."""
    if not isinstance(value, Mapping):
        problems["overrides"] = 'must map dates to lists of windows, e.g. {"2025-12-25": []} for a day off'
        return {}
    result: dict[date, tuple[Window, ...]] = {}
    for key, windows_value in value.items():
        where = f"overrides[{key}]"
        day = _read_date(key)
        if day is None:
            problems[where] = "not a date — use YYYY-MM-DD, e.g. 2025-12-25"
            continue
        windows = _read_windows(windows_value, where, problems)
        if windows is not None:
            result[day] = windows
    return result


def _read_date(value: object) -> date | None:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _read_windows(value: object, path: str, problems: dict[str, str]) -> tuple[Window, ...] | None:
    if not isinstance(value, list):
        problems[path] = (
            'must be a list of windows such as [{"start": "09:00", "end": "12:00"}] ([] for none)'
        )
        return None
    windows: list[Window] = []
    clean = True
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            problems[where] = 'must be a window such as {"start": "09:00", "end": "12:00"}'
            clean = False
            continue
        before = len(problems)
        _unknown_keys(item, _WINDOW_KEYS, where, problems)
        start = _read_clock(item.get("start", _MISSING), f"{where}.start", problems, end=False)
        end = _read_clock(item.get("end", _MISSING), f"{where}.end", problems, end=True)
        if start is None or end is None or len(problems) > before:
            clean = False
            continue
        windows.append(Window(start, end))
    return tuple(windows) if clean else None


def _read_clock(value: object, path: str, problems: dict[str, str], *, end: bool) -> time | None:
    if value is _MISSING:
        problems[path] = "required — a time such as 09:00"
        return None
    match = _HH_MM.match(value) if isinstance(value, str) else None
    if match is None:
        problems[path] = 'must be a time as "HH:MM", e.g. "09:00"' + (' (or "24:00")' if end else "")
        return None
    hours, minutes = int(match[1]), int(match[2])
    if (hours, minutes) == (24, 0):
        if end:
            return time(0)
        problems[path] = "24:00 can only end a window — start at 00:00 instead"
        return None
    if hours > 23 or minutes > 59:
        problems[path] = f'"{value}" is not a time of day — use 00:00 to 23:59' + (" or 24:00" if end else "")
        return None
    if end and (hours, minutes) == (0, 0):
        problems[path] = "a window cannot end at 00:00 — use 24:00 for midnight at the end of the day"
        return None
    return time(hours, minutes)


def _read_rules(value: object, problems: dict[str, str]) -> PageRules | None:
    if not isinstance(value, Mapping):
        problems["rules"] = "must be an object with the page's rules, e.g. {\"durations_minutes\": [60]}"
        return None
    _unknown_keys(value, _RULE_KEYS, "rules", problems)
    defaults = PageRules()
    fields: dict[str, Any] = {}
    for key in _RULE_KEYS:
        if key not in value:
            continue
        item = value[key]
        where = f"rules.{key}"
        if key == "durations_minutes":
            if not isinstance(item, list):
                problems[where] = "must be a list of whole minutes, e.g. [30, 60]"
                continue
            bad = [i for i, m in enumerate(item) if not _is_int(m)]
            for i in bad:
                problems[f"{where}[{i}]"] = "must be a whole number of minutes"
            fields[key] = tuple(item)
        elif key == "max_per_day" and item is None:
            fields[key] = None
        elif not _is_int(item):
            no_cap = ", or null for no cap" if key == "max_per_day" else ""
            problems[where] = f"must be a whole number{no_cap}"
        else:
            fields[key] = item
    # A field that did not parse takes its default, so the others are still checked.
    if any(path.startswith("rules.durations_minutes[") for path in problems):
        fields.pop("durations_minutes", None)
    return PageRules(**{**_fields(defaults), **fields})


def _fields(rules: PageRules) -> dict[str, Any]:
    return {key: getattr(rules, key) for key in _RULE_KEYS}


def _read_version(value: object, problems: dict[str, str]) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        problems["version"] = "must be a whole number from 1 up, set when the page is stored"
        return None
    return value


# --- display ------------------------------------------------------------------------------------


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _date(day: date) -> str:
    return day_label(datetime.combine(day, time()))
