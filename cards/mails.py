"""What askARSAN's e-mails say: their wording and templates (``cards/mail_templates``), rendered
from the interview as the recipient sees it (their zone, their counterpart). Sending them is the
mail gateway's job (``integrations/mail.py``); planning who gets which is the effects'
(``services/effects``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import jinja2

from cards.i18n import DEFAULT_LANGUAGE, format_label, language_for, ntr, tr, translations
from cards.i18n import format_local as local_instant
from cards.i18n import format_local_range as local_range
from cards.messages import panel_names
from cards.proposals import proposed_lines
from integrations.mail import Attachment, MailMessage, calendar_attachment
from scheduling.intervals import Interval
from scheduling.interview import FORMAT_LABELS, STAGE_LABELS, Format, InterviewView, PartyView, Role

__all__ = [
    "booking_confirmed_mail",
    "cancelled_mail",
    "feedback_request_mail",
    "ics_summary",
    "invitation_link_mail",
    "recruiter_calendar_mail",
    "recruiter_update_mail",
    "reminder_mail",
    "render_mail",
    "reschedule_notice_mail",
    "rescheduled_mail",
]

TEMPLATES_DIR = Path(__file__).parent / "mail_templates"


@lru_cache(maxsize=8)
def _environment(lang: str = DEFAULT_LANGUAGE) -> jinja2.Environment:
    """The templates with ``lang``'s catalogue installed: their ``{% trans %}`` texts and ``_()``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        # "x.html.j2" is escaped, "x.txt.j2" is not (an included partial follows its own name).
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render_mail(template: str, *, lang: str = DEFAULT_LANGUAGE, **context: Any) -> tuple[str, str]:
    """(text, html) of ``templates/<template>.txt.j2`` and ``<template>.html.j2``, in ``lang``.

    The HTML is autoescaped; a missing context variable is an error rather than an empty string.
    """
    env = _environment(lang)
    text = env.get_template(f"{template}.txt.j2").render(lang=lang, **context)
    html = env.get_template(f"{template}.html.j2").render(lang=lang, **context)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n", html


@dataclass(frozen=True)
class _Where:
    label: str
    text: str
    url: str | None = None


def _where(view: InterviewView, lang: str = DEFAULT_LANGUAGE) -> _Where:
    match view.format:
        case Format.TEAMS:
            if view.join_url:
                return _Where(tr(lang, "Join"), view.join_url, view.join_url)
            return _Where(tr(lang, "Join"), tr(lang, "the Teams link will follow"))
        case Format.ON_SITE:
            return _Where(tr(lang, "Where"), view.location or tr(lang, "the address will follow"))
        case Format.PHONE:
            return _Where(tr(lang, "Phone"), view.location or tr(lang, "we will call you"))
    return _Where("Format", FORMAT_LABELS[view.format])  # pragma: no cover


def _org(client: PartyView) -> str:
    return client.organisation or client.name


def _counterpart(view: InterviewView, role: Role) -> str:
    """Who the recipient meets, in their terms."""
    lang = language_for(view, role)
    client = (tr(lang, "{name} at {organisation}", name=view.client.name,
                 organisation=view.client.organisation)
              if view.client.organisation else view.client.name)
    if view.panel:
        match role:
            case Role.CANDIDATE:
                return panel_names(view, lang=lang)
            case Role.CLIENT:
                others = panel_names(view, besides=view.client.id)
                return f"{view.candidate.name} (candidate)" + (f", with {others}" if others else "")
        return f"{view.candidate.name} and {panel_names(view)}"
    match role:
        case Role.CANDIDATE:
            return client
        case Role.CLIENT:
            return f"{view.candidate.name} (candidate)"
    return f"{view.candidate.name} and {client}"


def _changed_by(view: InterviewView, by: Role, recipient: Role) -> dict[str, Any]:
    """Context for "who moved / cancelled it": the person, and whether it is the one you meet."""
    return {
        "by": _who(view, by, recipient),
        "by_counterpart": {by, recipient} == {Role.CLIENT, Role.CANDIDATE},
    }


