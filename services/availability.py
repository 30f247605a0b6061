"""Booking pages: a client contact sets their availability once, askARSAN keeps every
version and previews the next open times.

A page is validated by the domain (``scheduling.pages.BookingPage.from_dict``: every problem by
field path, unknown keys named) and stored as the next version in ``booking_pages``; a stored
version is never changed, so an interview booked under one can always be read against it. The
preview is the page's windows minus the client's active bookings
(``scheduling.availability.open_times``); the client's calendar free/busy is not read yet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.availability import open_times
from scheduling.intervals import Interval
from scheduling.pages import BookingPage, DurationNotOffered, InvalidPage
from services.context import ServiceContext
from services.core import InvalidRequest, NotFound
from services.hosts import client_busy, stored_page
from services.requests import PartyInput, upsert_party
from storage.models import BookingPageRow, Party

__all__ = ["Availability", "client_party", "ensure_client", "page", "preview", "preview_length", "set_page"]

PREVIEW_LIMIT = 10
_ATTEMPTS = 3  # two changes of one page at once meet on the unique (party_id, version)


async def client_party(session: AsyncSession, client_id: str, *, lock: bool = False) -> Party:
    """The client contact `client_id`, or NotFound: an unknown id and a party that is not a client
    (a candidate, a recruiter, an erased party) read the same, so ids cannot be probed by kind."""
    if not client_id or len(client_id) > 64:
        raise NotFound("no client with that id")
    statement = select(Party).where(Party.id == client_id)
    if lock:
        statement = statement.with_for_update()
    party = await session.scalar(statement)
    if party is None or party.kind != "client" or party.erased_at is not None:
        raise NotFound("no client with that id")
    return party


async def _latest(session: AsyncSession, client_id: str) -> BookingPageRow | None:
    row: BookingPageRow | None = await session.scalar(
        select(BookingPageRow)
        .where(BookingPageRow.party_id == client_id)
        .order_by(BookingPageRow.version.desc())
        .limit(1)
    )
    return row


async def set_page(
    sessions: async_sessionmaker[AsyncSession],
    client_id: str,
    data: object,
    *,
    now: datetime,
    by: str,
    first: bool = False,
) -> tuple[int, BookingPage]:
    """Store `data` (a page's plain-dict form) as the client's next page version.

    Raises InvalidRequest with one problem per field path (nothing is written), NotFound for an
    id that is not a client's. A ``version`` in `data` is the version it was read as: when the
    page has changed since, it is refused rather than overwriting the change unseen; `first` says
    it was read when there was no page yet (refused if one was set meanwhile)."""
    try:
        sent = BookingPage.from_dict(data)
    except InvalidPage as error:
        raise InvalidRequest(error.problems) from None
    for attempt in range(_ATTEMPTS):
        try:
            async with sessions() as session, session.begin():
                await client_party(session, client_id, lock=True)
                latest = await session.scalar(
                    select(func.max(BookingPageRow.version)).where(BookingPageRow.party_id == client_id)
                )
                current = latest or 0
                if first and current:
                    raise InvalidRequest({
                        "version": f"a page was set meanwhile (version {current}); read it and "
                        "send that version, or leave version out to replace it"
                    })
                if sent.version is not None and sent.version != current:
                    raise InvalidRequest({
                        "version": f"the page is at version {current} now, not {sent.version}; read "
                        "it again and send that version (or leave version out to replace it)"
                    })
                stored = dataclasses.replace(sent, version=current + 1)
                session.add(
                    BookingPageRow(
                        party_id=client_id, version=current + 1, page=stored.to_dict(),
                        created_at=now, created_by=by[:200],
                    )
                )
            return current + 1, stored
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def page(
    sessions: async_sessionmaker[AsyncSession], client_id: str
) -> tuple[int, BookingPage] | None:
    """The client's latest page and its version; None when they have none yet (NotFound for an
    id that is not a client's)."""
    async with sessions() as session:
        await client_party(session, client_id)
        row = await _latest(session, client_id)
        return (row.version, stored_page(row)) if row is not None else None


async def page_version(
    sessions: async_sessionmaker[AsyncSession], client_id: str, version: int
) -> BookingPage | None:
    """One stored version of the client's page, as it was set."""
    async with sessions() as session:
        row = await session.scalar(
            select(BookingPageRow).where(
                BookingPageRow.party_id == client_id, BookingPageRow.version == version
            )
        )
        return stored_page(row) if row is not None else None


async def preview(
    sessions: async_sessionmaker[AsyncSession],
    client_id: str,
    *,
    now: datetime,
    duration: timedelta | None = None,
    limit: int = PREVIEW_LIMIT,
    of: BookingPage | None = None,
) -> list[Interval]:
    """The next open times of the client's latest page (or of the version `of`, the one a change
    just stored, even if another change followed it) for `duration` (the page's shortest length
    when left out): its windows, notice, horizon, step, cap and buffers, minus the client's active
    bookings. Empty when the client has no page; InvalidRequest for a length the page does not
    offer."""
    async with sessions() as session:
        await client_party(session, client_id)
        if of is None:
            row = await _latest(session, client_id)
            if row is None:
                return []
            of = stored_page(row)
        booked = await client_busy(session, client_id)
    return _open(of, duration, booked, now, limit)


def preview_length(page: BookingPage) -> timedelta:
    """The length a preview is for when none is asked: the page's shortest interview."""
    return timedelta(minutes=min(page.rules.durations_minutes))


def _open(
    current: BookingPage, duration: timedelta | None, booked: Sequence[Interval], now: datetime, limit: int
) -> list[Interval]:
    length = duration or preview_length(current)
    try:
        return open_times(current, length, [], booked, now, limit=limit)
    except DurationNotOffered as error:
        raise InvalidRequest({"duration_minutes": error.message}) from None


async def ensure_client(
    sessions: async_sessionmaker[AsyncSession], contact: PartyInput, *, now: datetime
) -> str:
    """The id of the client contact with `contact`'s e-mail, created when askARSAN does not know
    them yet: a page can be set up before their first interview."""
    if not contact.email or "@" not in contact.email:
        raise InvalidRequest({"email": "the client's e-mail address is missing or not valid"})
    async with sessions() as session, session.begin():
        party = await upsert_party(session, "client", contact, now)
        return party.id


class Availability:
    """The booking-page use cases bound to the app's context (``Services.availability``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def ensure_client(self, contact: PartyInput) -> str:
        return await ensure_client(self._ctx.sessions, contact, now=self._ctx.now())

    async def set_page(
        self, client_id: str, data: object, *, by: str, first: bool = False
    ) -> tuple[int, BookingPage]:
        return await set_page(self._ctx.sessions, client_id, data, now=self._ctx.now(), by=by, first=first)

    async def page(self, client_id: str) -> tuple[int, BookingPage] | None:
        return await page(self._ctx.sessions, client_id)

    async def preview(
        self,
        client_id: str,
        *,
        duration: timedelta | None = None,
        limit: int = PREVIEW_LIMIT,
        of: BookingPage | None = None,
    ) -> list[Interval]:
        return await preview(
            self._ctx.sessions, client_id, now=self._ctx.now(), duration=duration, limit=limit, of=of
        )
