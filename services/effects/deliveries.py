"""Deliveries: a planned effect becomes one delivery job per channel.

A party is reached on every channel we know: their Teams conversation, their web chat for the
effect's interview, and by e-mail with a personal chat link when Teams cannot reach them
(``docs/architecture.md``, "Reaching people"). Each delivery is its own job with a key derived
from the effect's, so a retry of one channel never repeats another, and re-planning the same
effect plans nothing new. Deliveries carry what is sent (the activity, the rendered mail) as data;
the job runner hands them to the channel (``send_activity``) or the mail gateway (``send_mail``).
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cards import md_plain
from cards.mails import recruiter_update_mail
from integrations.mail import Attachment, MailMessage
from scheduling.interview import InterviewView
from services.identity import webchat_reference
from storage.jobs import ClaimedJob, enqueue
from storage.models import Party

__all__ = [
    "CARD",
    "CHANNEL_POST",
    "SEND_ACTIVITY",
    "SEND_MAIL",
    "Deliveries",
    "Gone",
    "NotYet",
    "card_activity",
    "mail_from_payload",
    "mail_payload",
]

SEND_ACTIVITY = "send_activity"
SEND_MAIL = "send_mail"
# One stage's post(s) to one recruiting team's channel (``services/channel.py`` delivers it).
CHANNEL_POST = "channel_post"

CARD = "application/vnd.microsoft.card.adaptive"


class Gone(Exception):
    """The interview or party behind an effect no longer exists: nothing to deliver, ever."""


class NotYet(Exception):
    """Plan this effect again after `after` (e.g. a confirmation waiting for its calendar event)."""

    def __init__(self, after: timedelta, reason: str) -> None:
        super().__init__(reason)
        self.after = after


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


class Deliveries:
    """The delivery jobs one planned effect adds, in the planner's transaction."""

    def __init__(
        self, session: AsyncSession, job: ClaimedJob, now: datetime, public_url: str,
        recipient: str | None = None, *, suffix: str = "",
    ) -> None:
        self.session, self.job, self.now, self.public_url = session, job, now, public_url
        self.recipient = recipient
        # One effect, several interviewers (a panel): each one's deliveries have their own keys.
        self.suffix = suffix
        self.count = 0

    @property
    def key(self) -> str:
        """The effect's key, and for an effect with several recipients (a recruiter's note goes
        to the owner and each co-recruiter; a panel's notes to each interviewer) the recipient's:
        a retry for one recipient never repeats another's, and a handover between two plans
        sends nobody anything twice."""
        if self.recipient is None:
            return self.job.idempotency_key + self.suffix
        return f"{self.job.idempotency_key}|to:{self.recipient}{self.suffix}"

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
        # A card's fallback text is plain; ``text`` and ``detail`` are markdown (cards.messages).
        headline = str((card or {}).get("fallbackText") or md_plain(text or "") or "Interview update")
        lines = [md_plain(line) for line in (text, detail) if line]
        await self.mail(
            recruiter_update_mail(
                view, party.email, key=f"{self.key}|mail", headline=headline,
                detail=[line for line in dict.fromkeys(lines) if line != headline],
                link=f"{self.public_url}/tracker/interviews/{view.id}",
            )
        )

    async def activity(self, party: Party, activity: dict[str, Any], *, teams: bool = True) -> bool:
        """Send to the party's Teams conversation and to their web chat for this effect's
        interview (never the chat of another: its link is for that one interview, so the card's
        buttons would be refused there); True if Teams reaches them."""
        reached_teams = False
        reference = (party.conversation_reference or {}).get("teams")
        if reference and teams:
            await self._add(SEND_ACTIVITY, "teams", {"reference": reference, "activity": activity})
            reached_teams = True
        if self.job.interview_id is not None:
            chat = await webchat_reference(self.session, self.job.interview_id, party.id)
            if chat:
                await self._add(SEND_ACTIVITY, "webchat", {"reference": chat, "activity": activity})
        return reached_teams

    async def mail(self, message: MailMessage) -> None:
        await self._add(SEND_MAIL, "mail", mail_payload(message))

    async def _add(self, kind: str, channel: str, payload: dict[str, Any]) -> None:
        added = await enqueue(
            self.session,
            kind=kind,
            payload=payload,
            due_at=self.now,
            idempotency_key=f"{self.key}|{channel}",
            interview_id=self.job.interview_id,
            role=self.job.role,
            now=self.now,
        )
        self.count += int(added)
