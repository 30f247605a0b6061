"""Cards for changes to an interview (``docs/architecture.md``, "Changes"): the reschedule form,
the notice that an interview is being moved, and the recruiter's alert when someone does not
answer."""

from __future__ import annotations

from collections.abc import Callable

from cards._base import (
    Card,
    Element,
    attention,
    card,
    facts,
    heading,
    input_text,
    md,
    plain,
    show_card,
    sub_card,
    submit,
    subtle,
    text,
    verb,
)
from cards.i18n import format_local_range as local_range
from cards.i18n import language_for, tr
from cards.interview_cards import RESCHEDULE_BUTTON, cancel_button, cancel_form_body, slot_choice
from scheduling.intervals import Interval
from scheduling.interview import InterviewView, Role


def _who(view: InterviewView, by: Role, viewer: Role, show: Callable[[str], str] = str,
         lang: str = "en") -> str:
    """Who ``by`` is to ``viewer``; ``show`` is ``md`` when the name goes into markdown."""
    if by is viewer:
        return tr(lang, "you")
    if by is Role.RECRUITER:
        return tr(lang, "the recruiter, {name}", name=show(view.recruiter.name))
    if by is Role.CLIENT:
        org = f" ({show(view.client.organisation)})" if view.client.organisation else ""
        return f"{show(view.client.name)}{org}"
    return show(view.candidate.name)


def reschedule_form_card(view: InterviewView, role: Role, *, message: str | None = None) -> Card:
    """Asks why (and, for the candidate, which times would suit) before the interview is moved."""
    lang = language_for(view, role)
    body: list[Element] = [heading(tr(lang, "Reschedule the interview"))]
    if message:
        body.append(attention(message))
    if view.booked is not None:
        when = local_range(view.booked, view.party(role).zone, lang)
        body.append(text(tr(lang, "Your **{role_title}** interview is booked for {when}.",
                            role_title=md(view.role_title), when=when)))
    hint = (
        tr(lang, "e.g. I'm travelling that week; Thursday or Friday afternoons work")
        if role is Role.CANDIDATE
        else "e.g. a clash with a board meeting; next week is better"
    )
    body.append(input_text("reason", tr(lang, "Why, and which times would suit you?"), required=True,
                           multiline=True, max_length=500, placeholder=hint,
                           error=tr(lang, "Please say why, so that the new times fit.")))
    body.append(subtle(tr(lang, "The current time is released and new times are arranged; "
                          "everyone is told.")))
    return card(body, [submit(tr(lang, RESCHEDULE_BUTTON), verb("reschedule", view.id, confirm="yes"))],
                fallback=tr(lang, "Reschedule the interview"))


def cancel_form_card(view: InterviewView, role: Role) -> Card:
    """The confirmation's Cancel, on its own: what someone who typed "cancel" is asked to confirm
    (the same question, reason and button, so one submit and one use case cancel)."""
    lang = language_for(view, role)
    body: list[Element] = [heading(tr(lang, "Cancel the interview"))]
    if view.booked is not None:
        when = local_range(view.booked, view.party(role).zone, lang)
        body.append(text(tr(lang, "Your **{role_title}** interview is booked for {when}.",
                            role_title=md(view.role_title), when=when)))
    else:
        body.append(text(tr(lang, "Your **{role_title}** interview is being arranged.",
                            role_title=md(view.role_title))))
    body += cancel_form_body(lang)
    return card(body, [cancel_button(view, lang)], fallback=tr(lang, "Cancel the interview"))


def reschedule_notice_card(
    view: InterviewView, role: Role, *, by: Role, reason: str | None, previous: Interval | None
) -> Card:
    """Tells ``role`` that ``by`` is moving the interview and that new times are being arranged."""
    lang = language_for(view, role)
    who = _who(view, by, role, md, lang)
    body: list[Element] = [heading(tr(lang, "Interview being rescheduled"))]
    if previous is not None:
        when = local_range(previous, view.party(role).zone, lang)
        body.append(text(tr(lang, "The **{role_title}** interview on {when} is being moved by {who}.",
                            role_title=md(view.role_title), when=when, who=who)))
    else:
        body.append(text(tr(lang, "The **{role_title}** interview is being moved by {who}.",
                            role_title=md(view.role_title), who=who)))
    if reason:
        body.append(text(tr(lang, "Reason given:"), weight="Bolder"))
        body.append(plain(reason, italic=True))
    if role is Role.CLIENT:
        body.append(subtle("That time is free again in your calendar. Please offer new times on the "
                           "next card."))
    elif role is Role.CANDIDATE:
        body.append(subtle(tr(lang, "{client} is asked for new times; I'll send them to you to pick.",
                              client=md(view.client.name))))
    return card(body, fallback=tr(lang, "Your interview is being rescheduled."))


def escalation_card(view: InterviewView, waiting: Role, detail: str) -> Card:
    """The recruiter's alert: someone did not answer after every reminder. One click to nudge them
    again (the reminder schedule restarts) or to cancel the interview."""
    body: list[Element] = [
        attention("This interview needs you."),
        heading("No answer in time"),
        facts([
            ("Candidate", view.candidate.name),
            ("Client", view.client.name),
            ("Role", view.role_title),
            ("Waiting for", _who(view, waiting, Role.RECRUITER)),
        ]),
        plain(detail),
    ]
    if waiting is Role.CANDIDATE and view.slots:
        # "Pick for them": the recruiter books one of the offered times on the candidate's behalf.
        body += slot_choice(
            view, view.slots[:8], view.recruiter.zone,
            label="Or pick one of the offered times for them:", button="Book this time for them",
        )
    actions = [
        submit("Nudge again", verb("nudge", view.id)),
        show_card(
            "Cancel the interview",
            sub_card(
                [input_text("reason", "Reason (optional)", multiline=True, max_length=500)],
                [submit("Cancel the interview", verb("cancel", view.id), style="destructive")],
            ),
        ),
    ]
    return card(body, actions, fallback="An interview needs you: no answer in time.")


__all__ = ["cancel_form_card", "escalation_card", "reschedule_form_card", "reschedule_notice_card"]
