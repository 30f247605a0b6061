"""The recruiter's booked card carries their controls; the meeting link is asked for, up front,
only when a Teams meeting has none; the reschedule cap's alert offers one more or taking over."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from cards import recruiter_update_card
from scheduling.interview import Format, Stage
from tests.helpers.cards import actions_of, all_text, booked_view, make_view, submits


@pytest.mark.parametrize("join_url", [None, "https://teams.microsoft.com/l/meetup-join/abc"])
def test_the_booked_card_is_a_valid_card_with_every_control(
    join_url: str | None, validate: Callable[[dict[str, Any]], None]
) -> None:
    card = recruiter_update_card(booked_view(join_url=join_url), "booked")
    validate(card)
    verbs = {d["action"] for d in submits(card)}
    assert verbs == {"reschedule", "cancel", "report_no_show", "resend_invitation", "set_meeting_link"}
    asked_up_front = card["body"][-1]["type"] == "ActionSet"
    assert asked_up_front is (join_url is None)
    assert ("No meeting link yet" in all_text(card)) is (join_url is None)


def test_an_on_site_interview_has_the_link_behind_a_button_and_nothing_asks_for_it() -> None:
    card = recruiter_update_card(booked_view(format=Format.ON_SITE, join_url=None, location="HQ"), "booked")
    assert "No meeting link yet" not in all_text(card)
    assert "Set the meeting link" in [a["title"] for a in actions_of(card, "Action.ShowCard")]


def test_other_updates_and_an_unbooked_interview_have_no_controls() -> None:
    assert submits(recruiter_update_card(booked_view(), "slots_offered")) == []
    assert submits(recruiter_update_card(make_view(stage=Stage.AWAITING_PICK), "booked")) == []


def test_the_reschedule_cap_alert_offers_one_more_or_taking_over(validate: Callable[[dict[str, Any]], None]) -> None:
    card = recruiter_update_card(booked_view(), "reschedule_limit", "Asha used every reschedule allowed",
                                 by="client")
    validate(card)
    assert submits(card) == [
        {"action": "allow_reschedule", "interview_id": "iv-123", "by": "client"},
        {"action": "reschedule", "interview_id": "iv-123"},
    ]
    assert "no reschedules left" in all_text(card)
