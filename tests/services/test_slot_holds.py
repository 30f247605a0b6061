"""Holds of offered slots when the offer ends while the holds are being made: the hold planner
calls the calendar outside any transaction, so the candidate can book meanwhile, and no hold is
left behind. MemoryCalendar stands in for Graph (the wire is tests/integrations/graph/)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from integrations.calendar import MemoryCalendar
from integrations.mail import MemoryMail
from scheduling.intervals import Interval
from scheduling.interview import InterviewView, Role
from scheduling.rules import SlotRequest
from services import ServiceContext, Services
from services.core import Actor
from services.requests import request_interview
from services.scheduling import offer_slots, pick_slot, propose_other_times
from storage.jobs import failed_jobs
from storage.models import Interview, Slot
from tests.helpers.clock import Clock
from tests.helpers.interviews import NOW, WEDNESDAY, a_request
from tests.helpers.jobs import RecordingMessenger, run_jobs

Sessions = async_sessionmaker[AsyncSession]
CLIENT = "hm@client.example"


class BusyMeanwhile(MemoryCalendar):
    """A calendar slow enough that, while it makes the first hold, `meanwhile` happens."""

    def __init__(self) -> None:
        super().__init__([CLIENT, "rita@agency.example"])  # the client's and the recruiter's
        self.meanwhile: Callable[[], Awaitable[None]] | None = None

    async def create_hold(
        self, view: InterviewView, slot: Interval, *, mailbox: str, transaction_id: str
    ) -> str | None:
        made = await super().create_hold(view, slot, mailbox=mailbox, transaction_id=transaction_id)
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            await meanwhile()
        return made


async def offered(sessions: Sessions) -> tuple[str, Actor, dict[datetime, str]]:
    result = await request_interview(sessions, a_request(client_email=CLIENT), NOW)
    async with sessions() as session:
        row = await session.get_one(Interview, result.interview_id)
    client, candidate = Actor(Role.CLIENT, row.client_id), Actor(Role.CANDIDATE, row.candidate_id)
    await offer_slots(
        sessions, client, row.id, [SlotRequest(WEDNESDAY, time(h), "Europe/London") for h in (10, 14)], NOW
    )
    async with sessions() as session:
        ids = {s.start: s.id for s in await session.scalars(select(Slot).where(Slot.interview_id == row.id))}
    return row.id, candidate, ids


async def test_a_slot_booked_while_its_hold_is_made_leaves_no_hold(sessions: Sessions) -> None:
    calendar, clock = BusyMeanwhile(), Clock(NOW)
    services = Services(ServiceContext(sessions, clock=clock, calendar=calendar))
    runner = JobRunner(
        sessions, job_handlers(services, RecordingMessenger(), MemoryMail()), clock=clock,
        lease=timedelta(minutes=2),
    )
    interview_id, candidate, ids = await offered(sessions)
    ten = datetime(2026, 11, 25, 10, tzinfo=UTC)

    async def book() -> None:
        await pick_slot(sessions, candidate, interview_id, ids[ten], NOW)
        # A second worker carries out what the pick wrote at once: its release finds no hold
        # stored yet.
        await run_jobs(runner)

    calendar.meanwhile = book
    await run_jobs(runner)
    assert calendar.meanwhile is None  # the candidate booked while the hold was being made
    # Both holds were made (the planner read both slots as offered) and both deleted again.
    assert calendar.live_holds() == [] and len(calendar.holds) == 2
    [event] = calendar.live_events()  # the booked time is the interview's event
    assert event.view.booked is not None and event.view.booked.start == ten
    async with sessions() as session:
        assert set(await session.scalars(select(Slot.hold_event_id).where(Slot.interview_id == interview_id))) == {
            None
        }
    assert await failed_jobs(sessions) == []


async def test_other_times_while_the_holds_are_made_leave_none(sessions: Sessions) -> None:
    calendar, clock = BusyMeanwhile(), Clock(NOW)
    services = Services(ServiceContext(sessions, clock=clock, calendar=calendar))
    runner = JobRunner(
        sessions, job_handlers(services, RecordingMessenger(), MemoryMail()), clock=clock,
        lease=timedelta(minutes=2),
    )
    interview_id, candidate, _ = await offered(sessions)

    async def other_times() -> None:
        await propose_other_times(sessions, candidate, interview_id, "Friday", NOW)
        await run_jobs(runner)  # as above: the release runs before the holds are stored

    calendar.meanwhile = other_times
    await run_jobs(runner)
    assert calendar.meanwhile is None
    assert calendar.live_holds() == [] and len(calendar.holds) == 2
    assert await failed_jobs(sessions) == []
