"""Planners of the changes' notifications: cancellations, reschedule notices, and the reminders and
escalation when a client offers no slots or a candidate does not pick
(``docs/architecture.md``, "Changes").

Calendar entries (RFC 5546): with our own ``.ics`` a cancellation and the old time of a reschedule
carry a METHOD:CANCEL with the SEQUENCE recorded with the change; with a calendar that invites the
attendees itself (Exchange), the mail says the cancellation comes from there instead.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from cards import cancellation_card, offer_slots_card
from cards.change_cards import escalation_card, reschedule_notice_card
from cards.mails import cancelled_mail, invitation_link_mail, reschedule_notice_mail
from cards.messages import pending_overdue_note, pending_reminder_lead, who_changed
from scheduling.intervals import Interval
from scheduling.interview import Role, Stage
from services.changes import pending_still_due
from services.effects.calendar import calendar_is_ours, invitation_file
from services.effects.deliveries import card_activity
from services.effects.note import Note
from services.effects.scheduling import candidate_pick_card
from services.hosts import interview_rules

__all__ = ["pending_action_overdue", "remind_pending_action", "send_cancellation", "send_reschedule_notice"]


def _previous(data: dict[str, str]) -> Interval | None:
    start, end = data.get("previous_start"), data.get("previous_end")
    if not start or not end:
        return None
    return Interval(datetime.fromisoformat(start), datetime.fromisoformat(end))


def _sequence(note: Note) -> int:
    return int(note.data.get("sequence") or note.interview.ics_sequence)


async def send_cancellation(note: Note) -> None:
    party, role = note.recipient()
    view = note.view
    if view.stage is not Stage.CANCELLED:
        return
    by, _ = who_changed(view, note.data)
    reason = note.data.get("reason") or None
    if role is not by:  # the canceller was answered in the conversation already
        await note.out.activity(party, card_activity(cancellation_card(view, role, by=by, reason=reason)))
    if not party.email:
        return
    had_time = view.booked is not None
    # Exchange sends a cancellation only for an event it made (and then sent an invitation for);
    # the event id was recorded with the cancel.
    event_id = note.data.get("event_id") or ""
    ours = calendar_is_ours(note.ctx, event_id)
    ics = (
        await invitation_file(
            note.ctx, note.session, view, note.interview, "CANCEL", note.now, sequence=_sequence(note),
            role=role,
        )
        if had_time and ours
        else None
    )
    if had_time or role is not by:
        await note.out.mail(
            cancelled_mail(
                view, role, party.email, ics, key=f"{note.key}|mail", by=by, reason=reason,
                calendar_cancels=had_time and bool(event_id) and not ours,
            )
        )


async def send_reschedule_notice(note: Note) -> None:
    party, role = note.recipient()
    view = note.view
    by, who = who_changed(view, note.data)
    reason = note.data.get("reason") or None
    previous = _previous(note.data)
    if role is not by:
        card = reschedule_notice_card(view, role, by=by, reason=reason, previous=previous)
        await note.out.activity(party, card_activity(card))
    if not party.email or previous is None:
        return
    old = replace(view, booked=previous)
    event_id = note.data.get("event_id") or ""
    ours = calendar_is_ours(note.ctx, event_id)
    ics = (
        await invitation_file(
            note.ctx, note.session, old, note.interview, "CANCEL", note.now, sequence=_sequence(note),
            role=role,
        )
        if ours
        else None
    )
    await note.out.mail(
        reschedule_notice_mail(
            old, role, party.email, ics, key=f"{note.key}|mail", by="You" if role is by else who,
            reason=reason, calendar_cancels=bool(event_id) and not ours,
        )
    )


async def remind_pending_action(note: Note) -> None:
    party, role = note.recipient()
    view = note.view
    if not pending_still_due(note.interview, note.data):
        return  # answered, moved on or nudged since: no reminder
    if role is Role.CLIENT:
        rules = await interview_rules(note.session, note.interview, view.client.zone)
        card = offer_slots_card(view, rules, candidate_windows_text=view.candidate_note,
                                calendar=note.ctx.calendar.reads_free_busy)
    else:
        card = candidate_pick_card(note)
    await note.out.activity(party, card_activity(card, pending_reminder_lead(view, role)))
    if party.email:  # the link too: a reminder must reach them even if the chat is closed
        await note.out.mail(
            invitation_link_mail(
                view, role, party.email, await note.link(), key=f"{note.key}|mail",
                purpose="offer_slots" if role is Role.CLIENT else "pick_slot",
            )
        )


async def pending_action_overdue(note: Note) -> None:
    party, _ = note.recipient()
    if not pending_still_due(note.interview, note.data):
        return
    waiting = Role(note.data.get("waiting") or "client")
    detail = pending_overdue_note(note.view, waiting, datetime.fromisoformat(note.data["entered"]))
    card = escalation_card(note.view, waiting, detail)
    await note.out.to_recruiter(party, note.view, card=card, text=detail)
