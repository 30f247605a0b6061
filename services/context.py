"""What every use case runs against: the database, the clock, the policy and the gateways, built
once by the composition root (``bot/app.py``) and shared by all of ``Services``.

``Doorbell`` is how a use case tells the job runner that it wrote effects to the outbox: the use
case rings it after its transaction commits, the runner in the same process wakes at once instead
of at the end of its poll interval. A runner in another process (``askarsan worker``) polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.calendar import CalendarGateway, LocalCalendar
from integrations.directory import NoTeams, TeamsDirectory
from scheduling.interview import Policy
from services.times import TimeReader


def utc_now() -> datetime:
    return datetime.now(UTC)


class Doorbell:
    """Rung when effects were enqueued; the job runner of this process waits on it."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        self._event.set()

    def rung(self) -> bool:
        return self._event.is_set()

    async def wait(self, seconds: float) -> bool:
        """Wait until rung, at most `seconds`; True if rung. Clears it for the next wait."""
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
            return True
        except TimeoutError:
            return False
        finally:
            self._event.clear()


@dataclass(frozen=True)
class SchedulingConfig:
    """The agency's policy: invitation lifetime, reminder and escalation timings."""

    invite_ttl: timedelta = timedelta(days=30)
    policy: Policy = field(default_factory=Policy)


@dataclass(frozen=True)
class ServiceContext:
    """The one set of dependencies of the use cases.

    ``reports`` is what the read side (the tracker's reports) reads with: on a SQLite file a
    read-only engine off the event loop (``storage.db.create_read_engine``), else ``sessions``.
    ``calendar_invites_attendees``: the calendar puts the client and the candidate on the event as
    attendees (Exchange, with ``CALENDAR=graph``) and sends them the invitation and the
    cancellation itself, so our mails attach no ``.ics``; False for the local calendar, whose only
    "event" is the ``.ics`` our mails carry.
    ``times`` reads typed times; the server warms it at start-up (``TimeReader.warm``).
    """

    sessions: async_sessionmaker[AsyncSession]
    reports: async_sessionmaker[AsyncSession] | None = None
    clock: Callable[[], datetime] = utc_now
    config: SchedulingConfig = field(default_factory=SchedulingConfig)
    calendar: CalendarGateway = field(default_factory=LocalCalendar)
    teams: TeamsDirectory = field(default_factory=NoTeams)
    doorbell: Doorbell = field(default_factory=Doorbell)
    public_url: str = "http://localhost:3978"
    mail_from: str = "askarsan@localhost"
    calendar_invites_attendees: bool = False
    times: TimeReader = field(default_factory=TimeReader)

    @property
    def read_sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.reports or self.sessions

    def now(self) -> datetime:
        return self.clock()

    def chat_link(self, token: str) -> str:
        return f"{self.public_url}/chat?t={token}"
