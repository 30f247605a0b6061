"""The change cards (reschedule form and notice, the recruiter's escalation) are valid Adaptive
Card 1.5 and carry the right verbs; the escalation lets the recruiter pick for the candidate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cards import booking_confirmation_card
from cards.change_cards import (
    cancel_form_card,
    escalation_card,
    reschedule_form_card,
    reschedule_notice_card,
)
from scheduling.interview import Role, Stage
from tests.helpers.cards import actions_of, all_text, booked_view, make_view, slot_choices


@pytest.mark.parametrize(
    "build",
    [
        lambda: reschedule_form_card(booked_view(), Role.CANDIDATE),
        lambda: reschedule_notice_card(
            make_view(stage=Stage.AWAITING_SLOTS), Role.CLIENT, by=Role.CANDIDATE,
            reason="Travelling", previous=booked_view().booked,
        ),
        lambda: escalation_card(make_view(), Role.CANDIDATE, "No pick after two reminders."),
        lambda: escalation_card(make_view(stage=Stage.AWAITING_SLOTS, slots=()), Role.CLIENT, "No slots."),
        lambda: cancel_form_card(booked_view(), Role.CANDIDATE),
        lambda: cancel_form_card(make_view(), Role.CLIENT),
    ],
    ids=["reschedule-form", "reschedule-notice", "escalation-candidate", "escalation-client",
         "cancel-form-booked", "cancel-form-arranging"],
)
def test_change_cards_are_valid_adaptive_cards(
    build: Callable[[], dict[str, Any]], validate: Callable[[dict[str, Any]], None]
) -> None:
    card = build()
    validate(card)
    assert all(a["type"] != "Action.Execute" for a in actions_of(card))


def test_the_escalation_for_a_silent_candidate_offers_to_pick_each_slot_for_them() -> None:
    card = escalation_card(make_view(), Role.CANDIDATE, "No pick after two reminders.")
    assert [slot_id for slot_id, _ in slot_choices(card)] == ["s-1", "s-2"]
    [pick] = [a["data"] for a in actions_of(card, "Action.Submit") if a["data"]["action"] == "pick_slot"]
    assert pick == {"action": "pick_slot", "interview_id": "iv-123"}  # + the chosen slot_id
    assert "for them" in all_text(card) and "(Europe/London)" in all_text(card)  # the recruiter's zone


def test_the_escalation_for_a_silent_client_has_no_pick_buttons() -> None:
    card = escalation_card(make_view(stage=Stage.AWAITING_SLOTS, slots=()), Role.CLIENT, "No slots.")
    verbs = {a["data"]["action"] for a in actions_of(card, "Action.Submit")}
    assert "pick_slot" not in verbs and "nudge" in verbs


def test_the_cancel_card_asks_what_the_confirmations_cancel_asks_with_the_same_button() -> None:
    view = booked_view()
    confirmation = booking_confirmation_card(view, Role.CANDIDATE)
    [inner] = [a["card"] for a in actions_of(confirmation, "Action.ShowCard") if a["title"] == "Cancel"]
    card = cancel_form_card(view, Role.CANDIDATE)
    assert card["body"][-len(inner["body"]):] == inner["body"] and card["actions"] == inner["actions"]
    assert "booked for" in all_text(card) and "(Asia/Kolkata)" in all_text(card)  # the reader's zone
