"""The one clock of the tests: the code under test takes a `clock` callable, the test moves it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Generic, TypeVar

Instant = TypeVar("Instant", datetime, float)


class Clock(Generic[Instant]):
    """A clock the test moves by hand: `datetime`s for the use cases, the job runner and the mail
    outbox; seconds (`float`) for the send throttle and the tracker's sessions."""

    def __init__(self, now: Instant) -> None:
        self.now = now

    def __call__(self) -> Instant:
        return self.now

    def set(self, when: Instant) -> Instant:
        self.now = when
        return when

    def advance(self: Clock[datetime], delta: timedelta) -> datetime:
        self.now += delta
        return self.now
