"""The candidate's own windows ("none of these work: Mon–Wed after 14:00"), as the client can
accept them: which interview times inside each window follow the client's rules and are free, and
whether a time the client chose is still inside what the candidate proposed.

Pure: the windows are half-open UTC intervals read from the candidate's words
(``scheduling.phrases``), the rules and busy time are the client's, ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduling.intervals import Interval
from scheduling.rules import BookingRules, free_slots

__all__ = ["ProposedWindow", "fits_a_window", "proposed_windows"]

# The start times offered inside a window fall on the half hour of the client's clock.
STEP = timedelta(minutes=30)


@dataclass(frozen=True)
class ProposedWindow:
    """One window the candidate proposed and the interview times inside it that the client can
    take now (first first; empty: none fits the client's hours, notice, horizon or calendar)."""

    window: Interval
    slots: tuple[Interval, ...]


def proposed_windows(
    windows: Sequence[Interval],
    rules: BookingRules,
    busy: Sequence[Interval],
    now: datetime,
    *,
    per_window: int = 1,
) -> list[ProposedWindow]:
    """Each window in the order the candidate named them, with up to ``per_window`` interview
    times of ``rules.duration`` that lie wholly inside it and that ``check_offered_slots`` would
    accept (working hours, notice, horizon, busy time and buffers)."""
    return [
        ProposedWindow(
            window,
            tuple(free_slots(rules, busy, now, step=STEP, limit=per_window, within=[window]))
            if per_window > 0 else (),
        )
        for window in windows
    ]


def fits_a_window(slot: Interval, windows: Sequence[Interval]) -> bool:
    """The whole of ``slot`` lies inside one of the candidate's windows."""
    return any(w.start <= slot.start and slot.end <= w.end for w in windows)
