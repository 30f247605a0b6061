"""Booking from a client's booking page: the candidate's live open times, and the booking of one.

Live open times are the page's windows (the version the interview was requested under) ∩ the
client's free time in their calendar (Microsoft Graph ``getSchedule`` when it is connected; with
the local calendar, askARSAN's own bookings are the calendar) − askARSAN's other bookings of the
client, with the page's buffers, notice, horizon and daily cap (``scheduling.availability``).
They are computed whenever someone looks, never stored: a time another candidate took a minute
ago is simply not listed any more.

A panel (several interviewers) is booked at its joint open times: a time open for every required
interviewer — the client contact under their page, each other one under their own page's hours
(else their working hours) with the interview's rules, each with their own calendar and
bookings — while a busy optional interviewer never removes a time; they attend when free
(``scheduling.availability.joint_open_times`` / ``free_hosts``).

Booking one re-checks everything at commit: the calendar is read first, outside any transaction
(a network call never holds the database), and if it cannot be read nothing is booked (fail
closed, and the candidate is told why). Inside the transaction the interview is locked, the
page's rules are checked against every interviewer's bookings as they are now, and one booking
row per attending interviewer is written; the database's own constraints (one active booking per
interview and interviewer, no two overlapping bookings of one interviewer: migrations 0002 and
0012) refuse the loser of two simultaneous picks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.calendar import CalendarGateway, CalendarUnavailable
from scheduling.availability import NotOpen, check_joint_time, free_hosts, joint_open_times
from scheduling.intervals import Interval
from scheduling.interview import Role, SlotPicked, Stage
from scheduling.pages import BookingPage, DurationNotOffered
from services.context import SchedulingConfig, ServiceContext
from services.core import (
    Actor,
    NotAllowed,
    NotFound,
    SlotTaken,
    apply_event,
    audit,
    check_actor,
    co_recruiter_of,
    lock_interview,
    stage_message,
)
from services.hosts import Interviewer, interview_page, interviewers, panel_hosts
from services.scheduling import PICK_ATTEMPTS, PickResult, insert_bookings, pick_result
from storage.db import is_deadlock
from storage.models import Interview, Slot, new_id

__all__ = [
    "LIST_SIZE",
    "Bookings",
    "LiveTimes",
    "book_open_time",
    "calendar_busy",
    "listed_times",
    "live_times",
    "panel_busy",
    "reach",
]

# How many times one card lists; "later dates" pages on from the last one.
LIST_SIZE = 8

# What the candidate is told when a time is refused at commit, by the first rule it broke.
_REFUSED = {
    NotOpen.PAST: "That time has passed.",
    NotOpen.TOO_SOON: "That time is now too soon to book.",
    NotOpen.TOO_FAR: "That time is beyond the dates that can be booked.",
    NotOpen.OUTSIDE_HOURS: "That time is not in the client's hours any more.",
    NotOpen.OFF_GRID: "That is not one of the listed times.",
    NotOpen.CLASH: "That time was just taken.",
    NotOpen.DAILY_CAP: "That day has just been filled.",
    NotOpen.DURATION: "The client's booking page no longer offers this interview's length.",
}
# ... when it was another interviewer of a panel who is no longer free then.
_PANEL_REFUSED = {
    NotOpen.OUTSIDE_HOURS: "That time is no longer in {name}'s hours.",
    NotOpen.CLASH: "{name} is no longer free at that time.",
    NotOpen.DAILY_CAP: "{name}'s day has just been filled.",
}

UNREADABLE = (
    "I couldn't read {client}'s calendar just now, so I won't offer a time that may not be free. "
    "Nothing was booked; please try again in a few minutes."
)


@dataclass(frozen=True)
class LiveTimes:
    """One card's worth of open times, in start order; `more` when later ones exist."""

    times: tuple[Interval, ...]
    more: bool


_DAY = timedelta(days=1)


def reach(page: BookingPage, duration: timedelta, now: datetime) -> Interval:
    """Every instant an open time of `page` (with its buffers) can touch from `now`, widened by a
    day each side: a day's cap counts its bookings before now and after the horizon's last time
    too. What the calendar and the bookings are read over."""
    rules = page.rules
    return Interval(now - _DAY, now + rules.horizon + duration + rules.buffer_after + rules.gap + _DAY)


