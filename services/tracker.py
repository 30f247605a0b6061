"""The tracker's read side (CONVENTIONS.md 12): flat rows from queries made for the pages.

Nothing here walks domain objects or loads an interview to look at it: each page is a handful of
queries over `interviews` joined to `parties`, with correlated counts of failed jobs, bounded by the
page size. The overdue rules are a pure function (`next_action`) and, for filtering and sorting,
the same rules as one SQL expression (`overdue_clause`); a test holds the two together.

Times are UTC here; the pages show them in the viewer's zone.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    column,
    func,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy import table as sql_table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from cards.pipeline import PipelineRow
from scheduling.intervals import Interval
from scheduling.interview import OPEN_STAGES, Format, InterviewView, PartyView, Stage
from scheduling.kpi import InterviewFacts
from scheduling.zones import format_local
from storage.db import UtcDateTime
from storage.jobs import FAILED
from storage.models import AuditEvent, Interview, Job, Party, Slot
from storage.tracker import FeedToken

PAGE_SIZE = 50

# Who owes the next action, as the pages and cards name them.
CLIENT, CANDIDATE, RECRUITER, ASKARSAN = "client", "candidate", "recruiter", "askARSAN"
BOTH = "client and candidate"


@dataclass(frozen=True)
class OverduePolicy:
    """When a wait becomes overdue. Defaults: DESIGN.md §2.1 step 8 and §2.2 step 3."""

    slots_within: timedelta = timedelta(hours=48)
    pick_within: timedelta = timedelta(hours=48)
    feedback_within: timedelta = timedelta(hours=72)


@dataclass(frozen=True)
class NextAction:
    text: str
    owed_by: str | None
    overdue: str | None = None  # why it is overdue, or None


def next_action(
    stage: Stage,
    *,
    stage_changed_at: datetime,
    starts_at: datetime | None,
    deadline: datetime | None,
    failed_jobs: int,
    now: datetime,
    policy: OverduePolicy = OverduePolicy(),
) -> NextAction | None:
    """What has to happen next for an interview, who owes it, and whether it is overdue.

    Failed jobs come first: only the recruiter can get them going again. The rules here and
    `overdue_clause` must say the same (tests/tracker/test_overdue.py runs both).
    """
    waited = now - stage_changed_at
    if failed_jobs:
        noun = "message" if failed_jobs == 1 else "messages"
        return NextAction(f"Retry {failed_jobs} failed {noun}", RECRUITER, f"{failed_jobs} failed {noun}")
    missed_deadline = (
        f"deadline passed ({_ago(now - deadline)} ago)"
        if deadline is not None and deadline <= now
        else None
    )
    match stage:
        case Stage.REQUESTED:
            return NextAction("Ask the client for slots", ASKARSAN, missed_deadline)
        case Stage.AWAITING_SLOTS:
            late = f"no slots for {_ago(waited)}" if waited >= policy.slots_within else None
            return NextAction("Offer time slots", CLIENT, late or missed_deadline)
        case Stage.AWAITING_PICK:
            late = f"no pick for {_ago(waited)}" if waited >= policy.pick_within else None
            return NextAction("Pick a slot", CANDIDATE, late or missed_deadline)
        case Stage.SCHEDULED:
            return NextAction("Attend the interview", BOTH)
        case Stage.COMPLETED:
            return NextAction("Feedback requests go out", ASKARSAN)
        case Stage.AWAITING_FEEDBACK:
            late = f"no feedback for {_ago(waited)}" if waited >= policy.feedback_within else None
            return NextAction("Give feedback", BOTH, late)
        case Stage.FEEDBACK_COMPLETE:
            return NextAction("Decide the next step", RECRUITER)
    return None  # decided, cancelled, no-show: nothing left to do


def overdue_clause(now: datetime, policy: OverduePolicy = OverduePolicy()) -> ColumnElement[bool]:
    """`next_action(...).overdue is not None` as SQL over `interviews` (for filters and sorting)."""
    waiting = (Stage.REQUESTED.value, Stage.AWAITING_SLOTS.value, Stage.AWAITING_PICK.value)
    return or_(
        _has_failed_jobs(),
        and_(Interview.stage == Stage.AWAITING_SLOTS.value,
             Interview.stage_changed_at <= now - policy.slots_within),
        and_(Interview.stage == Stage.AWAITING_PICK.value,
             Interview.stage_changed_at <= now - policy.pick_within),
        and_(Interview.stage == Stage.AWAITING_FEEDBACK.value,
             Interview.stage_changed_at <= now - policy.feedback_within),
        and_(Interview.stage.in_(waiting), Interview.deadline.is_not(None), Interview.deadline <= now),
    )


def _has_failed_jobs() -> ColumnElement[bool]:
    # Uncorrelated: failed jobs are few and read from the (status, due_at) index once, instead
    # of a lookup per interview when the overdue rule is evaluated over the whole table.
    failed = select(Job.interview_id).where(Job.status == FAILED, Job.interview_id.is_not(None))
    return Interview.id.in_(failed)


def _failed_count() -> Any:
    return (
        select(func.count())
        .where(Job.interview_id == Interview.id, Job.status == FAILED)
        .correlate(Interview)
        .scalar_subquery()
    )


def _ago(delta: timedelta) -> str:
    return humanize(delta)


def humanize(delta: timedelta) -> str:
    """"3 d 4 h", "5 h 20 min", "12 min": short, and never "0 min" for a positive wait."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{max(mins, 1) if delta.total_seconds() > 0 else 0} min"


