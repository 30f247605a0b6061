"""The answers to what a client or a candidate types (``scheduling.phrases.intents``): when the
interview is, why it can't be moved or cancelled now, and — for help and for what is not
understood — what can be said and which button to press in the interview's present state.

Pure functions of the interview as its people see it; markdown, names through ``md``. Times are
in the reader's own zone.
"""

from __future__ import annotations

from cards._base import md
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
from scheduling.zones import format_local_range

__all__ = [
    "BEFORE_INTERVIEW",
    "CANCEL_CONFIRM",
    "PAST_INTERVIEW",
    "RECRUITER_AVAILABILITY",
    "RECRUITER_CHANGES",
    "RECRUITER_NOT_UNDERSTOOD",
    "availability_not_yours",
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


def state_buttons(view: InterviewView, role: Role) -> str | None:
    """Which button to press on the card of this state; None when the state has no card to act on."""
    stage = view.stage
    if role is Role.CANDIDATE and stage is Stage.AWAITING_PICK:
        return (f"On the card: choose a time and press **{BOOK_BUTTON}**, or **{NONE_WORK_BUTTON}** "
                "to suggest others.")
    if role is Role.CLIENT and stage in (Stage.AWAITING_SLOTS, Stage.AWAITING_PICK):
        return f"On the card: add the times that suit you and press **{SEND_SLOTS_BUTTON}**."
    if stage is Stage.SCHEDULED and view.booked is not None:
        return f"On the confirmation card: **{RESCHEDULE_BUTTON}** or **{OPEN_CANCEL_BUTTON}**."
    if stage is Stage.AWAITING_FEEDBACK:
        return f"On the card: your feedback, then **{FEEDBACK_BUTTON}**."
    return None


def _sayable(view: InterviewView, role: Role) -> str:
    said = ["**when is my interview?**"]
    if view.stage in BEFORE_INTERVIEW:
        said += ["**reschedule** (or *I can't make it*)", "**cancel**"]
    if role is Role.CLIENT:
        said.append("**set my availability**")
    said.append("**help**")
    return "You can type " + ", ".join(said[:-1]) + " or " + said[-1] + "."


def _options(view: InterviewView, role: Role) -> str:
    buttons = state_buttons(view, role)
    return _sayable(view, role) + (f" {buttons}" if buttons else "")


def not_understood(view: InterviewView, role: Role) -> str:
    return f"Sorry, I didn't catch that. {_options(view, role)}"


def help_reply(view: InterviewView, role: Role) -> str:
    what = "find a time for" if view.stage in BEFORE_INTERVIEW else "look after"
    return (f"I'm askARSAN, the agency's scheduling assistant: I {what} your "
            f"**{md(view.role_title)}** interview. {_options(view, role)}")


def _waiting(view: InterviewView, role: Role) -> str:
    client, candidate = md(view.client.name), md(view.candidate.name)
    if view.stage is Stage.AWAITING_PICK:
        if role is Role.CANDIDATE:
            return f"{client} has offered times; please pick one on the card"
        return f"waiting for {candidate} to pick one of the offered times"
    if view.stage is Stage.AWAITING_SLOTS:
        if role is Role.CLIENT:
            return f"{candidate} is waiting for your available times; please offer some on the card"
        return f"waiting for {client}'s available times; I'll send them to you to pick"
    return "the request is being prepared"


def when_reply(view: InterviewView, role: Role) -> str:
    """When the interview is, in ``role``'s zone, or what it is waiting for."""
    title = md(view.role_title)
    if view.stage is Stage.CANCELLED:
        return f"Your **{title}** interview was cancelled, so no time is booked."
    if view.booked is not None:
        when = format_local_range(view.booked, view.party(role).zone)
        if view.stage in PAST_INTERVIEW:
            return f"Your **{title}** interview was on {when}."
        return f"Your **{title}** interview is booked for {when}."
    if view.stage in PAST_INTERVIEW:
        return f"Your **{title}** interview has already taken place."
    return f"Your **{title}** interview is not booked yet: {_waiting(view, role)}."


def cannot_move(view: InterviewView, role: Role) -> str:
    """Why "reschedule" does not apply in this state, and what to do instead."""
    if view.stage is Stage.CANCELLED:
        return "This interview was cancelled, so there is nothing to reschedule."
    if view.stage in PAST_INTERVIEW:
        return "This interview has already taken place, so it can't be rescheduled any more."
    if role is Role.CANDIDATE and view.stage is Stage.AWAITING_PICK:
        return (f"Nothing is booked yet, so there is nothing to move. If none of the offered times "
                f"suit you, press **{NONE_WORK_BUTTON}** on the card and say which would.")
    return f"Nothing is booked yet, so there is nothing to move: {_waiting(view, role)}."


def cannot_cancel(view: InterviewView) -> str:
    """Why "cancel" does not apply in this state."""
    if view.stage is Stage.CANCELLED:
        return "This interview was already cancelled."
    return ("This interview has already taken place, so it can't be cancelled. If someone did not "
            "come, tell your recruiter.")


def availability_not_yours(view: InterviewView, role: Role) -> str:
    """A candidate (or anyone but the client) asking to set availability: what it is and what
    they can do instead."""
    client = md(view.client.name)
    instead = ""
    if role is Role.CANDIDATE and view.stage is Stage.AWAITING_PICK:
        instead = (f" If none of the offered times suit you, press **{NONE_WORK_BUTTON}** on the card "
                   "and say which would.")
    elif role is Role.CANDIDATE and view.stage is Stage.SCHEDULED:
        instead = " If the booked time no longer suits you, type **reschedule**."
    return (f"Booking hours are set by the interviewer, {client}, for candidates to book from; "
            f"there is nothing to set on your side.{instead}")
