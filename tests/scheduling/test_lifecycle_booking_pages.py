"""The lifecycle when the times come from the client's booking page, as a pure function: the
request goes straight to the candidate, and a reschedule lets them pick again; with hand-offered
times both still ask the client."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from scheduling.interview import Effect, EffectKind, Requested, RescheduleRequested, Role, Stage, transition

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


def untimed(effects: Sequence[Effect]) -> list[tuple[str, str | None]]:
    return [(e.kind.value, e.to.value if e.to else None) for e in effects if e.due is None]


def test_a_request_from_a_page_asks_the_candidate_to_pick_and_the_client_nothing() -> None:
    result = transition(Stage.REQUESTED, Requested(from_page=True), NOW)
    assert result.stage is Stage.AWAITING_PICK
    assert untimed(result.effects) == [("offer_slots_to_candidate", "candidate"), ("notify_recruiter", "recruiter")]
    # The candidate is reminded if they do not pick, as with offered slots.
    assert {(e.kind, e.to) for e in result.effects if e.due} >= {
        (EffectKind.REMIND_PENDING_ACTION, Role.CANDIDATE), (EffectKind.PENDING_ACTION_OVERDUE, Role.RECRUITER)
    }


def test_a_request_without_a_page_asks_the_client_for_slots() -> None:
    result = transition(Stage.REQUESTED, Requested(), NOW)
    assert result.stage is Stage.AWAITING_SLOTS
    assert untimed(result.effects) == [("ask_client_for_slots", "client")]


@pytest.mark.parametrize("by", [Role.CANDIDATE, Role.CLIENT, Role.RECRUITER])
def test_a_reschedule_from_a_page_reopens_the_pick_and_only_tells_the_client(by: Role) -> None:
    result = transition(Stage.SCHEDULED, RescheduleRequested(by, from_page=True), NOW)
    assert result.stage is Stage.AWAITING_PICK
    effects = untimed(result.effects)
    assert ("offer_slots_to_candidate", "candidate") in effects
    assert ("send_reschedule_notice", "client") in effects
    assert not any(kind == "ask_client_for_slots" for kind, _ in effects)


def test_a_reschedule_of_hand_offered_times_asks_the_client_again() -> None:
    result = transition(Stage.SCHEDULED, RescheduleRequested(Role.CANDIDATE), NOW)
    assert result.stage is Stage.AWAITING_SLOTS
    assert ("ask_client_for_slots", "client") in untimed(result.effects)