async def calendar_busy(
    calendar: CalendarGateway, mailbox: str | None, client_name: str, window: Interval
) -> list[Interval]:
    """The client's busy blocks over `window` from the connected calendar; [] when askARSAN's
    own bookings are the calendar. Raises CalendarUnavailable (with a message for the candidate)
    when a connected calendar cannot be read."""
    if not calendar.reads_free_busy:
        return []
    if not mailbox:
        raise CalendarUnavailable(UNREADABLE.format(client=client_name))
    try:
        return await calendar.free_busy(mailbox, window)
    except CalendarUnavailable:
        raise CalendarUnavailable(UNREADABLE.format(client=client_name)) from None


async def panel_busy(
    calendar: CalendarGateway, seats: Sequence[Interviewer], window: Interval
) -> dict[str, list[Interval]]:
    """Every interviewer's busy blocks over `window`. A required interviewer's calendar that
    cannot be read refuses the lot (CalendarUnavailable: nothing unchecked is offered); an
    optional one's counts as busy throughout (they are not counted on)."""
    busy: dict[str, list[Interval]] = {}
    for seat in seats:
        try:
            busy[seat.party_id] = await calendar_busy(calendar, seat.email, seat.name, window)
        except CalendarUnavailable:
            if seat.required:
                raise
            busy[seat.party_id] = [window]
    return busy


async def live_times(
    session: AsyncSession,
    interview: Interview,
    page: BookingPage,
    seats: Sequence[Interviewer],
    busy: Mapping[str, Sequence[Interval]],
    now: datetime,
    *,
    after: datetime | None = None,
    size: int = LIST_SIZE,
) -> LiveTimes:
    """The next `size` open times of `interview` on `page` (after the start `after`), given each
    interviewer's calendar `busy` blocks: open for every required interviewer (a panel's joint
    times; a busy optional one never removes a time); their bookings are read here."""
    duration = timedelta(minutes=interview.duration_minutes)
    panel = await panel_hosts(session, interview, page, seats, busy, within=reach(page, duration, now))
    try:
        found = joint_open_times(
            panel.required, panel.optional, duration, now, starting_after=after, limit=size + 1
        )
    except DurationNotOffered:
        return LiveTimes((), False)
    return LiveTimes(tuple(time.slot for time in found[:size]), len(found) > size)