def _who(view: InterviewView, by: Role, recipient: Role) -> str:
    if by == recipient:
        return "you"
    match by:
        case Role.RECRUITER:
            return view.recruiter.name
        case Role.CLIENT:
            return view.client.name + (f" ({view.client.organisation})" if view.client.organisation else "")
    return tr(language_for(view, recipient), "{name} (the candidate)", name=view.candidate.name)


def _context(view: InterviewView, role: Role, **extra: Any) -> dict[str, Any]:
    recipient = view.party(role)
    lang = language_for(view, role)
    return {
        "lang": lang,
        "recipient": recipient,
        "role": role.value,
        "recruiter_name": view.recruiter.name,
        "role_title": view.role_title,
        "org": _org(view.client),
        "candidate_name": view.candidate.name,
        "counterpart": _counterpart(view, role),
        "format_label": format_label(view.format, lang),
        "where": _where(view, lang),
        "when": local_range(view.booked, recipient.zone, lang) if view.booked else None,
        "zone": recipient.zone,
        **extra,
    }


def _message(
    template: str, to: str, subject: str, key: str, context: dict[str, Any], *atts: Attachment
) -> MailMessage:
    text, html = render_mail(template, subject=subject, **context)  # context["lang"]: the language
    return MailMessage(
        to=(to,), subject=subject, text=text, html=html, attachments=tuple(atts), idempotency_key=key
    )


def ics_summary(view: InterviewView, role: Role) -> str:
    """The calendar event's SUMMARY as ``role`` reads it (``integrations.ics.summary_of`` in English)."""
    return tr(language_for(view, role), "Interview: {role_title} — {candidate} with {client}",
              role_title=view.role_title, candidate=view.candidate.name, client=_org(view.client))


def _booked(view: InterviewView) -> Interval:
    if view.booked is None:
        raise ValueError(f"Interview {view.id} has no booked time.")
    return view.booked


def _short_when(view: InterviewView, role: Role) -> str:
    return local_instant(_booked(view).start, view.party(role).zone, language_for(view, role))


def invitation_link_mail(
    view: InterviewView,
    role: Role,
    to: str,
    link: str,
    *,
    key: str,
    purpose: Literal["offer_slots", "pick_slot", "feedback"],
    deadline: datetime | None = None,
) -> MailMessage:
    """The personal chat link: to offer slots (client), pick a time (candidate) or give feedback."""
    if purpose == "feedback":
        return feedback_request_mail(view, role, to, link, key=key, deadline=deadline)
    zone, lang = view.party(role).zone, language_for(view, role)
    context = _context(
        view, role, link=link, purpose=purpose,
        deadline=local_instant(deadline, zone, lang) if deadline else None,
        proposed=[], candidate_words=None,
    )
    if purpose == "offer_slots":
        subject = f"Please offer times for an interview: {view.role_title} with {view.candidate.name}"
        context.update(proposed=proposed_lines(view), candidate_words=view.candidate_note)
    else:
        subject = tr(lang, "Pick a time for your interview: {role_title} at {org}",
                     role_title=view.role_title, org=_org(view.client))
    return _message("invitation_link", to, subject, key, context)


def _invitation(ics: bytes | None) -> tuple[Attachment, ...]:
    """The REQUEST attached, or nothing when the calendar invites the attendees itself."""
    return (calendar_attachment(ics, expect="REQUEST"),) if ics is not None else ()


def booking_confirmed_mail(
    view: InterviewView,
    role: Role,
    to: str,
    ics: bytes | None,
    *,
    key: str,
    link: str | None = None,
    subject: str | None = None,
) -> MailMessage:
    """Booked: the time in the recipient's zone, how to join, and the REQUEST invitation attached.

    ``ics=None``: the calendar (Microsoft 365) sends the invitation itself, and the mail says so.
    `subject` replaces the usual "Interview confirmed" (for the invitation sent on its own).
    """
    confirmed = tr(language_for(view, role), "Interview confirmed: {role_title}", role_title=view.role_title)
    subject = f"{subject or confirmed}, {_short_when(view, role)}"
    attachments = _invitation(ics)
    context = _context(view, role, link=link, has_ics=bool(attachments))
    return _message("booking_confirmed", to, subject, key, context, *attachments)


