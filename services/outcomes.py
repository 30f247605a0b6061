"""After the decision: the messages it implies, sent by the recruiter only, and what a decision
starts (a hold's follow-up, a rejected candidate's retention clock) (``docs/architecture.md``,
"After the decision").

- ``draft_messages``: at the decision, in its transaction (``services.feedback.decide``), one
  draft per person the decision concerns (``scheduling.outcomes.OUTCOME_RECIPIENTS``), rendered
  from the templates (``cards.outcomes.draft_outcome``). Nothing is sent.
- ``send_outcome_message``: the one way a draft leaves, from the Teams card and from the tracker.
  One transaction: lock the interview, check the actor against our records (the interview's
  recruiter or a co-recruiter; a client or a candidate replaying the button is refused), store
  the text as sent, write the effect (``SEND_OUTCOME_MESSAGE``: the mail to the person and a chat
  message where they have a conversation, planned by ``services/effects/outcomes.py``) to the
  outbox under the message's own key, and the history entry. A second click, or a replay, finds
  the message sent and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards.outcomes import draft_outcome
from scheduling.interview import Decision, EffectKind, Policy, Role
from scheduling.outcomes import MAX_MESSAGE_LENGTH, OutcomeMessageView, recipients_of
from services.context import ServiceContext
from services.core import (
    Actor,
    InvalidRequest,
    NotAllowed,
    NotFound,
    audit,
    check_actor,
    co_recruiter_of,
    lock_interview,
)
from services.views import load_view
from storage.jobs import PENDING, enqueue
from storage.models import Interview, InterviewOutcome, Job, OutcomeMessage, Party

__all__ = [
    "OutcomeHistory",
    "OutcomeUseCases",
    "SendResult",
    "draft_messages",
    "outcome_history",
    "outcome_messages",
    "send_outcome_message",
]

_ROLE_ORDER = {Role.CANDIDATE.value: 0, Role.CLIENT.value: 1}


@dataclass(frozen=True)
class SendResult:
    message: OutcomeMessageView
    already: bool = False  # it had been sent before: nothing was sent again


@dataclass(frozen=True)
class OutcomeHistory:
    """What the tracker shows after the decision: the messages, the hold's follow-up, retention."""

    messages: tuple[OutcomeMessageView, ...]
    follow_up_due: datetime | None
    retention_from: datetime | None


async def draft_messages(
    session: AsyncSession, interview: Interview, decision: Decision, now: datetime, policy: Policy
) -> int:
    """The drafts `decision` implies, in the caller's transaction; how many were written (a draft
    already there for this decision and person is kept as it is)."""
    view = await load_view(session, interview.id)
    if view is None:
        return 0
    existing = set(
        await session.scalars(
            select(OutcomeMessage.role).where(
                OutcomeMessage.interview_id == interview.id, OutcomeMessage.decision == decision.value
            )
        )
    )
    follow_up = now + policy.hold_follow_up if decision is Decision.ON_HOLD else None
    written = 0
    for role in recipients_of(decision):
        if role.value in existing:
            continue
        subject, body = draft_outcome(view, decision, role, follow_up=follow_up)
        session.add(
            OutcomeMessage(
                interview_id=interview.id, decision=decision.value, role=role.value,
                party_id=view.party(role).id, subject=subject, body=body, drafted_at=now, edited=False,
            )
        )
        written += 1
    if written:
        audit(session, interview.id, now, None, None, "outcome_drafted",
              {"decision": decision.value, "to": ", ".join(r.value for r in recipients_of(decision))})
    await session.flush()
    return written


def _text(to_name: str, typed: str | None, draft: str) -> str:
    """The text to send: what the recruiter typed (the draft when they sent it untouched)."""
    value = draft if typed is None else typed.replace("\r\n", "\n").strip()
    if not value:
        raise InvalidRequest(
            {"text": f"The message to {to_name} is empty: write what they should read (or keep the "
                     "draft), then send it"}
        )
    if len(value) > MAX_MESSAGE_LENGTH:
        raise InvalidRequest(
            {"text": f"The message to {to_name} is {len(value)} characters long; keep it under "
                     f"{MAX_MESSAGE_LENGTH}"}
        )
    return value


