"""The policy's fields as people write them: the agency's defaults (settings), a client's overrides
(the tracker, the JSON API) and the snapshot an interview runs under (``interviews.policy``).

A duration is written "24h", "90m", "2d" or "1h30m" ("0" is none); a list of them "24h, 1h"
("none": no reminders); a count as a whole number; an empty value is "not set" (the default).
Every value is checked for what the lifecycle can run (`problems`): a reason per field, by the
field's name. What the fields mean is ``scheduling.interview.Policy``'s.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from scheduling.errors import DomainError
from scheduling.interview import Policy

Kind = Literal["durations", "duration", "count"]

# The longest any one timing may be: beyond it a value is far more likely "24d" for "24h" than meant.
LONGEST = timedelta(days=60)
MOST_REMINDERS = 5
MOST_RESCHEDULES = 10


@dataclass(frozen=True)
class PolicyField:
    name: str
    label: str
    kind: Kind
    hint: str


FIELDS: tuple[PolicyField, ...] = (
    PolicyField("reminders_before", "Reminders before the interview", "durations",
                "before its start, e.g. 24h, 1h"),
    PolicyField("reschedule_cutoff", "Rescheduling closes", "duration",
                "before the start; 0: until it starts"),
    PolicyField("max_reschedules", "Reschedules allowed (each side)", "count",
                "0: only the recruiter moves it"),
    PolicyField("pending_reminders", "Reminders while waiting for slots or a pick", "durations",
                "each after the previous, e.g. 24h, 48h; none: no reminder and no alert"),
    PolicyField("pending_escalation", "Recruiter alerted after the last of those", "duration", "e.g. 24h"),
    PolicyField("feedback_delay", "Feedback asked for after the end", "duration", "e.g. 15m"),
    PolicyField("feedback_reminders", "Feedback reminders", "durations",
                "each after the previous, e.g. 24h, 48h; none: no reminder"),
    PolicyField("feedback_escalation", "Recruiter alerted after the last feedback reminder", "duration",
                "e.g. 12h"),
    PolicyField("feedback_window", "Feedback window closes after the last reminder", "duration",
                "e.g. 24h; the summary is compiled then"),
    PolicyField("hold_follow_up", "Recruiter asked again after a hold", "duration", "e.g. 7d"),
    PolicyField("recruiter_follow_up_after", "Recruiter's follow-up hold starts after the end", "duration",
                "e.g. 15m; 0: right after it"),
    PolicyField("recruiter_follow_up_length", "Recruiter's follow-up hold lasts", "duration", "e.g. 30m"),
)
BY_NAME: Mapping[str, PolicyField] = {f.name: f for f in FIELDS}

_PART = re.compile(r"(\d{1,6})\s*(d|h|m)", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(?:\d{1,6}\s*[dhm]\s*)+$", re.IGNORECASE)
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
DURATION_HELP = "write a time like 24h, 90m, 2d or 1h30m"


class InvalidPolicy(DomainError):
    """Policy values that cannot run; `problems` holds a reason per field name."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in problems.items()))
        self.problems = dict(problems)


def parse_duration(text: str) -> timedelta:
    """ "24h", "90m", "2d", "1h30m", "0" as a timedelta; ValueError with the reason otherwise."""
    typed = text.strip()
    if typed == "0":
        return timedelta(0)
    if typed.startswith("-") and _WHOLE.match(typed[1:]):
        raise ValueError(f"'{_short(typed)}' is negative: write how long, e.g. {typed[1:].strip()}")
    if not _WHOLE.match(typed):
        raise ValueError(f"'{_short(typed)}' is not a time: {DURATION_HELP}")
    return sum((int(n) * _UNITS[u.lower()] for n, u in _PART.findall(typed)), timedelta(0))


