"""A candidate's personal data: export it, and erase it on request.

Erasure removes what identifies the person and keeps what the KPIs need: the interview rows stay
(stage, dates, round, ratings and choices), anonymised. In one transaction:

- the party's personal fields are cleared (name replaced by a placeholder, e-mail, organisation,
  Teams ids, tenant, conversation references: Teams' and each interview's web chat), `erased_at` set,
  and the Teams member profiles that are them are deleted;
- text the candidate typed (proposed windows) and the free text of both sides' feedback about that
  interview (impressions, concerns) is removed; ratings and choices stay; the decision's messages
  (``services/outcomes.py``) keep only that they were drafted and sent;
- the candidate's invitations are revoked, the built-in Direct Line transcripts of those
  invitations deleted, and the bot-state rows of their web chat conversations and users deleted;
- rendered messages still in the job queue for those interviews (activities and e-mails, which
  carry names and addresses) are emptied, and the undelivered ones are not sent.

Mails in the local outbox folder (``MAIL=outbox``) that were sent to the candidate or name them are
deleted after the database is erased; mails already sent through SMTP or Graph are outside our
reach.
Logs only ever carry ids.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.mail import forget_outbox
from scheduling.interview import Role
from services.context import ServiceContext
from services.effects.deliveries import SEND_ACTIVITY, SEND_MAIL
from services.feedback import feedback_rows
from services.identity import forget_teams_profiles
from services.invitations import WEBCHAT_USER_PREFIX, revoke_invitations
from storage.directline import DirectLineActivity, DirectLineConversation
from storage.jobs import DONE, PENDING, RUNNING
from storage.models import (
    AuditEvent,
    BotStateRow,
    Feedback,
    Interview,
    InterviewOutcome,
    Invitation,
    Job,
    OutcomeMessage,
    Party,
    WebChatReference,
)

ERASED_NAME = "Erased candidate"
WEBCHAT_STATE_CHANNELS = ("directline", "webchat")
FREE_TEXT = ("impressions", "concerns")

class CandidateNotFound(LookupError):
    """No candidate with that e-mail address or id."""


@dataclass(frozen=True)
class ErasureReport:
    party_ids: tuple[str, ...]
    interviews_kept: int
    invitations_revoked: int
    chat_conversations_deleted: int
    state_rows_deleted: int
    queued_messages_emptied: int
    outbox_mails_deleted: int = 0


async def _candidates(session: AsyncSession, email: str | None, party_id: str | None) -> list[Party]:
    if not (email and email.strip()) and not party_id:
        raise ValueError("give the candidate's e-mail address or party id")
    conditions = []
    if email and email.strip():
        conditions.append(Party.email == email.strip().lower())
    if party_id:
        conditions.append(Party.id == party_id)
    parties = list(
        await session.scalars(select(Party).where(Party.kind == "candidate", or_(*conditions)))
    )
    if not parties:
        raise CandidateNotFound("no candidate with that e-mail address or id")
    return parties


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def export_candidate(
    sessions: async_sessionmaker[AsyncSession],
    *,
    email: str | None = None,
    party_id: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Everything we hold about the candidate, as JSON-ready data: their details, their
    interviews (role, client organisation, stage, dates, decision), their own feedback answers
    and their invitation links' metadata (never the tokens, which are stored hashed only).

    The client's assessment of the candidate is not included: it is the client's confidential
    feedback to the agency (each side answers without seeing the other's); the recruiter decides
    whether to disclose it.
    """
    async with sessions() as session:
        parties = await _candidates(session, email, party_id)
        people: list[dict[str, Any]] = []
        for party in parties:
            interviews = list(
                await session.scalars(
                    select(Interview)
                    .where(Interview.candidate_id == party.id)
                    .order_by(Interview.requested_at)
                )
            )
            items: list[dict[str, Any]] = []
            for interview in interviews:
                client = await session.get(Party, interview.client_id)
                outcome = await session.get(InterviewOutcome, interview.id)
                own = (await feedback_rows(session, interview.id)).get(Role.CANDIDATE)
                items.append(
                    {
                        "id": interview.id,
                        "role_title": interview.role_title,
                        "client_organisation": client.organisation if client else None,
                        "format": interview.format,
                        "stage": interview.stage,
                        "round": interview.round,
                        "requested_at": _iso(interview.requested_at),
                        "starts_at": _iso(interview.starts_at),
                        "ends_at": _iso(interview.ends_at),
                        "times_you_proposed": (interview.candidate_windows or {}).get("text"),
                        "your_feedback": (
                            {"rating": own.rating, **own.answers, "submitted_at": _iso(own.submitted_at),
                             "updated_at": _iso(own.updated_at)}
                            if own is not None
                            else None
                        ),
                        "no_show": outcome.no_show if outcome else None,
                        "decision": outcome.decision if outcome else None,
                        "decided_at": _iso(outcome.decided_at) if outcome else None,
                        # A rejection starts the data-retention clock (services/outcomes.py).
                        "retention_from": _iso(outcome.retention_from) if outcome else None,
                        "messages_sent_to_you": [
                            {"subject": m.subject, "text": m.body, "sent_at": _iso(m.sent_at)}
                            for m in await session.scalars(
                                select(OutcomeMessage).where(
                                    OutcomeMessage.interview_id == interview.id,
                                    OutcomeMessage.party_id == party.id,
                                    OutcomeMessage.sent_at.is_not(None),
                                )
                            )
                        ],
                    }
                )
            invitations = await session.scalars(
                select(Invitation).where(Invitation.party_id == party.id).order_by(Invitation.created_at)
            )
            people.append(
                {
                    "id": party.id,
                    "name": party.display_name,
                    "email": party.email,
                    "organisation": party.organisation,
                    "time_zone": party.timezone,
                    "teams_user": bool(party.aad_object_id or party.teams_user_id),
                    "created_at": _iso(party.created_at),
                    "erased_at": _iso(party.erased_at),
                    "interviews": items,
                    "invitation_links": [
                        {
                            "interview_id": i.interview_id,
                            "created_at": _iso(i.created_at),
                            "expires_at": _iso(i.expires_at),
                            "revoked_at": _iso(i.revoked_at),
                            "last_used_at": _iso(i.last_used_at),
                        }
                        for i in invitations
                    ],
                }
            )
        return {"exported_at": now.isoformat(), "candidates": people}