async def send_outcome_message(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    message_id: str,
    text: str | None,
    now: datetime,
) -> SendResult:
    """Send one drafted message with `text` (None: the draft as it is). Raises `NotFound`,
    `NotAllowed` (not the interview's recruiter or a co-recruiter) or `InvalidRequest` (an empty
    or too long text; nothing is sent). A message sent already is not sent again (`already`)."""
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, Role.RECRUITER)
        row = await session.get(OutcomeMessage, message_id)
        if row is None or row.interview_id != interview.id:
            raise NotFound("I can't find that message for this interview.")
        if row.sent_at is not None:
            return SendResult(await _view(session, row), already=True)
        party = await session.get_one(Party, row.party_id)
        body = _text(party.display_name, text, row.body)
        row.edited = row.edited or body != row.body
        row.body, row.sent_at, row.sent_by = body, now, actor.party_id
        await enqueue(
            session, kind=EffectKind.SEND_OUTCOME_MESSAGE.value,
            payload={"data": {"message_id": row.id}, "version": interview.version},
            due_at=now, idempotency_key=f"{interview.id}:outcome:{row.id}",
            interview_id=interview.id, role=row.role, now=now,
        )
        audit(session, interview.id, now, actor.role, actor.party_id, "outcome_sent",
              {"decision": row.decision, "to": row.role, "edited": "yes" if row.edited else "no"})
        await session.flush()
        return SendResult(await _view(session, row))


async def _view(session: AsyncSession, row: OutcomeMessage) -> OutcomeMessageView:
    party = await session.get(Party, row.party_id)
    sender = await session.get(Party, row.sent_by) if row.sent_by else None
    return OutcomeMessageView(
        id=row.id, interview_id=row.interview_id, decision=Decision(row.decision), role=Role(row.role),
        to_name=party.display_name if party else "", subject=row.subject, body=row.body,
        drafted_at=row.drafted_at, edited=row.edited, sent_at=row.sent_at,
        sent_by_name=sender.display_name if sender else None,
    )


async def outcome_messages(session: AsyncSession, interview_id: str) -> list[OutcomeMessageView]:
    """The interview's outcome messages, oldest decision first, the candidate's before the client's."""
    rows = list(
        await session.scalars(select(OutcomeMessage).where(OutcomeMessage.interview_id == interview_id))
    )
    rows.sort(key=lambda r: (r.drafted_at, _ROLE_ORDER.get(r.role, 9)))
    return [await _view(session, row) for row in rows]


async def outcome_history(session: AsyncSession, interview_id: str) -> OutcomeHistory:
    due = await session.scalar(
        select(Job.due_at).where(
            Job.interview_id == interview_id, Job.kind == EffectKind.HOLD_FOLLOW_UP.value,
            Job.status == PENDING,
        ).order_by(Job.due_at.desc())
    )
    outcome = await session.get(InterviewOutcome, interview_id)
    return OutcomeHistory(
        tuple(await outcome_messages(session, interview_id)), due,
        outcome.retention_from if outcome is not None else None,
    )


class OutcomeUseCases:
    """The outcome messages bound to the app's context (``Services.outcomes``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def messages(self, actor: Actor, interview_id: str) -> list[OutcomeMessageView]:
        """The drafts and sent messages, for the interview's recruiters only."""
        async with self._ctx.sessions() as session:
            interview = await session.get(Interview, interview_id)
            check_actor(interview, interview_id, actor, Role.RECRUITER,
                        co_recruiters=await co_recruiter_of(session, interview, actor))
            return await outcome_messages(session, interview_id)

    async def send(self, actor: Actor, interview_id: str, message_id: str, text: str | None) -> SendResult:
        ctx = self._ctx
        result = await send_outcome_message(ctx.sessions, actor, interview_id, message_id, text, ctx.now())
        ctx.doorbell.ring()
        return result

    async def send_as(
        self, party_id: str | None, interview_id: str, message_id: str, text: str | None
    ) -> SendResult:
        """A send by the recruiter signed in to the tracker (their party from the session)."""
        if not party_id:
            raise NotAllowed(
                "askARSAN does not know which recruiter you are (sign in with Microsoft as a recruiter "
                "it knows), so nothing was sent."
            )
        return await self.send(Actor(Role.RECRUITER, party_id), interview_id, message_id, text)

    async def history(self, interview_id: str) -> OutcomeHistory:
        """For the tracker's page: read with the reports' sessions (off the event loop on SQLite)."""
        async with self._ctx.read_sessions() as session:
            return await outcome_history(session, interview_id)
