"""Half-open UTC intervals and the small algebra slot computation is built from.

An :class:`Interval` is ``[start, end)`` in UTC. Two intervals that only touch (one ends when the
other starts) do not overlap: back-to-back meetings do not conflict.

``merge``, ``subtract`` and ``intersect`` sort their inputs once and then sweep, so each is
O(n log n) in the total number of intervals; ``first_overlap`` is O(log n) on a merged list.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from scheduling.errors import InvalidInterval

__all__ = ["Interval", "first_overlap", "intersect", "merge", "subtract"]


def _is_aware(dt: datetime) -> bool:
    return dt.tzinfo is not None and dt.utcoffset() is not None


@dataclass(frozen=True, order=True, slots=True)
class Interval:
    """A half-open ``[start, end)`` range of time, held in UTC.

    Both ends must be timezone-aware; they are normalised to ``timezone.utc``. Ordering is by
    ``(start, end)``.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start, end = self.start, self.end
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            raise InvalidInterval("An interval needs a start and an end date-time.")
        if not _is_aware(start) or not _is_aware(end):
            raise InvalidInterval(
                "An interval needs times with a time zone; got a time without one "
                f"({start.isoformat()} – {end.isoformat()})."
            )
        # Convert before comparing: two datetimes sharing one ZoneInfo are compared by wall
        # time, which is wrong across a DST fold.
        start = start.astimezone(UTC)
        end = end.astimezone(UTC)
        if end <= start:
            raise InvalidInterval(
                f"An interval must end after it starts; got {start:%Y-%m-%d %H:%M} – "
                f"{end:%Y-%m-%d %H:%M} UTC."
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def duration(self) -> timedelta:
        """The real elapsed time between start and end (DST changes included)."""
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        """True when the two intervals share some instant; touching ends do not count."""
        return self.start < other.end and other.start < self.end

    def contains(self, dt: datetime) -> bool:
        """True when ``start <= dt < end``; ``dt`` must be timezone-aware."""
        if not _is_aware(dt):
            raise InvalidInterval(f"Cannot place a time without a time zone ({dt.isoformat()}).")
        return self.start <= dt < self.end

    def expanded(self, before: timedelta, after: timedelta) -> Interval:
        """This interval widened by ``before`` at the start and ``after`` at the end (buffers)."""
        return Interval(self.start - before, self.end + after)


def trusted(start: datetime, end: datetime) -> Interval:
    """An Interval from ends already known to be UTC and ordered: skips validation (hot loops)."""
    interval = object.__new__(Interval)
    object.__setattr__(interval, "start", start)
    object.__setattr__(interval, "end", end)
    return interval


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """The union of ``intervals`` as a sorted list of disjoint intervals.

    Overlapping and touching intervals are coalesced, so in the result both the starts and the ends
    are strictly increasing (which is what :func:`first_overlap` relies on).
    """
    result: list[Interval] = []
    ordered = sorted(intervals, key=_start)
    if not ordered:
        return result
    start, end = ordered[0].start, ordered[0].end
    for current in ordered[1:]:
        if current.start > end:
            result.append(trusted(start, end))
            start, end = current.start, current.end
        elif current.end > end:
            end = current.end
    result.append(trusted(start, end))
    return result


def subtract(ranges: Iterable[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """What is left of ``ranges`` once every instant in ``busy`` is removed, sorted and disjoint."""
    blocks = merge(busy)
    result: list[Interval] = []
    i = 0
    for rng in merge(ranges):
        # Blocks that end before this range starts can never matter again (ranges are sorted).
        while i < len(blocks) and blocks[i].end <= rng.start:
            i += 1
        cursor = rng.start
        j = i
        while j < len(blocks) and blocks[j].start < rng.end:
            block = blocks[j]
            if block.start > cursor:
                result.append(trusted(cursor, block.start))
            cursor = max(cursor, block.end)
            if cursor >= rng.end:
                break
            j += 1
        if cursor < rng.end:
            result.append(trusted(cursor, rng.end))
    return result


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The instants that lie in both ``a`` and ``b``, sorted and disjoint."""
    left, right = merge(a), merge(b)
    result: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i].start, right[j].start)
        end = min(left[i].end, right[j].end)
        if start < end:
            result.append(trusted(start, end))
        if left[i].end <= right[j].end:
            i += 1
        else:
            j += 1
    return result


def first_overlap(candidate: Interval, sorted_busy: Sequence[Interval]) -> Interval | None:
    """The first interval of ``sorted_busy`` that overlaps ``candidate``, or None; O(log n).

    ``sorted_busy`` must be sorted and pairwise disjoint, as :func:`merge` returns it: then the
    ends are increasing too, and the only interval that can overlap is the first one ending after
    ``candidate.start``.
    """
    i = bisect_right(sorted_busy, candidate.start, key=_end)
    if i < len(sorted_busy) and sorted_busy[i].start < candidate.end:
        return sorted_busy[i]
    return None


def _start(interval: Interval) -> datetime:
    return interval.start


def _end(interval: Interval) -> datetime:
    return interval.end
