"""Interviews built through the real use cases: a request, and an interview booked for Wednesday
10:00-11:00 UTC (requested Monday 09:00) with its parties; the answers both sides give afterwards;
and reading back its stage and its jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
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


async def job_kinds(sessions: async_sessionmaker[AsyncSession], interview_id: str) -> list[tuple[str, str | None]]:
    """(kind, role) of the interview's jobs, in the order they were written."""
    async with sessions() as session:
        rows = await session.execute(
            select(Job.kind, Job.role).where(Job.interview_id == interview_id).order_by(Job.created_at)
        )
        return [(kind, role) for kind, role in rows]
