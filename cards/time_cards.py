"""Answers to a typed time (``dialogs.typed_times``): what is open of what a candidate asked for,
else the nearest open times; a client's typed windows as slots to offer at one click.

Every Book button carries the same data as the buttons of the cards the times come from: a live
open time of a booking page books with ``book_time`` and its day's ``start_YYYYMMDD`` field (what
the live times card submits), a slot the client offered by hand with ``pick_slot`` and its
``slot_id`` (what the pick card submits), so booking goes through the one use case each. The
client's confirmation carries the offer card's rows (``slot_<i>_date``, ``slot_<i>_time``,
``zone``), so the offer goes through ``offer_slots`` and its rules as a filled-in card would.

Times are shown in the reader's zone, written out as on the other cards (day, times, zone); one
Book button per time, titled like the pick card's, not a button titled with the time (a button's
title is one line, cut on a phone: see ``cards.interview_cards.slot_choice``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cards._base import Card, Element, action_set, bullets, card, heading, md, submit, subtle, text, verb
from cards.i18n import N_, language_for, tr
from cards.i18n import format_local_range as local_range
from cards.interview_cards import BOOK_BUTTON, live_time_input
from cards.messages import counted
from scheduling.intervals import Interval
from scheduling.interview import InterviewView, Role
from scheduling.zones import format_local_range
from scheduling.zones import zone as zone_info

__all__ = [
    "ASK_FOR_TYPED_BUTTON",
    "OFFER_TYPED_BUTTON",
    "is_open_line",
    "nearest_times_card",
    "not_open_line",
    "not_readable_line",
    "not_ready_line",
    "offer_these_line",
    "open_time_card",
    "type_again_line",
    "typed_slots_card",
]

OFFER_TYPED_BUTTON = "Offer these times"
ASK_FOR_TYPED_BUTTON = N_("Ask for the time I typed")


def _shown_in(view: InterviewView, lang: str) -> Element:
    return subtle(tr(lang, "Times are shown in your time zone, **{zone}**.", zone=md(view.candidate.zone)))


def not_readable_line(view: InterviewView, role: Role) -> str:
    """Typed times in a language the recognizer does not resolve: said in the person's language."""
    return tr(language_for(view, role),
              "I can read typed times in English, Spanish and French; please use the buttons.")


def not_ready_line(view: InterviewView, role: Role) -> str:
    return tr(language_for(view, role), "I'm still getting ready to read typed times: give me a few "
              "seconds and try again, or use the buttons.")


def type_again_line(view: InterviewView, role: Role, said: str) -> str:
    """What the parser could not use (`said`, already markdown), and what to do."""
    lang = language_for(view, role)
    if role is Role.CANDIDATE:
        return tr(lang, "{said} Please type another time, or use the buttons.", said=said)
    return tr(lang, "{said} Please type another time, or fill in the card.", said=said)


def is_open_line(view: InterviewView, time: Interval) -> str:
    """"**Tue 8 Dec 2026, 14:30–15:30 IST (Asia/Kolkata)** is open — book it?" for the candidate,
    in their language."""
    lang = language_for(view, Role.CANDIDATE)
    return tr(lang, "**{time}** is open — book it?", time=local_range(time, view.candidate.zone, lang))


def not_open_line(view: InterviewView, asked: Sequence[Interval], *, nearest: bool) -> str:
    """The asked time is not open, and what follows (the nearest times, or nothing at all)."""
    zone, lang = view.candidate.zone, language_for(view, Role.CANDIDATE)
    time = local_range(asked[0], zone, lang)
    if len(asked) == 1 and nearest:
        return tr(lang, "**{time}** is not open. These are the nearest open times:", time=time)
    if len(asked) == 1:
        return tr(lang, "**{time}** is not open, and there are no other open times right now.", time=time)
    if nearest:
        return tr(lang, "None of the times you asked for is open. These are the nearest open times:")
    return tr(lang, "None of the times you asked for is open, and there are no other open times right now.")


def offer_these_line(view: InterviewView, slots: Sequence[Interval], *, more: bool) -> str:
    times = counted(len(slots), "time")
    first = f" (the first {len(slots)} of what you typed)" if more else ""
    return f"Offer these {times}{first} to {md(view.candidate.name)}?"


