"""Recruiting teams as the tests build them: a `recruiting_teams` row with its members (what
installing the app in a Teams team writes from the team's roster), recruiter parties, and who
is on an interview."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.web.tracker.common import TRACKER
from bot.web.tracker.signin import SESSION_COOKIE, Viewer
from services import PartyInput
from services.requests import upsert_party
from storage.models import Interview, InterviewRecruiter, RecruitingTeam, TeamMember
from tests.helpers.http import csrf_of

RITA = PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London", aad_object_id="oid-rita")
SAM = PartyInput("Sam Second", "sam@agency.example", "America/New_York", aad_object_id="oid-sam")
TESS = PartyInput("Tess Teammate", "tess@agency.example", "Europe/London", aad_object_id="oid-tess")
OLLIE = PartyInput("Ollie Other", "ollie@agency.example", "Europe/London", aad_object_id="oid-ollie")


async def recruiter(sessions: async_sessionmaker[AsyncSession], data: PartyInput, now: datetime) -> str:
    """The recruiter party for `data` (created or found), its id."""
    async with sessions() as session, session.begin():
        return (await upsert_party(session, "recruiter", data, now)).id


async def team(
    sessions: async_sessionmaker[AsyncSession], name: str, member_ids: list[str], now: datetime
) -> str:
    """A recruiting team with these recruiters in it; its id."""
    async with sessions() as session, session.begin():
        row = RecruitingTeam(name=name, share_feedback_text=False, created_at=now)
        session.add(row)
        await session.flush()
        session.add_all(TeamMember(team_id=row.id, party_id=p, added_at=now) for p in member_ids)
        return row.id


async def recruiters_of(sessions: async_sessionmaker[AsyncSession], interview_id: str) -> tuple[str, list[str]]:
    """(the owner, the co-recruiters in the order they were added) of an interview."""
    async with sessions() as session:
        owner = (await session.get_one(Interview, interview_id)).recruiter_id
        co = list(await session.scalars(
            select(InterviewRecruiter.party_id).where(InterviewRecruiter.interview_id == interview_id)
            .order_by(InterviewRecruiter.added_at, InterviewRecruiter.party_id)
        ))
    return owner, co


async def sign_in_as(client: TestClient, party_id: str, data: PartyInput) -> str:
    """Sign in to the tracker as the recruiter `party_id` (what the Entra ID callback does once the
    provider has vouched for them: a server-side session naming their party); returns the CSRF
    token of the pipeline page."""
    response = web.Response()
    await client.app[TRACKER].sessions.sign_in(
        response, Viewer(csrf="", user=data.name, email=data.email, object_id=data.aad_object_id,
                         party_id=party_id, zone=data.zone),
    )
    morsel = response.cookies[SESSION_COOKIE]
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: morsel.value}, client.make_url("/tracker"))
    page = await client.get("/tracker")
    assert page.status == 200
    return csrf_of(await page.text())


async def add_co_recruiter(
    sessions: async_sessionmaker[AsyncSession], interview_id: str, party_id: str, now: datetime
) -> None:
    async with sessions() as session, session.begin():
        interview = await session.get_one(Interview, interview_id)
        session.add(InterviewRecruiter(interview_id=interview_id, party_id=party_id, added_at=now,
                                       added_by=interview.recruiter_id))