async def book_open_time(
    sessions: async_sessionmaker[AsyncSession],
    calendar: CalendarGateway,
    actor: Actor,
    interview_id: str,
    start: datetime,
    now: datetime,
    config: SchedulingConfig | None = None,
) -> PickResult:
    """Book the open time starting at `start` for the candidate (or the recruiter acting for
    them). Refused with SlotTaken (and why) when it is not open any more, CalendarUnavailable
    when a required interviewer's calendar cannot be read; a repeat of the booked time reports
    `already`."""
    config = config or SchedulingConfig()
    async with sessions() as session:
        read = await session.get(Interview, interview_id)
        interview = check_actor(read, interview_id, actor, Role.CANDIDATE, Role.RECRUITER,
                                co_recruiters=await co_recruiter_of(session, read, actor))
        page = await interview_page(session, interview)
        seats = await interviewers(session, interview)
    if page is None:
        raise NotAllowed("The times for this interview are offered by the client; pick one of those.")
    duration = timedelta(minutes=interview.duration_minutes)
    wanted = Interval(start, start + duration)
    rules = page.rules
    around = Interval(start - rules.buffer_before - rules.gap, wanted.end + rules.buffer_after + rules.gap)
    # Read before the transaction: a network call never holds the database.
    busy = await panel_busy(calendar, seats, around)
    # A pick PostgreSQL aborts for a deadlock with another (the overlap constraint) runs again.
    for attempt in range(PICK_ATTEMPTS):
        try:
            return await _book(sessions, actor, interview_id, page, seats, wanted, busy, now, config)
        except DBAPIError as error:
            if not is_deadlock(error) or attempt == PICK_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def _book(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    interview_id: str,
    page: BookingPage,
    seats: Sequence[Interviewer],
    wanted: Interval,
    busy: Mapping[str, Sequence[Interval]],
    now: datetime,
    config: SchedulingConfig,
) -> PickResult:
    start = wanted.start
    try:
        async with sessions() as session, session.begin():
            interview = await lock_interview(session, interview_id, actor, Role.CANDIDATE, Role.RECRUITER)
            connection = await session.connection()
            stage = Stage(interview.stage)
            if stage is Stage.SCHEDULED:
                if interview.starts_at == start:
                    return await pick_result(connection, interview, actor, wanted, already=True)
                raise NotAllowed(
                    "You already booked another time for this interview. "
                    "Use Reschedule on your confirmation if you need to change it."
                )
            if stage is not Stage.AWAITING_PICK:
                raise NotAllowed(stage_message(interview, "pick a time"))
            # The day's bookings for the cap, and those the buffers can meet.
            day = Interval(start - timedelta(days=1), wanted.end + timedelta(days=1))
            panel = await panel_hosts(session, interview, page, seats, busy, within=day)
            refused = check_joint_time(panel.required, wanted, now)
            if refused is not None:
                who, why = refused
                if who != interview.client_id and why in _PANEL_REFUSED:
                    raise SlotTaken(_PANEL_REFUSED[why].format(name=panel.names.get(who, "an interviewer")))
                raise SlotTaken(_REFUSED[why])
            attending = [host.key for host in panel.required]
            attending += free_hosts(panel.optional, wanted, now)
            slot_id = new_id()
            await connection.execute(
                insert(Slot),
                {
                    "id": slot_id, "interview_id": interview.id, "offer_round": 0,
                    "start": wanted.start, "end": wanted.end, "status": "booked", "created_at": now,
                },
            )
            # The unique indexes / the overlap constraint speak here, for every interviewer.
            await insert_bookings(connection, interview.id, slot_id, attending, wanted, now)
            interview.starts_at, interview.ends_at = wanted.start, wanted.end
            interview.booked_at = now
            detail: dict[str, object] = {"from_page": page.version}
            if len(seats) > 1:
                detail["interviewers"] = attending
            audit(session, interview.id, now, actor.role, actor.party_id, "booked", detail)
            await apply_event(session, interview, SlotPicked(wanted), now, config.policy)
            return await pick_result(connection, interview, actor, wanted)
    except IntegrityError:
        raise SlotTaken(_REFUSED[NotOpen.CLASH]) from None


async def listed_times(
    sessions: async_sessionmaker[AsyncSession],
    calendar: CalendarGateway,
    interview_id: str,
    now: datetime,
    *,
    after: datetime | None = None,
    size: int = LIST_SIZE,
) -> LiveTimes | None:
    """The interview's next `size` live open times (after the start `after`); None when its
    times are offered by hand. Raises CalendarUnavailable when a required interviewer's calendar cannot be
    read."""
    async with sessions() as session:
        interview = await session.get(Interview, interview_id)
        if interview is None:
            raise NotFound("I can't find that interview.")
        page = await interview_page(session, interview)
        if page is None:
            return None
        seats = await interviewers(session, interview)
    duration = timedelta(minutes=interview.duration_minutes)
    busy = await panel_busy(calendar, seats, reach(page, duration, now))
    async with sessions() as session:
        return await live_times(session, interview, page, seats, busy, now, after=after, size=size)


class Bookings:
    """Booking from booking pages, bound to the app's context (``Services.booking``)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def open_times(
        self, interview_id: str, *, after: datetime | None = None, size: int = LIST_SIZE
    ) -> LiveTimes | None:
        """The next `size` open times: a card's worth by default; a typed time is matched
        against more (``dialogs.typed_times``)."""
        ctx = self._ctx
        return await listed_times(ctx.sessions, ctx.calendar, interview_id, ctx.now(), after=after, size=size)

    async def book(self, actor: Actor, interview_id: str, start: datetime) -> PickResult:
        ctx = self._ctx
        result = await book_open_time(
            ctx.sessions, ctx.calendar, actor, interview_id, start, ctx.now(), ctx.config
        )
        ctx.doorbell.ring()
        return result
