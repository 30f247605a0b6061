"""Holds of hand-offered slots in the client's own calendar, through the real msgraph-sdk against
the loopback Graph, with the real job runner, on SQLite and PostgreSQL.

Each slot the client offers by hand becomes a tentative event without attendees in the client's
mailbox, so their calendar cannot fill it while the candidate chooses; when the offer ends (a
pick, the candidate's other times, a cancel) every hold is deleted once, and a booked time
becomes the interview's event as before. Retries make no second hold and delete nothing twice.
With the local calendar nothing is written anywhere.

Requested Monday 23 November 2026 09:00 UTC; the slots are on Wednesday (London is UTC then)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.app import build_runtime
from bot.dev.loopback_graph import FakeGraph, StoredEvent, parse_graph_time
from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from bot.settings import Settings
from integrations.factory import LOOPBACK_TOKEN
from integrations.graph import GraphCalendar, GraphConnection
from integrations.mail import MemoryMail
from scheduling.intervals import Interval
from scheduling.interview import EffectKind, Role, Stage
from scheduling.rules import SlotRequest
from services import ServiceContext, Services
from services.availability import set_page
from services.booking import book_open_time, listed_times
from services.changes import cancel_interview
from services.core import Actor
from services.requests import request_interview
from services.scheduling import offer_slots, pick_slot, propose_other_times
from storage.jobs import failed_jobs
from storage.migrate import migrate
from storage.models import AuditEvent, Interview, Job, Slot
from tests.helpers.clock import Clock
from tests.helpers.databases import Sessions
from tests.helpers.graph import CLIENT_MAILBOX, ORGANIZER, SDK_WARNINGS
from tests.helpers.interviews import NOW, WEDNESDAY, a_request
from tests.helpers.jobs import RecordingMessenger, run_jobs

pytestmark = SDK_WARNINGS

SUBJECT = "Hold: interview with Asha Candidate (Data Engineer)"
CANDIDATE = "asha@example.org"


def wednesday(hour: int) -> Interval:
    start = datetime.combine(WEDNESDAY, time(hour), tzinfo=UTC)
    return Interval(start, start + timedelta(hours=1))


def runner_for(sessions: Sessions, graph: GraphConnection, clock: Clock[datetime]) -> JobRunner:
    ctx = ServiceContext(
        sessions, clock=clock, calendar=GraphCalendar(graph), calendar_invites_attendees=True
    )
    handlers = job_handlers(Services(ctx), RecordingMessenger(), MemoryMail())
    return JobRunner(sessions, handlers, clock=clock, lease=timedelta(minutes=2))


class Interview_:
    """One interview and the actors of its parties."""

    def __init__(self, interview_id: str, row: Interview) -> None:
        self.id = interview_id
        self.client = Actor(Role.CLIENT, row.client_id)
        self.candidate = Actor(Role.CANDIDATE, row.candidate_id)
        self.recruiter = Actor(Role.RECRUITER, row.recruiter_id)


async def requested(sessions: Sessions, client_email: str = CLIENT_MAILBOX, **extra: Any) -> Interview_:
    request = a_request(client_email=client_email, **extra)
    result = await request_interview(sessions, request, NOW)
    async with sessions() as session:
        return Interview_(result.interview_id, await session.get_one(Interview, result.interview_id))


async def offer(sessions: Sessions, iv: Interview_, *hours: int) -> None:
    requests = [SlotRequest(WEDNESDAY, time(h), "Europe/London") for h in hours]
    result = await offer_slots(sessions, iv.client, iv.id, requests, NOW)
    assert len(result.accepted) == len(hours)


async def slots(sessions: Sessions, interview_id: str) -> dict[datetime, tuple[str, str, str | None]]:
    """Each slot's start → (slot id, status, hold id)."""
    async with sessions() as session:
        rows = await session.execute(
            select(Slot.start, Slot.id, Slot.status, Slot.hold_event_id)
            .where(Slot.interview_id == interview_id)
        )
        return {start: (slot_id, status, hold) for start, slot_id, status, hold in rows}


def holds(fake: FakeGraph) -> list[StoredEvent]:
    """Every event ever made in the client's own calendar (live or deleted), oldest first."""
    return [e for e in fake.events.values() if e.organizer == CLIENT_MAILBOX]


def interview_events(fake: FakeGraph) -> list[StoredEvent]:
    """The live events but the recruiter's follow-up hold after the interview
    (tests/integrations/graph/test_recruiter_calendar.py)."""
    return [e for e in fake.live_events() if not str(e.data.get("subject", "")).startswith("Follow up:")]


def span(event: StoredEvent) -> Interval:
    return Interval(parse_graph_time(event.data["start"]), parse_graph_time(event.data["end"]))


