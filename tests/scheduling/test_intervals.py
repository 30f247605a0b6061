"""Half-open UTC intervals and their algebra: boundary tables and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.errors import DomainError, InvalidInterval
from scheduling.intervals import Interval, first_overlap, intersect, merge, subtract

BASE = datetime(2026, 3, 2, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return BASE + timedelta(minutes=minutes)


def iv(start: int, end: int) -> Interval:
    return Interval(at(start), at(end))


# --- construction -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 11, tzinfo=UTC)),
        (datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 2, 11)),
        (at(60), at(60)),
        (at(60), at(59)),
    ],
    ids=["naive start", "naive end", "empty", "ends before it starts"],
)
def test_an_interval_refuses_naive_or_empty_ranges(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidInterval) as error:
        Interval(start, end)
    assert isinstance(error.value, DomainError)
    assert error.value.message


def test_an_interval_is_normalised_to_utc() -> None:
    london = ZoneInfo("Europe/London")
    interval = Interval(datetime(2026, 7, 1, 10, tzinfo=london), datetime(2026, 7, 1, 11, tzinfo=london))
    assert interval.start == datetime(2026, 7, 1, 9, tzinfo=UTC)
    assert interval.start.tzinfo is UTC
    assert interval.end.tzinfo is UTC


def test_an_interval_across_a_fold_compares_real_instants_not_wall_times() -> None:
    # 01:30 BST then 01:10 GMT on the night clocks go back: same zone, later wall time first.
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 10, 25, 1, 30, tzinfo=london, fold=0)
    end = datetime(2026, 10, 25, 1, 10, tzinfo=london, fold=1)
    assert Interval(start, end).duration == timedelta(minutes=40)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (iv(0, 60), iv(60, 120), False),
        (iv(60, 120), iv(0, 60), False),
        (iv(0, 61), iv(60, 120), True),
        (iv(0, 120), iv(30, 60), True),
        (iv(0, 60), iv(0, 60), True),
        (iv(0, 30), iv(31, 60), False),
    ],
    ids=["back-to-back", "back-to-back reversed", "one minute shared", "contained", "equal", "gap"],
)
def test_overlap_is_half_open(a: Interval, b: Interval, expected: bool) -> None:
    assert a.overlaps(b) is expected
    assert b.overlaps(a) is expected


@pytest.mark.parametrize(
    ("minute", "expected"),
    [(-1, False), (0, True), (59, True), (60, False)],
    ids=["before", "at start", "inside", "at end"],
)
def test_contains_includes_the_start_and_excludes_the_end(minute: int, expected: bool) -> None:
    assert iv(0, 60).contains(at(minute)) is expected


def test_contains_refuses_a_naive_time() -> None:
    with pytest.raises(InvalidInterval):
        iv(0, 60).contains(datetime(2026, 3, 2, 0, 30))


def test_expanded_adds_buffers_and_duration_is_real_time() -> None:
    widened = iv(60, 120).expanded(timedelta(minutes=15), timedelta(minutes=5))
    assert widened == iv(45, 125)
    assert widened.duration == timedelta(minutes=80)


# --- algebra tables ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_intervals", "expected"),
    [
        ([], []),
        ([iv(60, 120), iv(0, 30)], [iv(0, 30), iv(60, 120)]),
        ([iv(0, 60), iv(60, 120)], [iv(0, 120)]),
        ([iv(0, 100), iv(10, 20), iv(50, 150)], [iv(0, 150)]),
        ([iv(0, 10), iv(0, 30), iv(0, 20)], [iv(0, 30)]),
    ],
    ids=["empty", "sorted", "touching coalesce", "overlapping chain", "same start"],
)
def test_merge(given_intervals: list[Interval], expected: list[Interval]) -> None:
    assert merge(given_intervals) == expected


@pytest.mark.parametrize(
    ("ranges", "busy", "expected"),
    [
        ([iv(0, 120)], [], [iv(0, 120)]),
        ([iv(0, 120)], [iv(30, 60)], [iv(0, 30), iv(60, 120)]),
        ([iv(0, 120)], [iv(0, 120)], []),
        ([iv(0, 120)], [iv(-10, 10), iv(110, 130)], [iv(10, 110)]),
        ([iv(0, 60), iv(100, 160)], [iv(50, 110)], [iv(0, 50), iv(110, 160)]),
        ([iv(0, 60)], [iv(60, 90)], [iv(0, 60)]),
        ([iv(0, 60), iv(60, 120)], [iv(55, 65)], [iv(0, 55), iv(65, 120)]),
    ],
    ids=[
        "nothing busy",
        "hole in the middle",
        "all busy",
        "both ends clipped",
        "one block across two ranges",
        "back-to-back busy leaves range whole",
        "touching ranges merged first",
    ],
)
def test_subtract(ranges: list[Interval], busy: list[Interval], expected: list[Interval]) -> None:
    assert subtract(ranges, busy) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([iv(0, 60)], [iv(30, 90)], [iv(30, 60)]),
        ([iv(0, 60)], [iv(60, 90)], []),
        ([iv(0, 100)], [iv(10, 20), iv(30, 40)], [iv(10, 20), iv(30, 40)]),
        ([iv(0, 10), iv(20, 30)], [iv(5, 25)], [iv(5, 10), iv(20, 25)]),
        ([], [iv(0, 10)], []),
    ],
    ids=["partial", "touching is empty", "many inside one", "one across many", "empty side"],
)
def test_intersect(a: list[Interval], b: list[Interval], expected: list[Interval]) -> None:
    assert intersect(a, b) == expected
    assert intersect(b, a) == expected


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (iv(0, 10), None),
        (iv(10, 20), iv(10, 20)),
        (iv(20, 30), None),
        (iv(25, 45), iv(40, 50)),
        (iv(5, 100), iv(10, 20)),
        (iv(50, 60), None),
        (iv(200, 210), None),
    ],
    ids=[
        "before the first, touching",
        "equal",
        "between, touching both",
        "overlapping the second",
        "spanning several gives the first",
        "after the last, touching",
        "far after",
    ],
)
def test_first_overlap_finds_the_earliest_clash(candidate: Interval, expected: Interval | None) -> None:
    busy = [iv(10, 20), iv(40, 50)]
    assert first_overlap(candidate, busy) == expected


# --- properties -------------------------------------------------------------------------------

minutes = st.integers(min_value=0, max_value=2_000)


@st.composite
def intervals(draw: st.DrawFn) -> Interval:
    start = draw(minutes)
    return iv(start, start + draw(st.integers(min_value=1, max_value=300)))


interval_lists = st.lists(intervals(), max_size=12)


def covered(intervals_: list[Interval]) -> set[int]:
    """The minutes (as offsets from BASE) that a list of minute-aligned intervals covers."""
    result: set[int] = set()
    for interval in intervals_:
        first = int((interval.start - BASE) / timedelta(minutes=1))
        last = int((interval.end - BASE) / timedelta(minutes=1))
        result.update(range(first, last))
    return result


def is_sorted_and_disjoint(intervals_: list[Interval]) -> bool:
    return all(a.end < b.start for a, b in pairwise(intervals_))


@settings(database=None, max_examples=200, deadline=None)
@given(interval_lists)
def test_merge_covers_exactly_the_same_minutes_in_disjoint_sorted_blocks(
    given_intervals: list[Interval],
) -> None:
    merged = merge(given_intervals)
    assert covered(merged) == covered(given_intervals)
    assert is_sorted_and_disjoint(merged)


@settings(database=None, max_examples=200, deadline=None)
@given(interval_lists, interval_lists)
def test_subtract_and_intersect_are_set_difference_and_intersection(
    a: list[Interval], b: list[Interval]
) -> None:
    difference = subtract(a, b)
    common = intersect(a, b)
    assert covered(difference) == covered(a) - covered(b)
    assert covered(common) == covered(a) & covered(b)
    assert is_sorted_and_disjoint(difference)
    assert is_sorted_and_disjoint(common)


@settings(database=None, max_examples=300, deadline=None)
@given(interval_lists, intervals())
def test_first_overlap_agrees_with_a_linear_scan(busy: list[Interval], candidate: Interval) -> None:
    merged = merge(busy)
    expected = next((b for b in merged if b.overlaps(candidate)), None)
    assert first_overlap(candidate, merged) == expected
