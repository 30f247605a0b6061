"""The recruiter's own calendar through the real msgraph-sdk against the loopback Graph, with the
real job runner, on SQLite and PostgreSQL.

The interview's event is organised from the recruiter's mailbox, so it is in their calendar once;
beside it, a follow-up hold of their own (no attendees) from 15 minutes after the interview's end
for 30 minutes, to contact the client and the candidate for feedback. A reschedule withdraws it
with the old time (as the interview's event goes then) and the new pick puts it after the new
time; a cancel deletes it. Each exactly once, however often the jobs run. A recruiter known only
from Teams (no e-mail address) gets nothing, and nothing fails.

Booked for Wednesday 25 November 2026 10:00–11:00 UTC, requested on Monday 09:00."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from bot.dev.loopback_graph import FakeGraph, StoredEvent, parse_graph_time
from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from integrations.graph import GraphCalendar, GraphConnection
from integrations.mail import MemoryMail
from scheduling.intervals import Interval
from scheduling.interview import EffectKind
from services import ServiceContext, Services
from services.changes import cancel_interview, reschedule_interview
from services.requests import PartyInput
from storage.jobs import failed_jobs
from storage.models import Interview, Job
from tests.helpers.clock import Clock
from tests.helpers.databases import Sessions
from tests.helpers.graph import CLIENT_MAILBOX, ORGANIZER, SDK_WARNINGS
from tests.helpers.interviews import NOW, a_request, booked, rebook
from tests.helpers.jobs import RecordingMessenger, run_jobs

pytestmark = SDK_WARNINGS

FOLLOW_UP = "Follow up: Asha Candidate — Data Engineer"
WEDNESDAY_FOLLOW_UP = Interval(datetime(2026, 11, 25, 11, 15, tzinfo=UTC), datetime(2026, 11, 25, 11, 45, tzinfo=UTC))
# The rebooked time: Thursday 14:00–15:00 UTC.
THURSDAY_FOLLOW_UP = Interval(datetime(2026, 11, 26, 15, 15, tzinfo=UTC), datetime(2026, 11, 26, 15, 45, tzinfo=UTC))


def runner_for(sessions: Sessions, graph: GraphConnection, mail: MemoryMail | None = None) -> JobRunner:
    clock = Clock(NOW)
    ctx = ServiceContext(
        sessions, clock=clock, calendar=GraphCalendar(graph), calendar_invites_attendees=True
    )
    handlers = job_handlers(Services(ctx), RecordingMessenger(), mail or MemoryMail())
    return JobRunner(sessions, handlers, clock=clock, lease=timedelta(minutes=2))


def follow_ups(fake: FakeGraph) -> list[StoredEvent]:
    """Every follow-up hold ever made (live or deleted), oldest first."""
    return [e for e in fake.events.values() if e.data.get("subject") == FOLLOW_UP]


def interview_events(fake: FakeGraph) -> list[StoredEvent]:
    return [e for e in fake.live_events() if e.data.get("subject") != FOLLOW_UP]


def span(event: StoredEvent) -> Interval:
    return Interval(parse_graph_time(event.data["start"]), parse_graph_time(event.data["end"]))


def deletes(fake: FakeGraph, event_id: str) -> int:
    return len(fake.calls("DELETE", f"/events/{event_id}"))


async def run_again(sessions: Sessions, runner: JobRunner, *kinds: EffectKind) -> None:
    """The recruiter's calendar jobs carried out once more (a worker's lease ran out after them)."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Job).where(Job.kind.in_([k.value for k in kinds])).values(status="pending", due_at=NOW)
        )
    await run_jobs(runner)


