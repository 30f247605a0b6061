"""The recruiter's controls (services/controls.py) on real databases: who may act (from our
records), what a link must be, and what goes to the outbox. Booked Wednesday 10:00–11:00 UTC
(tests/helpers/interviews.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduling.interview import Role
from services.changes import TooManyReschedules, reschedule_interview
from services.controls import allow_one_more_reschedule, meeting_link, resend_invitation, set_meeting_link
from services.core import Actor, InvalidRequest, NotAllowed, NotFound
from storage.models import Interview, InterviewChanges, Job
from tests.helpers.interviews import NOW, booked, rebook
from tests.helpers.teams import OLLIE, TESS, add_co_recruiter, recruiter

Sessions = async_sessionmaker[AsyncSession]
LINK = "https://teams.microsoft.com/l/meetup-join/abc"


@pytest.mark.parametrize("typed", ["http://x.example/m", "ftp://x.example", "teams.microsoft.com/x",
                                   "https://", "https://bad host/x", "", "https://x/" + "a" * 1000])
def test_a_meeting_link_must_be_an_https_address(typed: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        meeting_link(typed)
    assert "join_url" in refused.value.problems


async def test_a_co_recruiter_sets_the_link_and_a_recruiter_not_on_the_interview_cannot(sessions: Sessions) -> None:
    p = await booked(sessions)
    tess = await recruiter(sessions, TESS, NOW)
    ollie = await recruiter(sessions, OLLIE, NOW)
    await add_co_recruiter(sessions, p.interview_id, tess, NOW)
    with pytest.raises((NotAllowed, NotFound)):
        await set_meeting_link(sessions, Actor(Role.RECRUITER, ollie), p.interview_id, LINK, NOW)
    with pytest.raises((NotAllowed, NotFound)):
        await resend_invitation(sessions, p.candidate, p.interview_id, NOW)
    assert not (await set_meeting_link(sessions, Actor(Role.RECRUITER, tess), p.interview_id, LINK, NOW)).already
    assert (await set_meeting_link(sessions, p.recruiter, p.interview_id, LINK, NOW)).already
    async with sessions() as session:
        assert (await session.get_one(Interview, p.interview_id)).join_url == LINK
        jobs = [(j.kind, j.role) for j in await session.scalars(select(Job)) if j.payload["data"].get("note")
                == "meeting_link"]
    assert sorted(jobs) == [("confirm_booking", "candidate"), ("confirm_booking", "client"),
                            ("send_invitation_email", "candidate"), ("send_invitation_email", "client")]


async def test_one_more_reschedule_lets_the_candidate_move_it_once_more_and_no_more(sessions: Sessions) -> None:
    p = await booked(sessions)
    async with sessions() as session, session.begin():
        session.add(InterviewChanges(interview_id=p.interview_id, by_client=0, by_candidate=2,
                                     by_recruiter=0, updated_at=NOW))
    with pytest.raises(TooManyReschedules):
        await reschedule_interview(sessions, p.candidate, p.interview_id, "", NOW)
    with pytest.raises((NotAllowed, NotFound)):
        await allow_one_more_reschedule(sessions, p.candidate, p.interview_id, "candidate", NOW)
    result = await allow_one_more_reschedule(sessions, p.recruiter, p.interview_id, "candidate", NOW)
    assert not result.already and result.remaining == 1
    assert (await allow_one_more_reschedule(sessions, p.recruiter, p.interview_id, "candidate", NOW)).already
    await reschedule_interview(sessions, p.candidate, p.interview_id, "Ill", NOW)
    await rebook(sessions, p, 14, day_offset=1)
    with pytest.raises(TooManyReschedules):  # the one more was used
        await reschedule_interview(sessions, p.candidate, p.interview_id, "Again", NOW)
