"""Who recruits for an interview beside its owner: the co-recruiters, read by the use cases that
fan a recruiter's updates out or carry the team into the next round. (The interviewers are read by
``services.hosts.interviewers``.)"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InterviewRecruiter

__all__ = ["co_recruiter_ids"]

_CO = (
    select(InterviewRecruiter.party_id)
    .where(InterviewRecruiter.interview_id == bindparam("id"))
    .order_by(InterviewRecruiter.added_at, InterviewRecruiter.party_id)
)


async def co_recruiter_ids(session: AsyncSession, interview_id: str) -> list[str]:
    """The interview's co-recruiters (not the owner), in the order they were added."""
    return list(await session.scalars(_CO, {"id": interview_id}))
