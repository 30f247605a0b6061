"""The recruiting team in the use cases: co-recruiters get every recruiter update (each their own
delivery) and act as the interview's recruiter; a handover moves ownership, keeps the old owner
on as a co-recruiter, and the next update goes to the new owner. Mails are the recruiters'
channel here (none of them has a Teams conversation); the real job runner plans them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from integrations.calendar import MemoryCalendar
from integrations.mail import MemoryMail
from scheduling.interview import Role, Stage
from services import InvalidRequest, NotAllowed, ServiceContext, Services
from services.changes import cancel_interview, nudge
from services.core import Actor
from services.identity import Sender, actor_for
from services.requests import request_interview
from services.team import hand_over
from storage.models import AuditEvent, Interview, Job
from tests.helpers.clock import Clock
from tests.helpers.interviews import ENDED, NOW, a_request, booked
from tests.helpers.jobs import RecordingMessenger, run_jobs
from tests.helpers.teams import OLLIE, RITA, SAM, TESS, recruiter, recruiters_of

Sessions = async_sessionmaker[AsyncSession]


def runner_for(sessions: Sessions, mail: MemoryMail, clock: Clock) -> JobRunner:
    services = Services(ServiceContext(sessions, clock=clock, calendar=MemoryCalendar(["rita@agency.example"])))
    handlers = job_handlers(services, RecordingMessenger(), mail)
    return JobRunner(sessions, handlers, clock=clock, lease=timedelta(minutes=2))


def subjects_to(mail: MemoryMail, address: str) -> list[str]:
    """The recruiter updates mailed to `address` (not the owner's calendar entries, which go to
    the owner alone: tests/services/test_recruiter_calendar.py)."""
    return [
        m.subject for m in mail.sent
        if m.to == (address,) and not any(a.filename == "follow-up.ics" for a in m.attachments)
    ]


def with_co_recruiters(*co):
    return replace(a_request(recruiter=RITA), co_recruiters=co)


async def interview_row(sessions: Sessions, interview_id: str) -> Interview:
    async with sessions() as session:
        return await session.get_one(Interview, interview_id)


async def test_a_co_recruiter_gets_every_recruiter_update_each_once_under_its_own_key(sessions: Sessions) -> None:
    mail, clock = MemoryMail(), Clock(NOW)
    p = await booked(sessions, with_co_recruiters(SAM))
    runner = runner_for(sessions, mail, clock)
    await run_jobs(runner)
    rita, sam = subjects_to(mail, "rita@agency.example"), subjects_to(mail, "sam@agency.example")
    assert any(s.startswith("Interview booked") for s in rita)
    assert sorted(sam) == sorted(rita)  # the same updates, one each

    # Each recipient's delivery is its own job, keyed by the effect and the recipient.
    async with sessions() as session:
        keys = list(await session.scalars(select(Job.idempotency_key).where(Job.kind == "send_mail")))
    owner, [co] = await recruiters_of(sessions, p.interview_id)
    recruiter_keys = [k for k in keys if "|to:" in k]
    assert len(recruiter_keys) == len(set(recruiter_keys)) == len(rita) + len(sam)
    assert {k.split("|to:")[1].split("|")[0] for k in recruiter_keys} == {owner, co}

    # The recruiter notes planned again (a worker died after planning): nothing new for anyone.
    async with sessions() as session, session.begin():
        before = await session.scalar(select(func.count()).select_from(Job))
        await session.execute(update(Job).where(Job.kind == "notify_recruiter").values(status="pending"))
    await run_jobs(runner)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == before
    assert subjects_to(mail, "sam@agency.example") == sam

    # Later updates too: the summary once the feedback window closes.
    clock.set(ENDED)
    await run_jobs(runner)
    clock.set(ENDED + timedelta(days=30))
    await run_jobs(runner)
    later = subjects_to(mail, "sam@agency.example")[len(sam):]
    assert any(s.startswith("Feedback for Asha Candidate: decision due") for s in later)
    assert later == subjects_to(mail, "rita@agency.example")[len(rita):]


async def test_a_co_recruiter_acts_as_the_recruiter_and_a_stranger_recruiter_does_not(sessions: Sessions) -> None:
    result = await request_interview(sessions, with_co_recruiters(SAM), NOW)
    iid = result.interview_id
    owner, [sam] = await recruiters_of(sessions, iid)
    ollie = await recruiter(sessions, OLLIE, NOW)
    # Who a Teams sender is comes from our records: Sam's AAD id makes him this interview's recruiter.
    teams_sam = Sender("msteams", "29:sam", "oid-sam", "Sam")
    assert await actor_for(sessions, teams_sam, iid, NOW) == Actor(Role.RECRUITER, sam)
    assert await actor_for(sessions, Sender("msteams", "29:o", "oid-ollie", "O"), iid, NOW) is None

    await nudge(sessions, Actor(Role.RECRUITER, sam), iid, NOW + timedelta(hours=1))
    with pytest.raises(NotAllowed):
        await nudge(sessions, Actor(Role.RECRUITER, ollie), iid, NOW + timedelta(hours=2))
    async with sessions() as session:
        nudged = await session.scalar(
            select(AuditEvent.actor_party_id).where(AuditEvent.interview_id == iid, AuditEvent.action == "nudged")
        )
    assert nudged == sam and owner != sam


async def test_a_handover_moves_ownership_and_the_next_update_goes_to_the_new_owner(sessions: Sessions) -> None:
    mail, clock = MemoryMail(), Clock(NOW)
    p = await booked(sessions, a_request(recruiter=RITA))
    sam = await recruiter(sessions, SAM, NOW)
    runner = runner_for(sessions, mail, clock)
    await run_jobs(runner)
    assert subjects_to(mail, "sam@agency.example") == []
    before = await interview_row(sessions, p.interview_id)

    result = await hand_over(sessions, p.recruiter, p.interview_id, " Sam@Agency.example ", NOW)
    assert (result.owner_id, result.previous_id, result.already) == (sam, p.recruiter.party_id, False)
    assert await recruiters_of(sessions, p.interview_id) == (sam, [p.recruiter.party_id])
    after = await interview_row(sessions, p.interview_id)
    # Not a lifecycle event: the stage, its clock, the version and the calendar entry stay.
    assert (after.stage, after.stage_changed_at, after.version, after.ics_sequence) == (
        before.stage, before.stage_changed_at, before.version, before.ics_sequence)
    async with sessions() as session:
        [entry] = await session.scalars(select(AuditEvent).where(AuditEvent.action == "handed_over"))
    assert entry.actor_party_id == p.recruiter.party_id and entry.detail == {
        "from": p.recruiter.party_id, "to": sam}

    await run_jobs(runner)
    [told] = subjects_to(mail, "sam@agency.example")
    assert told.startswith("Interview handed over")
    handed = next(m for m in mail.sent if m.to == ("sam@agency.example",))
    assert "Rita Recruiter handed this interview over to Sam Second" in handed.text

    # The next proactive message about the interview goes to the new owner (and the old one,
    # who stays on as a co-recruiter).
    clock.set(NOW + timedelta(hours=1))
    await cancel_interview(sessions, p.client, p.interview_id, "Role filled", clock())
    await run_jobs(runner)
    assert subjects_to(mail, "sam@agency.example")[-1].startswith("Interview cancelled")
    assert subjects_to(mail, "rita@agency.example")[-1].startswith("Interview cancelled")


async def test_only_the_owner_or_a_co_recruiter_hands_over_and_a_refusal_changes_nothing(
    sessions: Sessions,
) -> None:
    p = await booked(sessions, with_co_recruiters(SAM))
    owner, [sam] = await recruiters_of(sessions, p.interview_id)
    ollie = await recruiter(sessions, OLLIE, NOW)
    tess = await recruiter(sessions, TESS, NOW)
    async with sessions() as session:
        jobs_before = await session.scalar(select(func.count()).select_from(Job))
    # A candidate or a client replaying a handover, and a recruiter who is not on the interview.
    for stranger in (p.candidate, p.client, Actor(Role.RECRUITER, ollie)):
        with pytest.raises(NotAllowed):
            await hand_over(sessions, stranger, p.interview_id, "ollie@agency.example", NOW)
    with pytest.raises(InvalidRequest) as unknown:
        await hand_over(sessions, p.recruiter, p.interview_id, "nobody@agency.example", NOW)
    assert "nobody@agency.example" in unknown.value.problems["to"]
    already = await hand_over(sessions, p.recruiter, p.interview_id, "rita@agency.example", NOW)
    assert already.already
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Job)) == jobs_before
        assert await session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "handed_over")) == 0
    assert await recruiters_of(sessions, p.interview_id) == (owner, [sam])

    # A co-recruiter may hand over: the owner until now joins the co-recruiters.
    await hand_over(sessions, Actor(Role.RECRUITER, sam), p.interview_id, "tess@agency.example", NOW)
    new_owner, co = await recruiters_of(sessions, p.interview_id)
    assert new_owner == tess and sorted(co) == sorted([sam, owner])
    assert (await interview_row(sessions, p.interview_id)).stage == Stage.SCHEDULED.value