def format_duration(value: timedelta) -> str:
    """A duration as `parse_duration` reads it back: "24h", "15m", "1h30m", "0"."""
    minutes = int(value.total_seconds() // 60)
    if minutes <= 0:
        return "0"
    hours, rest = divmod(minutes, 60)
    return (f"{hours}h" if hours else "") + (f"{rest}m" if rest else "")


def format_value(name: str, value: Any) -> str:
    """One field's value as the form shows it."""
    kind = BY_NAME[name].kind
    if kind == "count":
        return str(value)
    if kind == "duration":
        return format_duration(value)
    return ", ".join(format_duration(v) for v in value) or "none"


def to_dict(policy: Policy) -> dict[str, Any]:
    """Every field, durations as text ("24h"), counts as numbers: what is stored and shown."""
    return {f.name: _plain(f.name, getattr(policy, f.name)) for f in FIELDS}


def _plain(name: str, value: Any) -> Any:
    return value if BY_NAME[name].kind == "count" else format_value(name, value)


def from_dict(data: Mapping[str, Any], base: Policy | None = None) -> Policy:
    """A stored policy (`to_dict`'s form); fields it lacks are `base`'s (the code's defaults)."""
    return dataclasses.replace(base or Policy(), **parse_values(data))


def parse_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields given in `data` (text, numbers or lists of text), parsed; None or "" leaves a
    field out (not overridden). InvalidPolicy names each field that is unknown or unreadable."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, raw in data.items():
        known = BY_NAME.get(name)
        if known is None:
            problems[name] = "not a policy field; the fields are " + ", ".join(BY_NAME)
            continue
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        try:
            values[name] = _parse(known, raw)
        except ValueError as error:
            problems[name] = str(error)
    if problems:
        raise InvalidPolicy(problems)
    return values


def _parse(known: PolicyField, raw: Any) -> Any:
    if known.kind == "count":
        if isinstance(raw, bool):
            raise ValueError("must be a whole number")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and re.fullmatch(r"\s*-?\d{1,6}\s*", raw):
            return int(raw)
        raise ValueError(f"'{_short(str(raw))}' is not a whole number")
    if known.kind == "duration":
        if not isinstance(raw, str):
            raise ValueError(DURATION_HELP)
        return parse_duration(raw)
    pieces: list[Any]
    if isinstance(raw, str) and raw.strip().lower() == "none":
        return ()
    if isinstance(raw, str):
        pieces = [p for p in re.split(r"[,;]", raw) if p.strip()]
    elif isinstance(raw, list | tuple):
        pieces = list(raw)
    else:
        raise ValueError(f"give a list of times, {DURATION_HELP}")
    if any(not isinstance(p, str) for p in pieces):
        raise ValueError(f"give each time as text, {DURATION_HELP}")
    return tuple(parse_duration(p) for p in pieces)


def problems(policy: Policy) -> dict[str, str]:
    """What in `policy` the lifecycle cannot run, a reason per field name; {} when it all can."""
    found: dict[str, str] = {}
    for f in FIELDS:
        value = getattr(policy, f.name)
        reason = _problem(f, value)
        if reason:
            found[f.name] = reason
    if "feedback_escalation" not in found and "feedback_window" not in found and (
        policy.feedback_escalation > policy.feedback_window
    ):
        found["feedback_escalation"] = (
            f"the recruiter's alert ({format_duration(policy.feedback_escalation)} after the last "
            f"reminder) must come before the window closes ({format_duration(policy.feedback_window)} "
            "after it)"
        )
    return found


def _problem(f: PolicyField, value: Any) -> str | None:
    if f.kind == "count":
        if not 0 <= value <= MOST_RESCHEDULES:
            return f"must be between 0 and {MOST_RESCHEDULES}, not {value}"
        return None
    if f.kind == "duration":
        return _duration_problem(f.name, value)
    if len(value) > MOST_REMINDERS:
        return f"at most {MOST_REMINDERS} reminders, not {len(value)}"
    for gap in value:
        if gap <= timedelta(0):
            return "each reminder must be a positive time (write none for no reminder)"
        if gap > LONGEST:
            return f"{format_duration(gap)} is longer than {LONGEST.days} days: did you mean hours?"
    if f.name == "reminders_before" and len(set(value)) != len(value):
        return "a reminder time is listed twice — keep one"
    return None


def _duration_problem(name: str, value: timedelta) -> str | None:
    # The cutoff and the feedback delay may be 0 (none); the alerts and the window must fall later.
    least_zero = name in ("reschedule_cutoff", "feedback_delay", "feedback_escalation",
                          "recruiter_follow_up_after")
    if value < timedelta(0) or (not least_zero and value <= timedelta(0)):
        return "must be 0 or more" if least_zero else "must be a positive time"
    if value > LONGEST:
        return f"{format_duration(value)} is longer than {LONGEST.days} days: did you mean hours?"
    return None


def checked(default: Policy, overrides: Mapping[str, Any]) -> Policy:
    """`default` with `overrides` (already parsed) in place, refused with reasons when it cannot
    run. Only the overridden fields' reasons are named: the default was checked at start."""
    policy = dataclasses.replace(default, **overrides)
    found = problems(policy)
    if found:
        if "feedback_escalation" in found and "feedback_escalation" not in overrides:
            # Set against the window that was changed: the reason goes next to that field.
            found["feedback_window"] = found.pop("feedback_escalation")
        named = {k: v for k, v in found.items() if k in overrides}
        raise InvalidPolicy(named or found)
    return policy


def _short(typed: str) -> str:
    return typed if len(typed) <= 30 else typed[:29] + "…"


__all__ = [
    "BY_NAME",
    "DURATION_HELP",
    "FIELDS",
    "InvalidPolicy",
    "PolicyField",
    "checked",
    "format_duration",
    "format_value",
    "from_dict",
    "parse_duration",
    "parse_values",
    "problems",
    "to_dict",
]
