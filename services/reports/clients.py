"""The client contacts as the tracker lists them: who they are, their booking page's latest version
(with its hours in a line) and their upcoming booked interviews; and one client's page history.

Read-side queries (``ServiceContext.read_sessions``): the page itself, its change and its preview
go through ``services.availability``, the one way into booking pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from scheduling.interview import Stage
from scheduling.pages import BookingPage, InvalidPage
from storage.models import Booking, BookingPageRow, Interview, Party

CLIENTS_PAGE_SIZE = 100
HISTORY_LIMIT = 50
UPCOMING_LIMIT = 50


@dataclass(frozen=True)
class ClientRow:
    id: str
    name: str
    organisation: str | None
    email: str | None
    zone: str
    page_version: int | None  # None: no booking page yet
    page_hours: str | None  # the latest page's weekly hours in a line, with its zone
    upcoming: int  # booked interviews not over yet

    @property
    def label(self) -> str:
        return f"{self.organisation} · {self.name}" if self.organisation else self.name


@dataclass(frozen=True)
class ClientsPage:
    rows: list[ClientRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class PageVersionItem:
    version: int
    created_at: datetime
    created_by: str  # as people read it: a name and their role, "the JSON API", or as recorded


@dataclass(frozen=True)
class UpcomingItem:
    interview_id: str
    candidate_name: str
    role_title: str
    start: datetime
    end: datetime
    stage: Stage


@dataclass(frozen=True)
class ClientDetail:
    client: ClientRow
    versions: list[PageVersionItem]  # newest first, at most HISTORY_LIMIT
    upcoming: list[UpcomingItem]  # soonest first, at most UPCOMING_LIMIT


def _latest_versions() -> Any:
    return (
        select(BookingPageRow.party_id, func.max(BookingPageRow.version).label("version"))
        .group_by(BookingPageRow.party_id)
        .subquery("latest")
    )


def _upcoming_counts(now: datetime) -> Any:
    return (
        select(Booking.client_id, func.count().label("upcoming"))
        .where(Booking.status == "active", Booking.end > now)
        .group_by(Booking.client_id)
        .subquery("upcoming")
    )


def _client_select(now: datetime) -> Any:
    latest = _latest_versions()
    upcoming = _upcoming_counts(now)
    return (
        select(
            Party.id, Party.display_name, Party.organisation, Party.email, Party.timezone,
            latest.c.version, BookingPageRow.page, upcoming.c.upcoming,
        )
        .outerjoin(latest, latest.c.party_id == Party.id)
        .outerjoin(
            BookingPageRow,
            and_(BookingPageRow.party_id == Party.id, BookingPageRow.version == latest.c.version),
        )
        .outerjoin(upcoming, upcoming.c.client_id == Party.id)
        .where(Party.kind == "client", Party.erased_at.is_(None))
    )


def hours_line(page: dict[str, Any] | None) -> str | None:
    """A stored page's weekly hours in a line, e.g. "Mon–Fri 09:00–17:00 (Europe/London)"."""
    if page is None:
        return None
    try:
        read = BookingPage.from_dict(page)
    except InvalidPage:
        # Stored pages were valid when set; one the rules have since outgrown is still listed.
        return "a page the current rules do not read"
    return f"{read.describe_hours()} ({read.zone})"


def _client_row(r: Any) -> ClientRow:
    return ClientRow(
        id=r.id, name=r.display_name, organisation=r.organisation, email=r.email, zone=r.timezone,
        page_version=r.version, page_hours=hours_line(r.page), upcoming=int(r.upcoming or 0),
    )


async def clients_page(
    sessions: async_sessionmaker[AsyncSession], *, now: datetime, page: int = 1,
    page_size: int = CLIENTS_PAGE_SIZE,
) -> ClientsPage:
    """The client contacts (not erased), by organisation then name, a page at a time."""
    async with sessions() as session:
        total = int(await session.scalar(
            select(func.count()).select_from(Party).where(Party.kind == "client", Party.erased_at.is_(None))
        ) or 0)
        pages = max((total + page_size - 1) // page_size, 1)
        page = min(max(page, 1), pages)
        result = await session.execute(
            _client_select(now)
            # The same order on both databases: SQLite puts NULLs first, PostgreSQL last.
            .order_by(Party.organisation.is_(None), func.lower(Party.organisation),
                      func.lower(Party.display_name), Party.id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        rows = [_client_row(r) for r in result]
    return ClientsPage(rows=rows, total=total, page=page, pages=pages)


_SETTER = aliased(Party, name="setter")


def _setter_label(created_by: str, name: str | None, kind: str | None) -> str:
    if name is not None:
        return f"{name} ({kind})" if kind else name
    if created_by == "api":
        return "the JSON API"
    return created_by


async def client_detail(
    sessions: async_sessionmaker[AsyncSession], client_id: str, *, now: datetime
) -> ClientDetail | None:
    """One client contact, their page's versions and their upcoming booked interviews; None for
    an id that is not a client's (unknown, another kind of party, erased)."""
    if not client_id or len(client_id) > 64:
        return None
    async with sessions() as session:
        found = (await session.execute(_client_select(now).where(Party.id == client_id))).first()
        if found is None:
            return None
        versions = [
            PageVersionItem(
                v.version, v.created_at, _setter_label(v.created_by, v.setter_name, v.setter_kind)
            )
            for v in await session.execute(
                select(BookingPageRow.version, BookingPageRow.created_at, BookingPageRow.created_by,
                       _SETTER.display_name.label("setter_name"), _SETTER.kind.label("setter_kind"))
                .outerjoin(_SETTER, _SETTER.id == BookingPageRow.created_by)
                .where(BookingPageRow.party_id == client_id)
                .order_by(BookingPageRow.version.desc())
                .limit(HISTORY_LIMIT)
            )
        ]
        candidate = aliased(Party, name="candidate")
        upcoming = [
            UpcomingItem(u.id, u.candidate_name, u.role_title, u.start, u.end, Stage(u.stage))
            for u in await session.execute(
                select(Interview.id, candidate.display_name.label("candidate_name"), Interview.role_title,
                       Booking.start, Booking.end, Interview.stage)
                .join(Interview, Interview.id == Booking.interview_id)
                .join(candidate, candidate.id == Interview.candidate_id)
                .where(Booking.client_id == client_id, Booking.status == "active", Booking.end > now)
                .order_by(Booking.start, Booking.id)
                .limit(UPCOMING_LIMIT)
            )
        ]
    return ClientDetail(client=_client_row(found), versions=versions, upcoming=upcoming)
