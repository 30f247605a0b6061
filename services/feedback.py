"""After the interview: mark it held, collect feedback, summarise, decide (`docs/architecture.md`,
"After the interview").

Each use case is one transaction on the locked interview, like `services.scheduling`: the
lifecycle decides the next stage and its effects, the effects go to the outbox in the same
transaction. Timed work (the end of the interview, reminders, the window closing) arrives as jobs
that re-read the interview and do nothing when it has moved on, so a retried or late job is
harmless.

Who may do what comes from our records (`Actor`), never from the card: the client and the
candidate answer only for themselves, only the interview's recruiter decides, and neither side
ever reads the other's answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.feedback import (
    CandidateFeedback,
    ClientFeedback,
    Interest,
    PanelAnswer,
    Qualification,
    Recommendation,
    Suggestion,
    panel_verdict,
    parse_candidate_feedback,
    parse_client_feedback,
    suggest_for_panel,
    suggest_next_step,
)
from scheduling.interview import (
    DECISION_LABELS,
    STAGE_LABELS,
    Decided,
    Decision,
    FeedbackSubmitted,
    FeedbackWindowClosed,
    InterviewEnded,
    InvalidTransition,
    NoShowReported,
    Role,
    Stage,
)
from services.context import SchedulingConfig, ServiceContext
from services.core import Actor, InvalidRequest, NotAllowed, NotFound, apply_event, audit, lock_interview
from services.hosts import interviewers, latest_page
from services.outcomes import draft_messages
from services.panel import co_recruiter_ids
from services.requests import RULE_DEFAULTS, open_interview
from storage.models import Feedback, Interview, InterviewOutcome

FEEDBACK_ROLES = (Role.CLIENT, Role.CANDIDATE)


class FeedbackClosed(NotAllowed):
    """Feedback arrived after the summary was compiled (or for an interview with no feedback)."""


@dataclass(frozen=True)
class SubmitResult:
    role: Role
    rating: int
    edited: bool
    summary_compiled: bool


@dataclass(frozen=True)
class DecisionResult:
    decision: Decision
    already: bool = False
    next_interview_id: str | None = None
    client_token: str | None = None
    candidate_token: str | None = None


@dataclass(frozen=True)
class FeedbackPair:
    """Both sides' answers as the recruiter's summary shows them. For a panel, `panel` holds
    each interviewer's answer and `client` what they come to (``scheduling.feedback.panel_verdict``:
    None when they disagree or nobody answered)."""

    client: ClientFeedback | None
    candidate: CandidateFeedback | None
    window_closed: bool
    panel: tuple[PanelAnswer, ...] = ()

    def suggestion(self) -> Suggestion:
        if self.panel:
            return suggest_for_panel(self.panel, self.candidate, window_closed=self.window_closed)
        return suggest_next_step(self.client, self.candidate, window_closed=self.window_closed)

    def disagreement(self) -> str | None:
        return panel_verdict(self.panel).disagreement if self.panel else None


# Storing and reading answers ----------------------------------------------------------------------


def _answers(feedback: ClientFeedback | CandidateFeedback) -> dict[str, Any]:
    if isinstance(feedback, ClientFeedback):
        return {
            "impressions": feedback.impressions,
            "qualification": feedback.qualification.value,
            "concerns": feedback.concerns,
            "recommendation": feedback.recommendation.value,
        }
    return {
        "impressions": feedback.impressions,
        "interest": feedback.interest.value,
        "concerns": feedback.concerns,
    }


def client_feedback_of(row: Feedback) -> ClientFeedback:
    a = row.answers
    return ClientFeedback(
        rating=row.rating,
        impressions=str(a.get("impressions") or ""),
        qualification=Qualification(a["qualification"]),
        concerns=str(a.get("concerns") or ""),
        recommendation=Recommendation(a["recommendation"]),
    )


def candidate_feedback_of(row: Feedback) -> CandidateFeedback:
    a = row.answers
    return CandidateFeedback(
        rating=row.rating,
        impressions=str(a.get("impressions") or ""),
        interest=Interest(a["interest"]),
        concerns=str(a.get("concerns") or ""),
    )


def card_values(row: Feedback) -> dict[str, str]:
    """A stored answer as the card's input values (to pre-fill an edit)."""
    return {"rating": str(row.rating), **{k: str(v) for k, v in row.answers.items() if v}}


