"""Shape checks of card input: strings from Adaptive Card inputs into typed requests.

Only shape: what the business allows is decided by the service functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from scheduling.interview import Format
from scheduling.rules import SlotRequest
from services import InterviewRequest, InvalidRequest, PartyInput, TimesFrom

MAX_SLOT_ROWS = 20
_FORMATS = {f.value: f for f in Format}


def _text(values: Mapping[str, object], key: str, limit: int = 500) -> str:
    value = values.get(key)
    if value is None:
        return ""
    return str(value).strip()[:limit]


def parse_interview_request(values: Mapping[str, object], recruiter: PartyInput) -> InterviewRequest:
    problems: dict[str, str] = {}
    duration_text = _text(values, "duration_minutes") or "60"
    try:
        duration = int(duration_text)
    except ValueError:
        problems["duration_minutes"] = "the duration must be a number of minutes"
        duration = 60
    format_text = _text(values, "format") or Format.TEAMS.value
    interview_format = _FORMATS.get(format_text)
    if interview_format is None:
        problems["format"] = "choose Teams meeting, on site or phone"
        interview_format = Format.TEAMS
    times_text = _text(values, "times_from") or "auto"
    times_from: TimesFrom | None = None
    if times_text != "auto":
        try:
            times_from = TimesFrom(times_text)
        except ValueError:
            problems["times_from"] = "choose where the times come from"
    deadline: datetime | None = None
    deadline_text = _text(values, "deadline")
    if deadline_text:
        try:
            deadline = datetime.combine(date.fromisoformat(deadline_text), time(23, 59), UTC)
        except ValueError:
            problems["deadline"] = "the deadline must be a date like 2026-12-01"
    if problems:
        raise InvalidRequest(problems)
    return InterviewRequest(
        recruiter=recruiter,
        client=PartyInput(
            name=_text(values, "client_name", 200),
            email=_text(values, "client_email", 320) or None,
            zone=_text(values, "client_zone", 64) or "UTC",
            organisation=_text(values, "client_organisation", 200) or None,
        ),
        candidate=PartyInput(
            name=_text(values, "candidate_name", 200),
            email=_text(values, "candidate_email", 320) or None,
            zone=_text(values, "candidate_zone", 64) or "UTC",
        ),
        role_title=_text(values, "role_title", 300),
        duration_minutes=duration,
        format=interview_format,
        location=_text(values, "location") or None,
        deadline=deadline,
        times_from=times_from,
    )


def parse_slot_rows(values: Mapping[str, object], default_zone: str) -> list[SlotRequest]:
    """Rows `slot_<i>_date` + `slot_<i>_time` in the card's `zone`; empty rows are skipped."""
    zone_name = _text(values, "zone", 64) or default_zone
    requests: list[SlotRequest] = []
    problems: dict[str, str] = {}
    for i in range(1, MAX_SLOT_ROWS + 1):
        day_text, time_text = _text(values, f"slot_{i}_date"), _text(values, f"slot_{i}_time")
        if not day_text and not time_text:
            continue
        if not day_text or not time_text:
            problems[f"slot_{i}"] = f"row {i} needs both a date and a start time"
            continue
        try:
            day = date.fromisoformat(day_text)
            start = time.fromisoformat(time_text[:5])
        except ValueError:
            problems[f"slot_{i}"] = f"row {i}: use a date like 2026-12-01 and a time like 14:30"
            continue
        requests.append(SlotRequest(day, start, zone_name))
    if problems:
        raise InvalidRequest(problems)
    if not requests:
        raise InvalidRequest({"slots": "add at least one slot: a date and a start time"})
    return requests
