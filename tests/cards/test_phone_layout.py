"""Cards that read on a phone: an offered time is never a button's title (a title is one line,
cut off on a narrow screen), labelled values wrap between words instead of sitting in a FactSet's
squeezed label column, and no button says more than a phone shows. The rendered result is
measured in the browser (tests/browser/test_phone.py); these hold the cards' shape."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

import cards
from cards.change_cards import escalation_card
from scheduling.feedback import NextStep, Suggestion
from scheduling.intervals import Interval
from scheduling.interview import OfferedSlot, PartyView, Role, Stage
from scheduling.rules import BookingRules
from scheduling.zones import format_local_range
from tests.helpers.cards import T0, actions_of, booked_view, make_view, walk

# What a 375 px screen shows of a bold button title in Web Chat ("Send these to the candidate").
PHONE_BUTTON_CHARACTERS = 28

SLOTS = tuple(
    OfferedSlot(f"s-{i}", Interval(T0 + timedelta(days=i), T0 + timedelta(days=i, hours=1)))
    for i in range(1, 4)
)

CARDS: list[tuple[str, Callable[[], dict[str, Any]]]] = [
    ("pick", lambda: cards.pick_slot_card(make_view(slots=SLOTS))),
    ("offer", lambda: cards.offer_slots_card(make_view(), BookingRules(zone="Europe/London"))),
    ("confirmation", lambda: cards.booking_confirmation_card(booked_view(), Role.CANDIDATE)),
    ("reminder", lambda: cards.reminder_card(booked_view(), Role.CLIENT, hours_before=24)),
    ("cancellation", lambda: cards.cancellation_card(booked_view(), Role.CLIENT, by=Role.CANDIDATE,
                                                     reason=None)),
    ("recruiter-update", lambda: cards.recruiter_update_card(booked_view(), "booked")),
    ("escalation", lambda: escalation_card(make_view(slots=SLOTS), Role.CANDIDATE, "No pick yet.")),
    ("feedback-summary", lambda: cards.feedback_summary_card(
        booked_view(stage=Stage.FEEDBACK_COMPLETE), None, None,
        Suggestion(NextStep.WAIT, "Neither side answered."))),
]


def slot_choice(card: dict[str, Any]) -> dict[str, Any]:
    [choice] = [n for n in walk(card) if n.get("type") == "Input.ChoiceSet" and n.get("id") == "slot_id"]
    return choice


@pytest.mark.parametrize(
    "zone", ["Asia/Kolkata", "America/St_Johns", "Australia/Adelaide"],
    ids=["kolkata", "st-johns", "adelaide"],
)
def test_the_candidate_chooses_from_times_written_out_in_full_that_wrap(zone: str) -> None:
    view = make_view(slots=SLOTS, candidate=PartyView("k-1", "Tom Okafor", zone))
    card = cards.pick_slot_card(view)
    choice = slot_choice(card)
    assert choice["style"] == "expanded" and choice["wrap"] is True
    assert choice["choices"] == [
        {"value": s.id, "title": format_local_range(s.interval, zone)} for s in SLOTS
    ]
    assert zone in choice["choices"][0]["title"]  # the zone is on every time, not only above
    [book] = [a for a in actions_of(card, "Action.Submit") if a["data"]["action"] == "pick_slot"]
    assert book["title"] == cards.BOOK_BUTTON
    assert "slot_id" not in book["data"]  # the chosen one comes with the submit
    titles = [a["title"] for a in actions_of(card)]
    assert not any(format_local_range(s.interval, zone) in " ".join(titles) for s in SLOTS)


def test_the_recruiter_picks_for_a_silent_candidate_from_the_same_full_times() -> None:
    card = escalation_card(make_view(slots=SLOTS), Role.CANDIDATE, "No pick after two reminders.")
    choice = slot_choice(card)
    assert choice["wrap"] is True
    assert [c["title"] for c in choice["choices"]] == [
        format_local_range(s.interval, "Europe/London") for s in SLOTS  # the recruiter's zone
    ]
    assert "pick_slot" in {a["data"]["action"] for a in actions_of(card, "Action.Submit")}


@pytest.mark.parametrize("build", [c[1] for c in CARDS], ids=[c[0] for c in CARDS])
def test_labelled_values_wrap_between_words_and_are_never_a_factset(
    build: Callable[[], dict[str, Any]],
) -> None:
    card = build()
    assert not [n for n in walk(card) if n.get("type") == "FactSet"]
    labels = [
        n["inlines"][0]["text"] for n in walk(card)
        if n.get("type") == "RichTextBlock" and n["inlines"][0].get("weight") == "Bolder"
    ]
    assert labels and all(label.endswith(":") for label in labels), labels


@pytest.mark.parametrize("build", [c[1] for c in CARDS], ids=[c[0] for c in CARDS])
def test_no_button_says_more_than_a_phone_shows(build: Callable[[], dict[str, Any]]) -> None:
    long = [a["title"] for a in actions_of(build()) if len(a["title"]) > PHONE_BUTTON_CHARACTERS]
    assert long == []


@pytest.mark.parametrize("build", [c[1] for c in CARDS], ids=[c[0] for c in CARDS])
def test_the_phone_layouts_are_valid_adaptive_card_1_5(
    build: Callable[[], dict[str, Any]], validate: Callable[[dict[str, Any]], None]
) -> None:
    validate(build())
