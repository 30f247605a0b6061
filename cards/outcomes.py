"""What a decision's messages say, and the cards the recruiter sends them from.

The drafts are plain text from templates (``cards/mail_templates/outcomes/<decision>_<role>.txt.j2``),
rendered once at the decision and stored; the recruiter edits and sends each one
(``services/outcomes.py``). A sent message reaches its person by e-mail (``outcome_message`` mail
templates around the recruiter's text) and, where they have a conversation with us, as a chat
card whose text is TextRuns (what the recruiter typed is never read as markdown).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from cards._base import (
    Card,
    Element,
    action_set,
    attention,
    card,
    container,
    facts,
    heading,
    input_text,
    md,
    submit,
    subtle,
    text,
    verb,
)
from cards.feedback_cards import DECISIONS
from cards.mails import TEMPLATES_DIR, _environment, render_mail
from integrations.mail import MailMessage
from scheduling.interview import DECISION_LABELS, Decision, InterviewView, Role
from scheduling.outcomes import MAX_MESSAGE_LENGTH, OutcomeMessageView
from scheduling.zones import day_label, format_local

__all__ = [
    "SEND_OUTCOME_BUTTON",
    "draft_outcome",
    "hold_follow_up_card",
    "hold_follow_up_text",
    "outcome_chat_card",
    "outcome_drafts_card",
    "outcome_input_id",
    "outcome_mail",
]

SEND_OUTCOME_BUTTON = "Send"
OUTCOME_TEMPLATES = TEMPLATES_DIR / "outcomes"
_ROLE_WORD = {Role.CANDIDATE: "candidate", Role.CLIENT: "client"}


def _org(view: InterviewView) -> str:
    return view.client.organisation or view.client.name


def _subject(view: InterviewView, decision: Decision, role: Role) -> str:
    role_at = f"{view.role_title} at {_org(view)}"
    if role is Role.CLIENT:
        return {
            Decision.OFFER: f"Going ahead with {view.candidate.name} for {view.role_title}",
            Decision.REJECT: f"{view.candidate.name} for {view.role_title}: not going further",
        }.get(decision, f"{view.candidate.name} for {view.role_title}: an update")
    return {
        Decision.OFFER: f"An offer for {role_at}",
        Decision.REJECT: f"Your application for {role_at}",
        Decision.ON_HOLD: f"An update on {role_at}",
        Decision.ANOTHER_ROUND: f"Next round for {role_at}",
    }[decision]


def draft_outcome(
    view: InterviewView, decision: Decision, role: Role, *, follow_up: datetime | None = None
) -> tuple[str, str]:
    """(subject, body) of the message `decision` implies for `role`, from its template; the body
    greets the recipient and signs as the recruiter. `follow_up`: when an "on hold" candidate
    hears back at the latest (a day in their zone)."""
    recipient = view.party(role)
    when = ""
    if follow_up is not None:
        local = follow_up.astimezone(ZoneInfo(recipient.zone))
        when = day_label(local.date())
    body = _environment().get_template(f"outcomes/{decision.value}_{role.value}.txt.j2").render(
        recipient_name=recipient.name,
        candidate_name=view.candidate.name,
        client_name=view.client.name,
        org=_org(view),
        role_title=view.role_title,
        recruiter_name=view.recruiter.name,
        round=view.round,
        next_round=view.round + 1,
        follow_up=when,
    )
    return _subject(view, decision, role)[:300], body.strip()[:MAX_MESSAGE_LENGTH]


def outcome_mail(to: str, subject: str, body: str, recruiter_name: str, *, key: str) -> MailMessage:
    """The e-mail of a sent outcome message: the recruiter's text as they wrote it."""
    paragraphs = [p.splitlines() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    text_part, html_part = render_mail(
        "outcome_message", subject=subject, body=body, paragraphs=paragraphs, recruiter_name=recruiter_name
    )
    return MailMessage(to=(to,), subject=subject, text=text_part, html=html_part, idempotency_key=key)


def _paragraphs(body: str) -> list[Element]:
    """The recruiter's text as TextRuns, one block a paragraph (never markdown)."""
    return [
        {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": p.strip()}]}
        for p in body.replace("\r\n", "\n").split("\n\n")
        if p.strip()
    ]


def outcome_chat_card(subject: str, body: str) -> Card:
    """A sent outcome message in the person's chat."""
    return card([heading(md(subject)), *_paragraphs(body)], fallback=subject)


def outcome_input_id(message_id: str) -> str:
    """The card input holding one draft's text (one per draft: a card submits all its inputs)."""
    return f"text_{message_id}"


def outcome_drafts_card(
    view: InterviewView, messages: Sequence[OutcomeMessageView], *, problem: tuple[str, str] | None = None
) -> Card:
    """For the recruiter after deciding: each message the decision implies, its text editable and
    a Send button under it; a sent one shows what went and when. `problem`: (message id, what was
    wrong) to show under that draft."""
    zone = view.recruiter.zone
    body: list[Element] = [
        heading(f"Messages for {md(view.candidate.name)}, {md(view.role_title)}"),
        subtle("Edit a text if you like, then press Send: nothing is sent before."),
    ]
    for message in messages:
        to = f"To {md(message.to_name)} ({_ROLE_WORD.get(message.role, message.role.value)})"
        label = DECISION_LABELS[message.decision]
        items: list[Element] = [text(f"{to} · {md(label)}", weight="Bolder"),
                                facts([("Subject", message.subject)])]
        if message.sent_at is not None:
            items += [*_paragraphs(message.body),
                      subtle(f"Sent {format_local(message.sent_at, zone)}"
                             + (f" by {md(message.sent_by_name)}" if message.sent_by_name else ""))]
        else:
            items.append(
                input_text(
                    outcome_input_id(message.id), "Message", value=message.body, multiline=True,
                    max_length=MAX_MESSAGE_LENGTH,
                )
            )
            if problem is not None and problem[0] == message.id:
                items.append(attention(problem[1]))
            items.append(
                action_set(
                    [submit(f"{SEND_OUTCOME_BUTTON} to {message.to_name}",
                            verb("send_outcome", view.id, message_id=message.id), style="positive")]
                )
            )
        body.append(container(items, separator=True))
    if not messages:
        body.append(subtle("This decision needs no message to anyone."))
    return card(body, fallback=f"Messages for {view.candidate.name}: review and send.")


def hold_follow_up_text(view: InterviewView, days: int) -> str:
    """The follow-up's headline (markdown)."""
    span = f"{days} day{'s' if days != 1 else ''}"
    return f"{md(view.candidate.name)} has been on hold {span}: decide now."


def hold_follow_up_card(view: InterviewView, days: int) -> Card:
    """For the recruiter, a hold's set time later: the candidate is still on hold; the decisions."""
    headline = hold_follow_up_text(view, days)
    result = card(
        [
            attention("This interview needs you."),
            heading(headline),
            facts([("Candidate", view.candidate.name),
                   ("Client", view.client.name + (f" ({view.client.organisation})"
                                                  if view.client.organisation else "")),
                   ("Role", view.role_title), ("Round", str(view.round))]),
        ],
        [submit(DECISIONS[d], verb("decide", view.id, decision=d))
         for d in ("offer", "another_round", "reject")],
        fallback=f"{view.candidate.name} has been on hold {days} days: decide now.",
    )
    return result

