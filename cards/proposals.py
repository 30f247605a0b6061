"""The windows a candidate proposed ("none of these work: Mon–Wed after 14:00"), as the client
reads them: each in the client's own zone with the candidate's alongside, and a button per window
that books its first time the client can take (``scheduling.proposals``).

Pure: from the interview's view and the windows with their times, to card elements and lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from cards._base import (
    Card,
    Element,
    action_set,
    attention,
    bullets,
    card,
    input_text,
    md,
    plain,
    submit,
    subtle,
    text,
    verb,
)
from cards.i18n import DEFAULT_LANGUAGE
from cards.i18n import format_local_range as local_range
from scheduling.intervals import Interval
from scheduling.interview import InterviewView
from scheduling.proposals import ProposedWindow
from scheduling.zones import day_label, format_local_range, format_local_times
from scheduling.zones import zone as zone_info

__all__ = [
    "ACCEPT_VERB",
    "RESEND_BUTTON",
    "accept_button_title",
    "correct_times_card",
    "in_both_zones",
    "proposal_read_lines",
    "proposed_lines",
    "proposed_windows_body",
]

ACCEPT_VERB = "accept_window"
RESEND_BUTTON = "Send the corrected times"


def _short_day(interval: Interval, zone: str) -> str:
    """"Mon 30 Nov": the local day of the start, without the year."""
    return day_label(interval.start.astimezone(zone_info(zone)).date()).rsplit(" ", 1)[0]


def in_both_zones(
    window: Interval, reader_zone: str, candidate_zone: str, *, whose: str = "the candidate"
) -> str:
    """"Mon 30 Nov 2026, 08:30–14:30 GMT (Europe/London) your time (14:00–20:00 IST for the
    candidate)"; one zone when both read the same clock. The candidate's side names their day
    when it is not the reader's."""
    mine = format_local_range(window, reader_zone)
    if zone_info(reader_zone).key == zone_info(candidate_zone).key:
        return mine
    theirs = format_local_times(window, candidate_zone)
    tz_reader, tz_candidate = zone_info(reader_zone), zone_info(candidate_zone)
    if window.start.astimezone(tz_reader).date() != window.start.astimezone(tz_candidate).date():
        theirs = f"{_short_day(window, candidate_zone)}, {theirs}"
    return f"{mine} your time ({theirs} for {whose})"


def accept_button_title(slot: Interval, zone: str, window: Interval | None = None) -> str:
    """A single short line (a phone cuts a long button title at about 20 characters): "Book
    09:00–10:00" under the window's line when the time is on the day that line names, else
    "Book Mon 30 Nov, 09:00–10:00"."""
    local = format_local_times(slot, zone).rsplit(" ", 1)[0]
    tz = zone_info(zone)
    if window is not None and window.start.astimezone(tz).date() == slot.start.astimezone(tz).date():
        return f"Book {local}"
    return f"Book {_short_day(slot, zone)}, {local}"


def proposed_lines(view: InterviewView) -> list[str]:
    """The candidate's windows for the client, one plain line each (e-mail)."""
    return [in_both_zones(w, view.client.zone, view.candidate.zone, whose=view.candidate.name)
            for w in view.candidate_windows]


def proposed_windows_body(
    view: InterviewView, proposed: Sequence[ProposedWindow], note: str | None
) -> list[Element]:
    """The client's card part: the candidate's windows in both zones, a button per window that
    books its first time that fits (when the proposal is still open), and their own words."""
    zone = view.client.zone
    name = md(view.candidate.name)
    body: list[Element] = [
        text(f"{name} could not make the earlier times and proposed:", weight="Bolder"),
    ]
    by_window = {p.window: p.slots for p in proposed}
    if view.candidate_windows:
        body.append(subtle(f"In your time zone, {md(zone)}, with {name}'s alongside."))
        buttons = view.candidate_proposal is not None and bool(proposed)
        for window in view.candidate_windows:
            # Our own words around the name: only the name is escaped (md would escape "(" too).
            body.append(bullets([in_both_zones(window, zone, view.candidate.zone, whose=name)]))
            if not buttons:
                continue
            slots = by_window.get(window, ())
            if slots:
                body.append(action_set([
                    submit(accept_button_title(slot, zone, window),
                           verb(ACCEPT_VERB, view.id, proposal=view.candidate_proposal or "",
                                start=slot.start.isoformat()),
                           associatedInputs="none")
                    for slot in slots
                ]))
            else:
                body.append(subtle("No time in this window fits your working hours, notice and "
                                   "bookings: offer another below."))
        if buttons:
            body.append(subtle(f"A button books that time at once: {name} already said it suits them."))
    if note:
        body.append(plain(f"“{note}”", italic=True))
    return body


def proposal_read_lines(windows: Sequence[Interval], zone: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The windows a candidate's words were read as, in their own zone and language, as chat bullets."""
    return "\n".join(f"- {local_range(w, zone, lang)}" for w in windows)


def correct_times_card(view: InterviewView, words: str, problems: Sequence[str]) -> Card:
    """For the candidate whose words could not all be read: what was wrong, their words to
    correct, and the button that sends them again (replacing what the client has)."""
    body: list[Element] = [
        attention("Some of your times could not be used:"),
        *(plain(problem, color="Attention") for problem in problems),
        text(f"Correct them here and press **{RESEND_BUTTON}**: {md(view.client.name)} then sees "
             "the corrected times instead."),
        input_text("windows", "Times that work for you", value=words, multiline=True, required=True,
                   max_length=1000, error="Please say when you could do the interview."),
    ]
    return card(body, [submit(RESEND_BUTTON, verb("propose_times", view.id))],
                fallback="Some of your times could not be used: please open this in the chat.")
