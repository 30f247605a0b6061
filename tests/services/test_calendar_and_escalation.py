"""The calendar handlers against MemoryCalendar, and the escalation schedule, with a clock the test
moves (no sleeping). Booked: Wednesday 10:00–11:00 UTC, requested Monday 09:00."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from integrations.calendar import MemoryCalendar
from integrations.errors import TransientError
from integrations.mail import MemoryMail
from scheduling.interview import Policy, Role, Stage
from services import ServiceContext, Services
from services.changes import cancel_interview, nudge, reschedule_interview
from services.scheduling import request_interview
from storage.models import Interview, Job, Party
from tests.helpers.cards import card_of, submits
from tests.helpers.clock import Clock
from tests.helpers.interviews import NOW, a_request, booked, rebook
from tests.helpers.jobs import RecordingMessenger, run_jobs

Sessions = async_sessionmaker[AsyncSession]
RECRUITER = "rita@agency.example"


def runner_for(sessions: Sessions, calendar: MemoryCalendar, clock: Clock,
               messenger: RecordingMessenger | None = None) -> JobRunner:
    services = Services(ServiceContext(sessions, clock=clock, calendar=calendar))
    handlers = job_handlers(services, messenger or RecordingMessenger(), MemoryMail())
    return JobRunner(sessions, handlers, clock=clock, lease=timedelta(minutes=2))


async def interview(sessions: Sessions, interview_id: str) -> Interview:
    async with sessions() as session:
        return await session.get_one(Interview, interview_id)


async def test_the_event_is_created_once_even_if_the_job_runs_twice(sessions: Sessions) -> None:
    calendar, clock = MemoryCalendar([RECRUITER]), Clock(NOW)
    p = await booked(sessions)
    await run_jobs(runner_for(sessions, calendar, clock))
    row = await interview(sessions, p.interview_id)
    [event] = calendar.live_events()
    assert row.calendar_event_id == event.id and row.join_url == event.join_url
    assert event.organizer == RECRUITER and {a[1] for a in event.attendees} == {
        "hm@client.example", "asha@example.org"}
    # The same create job carried out again (a crashed worker's lease ran out): no second event.
    async with sessions() as session, session.begin():
        await session.execute(update(Job).where(Job.kind == "create_calendar_event").values(status="pending"))
        await session.execute(update(Interview).values(calendar_event_id=None))
    await run_jobs(runner_for(sessions, calendar, clock))
    assert len(calendar.events) == 1


async def test_a_throttled_create_is_retried_after_retry_after(sessions: Sessions) -> None:
    calendar, clock = MemoryCalendar([RECRUITER]), Clock(NOW)
    calendar.fail_next.append(TransientError("429", after=timedelta(seconds=30)))
    await booked(sessions)
    runner = runner_for(sessions, calendar, clock)
    await run_jobs(runner)
    assert calendar.events == {}
    async with sessions() as session:
        job = await session.scalar(select(Job).where(Job.kind == "create_calendar_event"))
        assert job is not None and job.status == "pending" and job.due_at == NOW + timedelta(seconds=30)
    clock.set(NOW + timedelta(seconds=31))
    await run_jobs(runner)
    assert len(calendar.live_events()) == 1


async def test_cancel_and_reschedule_cancel_the_event_and_a_new_time_gets_a_new_one(sessions: Sessions) -> None:
    calendar, clock = MemoryCalendar([RECRUITER]), Clock(NOW)
    runner = runner_for(sessions, calendar, clock)
    p = await booked(sessions)
    await run_jobs(runner)
    [first] = calendar.live_events()
    await reschedule_interview(sessions, p.candidate, p.interview_id, "moved", NOW)
    await run_jobs(runner)
    assert calendar.events[first.id].cancelled and calendar.live_events() == []
    await rebook(sessions, p, 14)
    await run_jobs(runner)
    [second] = calendar.live_events()
    assert second.id != first.id and second.transaction_id != first.transaction_id
    await cancel_interview(sessions, p.client, p.interview_id, "Role filled", NOW)
    await run_jobs(runner)
    assert calendar.live_events() == [] and calendar.events[second.id].comment == "Role filled"


async def test_without_the_recruiters_address_the_sending_mailbox_organises_the_event(
    sessions: Sessions,
) -> None:
    """A recruiter known only from Teams has no address here: the agency's sending mailbox
    (ASKARSAN_MAIL_FROM) organises the event rather than the job being parked."""
    calendar, clock = MemoryCalendar([RECRUITER, "askarsan@localhost"]), Clock(NOW)
    p = await booked(sessions)
    async with sessions() as session, session.begin():
        row = await session.get_one(Interview, p.interview_id)
        await session.execute(update(Party).where(Party.id == row.recruiter_id).values(email=None))
    await run_jobs(runner_for(sessions, calendar, clock))
    [event] = calendar.live_events()
    assert event.organizer == "askarsan@localhost"
    async with sessions() as session:
        job = await session.scalar(select(Job).where(Job.kind == "create_calendar_event"))
        assert job is not None and job.status == "done"


# Escalation -------------------------------------------------------------------------------------


def test_the_escalation_schedule_grows_and_ends_with_the_recruiter() -> None:
    reminders, alert = Policy().pending_schedule(NOW)
    assert reminders == (NOW + timedelta(hours=24), NOW + timedelta(hours=72))
    assert alert == NOW + timedelta(hours=96)


def reference(conversation: str) -> dict[str, Any]:
    return {"conversation": {"id": conversation}, "serviceUrl": "http://connector.invalid", "channelId": "msteams"}


async def give_teams(sessions: Sessions, interview_id: str) -> None:
    async with sessions() as session, session.begin():
        row = await session.get_one(Interview, interview_id)
        for party_id, name in ((row.client_id, "client"), (row.recruiter_id, "rec")):
            party = await session.get_one(Party, party_id)
            party.conversation_reference = {"teams": reference(name)}


@pytest.mark.parametrize("nudged", [False, True], ids=["silent-client", "nudged"])
async def test_a_silent_client_is_reminded_twice_then_the_recruiter_is_alerted(
    sessions: Sessions, nudged: bool
) -> None:
    calendar, clock, messenger = MemoryCalendar([RECRUITER]), Clock(NOW), RecordingMessenger()
    result = await request_interview(sessions, a_request(), NOW)
    iid = result.interview_id
    await give_teams(sessions, iid)
    runner = runner_for(sessions, calendar, clock, messenger)
    await run_jobs(runner)
    assert len(messenger.to("client")) == 1  # the ask itself
    clock.set(NOW + timedelta(hours=24, minutes=1))
    await run_jobs(runner)
    assert len(messenger.to("client")) == 2 and "reminder" in json_of(messenger.to("client")[-1])
    if nudged:
        # The recruiter nudges early: the client is asked again and the old schedule is void.
        recruiter = await actor(sessions, iid, Role.RECRUITER)
        await nudge(sessions, recruiter, iid, clock())
        await run_jobs(runner)
        assert len(messenger.to("client")) == 3
        # The new schedule counts from the nudge (24 h, then 48 h more); the first schedule's
        # second reminder (72 h) and its alert (96 h) do nothing.
        clock.set(NOW + timedelta(hours=96))
        await run_jobs(runner)
        assert len(messenger.to("client")) == 4 and messenger.to("rec") == []
        clock.set(NOW + timedelta(hours=24 + 96, minutes=2))
        await run_jobs(runner)
        assert len(messenger.to("client")) == 5
        [alert] = messenger.to("rec")
        return
    clock.set(NOW + timedelta(hours=72, minutes=1))
    await run_jobs(runner)
    assert len(messenger.to("client")) == 3
    clock.set(NOW + timedelta(hours=96, minutes=1))
    await run_jobs(runner)
    [alert] = messenger.to("rec")
    card = card_of(alert)
    assert card is not None and "no answer in time" in json_of(alert)
    assert {d["action"] for d in submits(card)} == {"nudge", "cancel"}


async def test_no_reminder_once_the_client_has_offered(sessions: Sessions) -> None:
    calendar, clock, messenger = MemoryCalendar([RECRUITER]), Clock(NOW), RecordingMessenger()
    p = await booked(sessions)  # offered and picked on Monday
    await give_teams(sessions, p.interview_id)
    runner = runner_for(sessions, calendar, clock, messenger)
    clock.set(NOW + timedelta(hours=100))
    await run_jobs(runner)
    assert not any("reminder" in json_of(a) for a in messenger.to("client"))
    assert not any("no answer in time" in json_of(a) for a in messenger.to("rec"))


async def test_only_the_recruiter_may_nudge_and_only_while_someone_is_waited_on(sessions: Sessions) -> None:
    from services.scheduling import NotAllowed

    p = await booked(sessions)
    with pytest.raises(NotAllowed):
        await nudge(sessions, p.client, p.interview_id, NOW)
    with pytest.raises(NotAllowed) as caught:
        await nudge(sessions, p.recruiter, p.interview_id, NOW)
    assert "nothing to nudge" in caught.value.message
    assert (await interview(sessions, p.interview_id)).stage == Stage.SCHEDULED


async def actor(sessions: Sessions, interview_id: str, role: Role) -> Any:
    from services.scheduling import Actor

    row = await interview(sessions, interview_id)
    return Actor(role, {Role.RECRUITER: row.recruiter_id, Role.CLIENT: row.client_id}.get(role, row.candidate_id))


def json_of(activity: dict[str, Any]) -> str:
    import json

    return json.dumps(activity).lower()
