"""The candidate's proposed windows as the client reads them: each in the client's zone with the
candidate's alongside, a button per window that books its first fitting time, their own words; the
candidate's form to correct words that could not all be used; the client's e-mail."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cards import offer_slots_card
from cards.mails import invitation_link_mail
from cards.proposals import accept_button_title, correct_times_card, in_both_zones
from scheduling.intervals import Interval
from scheduling.interview import PartyView, Role, Stage
from scheduling.proposals import ProposedWindow
from scheduling.rules import BookingRules
from tests.helpers.cards import actions_of, all_text, inputs_of, make_view, submits

MONDAY = Interval(datetime(2026, 11, 30, 8, 30, tzinfo=UTC), datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
TUESDAY = Interval(datetime(2026, 12, 1, 8, 30, tzinfo=UTC), datetime(2026, 12, 1, 14, 30, tzinfo=UTC))
NINE = Interval(datetime(2026, 11, 30, 9, tzinfo=UTC), datetime(2026, 11, 30, 10, tzinfo=UTC))
RULES = BookingRules("Europe/London")


def proposing(**overrides: Any) -> Any:
    values: dict[str, Any] = {
        "stage": Stage.AWAITING_SLOTS, "slots": (), "candidate_windows": (MONDAY, TUESDAY),
        "candidate_note": "Mon–Tue after 14:00", "candidate_proposal": "p-1",
    }
    values.update(overrides)
    return make_view(**values)


def test_each_window_reads_in_the_clients_zone_with_the_candidates_and_one_click_books_its_first_time(
    validate: Callable[[dict[str, Any]], None],
) -> None:
    card = offer_slots_card(proposing(), RULES, proposed=[ProposedWindow(MONDAY, (NINE,)),
                                                          ProposedWindow(TUESDAY, ())])
    validate(card)
    text = all_text(card)
    assert ("Mon 30 Nov 2026, 08:30–14:30 GMT (Europe/London) your time "
            "(14:00–20:00 IST for Tom Okafor)") in text
    assert "Tue 1 Dec 2026, 08:30–14:30 GMT (Europe/London) your time" in text
    assert "“Mon–Tue after 14:00”" in json.dumps(card, ensure_ascii=False)
    [book] = [a for a in actions_of(card, "Action.Submit") if a["data"]["action"] == "accept_window"]
    assert book["title"] == "Book 09:00–10:00"  # under the line naming Monday
    assert book["data"] == {"action": "accept_window", "interview_id": "iv-123", "proposal": "p-1",
                            "start": "2026-11-30T09:00:00+00:00"}
    assert book["associatedInputs"] == "none"  # the empty slot rows below do not block it
    assert "No time in this window fits your working hours" in text  # Tuesday's


def test_a_proposal_already_used_shows_its_windows_without_buttons() -> None:
    card = offer_slots_card(proposing(candidate_proposal=None), RULES,
                            proposed=[ProposedWindow(MONDAY, (NINE,))])
    assert "Mon 30 Nov 2026, 08:30–14:30 GMT" in all_text(card)
    assert not [d for d in submits(card) if d["action"] == "accept_window"]


def test_the_candidates_day_is_named_when_it_is_not_the_readers() -> None:
    evening = Interval(datetime(2026, 11, 30, 22, tzinfo=UTC), datetime(2026, 11, 30, 23, tzinfo=UTC))
    assert in_both_zones(evening, "America/New_York", "Asia/Kolkata") == (
        "Mon 30 Nov 2026, 17:00–18:00 EST (America/New_York) your time "
        "(Tue 1 Dec, 03:30–04:30 IST for the candidate)"
    )
    assert in_both_zones(evening, "Europe/London", "Europe/London") == (
        "Mon 30 Nov 2026, 22:00–23:00 GMT (Europe/London)"
    )
    assert accept_button_title(evening, "America/New_York") == "Book Mon 30 Nov, 17:00–18:00"
    # Under a window that starts that day, the day is the line's: the button stays short on a phone.
    day = Interval(datetime(2026, 11, 30, 15, tzinfo=UTC), datetime(2026, 12, 1, 2, tzinfo=UTC))
    assert accept_button_title(evening, "America/New_York", day) == "Book 17:00–18:00"
    assert accept_button_title(evening, "Asia/Kolkata", day) == "Book Tue 1 Dec, 03:30–04:30"


def test_the_candidate_corrects_words_that_could_not_all_be_used(
    validate: Callable[[dict[str, Any]], None],
) -> None:
    problems = ['"Friday 20 November at 10" is in the past (Fri 20 Nov 2026, 10:00 IST (Asia/Kolkata)).']
    card = correct_times_card(proposing(), "Friday 20 November at 10", problems)
    validate(card)
    assert problems[0] in all_text(card)
    assert inputs_of(card)["windows"]["value"] == "Friday 20 November at 10"
    assert submits(card) == [{"action": "propose_times", "interview_id": "iv-123"}]


def test_the_clients_mail_lists_the_windows_in_both_zones_and_the_candidates_words() -> None:
    view = proposing(client=PartyView("c-1", "Priya Shah", "Europe/London", "Contoso Ltd"),
                     candidate_note="Mon–Tue after 14:00 <b>")
    mail = invitation_link_mail(view, Role.CLIENT, "priya@contoso.example", "https://x.example/chat?t=1",
                                key="k", purpose="offer_slots")
    line = ("Mon 30 Nov 2026, 08:30–14:30 GMT (Europe/London) your time "
            "(14:00–20:00 IST for Tom Okafor)")
    assert f"- {line}" in mail.text and line in mail.html
    assert "“Mon–Tue after 14:00 <b>”" in mail.text
    assert "&lt;b&gt;" in mail.html and "after 14:00 <b>" not in mail.html


def test_the_clients_first_mail_without_a_proposal_is_unchanged() -> None:
    view = make_view(stage=Stage.AWAITING_SLOTS, slots=(), duration=timedelta(hours=1))
    mail = invitation_link_mail(view, Role.CLIENT, "p@c.example", "https://x.example/chat?t=1",
                                key="k", purpose="offer_slots")
    assert "proposed" not in mail.text and "words" not in mail.text
