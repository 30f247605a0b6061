"""Holds of hand-offered slots in the lifecycle, as a pure function: every offer holds its slots,
and whatever ends the offer (a pick, the candidate's other times, a cancel while slots are on
offer) releases them; nothing else holds or releases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from scheduling.intervals import Interval
from scheduling.interview import (
    Cancelled,
    Effect,
    EffectKind,
    Event,
    InterviewEnded,
    Nudged,
    OtherTimesProposed,
    Requested,
    RescheduleRequested,
    Role,
    SlotPicked,
    SlotsOffered,
    Stage,
    transition,
)

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
SLOT = Interval(datetime(2026, 11, 25, 10, tzinfo=UTC), datetime(2026, 11, 25, 11, tzinfo=UTC))
HOLDS = {EffectKind.HOLD_SLOTS, EffectKind.RELEASE_HOLDS}


def holds(effects: Sequence[Effect]) -> list[tuple[EffectKind, Role | None, datetime | None]]:
    return [(e.kind, e.to, e.due) for e in effects if e.kind in HOLDS]


@pytest.mark.parametrize("stage", [Stage.AWAITING_SLOTS, Stage.AWAITING_PICK], ids=["first", "more"])
def test_every_offer_holds_its_slots_at_once(stage: Stage) -> None:
    result = transition(stage, SlotsOffered(2), NOW)
    assert result.stage is Stage.AWAITING_PICK
    assert holds(result.effects) == [(EffectKind.HOLD_SLOTS, None, None)]


@pytest.mark.parametrize(
    ("stage", "event"),
    [
        (Stage.AWAITING_PICK, SlotPicked(SLOT)),
        (Stage.AWAITING_PICK, OtherTimesProposed()),
        (Stage.AWAITING_PICK, Cancelled(Role.CLIENT, was_booked=False)),
        (Stage.AWAITING_PICK, Cancelled(Role.RECRUITER, was_booked=False, notify_canceller=True)),
    ],
    ids=["booked", "other-times", "cancelled-by-the-client", "cancelled-by-the-recruiter"],
)
def test_what_ends_the_offer_releases_its_holds_at_once(stage: Stage, event: Event) -> None:
    assert holds(transition(stage, event, NOW).effects) == [(EffectKind.RELEASE_HOLDS, None, None)]


@pytest.mark.parametrize(
    ("stage", "event"),
    [
        (Stage.REQUESTED, Requested()),
        (Stage.REQUESTED, Requested(from_page=True)),
        (Stage.AWAITING_SLOTS, Nudged()),
        (Stage.AWAITING_PICK, Nudged()),
        (Stage.AWAITING_SLOTS, Cancelled(Role.CLIENT, was_booked=False)),
        (Stage.SCHEDULED, Cancelled(Role.CANDIDATE, was_booked=True)),
        (Stage.SCHEDULED, RescheduleRequested(Role.CANDIDATE)),
        (Stage.SCHEDULED, RescheduleRequested(Role.CLIENT, from_page=True)),
        (Stage.SCHEDULED, InterviewEnded()),
    ],
    ids=[
        "request", "request-from-a-page", "nudge-the-client", "nudge-the-candidate",
        "cancel-before-any-offer", "cancel-once-booked", "reschedule", "reschedule-from-a-page",
        "ended",
    ],
)
def test_nothing_else_holds_or_releases(stage: Stage, event: Event) -> None:
    """Once booked the holds went with the pick, and before an offer there are none."""
    assert holds(transition(stage, event, NOW).effects) == []

