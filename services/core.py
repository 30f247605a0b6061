"""What every use case shares: who is acting, the small named errors, and the three steps of each
transaction — lock the interview (checking the actor against our records), apply the lifecycle's
event with its effects into the outbox, and write the audit entry.

Each use case is one transaction: the interview row is locked first (``FOR UPDATE`` on PostgreSQL;
SQLite transactions take the write lock at BEGIN), ``scheduling.interview.transition`` decides the
next stage and its effects, and the effects are written to the outbox in the same transaction
(``docs/architecture.md``, "The outbox"). Authorisation comes from our records: the ``Actor`` is
resolved by the edge from the Teams AAD object id or the web chat invitation, never from a card.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.errors import DomainError
from scheduling.interview import (
    STAGE_LABELS,
    Effect,
    EffectKind,
    Event,
    Policy,
    Role,
    Stage,
    milestone,
    transition,
)
from services.outbox import record_effects
from services.policy import interview_policy
from storage.models import AuditEvent, Interview, InterviewInterviewer, InterviewRecruiter

__all__ = [
    "Actor",
    "InvalidRequest",
    "NotAllowed",
    "NotFound",
    "SlotTaken",
    "apply_event",
    "audit",
    "check_actor",
    "co_recruiter_of",
    "lock_interview",
    "stage_message",
]


class NotFound(DomainError):
    """No such interview (or not one the sender may see)."""


class NotAllowed(DomainError):
    """The sender is not the party this action belongs to, or not now."""


class SlotTaken(DomainError):
    """The picked time was booked by someone else a moment ago."""


class InvalidRequest(DomainError):
    """A request with fields that are missing or wrong; `problems` maps field → message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Please fix: " + "; ".join(f"{message}" for message in problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Actor:
    """Who is acting, as our records know them."""

    role: Role
    party_id: str
    interview_id: str | None = None  # a web chat session is scoped to one interview


_LOCK = select(Interview).where(Interview.id == bindparam("id")).with_for_update()
_IS_CO_RECRUITER = select(InterviewRecruiter.party_id).where(
    InterviewRecruiter.interview_id == bindparam("id"), InterviewRecruiter.party_id == bindparam("party")
)


_IS_INTERVIEWER = select(InterviewInterviewer.party_id).where(
    InterviewInterviewer.interview_id == bindparam("id"), InterviewInterviewer.party_id == bindparam("party")
)


async def lock_interview(
    session: AsyncSession, interview_id: str, actor: Actor, role: Role, *also: Role, panel: bool = False
) -> Interview:
    """The interview, locked for this transaction, if `actor` is its party in `role` (or in one
    of the roles `also` allows, e.g. the recruiter acting for the candidate). With `panel`, any
    interviewer of the interview acts in the client's role (feedback), not only its contact. A
    co-recruiter acts as the interview's recruiter, as its owner does."""
    interview = await session.scalar(_LOCK, {"id": interview_id})
    if (
        panel and interview is not None and actor.role is Role.CLIENT
        and actor.party_id != interview.client_id
        and (actor.interview_id is None or actor.interview_id == interview_id)
        and await session.scalar(_IS_INTERVIEWER, {"id": interview_id, "party": actor.party_id})
    ):
        return interview
    return check_actor(
        interview, interview_id, actor, role, *also,
        co_recruiters=await co_recruiter_of(session, interview, actor),
    )


async def co_recruiter_of(
    session: AsyncSession, interview: Interview | None, actor: Actor
) -> tuple[str, ...]:
    """(actor's party id,) when the actor is a recruiter on `interview` beside its owner, else ()
    — what `check_actor` needs to let a co-recruiter act. Read from our records, never a card."""
    if interview is None or actor.role is not Role.RECRUITER or actor.party_id == interview.recruiter_id:
        return ()
    found = await session.scalar(_IS_CO_RECRUITER, {"id": interview.id, "party": actor.party_id})
    return (found,) if found else ()


def check_actor(
    interview: Interview | None, interview_id: str, actor: Actor, role: Role, *also: Role,
    co_recruiters: Collection[str] = (),
) -> Interview:
    """`interview` if `actor` is its party in `role` (or in a role of `also`); else NotFound or
    NotAllowed. What `lock_interview` checks, for a read that locks nothing. `co_recruiters`:
    the interview's co-recruiters (``co_recruiter_of``), who act as its recruiter too."""
    if interview is None or (actor.interview_id is not None and actor.interview_id != interview_id):
        raise NotFound("I can't find that interview.")
    parties = {
        Role.CLIENT: interview.client_id,
        Role.CANDIDATE: interview.candidate_id,
        Role.RECRUITER: interview.recruiter_id,
    }
    recruiter_too = actor.role is Role.RECRUITER and actor.party_id in co_recruiters
    if actor.role not in (role, *also) or (actor.party_id != parties[actor.role] and not recruiter_too):
        raise NotAllowed(f"This action is for the interview's {role.value}; it was not changed.")
    return interview


async def apply_event(
    session: AsyncSession,
    interview: Interview,
    event: Event,
    now: datetime,
    agency: Policy,
    context: Mapping[str, str] | None = None,
) -> Stage:
    """Apply the lifecycle's `event`: the next stage, the interview's new version, and its effects
    in the outbox. `context` (a reason, the iCalendar SEQUENCE, an event id) is added to every
    effect's data, so that the planners need not guess it later. Its due times follow the policy
    the interview runs under (``services.policy.interview_policy``; `agency`, the agency's, for
    an interview from before policies were recorded)."""
    result = transition(Stage(interview.stage), event, now, interview_policy(interview, agency))
    if result.stage.value != interview.stage:
        interview.stage = result.stage.value
        interview.stage_changed_at = now
    interview.version += 1
    await session.flush()
    effects = result.effects
    said = milestone(event)
    if said is not None:
        # The recruiting teams' channels hear of it; the planner decides which and how.
        effects = (*effects, Effect(EffectKind.POST_TO_CHANNEL, data=said))
    if context:
        effects = tuple(
            replace(effect, data=MappingProxyType({**context, **effect.data})) for effect in effects
        )
    await record_effects(session, interview.id, interview.version, effects, now)
    return result.stage


def audit(
    session: AsyncSession,
    interview_id: str,
    now: datetime,
    role: Role | None,
    party_id: str | None,
    action: str,
    detail: dict[str, object],
) -> None:
    session.add(
        AuditEvent(
            interview_id=interview_id, at=now, actor_role=role.value if role else None,
            actor_party_id=party_id, action=action, detail=detail,
        )
    )


def stage_message(interview: Interview, what: str) -> str:
    return f"You can't {what} now: this interview is {STAGE_LABELS[Stage(interview.stage)].lower()}."