# Pipeline ----------------------------------------------------------------------------------------

SORTS = {
    "attention": "Overdue first, then newest",
    "recent": "Newest request first",
    "date": "Interview date",
    "waiting": "Longest in stage",
}


@dataclass(frozen=True)
class PipelineFilter:
    client_id: str | None = None
    recruiter_id: str | None = None
    stage: Stage | None = None
    starts_from: datetime | None = None  # interview date range, UTC, half-open
    starts_before: datetime | None = None
    overdue_only: bool = False
    sort: str = "attention"
    page: int = 1


@dataclass(frozen=True)
class TrackerRow:
    id: str
    role_title: str
    stage: Stage
    client_id: str
    client_name: str
    client_org: str | None
    candidate_name: str
    recruiter_id: str
    recruiter_name: str
    recruiter_zone: str
    starts_at: datetime | None
    ends_at: datetime | None
    requested_at: datetime
    stage_changed_at: datetime
    deadline: datetime | None
    failed_jobs: int
    action: NextAction | None

    @property
    def client_label(self) -> str:
        return f"{self.client_org} · {self.client_name}" if self.client_org else self.client_name


@dataclass(frozen=True)
class PipelinePage:
    rows: list[TrackerRow]
    total: int
    page: int
    pages: int


_recruiter = aliased(Party, name="recruiter")
_client = aliased(Party, name="client")
_candidate = aliased(Party, name="candidate")


def _row_select() -> Select[Any]:
    return (
        select(
            Interview.id,
            Interview.role_title,
            Interview.stage,
            Interview.client_id,
            _client.display_name.label("client_name"),
            _client.organisation.label("client_org"),
            _candidate.display_name.label("candidate_name"),
            Interview.recruiter_id,
            _recruiter.display_name.label("recruiter_name"),
            _recruiter.timezone.label("recruiter_zone"),
            Interview.starts_at,
            Interview.ends_at,
            Interview.requested_at,
            Interview.stage_changed_at,
            Interview.deadline,
            _failed_count().label("failed_jobs"),
        )
        .join(_client, _client.id == Interview.client_id)
        .join(_candidate, _candidate.id == Interview.candidate_id)
        .join(_recruiter, _recruiter.id == Interview.recruiter_id)
    )


