"""The answers to a typed time (cards/time_cards.py): valid Adaptive Cards 1.5 whose Book buttons
submit exactly what the card of those times submits (a live time's day field and instant, an
offered slot's id), and a client's typed slots as the offer card's own rows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import cards
from cards.time_cards import (
    OFFER_TYPED_BUTTON,
    is_open_line,
    nearest_times_card,
    not_open_line,
    offer_these_line,
    open_time_card,
    typed_slots_card,
)
from dialogs.forms import MAX_SLOT_ROWS, parse_slot_rows
from scheduling.intervals import Interval
from scheduling.interview import PartyView
from scheduling.phrases import parse_times
from scheduling.rules import SlotRequest
from scheduling.typed_times import slots_in_windows
from tests.cards.test_cards import RULES
from tests.helpers.cards import T0, all_text, make_view, submits, walk

H = timedelta(hours=1)
Validate = Callable[[dict[str, Any]], None]


def hour(offset_hours: int) -> Interval:
    return Interval(T0 + offset_hours * H, T0 + (offset_hours + 1) * H)


def live_values(card: dict[str, Any]) -> dict[str, str]:
    """A live times card: each offered instant → the id of the day's choice it is in."""
    return {
        c["value"]: e["id"] for e in walk(card)
        if e.get("type") == "Input.ChoiceSet" for c in e.get("choices", [])
    }


def test_a_live_open_time_books_with_the_live_times_cards_own_data(validate: Validate) -> None:
    view = make_view(slots=(), page_version=1)
    # 19:00 UTC Tuesday is 00:30 Wednesday in Kolkata: the day field is the candidate's day.
    times = [hour(1), hour(10)]
    card = open_time_card(view, times)
    validate(card)
    live = cards.pick_slot_card(view, live=times)
    [live_book] = [d for d in submits(live) if d["action"] == "book_time"]
    for interval, data in zip(times, [d for d in submits(card) if d["action"] == "book_time"], strict=True):
        start = interval.start.isoformat()
        assert data == {**live_book, live_values(live)[start]: start}
    assert list(submits(card)[1])[-1] == "start_20260304"


def test_an_offered_slot_books_with_the_pick_cards_own_data(validate: Validate) -> None:
    view = make_view()  # two slots offered by hand, s-1 and s-2
    slot_ids = {slot.interval: slot.id for slot in view.slots}
    card = nearest_times_card(view, [hour(3)], [s.interval for s in view.slots], slot_ids=slot_ids)
    validate(card)
    assert submits(card) == [
        {"action": "pick_slot", "interview_id": view.id, "slot_id": "s-1"},
        {"action": "pick_slot", "interview_id": view.id, "slot_id": "s-2"},
    ]
    pick = cards.pick_slot_card(view)
    assert {"action": "pick_slot", "interview_id": view.id} in submits(pick)  # + the chosen slot_id


def test_times_are_written_out_in_the_candidates_zone() -> None:
    view = make_view(slots=(), page_version=1)
    assert is_open_line(view, hour(0)) == "**Tue 3 Mar 2026, 14:30–15:30 IST (Asia/Kolkata)** is open — book it?"
    text = all_text(open_time_card(view, [hour(0), hour(1)]))
    assert "Tue 3 Mar 2026, 15:30–16:30 IST (Asia/Kolkata)" in text and "Also open" in text
    assert not_open_line(view, [hour(0)], nearest=True) == (
        "**Tue 3 Mar 2026, 14:30–15:30 IST (Asia/Kolkata)** is not open. These are the nearest open times:"
    )
    assert not_open_line(view, [hour(0), hour(5)], nearest=False).startswith(
        "None of the times you asked for is open, and there are no other open times"
    )


def test_a_clients_typed_slots_are_the_offer_cards_rows_in_their_zone(validate: Validate) -> None:
    view = make_view(slots=(), client=PartyView("c-1", "Priya Shah", "America/New_York"))
    slots = [hour(5), hour(6)]  # 14:00 and 15:00 UTC: 09:00 and 10:00 in New York
    card = typed_slots_card(view, slots)
    validate(card)
    [offer] = submits(card)
    assert offer["action"] == "offer_slots" and offer["interview_id"] == view.id
    assert parse_slot_rows(offer, view.client.zone) == [
        SlotRequest(T0.date(), time(9), "America/New_York"),
        SlotRequest(T0.date(), time(10), "America/New_York"),
    ]
    assert OFFER_TYPED_BUTTON in all_text(card) and "09:00–10:00 EST (America/New_York)" in all_text(card)
    assert offer_these_line(view, slots, more=False) == "Offer these 2 times to Tom Okafor?"


def test_as_many_typed_slots_as_the_offer_card_has_rows_fit_in_a_teams_message(validate: Validate) -> None:
    view = make_view(slots=())
    slots = [hour(i) for i in range(MAX_SLOT_ROWS)]
    card = typed_slots_card(view, slots, more=True)
    validate(card)
    assert len(json.dumps(card).encode()) < cards.TEAMS_MAX_CARD_BYTES
    assert len(parse_slot_rows(submits(card)[0], view.client.zone)) == MAX_SLOT_ROWS
    assert "these are the first 20" in all_text(card)


def test_the_offer_card_tells_the_client_they_can_type_times_and_its_example_reads_as_slots() -> None:
    view = make_view()
    shown = all_text(cards.offer_slots_card(view, RULES))
    [example] = re.findall(r"Or just type them in the chat, e\.g\. “([^”]+)”", shown)
    read = parse_times(example, zone=view.client.zone, now=datetime(2026, 12, 2, 9, tzinfo=UTC), locale="en-GB",
                       duration=view.duration)
    slots, _ = slots_in_windows(read.windows, view.duration, limit=MAX_SLOT_ROWS)
    assert read.problems == [] and len(slots) == 4  # Mon and Tue, 10–11 and 11–12
