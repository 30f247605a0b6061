"""Benchmark of slot checking, free-slot search and live open times against growing bookings.

Not a test: run it with ``python -m bench.bench_slots`` (or ``python -m bench slots``). It times
``check_offered_slots`` (20 requests) and ``free_slots`` against 200, 2,000 and 20,000 existing
bookings spread over a 60-day horizon, and ``open_times`` of one client's booking page over 60 days
with those bookings and 500 calendar busy blocks — every open time, and the first 10 as the
candidate's card asks for them — and prints the median and p99 of repeated runs, with the growth
per 10x more bookings (n log n growth shows as a ratio a little above 10; the target is under
5 ms at 2,000).
"""

from __future__ import annotations

import random
import statistics
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from scheduling.availability import open_times
from scheduling.intervals import Interval
from scheduling.pages import BookingPage, PageRules, WeeklyHours, Window
from scheduling.rules import BookingRules, SlotRequest, check_offered_slots, free_slots

SIZES = (200, 2_000, 20_000)
REQUESTS = 20
BUSY_BLOCKS = 500
FIRST_PAGE = 10
TARGET_MS = 5.0
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RULES = BookingRules(
    zone="Europe/London",
    buffer_before=timedelta(minutes=10),
    buffer_after=timedelta(minutes=10),
)
# A client's page: a lunch break, two days off, 15-minute steps, a daily cap that 2,000 bookings
# rarely reach (about 33 a day) and 20,000 always do; the 60-day horizon crosses the change to BST.
PAGE = BookingPage(
    zone="Europe/London",
    weekly=WeeklyHours.uniform(Window(time(9), time(12, 30)), Window(time(13, 30), time(18))),
    overrides={date(2026, 4, 3): (), date(2026, 4, 6): ()},
    rules=PageRules(
        durations_minutes=(30, 45, 60),
        buffer_before_minutes=10,
        buffer_after_minutes=10,
        max_per_day=48,
        step_minutes=15,
    ),
)
PAGE_DURATION = timedelta(minutes=60)


def _bookings(n: int, rng: random.Random) -> list[Interval]:
    """``n`` bookings of 15–90 minutes at random 5-minute marks within the horizon."""
    span_minutes = int(RULES.horizon.total_seconds() // 60)
    result = []
    for _ in range(n):
        start = NOW + timedelta(minutes=5 * rng.randrange(span_minutes // 5))
        result.append(Interval(start, start + timedelta(minutes=rng.choice((15, 30, 45, 60, 90)))))
    return result


def _busy_blocks(rng: random.Random) -> list[Interval]:
    """Calendar busy blocks of 15–120 minutes at random 5-minute marks within the horizon."""
    span_minutes = int(RULES.horizon.total_seconds() // 60)
    result = []
    for _ in range(BUSY_BLOCKS):
        start = NOW + timedelta(minutes=5 * rng.randrange(span_minutes // 5))
        result.append(Interval(start, start + timedelta(minutes=rng.choice((15, 30, 60, 120)))))
    return result


def _requests(rng: random.Random) -> list[SlotRequest]:
    first = NOW.date() + timedelta(days=2)
    return [
        SlotRequest(
            date=first + timedelta(days=rng.randrange(50)),
            start=time(rng.randrange(9, 17), rng.choice((0, 15, 30, 45))),
            zone=rng.choice(("Europe/London", "America/New_York", "Asia/Kolkata")),
        )
        for _ in range(REQUESTS)
    ]


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and p99 (nearest rank) of ``repeat`` runs of ``fn``, in milliseconds."""
    fn()  # warm caches (zoneinfo, lru caches)
    samples = []
    for _ in range(repeat):
        started = clock.perf_counter()
        fn()
        samples.append((clock.perf_counter() - started) * 1000)
    samples.sort()
    p99 = samples[min(len(samples) - 1, max(0, -(-99 * len(samples) // 100) - 1))]
    return statistics.median(samples), p99


def run(repeat: int = 200) -> list[dict[str, object]]:
    """One row per (function, number of bookings): median and p99 in ms, growth per 10x."""
    rng = random.Random(2026)
    requests = _requests(rng)
    calendar = _busy_blocks(rng)
    rows: list[dict[str, object]] = []
    names = ("check_offered_slots", "free_slots", "open_times", f"open_times first {FIRST_PAGE}")
    for name in names:
        previous: float | None = None
        for n in SIZES:
            busy = _bookings(n, rng)
            extra: dict[str, object] = {}
            if name == "check_offered_slots":

                def call(busy: list[Interval] = busy) -> object:
                    return check_offered_slots(requests, RULES, busy, NOW)
            elif name == "free_slots":

                def call(busy: list[Interval] = busy) -> object:
                    return free_slots(RULES, busy, NOW)
            else:
                limit = None if name == "open_times" else FIRST_PAGE

                def call(busy: list[Interval] = busy, limit: int | None = limit) -> object:
                    return open_times(PAGE, PAGE_DURATION, calendar, busy, NOW, limit=limit)

                found = call()
                assert isinstance(found, list)
                extra = {"busy_blocks": BUSY_BLOCKS, "open_times_found": len(found)}

            runs = repeat if n <= 2_000 else max(20, repeat // 5)
            median, p99 = _time(call, runs)
            rows.append(
                {
                    "function": name,
                    "bookings": n,
                    **extra,
                    "runs": runs,
                    "median_ms": median,
                    "p99_ms": p99,
                    "ratio_per_10x": None if previous is None else median / previous,
                }
            )
            previous = median
    return rows


def summarize(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(case, result, target) lines for ``python -m bench``; the target is the 2,000-booking case."""
    lines = []
    for row in rows:
        case = f"{row['function']}, {row['bookings']:,} bookings"
        if "busy_blocks" in row:
            case += f", {row['busy_blocks']} busy blocks"
        result = f"median {row['median_ms']:.2f} ms · p99 {row['p99_ms']:.2f} ms ({row['runs']} runs)"
        if row["ratio_per_10x"] is not None:
            result += f" · ×{row['ratio_per_10x']:.1f} per 10× bookings"
        if "open_times_found" in row:
            result += f" · {row['open_times_found']} open times"
        target = ""
        if row["bookings"] == 2_000 and row["function"] == "open_times":
            met = "met" if row["median_ms"] < TARGET_MS else "MISSED"
            target = f"median < {TARGET_MS:g} ms ({met})"
        lines.append((case, result, target))
    return lines


def _main() -> None:
    print(
        f"{REQUESTS} requests, 60-day horizon, buffers 10/10 minutes; open_times: "
        f"{BUSY_BLOCKS} busy blocks, 60-minute interviews on a 15-minute step"
    )
    header = (
        f"{'function':<20} {'bookings':>9} {'runs':>5} {'median ms':>10} {'p99 ms':>9} "
        f"{'x per 10x':>9} {'found':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in run():
        ratio = row["ratio_per_10x"]
        found = row.get("open_times_found", "")
        print(
            f"{row['function']!s:<20} {row['bookings']:>9,} {row['runs']:>5} "
            f"{row['median_ms']:>10.3f} {row['p99_ms']:>9.3f} "
            f"{'' if ratio is None else f'{ratio:.1f}':>9} {found!s:>6}"
        )


if __name__ == "__main__":
    _main()
