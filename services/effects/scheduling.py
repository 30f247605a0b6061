"""Planners of the scheduling journey's notifications: the ask for slots, the slots offered to the
candidate, the booking's confirmations and invitation mails, the recruiter's updates, reminders.

Each re-reads the interview (``Note``) and plans nothing once it has moved on: a confirmation for
a time that was moved, a reminder after the start.
"""

from __future__ import annotations

from cards import (
    booking_confirmation_card,
    offer_slots_card,
    pick_slot_card,
    recruiter_update_card,
    reminder_card,
)
from cards._base import Card
from cards.mails import booking_confirmed_mail, invitation_link_mail, reminder_mail, rescheduled_mail
from cards.messages import confirmation_lead, offer_slots_lead, pick_slot_lead, recruiter_detail
from scheduling.intervals import Interval
from scheduling.interview import InterviewView, Role, Stage
from services.effects.calendar import calendar_is_ours, invitation_file
from services.effects.deliveries import card_activity
from services.effects.note import Note
from services.hosts import interview_rules
from services.scheduling import proposed_options
from storage.models import InterviewChanges

__all__ = [
    "ask_client_for_slots",
    "candidate_pick_card",
    "confirm_booking",
    "notify_recruiter",
    "offer_slots_to_candidate",
    "remind_before_interview",
    "send_invitation_email",
    "still_booked",
]


def still_booked(view: InterviewView, data: dict[str, str]) -> bool:
    """The interview is still booked for the time the effect was written for."""
    if view.stage is not Stage.SCHEDULED or view.booked is None:
        return False
    expected = data.get("slot_start")
    return expected is None or expected == view.booked.start.isoformat()


async def ask_client_for_slots(note: Note) -> None:
    party, role = note.recipient()
    view = note.view
    if view.stage is not Stage.AWAITING_SLOTS:
        return
    rules = await interview_rules(note.session, note.interview, view.client.zone)
    # The candidate's constraints are kept across a reschedule and a nudge.
    show_windows = note.data.get("note") in ("other_times", "rescheduled", "nudge")
    proposed = await proposed_options(note.session, note.interview, note.now) if show_windows else []
    card = offer_slots_card(
        view, rules, candidate_windows_text=view.candidate_note if show_windows else None,
        calendar=note.ctx.calendar.reads_free_busy, proposed=proposed,
    )
    lead = offer_slots_lead(view, note.data)
    if not await note.out.activity(party, card_activity(card, lead)) and party.email:
        await note.out.mail(
            invitation_link_mail(
                view, role, party.email, await note.link(), key=f"{note.key}|mail", purpose="offer_slots"
            )
        )


def candidate_pick_card(note: Note) -> Card:
    """The candidate's card to pick from: the slots the client offered by hand, else the live
    open times of the client's booking page (read for this planner: ``notification(live=True)``)."""
    view, live = note.view, note.live
    if live is not None and not view.slots:
        return pick_slot_card(view, live=live.times, more=live.more)
    return pick_slot_card(view)


async def offer_slots_to_candidate(note: Note) -> None:
    party, role = note.recipient()
    view = note.view
    if view.stage is not Stage.AWAITING_PICK:
        return
    activity = card_activity(candidate_pick_card(note), pick_slot_lead(view, note.data))
    if not await note.out.activity(party, activity) and party.email:
        await note.out.mail(
            invitation_link_mail(
                view, role, party.email, await note.link(), key=f"{note.key}|mail", purpose="pick_slot"
            )
        )


async def confirm_booking(note: Note) -> None:
    party, role = note.recipient()
    if still_booked(note.view, note.data):
        lead = confirmation_lead(note.view, role, note.data.get("note", ""))
        await note.out.activity(party, card_activity(booking_confirmation_card(note.view, role), lead))


async def send_invitation_email(note: Note) -> None:
    party, role = note.recipient()
    view, interview, ctx = note.view, note.interview, note.ctx
    if not still_booked(view, note.data) or not party.email:
        return
    key = f"{note.key}|mail"
    if note.data.get("note") == "own_invitation":  # the calendar could not make the event
        own = await invitation_file(ctx, note.session, view, interview, "REQUEST", note.now, role=role)
        await note.out.mail(
            booking_confirmed_mail(
                view, role, party.email, own, key=key, subject=f"Calendar invitation: {view.role_title}"
            )
        )
        return
    # Ours: the local calendar's, or ours after the calendar refused to make the event
    # (fall_back_to_own_invitation); otherwise the calendar invites the attendees itself.
    ours = calendar_is_ours(ctx, interview.calendar_event_id)
    ics = (await invitation_file(ctx, note.session, view, interview, "REQUEST", note.now, role=role)
           if ours else None)
    if note.data.get("note") == "meeting_link":  # services.controls: the link, once, by mail too
        await note.out.mail(
            booking_confirmed_mail(view, role, party.email, ics, key=key,
                                   subject=f"Meeting link: {view.role_title}")
        )
        return
    changes = await note.session.get(InterviewChanges, interview.id)
    if changes is not None and changes.previous_start and changes.previous_end:
        # A re-booking after a reschedule: the same UID with a higher SEQUENCE moves the event in
        # the recipient's calendar (RFC 5546 §2.1.5); the mail says from when. (With a calendar
        # that invites the attendees, the old event was cancelled and the new one's invitation
        # comes from the calendar.)
        await note.out.mail(
            rescheduled_mail(
                view, role, party.email, ics, key=key, by=Role(changes.last_by or "recruiter"),
                previous=Interval(changes.previous_start, changes.previous_end),
            )
        )
        return
    if ours and ctx.calendar_invites_attendees:
        # The calendar refused the event and our own invitation mail went out instead: that mail
        # is this booking's confirmation (with the .ics); a second one would say Microsoft 365
        # sends the invitation, which it will not.
        return
    await note.out.mail(booking_confirmed_mail(view, role, party.email, ics, key=key))


async def notify_recruiter(note: Note) -> None:
    party, _ = note.recipient()
    detail = recruiter_detail(note.view, note.data)
    card = recruiter_update_card(note.view, note.data.get("note", "update"), detail, by=note.data.get("by"))
    await note.out.to_recruiter(party, note.view, card=card, detail=detail)


async def remind_before_interview(note: Note) -> None:
    party, role = note.recipient()
    view = note.view
    if not still_booked(view, note.data) or view.booked is None:
        return  # cancelled or moved meanwhile: no reminder for the old time
    if note.now >= view.booked.start:
        return  # a reminder that could only arrive after the start helps nobody
    hours = max(1, round((view.booked.start - note.now).total_seconds() / 3600))
    if not await note.out.activity(party, card_activity(reminder_card(view, role, hours_before=hours))) and (
        party.email
    ):
        await note.out.mail(
            reminder_mail(
                view, role, party.email, await note.link(), key=f"{note.key}|mail", hours_before=hours
            )
        )