async def feedback_rows(session: AsyncSession, interview_id: str) -> dict[Role, Feedback]:
    """The candidate's answer and the client contact's (a panel's other interviewers:
    ``feedback_by_party``)."""
    interview = await session.get(Interview, interview_id)
    rows = await feedback_by_party(session, interview_id)
    found: dict[Role, Feedback] = {}
    for row in rows.values():
        if row.role == Role.CANDIDATE.value or interview is None or row.party_id == interview.client_id:
            found[Role(row.role)] = row
    return found


async def feedback_by_party(session: AsyncSession, interview_id: str) -> dict[str, Feedback]:
    rows = await session.scalars(select(Feedback).where(Feedback.interview_id == interview_id))
    return {row.party_id: row for row in rows}


async def everyone_in(session: AsyncSession, interview: Interview, rows: Mapping[str, object]) -> bool:
    """The candidate and every required interviewer have answered (`rows` by party id)."""
    return not await still_owing(session, interview, rows)


async def still_owing(session: AsyncSession, interview: Interview, rows: Mapping[str, object]) -> list[str]:
    """Who has not answered yet (`rows` by party id): each required interviewer, the client
    contact first, then the candidate."""
    owing = [seat.party_id for seat in await interviewers(session, interview)
             if seat.required and seat.party_id not in rows]
    return owing if interview.candidate_id in rows else [*owing, interview.candidate_id]


async def feedback_pair(session: AsyncSession, interview_id: str) -> FeedbackPair:
    interview = await session.get_one(Interview, interview_id)
    rows = await feedback_by_party(session, interview_id)
    outcome = await session.get(InterviewOutcome, interview_id)
    closed = bool(outcome and outcome.window_closed) or (
        Stage(interview.stage) in (Stage.FEEDBACK_COMPLETE, Stage.DECIDED)
        and not await everyone_in(session, interview, rows)
    )
    seats = await interviewers(session, interview)
    candidate = rows.get(interview.candidate_id)
    candidate_answer = candidate_feedback_of(candidate) if candidate is not None else None
    if len(seats) == 1:
        own = rows.get(interview.client_id)
        return FeedbackPair(
            client=client_feedback_of(own) if own is not None else None,
            candidate=candidate_answer, window_closed=closed,
        )
    panel = tuple(
        PanelAnswer(
            seat.name,
            client_feedback_of(rows[seat.party_id]) if seat.party_id in rows else None,
            seat.required,
        )
        for seat in seats
    )
    return FeedbackPair(panel_verdict(panel).combined, candidate_answer, closed, panel)


async def _outcome(session: AsyncSession, interview_id: str) -> InterviewOutcome:
    outcome = await session.get(InterviewOutcome, interview_id)
    if outcome is None:
        outcome = InterviewOutcome(interview_id=interview_id, window_closed=False)
        session.add(outcome)
    return outcome


# The interview ends ------------------------------------------------------------------------------


