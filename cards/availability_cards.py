"""A client's availability in the conversation: their booking page as it is, its next open times,
and a form to set it (``set_availability``, parsed by ``dialogs.forms.parse_availability``).

The form is the page's everyday part: the weekdays, one or two windows that apply to each of
them, the interview lengths, one buffer (kept free before and after each interview), the
minimum notice in hours, the horizon in days, a daily cap and the zone. What the form does not
show (dates set apart, the step between start times) is kept from the current page when it is
saved, never dropped. The submit carries the version the card was drawn from, so a change made
elsewhere meanwhile is refused instead of overwritten unseen.

Times of the form are wall times in the chosen zone; an end of 00:00 is midnight at the end of
the day (a time input cannot say 24:00). The open times are shown in the reader's own zone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards._base import (
    Card,
    Element,
    attention,
    bullets,
    card,
    container,
    heading,
    input_choice,
    input_text,
    input_time,
    md,
    plain,
    submit,
    subtle,
    text,
    verb,
    zone_picker,
)
from scheduling.intervals import Interval
from scheduling.pages import DAY_KEYS, BookingPage, PageRules, Window
from scheduling.zones import format_local_range

__all__ = [
    "AVAILABILITY_FIELDS",
    "AVAILABILITY_SAVED",
    "AVAILABILITY_STALE",
    "DURATION_CHOICES",
    "SAVE_AVAILABILITY_BUTTON",
    "WINDOWS",
    "availability_card",
    "availability_lead",
    "availability_problems_text",
    "page_values",
]

SAVE_AVAILABILITY_BUTTON = "Save my availability"
AVAILABILITY_SAVED = (
    "Saved: from now on candidates book from these hours; interviews already requested keep the "
    "hours they were requested under."
)
AVAILABILITY_STALE = (
    "Your booking page was changed elsewhere after this card was shown, so nothing was saved "
    "(it would have overwritten that change unseen). The card shows the page as it is now, with "
    f"your form as you typed it: press **{SAVE_AVAILABILITY_BUTTON}** again to replace the page "
    "with it, or change it first."
)
WINDOWS = 2
DURATION_CHOICES = (15, 30, 45, 60, 90, 120)
DAY_TITLES = dict(zip(DAY_KEYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                 "Sunday"), strict=True))

# The form's inputs and what each is called where a problem names it. "window_<i>" names a
# window as a whole (its two times), "page" a problem of no one field.
AVAILABILITY_FIELDS: Mapping[str, str] = {
    "days": "Weekdays",
    **{
        key: label
        for i in range(1, WINDOWS + 1)
        for key, label in (
            (f"window_{i}", f"Window {i}"),
            (f"window_{i}_start", f"Window {i}: from"),
            (f"window_{i}_end", f"Window {i}: to"),
        )
    },
    "typed_hours": "Or type your hours",
    "durations": "Interview lengths",
    "buffer_minutes": "Buffer (minutes)",
    "notice_hours": "Minimum notice (hours)",
    "horizon_days": "Horizon (days)",
    "max_per_day": "Most interviews a day",
    "zone": "Time zone of these hours",
    "page": "Booking page",
}
_NUMBERS: Mapping[str, tuple[int, int]] = {
    "buffer_minutes": (0, 240),
    "notice_hours": (0, 90 * 24),
    "horizon_days": (1, 365),
    "max_per_day": (1, 48),
}


def _hours(minutes: int) -> str:
    return f"{minutes // 60}" if minutes % 60 == 0 else f"{minutes / 60:g}"


def _clock(minute: int) -> str:
    # 24:00 is written 00:00: that is how a time input says midnight at the end of the day.
    return f"{minute // 60 % 24:02d}:{minute % 60:02d}"


def page_values(page: BookingPage | None, zone: str) -> dict[str, str]:
    """The form's inputs as ``page`` fills them (the defaults when there is none, in ``zone``)."""
    if page is None:
        rules = PageRules()
        days = list(DAY_KEYS[:5])
        windows: tuple[Window, ...] = ()
        values = {"window_1_start": "09:00", "window_1_end": "17:00"}
        zone_name = zone
    else:
        rules = page.rules
        days = [key for i, key in enumerate(DAY_KEYS) if page.weekly.on(i)]
        windows = next((page.weekly.on(i) for i in range(7) if page.weekly.on(i)), ())
        values = {}
        zone_name = page.zone
    for i, window in enumerate(windows[:WINDOWS], start=1):
        values[f"window_{i}_start"] = _clock(window.start_minute)
        values[f"window_{i}_end"] = _clock(window.end_minute)
    values.update(
        days=",".join(days),
        durations=",".join(str(m) for m in rules.durations_minutes),
        buffer_minutes=str(max(rules.buffer_before_minutes, rules.buffer_after_minutes)),
        notice_hours=_hours(rules.min_notice_minutes),
        horizon_days=str(rules.horizon_days),
        max_per_day="" if rules.max_per_day is None else str(rules.max_per_day),
        zone=zone_name,
    )
    return values


