"""A refused time says what to pick instead: a time in the past, when notice is required too,
names the earliest time the rules allow (not "after now", which the notice rule refuses next)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from scheduling.rules import BookingRules, RefusalReason, SlotRequest, check_offered_slots

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday; London is on GMT
YESTERDAY = SlotRequest(date(2026, 12, 1), time(10), "Europe/London")


@pytest.mark.parametrize(
    ("notice", "says", "never"),
    [
        (timedelta(hours=24),
         "pick a time from Thu 3 Dec 2026, 09:00 GMT (Europe/London) on (at least 24 hours' notice)",
         "pick a time after"),
        (timedelta(hours=1),
         "pick a time from Wed 2 Dec 2026, 10:00 GMT (Europe/London) on (at least 1 hour's notice)",
         "pick a time after"),
        (timedelta(0), "pick a time after Wed 2 Dec 2026, 09:00 GMT", "notice"),
    ],
    ids=["a-day-of-notice", "an-hour-of-notice", "no-notice"],
)
def test_a_time_in_the_past_is_refused_with_the_earliest_time_allowed(
    notice: timedelta, says: str, never: str
) -> None:
    rules = BookingRules(zone="Europe/London", min_notice=notice)
    check = check_offered_slots([YESTERDAY], rules, busy=[], now=NOW)
    [refused] = check.refused
    assert refused.reason is RefusalReason.PAST
    assert "Tue 1 Dec 2026, 10:00 GMT" in refused.message and "in the past" in refused.message
    assert says in refused.message and never not in refused.message
