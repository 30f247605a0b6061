"""IANA time zones: strict local → UTC conversion and display of times with their zone.

Wall times that do not exist (the hour skipped when clocks go forward) or that happen twice (the
hour repeated when clocks go back) are refused rather than guessed: an interview booked an hour off
is worse than a question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduling.errors import DomainError, UnknownTimeZone
from scheduling.intervals import Interval

__all__ = [
    "AmbiguousLocalTime",
    "NonexistentLocalTime",
    "format_local",
    "format_local_range",
    "format_local_times",
    "format_wall",
    "local_to_utc",
    "wall_to_utc",
    "zone",
]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Zones without a customary abbreviation report a bare offset such as "+0530", "+04" or "-03".
_BARE_OFFSET = re.compile(r"^[+-]\d{2}(?::?\d{2})?$")


class NonexistentLocalTime(DomainError):
    """A wall time skipped by a DST change (clocks go forward)."""

    def __init__(self, d: date, t: time, zone_name: str) -> None:
        super().__init__(
            f"{format_wall(d, t)} does not exist in {zone_name} (clocks go forward) — pick another time."
        )
        self.zone_name = zone_name


class AmbiguousLocalTime(DomainError):
    """A wall time that happens twice because of a DST change (clocks go back)."""

    def __init__(self, d: date, t: time, zone_name: str) -> None:
        super().__init__(
            f"{format_wall(d, t)} happens twice in {zone_name} (clocks go back) — pick another time."
        )
        self.zone_name = zone_name


def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name, or :class:`UnknownTimeZone` with a helpful message."""
    return _zone(name.strip()) if isinstance(name, str) else _zone("")


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    if not name:
        raise UnknownTimeZone('A time zone is needed, as an IANA name such as "Europe/London".')
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError/OSError: names like "../etc" or "Europe/" that are not valid keys at all.
        raise UnknownTimeZone(
            f'"{name}" is not a time zone we know — use an IANA name such as "Europe/London" '
            'or "America/New_York".'
        ) from None


def local_to_utc(d: date, t: time, zone_name: str) -> datetime:
    """The UTC instant of wall time ``d t`` in ``zone_name``.

    Raises :class:`UnknownTimeZone`, :class:`NonexistentLocalTime` for a time in a DST gap
    (detected by round trip: local → UTC → local does not give the same wall time back) and
    :class:`AmbiguousLocalTime` for a time in a DST fold (``fold=0`` and ``fold=1`` give different
    UTC offsets).
    """
    result = wall_to_utc(datetime.combine(d, t.replace(tzinfo=None)), zone(zone_name))
    if result == "gap":
        raise NonexistentLocalTime(d, t, zone_name)
    if result == "fold":
        raise AmbiguousLocalTime(d, t, zone_name)
    return result


def wall_to_utc(wall: datetime, tz: tzinfo) -> datetime | Literal["gap", "fold"]:
    """UTC instant of the naive ``wall`` time in ``tz``; "gap" or "fold" if there is not just one.

    The non-raising core of :func:`local_to_utc`, for loops over many wall times.
    """
    first = wall.replace(tzinfo=tz, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != wall:
        return "gap"
    if first.utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset():
        return "fold"
    return utc


def format_wall(d: date, t: time) -> str:
    """A wall time without a zone, e.g. "Sun 29 Mar 2026 01:30" (used in DST messages)."""
    return f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year} {t:%H:%M}"


def _to_local(dt_utc: datetime, zone_name: str) -> datetime:
    if dt_utc.tzinfo is None or dt_utc.utcoffset() is None:
        raise ValueError(f"Cannot show a time without a time zone ({dt_utc.isoformat()}).")
    return dt_utc.astimezone(zone(zone_name))


def day_label(local: date) -> str:
    return f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}"


def _abbreviation(local: datetime) -> str:
    name = local.tzname() or ""
    if _BARE_OFFSET.match(name):
        # "+0530" reads like a typo; "UTC+05:30" does not.
        sign, digits = name[0], name[1:].replace(":", "")
        return f"UTC{sign}{digits[:2]}" + (f":{digits[2:]}" if digits[2:] not in ("", "00") else "")
    return name or "UTC"


def _zone_suffix(abbreviation: str, zone_name: str) -> str:
    name = zone_name.strip()
    return abbreviation if abbreviation == name else f"{abbreviation} ({name})"


def format_local(
    dt_utc: datetime, zone_name: str, *, label: Callable[[date], str] | None = None
) -> str:
    """An instant as a person in ``zone_name`` reads it, always with its zone.

    E.g. "Tue 3 Mar 2026, 14:00 GMT (Europe/London)"; zones whose abbreviation is a bare offset
    show it as "UTC+05:30" and still carry the IANA name. ``label`` writes the day (another
    language's; default "Tue 3 Mar 2026").
    """
    label = label or day_label
    local = _to_local(dt_utc, zone_name)
    return f"{label(local)}, {local:%H:%M} {_zone_suffix(_abbreviation(local), zone_name)}"


def format_local_range(
    interval: Interval, zone_name: str, *, label: Callable[[date], str] | None = None
) -> str:
    """An interval in ``zone_name``, e.g. "Tue 3 Mar 2026, 14:00–15:00 GMT (Europe/London)".

    When the abbreviation changes inside the interval (a DST change) both are shown
    ("00:30 GMT–02:30 BST"); when it ends on another local day the end's date is shown too.
    """
    label = label or day_label
    start = _to_local(interval.start, zone_name)
    end = _to_local(interval.end, zone_name)
    start_abbr, end_abbr = _abbreviation(start), _abbreviation(end)
    suffix = _zone_suffix(end_abbr, zone_name)
    if start.date() != end.date():
        return f"{label(start)}, {start:%H:%M} {start_abbr} – {label(end)}, {end:%H:%M} {suffix}"
    if start_abbr != end_abbr:
        return f"{label(start)}, {start:%H:%M} {start_abbr}–{end:%H:%M} {suffix}"
    return f"{label(start)}, {start:%H:%M}–{end:%H:%M} {suffix}"


def format_local_times(
    interval: Interval, zone_name: str, *, label: Callable[[date], str] | None = None
) -> str:
    """An interval's clock times in ``zone_name`` under a day heading, e.g. "14:00–15:00 GMT";
    the end's date is added when it falls on the next local day."""
    label = label or day_label
    start = _to_local(interval.start, zone_name)
    end = _to_local(interval.end, zone_name)
    start_abbr, end_abbr = _abbreviation(start), _abbreviation(end)
    if start.date() != end.date():
        return f"{start:%H:%M} {start_abbr} – {label(end)}, {end:%H:%M} {end_abbr}"
    if start_abbr != end_abbr:
        return f"{start:%H:%M} {start_abbr}–{end:%H:%M} {end_abbr}"
    return f"{start:%H:%M}–{end:%H:%M} {end_abbr}"