def _conditions(f: PipelineFilter, now: datetime, policy: OverduePolicy) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.client_id:
        where.append(Interview.client_id == f.client_id)
    if f.recruiter_id:
        where.append(Interview.recruiter_id == f.recruiter_id)
    if f.stage is not None:
        where.append(Interview.stage == f.stage.value)
    if f.starts_from is not None:
        where.append(Interview.starts_at >= f.starts_from)
    if f.starts_before is not None:
        where.append(Interview.starts_at < f.starts_before)
    if f.overdue_only:
        where.append(overdue_clause(now, policy))
    return where


def _order(sort: str, now: datetime, policy: OverduePolicy) -> list[Any]:
    if sort == "date":
        return [Interview.starts_at.is_(None), Interview.starts_at, Interview.requested_at.desc()]
    if sort == "waiting":
        return [Interview.stage_changed_at, Interview.id]
    if sort == "recent":
        return [Interview.requested_at.desc(), Interview.id]
    # "attention": overdue first, then the newest requests.
    return [case((overdue_clause(now, policy), 0), else_=1), Interview.requested_at.desc(), Interview.id]


def _tracker_row(row: Any, now: datetime, policy: OverduePolicy) -> TrackerRow:
    stage = Stage(row.stage)
    return TrackerRow(
        id=row.id,
        role_title=row.role_title,
        stage=stage,
        client_id=row.client_id,
        client_name=row.client_name,
        client_org=row.client_org,
        candidate_name=row.candidate_name,
        recruiter_id=row.recruiter_id,
        recruiter_name=row.recruiter_name,
        recruiter_zone=row.recruiter_zone,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        requested_at=row.requested_at,
        stage_changed_at=row.stage_changed_at,
        deadline=row.deadline,
        failed_jobs=int(row.failed_jobs or 0),
        action=next_action(
            stage,
            stage_changed_at=row.stage_changed_at,
            starts_at=row.starts_at,
            deadline=row.deadline,
            failed_jobs=int(row.failed_jobs or 0),
            now=now,
            policy=policy,
        ),
    )


