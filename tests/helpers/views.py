"""Interviews (as the `InterviewView` the mails and calendar entries are made from) to put in
invitations, calendar entries and mails."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduling.intervals import Interval
from scheduling.interview import Format, InterviewView, PartyView, Stage

NOW = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
# 10:00-11:00 in London on Tue 20 Oct 2026 (BST, UTC+1).
BOOKED = Interval(datetime(2026, 10, 20, 9, 0, tzinfo=UTC), datetime(2026, 10, 20, 10, 0, tzinfo=UTC))
JOIN_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"

RECRUITER = PartyView("rec-1", "Rita Recruiter", "Europe/London")
CLIENT = PartyView("cli-1", "Carl Client", "America/New_York", "Acme Corp")
CANDIDATE = PartyView("can-1", "Kim Candidate", "Asia/Kolkata")


def make_view(**overrides: Any) -> InterviewView:
    view = InterviewView(
        id="iv-42",
        role_title="Backend Engineer",
        format=Format.TEAMS,
        stage=Stage.SCHEDULED,
        duration=timedelta(hours=1),
        recruiter=RECRUITER,
        client=CLIENT,
        candidate=CANDIDATE,
        join_url=JOIN_URL,
        booked=BOOKED,
    )
    return replace(view, **overrides)
