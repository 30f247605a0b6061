"""Read side: interviews as the people in them see them (cards, pages, the API)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.intervals import Interval
from scheduling.interview import Format, InterviewView, OfferedSlot, PartyView, Stage
from storage.models import Interview, Party, Slot


def party_view(party: Party) -> PartyView:
    return PartyView(
        id=party.id,
        name=party.display_name,
        zone=party.timezone,
        organisation=party.organisation,
    )


async def load_view(session: AsyncSession, interview_id: str) -> InterviewView | None:
    interview = await session.get(Interview, interview_id)
    if interview is None:
        return None
    parties = {
        p.id: p
        for p in await session.scalars(
            select(Party).where(
                Party.id.in_([interview.recruiter_id, interview.client_id, interview.candidate_id])
            )
        )
    }
    slots = await session.scalars(
        select(Slot)
        .where(Slot.interview_id == interview.id, Slot.status == "offered")
        .order_by(Slot.start)
    )
    booked = (
        Interval(interview.starts_at, interview.ends_at)
        if interview.starts_at is not None and interview.ends_at is not None
        and interview.stage != Stage.AWAITING_SLOTS.value
        else None
    )
    windows = interview.candidate_windows or {}
    return InterviewView(
        id=interview.id,
        role_title=interview.role_title,
        format=Format(interview.format),
        stage=Stage(interview.stage),
        duration=timedelta(minutes=interview.duration_minutes),
        recruiter=party_view(parties[interview.recruiter_id]),
        client=party_view(parties[interview.client_id]),
        candidate=party_view(parties[interview.candidate_id]),
        location=interview.location,
        join_url=interview.join_url,
        booked=booked,
        slots=tuple(OfferedSlot(s.id, Interval(s.start, s.end)) for s in slots),
        candidate_note=str(windows["text"]) if windows.get("text") else None,
        round=interview.round,
        page_version=_page_version(interview),
    )


def _page_version(interview: Interview) -> int | None:
    version = (interview.rules or {}).get("page_version")
    return version if isinstance(version, int) else None
