"""What fills a client's time and which booking page they book under: the reads every scheduling
use case shares (hand-offered slots, live open times, the booking-page preview).

A client's booking pages are versioned (``booking_pages``; a stored version never changes). An
interview scheduled from a page records the version in its ``rules`` (``page_version``), so a
later change of the page never alters what was booked, and a reschedule or an offer by hand
reads the page it was requested under.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.availability import Host
from scheduling.intervals import Interval
from scheduling.pages import BookingPage, DurationNotOffered, panel_page
from scheduling.rules import BookingRules
from storage.models import Booking, BookingPageRow, Interview, InterviewInterviewer, Party

__all__ = [
    "Interviewer",
    "Panel",
    "booking_rules",
    "client_busy",
    "interview_page",
    "interview_rules",
    "interviewers",
    "latest_page",
    "panel_bookings",
    "panel_hosts",
    "stored_page",
]


def stored_page(row: BookingPageRow) -> BookingPage:
    """The page a stored row holds, with its version."""
    return dataclasses.replace(BookingPage.from_dict(row.page), version=row.version)


async def latest_page(session: AsyncSession, client_id: str) -> BookingPage | None:
    """The client's newest booking page (with its version), or None when they have none."""
    row: BookingPageRow | None = await session.scalar(
        select(BookingPageRow)
        .where(BookingPageRow.party_id == client_id)
        .order_by(BookingPageRow.version.desc())
        .limit(1)
    )
    return stored_page(row) if row is not None else None


async def interview_page(session: AsyncSession, interview: Interview) -> BookingPage | None:
    """The booking page version the interview was requested under; None when its times are
    offered by hand."""
    version = (interview.rules or {}).get("page_version")
    if not isinstance(version, int):
        return None
    row = await session.scalar(
        select(BookingPageRow).where(
            BookingPageRow.party_id == interview.client_id, BookingPageRow.version == version
        )
    )
    return stored_page(row) if row is not None else None


def booking_rules(interview: Interview, client_zone: str, page: BookingPage | None = None) -> BookingRules:
    """The rules hand-offered slots of `interview` are checked by: its page's (hours, overrides,
    notice, horizon, buffers) when it was requested under one, else the request's own rules with
    the default working hours."""
    duration = timedelta(minutes=interview.duration_minutes)
    if page is not None:
        try:
            return page.booking_rules(duration)
        except DurationNotOffered:
            pass  # the request was checked against the page; a length it lost keeps the request's rules
    rules = interview.rules or {}
    buffer = timedelta(minutes=int(rules.get("buffer_minutes", 0)))
    return BookingRules(
        zone=client_zone,
        duration=duration,
        buffer_before=buffer,
        buffer_after=buffer,
        min_notice=timedelta(hours=int(rules.get("min_notice_hours", 24))),
        horizon=timedelta(days=int(rules.get("horizon_days", 60))),
    )


async def interview_rules(session: AsyncSession, interview: Interview, client_zone: str) -> BookingRules:
    return booking_rules(interview, client_zone, await interview_page(session, interview))


_CLIENT_BUSY = select(Booking.start, Booking.end).where(
    Booking.client_id == bindparam("client_id"),
    Booking.status == "active",
    Booking.interview_id != bindparam("exclude"),
)
_CLIENT_BUSY_IN = _CLIENT_BUSY.where(
    Booking.end > bindparam("from_"), Booking.start < bindparam("to")
)


async def client_busy(
    session: AsyncSession,
    client_id: str,
    *,
    exclude: str | None = None,
    within: Interval | None = None,
) -> list[Interval]:
    """The client's active bookings, but those of interview `exclude` (no id is empty); only those
    meeting `within` when it is given (the range a listing or a re-check can be touched by)."""
    connection = await session.connection()
    params: dict[str, object] = {"client_id": client_id, "exclude": exclude or ""}
    statement = _CLIENT_BUSY
    if within is not None:
        statement = _CLIENT_BUSY_IN
        params |= {"from_": within.start, "to": within.end}
    rows = await connection.execute(statement, params)
    return [Interval(start, end) for start, end in rows]


# Panels ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interviewer:
    """A client-side interviewer of an interview, as the scheduling reads need them."""

    party_id: str
    name: str
    email: str | None
    zone: str
    required: bool


_INTERVIEWERS = (
    select(Party.id, Party.display_name, Party.email, Party.timezone, InterviewInterviewer.required)
    .join(InterviewInterviewer, InterviewInterviewer.party_id == Party.id)
    .where(InterviewInterviewer.interview_id == bindparam("id"))
    .order_by(InterviewInterviewer.position)
)


async def interviewers(session: AsyncSession, interview: Interview) -> list[Interviewer]:
    """The interview's interviewers, the client contact first (also for a row written before
    panels, which has no interviewer rows: the client contact alone)."""
    connection = await session.connection()
    rows = (await connection.execute(_INTERVIEWERS, {"id": interview.id})).all()
    found = [Interviewer(r.id, r.display_name, r.email, r.timezone, r.required) for r in rows]
    if not any(i.party_id == interview.client_id for i in found):
        client = await session.get_one(Party, interview.client_id)
        found.insert(0, Interviewer(client.id, client.display_name, client.email, client.timezone, True))
    return found


_PANEL_BOOKED = select(Booking.client_id, Booking.start, Booking.end).where(
    Booking.client_id.in_(bindparam("ids", expanding=True)),
    Booking.status == "active",
    Booking.interview_id != bindparam("exclude"),
    Booking.end > bindparam("from_"),
    Booking.start < bindparam("to"),
)


async def panel_bookings(
    session: AsyncSession, party_ids: Sequence[str], *, exclude: str, within: Interval
) -> dict[str, list[Interval]]:
    """Each interviewer's active bookings meeting `within`, but those of interview `exclude`."""
    found: dict[str, list[Interval]] = {party_id: [] for party_id in party_ids}
    connection = await session.connection()
    rows = await connection.execute(
        _PANEL_BOOKED,
        {"ids": list(party_ids), "exclude": exclude, "from_": within.start, "to": within.end},
    )
    for party_id, start, end in rows:
        found[party_id].append(Interval(start, end))
    return found


@dataclass(frozen=True)
class Panel:
    """The hosts of one interview's open times: the required interviewers (the client contact
    first: the step grid is theirs) and the optional ones, by party id."""

    required: list[Host]
    optional: list[Host]
    names: dict[str, str]


async def panel_hosts(
    session: AsyncSession,
    interview: Interview,
    lead_page: BookingPage,
    seats: Sequence[Interviewer],
    busy: Mapping[str, Sequence[Interval]],
    *,
    within: Interval,
) -> Panel:
    """Every interviewer as a `Host`: their hours (the client contact's booking page; another
    interviewer's own page, else their working hours, with the interview's rules:
    `scheduling.pages.panel_page`), their calendar's `busy` blocks and their other bookings
    over `within`."""
    booked = await panel_bookings(
        session, [seat.party_id for seat in seats], exclude=interview.id, within=within
    )
    required: list[Host] = []
    optional: list[Host] = []
    for seat in seats:
        if seat.party_id == interview.client_id:
            page = lead_page
        else:
            page = panel_page(await latest_page(session, seat.party_id), seat.zone, lead_page)
        host = Host(seat.party_id, page, tuple(busy.get(seat.party_id, ())), tuple(booked[seat.party_id]))
        (required if seat.required or seat.party_id == interview.client_id else optional).append(host)
    return Panel(required, optional, {seat.party_id: seat.name for seat in seats})
