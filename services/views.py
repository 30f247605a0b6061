"""Read side: interviews as the people in them see them (cards, pages, the API)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduling.intervals import Interval
from scheduling.interview import Format, InterviewView, OfferedSlot, PartyView, Seat, Stage
from storage.models import Booking, Interview, InterviewInterviewer, InterviewRecruiter, Party, Slot


def party_view(party: Party) -> PartyView:
    return PartyView(
        id=party.id,
        name=party.display_name,
        zone=party.timezone,
        organisation=party.organisation,
        language=party.language,
    )


async def load_view(session: AsyncSession, interview_id: str) -> InterviewView | None:
    interview = await session.get(Interview, interview_id)
    if interview is None:
        return None
    seats = (
        await session.execute(
            select(InterviewInterviewer.party_id, InterviewInterviewer.required)
            .where(InterviewInterviewer.interview_id == interview.id)
            .order_by(InterviewInterviewer.position)
        )
    ).all()
    co_ids = list(
        await session.scalars(
            select(InterviewRecruiter.party_id)
            .where(InterviewRecruiter.interview_id == interview.id)
            .order_by(InterviewRecruiter.added_at, InterviewRecruiter.party_id)
        )
    )
    ids = {interview.recruiter_id, interview.client_id, interview.candidate_id, *co_ids}
    ids.update(seat.party_id for seat in seats)
    parties = {p.id: p for p in await session.scalars(select(Party).where(Party.id.in_(ids)))}
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
    panel: tuple[Seat, ...] = ()
    if len(seats) > 1:
        attending: set[str] | None = None
        if booked is not None:
            attending = set(
                await session.scalars(
                    select(Booking.client_id).where(
                        Booking.interview_id == interview.id, Booking.status == "active"
                    )
                )
            )
        panel = tuple(
            Seat(
                party_view(parties[seat.party_id]), seat.required,
                attending is None or seat.party_id in attending,
            )
            for seat in seats
        )
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
        # Once a time from them was booked the windows are history (the tracker still shows them).
        candidate_windows=proposed_intervals(windows) if open_proposal(windows) else (),
        candidate_proposal=open_proposal(windows),
        round=interview.round,
        page_version=_page_version(interview),
        panel=panel,
        co_recruiters=tuple(party_view(parties[p]) for p in co_ids),
    )


def proposed_intervals(windows: Mapping[str, Any]) -> tuple[Interval, ...]:
    """The windows the candidate's words were read as (``Interview.candidate_windows``'s
    ``windows``: [[start, end], ...] in UTC ISO 8601), () when none were read."""
    found: list[Interval] = []
    for pair in windows.get("windows") or ():
        try:
            found.append(Interval(datetime.fromisoformat(pair[0]), datetime.fromisoformat(pair[1])))
        except (TypeError, ValueError, IndexError):
            continue  # a stored row from before, or damaged: the words are still shown
    return tuple(found)


def open_proposal(windows: Mapping[str, Any]) -> str | None:
    """The proposal a client can still accept a time from: None once one of its times was taken."""
    proposal = windows.get("proposal")
    return str(proposal) if proposal and not windows.get("accepted") else None


def _page_version(interview: Interview) -> int | None:
    version = (interview.rules or {}).get("page_version")
    return version if isinstance(version, int) else None
