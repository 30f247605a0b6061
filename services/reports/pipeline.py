"""The pipeline: flat rows from queries made for the pages (the read side, apart from the use cases).

Nothing here walks domain objects or loads an interview to look at it: each page is a handful of
queries over `interviews` joined to `parties`, with correlated counts of failed jobs, bounded by the
page size. The overdue rules are a pure function (`next_action`) and, for filtering and sorting,
the same rules as one SQL expression (`overdue_clause`); a test holds the two together.

Times are UTC here; the pages show them in the viewer's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from cards.pipeline import PipelineRow
from scheduling.interview import OPEN_STAGES, Stage
from scheduling.zones import format_local
from storage.jobs import FAILED
from storage.models import (
    Booking,
    Interview,
    InterviewInterviewer,
    InterviewRecruiter,
    Job,
    Party,
    TeamMember,
)

PAGE_SIZE = 50

# Who owes the next action, as the pages and cards name them.
CLIENT, CANDIDATE, RECRUITER, ASKARSAN = "client", "candidate", "recruiter", "askARSAN"
BOTH = "client and candidate"


@dataclass(frozen=True)
class OverduePolicy:
    """When a wait becomes overdue. Defaults: the agency's procedure gives the client two days to
    offer slots and the candidate two days to pick one, and both sides three days for feedback."""

    slots_within: timedelta = timedelta(hours=48)
    pick_within: timedelta = timedelta(hours=48)
    feedback_within: timedelta = timedelta(hours=72)


DEFAULT_OVERDUE = OverduePolicy()


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
    policy: OverduePolicy = DEFAULT_OVERDUE,
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


def overdue_clause(now: datetime, policy: OverduePolicy = DEFAULT_OVERDUE) -> ColumnElement[bool]:
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


# Whose interviews: the viewer's own (as owner or co-recruiter), or their team's.
MINE, TEAM = "mine", "team"
SCOPES = {MINE: "Mine", TEAM: "My team"}


def mine_clause(party_id: str) -> ColumnElement[bool]:
    """Interviews `party_id` owns or co-recruits."""
    co = select(InterviewRecruiter.interview_id).where(InterviewRecruiter.party_id == party_id)
    return or_(Interview.recruiter_id == party_id, Interview.id.in_(co))


def team_clause(party_id: str) -> ColumnElement[bool]:
    """Interviews whose owner or a co-recruiter shares a team with `party_id` (theirs included,
    in a team or not)."""
    teams = select(TeamMember.team_id).where(TeamMember.party_id == party_id)
    mates = select(TeamMember.party_id).where(TeamMember.team_id.in_(teams))
    co = select(InterviewRecruiter.interview_id).where(InterviewRecruiter.party_id.in_(mates))
    return or_(mine_clause(party_id), Interview.recruiter_id.in_(mates), Interview.id.in_(co))


def scope_clause(scope: str, party_id: str) -> ColumnElement[bool]:
    return team_clause(party_id) if scope == TEAM else mine_clause(party_id)


@dataclass(frozen=True)
class PipelineFilter:
    client_id: str | None = None
    recruiter_id: str | None = None
    # MINE or TEAM of the recruiter `viewer_id` (the one signed in); None: everyone's.
    scope: str | None = None
    viewer_id: str | None = None
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


RECRUITER_PARTY = aliased(Party, name="recruiter")
CLIENT_PARTY = aliased(Party, name="client")
CANDIDATE_PARTY = aliased(Party, name="candidate")


def row_select() -> Select[Any]:
    return (
        select(
            Interview.id,
            Interview.role_title,
            Interview.stage,
            Interview.client_id,
            CLIENT_PARTY.display_name.label("client_name"),
            CLIENT_PARTY.organisation.label("client_org"),
            CANDIDATE_PARTY.display_name.label("candidate_name"),
            Interview.recruiter_id,
            RECRUITER_PARTY.display_name.label("recruiter_name"),
            RECRUITER_PARTY.timezone.label("recruiter_zone"),
            Interview.starts_at,
            Interview.ends_at,
            Interview.requested_at,
            Interview.stage_changed_at,
            Interview.deadline,
            _failed_count().label("failed_jobs"),
        )
        .join(CLIENT_PARTY, CLIENT_PARTY.id == Interview.client_id)
        .join(CANDIDATE_PARTY, CANDIDATE_PARTY.id == Interview.candidate_id)
        .join(RECRUITER_PARTY, RECRUITER_PARTY.id == Interview.recruiter_id)
    )


def _conditions(f: PipelineFilter, now: datetime, policy: OverduePolicy) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.client_id:
        where.append(Interview.client_id == f.client_id)
    if f.recruiter_id:
        where.append(Interview.recruiter_id == f.recruiter_id)
    if f.scope and f.viewer_id:
        where.append(scope_clause(f.scope, f.viewer_id))
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


def tracker_row(row: Any, now: datetime, policy: OverduePolicy) -> TrackerRow:
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
    policy: OverduePolicy = DEFAULT_OVERDUE,
    page_size: int = PAGE_SIZE,
) -> PipelinePage:
    """One page of the filtered pipeline and the number of interviews that match."""
    where = _conditions(f, now, policy)
    async with sessions() as session:
        total = int(await session.scalar(select(func.count()).select_from(Interview).where(*where)) or 0)
        pages = max((total + page_size - 1) // page_size, 1)
        page = min(max(f.page, 1), pages)
        result = await session.execute(
            row_select()
            .where(*where)
            .order_by(*_order(f.sort, now, policy))
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        rows = [tracker_row(r, now, policy) for r in result]
    return PipelinePage(rows=rows, total=total, page=page, pages=pages)


async def pipeline_export(
    sessions: async_sessionmaker[AsyncSession],
    f: PipelineFilter,
    *,
    now: datetime,
    policy: OverduePolicy = DEFAULT_OVERDUE,
    limit: int = 50_000,
) -> list[TrackerRow]:
    """Every interview the filter matches (no paging), for the CSV export."""
    async with sessions() as session:
        result = await session.execute(
            row_select()
            .where(*_conditions(f, now, policy))
            .order_by(*_order(f.sort, now, policy))
            .limit(limit)
        )
        return [tracker_row(r, now, policy) for r in result]


async def pipeline_rows(
    sessions: async_sessionmaker[AsyncSession],
    *,
    recruiter_id: str | None = None,
    upcoming: bool = False,
    now: datetime,
    limit: int = 10,
    policy: OverduePolicy = DEFAULT_OVERDUE,
    team: bool = False,
) -> list[PipelineRow]:
    """The Teams "pipeline" (open interviews, overdue first, then soonest) or "upcoming" (booked,
    not yet started, soonest first) command's rows: the recruiter's own (owned or co-recruited),
    or with `team` their team's; times in the zone of the recruiter asking."""
    statement = row_select()
    if recruiter_id is not None:
        statement = statement.where(scope_clause(TEAM if team else MINE, recruiter_id))
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
        rows = [tracker_row(r, now, policy) for r in result]
        # In the zone of the recruiter asking (a team's interviews have other owners).
        own_zone = (
            await session.scalar(select(Party.timezone).where(Party.id == recruiter_id))
            if recruiter_id is not None else None
        )
    return [
        PipelineRow(
            interview_id=r.id,
            candidate=r.candidate_name,
            client=r.client_org or r.client_name,
            role_title=r.role_title,
            stage=r.stage,
            when=format_local(r.starts_at, own_zone or r.recruiter_zone) if r.starts_at else None,
            next_action=(
                f"{r.action.text} ({r.action.owed_by})" if r.action and r.action.owed_by else
                (r.action.text if r.action else None)
            ),
            overdue=bool(r.action and r.action.overdue),
            owner=r.recruiter_name if team else None,
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


async def co_recruiters(sessions: async_sessionmaker[AsyncSession], interview_id: str) -> list[Choice]:
    """The interview's co-recruiters (beside its owner), in the order they were added."""
    async with sessions() as session:
        rows = await session.execute(
            select(Party.id, Party.display_name, Party.email)
            .join(InterviewRecruiter, InterviewRecruiter.party_id == Party.id)
            .where(InterviewRecruiter.interview_id == interview_id)
            .order_by(InterviewRecruiter.added_at, Party.id)
        )
        return [Choice(r.id, f"{r.display_name} ({r.email})" if r.email and r.email != r.display_name
                       else r.display_name) for r in rows]


@dataclass(frozen=True)
class PanelSeat:
    """One interviewer beside the client contact, as the tracker shows them."""

    name: str
    zone: str
    required: bool
    attending: bool | None  # None while nothing is booked


async def panel(sessions: async_sessionmaker[AsyncSession], interview_id: str) -> list[PanelSeat]:
    """The interview's other interviewers (the client contact is shown as the client), in the
    recruiter's order; ``attending`` says whether each holds a booking of the booked time."""
    async with sessions() as session:
        booked = select(Booking.client_id).where(
            Booking.interview_id == interview_id, Booking.status == "active"
        )
        attending = list(await session.scalars(booked))
        rows = await session.execute(
            select(Party.display_name, Party.timezone, Party.id, InterviewInterviewer.required)
            .join(InterviewInterviewer, InterviewInterviewer.party_id == Party.id)
            .join(Interview, Interview.id == InterviewInterviewer.interview_id)
            .where(InterviewInterviewer.interview_id == interview_id, Party.id != Interview.client_id)
            .order_by(InterviewInterviewer.position)
        )
        return [PanelSeat(r.display_name, r.timezone, r.required, (r.id in attending) if attending else None)
                for r in rows]


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