def _uniform(page: BookingPage) -> bool:
    """True when the form can show the page's weekly hours as they are."""
    worked = {page.weekly.on(i) for i in range(7) if page.weekly.on(i)}
    return len(worked) <= 1 and all(len(w) <= WINDOWS for w in worked) and (
        page.rules.buffer_before_minutes == page.rules.buffer_after_minutes
    )


def availability_lead(page: BookingPage | None) -> str:
    """The chat line that comes with the card when the client asks for it."""
    if page is None:
        return ("You have no booking page yet. Set the hours candidates can book with you on this "
                f"card and press **{SAVE_AVAILABILITY_BUTTON}**.")
    return ("Here is your booking page and its next open times. Change it on the card and press "
            f"**{SAVE_AVAILABILITY_BUTTON}**.")


def availability_problems_text(errors: Mapping[str, str]) -> str:
    """What was wrong, in a line for the chat (the card shows each next to its field)."""
    listed = "; ".join(
        f"{AVAILABILITY_FIELDS.get(key, md(key))}: {md(message)}" for key, message in errors.items()
    )
    return f"Nothing was saved. Please fix {'this' if len(errors) == 1 else 'these'} on the card: {listed}."


def _problem(errors: Mapping[str, str], *keys: str) -> list[Element]:
    # A TextRun: a reason may quote what was typed, which must not read as markdown.
    return [plain(errors[k], color="Attention") for k in keys if k in errors]


def _number(
    input_id: str, label: str, value: str, *, placeholder: str | None = None, required: bool = False
) -> Element:
    low, high = _NUMBERS[input_id]
    element: Element = {"type": "Input.Number", "id": input_id, "label": label}
    try:
        number = float(value)
    except ValueError:
        number = None  # kept out of the input (a number input holds numbers); the reason names it
    if number is not None and number == number and abs(number) != float("inf"):
        element["value"] = int(number) if number.is_integer() else number
    if placeholder:
        element["placeholder"] = placeholder
    if required:
        # Only a required number gets its range: Web Chat reads an empty number input as NaN,
        # which fails any min or max, so an optional one with a range could never be left empty
        # (the server checks the ranges of all of them and says why).
        element.update(isRequired=True, min=low, max=high,
                       errorMessage=f"Please give {label.lower()}: from {low} to {high}.")
    return element


def _multi(input_id: str, label: str, choices: Sequence[tuple[str, str]], value: str, error: str) -> Element:
    element = input_choice(input_id, label, choices, value=value or None, style="expanded", wrap=True,
                           required=True, error=error)
    element["isMultiSelect"] = True
    return element


def _window_row(i: int, values: Mapping[str, str]) -> Element:
    required = i == 1
    return {
        "type": "ColumnSet",
        "columns": [
            {"type": "Column", "width": "stretch", "items": [
                input_time(f"window_{i}_start", AVAILABILITY_FIELDS[f"window_{i}_start"],
                           value=values.get(f"window_{i}_start") or None, required=required,
                           error="Please give the time your hours start."),
            ]},
            {"type": "Column", "width": "stretch", "items": [
                input_time(f"window_{i}_end", "to", value=values.get(f"window_{i}_end") or None,
                           required=required, error="Please give the time your hours end."),
            ]},
        ],
    }