def deletes(fake: FakeGraph, event_id: str) -> int:
    return len(fake.calls("DELETE", f"/events/{event_id}"))


async def statuses(sessions: Sessions, interview_id: str, kind: EffectKind) -> list[str]:
    async with sessions() as session:
        return list(await session.scalars(
            select(Job.status).where(Job.interview_id == interview_id, Job.kind == kind.value)
        ))


async def test_each_offered_slot_is_held_once_and_all_go_when_one_is_booked(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    clock = Clock(NOW)
    runner = runner_for(sessions, graph, clock)
    iv = await requested(sessions)
    await offer(sessions, iv, 10, 14)
    await run_jobs(runner)

    made = holds(fake_graph)
    assert [span(e) for e in made] == [wednesday(10), wednesday(14)]
    for hold in made:
        assert hold.data["subject"] == SUBJECT
        assert hold.data["showAs"] == "tentative" and hold.data["attendees"] == []
        assert hold.data["isReminderOn"] is False and hold.data["isOnlineMeeting"] is False
        assert hold.data["transactionId"]
    assert len({h.data["transactionId"] for h in made}) == 2
    offered = await slots(sessions, iv.id)
    assert {start: hold for start, (_, _, hold) in offered.items()} == {
        wednesday(10).start: made[0].id, wednesday(14).start: made[1].id
    }
    # The client's calendar shows them as taken (tentative counts as busy).
    assert await GraphCalendar(graph).free_busy(CLIENT_MAILBOX, Interval(NOW, NOW + timedelta(days=7))) == [
        wednesday(10), wednesday(14)
    ]

    ten_id = offered[wednesday(10).start][0]
    await pick_slot(sessions, iv.candidate, iv.id, ten_id, NOW)
    await run_jobs(runner)
    assert fake_graph.live_events() != [] and all(h.deleted for h in holds(fake_graph))
    assert [deletes(fake_graph, h.id) for h in made] == [1, 1]
    assert {hold for _, _, hold in (await slots(sessions, iv.id)).values()} == {None}
    # The booked time is the interview's event, in the recruiter's calendar, inviting both.
    [event] = interview_events(fake_graph)
    assert event.organizer == ORGANIZER and span(event) == wednesday(10)
    assert event.data["showAs"] == "busy"
    assert {a["emailAddress"]["address"] for a in event.data["attendees"]} == {CLIENT_MAILBOX, CANDIDATE}
    # Three hold-related jobs (the offer's, and the release's) all done, nothing parked.
    assert await failed_jobs(sessions) == []
    assert await statuses(sessions, iv.id, EffectKind.RELEASE_HOLDS) == ["done"]

    # The release carried out again (a worker's lease ran out after it): nothing more is deleted.
    async with sessions() as session, session.begin():
        await session.execute(
            update(Job).where(Job.kind.in_([EffectKind.RELEASE_HOLDS.value, EffectKind.HOLD_SLOTS.value]))
            .values(status="pending", due_at=NOW)
        )
    await run_jobs(runner)
    assert [deletes(fake_graph, h.id) for h in made] == [1, 1] and len(holds(fake_graph)) == 2


async def test_more_slots_while_the_candidate_chooses_are_held_too_and_the_first_not_again(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    runner = runner_for(sessions, graph, Clock(NOW))
    iv = await requested(sessions)
    await offer(sessions, iv, 10)
    await run_jobs(runner)
    await offer(sessions, iv, 14)
    await run_jobs(runner)
    assert [span(e) for e in holds(fake_graph)] == [wednesday(10), wednesday(14)]
    assert len(fake_graph.calls("POST", f"/users/{CLIENT_MAILBOX}/events")) == 2


async def test_the_candidates_other_times_release_the_holds_and_a_new_offer_holds_anew(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    runner = runner_for(sessions, graph, Clock(NOW))
    iv = await requested(sessions)
    await offer(sessions, iv, 10, 14)
    await run_jobs(runner)
    first = holds(fake_graph)
    await propose_other_times(sessions, iv.candidate, iv.id, "Thursday morning", NOW)
    await run_jobs(runner)
    assert [(h.deleted, deletes(fake_graph, h.id)) for h in first] == [(True, 1), (True, 1)]
    assert fake_graph.live_events() == []

    await offer(sessions, iv, 11)
    await run_jobs(runner)
    [live] = fake_graph.live_events()
    assert span(live) == wednesday(11) and live not in first
    assert (await slots(sessions, iv.id))[wednesday(11).start][2] == live.id


async def test_a_cancel_releases_the_holds_and_makes_no_event(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    runner = runner_for(sessions, graph, Clock(NOW))
    iv = await requested(sessions)
    await offer(sessions, iv, 10, 14)
    await run_jobs(runner)
    await cancel_interview(sessions, iv.client, iv.id, "Role filled", NOW)
    await run_jobs(runner)
    assert [(h.deleted, deletes(fake_graph, h.id)) for h in holds(fake_graph)] == [(True, 1), (True, 1)]
    assert fake_graph.live_events() == [] and len(fake_graph.events) == 2
    assert fake_graph.calls("POST", "/cancel") == []  # a hold invites nobody: deleted, not cancelled
    assert {hold for _, _, hold in (await slots(sessions, iv.id)).values()} == {None}


async def test_booked_before_the_holds_were_made_none_is_made(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    runner = runner_for(sessions, graph, Clock(NOW))
    iv = await requested(sessions)
    await offer(sessions, iv, 10, 14)
    ten_id = (await slots(sessions, iv.id))[wednesday(10).start][0]
    await pick_slot(sessions, iv.candidate, iv.id, ten_id, NOW)
    await run_jobs(runner)
    assert holds(fake_graph) == [] and len(interview_events(fake_graph)) == 1
    assert await statuses(sessions, iv.id, EffectKind.HOLD_SLOTS) == ["done"]


@pytest.mark.parametrize("how", ["answer-lost", "worker-crashed"])
async def test_a_retried_hold_job_makes_no_second_hold(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection, how: str
) -> None:
    """Graph made the hold but its answer was lost (the job fails and is retried), or the worker
    died before storing the ids (the job runs again): the transactionId returns the same hold."""
    clock = Clock(NOW)
    runner = runner_for(sessions, graph, clock)
    iv = await requested(sessions)
    if how == "answer-lost":
        fake_graph.fail(500, after_work=True, path_contains=f"/users/{CLIENT_MAILBOX}/events")
    await offer(sessions, iv, 10, 14)
    await run_jobs(runner)
    if how == "answer-lost":
        assert len(holds(fake_graph)) == 1 and await statuses(sessions, iv.id, EffectKind.HOLD_SLOTS) == [
            "pending"
        ]
        clock.advance(timedelta(minutes=5))
    else:
        async with sessions() as session, session.begin():
            await session.execute(update(Slot).values(hold_event_id=None))
            await session.execute(
                update(Job).where(Job.kind == EffectKind.HOLD_SLOTS.value).values(status="pending")
            )
    await run_jobs(runner)
    made = holds(fake_graph)
    assert [span(e) for e in made] == [wednesday(10), wednesday(14)]
    # Every create was sent again (3: the lost one's retry; 4: both), and Graph made two holds.
    creates = len(fake_graph.calls("POST", f"/users/{CLIENT_MAILBOX}/events"))
    assert creates == {"answer-lost": 3, "worker-crashed": 4}[how]
    assert {hold for _, _, hold in (await slots(sessions, iv.id)).values()} == {h.id for h in made}
    assert await statuses(sessions, iv.id, EffectKind.HOLD_SLOTS) == ["done"]


async def test_a_failed_release_is_retried_and_deletes_each_hold_once(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    clock = Clock(NOW)
    runner = runner_for(sessions, graph, clock)
    iv = await requested(sessions)
    await offer(sessions, iv, 10, 14)
    await run_jobs(runner)
    ten, two = holds(fake_graph)
    fake_graph.fail(500, path_contains=two.id)
    ten_id = (await slots(sessions, iv.id))[wednesday(10).start][0]
    await pick_slot(sessions, iv.candidate, iv.id, ten_id, NOW)
    await run_jobs(runner)
    # The first hold went and was cleared; the second failed, and its release waits to be retried.
    assert (ten.deleted, two.deleted) == (True, False)
    assert await statuses(sessions, iv.id, EffectKind.RELEASE_HOLDS) == ["pending"]
    assert {start: hold for start, (_, _, hold) in (await slots(sessions, iv.id)).items()} == {
        wednesday(10).start: None, wednesday(14).start: two.id
    }
    clock.advance(timedelta(minutes=5))
    await run_jobs(runner)
    assert (ten.deleted, two.deleted) == (True, True)
    assert (deletes(fake_graph, ten.id), deletes(fake_graph, two.id)) == (1, 2)  # the retry: the rest
    assert await statuses(sessions, iv.id, EffectKind.RELEASE_HOLDS) == ["done"]
    assert {hold for _, _, hold in (await slots(sessions, iv.id)).values()} == {None}


async def test_a_client_mailbox_graph_refuses_gets_no_holds_and_the_offer_goes_on(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    """A client outside the tenant (Graph does not know their mailbox): no hold, no parked job,
    the candidate is offered the slots all the same, and the tracker's history says why."""
    runner = runner_for(sessions, graph, Clock(NOW))
    iv = await requested(sessions, client_email="hm@client.example")
    await offer(sessions, iv, 10, 14)
    await run_jobs(runner)
    assert fake_graph.events == {}
    assert await failed_jobs(sessions) == []
    assert await statuses(sessions, iv.id, EffectKind.HOLD_SLOTS) == ["done"]
    assert await statuses(sessions, iv.id, EffectKind.OFFER_SLOTS_TO_CANDIDATE) == ["done"]
    async with sessions() as session:
        [detail] = await session.scalars(
            select(AuditEvent.detail).where(AuditEvent.interview_id == iv.id,
                                            AuditEvent.action == "holds_refused")
        )
    assert "404" in detail["error"] and "hm@client.example" not in detail["error"]


# With a booking page ---------------------------------------------------------------------------


PAGE: dict[str, Any] = {
    "zone": "Europe/London",
    "weekly": {day: [{"start": "09:00", "end": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri")},
    "rules": {"durations_minutes": [60], "min_notice_minutes": 60, "step_minutes": 60},
}


async def test_a_held_slot_is_not_offered_from_the_clients_page_and_a_page_booking_holds_nothing(
    sessions: Sessions, fake_graph: FakeGraph, graph: GraphConnection
) -> None:
    """The client offers Wednesday 10:00 by hand to one candidate; another books from the
    client's booking page, which reads the client's calendar: the held hour is not open there."""
    runner = runner_for(sessions, graph, Clock(NOW))
    calendar = GraphCalendar(graph)
    by_hand = await requested(sessions)  # before the page: its times are offered by hand
    async with sessions() as session:
        client_id = (await session.get_one(Interview, by_hand.id)).client_id
    await set_page(sessions, client_id, PAGE, now=NOW, by="test")
    from_page = await requested(sessions, candidate_email="kim@example.org", candidate_name="Kim")
    tuesday_evening = datetime(2026, 11, 24, 16, tzinfo=UTC)

    async def open_on_wednesday() -> list[datetime]:
        live = await listed_times(sessions, calendar, from_page.id, NOW, after=tuesday_evening)
        assert live is not None
        return [t.start for t in live.times][:3]

    await offer(sessions, by_hand, 10)
    assert await open_on_wednesday() == [wednesday(9).start, wednesday(10).start, wednesday(11).start]
    await run_jobs(runner)  # the hold is made
    assert await open_on_wednesday() == [wednesday(9).start, wednesday(11).start, wednesday(12).start]

    await book_open_time(sessions, calendar, from_page.candidate, from_page.id, wednesday(11).start, NOW)
    await run_jobs(runner)
    assert [span(h) for h in holds(fake_graph)] == [wednesday(10)]  # the page's booking made none
    assert await statuses(sessions, from_page.id, EffectKind.RELEASE_HOLDS) == ["done"]
    assert await statuses(sessions, from_page.id, EffectKind.HOLD_SLOTS) == []


# The local calendar ----------------------------------------------------------------------------


@pytest.fixture
async def loopback_graph() -> AsyncIterator[FakeGraph]:
    fake = await FakeGraph(token=LOOPBACK_TOKEN).start()
    fake.add_mailbox("hm@client.example")
    try:
        yield fake
    finally:
        await fake.close()


async def test_with_the_local_calendar_nothing_is_written(
    database_url: str, loopback_graph: FakeGraph, make_settings: Callable[..., Settings]
) -> None:
    """The app as configured by default (`CALENDAR=local`): the hold and release jobs are done
    without a calendar call or a stored hold, and Graph hears nothing."""
    settings = make_settings(DATABASE_URL=database_url, GRAPH_BASE_URL=loopback_graph.url)
    assert settings.calendar_backend == "local"
    runtime = build_runtime(settings, mail=MemoryMail(), clock=Clock(NOW))
    try:
        await migrate(runtime.engine)
        sessions = runtime.sessions
        iv = await requested(sessions, client_email="hm@client.example")
        await offer(sessions, iv, 10, 14)
        await run_jobs(runtime.runner)
        ten_id = (await slots(sessions, iv.id))[wednesday(10).start][0]
        await pick_slot(sessions, iv.candidate, iv.id, ten_id, NOW)
        await run_jobs(runtime.runner)
        assert {hold for _, _, hold in (await slots(sessions, iv.id)).values()} == {None}
        assert await statuses(sessions, iv.id, EffectKind.HOLD_SLOTS) == ["done"]
        assert await statuses(sessions, iv.id, EffectKind.RELEASE_HOLDS) == ["done"]
        async with sessions() as session:
            assert (await session.get_one(Interview, iv.id)).stage == Stage.SCHEDULED.value
    finally:
        await runtime.integrations.close()
        await runtime.engine.dispose()
    assert loopback_graph.requests == []