async def test_the_recruiter_has_the_interview_once_and_a_follow_up_hold_after_it(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    runner = runner_for(sessions, graph)
    await booked(sessions, a_request(client_email=CLIENT_MAILBOX))
    await run_jobs(runner)

    [event] = interview_events(fake_graph)
    assert event.organizer == ORGANIZER  # the interview is in Rita's calendar, as its organiser
    [hold] = follow_ups(fake_graph)
    assert hold.organizer == ORGANIZER and not hold.deleted and span(hold) == WEDNESDAY_FOLLOW_UP
    assert hold.data["attendees"] == [] and hold.data["showAs"] == "busy"
    assert hold.data["isReminderOn"] is True and hold.data["transactionId"]
    body = hold.data["body"]["content"]
    assert "contact the client, Harry Manager (Client Ltd), and the candidate, Asha Candidate" in body
    assert len(fake_graph.calls("POST", f"/users/{ORGANIZER}/events")) == 2  # the interview, the hold
    assert await failed_jobs(sessions) == []

    # A retried job (the answer lost, the worker's lease run out) makes no second hold.
    await run_again(sessions, runner, EffectKind.RECRUITER_CALENDAR)
    assert len(follow_ups(fake_graph)) == 1
    async with sessions() as session:
        stored = await session.scalar(select(Interview.follow_up_event_id))
    assert stored == f"0|{ORGANIZER}|{hold.id}"


async def test_a_reschedule_moves_the_follow_up_hold_to_after_the_new_time_once(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    runner = runner_for(sessions, graph)
    p = await booked(sessions, a_request(client_email=CLIENT_MAILBOX))
    await run_jobs(runner)
    [first] = follow_ups(fake_graph)

    await reschedule_interview(sessions, p.candidate, p.interview_id, "A clash", NOW)
    await run_jobs(runner)
    # The old time is withdrawn: the interview's event is cancelled, the hold after it deleted.
    assert interview_events(fake_graph) == []
    assert fake_graph.events[first.id].deleted and deletes(fake_graph, first.id) == 1

    await rebook(sessions, p, 14, day_offset=1)
    await run_jobs(runner)
    [old, new] = follow_ups(fake_graph)
    assert old.id == first.id and not new.deleted and span(new) == THURSDAY_FOLLOW_UP
    assert new.data["transactionId"] != first.data["transactionId"]
    [event] = interview_events(fake_graph)
    # The new interview event and the new hold are made by separate jobs: in either order.
    assert sorted(e.id for e in fake_graph.live_events()) == sorted([event.id, new.id])

    await run_again(sessions, runner, EffectKind.RECRUITER_CALENDAR, EffectKind.RECRUITER_CALENDAR_CANCEL)
    assert len(follow_ups(fake_graph)) == 2 and deletes(fake_graph, first.id) == 1
    assert not fake_graph.events[new.id].deleted and deletes(fake_graph, new.id) == 0
    assert await failed_jobs(sessions) == []


async def test_a_cancel_deletes_the_follow_up_hold_once(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    runner = runner_for(sessions, graph)
    p = await booked(sessions, a_request(client_email=CLIENT_MAILBOX))
    await run_jobs(runner)
    [hold] = follow_ups(fake_graph)

    await cancel_interview(sessions, p.client, p.interview_id, "Role filled", NOW)
    await run_jobs(runner)
    assert fake_graph.live_events() == []
    assert fake_graph.events[hold.id].deleted and deletes(fake_graph, hold.id) == 1
    await run_again(sessions, runner, EffectKind.RECRUITER_CALENDAR, EffectKind.RECRUITER_CALENDAR_CANCEL)
    assert deletes(fake_graph, hold.id) == 1 and len(follow_ups(fake_graph)) == 1
    async with sessions() as session:
        assert await session.scalar(select(Interview.follow_up_event_id)) is None
    assert await failed_jobs(sessions) == []


async def test_a_recruiter_known_only_from_teams_gets_no_hold_and_nothing_fails(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    fake_graph.add_mailbox("askarsan@localhost")  # the agency's mailbox organises the event then
    mail = MemoryMail()
    runner = runner_for(sessions, graph, mail)
    teams_only = PartyInput("Rita Recruiter", None, "Europe/London", teams_user_id="29:rita")
    p = await booked(sessions, a_request(client_email=CLIENT_MAILBOX, recruiter=teams_only))
    await run_jobs(runner)
    await cancel_interview(sessions, p.client, p.interview_id, "Role filled", NOW)
    await run_jobs(runner)
    assert follow_ups(fake_graph) == []
    assert await failed_jobs(sessions) == []