def availability_card(
    page: BookingPage | None,
    version: int | None,
    preview: Sequence[Interval],
    zone: str,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    interview_id: str,
) -> Card:
    """For a client: their booking page (``page``, stored as ``version``; None: none yet), its next
    open times ``preview`` written in ``zone`` (the reader's), and the form to set it.

    ``values`` are the inputs as last sent (kept when the card comes back with ``errors``, which
    map input ids of :data:`AVAILABILITY_FIELDS` to what is wrong, each shown under its field);
    without them the form shows ``page``. The submit is ``set_availability`` with
    ``interview_id`` and the version read (0: no page yet).
    """
    problems = dict(errors or {})
    shown = {k: str(v) for k, v in (values or {}).items() if v is not None} if values is not None else (
        page_values(page, zone)
    )
    body: list[Element] = [heading("Your availability")]
    if page is None:
        body.append(text("You have no booking page yet: candidates can book with you only once you "
                         "set your hours below."))
    else:
        body.append(text(f"Your booking page now (version {version}):", weight="Bolder"))
        body.append(bullets(md(line) for line in page.describe()))
        minutes = min(page.rules.durations_minutes)
        if preview:
            body.append(text(f"Next open times for a {minutes}-minute interview, in your time zone:",
                             weight="Bolder", spacing="Medium"))
            body.append(bullets(format_local_range(t, zone) for t in preview))
        else:
            body.append(subtle(f"No open time for a {minutes}-minute interview within the horizon: "
                               "widen your hours or your horizon below."))
        body.append(subtle("Interviews already booked stay as they are, whatever you change here."))

    form: list[Element] = [text("Set your hours", weight="Bolder", size="Medium")]
    if problems:
        form.append(attention("Nothing was saved: please fix what is marked below."))
        form += _problem(problems, "page", *(k for k in problems if k not in AVAILABILITY_FIELDS))
    if page is not None and not _uniform(page):
        form.append(subtle("This form sets the same hours on every chosen day and one buffer before "
                           "and after each interview; saving it replaces what your page has now."))
    form.append(_multi("days", AVAILABILITY_FIELDS["days"], list(DAY_TITLES.items()), shown.get("days", ""),
                       "Please choose the weekdays you can interview on."))
    form += _problem(problems, "days")
    for i in range(1, WINDOWS + 1):
        if i == 2:
            form.append(subtle("A second window is optional, e.g. after a lunch break."))
        form.append(_window_row(i, shown))
        form += _problem(problems, f"window_{i}", f"window_{i}_start", f"window_{i}_end")
    form.append(subtle("Times are in the time zone below; to work until midnight, end at 00:00."))
    form.append(input_text("typed_hours", AVAILABILITY_FIELDS["typed_hours"],
                           value=shown.get("typed_hours") or None, max_length=200,
                           placeholder="e.g. Mon–Fri 9–12 and 13–17 (replaces the days and hours above)"))
    form += _problem(problems, "typed_hours")
    offered = set(DURATION_CHOICES)
    for part in shown.get("durations", "").split(","):
        if part.strip().isdigit() and 5 <= int(part) <= 480:
            offered.add(int(part))
    form.append(_multi("durations", AVAILABILITY_FIELDS["durations"],
                       [(str(m), f"{m} minutes") for m in sorted(offered)], shown.get("durations", ""),
                       "Please choose at least one interview length."))
    form += _problem(problems, "durations")
    form.append(_number("buffer_minutes", AVAILABILITY_FIELDS["buffer_minutes"],
                        shown.get("buffer_minutes", ""), placeholder="0"))
    form += _problem(problems, "buffer_minutes")
    form.append(subtle("Kept free before and after each interview."))
    form.append(_number("notice_hours", AVAILABILITY_FIELDS["notice_hours"],
                        shown.get("notice_hours", ""), placeholder="e.g. 24"))
    form += _problem(problems, "notice_hours")
    form.append(_number("horizon_days", AVAILABILITY_FIELDS["horizon_days"],
                        shown.get("horizon_days", ""), required=True))
    form += _problem(problems, "horizon_days")
    form.append(subtle("How far ahead candidates can book."))
    form.append(_number("max_per_day", AVAILABILITY_FIELDS["max_per_day"], shown.get("max_per_day", ""),
                        placeholder="No limit"))
    form += _problem(problems, "max_per_day")
    form.append(zone_picker("zone", AVAILABILITY_FIELDS["zone"], value=shown.get("zone") or zone))
    form += _problem(problems, "zone")
    if page is not None and page.overrides:
        form.append(subtle("Your dates set apart (days off and special hours) stay as they are."))
    body.append(container(form, separator=True, spacing="Medium"))
    return card(
        body,
        [submit(SAVE_AVAILABILITY_BUTTON, verb("set_availability", interview_id, version=str(version or 0)),
                style="positive")],
        fallback="Your availability: please open this in Teams or the askARSAN chat page.",
    )