async def pipeline_page(
    sessions: async_sessionmaker[AsyncSession],
    f: PipelineFilter,
    *,
    now: datetime,
    policy: OverduePolicy = OverduePolicy(),
    page_size: int = PAGE_SIZE,
) -> PipelinePage:
    """One page of the filtered pipeline and the number of interviews that match."""
    where = _conditions(f, now, policy)
    async with sessions() as session:
        total = int(await session.scalar(select(func.count()).select_from(Interview).where(*where)) or 0)
        pages = max((total + page_size - 1) // page_size, 1)
        page = min(max(f.page, 1), pages)
        result = await session.execute(
            _row_select()
            .where(*where)
            .order_by(*_order(f.sort, now, policy))
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        rows = [_tracker_row(r, now, policy) for r in result]
    return PipelinePage(rows=rows, total=total, page=page, pages=pages)


async def pipeline_export(
    sessions: async_sessionmaker[AsyncSession],
    f: PipelineFilter,
    *,
    now: datetime,
    policy: OverduePolicy = OverduePolicy(),
    limit: int = 50_000,
) -> list[TrackerRow]:
    """Every interview the filter matches (no paging), for the CSV export."""
    async with sessions() as session:
        result = await session.execute(
            _row_select()
            .where(*_conditions(f, now, policy))
            .order_by(*_order(f.sort, now, policy))
            .limit(limit)
        )
        return [_tracker_row(r, now, policy) for r in result]


async def pipeline_rows(
    sessions: async_sessionmaker[AsyncSession],
    *,
    recruiter_id: str | None = None,
    upcoming: bool = False,
    now: datetime,
    limit: int = 10,
    policy: OverduePolicy = OverduePolicy(),
) -> list[PipelineRow]:
    """The Teams "pipeline" (open interviews, overdue first, then soonest) or "upcoming" (booked,
    not yet started, soonest first) command's rows; times in the recruiter's own zone."""
    statement = _row_select()
    if recruiter_id is not None:
        statement = statement.where(Interview.recruiter_id == recruiter_id)
    if upcoming:
        statement = statement.where(
            Interview.stage == Stage.SCHEDULED.value, Interview.starts_at >= now
        ).order_by(Interview.starts_at, Interview.id)
    else:
        statement = statement.where(Interview.stage.in_([s.value for s in OPEN_STAGES])).order_by(
            case((overdue_clause(now, policy), 0), else_=1),
            Interview.starts_at.is_(None),
            Interview.starts_at,
            Interview.requested_at,
        )
    async with sessions() as session:
        result = await session.execute(statement.limit(limit))
        rows = [_tracker_row(r, now, policy) for r in result]
    return [
        PipelineRow(
            interview_id=r.id,
            candidate=r.candidate_name,
            client=r.client_org or r.client_name,
            role_title=r.role_title,
            stage=r.stage,
            when=format_local(r.starts_at, r.recruiter_zone) if r.starts_at else None,
            next_action=(
                f"{r.action.text} ({r.action.owed_by})" if r.action and r.action.owed_by else
                (r.action.text if r.action else None)
            ),
            overdue=bool(r.action and r.action.overdue),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


async def filter_choices(
    sessions: async_sessionmaker[AsyncSession], limit: int = 500
) -> tuple[list[Choice], list[Choice]]:
    """The clients and recruiters the filters offer (parties that have interviews)."""
    async with sessions() as session:
        clients = await session.execute(
            select(Party.id, Party.display_name, Party.organisation)
            .where(Party.kind == "client", Party.erased_at.is_(None))
            .order_by(Party.organisation, Party.display_name)
            .limit(limit)
        )
        recruiters = await session.execute(
            select(Party.id, Party.display_name)
            .where(Party.kind == "recruiter")
            .order_by(Party.display_name)
            .limit(limit)
        )
        return (
            [Choice(r.id, f"{r.organisation} · {r.display_name}" if r.organisation else r.display_name)
             for r in clients],
            [Choice(r.id, r.display_name) for r in recruiters],
        )


async def recruiter_for(
    sessions: async_sessionmaker[AsyncSession], *, object_id: str | None, email: str | None
) -> tuple[str, str] | None:
    """(party id, zone) of the recruiter who signed in, if our records know them."""
    conditions = []
    if object_id:
        conditions.append(Party.aad_object_id == object_id)
    if email:
        conditions.append(Party.email == email.strip().lower())
    if not conditions:
        return None
    async with sessions() as session:
        row = (
            await session.execute(
                select(Party.id, Party.timezone).where(Party.kind == "recruiter", or_(*conditions)).limit(1)
            )
        ).first()
    return (row.id, row.timezone) if row else None


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


# Tables another part of askARSAN may add (feedback, decisions); shown when present, never required.
OPTIONAL_TABLES = ("feedback", "interview_outcomes")
_HIDDEN_FIELDS = frozenset({"id", "interview_id", "token_hash", "payload"})


async def _optional_tables(session: AsyncSession) -> list[tuple[str, list[str]]]:
    """The optional tables present in this database, with their columns."""

    def names(sync_session: Any) -> list[tuple[str, list[str]]]:
        inspector = inspect(sync_session.connection())
        present = set(inspector.get_table_names())
        found = []
        for name in OPTIONAL_TABLES:
            if name in present:
                columns = [c["name"] for c in inspector.get_columns(name)]
                if "interview_id" in columns:
                    found.append((name, columns))
        return found

    return await session.run_sync(names)


async def interview_detail(
    sessions: async_sessionmaker[AsyncSession],
    interview_id: str,
    *,
    now: datetime,
    policy: OverduePolicy = OverduePolicy(),
) -> InterviewDetail | None:
    async with sessions() as session:
        found = (await session.execute(_row_select().where(Interview.id == interview_id))).first()
        if found is None:
            return None
        row = _tracker_row(found, now, policy)
        extra = (
            await session.execute(
                select(
                    Interview.format, Interview.location, Interview.join_url, Interview.duration_minutes,
                    Interview.round, Interview.calendar_event_id, Interview.ics_sequence,
                    Interview.reschedule_count, Interview.booked_at, Interview.candidate_windows,
                    _client.timezone.label("client_zone"), _candidate.timezone.label("candidate_zone"),
                )
                .join(_client, _client.id == Interview.client_id)
                .join(_candidate, _candidate.id == Interview.candidate_id)
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
        extras: list[ExtraRecord] = []
        for table, columns in await _optional_tables(session):
            statement = (
                select(*(column(c) for c in columns))
                .select_from(sql_table(table))
                .where(column("interview_id") == interview_id)
            )
            for rec in (await session.execute(statement)).mappings():
                extras.append(ExtraRecord(table, {k: v for k, v in rec.items() if k not in _HIDDEN_FIELDS}))
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
    )


# KPIs --------------------------------------------------------------------------------------------


async def interview_facts(
    sessions: async_sessionmaker[AsyncSession], period: Interval
) -> list[InterviewFacts]:
    """Facts for the KPIs of `period`: interviews requested or booked within it.

    A cancelled interview's cancellation time is when it entered that stage; feedback was
    requested when the request_feedback effect was recorded. Feedback answers, no-show sides and
    decisions come from the `feedback` and `interview_outcomes` tables when they exist (the
    feedback work, migration 0004); without them those facts are simply unknown.
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
    async with sessions() as session:
        present = {name for name, _ in await _optional_tables(session)}
        columns: list[Any] = [
            Interview.id, Interview.requested_at, Interview.booked_at, Interview.starts_at,
            Interview.reschedule_count, Interview.stage, Interview.stage_changed_at, asked.c.asked_at,
        ]
        statement = select(*columns).outerjoin(asked, asked.c.interview_id == Interview.id)
        if "feedback" in present:
            fb = sql_table("feedback", column("interview_id"), column("role"),
                           column("submitted_at", UtcDateTime()))
            answered = (
                select(
                    fb.c.interview_id,
                    func.min(case((fb.c.role == CLIENT, fb.c.submitted_at))).label("client_at"),
                    func.min(case((fb.c.role == CANDIDATE, fb.c.submitted_at))).label("candidate_at"),
                )
                .group_by(fb.c.interview_id)
                .subquery()
            )
            statement = statement.add_columns(answered.c.client_at, answered.c.candidate_at).outerjoin(
                answered, answered.c.interview_id == Interview.id
            )
        if "interview_outcomes" in present:
            outcome = sql_table("interview_outcomes", column("interview_id"), column("no_show"),
                                column("decision"))
            statement = statement.add_columns(outcome.c.no_show, outcome.c.decision).outerjoin(
                outcome, outcome.c.interview_id == Interview.id
            )
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
    """A time read through a lightweight table (no UtcDateTime type): SQLite gives naive UTC text."""
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


# iCalendar feeds ---------------------------------------------------------------------------------


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class FeedItem:
    id: str
    recruiter_id: str
    recruiter_name: str
    created_at: datetime
    created_by: str | None


async def feeds(sessions: async_sessionmaker[AsyncSession]) -> list[FeedItem]:
    async with sessions() as session:
        result = await session.execute(
            select(FeedToken.id, FeedToken.recruiter_id, Party.display_name, FeedToken.created_at,
                   FeedToken.created_by)
            .join(Party, Party.id == FeedToken.recruiter_id)
            .where(FeedToken.revoked_at.is_(None))
            .order_by(Party.display_name, FeedToken.created_at)
        )
        return [FeedItem(r.id, r.recruiter_id, r.display_name, r.created_at, r.created_by) for r in result]


class UnknownRecruiter(LookupError):
    pass


async def create_feed(
    sessions: async_sessionmaker[AsyncSession], recruiter_id: str, *, created_by: str | None, now: datetime
) -> str:
    """A new secret feed token (256 random bits) for a recruiter; only its SHA-256 is stored."""
    token = secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        kind = await session.scalar(select(Party.kind).where(Party.id == recruiter_id))
        if kind != "recruiter":
            raise UnknownRecruiter(recruiter_id)
        session.add(
            FeedToken(recruiter_id=recruiter_id, token_hash=hash_feed_token(token), created_at=now,
                      created_by=(created_by or "")[:200] or None)
        )
    return token


async def revoke_feed(sessions: async_sessionmaker[AsyncSession], feed_id: str, *, now: datetime) -> bool:
    async with sessions.begin() as session:
        result = await session.execute(
            update(FeedToken)
            .where(FeedToken.id == feed_id, FeedToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(FeedToken.id)
        )
        return result.scalar_one_or_none() is not None


@dataclass(frozen=True)
class Feed:
    recruiter_name: str
    events: list[tuple[InterviewView, int]]


FEED_PAST = timedelta(days=30)


async def feed_for_token(
    sessions: async_sessionmaker[AsyncSession], token: str, *, now: datetime
) -> Feed | None:
    """The interviews of the recruiter a live feed token belongs to: booked ones from a month
    ago on, and cancelled ones that had a time (so subscribers drop them)."""
    if not token or len(token) > 200:
        return None
    async with sessions() as session:
        owner = (
            await session.execute(
                select(FeedToken.recruiter_id, Party.display_name, Party.timezone)
                .join(Party, Party.id == FeedToken.recruiter_id)
                .where(FeedToken.token_hash == hash_feed_token(token), FeedToken.revoked_at.is_(None))
            )
        ).first()
        if owner is None:
            return None
        result = await session.execute(
            select(
                Interview.id, Interview.role_title, Interview.format, Interview.stage,
                Interview.duration_minutes, Interview.location, Interview.join_url,
                Interview.starts_at, Interview.ends_at, Interview.ics_sequence,
                _client.id.label("client_id"), _client.display_name.label("client_name"),
                _client.timezone.label("client_zone"), _client.organisation.label("client_org"),
                _candidate.id.label("candidate_id"), _candidate.display_name.label("candidate_name"),
                _candidate.timezone.label("candidate_zone"),
            )
            .join(_client, _client.id == Interview.client_id)
            .join(_candidate, _candidate.id == Interview.candidate_id)
            .where(
                Interview.recruiter_id == owner.recruiter_id,
                Interview.starts_at.is_not(None),
                Interview.ends_at.is_not(None),
                Interview.starts_at >= now - FEED_PAST,
                Interview.stage != Stage.AWAITING_SLOTS.value,  # a reschedule in progress: no time
            )
            .order_by(Interview.starts_at)
            .limit(1000)
        )
        recruiter = PartyView(owner.recruiter_id, owner.display_name, owner.timezone)
        events = [
            (
                InterviewView(
                    id=r.id,
                    role_title=r.role_title,
                    format=Format(r.format),
                    stage=Stage(r.stage),
                    duration=timedelta(minutes=r.duration_minutes),
                    recruiter=recruiter,
                    client=PartyView(r.client_id, r.client_name, r.client_zone, r.client_org),
                    candidate=PartyView(r.candidate_id, r.candidate_name, r.candidate_zone),
                    location=r.location,
                    join_url=r.join_url,
                    booked=Interval(r.starts_at, r.ends_at),
                ),
                r.ics_sequence,
            )
            for r in result
        ]
    return Feed(owner.display_name, events)


__all__ = [
    "PAGE_SIZE",
    "SORTS",
    "InterviewDetail",
    "NextAction",
    "OverduePolicy",
    "PipelineFilter",
    "PipelinePage",
    "TrackerRow",
    "create_feed",
    "feed_for_token",
    "feeds",
    "filter_choices",
    "interview_detail",
    "interview_facts",
    "next_action",
    "overdue_clause",
    "pipeline_export",
    "pipeline_page",
    "pipeline_rows",
    "revoke_feed",
]