async def mark_interview_ended(
    sessions: async_sessionmaker[AsyncSession],
    interview_id: str,
    slot_start: str | None,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> bool:
    """The `MARK_INTERVIEW_ENDED` job: the interview booked for `slot_start` is over, so ask both
    sides for feedback. Does nothing (returns False) if it was moved, cancelled or already marked,
    or has not actually ended yet."""
    config = config or SchedulingConfig()
    async with sessions() as session, session.begin():
        interview = await session.scalar(
            select(Interview).where(Interview.id == interview_id).with_for_update()
        )
        if interview is None or Stage(interview.stage) is not Stage.SCHEDULED:
            return False
        if interview.starts_at is None or interview.ends_at is None:
            return False
        if slot_start is not None and interview.starts_at.isoformat() != slot_start:
            return False  # rescheduled meanwhile: the new booking has its own job
        if now < interview.ends_at:
            return False
        audit(session, interview.id, now, None, None, "interview_ended", {})
        await apply_event(session, interview, InterviewEnded(), now, config.policy)
        return True


# Feedback ----------------------------------------------------------------------------------------


async def submit_feedback(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    values: Mapping[str, object],
    now: datetime,
    config: SchedulingConfig | None = None,
) -> SubmitResult:
    """Save the client's or the candidate's answers (an edit replaces them until the summary is
    compiled). Raises `InvalidFeedback` (every problem, nothing saved), `FeedbackClosed`,
    `NotAllowed` or `NotFound`."""
    config = config or SchedulingConfig()
    if actor.role not in FEEDBACK_ROLES:
        raise NotAllowed("Only the client and the candidate give feedback on an interview.")
    parsed: ClientFeedback | CandidateFeedback = (
        parse_client_feedback(values) if actor.role is Role.CLIENT else parse_candidate_feedback(values)
    )
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, actor.role, panel=True)
        stage = Stage(interview.stage)
        if stage in (Stage.FEEDBACK_COMPLETE, Stage.DECIDED):
            raise FeedbackClosed(
                "Your feedback has already gone to the recruiter in their summary, "
                "so it can no longer be changed."
            )
        if stage is Stage.SCHEDULED:
            raise NotAllowed("The interview hasn't finished yet; I'll ask for your feedback afterwards.")
        if stage is not Stage.AWAITING_FEEDBACK:
            raise FeedbackClosed(
                f"This interview is {STAGE_LABELS[stage].lower()}, so no feedback is being collected."
            )
        rows = await feedback_by_party(session, interview.id)
        row = rows.get(actor.party_id)
        edited = row is not None
        if row is None:
            row = Feedback(
                interview_id=interview.id, role=actor.role.value, party_id=actor.party_id,
                submitted_at=now, edits=0, rating=parsed.rating, answers=_answers(parsed),
                updated_at=now,
            )
            session.add(row)
        else:
            row.rating, row.answers, row.updated_at = parsed.rating, _answers(parsed), now
            row.edits += 1
        waiting = await still_owing(session, interview, {**rows, actor.party_id: row})
        both_in = not waiting
        audit(session, interview.id, now, actor.role, actor.party_id,
              "feedback_edited" if edited else "feedback_given", {"rating": parsed.rating})
        if both_in:
            outcome = await _outcome(session, interview.id)
            outcome.summary_at = now
        new_stage = await apply_event(
            session, interview,
            FeedbackSubmitted(actor.role, parsed.rating, both_in, edited, actor.party_id, tuple(waiting)),
            now, config.policy,
        )
        return SubmitResult(actor.role, parsed.rating, edited, new_stage is Stage.FEEDBACK_COMPLETE)


async def own_feedback(
    sessions: async_sessionmaker[AsyncSession], actor: Actor, interview_id: str
) -> dict[str, str] | None:
    """The actor's own answers as card values (never the other side's)."""
    if actor.role not in FEEDBACK_ROLES:
        return None
    async with sessions() as session:
        interview = await session.get(Interview, interview_id)
        if interview is None or (actor.interview_id is not None and actor.interview_id != interview_id):
            return None
        if actor.role is Role.CLIENT:
            if actor.party_id not in {s.party_id for s in await interviewers(session, interview)}:
                return None
        elif actor.party_id != interview.candidate_id:
            return None
        row = (await feedback_by_party(session, interview_id)).get(actor.party_id)
        return card_values(row) if row is not None else None


