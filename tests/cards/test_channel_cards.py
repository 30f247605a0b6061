"""What a team's channel reads: the role, the stage, the time with its zone, ratings and verdicts;
the candidate by initials; never an address; feedback text only when the team shares it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cards.channel_cards import ChannelFeedback, ChannelPost, channel_card, initials
from scheduling.intervals import Interval

STARTS = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ANSWER = ChannelFeedback(
    "client", 4, verdicts={"qualification": "yes", "recommendation": "offer"},
    texts={"impressions": "Strong on data modelling.", "concerns": "Notice period"},
)


def post(**fields: object) -> ChannelPost:
    values: dict[str, object] = {
        "note": "booked", "role_title": "Data Engineer", "organisation": "Client Ltd",
        "candidate_initials": initials("Asha Candidate"), "round": 1, "zone": "Europe/London",
        "booked": Interval(STARTS, STARTS + timedelta(hours=1)),
    }
    values.update(fields)
    return ChannelPost(**values)  # type: ignore[arg-type]


def test_a_booking_post_names_the_role_the_initials_and_the_time_with_its_zone() -> None:
    shown = json.dumps(channel_card(post()))
    assert "Interview booked" in shown and "Data Engineer" in shown and "A. C." in shown
    assert "10:00" in shown and "Europe/London" in shown
    assert "Asha" not in shown and "@" not in shown


def test_feedback_shows_ratings_and_verdicts_and_its_text_only_when_shared() -> None:
    hidden = json.dumps(channel_card(post(note="feedback_received", by="client", feedback=(ANSWER,))))
    assert "4/5" in hidden and "Recommends: offer" in hidden
    assert "Strong on data modelling." not in hidden and "Notice period" not in hidden
    shared = json.dumps(channel_card(post(note="feedback_received", by="client", feedback=(ANSWER,),
                                          share_text=True)))
    assert "Strong on data modelling." in shared and "Notice period" in shared


def test_initials_of_names() -> None:
    assert (initials("Asha Candidate"), initials("jean-luc picard"), initials("")) == ("A. C.", "J. L. P.", "—")


def test_a_panels_answers_name_each_interviewer_by_initials() -> None:
    harry = ChannelFeedback("client", 5, verdicts={"recommendation": "offer"}, who=initials("Harry Manager"))
    sam = ChannelFeedback("client", 2, verdicts={"recommendation": "reject"}, who=initials("Sam Lee"))
    one = json.dumps(channel_card(post(note="feedback_received", by="client", feedback=(sam,))))
    assert "Interviewer S. L." in one and "The client" not in one and "Sam" not in one
    summary = json.dumps(channel_card(post(note="summary", feedback=(harry, sam))))
    assert "**Interviewer H. M.**: 5/5" in summary and "**Interviewer S. L.**: 2/5" in summary
