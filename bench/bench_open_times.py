"""Benchmark of live open times from one client's booking page as the candidate asks for them.

Not a test: ``python -m bench.bench_open_times [--instructions] [--tree PATH ...]`` (or
``python -m bench open_times``, which counts instructions too when valgrind is installed).
``--tree`` measures another checkout's ``scheduling`` on the same data in the same run (a before
and after), and fails when it lists other times than this tree.

The page: Europe/London, Monday to Friday 09:00–12:00 and 13:00–18:00, 60-minute interviews on a
30-minute step, buffers of 15 minutes before and after, at most 4 interviews a day, 24 hours'
notice, a 60-day horizon (it crosses the change to BST). Against it: 500 calendar busy blocks of
15–120 minutes at random 5-minute marks over the 60 days, and N askARSAN bookings for N = 200,
2,000 and 20,000, as the bookings table holds them for one client — and as the service passes
them today (``client_busy`` reads every active booking, with no time filter, in no set order):

- bookings never overlap (the table's constraint) and are 60 minutes on the page's hours;
- the 60 days ahead hold 0–4 bookings a weekday (under the cap), on the page's grid and kept
  apart by its buffers: the same 74 at every N — a bigger table is a longer history, not a
  fuller calendar, since the cap bounds the future;
- 1 % of N (at least 2) lies beyond the horizon, up to a year ahead (booked by hand or under an
  earlier page with a longer horizon);
- the rest lies before now: interviews that took place stay active bookings, 8 a weekday
  (every working hour) going back as far as N needs — 3 weeks for 200, 11 months for 2,000,
  9½ years for 20,000;
- the list is shuffled (rows come back in no set order), its Intervals made in that order.

Measured: the candidate's first page (``limit=20``) and the full 60-day list, median and p99
of repeated calls, with the growth per 10× bookings. Each tree runs in its own child process;
the sizes, the two calls and the trees are interleaved — each round times every case of every
tree once, in a rotated order — so drift of the shared machine's speed falls on all of them
alike. Wall-clock times on a shared VM drift by tens of per cent within the hour, so
instructions are counted too, with callgrind (a child under valgrind, instrumentation on only
around two batches of calls of a case; the per-call count is the difference of the two dumps
over the difference of the batch lengths). The target: the first page under 5 ms median at
each size.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time as clock
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from scheduling.availability import open_times
from scheduling.intervals import Interval
from scheduling.pages import BookingPage, PageRules, WeeklyHours, Window
from scheduling.zones import zone

ROOT = Path(__file__).resolve().parent.parent
SIZES = (200, 2_000, 20_000)
BUSY_BLOCKS = 500
FIRST_PAGE = 20
TARGET_MS = 5.0
ROUNDS = 150
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 08:00 in London
PAGE = BookingPage(
    zone="Europe/London",
    weekly=WeeklyHours.uniform(Window(time(9), time(12)), Window(time(13), time(18))),
    rules=PageRules(
        durations_minutes=(30, 45, 60),
        buffer_before_minutes=15,
        buffer_after_minutes=15,
        max_per_day=4,
        horizon_days=60,
        step_minutes=30,
    ),
)
DURATION = timedelta(minutes=60)
HORIZON_DAYS = 60
# The starts of the page's whole working hours, local: 09, 10, 11, 13 … 17.
HOURS = (9, 10, 11, 13, 14, 15, 16, 17)
CASES = tuple((kind, n) for n in SIZES for kind in ("first", "all"))

LONDON = zone("Europe/London")


def _at(day: date, hour: int, minute: int = 0) -> Interval:
    """A 60-minute booking starting at ``hour:minute`` London time on ``day``."""
    start = datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)
    return Interval(start, start + DURATION)


def _weekdays(first: date, step: int) -> Iterator[date]:
    day = first
    while True:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=step)


# A booking as (local date, hour, minute): built into an Interval only once the list is in its
# final order, so the objects lie in memory in the order the list holds them, as when a query's
# rows are read one by one.
_Spec = tuple[date, int, int]


def ahead(rng: random.Random) -> list[_Spec]:
    """The bookings of the 60 days ahead: 0–4 a weekday on the page's grid, kept apart."""
    today = NOW.date()
    result: list[_Spec] = []
    for day in _weekdays(today + timedelta(days=1), 1):
        if day >= today + timedelta(days=HORIZON_DAYS):
            break
        # Half hours from 09:00: 09:00–11:00 and 13:00–17:00 fit 60 minutes in the windows.
        starts = sorted(rng.sample((0, 1, 2, 3, 4, *range(8, 17)), rng.randrange(5)))
        last = -99
        for half in starts:
            if half - last < 3:
                continue  # within 60 minutes and the 15-minute gap of the previous one
            result.append((day, 9 + half // 2, 30 * (half % 2)))
            last = half
    return result


def bookings(n: int, future: list[_Spec], rng: random.Random) -> list[Interval]:
    """The ``n`` active bookings of one client as the table holds them (see the module doc)."""
    today = NOW.date()
    beyond_days = rng.sample(range(HORIZON_DAYS + 1, 366), max(2, n // 100))
    beyond = [(today + timedelta(days=k), rng.choice(HOURS), 0) for k in beyond_days]
    past: list[_Spec] = []
    wanted = max(0, n - len(future) - len(beyond))
    for day in _weekdays(today - timedelta(days=1), -1):
        past.extend((day, hour, 0) for hour in HOURS[: wanted - len(past)])
        if len(past) == wanted:
            break
    specs = (future + beyond + past)[:n]
    rng.shuffle(specs)
    return [_at(*spec) for spec in specs]


def busy_blocks(rng: random.Random) -> list[Interval]:
    """Calendar busy blocks of 15–120 minutes at random 5-minute marks over the 60 days."""
    span = HORIZON_DAYS * 24 * 60 // 5
    result = []
    for _ in range(BUSY_BLOCKS):
        start = NOW + timedelta(minutes=5 * rng.randrange(span))
        result.append(Interval(start, start + timedelta(minutes=rng.choice((15, 30, 60, 120)))))
    return result


def dataset() -> tuple[list[Interval], dict[int, list[Interval]]]:
    """The busy blocks and, per size, the bookings: the same on every call (seeded)."""
    rng = random.Random(2026)
    busy = busy_blocks(rng)
    future = ahead(rng)
    return busy, {n: bookings(n, future, rng) for n in SIZES}


def in_horizon(booked: list[Interval]) -> int:
    end = NOW + timedelta(days=HORIZON_DAYS)
    return sum(1 for b in booked if NOW <= b.start < end)


def calls(
    data: tuple[list[Interval], dict[int, list[Interval]]] | None = None,
) -> dict[tuple[str, int], Callable[[], list[Interval]]]:
    """One call per case: ``("first" | "all", n)``."""
    busy, by_size = data or dataset()
    result: dict[tuple[str, int], Callable[[], list[Interval]]] = {}
    for n, booked in by_size.items():
        for kind in ("first", "all"):
            limit = FIRST_PAGE if kind == "first" else None

            def call(booked: list[Interval] = booked, limit: int | None = limit) -> list[Interval]:
                return open_times(PAGE, DURATION, busy, booked, NOW, limit=limit)

            result[(kind, n)] = call
    return result


def _key(case: tuple[str, int]) -> str:
    return f"{case[0]}:{case[1]}"


def _round(table: dict[tuple[str, int], Callable[[], list[Interval]]], i: int) -> dict[str, float]:
    """Round ``i``: each case once, in an order rotated by ``i``; milliseconds per case."""
    shift = i % len(CASES)
    times = {}
    for case in CASES[shift:] + CASES[:shift]:
        call = table[case]
        started = clock.perf_counter()
        call()
        times[_key(case)] = (clock.perf_counter() - started) * 1000
    return times


def _child() -> None:
    """One tree's side: build the data, then answer the parent's requests on stdin.

    ``round I`` times a round (JSON back), ``run KIND N TIMES`` calls one case (``done`` back).
    The ready line carries what each case found, and a digest of the times, so the parent can
    check every tree lists the same ones.
    """
    data = dataset()
    table = calls(data)
    # The data are long-lived here but the caller's in the service: keep the collector's full
    # passes over them (which fall on whichever call happens to trigger one) out of the counts.
    gc.collect()
    gc.freeze()
    found = {}
    for case, call in table.items():
        call()  # warm caches (zoneinfo, lru caches)
        times = call()
        digest = hashlib.sha256(repr([(t.start, t.end) for t in times]).encode()).hexdigest()[:16]
        ahead_n = in_horizon(data[1][case[1]])
        found[_key(case)] = {"found": len(times), "digest": digest, "in_horizon": ahead_n}
    print("ready " + json.dumps(found), flush=True)
    for line in sys.stdin:
        words = line.split()
        if words[0] == "round":
            print(json.dumps(_round(table, int(words[1]))), flush=True)
        else:
            _, kind, n, times_text = words
            call = table[(kind, int(n))]
            for _ in range(int(times_text)):
                call()
            print("done", flush=True)


class _Tree:
    """A child process measuring one checkout's ``scheduling`` (under callgrind if ``out``)."""

    def __init__(self, tree: Path, workdir: Path, out: Path | None = None) -> None:
        self.tree = tree
        self.env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0", "HOST": "127.0.0.1"}
        argv = [sys.executable, str(Path(__file__).resolve()), "--child"]
        if out is not None:
            callgrind = ["--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
            argv = ["valgrind", *callgrind, *argv]
        self.process = subprocess.Popen(
            argv, cwd=workdir, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True,
        )
        ready = self._read()
        if not ready.startswith("ready "):
            raise RuntimeError(f"the child for {tree} did not start (it said {ready!r})")
        self.found: dict[str, dict[str, Any]] = json.loads(ready.removeprefix("ready "))

    def _read(self) -> str:
        stdout: IO[str] | None = self.process.stdout
        assert stdout is not None
        return stdout.readline().strip()

    def ask(self, line: str) -> str:
        stdin: IO[str] | None = self.process.stdin
        assert stdin is not None
        stdin.write(line + "\n")
        stdin.flush()
        answer = self._read()
        if not answer:
            raise RuntimeError(f"the child for {self.tree} ended at {line!r}")
        return answer

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def wall_times(
    trees: list[Path], rounds: int = ROUNDS
) -> tuple[dict[str, dict[str, list[float]]], dict[str, dict[str, dict[str, Any]]]]:
    """Per tree, milliseconds per call of each case over ``rounds`` rounds, and what each found.

    Each round times every case of every tree once; the trees take turns going first.
    """
    with tempfile.TemporaryDirectory(prefix="askarsan-open-times-") as tmp:
        children = [_Tree(tree, Path(tmp)) for tree in trees]
        try:
            samples: dict[str, dict[str, list[float]]] = {
                str(c.tree): {_key(case): [] for case in CASES} for c in children
            }
            for i in range(rounds):
                shift = i % len(children)
                for child in children[shift:] + children[:shift]:
                    for key, ms in json.loads(child.ask(f"round {i}")).items():
                        samples[str(child.tree)][key].append(ms)
            return samples, {str(c.tree): c.found for c in children}
        finally:
            for child in children:
                child.close()


# --- instruction counts -------------------------------------------------------------------------

BATCHES = (2, 6)


def _total(path: Path) -> int:
    found = re.search(r"^(?:summary|totals):\s*(\d+)", path.read_text(errors="replace"), re.M)
    if found is None:
        raise RuntimeError(f"no totals in {path}")
    return int(found.group(1))


def instructions(tree: Path = ROOT) -> dict[str, float]:
    """Instructions per call of each case, counting ``tree``'s ``scheduling`` on this data."""
    with tempfile.TemporaryDirectory(prefix="askarsan-open-times-") as tmp:
        workdir = Path(tmp)
        out = workdir / "callgrind.out"
        child = _Tree(tree, workdir, out)
        try:
            def control(*args: str) -> None:
                subprocess.run(["callgrind_control", *args, str(child.process.pid)], env=child.env,
                               check=True, capture_output=True, timeout=600)

            control("--instr=on")
            counts: dict[str, float] = {}
            for kind, n in CASES:
                totals = []
                for size in BATCHES:
                    child.ask(f"run {kind} {n} {size}")
                    before = set(workdir.glob(f"{out.name}*"))
                    control("--dump")
                    dumped = set(workdir.glob(f"{out.name}*")) - before
                    totals.append(_total(max(dumped, key=lambda p: p.stat().st_mtime)))
                counts[_key((kind, n))] = (totals[1] - totals[0]) / (BATCHES[1] - BATCHES[0])
            return counts
        finally:
            child.close()


# --- rows ---------------------------------------------------------------------------------------


def run(rounds: int = ROUNDS, count: bool = True, trees: list[Path] | None = None) -> list[dict[str, Any]]:
    """One row per (call, bookings): median and p99 in ms, growth per 10×, instructions.

    ``trees`` are other checkouts measured in the same run, their rounds interleaved with this
    tree's (for ``python -m bench``: ASKARSAN_BENCH_INSTR_TREES, colon-separated, as the
    instructions benchmark reads it); a tree whose times differ from this tree's is an error.
    """
    if trees is None:
        trees = [Path(p) for p in os.environ.get("ASKARSAN_BENCH_INSTR_TREES", "").split(":") if p]
    trees = [ROOT, *(t.resolve() for t in trees if t.resolve() != ROOT)]
    samples, found = wall_times(trees, rounds)
    own = str(ROOT)
    for tree, cases in found.items():
        for key, what in cases.items():
            if what["digest"] != found[own][key]["digest"]:
                raise RuntimeError(f"{tree} lists other open times than {own} for {key}")
    counted: dict[str, dict[str, float]] = {}
    skipped = None
    if count:
        if shutil.which("valgrind") is None:
            skipped = "valgrind is not installed"
        else:
            counted = {str(tree): instructions(tree) for tree in trees}
    rows: list[dict[str, Any]] = []
    for kind in ("first", "all"):
        previous: float | None = None
        previous_count: float | None = None
        for n in SIZES:
            key = _key((kind, n))
            median = statistics.median(samples[own][key])
            row: dict[str, Any] = {
                "call": f"first {FIRST_PAGE}" if kind == "first" else "all 60 days",
                "bookings": n,
                "in_horizon": found[own][key]["in_horizon"],
                "busy_blocks": BUSY_BLOCKS,
                "open_times_found": found[own][key]["found"],
                "runs": rounds,
                "median_ms": median,
                "p99_ms": _p99(samples[own][key]),
                "ratio_per_10x": None if previous is None else median / previous,
            }
            if own in counted:
                count_here = counted[own][key]
                row["instructions"] = round(count_here)
                row["instructions_ratio_per_10x"] = (
                    None if previous_count is None else count_here / previous_count
                )
                previous_count = count_here
            for other in map(str, trees[1:]):
                row[f"median_ms @ {other}"] = statistics.median(samples[other][key])
                if other in counted:
                    row[f"instructions @ {other}"] = round(counted[other][key])
            if skipped:
                row["instructions_skipped"] = skipped
            rows.append(row)
            previous = median
    return rows


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, -(-99 * len(ordered) // 100) - 1))]


def summarize(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(case, result, target) lines for ``python -m bench``; the target is the first page's."""
    lines = []
    for row in rows:
        case = (
            f"{row['call']}, {row['bookings']:,} bookings ({row['in_horizon']} in the 60 days), "
            f"{row['busy_blocks']} busy blocks"
        )
        result = f"median {row['median_ms']:.2f} ms · p99 {row['p99_ms']:.2f} ms ({row['runs']} runs)"
        if row["ratio_per_10x"] is not None:
            result += f" · ×{row['ratio_per_10x']:.2f} per 10× bookings"
        if "instructions" in row:
            result += f" · {row['instructions'] / 1e6:.2f} M instructions"
            if row["instructions_ratio_per_10x"] is not None:
                result += f" (×{row['instructions_ratio_per_10x']:.2f} per 10×)"
        for key, value in row.items():
            if key.startswith("median_ms @ "):
                tree = key.removeprefix("median_ms @ ")
                result += f" · {tree}: median {value:.2f} ms"
                if f"instructions @ {tree}" in row:
                    result += f", {row[f'instructions @ {tree}'] / 1e6:.2f} M instructions"
        if "instructions_skipped" in row:
            result += f" · instructions not counted: {row['instructions_skipped']}"
        result += f" · {row['open_times_found']} open times"
        target = ""
        if row["call"].startswith("first"):
            met = "met" if row["median_ms"] < TARGET_MS else "MISSED"
            target = f"median < {TARGET_MS:g} ms ({met})"
        lines.append((case, result, target))
    return lines


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--instructions", action="store_true", help="count instructions with callgrind")
    parser.add_argument("--tree", action="append", type=Path, help="another checkout to measure (repeatable)")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()
    if args.child:
        _child()
        return
    rows = run(args.rounds, count=args.instructions, trees=args.tree or [])
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for case, result, target in summarize(rows):
        print(f"{case}: {result}" + (f" [{target}]" if target else ""))


if __name__ == "__main__":
    _main()