async def close_feedback_window(
    sessions: async_sessionmaker[AsyncSession],
    interview_id: str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> bool:
    """The `CLOSE_FEEDBACK_WINDOW` job: compile the summary with whatever is in. Nothing happens
    (False) if the summary was compiled already or the interview moved on."""
    config = config or SchedulingConfig()
    async with sessions() as session, session.begin():
        interview = await session.scalar(
            select(Interview).where(Interview.id == interview_id).with_for_update()
        )
        if interview is None or Stage(interview.stage) is not Stage.AWAITING_FEEDBACK:
            return False
        outcome = await _outcome(session, interview.id)
        outcome.summary_at, outcome.window_closed = now, True
        audit(session, interview.id, now, None, None, "feedback_window_closed", {})
        await apply_event(session, interview, FeedbackWindowClosed(), now, config.policy)
        return True


async def missing_feedback(session: AsyncSession, interview_id: str) -> list[Role]:
    """The sides still owing feedback: the client's while a required interviewer has not
    answered, the candidate's."""
    interview = await session.get_one(Interview, interview_id)
    rows = await feedback_by_party(session, interview_id)
    missing: list[Role] = []
    if any(s.required and s.party_id not in rows for s in await interviewers(session, interview)):
        missing.append(Role.CLIENT)
    if interview.candidate_id not in rows:
        missing.append(Role.CANDIDATE)
    return missing


# No-shows ----------------------------------------------------------------------------------------


async def report_no_show(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    absent: Role | str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> bool:
    """`actor` (the recruiter, the client or the candidate) says `absent` did not come.

    The interview becomes a no-show, feedback is skipped, the recruiter is told. A repeat of the
    same report returns False and changes nothing; a cancelled interview is never a no-show."""
    config = config or SchedulingConfig()
    try:
        who = Role(absent)
    except ValueError:
        raise InvalidRequest({"who": "say who did not come: the client or the candidate"}) from None
    if who not in FEEDBACK_ROLES:
        raise InvalidRequest({"who": "say who did not come: the client or the candidate"})
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, actor.role)
        if Stage(interview.stage) is Stage.NO_SHOW:
            outcome = await session.get(InterviewOutcome, interview.id)
            if outcome is not None and outcome.no_show == who.value:
                return False
        try:
            await apply_event(
                session, interview, NoShowReported(actor.role, who, interview.starts_at), now,
                config.policy,
            )
        except InvalidTransition as error:
            raise NotAllowed(error.message) from None
        outcome = await _outcome(session, interview.id)
        outcome.no_show, outcome.no_show_reported_at = who.value, now
        outcome.no_show_reported_by, outcome.no_show_reported_role = actor.party_id, actor.role.value
        audit(session, interview.id, now, actor.role, actor.party_id, "no_show", {"absent": who.value})
        return True


# The recruiter decides ---------------------------------------------------------------------------


async def decide(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    decision: Decision | str,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> DecisionResult:
    """Record the recruiter's decision, who made it and when, and draft the messages it implies
    (``services.outcomes``). `another_round` starts a new scheduling request with the same
    parties, role, duration and format (round + 1), in the same transaction; `reject` starts the
    candidate's retention clock; `on_hold` can be decided again later. A repeat of the same
    decision changes nothing (`already`)."""
    config = config or SchedulingConfig()
    try:
        chosen = Decision(decision)
    except ValueError:
        raise InvalidRequest(
            {"decision": "choose another round, offer, reject or on hold"}
        ) from None
    async with sessions() as session, session.begin():
        interview = await lock_interview(session, interview_id, actor, Role.RECRUITER)
        outcome = await _outcome(session, interview.id)
        # An interview on hold is decided again (its follow-up asks for that); any other decision stands.
        after_hold = Stage(interview.stage) is Stage.DECIDED and outcome.decision == Decision.ON_HOLD.value
        if Stage(interview.stage) is Stage.DECIDED and outcome.decision is not None:
            if outcome.decision == chosen.value:
                return DecisionResult(chosen, already=True, next_interview_id=outcome.next_interview_id)
            if not after_hold:
                raise NotAllowed(
                    f"This interview was already decided: {DECISION_LABELS[Decision(outcome.decision)]}."
                )
        if chosen is Decision.OFFER and (
            Stage(interview.stage) is Stage.NO_SHOW or (after_hold and outcome.no_show is not None)
        ):
            raise NotAllowed("Someone did not come to this interview, so an offer can't follow from it.")
        try:
            await apply_event(session, interview, Decided(chosen, after_hold), now, config.policy)
        except InvalidTransition:
            raise NotAllowed(
                "A decision can be made once the feedback summary is in (or after a no-show); "
                f"this interview is {STAGE_LABELS[Stage(interview.stage)].lower()}."
            ) from None
        outcome.decision, outcome.decided_by, outcome.decided_at = chosen.value, actor.party_id, now
        if chosen is Decision.REJECT:
            outcome.retention_from = now  # a rejected candidate's data-retention clock starts
        audit(session, interview.id, now, actor.role, actor.party_id, "decided", {"decision": chosen.value})
        # The messages the decision implies, as drafts: nothing is sent without the recruiter.
        await draft_messages(session, interview, chosen, now, config.policy)
        if chosen is not Decision.ANOTHER_ROUND:
            return DecisionResult(chosen)
        following, client_token, candidate_token = await _next_round(session, interview, now, config)
        outcome.next_interview_id = following.id
        return DecisionResult(chosen, False, following.id, client_token, candidate_token)


async def _next_round(
    session: AsyncSession, previous: Interview, now: datetime, config: SchedulingConfig
) -> tuple[Interview, str, str]:
    """A new scheduling request like `services.scheduling.request_interview`, for the same
    parties, role, duration, format and rules, one round later. A round booked from the client's
    booking page is booked from it again, under its newest version when that still offers the
    interview's length (else the client offers times by hand)."""
    rules = dict(previous.rules or {})
    from_page = False
    if "page_version" in rules:
        page = await latest_page(session, previous.client_id)
        if page is not None and page.rules.offers(timedelta(minutes=previous.duration_minutes)):
            rules, from_page = {"page_version": page.version}, True
        else:
            rules = dict(RULE_DEFAULTS)
    return await open_interview(
        session,
        Interview(
            role_title=previous.role_title,
            format=previous.format,
            location=previous.location,
            recruiter_id=previous.recruiter_id,
            client_id=previous.client_id,
            candidate_id=previous.candidate_id,
            duration_minutes=previous.duration_minutes,
            rules=rules,
            deadline=None,
            round=previous.round + 1,
            previous_interview_id=previous.id,
        ),
        now,
        config,
        {"previous_interview_id": previous.id, "round": previous.round + 1},
        from_page=from_page,
        panel=[(person.party_id, person.required) for person in await interviewers(session, previous)],
        co_recruiters=await co_recruiter_ids(session, previous.id),
        added_by=previous.recruiter_id,
    )


async def feedback_summary(
    sessions: async_sessionmaker[AsyncSession], actor: Actor, interview_id: str
) -> FeedbackPair:
    """Both sides' answers, for the interview's recruiter only."""
    async with sessions() as session:
        interview = await session.get(Interview, interview_id)
        if interview is None:
            raise NotFound("I can't find that interview.")
        if actor.role is not Role.RECRUITER or actor.party_id != interview.recruiter_id:
            raise NotAllowed("Only the interview's recruiter sees the feedback summary.")
        return await feedback_pair(session, interview_id)


class FeedbackUseCases:
    """The use cases after the interview bound to the app's context (``Services.feedback``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def submit(self, actor: Actor, interview_id: str, values: Mapping[str, object]) -> SubmitResult:
        ctx = self._ctx
        result = await submit_feedback(ctx.sessions, actor, interview_id, values, ctx.now(), ctx.config)
        ctx.doorbell.ring()
        return result

    async def own_answers(self, actor: Actor, interview_id: str) -> dict[str, str] | None:
        return await own_feedback(self._ctx.sessions, actor, interview_id)

    async def report_no_show(self, actor: Actor, interview_id: str, absent: str) -> bool:
        ctx = self._ctx
        changed = await report_no_show(ctx.sessions, actor, interview_id, absent, ctx.now(), ctx.config)
        ctx.doorbell.ring()
        return changed

    async def decide(self, actor: Actor, interview_id: str, decision: str) -> DecisionResult:
        ctx = self._ctx
        result = await decide(ctx.sessions, actor, interview_id, decision, ctx.now(), ctx.config)
        ctx.doorbell.ring()
        return result

    async def summary(self, actor: Actor, interview_id: str) -> FeedbackPair:
        return await feedback_summary(self._ctx.sessions, actor, interview_id)


__all__ = [
    "FEEDBACK_ROLES",
    "DecisionResult",
    "FeedbackClosed",
    "FeedbackPair",
    "FeedbackUseCases",
    "SubmitResult",
    "card_values",
    "close_feedback_window",
    "decide",
    "everyone_in",
    "feedback_by_party",
    "feedback_pair",
    "feedback_rows",
    "feedback_summary",
    "mark_interview_ended",
    "missing_feedback",
    "own_feedback",
    "report_no_show",
    "submit_feedback",
]