def _book_data(
    view: InterviewView, time: Interval, slot_ids: Mapping[Interval, str] | None
) -> dict[str, str]:
    """What the card the time comes from submits for it (see the module's docstring)."""
    if slot_ids is not None:
        return verb("pick_slot", view.id, slot_id=slot_ids[time])
    day = time.start.astimezone(zone_info(view.candidate.zone)).date()
    return verb("book_time", view.id, **{live_time_input(day): time.start.isoformat()})


def _time_with_button(
    view: InterviewView, time: Interval, slot_ids: Mapping[Interval, str] | None, *, first: bool
) -> list[Element]:
    lang = language_for(view, Role.CANDIDATE)
    return [
        text(local_range(time, view.candidate.zone, lang), weight="Bolder",
             separator=not first, spacing="Medium"),
        action_set([submit(tr(lang, BOOK_BUTTON), _book_data(view, time, slot_ids), style="positive")]),
    ]


def open_time_card(
    view: InterviewView, times: Sequence[Interval], *, slot_ids: Mapping[Interval, str] | None = None
) -> Card:
    """The first of ``times`` (open, inside what the candidate typed) to book at one click, and
    the others after it. ``slot_ids``: the times are the client's offered slots (their ids)."""
    if not times:
        raise ValueError("An open time card needs a time.")
    first, *others = times
    lang = language_for(view, Role.CANDIDATE)
    body: list[Element] = [heading(tr(lang, "This time is open"))]
    body += _time_with_button(view, first, slot_ids, first=True)
    if others:
        body.append(text(tr(lang, "Also open in what you asked for:"), separator=True, spacing="Medium"))
        for time in others:
            body += _time_with_button(view, time, slot_ids, first=False)
    body.append(_shown_in(view, lang))
    fallback = tr(lang, "{time} is open: book it in the chat page.",
                  time=local_range(first, view.candidate.zone, lang))
    return card(body, fallback=fallback)


def nearest_times_card(
    view: InterviewView,
    asked: Sequence[Interval],
    nearest: Sequence[Interval],
    *,
    slot_ids: Mapping[Interval, str] | None = None,
    typed: str | None = None,
) -> Card:
    """The asked time is not open: the nearest open times, each with its Book button; with the
    words `typed`, a button that sends them to the client as the times that suit the candidate
    (the "None of these work" use case, which reads them as windows for the client to book)."""
    if not nearest:
        raise ValueError("A nearest times card needs a time.")
    lang = language_for(view, Role.CANDIDATE)
    body: list[Element] = [heading(tr(lang, "The nearest open times"))]
    for i, time in enumerate(nearest):
        body += _time_with_button(view, time, slot_ids, first=i == 0)
    body.append(_shown_in(view, lang))
    actions = []
    if typed and typed.strip():
        body.append(text(tr(lang, "None of these? I can ask {client} for the time you typed instead.",
                            client=md(view.client.name))))
        ask = verb("propose_times", view.id, windows=typed.strip()[:1000])
        actions.append(submit(tr(lang, ASK_FOR_TYPED_BUTTON), ask))
    return card(body, actions,
                fallback=tr(lang, "The time you asked for is not open: see the nearest in the chat page."))


def typed_slots_card(view: InterviewView, slots: Sequence[Interval], *, more: bool = False) -> Card:
    """For a client who typed when they can: the slots of the interview's length in what they
    typed, in their zone, to offer at one click (through the offer card's own rows)."""
    if not slots:
        raise ValueError("A typed slots card needs a slot.")
    zone = view.client.zone
    local = [slot.start.astimezone(zone_info(zone)) for slot in slots]
    rows: dict[str, str] = {"zone": zone}
    for i, start in enumerate(local, 1):
        rows[f"slot_{i}_date"] = start.date().isoformat()
        rows[f"slot_{i}_time"] = f"{start:%H:%M}"
    body: list[Element] = [
        heading(f"Offer these {counted(len(slots), 'time')}?"),
        bullets(format_local_range(slot, zone) for slot in slots),
        subtle(f"Shown in your time zone, {md(zone)}. Each is as long as the interview; your booking "
               "rules are checked when you offer them. Not right? Type other times, or use the form."),
    ]
    if more:
        body.insert(1, text(f"What you typed holds more; these are the first {len(slots)}."))
    return card(
        body,
        [submit(OFFER_TYPED_BUTTON, verb("offer_slots", view.id, **rows), style="positive")],
        fallback=f"Offer these {counted(len(slots), 'time')}? Open the chat page to confirm.",
    )