def rescheduled_mail(
    view: InterviewView,
    role: Role,
    to: str,
    ics: bytes | None,
    *,
    key: str,
    by: Role,
    previous: Interval | None = None,
    link: str | None = None,
) -> MailMessage:
    """Moved: the new time (and the old one), with the updated REQUEST (higher SEQUENCE) attached.

    ``ics=None``: the calendar (Microsoft 365) cancelled the old event and sends the invitation for
    the new one itself, and the mail says so.
    """
    zone, lang = view.party(role).zone, language_for(view, role)
    subject = tr(lang, "Interview moved: {role_title}, now {when}", role_title=view.role_title,
                 when=_short_when(view, role))
    attachments = _invitation(ics)
    context = _context(
        view,
        role,
        link=link,
        previous=local_range(previous, zone, lang) if previous else None,
        has_ics=bool(attachments),
        **_changed_by(view, by, role),
    )
    return _message("rescheduled", to, subject, key, context, *attachments)


def recruiter_update_mail(
    view: InterviewView, to: str, *, key: str, headline: str, detail: Sequence[str], link: str
) -> MailMessage:
    """What a recruiter askARSAN cannot reach in Teams would have got as a card: the headline,
    the interview's facts in the recruiter's time zone, the detail, and the tracker link."""
    context = _context(view, Role.RECRUITER, headline=headline, detail=[d for d in detail if d], link=link)
    facts = [
        ("Candidate", view.candidate.name),
        ("Client", view.client.name + (f" ({view.client.organisation})" if view.client.organisation else "")),
        ("Role", view.role_title),
        ("Stage", STAGE_LABELS[view.stage]),
    ]
    if context["when"]:  # the booked time in the recruiter's zone
        facts.append(("When", context["when"]))
    context["facts"] = facts
    subject = f"{headline} · {view.candidate.name}, {view.role_title}"
    return _message("recruiter_update", to, subject, key, context)


def recruiter_calendar_mail(
    view: InterviewView,
    to: str,
    *,
    interview_ics: bytes,
    follow_up_ics: bytes,
    follow_up: Interval,
    cancel: bool,
    key: str,
    link: str,
) -> MailMessage:
    """The recruiter's own calendar without a connected calendar: the interview and the follow-up
    hold after it as two ``.ics`` attachments (one calendar object each: Outlook reads only the
    first of several in one), to add, move (same UIDs, higher SEQUENCE) or withdraw (CANCEL)."""
    method: Literal["REQUEST", "CANCEL"] = "CANCEL" if cancel else "REQUEST"
    zone = view.recruiter.zone
    if cancel:
        headline = "Taken out of your calendar: the interview and its follow-up"
        detail = [
            "The interview no longer takes place at this time: the attached cancellations take it "
            "and your follow-up time after it out of your calendar.",
        ]
    else:
        headline = "For your calendar: the interview and your follow-up"
        detail = [
            f"Follow up: {local_range(follow_up, zone)}, to contact the client and the "
            "candidate for their feedback.",
            "Open the attachments to add both to your calendar; a later change or cancellation "
            "replaces them.",
        ]
    message = recruiter_update_mail(view, to, key=key, headline=headline, detail=detail, link=link)
    attachments = (
        replace(calendar_attachment(interview_ics, expect=method), filename="interview.ics"),
        replace(calendar_attachment(follow_up_ics, expect=method), filename="follow-up.ics"),
    )
    return replace(message, attachments=attachments)


