"""Benchmark of slot checking and free-slot search against a growing number of bookings.

Not a test: run it with ``python -m bench.bench_slots``. It times ``check_offered_slots`` (20
requests) and ``free_slots`` against 200, 2,000 and 20,000 existing bookings spread over a 60-day
horizon, and prints the median and p99 of repeated runs, with the growth per 10x more bookings
(n log n growth shows as a ratio a little above 10; the target is under 5 ms at 2,000).
"""

from __future__ import annotations

import random
import statistics
import time as clock
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from scheduling.intervals import Interval
from scheduling.rules import BookingRules, SlotRequest, check_offered_slots, free_slots

SIZES = (200, 2_000, 20_000)
REQUESTS = 20
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RULES = BookingRules(
    zone="Europe/London",
    buffer_before=timedelta(minutes=10),
    buffer_after=timedelta(minutes=10),
)


def _bookings(n: int, rng: random.Random) -> list[Interval]:
    """``n`` bookings of 15–90 minutes at random 5-minute marks within the horizon."""
    span_minutes = int(RULES.horizon.total_seconds() // 60)
    result = []
    for _ in range(n):
        start = NOW + timedelta(minutes=5 * rng.randrange(span_minutes // 5))
        result.append(Interval(start, start + timedelta(minutes=rng.choice((15, 30, 45, 60, 90)))))
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
    rows: list[dict[str, object]] = []
    for name in ("check_offered_slots", "free_slots"):
        previous: float | None = None
        for n in SIZES:
            busy = _bookings(n, rng)
            if name == "check_offered_slots":

                def call(busy: list[Interval] = busy) -> object:
                    return check_offered_slots(requests, RULES, busy, NOW)
            else:

                def call(busy: list[Interval] = busy) -> object:
                    return free_slots(RULES, busy, NOW)

            runs = repeat if n <= 2_000 else max(20, repeat // 5)
            median, p99 = _time(call, runs)
            rows.append(
                {
                    "function": name,
                    "bookings": n,
                    "runs": runs,
                    "median_ms": median,
                    "p99_ms": p99,
                    "ratio_per_10x": None if previous is None else median / previous,
                }
            )
            previous = median
    return rows


def _main() -> None:
    print(f"{REQUESTS} requests, 60-day horizon, buffers 10/10 minutes")
    header = f"{'function':<20} {'bookings':>9} {'runs':>5} {'median ms':>10} {'p99 ms':>9} {'x per 10x':>9}"
    print(header)
    print("-" * len(header))
    for row in run():
        ratio = row["ratio_per_10x"]
        print(
            f"{row['function']!s:<20} {row['bookings']:>9,} {row['runs']:>5} "
            f"{row['median_ms']:>10.3f} {row['p99_ms']:>9.3f} "
            f"{'' if ratio is None else f'{ratio:.1f}':>9}"
        )


if __name__ == "__main__":
    _main()
