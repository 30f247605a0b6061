"""The candidate's card of live open times (a client's booking page): grouped by the candidate's
own days, in their zone, one choice per day, with paging; each time's value is its UTC instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cards
from cards.interview_cards import FIRST_DATES_BUTTON, LATER_DATES_BUTTON
from scheduling.intervals import Interval
from tests.helpers.cards import actions_of, all_text, make_view, submits, walk

H = timedelta(hours=1)


def hour(day: int, h: int, minute: int = 0) -> Interval:
    start = datetime(2026, 11, day, h, minute, tzinfo=UTC)
    return Interval(start, start + H)


def choices(card: dict[str, object]) -> dict[str, list[tuple[str, str]]]:
    return {
        e["id"]: [(c["value"], c["title"]) for c in e["choices"]]
        for e in walk(card) if e.get("type") == "Input.ChoiceSet" and e["id"].startswith("start_")
    }


def test_times_are_grouped_by_the_candidates_own_days_in_their_zone() -> None:
    view = make_view(slots=(), page_version=2)  # the candidate is in Kolkata (UTC+05:30)
    # 17:00 and 18:00 UTC on Monday are 22:30 Monday and 23:30 Monday; 19:00 is 00:30 Tuesday.
    card = cards.pick_slot_card(view, live=[hour(23, 17), hour(23, 18), hour(23, 19)])
    assert choices(card) == {
        "start_20261123": [("2026-11-23T17:00:00+00:00", "22:30–23:30 IST"),
                           ("2026-11-23T18:00:00+00:00", "23:30 IST – Tue 24 Nov 2026, 00:30 IST")],
        "start_20261124": [("2026-11-23T19:00:00+00:00", "00:30–01:30 IST")],
    }
    text = all_text(card)
    assert "Mon 23 Nov 2026" in text and "Tue 24 Nov 2026" in text and "Asia/Kolkata" in text
    assert {"action": "book_time", "interview_id": view.id} in submits(card)


def test_later_dates_continue_after_the_last_time_and_first_dates_go_back() -> None:
    view = make_view(slots=(), page_version=1)
    times = [hour(23, 9), hour(23, 10)]
    first = cards.pick_slot_card(view, live=times, more=True)
    titles = [a["title"] for a in actions_of(first)]
    assert LATER_DATES_BUTTON in titles and FIRST_DATES_BUTTON not in titles
    assert {"action": "more_times", "interview_id": view.id, "after": "2026-11-23T10:00:00+00:00"} in submits(first)
    last = cards.pick_slot_card(view, live=times, more=False, paged=True)
    titles = [a["title"] for a in actions_of(last)]
    assert FIRST_DATES_BUTTON in titles and LATER_DATES_BUTTON not in titles


def test_no_open_times_says_so_and_keeps_the_way_to_propose_others() -> None:
    view = make_view(slots=(), page_version=1)
    card = cards.pick_slot_card(view, live=[])
    assert "no open times left" in all_text(card)
    assert not [e for e in walk(card) if str(e.get("id", "")).startswith("start_")]
    assert {"action": "propose_times", "interview_id": view.id} in submits(card)