def cancelled_mail(
    view: InterviewView,
    role: Role,
    to: str,
    ics: bytes | None,
    *,
    key: str,
    by: Role,
    reason: str | None,
    calendar_cancels: bool = False,
) -> MailMessage:
    """Cancelled: who cancelled and why; the CANCEL attached when the interview had been booked.

    ``calendar_cancels``: the calendar (Microsoft 365) sends the cancellation itself (``ics`` is then
    None), and the mail says so.
    """
    if calendar_cancels and ics is not None:
        raise ValueError("Either the calendar sends the cancellation or the mail attaches it, not both.")
    subject = tr(language_for(view, role), "Interview cancelled: {role_title}", role_title=view.role_title)
    context = _context(view, role, reason=(reason or "").strip() or None, **_changed_by(view, by, role))
    attachments = (calendar_attachment(ics, expect="CANCEL"),) if ics is not None else ()
    context["has_ics"] = bool(attachments)
    context["calendar_cancels"] = calendar_cancels
    return _message("cancelled", to, subject, key, context, *attachments)


def reminder_mail(
    view: InterviewView, role: Role, to: str, link: str, *, key: str, hours_before: int
) -> MailMessage:
    """A reminder before the interview, with the link to reschedule or cancel."""
    if hours_before < 1:
        raise ValueError("hours_before must be at least 1.")
    _booked(view)
    lang = language_for(view, role)
    in_words = ntr(lang, "{n} hour", "{n} hours", hours_before)
    subject = tr(lang, "Reminder: interview in {in_words} — {role_title}, {when}", in_words=in_words,
                 role_title=view.role_title, when=_short_when(view, role))
    context = _context(view, role, link=link, in_words=in_words)
    return _message("reminder", to, subject, key, context)


def feedback_request_mail(
    view: InterviewView, role: Role, to: str, link: str, *, key: str, deadline: datetime | None = None
) -> MailMessage:
    """After the interview: the link to a short feedback form, private to the recruiter."""
    zone, lang = view.party(role).zone, language_for(view, role)
    subject = tr(lang, "How did the interview go? {role_title}", role_title=view.role_title)
    other = view.client.name if role is Role.CANDIDATE else view.candidate.name
    context = _context(
        view,
        role,
        link=link,
        other=other,
        deadline=local_instant(deadline, zone, lang) if deadline else None,
    )
    return _message("feedback_request", to, subject, key, context)


def reschedule_notice_mail(view: InterviewView, role: Role, to: str, ics: bytes | None, *, key: str, by: str,
                 reason: str | None, calendar_cancels: bool = True) -> MailMessage:
    """The old time withdrawn while new times are arranged, with the METHOD:CANCEL attached
    (``ics=None``: the calendar sends that cancellation itself, and the mail says so, unless
    `calendar_cancels` is False: no calendar event was ever made, so there is nothing to remove)."""
    zone, lang = view.party(role).zone, language_for(view, role)
    when = local_range(view.booked, zone, lang) if view.booked else ""
    subject = tr(lang, "Interview being rescheduled: {role_title}", role_title=view.role_title)
    lines = [
        tr(lang, "Hello {name},", name=view.party(role).name),
        "",
        tr(lang, "{by} asked to move the {role_title} interview planned for {when}.",
           by=by, role_title=view.role_title, when=when),
    ]
    if reason:
        lines.append(tr(lang, "Reason given: {reason}", reason=reason))
    if ics is not None:
        withdrawn = tr(lang, "The attached cancellation removes the old time from your calendar.") + " "
    elif calendar_cancels:
        withdrawn = tr(
            lang,
            "The old time is withdrawn from your calendar by a separate cancellation, an e-mail "
            "from Microsoft 365 (the organiser's calendar).",
        ) + " "
    else:
        withdrawn = ""
    lines += [
        "",
        withdrawn + tr(lang, "New times are being arranged and you will get a new invitation as soon as "
                       "one is booked."),
        "",
        tr(lang, "{recruiter} (via askARSAN)", recruiter=view.recruiter.name),
    ]
    text = "\n".join(lines)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    return MailMessage(
        to=(to,), subject=subject, text=text, html=f"<html><body>{body}</body></html>",
        attachments=(calendar_attachment(ics, expect="CANCEL"),) if ics is not None else (),
        idempotency_key=key,
    )
