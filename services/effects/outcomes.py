"""Planners after the decision: a message the recruiter sent (by e-mail to the person, and as a
chat card where they have a conversation with us), and a hold's follow-up for the recruiter
(``services/outcomes.py``).

Each re-reads what it carries out: a message that is not marked sent plans nothing; a follow-up
plans nothing once the interview was decided again (or put on hold anew: that hold has its own).
"""

from __future__ import annotations

from datetime import datetime

from cards.outcomes import hold_follow_up_card, hold_follow_up_text, outcome_chat_card, outcome_mail
from scheduling.interview import Decision, Stage
from services.effects.deliveries import card_activity
from services.effects.note import Note
from storage.models import InterviewOutcome, OutcomeMessage, Party

__all__ = ["hold_follow_up", "send_outcome_message"]


async def send_outcome_message(note: Note) -> None:
    row = await note.session.get(OutcomeMessage, note.data.get("message_id", ""))
    if row is None or row.sent_at is None:
        return  # not sent by the recruiter: nothing leaves
    party = await note.session.get(Party, row.party_id)
    if party is None or party.erased_at is not None:
        return
    await note.out.activity(party, card_activity(outcome_chat_card(row.subject, row.body)))
    if party.email:
        await note.out.mail(
            outcome_mail(party.email, row.subject, row.body, note.view.recruiter.name, key=f"{note.key}|mail")
        )


async def hold_follow_up(note: Note) -> None:
    party, _ = note.recipient()
    view = note.view
    outcome = await note.session.get(InterviewOutcome, view.id)
    held_at = note.data.get("held_at")
    if (
        view.stage is not Stage.DECIDED or outcome is None or outcome.decision != Decision.ON_HOLD.value
        or outcome.decided_at is None or held_at is None or outcome.decided_at.isoformat() != held_at
    ):
        return  # decided again meanwhile: nothing to follow up
    days = max(1, round((note.now - datetime.fromisoformat(held_at)).total_seconds() / 86400))
    await note.out.to_recruiter(
        party, view, card=hold_follow_up_card(view, days), text=hold_follow_up_text(view, days),
        detail="Decide now: offer, another round or reject.",
    )
