"""The recruiter's calendar in the lifecycle, as a pure function: a booking puts the interview and
a follow-up hold after it (at the policy's distance and length) in the recruiter's calendar;
releasing the booking (a reschedule, a cancel of a booked interview) withdraws them; a cancel
with nothing booked has nothing to withdraw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduling.intervals import Interval
from scheduling.interview import (
    Cancelled,
    EffectKind,
    Policy,
    RescheduleRequested,
    Role,
    SlotPicked,
    Stage,
    transition,
)

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
SLOT = Interval(datetime(2026, 11, 25, 10, tzinfo=UTC), datetime(2026, 11, 25, 11, tzinfo=UTC))
OURS = {EffectKind.RECRUITER_CALENDAR, EffectKind.RECRUITER_CALENDAR_CANCEL}


def test_a_booking_puts_a_follow_up_hold_in_the_recruiters_calendar_15_minutes_after_the_end() -> None:
    [effect] = [e for e in transition(Stage.AWAITING_PICK, SlotPicked(SLOT), NOW).effects if e.kind in OURS]
    assert (effect.kind, effect.to, effect.due) == (EffectKind.RECRUITER_CALENDAR, Role.RECRUITER, None)
    assert dict(effect.data) == {
        "note": "booked", "slot_start": "2026-11-25T10:00:00+00:00",
        "follow_up_start": "2026-11-25T11:15:00+00:00", "follow_up_end": "2026-11-25T11:45:00+00:00",
    }


def test_the_follow_up_hold_follows_the_policy() -> None:
    policy = Policy(recruiter_follow_up_after=timedelta(hours=1), recruiter_follow_up_length=timedelta(minutes=20))
    assert policy.recruiter_follow_up(SLOT) == Interval(
        datetime(2026, 11, 25, 12, tzinfo=UTC), datetime(2026, 11, 25, 12, 20, tzinfo=UTC)
    )
    [effect] = [
        e for e in transition(Stage.AWAITING_PICK, SlotPicked(SLOT), NOW, policy).effects if e.kind in OURS
    ]
    assert (effect.data["follow_up_start"], effect.data["follow_up_end"]) == (
        "2026-11-25T12:00:00+00:00", "2026-11-25T12:20:00+00:00"
    )


@pytest.mark.parametrize(
    "event",
    [RescheduleRequested(Role.CANDIDATE), Cancelled(Role.CLIENT, was_booked=True)],
    ids=["reschedule", "cancel"],
)
def test_releasing_the_booking_withdraws_them(event: RescheduleRequested | Cancelled) -> None:
    kinds = [(e.kind, e.to) for e in transition(Stage.SCHEDULED, event, NOW).effects if e.kind in OURS]
    assert kinds == [(EffectKind.RECRUITER_CALENDAR_CANCEL, Role.RECRUITER)]


def test_a_cancel_before_any_booking_has_nothing_to_withdraw() -> None:
    effects = transition(Stage.AWAITING_SLOTS, Cancelled(Role.CLIENT, was_booked=False), NOW).effects
    assert [e for e in effects if e.kind in OURS] == []
