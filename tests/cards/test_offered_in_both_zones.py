"""The client who offers times by hand is told each time in the candidate's zone too, with a
warning for times outside the candidate's 08:00–20:00."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cards.messages import offer_slots_lead, offered_lines, outside_candidate_day
from scheduling.intervals import Interval
from tests.helpers.cards import make_view


def slot(hour: int, minute: int = 0, hours: int = 1) -> Interval:
    start = datetime(2026, 11, 25, hour, minute, tzinfo=UTC)
    return Interval(start, start + timedelta(hours=hours))


@pytest.mark.parametrize(
    ("utc_hour", "minute", "outside"),
    [
        (2, 30, False),   # 08:00–09:00 in Kolkata: the first hour of the day
        (2, 0, True),     # 07:30 starts too early
        (13, 30, False),  # 19:00–20:00 ends exactly at 20:00
        (14, 0, True),    # 19:30–20:30 ends too late
        (18, 0, True),    # 23:30–00:30 runs into the next day
    ],
)
def test_the_candidates_day_is_0800_to_2000_on_their_clock(utc_hour: int, minute: int, outside: bool) -> None:
    assert outside_candidate_day(slot(utc_hour, minute), "Asia/Kolkata") is outside


def test_each_offered_time_is_shown_in_both_zones_and_late_ones_are_flagged() -> None:
    view = make_view()  # client in London, candidate in Kolkata
    lines = offered_lines(view, [slot(9), slot(16)]).split("\n")
    name = view.candidate.name
    assert lines[0] == f"- Wed 25 Nov 2026, 09:00–10:00 GMT (Europe/London); for {name}: 14:30–15:30 IST"
    assert lines[1].endswith(f"21:30–22:30 IST ⚠ outside 08:00–20:00 for {name}")


def test_the_candidates_own_times_say_whose_clock_they_are_on() -> None:
    lead = offer_slots_lead(make_view(candidate_note="Tue after 14:00"), {"note": "other_times"})
    assert "suggests (in their time zone, Asia/Kolkata): “Tue after 14:00”" in lead
    same = make_view(candidate_note="Tue after 14:00")
    same = replace(same, candidate=replace(same.candidate, zone=same.client.zone))
    assert "time zone" not in offer_slots_lead(same, {"note": "other_times"})
