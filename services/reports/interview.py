"""One interview as the tracker shows it (dates, history, jobs, slots, feedback and the decision),
and the facts the KPIs are computed from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from scheduling.intervals import Interval
from scheduling.interview import Stage
from scheduling.kpi import InterviewFacts
from scheduling.zones import format_local_range
from services.reports.pipeline import (
    CANDIDATE,
    CANDIDATE_PARTY,
    CLIENT,
    CLIENT_PARTY,
    DEFAULT_OVERDUE,
    OverduePolicy,
    TrackerRow,
    row_select,
    tracker_row,
)
from services.views import proposed_intervals
from storage.jobs import FAILED
from storage.models import AuditEvent, Feedback, Interview, InterviewOutcome, Job, Party, Slot

# One interview -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    action: str
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class JobItem:
    id: str
    kind: str
    role: str | None
    status: str
    attempts: int
    max_attempts: int
    due_at: datetime
    created_at: datetime
    done_at: datetime | None
    last_error: str | None
    channel: str | None  # "mail" / "teams" for sends


@dataclass(frozen=True)
class SlotItem:
    start: datetime
    end: datetime
    status: str
    offer_round: int


@dataclass(frozen=True)
class ExtraRecord:
    """A row of an optional table (feedback, decisions) shown as field → value."""

    table: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class InterviewDetail:
    row: TrackerRow
    format: str
    location: str | None
    join_url: str | None
    duration_minutes: int
    round: int
    calendar_event_id: str | None
    ics_sequence: int
    reschedule_count: int
    booked_at: datetime | None
    candidate_windows: str | None
    client_zone: str
    candidate_zone: str
    history: list[HistoryItem]
    jobs: list[JobItem]
    slots: list[SlotItem]
    extras: list[ExtraRecord] = field(default_factory=list)
    # The windows the candidate's words were read as: (in the client's zone, in the candidate's).
    proposed_windows: list[tuple[str, str]] = field(default_factory=list)
    proposal_accepted: bool = False


# Columns of the feedback and outcome rows the interview page does not show.
_HIDDEN_FIELDS = frozenset({"id", "interview_id", "token_hash", "payload"})


def _record(table: str, row: Any) -> ExtraRecord:
    fields = {c.key: getattr(row, c.key) for c in row.__mapper__.column_attrs}
    return ExtraRecord(table, {k: v for k, v in fields.items() if k not in _HIDDEN_FIELDS})


async def interview_detail(
    sessions: async_sessionmaker[AsyncSession],
    interview_id: str,
    *,
    now: datetime,
    policy: OverduePolicy = DEFAULT_OVERDUE,
) -> InterviewDetail | None:
    async with sessions() as session:
        found = (await session.execute(row_select().where(Interview.id == interview_id))).first()
        if found is None:
            return None
        row = tracker_row(found, now, policy)
        extra = (
            await session.execute(
                select(
                    Interview.format, Interview.location, Interview.join_url, Interview.duration_minutes,
                    Interview.round, Interview.calendar_event_id, Interview.ics_sequence,
                    Interview.reschedule_count, Interview.booked_at, Interview.candidate_windows,
                    CLIENT_PARTY.timezone.label("client_zone"),
                    CANDIDATE_PARTY.timezone.label("candidate_zone"),
                )
                .join(CLIENT_PARTY, CLIENT_PARTY.id == Interview.client_id)
                .join(CANDIDATE_PARTY, CANDIDATE_PARTY.id == Interview.candidate_id)
                .where(Interview.id == interview_id)
            )
        ).one()
        actor = aliased(Party, name="actor")
        history = [
            HistoryItem(
                at=h.at,
                action=h.action,
                actor=(h.actor_name or "") + (f" ({h.actor_role})" if h.actor_role else "")
                if h.actor_name else (h.actor_role or "askARSAN"),
                detail=h.detail or {},
            )
            for h in await session.execute(
                select(AuditEvent.at, AuditEvent.action, AuditEvent.actor_role, AuditEvent.detail,
                       actor.display_name.label("actor_name"))
                .outerjoin(actor, actor.id == AuditEvent.actor_party_id)
                .where(AuditEvent.interview_id == interview_id)
                .order_by(AuditEvent.at, AuditEvent.id)
            )
        ]
        jobs = [
            JobItem(
                id=j.id, kind=j.kind, role=j.role, status=j.status, attempts=j.attempts,
                max_attempts=j.max_attempts, due_at=j.due_at, created_at=j.created_at,
                done_at=j.done_at, last_error=j.last_error,
                channel={"send_mail": "mail", "send_activity": "teams"}.get(j.kind),
            )
            for j in await session.execute(
                select(Job.id, Job.kind, Job.role, Job.status, Job.attempts, Job.max_attempts,
                       Job.due_at, Job.created_at, Job.done_at, Job.last_error)
                .where(Job.interview_id == interview_id)
                .order_by(Job.created_at, Job.due_at, Job.id)
                .limit(500)
            )
        ]
        slots = [
            SlotItem(s.start, s.end, s.status, s.offer_round)
            for s in await session.execute(
                select(Slot.start, Slot.end, Slot.status, Slot.offer_round)
                .where(Slot.interview_id == interview_id)
                .order_by(Slot.offer_round, Slot.start)
            )
        ]
        extras = [
            _record("feedback", f)
            for f in await session.scalars(
                select(Feedback).where(Feedback.interview_id == interview_id).order_by(Feedback.role)
            )
        ]
        outcome = await session.get(InterviewOutcome, interview_id)
        if outcome is not None:
            extras.append(_record("interview_outcomes", outcome))
    windows = extra.candidate_windows or {}
    return InterviewDetail(
        row=row,
        format=extra.format,
        location=extra.location,
        join_url=extra.join_url,
        duration_minutes=extra.duration_minutes,
        round=extra.round,
        calendar_event_id=extra.calendar_event_id,
        ics_sequence=extra.ics_sequence,
        reschedule_count=extra.reschedule_count,
        booked_at=extra.booked_at,
        candidate_windows=str(windows["text"]) if windows.get("text") else None,
        client_zone=extra.client_zone,
        candidate_zone=extra.candidate_zone,
        history=history,
        jobs=jobs,
        slots=slots,
        extras=extras,
        proposed_windows=[
            (format_local_range(w, extra.client_zone), format_local_range(w, extra.candidate_zone))
            for w in proposed_intervals(windows)
        ],
        proposal_accepted=bool(windows.get("accepted")),
    )


# KPIs --------------------------------------------------------------------------------------------


async def interview_facts(
    sessions: async_sessionmaker[AsyncSession], period: Interval
) -> list[InterviewFacts]:
    """Facts for the KPIs of `period`: interviews requested or booked within it.

    A cancelled interview's cancellation time is when it entered that stage; feedback was
    requested when the request_feedback effect was recorded; feedback answers, no-show sides and
    decisions come from the `feedback` and `interview_outcomes` tables.
    """
    asked = (
        select(Job.interview_id, func.min(Job.created_at).label("asked_at"))
        .where(Job.kind == "request_feedback")
        .group_by(Job.interview_id)
        .subquery()
    )
    in_period = or_(
        and_(Interview.requested_at >= period.start, Interview.requested_at < period.end),
        and_(Interview.booked_at >= period.start, Interview.booked_at < period.end),
    )
    answered = (
        select(
            Feedback.interview_id,
            func.min(case((Feedback.role == CLIENT, Feedback.submitted_at))).label("client_at"),
            func.min(case((Feedback.role == CANDIDATE, Feedback.submitted_at))).label("candidate_at"),
        )
        .group_by(Feedback.interview_id)
        .subquery()
    )
    statement = (
        select(
            Interview.id, Interview.requested_at, Interview.booked_at, Interview.starts_at,
            Interview.reschedule_count, Interview.stage, Interview.stage_changed_at, asked.c.asked_at,
            answered.c.client_at, answered.c.candidate_at, InterviewOutcome.no_show,
            InterviewOutcome.decision,
        )
        .outerjoin(asked, asked.c.interview_id == Interview.id)
        .outerjoin(answered, answered.c.interview_id == Interview.id)
        .outerjoin(InterviewOutcome, InterviewOutcome.interview_id == Interview.id)
    )
    async with sessions() as session:
        result = (await session.execute(statement.where(in_period))).mappings()
        return [
            InterviewFacts(
                interview_id=r["id"],
                requested_at=r["requested_at"],
                booked_at=r["booked_at"],
                starts_at=r["starts_at"],
                reschedules=r["reschedule_count"],
                cancelled_at=r["stage_changed_at"] if r["stage"] == Stage.CANCELLED.value else None,
                no_show=r.get("no_show") or None,
                feedback_requested_at=r["asked_at"],
                client_feedback_at=_utc(r.get("client_at")),
                candidate_feedback_at=_utc(r.get("candidate_at")),
                decision=r.get("decision") or None,
            )
            for r in result
        ]


def _utc(value: Any) -> datetime | None:
    """An aggregate (min over a CASE) of a time: SQLite may hand it back as naive UTC text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value if isinstance(value, datetime) else None


# Failed jobs (all interviews) --------------------------------------------------------------------


async def failed_job_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Job).where(Job.status == FAILED))
                   or 0)


async def job_interview(sessions: async_sessionmaker[AsyncSession], job_id: str) -> str | None:
    async with sessions() as session:
        return await session.scalar(select(Job.interview_id).where(Job.id == job_id))
