"""Shared helpers for the after-the-interview tests: a booked interview at a fixed time, a clock
we move by hand, and a messenger that records what would go to Teams / web chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.interview import Role
from scheduling.rules import SlotRequest
from services import PartyInput
from services.requests import request_interview
from services.scheduling import Actor, InterviewRequest, offer_slots, pick_slot
from storage.models import Interview, Job, Slot

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
WEDNESDAY = date(2026, 11, 25)
STARTS = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 10:00 London is 10:00 UTC in November
ENDS = STARTS + timedelta(hours=1)
ENDED = ENDS + timedelta(minutes=15)  # end + the default feedback delay

CLIENT_ANSWER = {
    "rating": "4",
    "impressions": "Strong on data modelling.",
    "qualification": "yes",
    "concerns": "",
    "recommendation": "offer",
}
CANDIDATE_ANSWER = {"rating": "5", "impressions": "Friendly team.", "interest": "yes", "concerns": ""}


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> datetime:
        self.now = when
        return when


@dataclass
class Parties:
    interview_id: str
    recruiter: Actor
    client: Actor
    candidate: Actor
    client_token: str
    candidate_token: str


def a_request(
    client_email: str = "hm@client.example",
    candidate_email: str = "asha@example.org",
    candidate_name: str = "Asha Candidate",
    recruiter: PartyInput | None = None,
) -> InterviewRequest:
    return InterviewRequest(
        recruiter=recruiter or PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London"),
        client=PartyInput("Harry Manager", client_email, "Europe/London", organisation="Client Ltd"),
        candidate=PartyInput(candidate_name, candidate_email, "Asia/Kolkata"),
        role_title="Data Engineer",
        duration_minutes=60,
    )


async def booked(
    sessions: async_sessionmaker[AsyncSession], request: InterviewRequest | None = None
) -> Parties:
    """An interview booked for Wednesday 10:00–11:00 UTC, requested on Monday 09:00."""
    result = await request_interview(sessions, request or a_request(), NOW)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
        recruiter = Actor(Role.RECRUITER, interview.recruiter_id)
        client = Actor(Role.CLIENT, interview.client_id)
        candidate = Actor(Role.CANDIDATE, interview.candidate_id)
    await offer_slots(
        sessions, client, result.interview_id, [SlotRequest(WEDNESDAY, time(10), "Europe/London")], NOW
    )
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == result.interview_id))
        assert slot_id is not None
    await pick_slot(sessions, candidate, result.interview_id, slot_id, NOW)
    return Parties(
        result.interview_id, recruiter, client, candidate, result.client_token, result.candidate_token
    )


async def rebook(sessions: async_sessionmaker[AsyncSession], p: Parties, hour: int, day_offset: int = 0) -> None:
    """The client offers one new slot and the candidate picks it."""
    day = WEDNESDAY + timedelta(days=day_offset)
    await offer_slots(sessions, p.client, p.interview_id, [SlotRequest(day, time(hour), "Europe/London")], NOW)
    async with sessions() as session:
        slot_id = await session.scalar(
            select(Slot.id).where(Slot.interview_id == p.interview_id, Slot.status == "offered")
        )
    assert slot_id is not None
    await pick_slot(sessions, p.candidate, p.interview_id, slot_id, NOW)


async def stage(sessions: async_sessionmaker[AsyncSession], interview_id: str) -> str:
    async with sessions() as session:
        return (await session.get_one(Interview, interview_id)).stage


async def jobs(
    sessions: async_sessionmaker[AsyncSession], interview_id: str, kind: str | None = None
) -> list[Job]:
    async with sessions() as session:
        statement = select(Job).where(Job.interview_id == interview_id).order_by(Job.due_at, Job.kind)
        if kind is not None:
            statement = statement.where(Job.kind == kind)
        return list(await session.scalars(statement))


async def count(sessions: async_sessionmaker[AsyncSession], model: type, *where: object) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@dataclass
class RecordingMessenger:
    """Stands in for `bot.framework.proactive.Messenger`: records (reference, activity) pairs."""

    sent: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)

    async def send(self, reference: dict[str, Any], activity: dict[str, Any]) -> None:
        self.sent.append((reference, activity))

    def to(self, conversation_id: str) -> list[dict[str, Any]]:
        return [a for r, a in self.sent if (r.get("conversation") or {}).get("id") == conversation_id]


def card_of(activity: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in activity.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return attachment["content"]  # type: ignore[no-any-return]
    return None


def submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node.get("data") or {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found
