"""What people read says it properly: a quoted reason ends its sentence once (no “….”. after words
that already end one), counts are "1 slot" and "3 slots", not "3 slot(s)"."""

from __future__ import annotations

import pytest

from cards.messages import change_lead, counted, offer_slots_lead, recruiter_detail
from tests.helpers.cards import make_view

REASONS = [
    ("I'm travelling that day; the next morning works for me.",
     "“I'm travelling that day; the next morning works for me.”"),
    ("Is Friday possible?", "“Is Friday possible?”"),
    ("Travelling", "“Travelling”."),
    ("  Travelling  ", "“Travelling”."),
]
IDS = ["ends-with-a-full-stop", "ends-with-a-question", "no-stop", "spaces-around"]


@pytest.mark.parametrize(("reason", "shown"), REASONS, ids=IDS)
def test_a_quoted_reason_ends_its_sentence_once(reason: str, shown: str) -> None:
    view = make_view()
    lines = [
        change_lead(view, {"note": "rescheduled", "by": "candidate", "reason": reason}),
        recruiter_detail(view, {"note": "cancelled", "by": "client", "reason": reason}),
        recruiter_detail(view, {"note": "rescheduled", "by": "candidate", "reason": reason}),
        offer_slots_lead(make_view(candidate_note=reason), {"note": "other_times"}),
    ]
    for line in lines:
        assert line is not None and shown in line, line
        assert f"{shown}." not in line, line  # no second full stop after the closing mark


@pytest.mark.parametrize(
    ("n", "said"), [(0, "0 slots"), (1, "1 slot"), (3, "3 slots")], ids=["none", "one", "three"]
)
def test_counts_are_said_in_words(n: int, said: str) -> None:
    assert counted(n, "slot") == said
    assert counted(n, "free time") == said.replace("slot", "free time")
