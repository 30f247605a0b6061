"""The candidate's own windows as the client can accept them: the first interview times inside each
that follow the client's rules and meet nothing booked, and whether a time lies inside a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduling.intervals import Interval
from scheduling.interview import (
    EffectKind,
    InvalidTransition,
    OtherTimesProposed,
    Role,
    SlotPicked,
    Stage,
    transition,
)
from scheduling.proposals import ProposedWindow, fits_a_window, proposed_windows
from scheduling.rules import BookingRules

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday; London on GMT
RULES = BookingRules("Europe/London")  # 09:00–18:00 weekdays, an hour, 24 hours' notice


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC instant from Mon 23 Nov 2026 on (days below 23 are December's)."""
    month = 11 if day >= 23 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def test_a_kolkata_afternoon_gives_the_first_london_working_hour_inside_it() -> None:
    # 14:00–20:00 IST is 08:30–14:30 GMT: London's day opens at 09:00.
    window = Interval(at(30, 8, 30), at(30, 14, 30))
    assert proposed_windows([window], RULES, [], NOW) == [
        ProposedWindow(window, (Interval(at(30, 9), at(30, 10)),))
    ]


def test_times_that_meet_a_booking_or_its_buffer_are_skipped() -> None:
    rules = BookingRules("Europe/London", buffer_before=timedelta(minutes=15))
    window = Interval(at(30, 8, 30), at(30, 14, 30))
    busy = [Interval(at(30, 9), at(30, 10))]
    [found] = proposed_windows([window], rules, busy, NOW, per_window=2)
    # 10:00 would leave no 15 minutes free before it after the 09:00 booking; 10:30 and 11:00 can.
    assert found.slots == (Interval(at(30, 10, 30), at(30, 11, 30)), Interval(at(30, 11), at(30, 12)))


@pytest.mark.parametrize(
    ("window", "why"),
    [
        (Interval(at(28, 10), at(28, 16)), "a Saturday: no working hours"),
        (Interval(at(23, 12), at(23, 16)), "today, inside the 24 hours' notice"),
        (Interval(at(30, 9), at(30, 9, 45)), "shorter than the interview"),
        (Interval(at(30, 17, 30), at(30, 20)), "the hour would run past 18:00"),
    ],
)
def test_a_window_no_interview_time_fits_offers_none(window: Interval, why: str) -> None:
    assert proposed_windows([window], RULES, [], NOW) == [ProposedWindow(window, ())], why


def test_windows_keep_the_order_the_candidate_named_them() -> None:
    wednesday, monday = Interval(at(2, 9), at(2, 12)), Interval(at(30, 9), at(30, 12))
    assert [p.window for p in proposed_windows([wednesday, monday], RULES, [], NOW)] == [wednesday, monday]


def test_a_time_fits_only_when_all_of_it_lies_inside_one_window() -> None:
    windows = [Interval(at(30, 9), at(30, 11)), Interval(at(30, 11), at(30, 12))]
    assert fits_a_window(Interval(at(30, 10), at(30, 11)), windows)  # half-open: the end touches
    assert not fits_a_window(Interval(at(30, 10, 30), at(30, 11, 30)), windows)  # across two
    assert not fits_a_window(Interval(at(30, 8, 30), at(30, 9, 30)), windows)


def test_the_client_booking_a_proposed_time_books_from_awaiting_slots_and_tells_both() -> None:
    slot = Interval(at(30, 9), at(30, 10))
    moved = transition(Stage.AWAITING_SLOTS, SlotPicked(slot, proposed=True), NOW)
    assert moved.stage is Stage.SCHEDULED
    kinds = [(e.kind, e.to) for e in moved.effects]
    assert (EffectKind.CONFIRM_BOOKING, Role.CLIENT) in kinds
    assert (EffectKind.CONFIRM_BOOKING, Role.CANDIDATE) in kinds
    assert EffectKind.RELEASE_HOLDS not in [k for k, _ in kinds]  # nothing was on offer
    with pytest.raises(InvalidTransition):
        transition(Stage.AWAITING_SLOTS, SlotPicked(slot), NOW)  # a pick needs an offer
    with pytest.raises(InvalidTransition):
        transition(Stage.AWAITING_PICK, SlotPicked(slot, proposed=True), NOW)


def test_the_candidate_can_correct_their_proposal_while_the_client_has_not_answered() -> None:
    again = transition(Stage.AWAITING_SLOTS, OtherTimesProposed(), NOW)
    assert again.stage is Stage.AWAITING_SLOTS
    assert (EffectKind.ASK_CLIENT_FOR_SLOTS, Role.CLIENT) in [(e.kind, e.to) for e in again.effects]
    with pytest.raises(InvalidTransition):
        transition(Stage.SCHEDULED, OtherTimesProposed(), NOW)