async def erase_candidate(
    sessions: async_sessionmaker[AsyncSession],
    *,
    email: str | None = None,
    party_id: str | None = None,
    now: datetime,
    outbox: Path | None = None,
) -> ErasureReport:
    """Erase the candidate's personal data and keep their interviews, anonymised, for the KPIs.
    With `outbox` (the local mail folder, ``MAIL=outbox``), the mails there that were sent to the
    candidate or name them are deleted once the database is erased. Raises `CandidateNotFound`;
    erasing twice is harmless."""
    report, addresses, names = await _erase(sessions, email=email, party_id=party_id, now=now)
    if outbox is not None and (addresses or names):
        deleted = await asyncio.to_thread(forget_outbox, outbox, addresses=addresses, names=names)
        report = replace(report, outbox_mails_deleted=deleted)
    return report


async def _erase(
    sessions: async_sessionmaker[AsyncSession],
    *,
    email: str | None,
    party_id: str | None,
    now: datetime,
) -> tuple[ErasureReport, list[str], list[str]]:
    async with sessions() as session, session.begin():
        parties = await _candidates(session, email, party_id)
        # Kept in memory only, for the outbox: what identified them before it is erased.
        addresses = [p.email for p in parties if p.email]
        names = [p.display_name for p in parties if p.display_name and p.display_name != ERASED_NAME]
        ids = [p.id for p in parties]
        interview_ids = list(
            await session.scalars(select(Interview.id).where(Interview.candidate_id.in_(ids)))
        )
        invitation_ids = list(
            await session.scalars(select(Invitation.id).where(Invitation.party_id.in_(ids)))
        )

        # Web chat: the conversations we know of (stored references and the built-in Direct
        # Line's), their bot state, and the state of the invitation-bound users.
        state_keys: set[str] = set()
        chats = list(
            await session.scalars(select(WebChatReference).where(WebChatReference.party_id.in_(ids)))
        )
        for chat in chats:  # one per interview (docs/architecture.md, "Web chat")
            reference = chat.reference or {}
            conversation_id = (reference.get("conversation") or {}).get("id")
            channel = reference.get("channelId") or reference.get("channel_id")
            if conversation_id:
                for name in {channel, *WEBCHAT_STATE_CHANNELS} - {None}:
                    state_keys.add(f"{name}/conversations/{conversation_id}")
        if chats:
            await session.execute(delete(WebChatReference).where(WebChatReference.party_id.in_(ids)))
        conversations_deleted = 0
        if invitation_ids:
            dl_ids = list(
                await session.scalars(
                    select(DirectLineConversation.id).where(
                        DirectLineConversation.invitation_id.in_(invitation_ids)
                    )
                )
            )
            for conversation_id in dl_ids:
                for name in WEBCHAT_STATE_CHANNELS:
                    state_keys.add(f"{name}/conversations/{conversation_id}")
            if dl_ids:
                await session.execute(
                    delete(DirectLineActivity).where(DirectLineActivity.conversation_id.in_(dl_ids))
                )
                await session.execute(
                    delete(DirectLineConversation).where(DirectLineConversation.id.in_(dl_ids))
                )
            conversations_deleted = len(dl_ids)
        for invitation_id in invitation_ids:
            for name in WEBCHAT_STATE_CHANNELS:
                state_keys.add(f"{name}/users/{WEBCHAT_USER_PREFIX}{invitation_id}")
        state_deleted = 0
        if state_keys:
            result = await session.execute(
                delete(BotStateRow).where(BotStateRow.key.in_(sorted(state_keys)))
            )
            state_deleted = int(result.rowcount or 0)  # type: ignore[attr-defined]

        revoked = await revoke_invitations(session, ids, now)

        emptied = 0
        if interview_ids:
            await session.execute(
                update(Interview).where(Interview.id.in_(interview_ids)).values(candidate_windows=None)
            )
            for row in await session.scalars(
                select(Feedback).where(Feedback.interview_id.in_(interview_ids))
            ):
                row.answers = {k: ("" if k in FREE_TEXT else v) for k, v in row.answers.items()}
            # The decision's messages (to the candidate and to the client) name the candidate.
            await session.execute(
                update(OutcomeMessage).where(OutcomeMessage.interview_id.in_(interview_ids))
                .values(subject="(erased)", body="")
            )
            jobs = await session.scalars(
                select(Job).where(
                    Job.interview_id.in_(interview_ids), Job.kind.in_([SEND_ACTIVITY, SEND_MAIL])
                )
            )
            for job in jobs:
                if job.payload.get("erased"):
                    continue
                job.payload = {"erased": True}
                if job.status in (PENDING, RUNNING):
                    # Not sent: it would carry the erased name or address. Done, not failed, so
                    # it does not show as an error on the tracker.
                    job.status, job.done_at, job.last_error = DONE, now, "erased on request"
                    job.locked_until = None
                emptied += 1
            session.add_all(
                AuditEvent(
                    interview_id=interview_id, at=now, actor_role=None, actor_party_id=None,
                    action="candidate_erased", detail={},
                )
                for interview_id in interview_ids
            )

        for party in parties:
            await forget_teams_profiles(session, party)  # a candidate who wrote to us in Teams
            party.display_name = ERASED_NAME
            party.email = None
            party.organisation = None
            party.aad_object_id = None
            party.tenant_id = None
            party.teams_user_id = None
            party.conversation_reference = None
            party.timezone = "UTC"
            party.erased_at = party.erased_at or now

        report = ErasureReport(
            party_ids=tuple(ids),
            interviews_kept=len(interview_ids),
            invitations_revoked=revoked,
            chat_conversations_deleted=conversations_deleted,
            state_rows_deleted=state_deleted,
            queued_messages_emptied=emptied,
        )
        return report, addresses, names


class Privacy:
    """Export and erasure bound to the app's context (``Services.privacy``). `outbox` is the local
    mail folder when mail goes there (``MAIL=outbox``): erasure deletes its mails too."""

    def __init__(self, ctx: ServiceContext, outbox: Path | None = None) -> None:
        self._ctx = ctx
        self._outbox = outbox

    async def export(self, *, email: str | None = None, party_id: str | None = None) -> dict[str, Any]:
        return await export_candidate(self._ctx.sessions, email=email, party_id=party_id, now=self._ctx.now())

    async def erase(self, *, email: str | None = None, party_id: str | None = None) -> ErasureReport:
        return await erase_candidate(
            self._ctx.sessions, email=email, party_id=party_id, now=self._ctx.now(), outbox=self._outbox
        )


__all__ = [
    "ERASED_NAME", "CandidateNotFound", "ErasureReport", "Privacy", "erase_candidate", "export_candidate",
]
