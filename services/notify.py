"""Notifications: an effect becomes one delivery job per channel.

A party is reached on every channel we know: their Teams conversation, their latest web chat
conversation, and by e-mail with a personal chat link when Teams cannot reach them (DESIGN.md
§1). Each delivery is its own job with a key derived from the effect's, so a retry of one channel
never repeats another, and re-planning the same effect plans nothing new.

Links in e-mails are new invitation tokens minted for that mail: tokens are stored hashed only,
so a raw token exists nowhere but in the message that carries it.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import (
    DECISIONS,
    booking_confirmation_card,
    cancellation_card,
    candidate_feedback_card,
    client_feedback_card,
    feedback_summary_card,
    offer_slots_card,
    pick_slot_card,
    recruiter_update_card,
    reminder_card,
)
from cards._base import submit
from cards._base import verb as verb_data
from cards.change_cards import escalation_card, reschedule_notice_card
from cards.feedback_cards import NEXT_STEP_LABELS
from integrations.ics import invitation_ics
from integrations.mail import (
    Attachment,
    MailMessage,
    booking_confirmed_mail,
    calendar_attachment,
    cancelled_mail,
    feedback_request_mail,
    invitation_link_mail,
    recruiter_update_mail,
    reminder_mail,
    rescheduled_mail,
)
from scheduling.intervals import Interval
from scheduling.interview import EffectKind, InterviewView, Role, Stage
from scheduling.zones import format_local, format_local_range
from services.changes import pending_still_due
from services.feedback import feedback_pair, feedback_rows
from services.invitations import create_invitation
from services.scheduling import SchedulingConfig, booking_rules
from services.views import load_view
from storage.jobs import ClaimedJob, NewJob, enqueue, enqueue_many
from storage.models import Interview, InterviewChanges, Party

SEND_ACTIVITY = "send_activity"
SEND_MAIL = "send_mail"

CARD = "application/vnd.microsoft.card.adaptive"


class Gone(Exception):
    """The interview or party behind an effect no longer exists: nothing to deliver."""


@dataclass(frozen=True)
class NotifyConfig:
    public_url: str
    mail_from: str
    scheduling: SchedulingConfig
    # The calendar gateway puts the client and the candidate on the event as attendees, so the
    # calendar itself (Exchange, with CALENDAR=graph) sends them the invitation and the
    # cancellation: our mails then attach no `.ics` of their own and say it comes separately.
    # False for the local calendar, whose only "event" is the `.ics` the mails carry.
    calendar_invites_attendees: bool = False


def card_activity(card: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message",
        "attachments": [{"contentType": CARD, "content": card}],
    }
    if text:
        activity["text"] = text
    return activity


def mail_payload(message: MailMessage) -> dict[str, Any]:
    return {
        "to": list(message.to),
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "key": message.idempotency_key,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "data": base64.b64encode(a.data).decode("ascii"),
            }
            for a in message.attachments
        ],
    }


def mail_from_payload(payload: dict[str, Any]) -> MailMessage:
    return MailMessage(
        to=tuple(payload["to"]),
        subject=payload["subject"],
        text=payload["text"],
        html=payload["html"],
        idempotency_key=payload.get("key"),
        attachments=tuple(
            Attachment(a["filename"], a["content_type"], base64.b64decode(a["data"]))
            for a in payload.get("attachments", [])
        ),
    )


class _Plan:
    def __init__(self, session: AsyncSession, job: ClaimedJob, now: datetime, config: NotifyConfig) -> None:
        self.session, self.job, self.now, self.config = session, job, now, config
        self.count = 0

    async def to_recruiter(
        self,
        party: Party,
        view: InterviewView,
        *,
        card: dict[str, Any] | None = None,
        text: str | None = None,
        detail: str | None = None,
    ) -> None:
        """A note for the recruiter (a card and/or a text): in Teams; by e-mail (headline = the
        card's fallback text, with the tracker link) when Teams cannot reach them, so that no
        recruiter misses an update for lack of the app."""
        activity = card_activity(card, text) if card is not None else {"type": "message", "text": text}
        if await self.activity(party, activity) or not party.email:
            return
        headline = str((card or {}).get("fallbackText") or text or "Interview update")
        lines = [line for line in (text, detail) if line and line != headline]
        await self.mail(
            recruiter_update_mail(
                view, party.email, key=f"{self.job.idempotency_key}|mail", headline=headline,
                detail=[_plain(line) for line in dict.fromkeys(lines)],
                link=f"{self.config.public_url}/tracker/interviews/{view.id}",
            )
        )

    async def activity(self, party: Party, activity: dict[str, Any], *, teams: bool = True) -> bool:
        """Send to the party's Teams and web chat conversations; True if Teams reaches them."""
        refs = party.conversation_reference or {}
        reached_teams = False
        for channel in ("teams", "webchat"):
            reference = refs.get(channel)
            if not reference or (channel == "teams" and not teams):
                continue
            await self._add(
                SEND_ACTIVITY, channel, {"reference": reference, "activity": activity}
            )
            reached_teams = reached_teams or channel == "teams"
        return reached_teams

    async def mail(self, message: MailMessage) -> None:
        await self._add(SEND_MAIL, "mail", mail_payload(message))

    async def _add(self, kind: str, channel: str, payload: dict[str, Any]) -> None:
        added = await enqueue(
            self.session,
            kind=kind,
            payload=payload,
            due_at=self.now,
            idempotency_key=f"{self.job.idempotency_key}|{channel}",
            interview_id=self.job.interview_id,
            role=self.job.role,
            now=self.now,
        )
        self.count += int(added)


async def plan_effect(
    sessions: async_sessionmaker[AsyncSession],
    job: ClaimedJob,
    now: datetime,
    config: NotifyConfig,
) -> int:
    """Turn one effect job into delivery jobs, in one transaction. Returns how many were added."""
    kind = EffectKind(job.kind)
    data: dict[str, str] = dict(job.payload.get("data") or {})
    async with sessions() as session, session.begin():
        if job.interview_id is None:
            raise Gone("an effect without an interview")
        view = await load_view(session, job.interview_id)
        interview = await session.get(Interview, job.interview_id)
        if view is None or interview is None:
            raise Gone("the interview no longer exists")
        role = Role(job.role) if job.role else None
        plan = _Plan(session, job, now, config)
        party = await session.get_one(Party, view.party(role).id) if role else None

        async def link(purpose: str) -> str:
            assert party is not None and role is not None
            token = await create_invitation(
                session, interview_id=view.id, party_id=party.id, role=role, now=now,
                ttl=config.scheduling.invite_ttl,
            )
            return f"{config.public_url}/chat?t={token}"

        if kind is EffectKind.ASK_CLIENT_FOR_SLOTS and party is not None and role is not None:
            if view.stage is not Stage.AWAITING_SLOTS:
                return 0
            rules = booking_rules(interview, view.client.zone)
            other_times = data.get("note") == "other_times"
            lead = (
                f"{view.candidate.name} can't make any of the offered times and suggests: "
                f"“{view.candidate_note}”. Could you offer new slots?"
                if other_times
                else f"{view.recruiter.name} would like to set up an interview with "
                f"{view.candidate.name} for **{view.role_title}**. Which times suit you?"
            )
            lead = _change_lead(view, data) or lead
            # The candidate's constraints are kept across a reschedule (DESIGN.md §2.1 step 7).
            show_windows = other_times or data.get("note") in ("rescheduled", "nudge")
            card = offer_slots_card(
                view, rules, candidate_windows_text=view.candidate_note if show_windows else None
            )
            if not await plan.activity(party, card_activity(card, lead)) and party.email:
                await plan.mail(
                    invitation_link_mail(
                        view, role, party.email, await link("offer_slots"),
                        key=f"{job.idempotency_key}|mail", purpose="offer_slots",
                    )
                )
        elif kind is EffectKind.OFFER_SLOTS_TO_CANDIDATE and party is not None and role is not None:
            if view.stage is not Stage.AWAITING_PICK:
                return 0
            lead = f"Good news: {view.client.name} has offered times for **{view.role_title}**."
            lead = _change_lead(view, data) or lead
            if not await plan.activity(party, card_activity(pick_slot_card(view), lead)) and party.email:
                await plan.mail(
                    invitation_link_mail(
                        view, role, party.email, await link("pick_slot"),
                        key=f"{job.idempotency_key}|mail", purpose="pick_slot",
                    )
                )
        elif kind is EffectKind.CONFIRM_BOOKING and party is not None and role is not None:
            if not _still_booked(view, data):
                return 0
            await plan.activity(party, card_activity(booking_confirmation_card(view, role)))
        elif kind is EffectKind.SEND_INVITATION_EMAIL and party is not None and role is not None:
            if not _still_booked(view, data) or not party.email:
                return 0
            if data.get("note") == "own_invitation":  # the calendar could not make the event
                own = await _ics(session, view, interview, "REQUEST", now, config)
                await plan.mail(
                    booking_confirmed_mail(
                        view, role, party.email, own, key=f"{job.idempotency_key}|mail",
                        subject=f"Calendar invitation: {view.role_title}",
                    )
                )
                return plan.count
            # Ours: the local calendar's, or ours after the calendar refused to make the event
            # (fall_back_to_own_invitation); otherwise the calendar invites the attendees itself.
            ours = calendar_is_ours(config, interview.calendar_event_id)
            ics: bytes | None = (
                await _ics(session, view, interview, "REQUEST", now, config) if ours else None
            )
            changes = await session.get(InterviewChanges, interview.id)
            if changes is not None and changes.previous_start and changes.previous_end:
                # A re-booking after a reschedule: the same UID with a higher SEQUENCE moves the
                # event in the recipient's calendar (RFC 5546 §2.1.5); the mail says from when.
                # (With a calendar that invites the attendees, the old event was cancelled and
                # the new one's invitation comes from the calendar.)
                await plan.mail(
                    rescheduled_mail(
                        view, role, party.email, ics, key=f"{job.idempotency_key}|mail",
                        by=Role(changes.last_by or "recruiter"),
                        previous=Interval(changes.previous_start, changes.previous_end),
                    )
                )
                return plan.count
            if ours and config.calendar_invites_attendees:
                # The calendar refused the event and our own invitation mail went out instead:
                # that mail is this booking's confirmation (with the .ics); a second one would
                # say Microsoft 365 sends the invitation, which it will not.
                return plan.count
            await plan.mail(
                booking_confirmed_mail(view, role, party.email, ics, key=f"{job.idempotency_key}|mail")
            )
        elif kind is EffectKind.NOTIFY_RECRUITER and party is not None:
            detail = _recruiter_detail(view, data)
            card = recruiter_update_card(view, data.get("note", "update"), detail)
            await plan.to_recruiter(party, view, card=card, detail=detail)
        elif kind is EffectKind.REMIND_BEFORE_INTERVIEW and party is not None and role is not None:
            if not _still_booked(view, data) or view.booked is None:
                return 0  # cancelled or moved meanwhile: no reminder for the old time
            if now >= view.booked.start:
                return 0  # a reminder that could only arrive after the start helps nobody
            hours = max(1, round((view.booked.start - now).total_seconds() / 3600))
            if not await plan.activity(
                party, card_activity(reminder_card(view, role, hours_before=hours))
            ) and party.email:
                await plan.mail(
                    reminder_mail(
                        view, role, party.email, await link("reminder"),
                        key=f"{job.idempotency_key}|mail", hours_before=hours,
                    )
                )
        elif kind in CHANGE_EFFECTS:
            await _plan_change(session, kind, data, view, interview, party, role, plan, link, job, now,
                               config)
        elif kind in FEEDBACK_EFFECTS:
            await _plan_feedback(session, kind, data, view, party, role, plan, link, job)
        else:
            raise Gone(f"no notification is planned for {kind.value}")
        return plan.count


# Reschedule, cancel, escalation (DESIGN.md §2.1 steps 7–8) ---------------------------------------

CHANGE_EFFECTS = frozenset(
    {
        EffectKind.SEND_CANCELLATION,
        EffectKind.SEND_RESCHEDULE_NOTICE,
        EffectKind.REMIND_PENDING_ACTION,
        EffectKind.PENDING_ACTION_OVERDUE,
    }
)


def _by(view: InterviewView, data: dict[str, str]) -> tuple[Role, str]:
    by = Role(data.get("by") or "recruiter")
    if by is Role.RECRUITER:
        return by, f"{view.recruiter.name} (the recruiter)"
    return by, _name(view, by)


def _change_lead(view: InterviewView, data: dict[str, str]) -> str | None:
    """The lead line of the ask for slots / the pick card after a reschedule or a nudge."""
    note = data.get("note")
    if note == "rescheduled":
        by, who = _by(view, data)
        reason = data.get("reason")
        why = f" Reason given: “{reason}”." if reason else ""
        if by is Role.CLIENT:
            return (f"You asked to move the **{view.role_title}** interview with {view.candidate.name}."
                    f"{why} Which new times suit you?")
        return (f"{who} asked to move the **{view.role_title}** interview.{why} "
                "Could you offer new slots?")
    if note == "nudge":
        if view.stage is Stage.AWAITING_SLOTS:
            return (f"A reminder from {view.recruiter.name}: which times suit you for the "
                    f"**{view.role_title}** interview with {view.candidate.name}?")
        return (f"A reminder from {view.recruiter.name}: please pick a time for your "
                f"**{view.role_title}** interview.")
    return None


def _recruiter_detail(view: InterviewView, data: dict[str, str]) -> str | None:
    note = data.get("note")
    reason = data.get("reason")
    why = f" Reason: “{reason}”." if reason else ""
    if note == "rescheduled":
        _, who = _by(view, data)
        start = data.get("previous_start")
        was = (f" It was booked for {format_local(datetime.fromisoformat(start), view.recruiter.zone)}."
               if start else "")
        return f"{who} asked to reschedule.{why}{was} {view.client.name} has been asked for new slots."
    if note == "reschedule_limit":
        _, who = _by(view, data)
        return (f"{who} asked to reschedule again but has used every reschedule allowed, so nothing "
                f"was changed: please decide.{why}")
    if note == "cancelled":
        _, who = _by(view, data)
        return f"Cancelled by {who}.{why}"
    return None


def _previous(data: dict[str, str]) -> Interval | None:
    start, end = data.get("previous_start"), data.get("previous_end")
    if not start or not end:
        return None
    return Interval(datetime.fromisoformat(start), datetime.fromisoformat(end))


def _change_mail(view: InterviewView, role: Role, to: str, ics: bytes | None, *, key: str, by: str,
                 reason: str | None, calendar_cancels: bool = True) -> MailMessage:
    """The old time withdrawn while new times are arranged, with the METHOD:CANCEL attached
    (``ics=None``: the calendar sends that cancellation itself, and the mail says so, unless
    `calendar_cancels` is False: no calendar event was ever made, so there is nothing to remove)."""
    zone = view.party(role).zone
    when = format_local_range(view.booked, zone) if view.booked else ""
    subject = f"Interview being rescheduled: {view.role_title}"
    lines = [
        f"Hello {view.party(role).name},",
        "",
        f"{by} asked to move the {view.role_title} interview planned for {when}.",
    ]
    if reason:
        lines.append(f"Reason given: {reason}")
    if ics is not None:
        withdrawn = "The attached cancellation removes the old time from your calendar. "
    elif calendar_cancels:
        withdrawn = (
            "The old time is withdrawn from your calendar by a separate cancellation, an e-mail "
            "from Microsoft 365 (the organiser's calendar). "
        )
    else:
        withdrawn = ""
    lines += [
        "",
        f"{withdrawn}New times are being arranged and you will get a new invitation as soon as "
        "one is booked.",
        "",
        f"{view.recruiter.name} (via askARSAN)",
    ]
    text = "\n".join(lines)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    return MailMessage(
        to=(to,), subject=subject, text=text, html=f"<html><body>{body}</body></html>",
        attachments=(calendar_attachment(ics, expect="CANCEL"),) if ics is not None else (),
        idempotency_key=key,
    )


async def _plan_change(
    session: AsyncSession,
    kind: EffectKind,
    data: dict[str, str],
    view: InterviewView,
    interview: Interview,
    party: Party | None,
    role: Role | None,
    plan: _Plan,
    link: Callable[[str], Awaitable[str]],
    job: ClaimedJob,
    now: datetime,
    config: NotifyConfig,
) -> None:
    """Cancellations, reschedule notices and escalation. Each re-reads the interview first."""
    if party is None or role is None:
        raise Gone(f"{kind.value} without a recipient")
    by, who = _by(view, data)
    reason = data.get("reason") or None
    sequence = int(data.get("sequence") or interview.ics_sequence)
    if kind is EffectKind.SEND_CANCELLATION:
        if view.stage is not Stage.CANCELLED:
            return
        if role is not by:  # the canceller was answered in the conversation already
            await plan.activity(party, card_activity(cancellation_card(view, role, by=by, reason=reason)))
        if party.email:
            had_time = view.booked is not None
            # Exchange sends a cancellation only for an event it made (and then sent an invitation
            # for); the event id was recorded with the cancel.
            event_id = data.get("event_id") or ""
            ours = calendar_is_ours(config, event_id)
            calendar_cancels = had_time and bool(event_id) and not ours
            ics = (
                await _ics(session, view, interview, "CANCEL", now, config, sequence=sequence)
                if had_time and ours
                else None
            )
            if had_time or role is not by:
                await plan.mail(
                    cancelled_mail(view, role, party.email, ics, key=f"{job.idempotency_key}|mail",
                                   by=by, reason=reason, calendar_cancels=calendar_cancels)
                )
    elif kind is EffectKind.SEND_RESCHEDULE_NOTICE:
        previous = _previous(data)
        if role is not by:
            card = reschedule_notice_card(view, role, by=by, reason=reason, previous=previous)
            await plan.activity(party, card_activity(card))
        if party.email and previous is not None:
            old = replace(view, booked=previous)
            event_id = data.get("event_id") or ""
            ours = calendar_is_ours(config, event_id)
            ics = (
                await _ics(session, old, interview, "CANCEL", now, config, sequence=sequence)
                if ours
                else None
            )
            await plan.mail(
                _change_mail(old, role, party.email, ics, key=f"{job.idempotency_key}|mail",
                             by="You" if role is by else who, reason=reason,
                             calendar_cancels=bool(event_id) and not ours)
            )
    elif kind is EffectKind.REMIND_PENDING_ACTION:
        if not pending_still_due(interview, data):
            return  # answered, moved on or nudged since: no reminder
        if role is Role.CLIENT:
            rules = booking_rules(interview, view.client.zone)
            card = offer_slots_card(view, rules, candidate_windows_text=view.candidate_note)
            lead = (f"A gentle reminder: which times suit you for the **{view.role_title}** interview "
                    f"with {view.candidate.name}?")
            purpose = "offer_slots"
        else:
            card = pick_slot_card(view)
            lead = f"A gentle reminder: please pick a time for your **{view.role_title}** interview."
            purpose = "pick_slot"
        await plan.activity(party, card_activity(card, lead))
        if party.email:  # the link too: a reminder must reach them even if the chat is closed
            await plan.mail(
                invitation_link_mail(
                    view, role, party.email, await link(purpose), key=f"{job.idempotency_key}|mail",
                    purpose="offer_slots" if purpose == "offer_slots" else "pick_slot",
                )
            )
    elif kind is EffectKind.PENDING_ACTION_OVERDUE:
        if not pending_still_due(interview, data):
            return
        waiting = Role(data.get("waiting") or "client")
        entered = datetime.fromisoformat(data["entered"])
        since = format_local(entered, view.recruiter.zone)
        what = "offered no slots" if waiting is Role.CLIENT else "not picked a time"
        detail = f"{_name(view, waiting)} has {what} since {since}, after every reminder."
        await plan.to_recruiter(party, view, card=escalation_card(view, waiting, detail), text=detail)


# After the interview (DESIGN.md §2.2) -------------------------------------------------------------

FEEDBACK_EFFECTS = frozenset(
    {
        EffectKind.REQUEST_FEEDBACK,
        EffectKind.REMIND_FEEDBACK,
        EffectKind.FEEDBACK_OVERDUE,
        EffectKind.FEEDBACK_RECEIVED,
        EffectKind.SEND_FEEDBACK_SUMMARY,
        EffectKind.NO_SHOW_REPORTED,
    }
)


def feedback_prompt_card(
    view: InterviewView,
    role: Role,
    *,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The client's or the candidate's feedback card, with a button to say the other side did not
    come (a no-show skips feedback, DESIGN.md §2.2 step 6)."""
    if role is Role.CLIENT:
        card = client_feedback_card(view, values=values, problems=problems)
    else:
        card = candidate_feedback_card(view, values=values, problems=problems)
    absent = Role.CANDIDATE if role is Role.CLIENT else Role.CLIENT
    card.setdefault("actions", []).append(
        submit(
            f"{view.party(absent).name} did not come",
            verb_data("report_no_show", view.id, who=absent.value),
            associatedInputs="none",
        )
    )
    return card


def _name(view: InterviewView, role: Role) -> str:
    if role is Role.CLIENT and view.client.organisation:
        return f"{view.client.name} ({view.client.organisation})"
    return view.party(role).name


async def _plan_feedback(
    session: AsyncSession,
    kind: EffectKind,
    data: dict[str, str],
    view: InterviewView,
    party: Party | None,
    role: Role | None,
    plan: _Plan,
    link: Callable[[str], Awaitable[str]],
    job: ClaimedJob,
) -> None:
    """Feedback prompts, reminders and the recruiter's notes. Each re-reads the interview and
    plans nothing once that side has answered or the interview moved on."""
    if party is None or role is None:
        raise Gone(f"{kind.value} without a recipient")
    if kind in (EffectKind.REQUEST_FEEDBACK, EffectKind.REMIND_FEEDBACK):
        if view.stage is not Stage.AWAITING_FEEDBACK or role not in (Role.CLIENT, Role.CANDIDATE):
            return
        if role in await feedback_rows(session, view.id):
            return  # answered already: no prompt, no reminder
        other = view.candidate.name if role is Role.CLIENT else _name(view, Role.CLIENT)
        reminder = kind is EffectKind.REMIND_FEEDBACK
        lead = (
            f"A gentle reminder: how did your interview with {other} for **{view.role_title}** go? "
            "It takes a minute."
            if reminder
            else f"Thanks for taking part in the interview with {other} for **{view.role_title}**. "
            "How did it go? Only the recruiter sees your answers."
        )
        card = feedback_prompt_card(view, role)
        if not await plan.activity(party, card_activity(card, lead)) and party.email:
            closes = data.get("closes")
            await plan.mail(
                feedback_request_mail(
                    view, role, party.email, await link("feedback"),
                    key=f"{job.idempotency_key}|mail",
                    deadline=datetime.fromisoformat(closes) if closes else None,
                )
            )
    elif kind is EffectKind.FEEDBACK_OVERDUE:
        if view.stage is not Stage.AWAITING_FEEDBACK:
            return
        answered = await feedback_rows(session, view.id)
        missing = [_name(view, r) for r in (Role.CLIENT, Role.CANDIDATE) if r not in answered]
        if not missing:
            return
        closes = data.get("closes")
        until = (
            f" The summary follows on {format_local(datetime.fromisoformat(closes), view.recruiter.zone)}"
            " with whatever is in."
            if closes
            else ""
        )
        detail = f"No feedback yet from {' and '.join(missing)}, after every reminder.{until}"
        card = recruiter_update_card(view, "escalation", detail)
        await plan.to_recruiter(party, view, card=card, text=detail)
    elif kind is EffectKind.FEEDBACK_RECEIVED:
        by = Role(data.get("by", "client"))
        verb = "updated their feedback" if data.get("note") == "feedback_updated" else "gave feedback"
        message = f"{_name(view, by)} {verb}: {data.get('rating', '?')}/5 ({view.role_title}"
        message += f", {view.candidate.name})." if by is Role.CLIENT else f" at {_name(view, Role.CLIENT)})."
        if view.stage is Stage.AWAITING_FEEDBACK:
            waiting = Role.CANDIDATE if by is Role.CLIENT else Role.CLIENT
            message += f" Waiting for {_name(view, waiting)}."
        await plan.to_recruiter(party, view, text=message)
    elif kind is EffectKind.SEND_FEEDBACK_SUMMARY:
        if view.stage is not Stage.FEEDBACK_COMPLETE:
            return  # decided already (or the interview changed): the summary is moot
        pair = await feedback_pair(session, view.id)
        suggestion = pair.suggestion()
        card = feedback_summary_card(view, pair.client, pair.candidate, suggestion)
        ratings = "; ".join(
            f"{who}: {answer.rating}/5" if answer is not None else f"{who}: no feedback"
            for who, answer in ((view.client.name, pair.client), (view.candidate.name, pair.candidate))
        )
        await plan.to_recruiter(
            party, view, card=card,
            text=f"Feedback summary: {view.candidate.name}, {view.role_title}.",
            detail=f"Ratings: {ratings}. Suggested next step: {NEXT_STEP_LABELS[suggestion.step]}. "
            f"{suggestion.reason} Record your decision in Teams.",
        )
    elif kind is EffectKind.NO_SHOW_REPORTED:
        if view.stage is not Stage.NO_SHOW:
            return
        absent, by = Role(data.get("absent", "candidate")), Role(data.get("by", "recruiter"))
        reporter = "you" if by is Role.RECRUITER else _name(view, by)
        detail = f"No-show: {_name(view, absent)} did not come (reported by {reporter}). Feedback is skipped."
        card = recruiter_update_card(view, "no_show", detail)
        # The recruiter decides from here too: rebook (another round), reject or put on hold.
        card["actions"] = [
            submit(DECISIONS[d], verb_data("decide", view.id, decision=d))
            for d in ("another_round", "reject", "on_hold")
        ]
        await plan.to_recruiter(party, view, card=card, text=detail)


def _plain(line: str) -> str:
    """A card's markdown line as mail text (the cards bold names with **)."""
    return line.replace("**", "")


OWN_INVITATION = "ics:"  # an event id with this prefix: the calendar entry is our own .ics


def calendar_is_ours(config: NotifyConfig, event_id: str | None) -> bool:
    """Whether the attendees' calendar entry is our `.ics` (so a cancellation carries our CANCEL),
    not an event the calendar made and invited them to itself: always with the local calendar;
    with Graph only after the event could not be made (`fall_back_to_own_invitation`)."""
    return not config.calendar_invites_attendees or (event_id or "").startswith(OWN_INVITATION)


async def fall_back_to_own_invitation(
    sessions: async_sessionmaker[AsyncSession], interview_id: str, slot_start: datetime, now: datetime
) -> bool:
    """The calendar refused to make the interview's event for good (the job is parked for the
    tracker): the client and the candidate get our own `.ics` invitation in a mail of its own
    (their confirmation said the invitation comes separately), so nobody is left without a
    calendar entry. The interview then counts the `.ics` as its event, so a retry
    of the parked job makes no second one, and a later cancel or reschedule sends our CANCEL.
    Nothing happens if the interview was moved or cancelled meanwhile, or has an event by now.
    Returns whether the invitations were queued."""
    async with sessions() as session, session.begin():
        interview = await session.scalar(
            select(Interview).where(Interview.id == interview_id).with_for_update()
        )
        if (
            interview is None or interview.stage != Stage.SCHEDULED.value
            or interview.starts_at != slot_start or interview.calendar_event_id
        ):
            return False
        interview.calendar_event_id = f"{OWN_INVITATION}{interview.id}"
        data = {"slot_start": slot_start.isoformat(), "note": "own_invitation"}
        await enqueue_many(
            session,
            [
                NewJob(
                    kind=EffectKind.SEND_INVITATION_EMAIL.value,
                    payload={"data": data, "version": interview.version},
                    due_at=now,
                    idempotency_key=f"{interview.id}:{interview.version}:own_invitation:{role.value}",
                    interview_id=interview.id,
                    role=role.value,
                )
                for role in (Role.CLIENT, Role.CANDIDATE)
            ],
            now=now,
        )
        return True


def _still_booked(view: InterviewView, data: dict[str, str]) -> bool:
    if view.stage is not Stage.SCHEDULED or view.booked is None:
        return False
    expected = data.get("slot_start")
    return expected is None or expected == view.booked.start.isoformat()


async def _ics(
    session: AsyncSession,
    view: InterviewView,
    interview: Interview,
    method: str,
    now: datetime,
    config: NotifyConfig,
    *,
    sequence: int | None = None,
) -> bytes:
    client = await session.get_one(Party, interview.client_id)
    candidate = await session.get_one(Party, interview.candidate_id)
    attendees = [(p.display_name, p.email) for p in (client, candidate) if p.email]
    return invitation_ics(
        view,
        method="REQUEST" if method == "REQUEST" else "CANCEL",
        sequence=interview.ics_sequence if sequence is None else sequence,
        organizer_email=config.mail_from,
        attendees=attendees,
        now=now,
    )
