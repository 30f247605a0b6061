"""The answers to what a client or a candidate types (``scheduling.phrases.intents``): when the
interview is, why it can't be moved or cancelled now, and — for help and for what is not
understood — what can be said and which button to press in the interview's present state.

Pure functions of the interview as its people see it; markdown, names through ``md``. Times are
in the reader's own zone.
"""

from __future__ import annotations

from cards._base import md
from cards.i18n import format_local_range as local_range
from cards.i18n import language_for, tr
from cards.interview_cards import (
    BOOK_BUTTON,
    CANCEL_BUTTON,
    FEEDBACK_BUTTON,
    NONE_WORK_BUTTON,
    OPEN_CANCEL_BUTTON,
    RESCHEDULE_BUTTON,
    SEND_SLOTS_BUTTON,
)
from scheduling.interview import InterviewView, Role, Stage

__all__ = [
    "BEFORE_INTERVIEW",
    "CANCEL_CONFIRM",
    "PAST_INTERVIEW",
    "RECRUITER_AVAILABILITY",
    "RECRUITER_CHANGES",
    "RECRUITER_NOT_UNDERSTOOD",
    "availability_not_yours",
    "cancel_confirm",
    "cannot_cancel",
    "cannot_move",
    "help_reply",
    "not_understood",
    "state_buttons",
    "when_reply",
]

# An interview that can still be moved or cancelled, and one that has taken place.
BEFORE_INTERVIEW = frozenset({Stage.REQUESTED, Stage.AWAITING_SLOTS, Stage.AWAITING_PICK, Stage.SCHEDULED})
PAST_INTERVIEW = frozenset(
    {Stage.COMPLETED, Stage.AWAITING_FEEDBACK, Stage.FEEDBACK_COMPLETE, Stage.DECIDED, Stage.NO_SHOW}
)
# The recruiter in Teams: text that is none of the commands (bot.framework.activity_handler).
RECRUITER_NOT_UNDERSTOOD = (
    "Sorry, I didn't catch that. You can type **schedule**, **pipeline**, **upcoming** or "
    "**help**, or use the buttons on my cards."
)
RECRUITER_CHANGES = (
    "I can't move or cancel an interview from a typed message yet, because you may have several: "
    "when one needs you, my alert card has **Nudge again** and **Cancel the interview**. Type "
    "**upcoming** or **pipeline** to see where each stands."
)
# The recruiter typing "set my availability": booking hours are each client contact's own.
RECRUITER_AVAILABILITY = (
    "Booking hours belong to each client contact: the client types **set my availability** in "
    "their interview chat with me, or your ATS sets them through the JSON API. Recruiters have no "
    "booking page of their own."
)

# A typed "cancel" is confirmed on a card; its button is named so the answer and the card agree.
CANCEL_CONFIRM = f"Please confirm on the card: add a reason if you like and press **{CANCEL_BUTTON}**."


def cancel_confirm(view: InterviewView, role: Role) -> str:
    """``CANCEL_CONFIRM`` in ``role``'s language."""
    lang = language_for(view, role)
    return tr(lang, "Please confirm on the card: add a reason if you like and press **{button}**.",
              button=tr(lang, CANCEL_BUTTON))


def state_buttons(view: InterviewView, role: Role) -> str | None:
    """Which button to press on the card of this state; None when the state has no card to act on."""
    stage = view.stage
    lang = language_for(view, role)
    if role is Role.CANDIDATE and stage is Stage.AWAITING_PICK:
        return tr(lang, "On the card: choose a time and press **{book}**, or **{none}** to suggest others.",
                  book=tr(lang, BOOK_BUTTON), none=tr(lang, NONE_WORK_BUTTON))
    if role is Role.CLIENT and stage in (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK):
        return f"On the card: add the times that suit you and press **{SEND_SLOTS_BUTTON}**."
    if stage is Stage.SCHEDULED and view.booked is not None:
        return tr(lang, "On the confirmation card: **{reschedule}** or **{cancel}**.",
                  reschedule=tr(lang, RESCHEDULE_BUTTON), cancel=tr(lang, OPEN_CANCEL_BUTTON))
    if stage is Stage.AWAITING_FEEDBACK:
        return tr(lang, "On the card: your feedback, then **{button}**.", button=tr(lang, FEEDBACK_BUTTON))
    return None


def _sayable(view: InterviewView, role: Role) -> str:
    lang = language_for(view, role)
    said = [tr(lang, "**when is my interview?**")]
    if view.stage in BEFORE_INTERVIEW:
        said += [tr(lang, "**reschedule** (or *I can't make it*)"), tr(lang, "**cancel**")]
    if role is Role.CLIENT:
        said.append("**set my availability**")
    said.append(tr(lang, "**help**"))
    return tr(lang, "You can type {words} or {last}.", words=", ".join(said[:-1]), last=said[-1])


