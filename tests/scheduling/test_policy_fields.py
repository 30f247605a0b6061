"""The policy as people write it: durations read and written back the same, a stored policy read
as it was, and every field that cannot run named with its reason."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from scheduling.interview import Policy
from scheduling.policy import (
    InvalidPolicy,
    checked,
    format_duration,
    from_dict,
    parse_duration,
    parse_values,
    problems,
    to_dict,
)


@pytest.mark.parametrize(("typed", "meant", "written"), [
    ("24h", timedelta(hours=24), "24h"), ("90m", timedelta(minutes=90), "1h30m"),
    ("2d", timedelta(days=2), "48h"), ("1h 30m", timedelta(minutes=90), "1h30m"), ("0", timedelta(0), "0"),
    ("15M", timedelta(minutes=15), "15m"),
])
def test_a_duration_is_read_as_written_and_written_back_so_it_reads_the_same(
    typed: str, meant: timedelta, written: str
) -> None:
    assert parse_duration(typed) == meant
    assert format_duration(meant) == written
    assert parse_duration(written) == meant


@pytest.mark.parametrize(("typed", "reason"), [
    ("soon", "'soon' is not a time: write a time like 24h, 90m, 2d or 1h30m"),
    ("24", "'24' is not a time: write a time like 24h, 90m, 2d or 1h30m"),
    ("-3h", "'-3h' is negative: write how long, e.g. 3h"),
])
def test_a_duration_that_cannot_be_read_says_how_to_write_one(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match="^" + reason.replace("(", r"\(").replace(")", r"\)") + "$"):
        parse_duration(typed)


def test_a_stored_policy_reads_back_as_the_policy_it_was() -> None:
    policy = dataclasses.replace(Policy(), reminders_before=(timedelta(hours=3),), pending_reminders=(),
                                 max_reschedules=0)
    stored = to_dict(policy)
    assert stored["pending_reminders"] == "none" and stored["reminders_before"] == "3h"
    assert from_dict(stored) == policy


def test_the_defaults_run_and_what_cannot_run_is_named_field_by_field() -> None:
    assert problems(Policy()) == {}
    bad = dataclasses.replace(
        Policy(), reminders_before=(timedelta(hours=1), timedelta(hours=1)),
        pending_escalation=timedelta(0), max_reschedules=11,
        feedback_reminders=(timedelta(days=61),),
    )
    assert problems(bad) == {
        "reminders_before": "a reminder time is listed twice — keep one",
        "max_reschedules": "must be between 0 and 10, not 11",
        "pending_escalation": "must be a positive time",
        "feedback_reminders": "1464h is longer than 60 days: did you mean hours?",
    }


def test_an_override_is_judged_against_the_default_it_changes_and_named_where_it_was_typed() -> None:
    with pytest.raises(InvalidPolicy) as refused:
        checked(Policy(), parse_values({"feedback_window": "6h"}))
    # The default escalation (12h) is fine on its own: the window that was changed is named.
    assert list(refused.value.problems) == ["feedback_window"]
    assert checked(Policy(), parse_values({"feedback_window": "", "max_reschedules": None})) == Policy()
