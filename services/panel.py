"""Who is on an interview beside the candidate: its client-side interviewers (a panel: the client
contact first, then the others, each required or optional) and its recruiters (the owner, then the
co-recruiters). Read helpers shared by the use cases; one query each."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InterviewInterviewer, InterviewRecruiter

__all__ = ["Seat", "co_recruiter_ids", "interviewer_seats"]


@dataclass(frozen=True)
class Seat:
    party_id: str
    required: bool


_SEATS = (
    select(InterviewInterviewer.party_id, InterviewInterviewer.required)
    .where(InterviewInterviewer.interview_id == bindparam("id"))
    .order_by(InterviewInterviewer.position)
)
_CO = (
    select(InterviewRecruiter.party_id)
    .where(InterviewRecruiter.interview_id == bindparam("id"))
    .order_by(InterviewRecruiter.added_at, InterviewRecruiter.party_id)
)


async def interviewer_seats(session: AsyncSession, interview_id: str) -> list[Seat]:
    """The interview's interviewers in order, the client contact first."""
    return [Seat(row.party_id, row.required) for row in await session.execute(_SEATS, {"id": interview_id})]


async def co_recruiter_ids(session: AsyncSession, interview_id: str) -> list[str]:
    """The interview's co-recruiters (not the owner), in the order they were added."""
    return list(await session.scalars(_CO, {"id": interview_id}))
