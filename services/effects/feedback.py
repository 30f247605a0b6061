"""Planners after the interview: the feedback prompts and reminders, the recruiter's notes (each
answer, what is overdue, the summary, a no-show), and the two timed lifecycle effects (the
interview ended, the feedback window closed) (``docs/architecture.md``, "After the interview").

Each re-reads the interview and plans nothing once that side has answered or the interview moved
on, so a retried or late job is harmless.
"""

from __future__ import annotations

from datetime import datetime

from cards import feedback_prompt_card, feedback_summary_card, md, no_show_card, recruiter_update_card
from cards.feedback_cards import NEXT_STEP_LABELS
from cards.mails import feedback_request_mail
from cards.messages import (
    feedback_overdue_note,
    feedback_prompt_lead,
    feedback_received_note,
    no_show_note,
)
from scheduling.interview import EffectKind, Role, Stage
from services.context import ServiceContext
from services.effects.deliveries import Gone, card_activity
from services.effects.note import Note
from services.feedback import (
    close_feedback_window,
    feedback_by_party,
    feedback_pair,
    mark_interview_ended,
    missing_feedback,
)
from storage.jobs import ClaimedJob

__all__ = [
    "feedback_overdue",
    "feedback_received",
    "interview_ended",
    "no_show_reported",
    "request_feedback",
    "send_feedback_summary",
    "window_closed",
]


async def request_feedback(note: Note) -> None:
    party, role = note.recipient()
    view = note.view
    if view.stage is not Stage.AWAITING_FEEDBACK or role not in (Role.CLIENT, Role.CANDIDATE):
        return
    if party.id in await feedback_by_party(note.session, view.id):
        return  # answered already: no prompt, no reminder
    reminder = note.job.kind == EffectKind.REMIND_FEEDBACK.value
    lead = feedback_prompt_lead(view, role, reminder=reminder)
    card = feedback_prompt_card(view, role)
    if not await note.out.activity(party, card_activity(card, lead)) and party.email:
        closes = note.data.get("closes")
        await note.out.mail(
            feedback_request_mail(
                view, role, party.email, await note.link(), key=f"{note.key}|mail",
                deadline=datetime.fromisoformat(closes) if closes else None,
            )
        )


async def feedback_overdue(note: Note) -> None:
    party, _ = note.recipient()
    view = note.view
    if view.stage is not Stage.AWAITING_FEEDBACK:
        return
    missing = await missing_feedback(note.session, view.id)
    if not missing:
        return
    closes = note.data.get("closes")
    detail = feedback_overdue_note(view, missing, datetime.fromisoformat(closes) if closes else None)
    card = recruiter_update_card(view, "escalation", detail)
    await note.out.to_recruiter(party, view, card=card, text=detail)


async def feedback_received(note: Note) -> None:
    party, _ = note.recipient()
    await note.out.to_recruiter(party, note.view, text=feedback_received_note(note.view, note.data))


async def send_feedback_summary(note: Note) -> None:
    party, _ = note.recipient()
    view = note.view
    if view.stage is not Stage.FEEDBACK_COMPLETE:
        return  # decided already (or the interview changed): the summary is moot
    pair = await feedback_pair(note.session, view.id)
    suggestion = pair.suggestion()
    card = feedback_summary_card(view, pair.client, pair.candidate, suggestion, panel=pair.panel)
    sides = [(a.name, a.feedback) for a in pair.panel] or [(view.client.name, pair.client)]
    ratings = "; ".join(
        f"{md(who)}: {answer.rating}/5" if answer is not None else f"{md(who)}: no feedback"
        for who, answer in (*sides, (view.candidate.name, pair.candidate))
    )
    await note.out.to_recruiter(
        party, view, card=card,
        text=f"Feedback summary: {md(view.candidate.name)}, {md(view.role_title)}.",
        detail=f"Ratings: {ratings}. Suggested next step: {NEXT_STEP_LABELS[suggestion.step]}. "
        f"{suggestion.reason} Record your decision in Teams.",
    )


async def no_show_reported(note: Note) -> None:
    party, _ = note.recipient()
    view = note.view
    if view.stage is not Stage.NO_SHOW:
        return
    absent, by = Role(note.data.get("absent", "candidate")), Role(note.data.get("by", "recruiter"))
    detail = no_show_note(view, absent, by)
    await note.out.to_recruiter(party, view, card=no_show_card(view, detail), text=detail)


async def interview_ended(ctx: ServiceContext, job: ClaimedJob) -> int:
    """The booked time is over: ask for feedback. Re-reads the interview: nothing happens if it
    was moved, cancelled or marked already."""
    if job.interview_id is None:
        raise Gone("an effect without an interview")
    slot_start = (job.payload.get("data") or {}).get("slot_start")
    changed = await mark_interview_ended(ctx.sessions, job.interview_id, slot_start, ctx.now(), ctx.config)
    return int(changed)


async def window_closed(ctx: ServiceContext, job: ClaimedJob) -> int:
    """The feedback window closed: the summary goes out with whatever is in."""
    if job.interview_id is None:
        raise Gone("an effect without an interview")
    return int(await close_feedback_window(ctx.sessions, job.interview_id, ctx.now(), ctx.config))