def _options(view: InterviewView, role: Role) -> str:
    buttons = state_buttons(view, role)
    return _sayable(view, role) + (f" {buttons}" if buttons else "")


def not_understood(view: InterviewView, role: Role) -> str:
    return tr(language_for(view, role), "Sorry, I didn't catch that. {options}", options=_options(view, role))


def help_reply(view: InterviewView, role: Role) -> str:
    lang = language_for(view, role)
    if view.stage in BEFORE_INTERVIEW:
        return tr(lang, "I'm askARSAN, the agency's scheduling assistant: I find a time for your "
                  "**{role_title}** interview. {options}",
                  role_title=md(view.role_title), options=_options(view, role))
    return tr(lang, "I'm askARSAN, the agency's scheduling assistant: I look after your "
              "**{role_title}** interview. {options}",
              role_title=md(view.role_title), options=_options(view, role))


def _waiting(view: InterviewView, role: Role) -> str:
    lang = language_for(view, role)
    client, candidate = md(view.client.name), md(view.candidate.name)
    if view.stage is Stage.AWAITING_PICK:
        if role is Role.CANDIDATE:
            return tr(lang, "{client} has offered times; please pick one on the card", client=client)
        return f"waiting for {candidate} to pick one of the offered times"
    if view.stage is Stage.AWAITING_SLOTS:
        if role is Role.CLIENT:
            return f"{candidate} is waiting for your available times; please offer some on the card"
        return tr(lang, "waiting for {client}'s available times; I'll send them to you to pick",
                  client=client)
    return tr(lang, "the request is being prepared")


def when_reply(view: InterviewView, role: Role) -> str:
    """When the interview is, in ``role``'s zone, or what it is waiting for."""
    lang = language_for(view, role)
    title = md(view.role_title)
    if view.stage is Stage.CANCELLED:
        return tr(lang, "Your **{role_title}** interview was cancelled, so no time is booked.",
                  role_title=title)
    if view.booked is not None:
        when = local_range(view.booked, view.party(role).zone, lang)
        if view.stage in PAST_INTERVIEW:
            return tr(lang, "Your **{role_title}** interview was on {when}.", role_title=title, when=when)
        return tr(lang, "Your **{role_title}** interview is booked for {when}.", role_title=title, when=when)
    if view.stage in PAST_INTERVIEW:
        return tr(lang, "Your **{role_title}** interview has already taken place.", role_title=title)
    return tr(lang, "Your **{role_title}** interview is not booked yet: {waiting}.",
              role_title=title, waiting=_waiting(view, role))


def cannot_move(view: InterviewView, role: Role) -> str:
    """Why "reschedule" does not apply in this state, and what to do instead."""
    lang = language_for(view, role)
    if view.stage is Stage.CANCELLED:
        return tr(lang, "This interview was cancelled, so there is nothing to reschedule.")
    if view.stage in PAST_INTERVIEW:
        return tr(lang, "This interview has already taken place, so it can't be rescheduled any more.")
    if role is Role.CANDIDATE and view.stage is Stage.AWAITING_PICK:
        return tr(lang, "Nothing is booked yet, so there is nothing to move. If none of the offered times "
                  "suit you, press **{button}** on the card and say which would.",
                  button=tr(lang, NONE_WORK_BUTTON))
    return tr(lang, "Nothing is booked yet, so there is nothing to move: {waiting}.",
              waiting=_waiting(view, role))


def cannot_cancel(view: InterviewView, role: Role | None = None) -> str:
    """Why "cancel" does not apply in this state (in ``role``'s language)."""
    lang = language_for(view, role) if role is not None else "en"
    if view.stage is Stage.CANCELLED:
        return tr(lang, "This interview was already cancelled.")
    return tr(lang, "This interview has already taken place, so it can't be cancelled. If someone did not "
              "come, tell your recruiter.")


def availability_not_yours(view: InterviewView, role: Role) -> str:
    """A candidate (or anyone but the client) asking to set availability: what it is and what
    they can do instead."""
    lang = language_for(view, role)
    client = md(view.client.name)
    instead = ""
    if role is Role.CANDIDATE and view.stage is Stage.AWAITING_PICK:
        instead = " " + tr(lang, "If none of the offered times suit you, press **{button}** on the card "
                           "and say which would.", button=tr(lang, NONE_WORK_BUTTON))
    elif role is Role.CANDIDATE and view.stage is Stage.SCHEDULED:
        instead = " " + tr(lang, "If the booked time no longer suits you, type **reschedule**.")
    return tr(lang, "Booking hours are set by the interviewer, {client}, for candidates to book from; "
              "there is nothing to set on your side.{instead}", client=client, instead=instead)
