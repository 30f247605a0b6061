"""The read side: what the tracker's pages, the CSV export, the iCalendar feeds and the Teams
``pipeline`` command read, from queries made for them (not by walking the domain objects).

Reports read through ``ServiceContext.read_sessions`` (on a SQLite file a read-only engine off the
event loop, so a report over thousands of interviews does not stall the turns in flight);
the few writes here (feed tokens, a job's retry) go through the main sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cards.pipeline import PipelineRow
from scheduling.intervals import Interval
from scheduling.kpi import InterviewFacts
from services.context import ServiceContext
from services.policy import RunningPolicy, running
from services.reports.clients import (
    ClientDetail,
    ClientRow,
    ClientsPage,
    PageVersionItem,
    UpcomingItem,
    client_detail,
    clients_page,
)
from services.reports.feeds import (
    Feed,
    FeedItem,
    UnknownRecruiter,
    UnknownScope,
    create_feed,
    feed_for_token,
    feeds,
    revoke_feed,
)
from services.reports.interview import (
    InterviewDetail,
    failed_job_count,
    interview_detail,
    interview_facts,
    job_interview,
)
from services.reports.pipeline import (
    MINE,
    PAGE_SIZE,
    SCOPES,
    SORTS,
    TEAM,
    Choice,
    NextAction,
    OverduePolicy,
    PanelSeat,
    PipelineFilter,
    PipelinePage,
    TrackerRow,
    co_recruiters,
    filter_choices,
    humanize,
    next_action,
    overdue_clause,
    panel,
    pipeline_export,
    pipeline_page,
    pipeline_rows,
    recruiter_for,
)
from storage.jobs import requeue
from storage.models import Interview

__all__ = [
    "MINE",
    "PAGE_SIZE",
    "SCOPES",
    "SORTS",
    "TEAM",
    "Choice",
    "ClientDetail",
    "ClientRow",
    "ClientsPage",
    "Feed",
    "FeedItem",
    "InterviewDetail",
    "NextAction",
    "OverduePolicy",
    "PageVersionItem",
    "PanelSeat",
    "PipelineFilter",
    "PipelinePage",
    "Reports",
    "TrackerRow",
    "UnknownRecruiter",
    "UnknownScope",
    "UpcomingItem",
    "humanize",
    "next_action",
    "overdue_clause",
]


@dataclass
class Reports:
    """The read side bound to the app's context (``Services.reports``)."""

    ctx: ServiceContext
    policy: OverduePolicy = field(default_factory=OverduePolicy)

    async def pipeline_page(self, f: PipelineFilter) -> PipelinePage:
        return await pipeline_page(self.ctx.read_sessions, f, now=self.ctx.now(), policy=self.policy)

    async def pipeline_export(self, f: PipelineFilter) -> list[TrackerRow]:
        return await pipeline_export(self.ctx.read_sessions, f, now=self.ctx.now(), policy=self.policy)

    async def pipeline(
        self, recruiter_id: str, *, upcoming: bool, limit: int = 10, team: bool = False
    ) -> list[PipelineRow]:
        """The Teams ``pipeline`` / ``upcoming`` command's rows (``team``: the recruiter's team's)."""
        return await pipeline_rows(
            self.ctx.read_sessions, recruiter_id=recruiter_id, upcoming=upcoming, now=self.ctx.now(),
            limit=limit, policy=self.policy, team=team,
        )

    async def filter_choices(self) -> tuple[list[Choice], list[Choice]]:
        return await filter_choices(self.ctx.read_sessions)

    async def failed_job_count(self) -> int:
        return await failed_job_count(self.ctx.read_sessions)

    async def interview(self, interview_id: str) -> InterviewDetail | None:
        return await interview_detail(
            self.ctx.read_sessions, interview_id, now=self.ctx.now(), policy=self.policy
        )

    async def interview_policy(self, interview_id: str) -> RunningPolicy | None:
        """The policy the interview runs under (``services.policy``), for its page."""
        async with self.ctx.read_sessions() as session:
            found = await session.get(Interview, interview_id)
            return running(found, self.ctx.config.policy) if found is not None else None

    async def kpi_facts(self, period: Interval) -> list[InterviewFacts]:
        return await interview_facts(self.ctx.read_sessions, period)

    async def clients(self, *, page: int = 1) -> ClientsPage:
        """The client contacts with their booking page's version and upcoming bookings."""
        return await clients_page(self.ctx.read_sessions, now=self.ctx.now(), page=page)

    async def client(self, client_id: str) -> ClientDetail | None:
        return await client_detail(self.ctx.read_sessions, client_id, now=self.ctx.now())

    async def recruiter_for(self, *, object_id: str | None, email: str | None) -> tuple[str, str] | None:
        return await recruiter_for(self.ctx.sessions, object_id=object_id, email=email)

    async def retry_job(self, job_id: str) -> tuple[bool, str | None]:
        """A failed job, due again now: (whether it was requeued, its interview)."""
        interview_id = await job_interview(self.ctx.sessions, job_id)
        done = await requeue(self.ctx.sessions, job_id, self.ctx.now())
        if done:
            self.ctx.doorbell.ring()
        return done, interview_id

    async def feeds(self) -> list[FeedItem]:
        return await feeds(self.ctx.read_sessions)

    async def create_feed(self, recruiter_id: str, *, created_by: str | None, scope: str = MINE) -> str:
        return await create_feed(
            self.ctx.sessions, recruiter_id, created_by=created_by, now=self.ctx.now(), scope=scope
        )

    async def co_recruiters(self, interview_id: str) -> list[Choice]:
        return await co_recruiters(self.ctx.read_sessions, interview_id)

    async def panel(self, interview_id: str) -> list[PanelSeat]:
        return await panel(self.ctx.read_sessions, interview_id)

    async def revoke_feed(self, feed_id: str) -> bool:
        return await revoke_feed(self.ctx.sessions, feed_id, now=self.ctx.now())

    async def feed(self, token: str) -> Feed | None:
        return await feed_for_token(self.ctx.read_sessions, token, now=self.ctx.now())
