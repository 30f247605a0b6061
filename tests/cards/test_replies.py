"""cards.replies in each state: what "when" says to whom (in their own zone), why a reschedule or
cancel does not apply, and which button help and "didn't catch that" name."""

from __future__ import annotations

import pytest

from cards.replies import (
    availability_not_yours,
    cannot_cancel,
    cannot_move,
    help_reply,
    not_understood,
    when_reply,
)
from scheduling.interview import PartyView, Role, Stage
from scheduling.zones import format_local_range
from tests.helpers.cards import booked_view, make_view

C, K = Role.CLIENT, Role.CANDIDATE


@pytest.mark.parametrize(
    ("stage", "role", "expected"),
    [
        (Stage.AWAITING_SLOTS, K, "not booked yet: waiting for Priya Shah's available times"),
        (Stage.AWAITING_SLOTS, C, "not booked yet: Tom Okafor is waiting for your available times"),
        (Stage.AWAITING_PICK, K, "not booked yet: Priya Shah has offered times; please pick one"),
        (Stage.AWAITING_PICK, C, "not booked yet: waiting for Tom Okafor to pick"),
        (Stage.CANCELLED, K, "was cancelled, so no time is booked"),
    ],
)
def test_when_before_a_booking_says_what_is_awaited(stage: Stage, role: Role, expected: str) -> None:
    assert expected in when_reply(make_view(stage=stage), role)


@pytest.mark.parametrize(("role", "zone"), [(K, "Asia/Kolkata"), (C, "Europe/London")])
def test_when_a_booked_interview_is_in_the_readers_zone(role: Role, zone: str) -> None:
    view = booked_view()
    assert view.booked is not None
    assert when_reply(view, role).endswith(f"is booked for {format_local_range(view.booked, zone)}.")
    past = booked_view(stage=Stage.AWAITING_FEEDBACK)
    assert f"was on {format_local_range(view.booked, zone)}" in when_reply(past, role)


@pytest.mark.parametrize(
    ("stage", "role", "button"),
    [
        (Stage.AWAITING_PICK, K, "**Book this time**"),
        (Stage.AWAITING_PICK, K, "**None of these work**"),
        (Stage.AWAITING_SLOTS, C, "**Send these to the candidate**"),
        (Stage.SCHEDULED, K, "**Reschedule** or **Cancel**"),
        (Stage.AWAITING_FEEDBACK, C, "**Send feedback**"),
    ],
)
def test_help_and_didnt_catch_that_name_the_states_button(stage: Stage, role: Role, button: str) -> None:
    booked = stage in (Stage.SCHEDULED, Stage.AWAITING_FEEDBACK)
    view = booked_view(stage=stage) if booked else make_view(stage=stage)
    assert button in help_reply(view, role)
    assert not_understood(view, role).startswith("Sorry, I didn't catch that.")
    assert button in not_understood(view, role)


def test_after_the_interview_reschedule_and_cancel_are_not_offered() -> None:
    view = booked_view(stage=Stage.FEEDBACK_COMPLETE)
    said = not_understood(view, K)
    assert "**when is my interview?**" in said and "**help**" in said
    assert "**reschedule**" not in said and "**cancel**" not in said
    assert "already taken place" in cannot_move(view, K) and "already taken place" in cannot_cancel(view)


def test_a_candidate_choosing_is_pointed_at_none_of_these_work() -> None:
    said = cannot_move(make_view(stage=Stage.AWAITING_PICK), K)
    assert said.startswith("Nothing is booked yet") and "**None of these work**" in said


def test_names_go_into_the_answers_as_markdown() -> None:
    view = make_view(stage=Stage.AWAITING_SLOTS, client=PartyView("c-1", "*Pri_ya*", "Europe/London"))
    assert "\\*Pri\\_ya\\*" in when_reply(view, K)


@pytest.mark.parametrize("stage", [Stage.AWAITING_SLOTS, Stage.SCHEDULED, Stage.FEEDBACK_COMPLETE])
def test_only_the_client_is_told_they_can_type_set_my_availability(stage: Stage) -> None:
    view = booked_view(stage=stage) if stage is not Stage.AWAITING_SLOTS else make_view(stage=stage)
    assert "**set my availability**" in help_reply(view, C) and "**set my availability**" in not_understood(view, C)
    assert "availability" not in help_reply(view, K) + not_understood(view, K)


@pytest.mark.parametrize(
    ("stage", "instead"),
    [(Stage.AWAITING_PICK, "**None of these work**"), (Stage.SCHEDULED, "type **reschedule**"),
     (Stage.AWAITING_SLOTS, None)],
)
def test_a_candidate_asking_for_availability_is_told_whose_it_is_and_what_they_can_do(
    stage: Stage, instead: str | None
) -> None:
    view = booked_view(stage=stage) if stage is Stage.SCHEDULED else make_view(stage=stage)
    said = availability_not_yours(view, K)
    assert said.startswith("Booking hours are set by the interviewer, Priya Shah")
    assert (instead in said) if instead else said.endswith("nothing to set on your side.")
    named = make_view(client=PartyView("c-1", "[Pri](https://evil.example)", "Europe/London"))
    assert "\\[Pri\\]\\(https://evil.example\\)" in availability_not_yours(named, K)
