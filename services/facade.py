"""The use cases, bound to a database and a clock: what dialogs, the JSON API, the tracker and
the job runner are given. Dialogs see this object, never SQL or HTTP."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cards import PipelineRow
from integrations.calendar import CalendarGateway, LocalCalendar
from scheduling.intervals import Interval
from scheduling.interview import InterviewView
from scheduling.rules import BookingRules, SlotRequest
from services import identity, scheduling, tracker
from services.invitations import InvitationGrant
from services.scheduling import (
    Actor,
    InterviewRequest,
    OfferResult,
    PickResult,
    RequestResult,
    SchedulingConfig,
)
from services.views import load_view
from storage.models import Interview, Party


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], datetime] = utc_now
    config: SchedulingConfig = field(default_factory=SchedulingConfig)
    public_url: str = "http://localhost:3978"
    on_enqueued: Callable[[], None] = lambda: None
    calendar: CalendarGateway = field(default_factory=LocalCalendar)
    # The reports' own sessions (storage.db.create_read_engine: on SQLite, off the event loop).
    read_sessions: async_sessionmaker[AsyncSession] | None = None

    @property
    def reports(self) -> async_sessionmaker[AsyncSession]:
        """What the reports (the tracker, the pipeline) read with."""
        return self.read_sessions or self.sessions

    def chat_link(self, token: str) -> str:
        return f"{self.public_url}/chat?t={token}"

    async def request_interview(self, request: InterviewRequest) -> RequestResult:
        result = await scheduling.request_interview(self.sessions, request, self.clock(), self.config)
        self.on_enqueued()
        return result

    async def offer_slots(
        self, actor: Actor, interview_id: str, requests: Sequence[SlotRequest]
    ) -> OfferResult:
        result = await scheduling.offer_slots(
            self.sessions, actor, interview_id, requests, self.clock(), self.config
        )
        self.on_enqueued()
        return result

    async def suggest_slots(self, actor: Actor, interview_id: str) -> list[Interval]:
        return await scheduling.suggest_slots(
            self.sessions, self.calendar, actor, interview_id, self.clock()
        )

    async def pick_slot(self, actor: Actor, interview_id: str, slot_id: str) -> PickResult:
        result = await scheduling.pick_slot(
            self.sessions, actor, interview_id, slot_id, self.clock(), self.config
        )
        self.on_enqueued()
        return result

    async def propose_other_times(self, actor: Actor, interview_id: str, text: str) -> None:
        await scheduling.propose_other_times(
            self.sessions, actor, interview_id, text, self.clock(), self.config
        )
        self.on_enqueued()

    async def view(self, interview_id: str) -> InterviewView | None:
        async with self.sessions() as session:
            return await load_view(session, interview_id)

    async def rules(self, interview_id: str) -> BookingRules | None:
        async with self.sessions() as session:
            interview = await session.get(Interview, interview_id)
            if interview is None:
                return None
            client = await session.get_one(Party, interview.client_id)
            return scheduling.booking_rules(interview, client.timezone)

    async def actor_for(
        self, sender: identity.Sender, interview_id: str | None
    ) -> Actor | None:
        return await identity.actor_for(self.sessions, sender, interview_id, self.clock())

    async def webchat_grant(self, sender: identity.Sender) -> InvitationGrant | None:
        return await identity.webchat_grant(self.sessions, sender, self.clock())

    async def bind_emulator_user(self, sender: identity.Sender, token: str) -> InvitationGrant:
        return await identity.bind_emulator_user(self.sessions, sender, token, self.clock())

    async def recruiter_id_for(self, sender: identity.Sender) -> str | None:
        return await identity.recruiter_id_for(self.sessions, sender)

    async def pipeline(self, recruiter_id: str, *, upcoming: bool) -> list[PipelineRow]:
        return await tracker.pipeline_rows(
            self.reports,
            recruiter_id=recruiter_id, upcoming=upcoming, now=self.clock(), limit=10,
        )

    async def remember_conversation(
        self, sender: identity.Sender, reference: dict[str, Any]
    ) -> None:
        await identity.remember_conversation(self.sessions, sender, reference, self.clock())
