"""Exponential backoff with full jitter: a pure function."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.jobs.runner import backoff
from tests.helpers.jobs import HighestRandom

BASE = timedelta(seconds=30)
CAP = timedelta(hours=1)


@pytest.mark.parametrize(
    ("attempt", "ceiling"),
    [
        (1, timedelta(seconds=30)),
        (2, timedelta(minutes=1)),
        (3, timedelta(minutes=2)),
        (7, timedelta(minutes=32)),
        (8, timedelta(hours=1)),  # 64 minutes, capped
        (1_000, timedelta(hours=1)),
    ],
    ids=["first", "second", "third", "seventh", "capped", "huge-attempt"],
)
def test_the_ceiling_doubles_per_attempt_up_to_the_cap(attempt: int, ceiling: timedelta) -> None:
    assert backoff(attempt, BASE, CAP, HighestRandom()) == ceiling


def test_delays_are_spread_between_zero_and_the_ceiling() -> None:
    rng = random.Random(7)
    delays = [backoff(4, BASE, CAP, rng) for _ in range(500)]
    assert all(timedelta(0) <= d <= timedelta(minutes=4) for d in delays)
    # Full jitter: the delays cover the whole range rather than bunching at the ceiling.
    assert min(delays) < timedelta(seconds=30) and max(delays) > timedelta(minutes=3, seconds=30)


def test_the_same_seed_gives_the_same_delays() -> None:
    first = [backoff(n, BASE, CAP, random.Random(1)) for n in range(1, 10)]
    second = [backoff(n, BASE, CAP, random.Random(1)) for n in range(1, 10)]
    assert first == second


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="1-based"):
        backoff(0, BASE, CAP, random.Random())
