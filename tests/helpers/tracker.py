"""The tracker as the tests see it: its sign-in set up, interviews built through the real use cases,
and signing in over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.web.tracker.signin import TrackerAuthConfig
from scheduling.interview import Role
from scheduling.rules import SlotRequest
from services import PartyInput
from services.requests import request_interview
from services.scheduling import Actor, InterviewRequest, offer_slots, pick_slot
from storage.models import Interview, Job, Slot
from tests.helpers.http import csrf_of

PASSWORD = "correct horse battery staple"
SECRET = "tracker-test-secret-" + "k" * 32
RECRUITER = PartyInput("Rita Recruiter", "rita@agency.example", "Europe/London", aad_object_id="oid-rita")


def password_config(**overrides: Any) -> TrackerAuthConfig:
    values: dict[str, Any] = {"secret_key": SECRET.encode(), "mode": "password",
                              "password": SecretStr(PASSWORD)}
    values.update(overrides)
    return TrackerAuthConfig(**values)


async def sign_in(client: TestClient, password: str = PASSWORD) -> str:
    """Sign in with the local password; returns the session's CSRF token."""
    page = await client.get("/tracker/login")
    response = await client.post(
        "/tracker/login",
        data={"password": password, "csrf": csrf_of(await page.text()), "next": "/tracker"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    pipeline = await client.get("/tracker")
    assert pipeline.status == 200
    return csrf_of(await pipeline.text())


@asynccontextmanager
async def browser_at(address: str) -> AsyncIterator[aiohttp.ClientSession]:
    """A browser whose requests come from `address` (any 127.x.y.z reaches the loopback server),
    keeping cookies as a browser does."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        yield browser


async def try_password(browser: aiohttp.ClientSession, client: TestClient, password: str) -> tuple[int, str, str]:
    """One sign-in attempt through the login form: (status, page, Retry-After or "")."""
    page = await browser.get(client.make_url("/tracker/login"))
    answer = await browser.post(
        client.make_url("/tracker/login"),
        data={"password": password, "csrf": csrf_of(await page.text()), "next": "/tracker"},
        allow_redirects=False,
    )
    return answer.status, await answer.text(), answer.headers.get("Retry-After", "")


async def new_interview(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    candidate: str = "Cara Candidate",
    client: str = "Cliff Client",
    organisation: str = "Acme Ltd",
    role: str = "Data Engineer",
    recruiter: PartyInput = RECRUITER,
) -> tuple[str, str, str]:
    """(interview id, client party id, candidate party id), awaiting the client's slots."""
    slug = candidate.lower().replace(" ", ".")
    result = await request_interview(
        sessions,
        InterviewRequest(
            recruiter=recruiter,
            client=PartyInput(client, f"{client.lower().replace(' ', '.')}@{organisation.split()[0].lower()}.example",
                              "Europe/London", organisation=organisation),
            candidate=PartyInput(candidate, f"{slug}@mail.example", "Asia/Kolkata"),
            role_title=role,
            min_notice_hours=0,
        ),
        now,
    )
    async with sessions() as session:
        row = (await session.execute(
            select(Interview.client_id, Interview.candidate_id).where(Interview.id == result.interview_id)
        )).one()
    return result.interview_id, row.client_id, row.candidate_id


def weekday_after(now: datetime, days: int) -> date:
    day = (now + timedelta(days=days)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


async def offer(sessions: async_sessionmaker[AsyncSession], iid: str, client_id: str, now: datetime,
                day: date) -> None:
    result = await offer_slots(
        sessions, Actor(Role.CLIENT, client_id, iid), iid, [SlotRequest(day, time(10), "Europe/London")], now
    )
    assert result.accepted, result.refused


async def book(sessions: async_sessionmaker[AsyncSession], iid: str, client_id: str, candidate_id: str,
               now: datetime, day: date) -> None:
    await offer(sessions, iid, client_id, now, day)
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == iid))
    assert slot_id is not None
    await pick_slot(sessions, Actor(Role.CANDIDATE, candidate_id, iid), iid, slot_id, now)


async def fail_a_job(sessions: async_sessionmaker[AsyncSession], iid: str) -> str:
    async with sessions.begin() as session:
        job_id = await session.scalar(select(Job.id).where(Job.interview_id == iid).limit(1))
        assert job_id is not None
        await session.execute(
            update(Job).where(Job.id == job_id).values(status="failed", last_error="SMTP said no", done_at=None)
        )
    return job_id
