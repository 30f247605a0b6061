"""Shape checks of card input: strings from Adaptive Card inputs into typed requests.

Only shape: what the business allows is decided by the service functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from cards.availability_cards import WINDOWS
from scheduling.errors import DomainError
from scheduling.interview import Format
from scheduling.pages import DAY_KEYS, BookingPage, PageRules
from scheduling.rules import SlotRequest
from scheduling.zones import zone
from services import InterviewRequest, InvalidRequest, PanelMember, PartyInput, TimesFrom
from services.identity import aad_object_id, aad_object_id_problem
from services.team import parse_emails

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
    co_recruiters = _co_recruiters(values, recruiter, problems)
    panel = parse_panel_lines(_text(values, "panel", 2000), problems)
    # The client picked with Teams' people picker (cards.request): their Entra object id.
    client_aad = _text(values, "client_aad_object_id", 64) or None
    aad_problem = aad_object_id_problem(client_aad, "the client picked in Teams")
    if aad_problem:
        problems["client_aad_object_id"] = aad_problem
    if problems:
        raise InvalidRequest(problems)
    return InterviewRequest(
        recruiter=recruiter,
        client=PartyInput(
            name=_text(values, "client_name", 200),
            email=_text(values, "client_email", 320) or None,
            zone=_text(values, "client_zone", 64) or "UTC",
            organisation=_text(values, "client_organisation", 200) or None,
            aad_object_id=aad_object_id(client_aad),
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
        co_recruiters=co_recruiters,
        panel=panel,
    )


_PANEL_LINE_HELP = 'write one interviewer per line as "name, e-mail, time zone", adding ", optional" ' \
    'for one the time need not suit, e.g. "Sam Lee, sam@contoso.com, America/New_York"'


def parse_panel_lines(text: str, problems: dict[str, str]) -> tuple[PanelMember, ...]:
    """The form's panel, one interviewer per line: ``name, e-mail, zone[, optional]``. Only the
    shape is read here; the request's own checks (how many, an address twice) are the service's."""
    members: list[PanelMember] = []
    wrong: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [part.strip() for part in line.split(",")]
        if not any(parts):
            continue
        required = True
        if len(parts) == 4 and parts[3].lower() in ("optional", "required"):
            required = parts[3].lower() == "required"
            parts = parts[:3]
        if len(parts) != 3 or not all(parts):
            wrong.append(f"line {number} has not the shape name, e-mail, time zone")
            continue
        name, email, zone_name = parts
        if email.count("@") != 1 or any(c.isspace() for c in email):
            wrong.append(f"line {number}: {email[:80]} is not an e-mail address")
            continue
        try:
            zone(zone_name)
        except DomainError as error:
            wrong.append(f"line {number}: {error.message}")
            continue
        members.append(PanelMember(PartyInput(name=name, email=email.lower(), zone=zone_name), required))
    if wrong:
        problems["panel"] = "; ".join(wrong[:3]) + f": {_PANEL_LINE_HELP}"
    return tuple(members)


def _co_recruiters(
    values: Mapping[str, object], recruiter: PartyInput, problems: dict[str, str]
) -> tuple[PartyInput, ...]:
    """The form's comma-separated co-recruiters' addresses, each named by its address for now
    (``Services.team.co_recruiters`` puts in the names our records have)."""
    try:
        emails = parse_emails(_text(values, "co_recruiters", 2000))
    except InvalidRequest as error:
        problems.update(error.problems)
        return ()
    return tuple(PartyInput(e, e, recruiter.zone) for e in emails)


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


# --- a client's availability (cards.availability_cards) ------------------------------------------

_HH_MM = re.compile(r"^(\d\d):(\d\d)(?::\d\d)?$")
_WHOLE = re.compile(r"^\d{1,6}(?:\.0*)?$")
_NUMBER = re.compile(r"^\d{1,6}(?:\.\d{1,4})?$")
_DOMAIN_WINDOW = re.compile(r"^weekly\.(\w+)\[(\d+)\]")
_DOMAIN_FIELDS = {
    "zone": "zone",
    "rules.buffer_before_minutes": "buffer_minutes",
    "rules.buffer_after_minutes": "buffer_minutes",
    "rules.min_notice_minutes": "notice_hours",
    "rules.horizon_days": "horizon_days",
    "rules.max_per_day": "max_per_day",
}


def availability_version(values: Mapping[str, object]) -> int | None:
    """The page version the card was drawn from (0: there was none); None when the submit has no
    readable one (not a card of ours)."""
    version = _text(values, "version", 12)
    return int(version) if version.isdigit() else None


def _clock_minute(text: str) -> int | None:
    match = _HH_MM.match(text)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        return None
    return int(match[1]) * 60 + int(match[2])


def _hh_mm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _windows(values: Mapping[str, object], problems: dict[str, str]) -> list[dict[str, str]]:
    windows: list[dict[str, str]] = []
    for i in range(1, WINDOWS + 1):
        start_text, end_text = _text(values, f"window_{i}_start", 16), _text(values, f"window_{i}_end", 16)
        if not start_text and not end_text:
            if i == 1:
                problems["window_1"] = "give the hours you can interview in, e.g. from 09:00 to 17:00"
            continue
        if not start_text or not end_text:
            missing = "a start" if not start_text else "an end"
            problems[f"window_{i}"] = f"window {i} needs {missing} too, or leave both empty"
            continue
        start, end = _clock_minute(start_text), _clock_minute(end_text)
        if start is None or end is None:
            problems[f"window_{i}"] = "use times such as 09:00 and 17:30"
            continue
        # A time input cannot say 24:00: an end of 00:00 is midnight at the end of the day.
        end = end or 24 * 60
        if end <= start:
            problems[f"window_{i}"] = (
                f"it ends at {_hh_mm(end)}, which is not after its start at {_hh_mm(start)}: "
                "pick a later end (00:00 for midnight)"
            )
            continue
        windows.append({"start": _hh_mm(start), "end": _hh_mm(end)})
    return windows


def _whole(values: Mapping[str, object], key: str, what: str, problems: dict[str, str]) -> int | None:
    text = _text(values, key, 32)
    if not text:
        return None
    if not _WHOLE.match(text):
        problems[key] = f"“{text}” is not a whole number of {what}"
        return None
    return int(float(text))


def parse_availability(values: Mapping[str, object], *, keep: BookingPage | None) -> dict[str, Any]:
    """The availability card's inputs as a booking page's plain-dict form (for
    ``Services.availability.set_page``, which validates it).

    Checked here, with the problems keyed by the card's input ids (see
    ``cards.availability_cards.AVAILABILITY_FIELDS``): the shape, how the form's two times of a
    window read (an end of 00:00 is midnight, so an end before the start is the form's own
    mistake), and the ranges the domain words for the JSON form (minutes of notice, a null cap).
    The rest the domain refuses by field path, and :func:`availability_problems` puts each next
    to its input. What the form does
    not show (dates set apart, the step between start times) is taken from ``keep``, the page
    the card was drawn from, so saving the form never drops them."""
    problems: dict[str, str] = {}
    days = [d.strip() for d in _text(values, "days", 100).split(",") if d.strip()]
    if not days:
        problems["days"] = "choose at least one weekday you can interview on"
    elif any(d not in DAY_KEYS for d in days):
        problems["days"] = "choose weekdays from Monday to Sunday"
    windows = _windows(values, problems)

    durations: list[int] = []
    for part in _text(values, "durations", 100).split(","):
        if part.strip():
            if not part.strip().isdigit() or len(part.strip()) > 4:
                problems["durations"] = "choose the lengths from the list"
                break
            durations.append(int(part))
    if not durations and "durations" not in problems:
        problems["durations"] = "choose at least one interview length"

    buffer = _whole(values, "buffer_minutes", "minutes", problems)
    notice_text = _text(values, "notice_hours", 32)
    notice_minutes = 0
    if notice_text:
        if not _NUMBER.match(notice_text):
            problems["notice_hours"] = f"“{notice_text}” is not a number of hours"
        elif float(notice_text) > 90 * 24:
            problems["notice_hours"] = "must be from 0 to 2160 hours (90 days)"
        else:
            notice_minutes = round(float(notice_text) * 60)
    horizon = _whole(values, "horizon_days", "days", problems)
    if horizon is None and "horizon_days" not in problems:
        problems["horizon_days"] = "give how many days ahead candidates can book, e.g. 60"
    cap = _whole(values, "max_per_day", "interviews", problems)
    if cap is not None and not 1 <= cap <= 48:
        problems["max_per_day"] = "must be from 1 to 48, or empty for no limit"
    if problems:
        raise InvalidRequest(problems)

    rules = keep.rules if keep is not None else PageRules()
    return {
        "zone": _text(values, "zone", 64),
        "weekly": {day: list(windows) for day in days},
        "overrides": keep.to_dict()["overrides"] if keep is not None else {},
        "rules": {
            "durations_minutes": durations,
            "buffer_before_minutes": buffer or 0,
            "buffer_after_minutes": buffer or 0,
            "min_notice_minutes": notice_minutes,
            "horizon_days": horizon,
            "max_per_day": cap,
            "step_minutes": rules.step_minutes,
        },
    }


def availability_problems(problems: Mapping[str, str]) -> dict[str, str]:
    """What the domain refused (by field path: ``weekly.mon[1]``, ``rules.horizon_days``) put on
    the card's inputs; the same window of several days is named once, under its window."""
    found: dict[str, str] = {}
    for path, reason in problems.items():
        window = _DOMAIN_WINDOW.match(path)
        if window is not None:
            key = f"window_{int(window[2]) + 1}" if int(window[2]) < WINDOWS else "page"
        elif path == "weekly" or path.startswith("weekly."):
            key = "days"
        elif path.startswith("rules.durations_minutes"):
            key = "durations"
        elif path in _DOMAIN_FIELDS:
            key = _DOMAIN_FIELDS[path]
        else:
            key, reason = "page", f"{path}: {reason}"
        found.setdefault(key, reason)
    return found
