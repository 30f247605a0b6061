"""Panel interviews on real databases (SQLite and PostgreSQL): several client-side interviewers,
each required or optional. Open times fit every required interviewer (their hours, calendar and
bookings) while a busy optional one never removes a time; the database refuses a double booking
of any interviewer whatever the concurrency; every attending interviewer gets the confirmation,
the invitation and the feedback prompt; each answers on their own; the summary shows each answer
and flags a disagreement.

Monday 23 November 2026 09:00 UTC is now (tests/helpers/interviews.py): London is UTC+0, New York
UTC−5 and Kolkata UTC+5:30 then."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from cards import feedback_summary_card
from integrations.calendar import CalendarUnavailable, MemoryCalendar
from integrations.mail import MemoryMail
from scheduling.feedback import NextStep
from scheduling.intervals import Interval
from scheduling.interview import Role, Stage
from scheduling.rules import SlotRequest
from services import PanelMember, PartyInput, ServiceContext, Services
from services.availability import set_page
from services.booking import book_open_time, listed_times
from services.core import Actor, InvalidRequest, SlotTaken
from services.feedback import feedback_pair, mark_interview_ended, own_feedback, submit_feedback
from services.requests import InterviewRequest, request_interview
from services.scheduling import offer_slots, pick_slot
from services.views import load_view
from storage.models import Booking, Interview, Party, Slot
from tests.helpers.clock import Clock
from tests.helpers.databases import count
from tests.helpers.interviews import (
    CANDIDATE_ANSWER,
    CLIENT_ANSWER,
    ENDED,
    NOW,
    WEDNESDAY,
    a_request,
    stage,
)
from tests.helpers.jobs import RecordingMessenger, run_jobs

Sessions = async_sessionmaker[AsyncSession]

LEAD, SAM, PRIYA = "hm@client.example", "sam@client.example", "priya@client.example"

# The client contact: weekdays 09:00–17:00 in London, hour-long interviews on the hour.
LEAD_PAGE: dict[str, Any] = {
    "zone": "Europe/London",
    "weekly": {day: [{"start": "09:00", "end": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri")},
    "rules": {"durations_minutes": [60], "min_notice_minutes": 60, "step_minutes": 60},
}
# Priya, optional, in Kolkata: evenings 18:00–23:00 there (12:30–17:30 UTC).
PRIYA_PAGE: dict[str, Any] = {
    "zone": "Asia/Kolkata",
    "weekly": {day: [{"start": "18:00", "end": "23:00"}] for day in ("mon", "tue", "wed", "thu", "fri")},
}


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def sam(required: bool = True) -> PanelMember:
    # Sam in New York has no booking page: their working hours, 09:00–17:00 there (14:00–22:00 UTC).
    return PanelMember(PartyInput("Sam Lee", SAM, "America/New_York"), required)


def priya() -> PanelMember:
    return PanelMember(PartyInput("Priya Rao", PRIYA, "Asia/Kolkata"), required=False)


def a_panel_request(n: int = 1, *panel: PanelMember, client_email: str = LEAD) -> InterviewRequest:
    request = a_request(client_email=client_email, candidate_email=f"c{n}@example.org",
                        candidate_name=f"Cand {n}")
    return replace(request, panel=panel or (sam(), priya()))


async def with_pages(sessions: Sessions) -> None:
    """The lead and Priya exist once a first request names them; then they set their pages."""
    first = await request_interview(sessions, a_panel_request(0, sam(), priya()), NOW)
    await set_page(sessions, first.client_id, LEAD_PAGE, now=NOW, by="test")
    async with sessions() as session:
        priya_id = await session.scalar(select(Party.id).where(Party.email == PRIYA))
    assert priya_id is not None
    await set_page(sessions, priya_id, {**PRIYA_PAGE, "rules": LEAD_PAGE["rules"]}, now=NOW, by="test")


def a_calendar() -> MemoryCalendar:
    calendar = MemoryCalendar([LEAD, SAM, PRIYA])
    calendar.add_busy(SAM, Interval(at(23, 16), at(23, 17)))  # Sam is busy Monday 16:00 UTC
    calendar.add_busy(PRIYA, Interval(at(23, 14), at(23, 15)))  # Priya is busy Monday 14:00 UTC
    return calendar


async def candidate_of(sessions: Sessions, interview_id: str) -> Actor:
    async with sessions() as session:
        interview = await session.get_one(Interview, interview_id)
    return Actor(Role.CANDIDATE, interview.candidate_id)


async def attending(sessions: Sessions, interview_id: str) -> set[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Party.email).join(Booking, Booking.client_id == Party.id).where(
                Booking.interview_id == interview_id, Booking.status == "active"
            )
        )
        return {email for email in rows if email}


async def test_joint_open_times_fit_every_required_interviewer_across_three_zones(sessions: Sessions) -> None:
    await with_pages(sessions)
    result = await request_interview(sessions, a_panel_request(1), NOW)
    calendar = a_calendar()

    live = await listed_times(sessions, calendar, result.interview_id, NOW)
    assert live is not None
    # London 09–17 ∩ New York 09–17 (14–22 UTC) = 14:00–17:00 UTC; Sam's busy 16:00 goes; Priya
    # (optional) busy at 14:00 removes nothing, and her hours never narrow the list.
    assert [t.start for t in live.times][:5] == [at(23, 14), at(23, 15), at(24, 14), at(24, 15), at(24, 16)]
    assert at(23, 10) not in {t.start for t in live.times}  # London's morning is New York's night

    candidate = await candidate_of(sessions, result.interview_id)
    with pytest.raises(SlotTaken, match="Sam Lee"):  # not open for a required interviewer
        await book_open_time(sessions, calendar, candidate, result.interview_id, at(23, 16), NOW)
    await book_open_time(sessions, calendar, candidate, result.interview_id, at(23, 14), NOW)
    # Priya was busy then: the lead and Sam attend, she does not.
    assert await attending(sessions, result.interview_id) == {LEAD, SAM}
    async with sessions() as session:
        view = await load_view(session, result.interview_id)
    assert view is not None
    assert [(s.party.name, s.required, s.attending) for s in view.interviewers] == [
        ("Harry Manager", True, True), ("Sam Lee", True, True), ("Priya Rao", False, False)
    ]

    # Another interview with the same panel: Monday 14:00 is gone for the lead and Sam; at
    # Monday 15:00 Priya is free, so she attends.
    other = await request_interview(sessions, a_panel_request(2), NOW)
    again = await listed_times(sessions, calendar, other.interview_id, NOW)
    assert again is not None and again.times[0].start == at(23, 15)
    await book_open_time(sessions, calendar, await candidate_of(sessions, other.interview_id),
                         other.interview_id, at(23, 15), NOW)
    assert await attending(sessions, other.interview_id) == {LEAD, SAM, PRIYA}


async def test_a_required_interviewers_unreadable_calendar_offers_nothing_an_optional_ones_does(
    sessions: Sessions,
) -> None:
    await with_pages(sessions)
    result = await request_interview(sessions, a_panel_request(1), NOW)
    calendar = MemoryCalendar([LEAD, SAM])  # Priya's calendar cannot be read
    live = await listed_times(sessions, calendar, result.interview_id, NOW)
    assert live is not None and live.times[0].start == at(23, 14)
    await book_open_time(sessions, calendar, await candidate_of(sessions, result.interview_id),
                         result.interview_id, at(23, 14), NOW)
    assert await attending(sessions, result.interview_id) == {LEAD, SAM}  # not counted on

    other = await request_interview(sessions, a_panel_request(2), NOW)
    with pytest.raises(CalendarUnavailable, match="Sam Lee"):
        await listed_times(sessions, MemoryCalendar([LEAD, PRIYA]), other.interview_id, NOW)


async def test_fifty_concurrent_picks_across_interviews_sharing_one_interviewer_book_them_once(
    sessions: Sessions,
) -> None:
    # Fifty interviews, each with its own client contact, all with Sam on the panel, each
    # offering Wednesday 10:00 London by hand.
    interviews: list[tuple[str, Actor]] = []
    for n in range(50):
        result = await request_interview(
            sessions, a_panel_request(n, sam(), client_email=f"lead{n}@client.example"), NOW
        )
        async with sessions() as session:
            interview = await session.get_one(Interview, result.interview_id)
        offer = await offer_slots(sessions, Actor(Role.CLIENT, interview.client_id), result.interview_id,
                                  [SlotRequest(WEDNESDAY, time(10), "Europe/London")], NOW)
        assert len(offer.accepted) == 1
        interviews.append((result.interview_id, Actor(Role.CANDIDATE, interview.candidate_id)))

    async def pick(interview_id: str, candidate: Actor) -> str:
        async with sessions() as session:
            slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == interview_id))
        assert slot_id is not None
        try:
            await pick_slot(sessions, candidate, interview_id, slot_id, NOW)
            return "booked"
        except SlotTaken:
            return "taken"

    outcomes = await asyncio.gather(*(pick(i, c) for i, c in interviews))
    assert outcomes.count("booked") == 1 and outcomes.count("taken") == 49
    async with sessions() as session:
        sam_id = await session.scalar(select(Party.id).where(Party.email == SAM))
    assert await count(sessions, Booking, Booking.status == "active", Booking.client_id == sam_id) == 1
    assert await count(sessions, Booking, Booking.status == "active") == 2  # Sam and that one lead
    assert await count(sessions, Interview, Interview.stage == Stage.SCHEDULED.value) == 1


async def test_hand_offered_times_clashing_with_a_required_interviewer_are_refused(sessions: Sessions) -> None:
    first = await request_interview(sessions, a_panel_request(1, sam(), client_email="a@client.example"), NOW)
    async with sessions() as session:
        one = await session.get_one(Interview, first.interview_id)
    await offer_slots(sessions, Actor(Role.CLIENT, one.client_id), one.id,
                      [SlotRequest(WEDNESDAY, time(10), "Europe/London")], NOW)
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == one.id))
    assert slot_id is not None
    await pick_slot(sessions, Actor(Role.CANDIDATE, one.candidate_id), one.id, slot_id, NOW)

    # Another client offers Sam's booked Wednesday 10:00 for a panel with Sam: refused.
    second = await request_interview(sessions, a_panel_request(2, sam(), client_email="b@client.example"), NOW)
    async with sessions() as session:
        two = await session.get_one(Interview, second.interview_id)
    offer = await offer_slots(sessions, Actor(Role.CLIENT, two.client_id), two.id,
                              [SlotRequest(WEDNESDAY, time(10), "Europe/London"),
                               SlotRequest(WEDNESDAY, time(14), "Europe/London")], NOW)
    assert [a.start for a in offer.accepted] == [datetime(2026, 11, 25, 14, tzinfo=UTC)]
    assert len(offer.refused) == 1


async def test_a_panel_request_is_checked_and_nothing_is_half_written(sessions: Sessions) -> None:
    bad = a_panel_request(1, PanelMember(PartyInput("", "not-an-address", "Mars/Olympus")),
                          PanelMember(PartyInput("Harry again", LEAD, "Europe/London")))
    with pytest.raises(InvalidRequest) as refused:
        await request_interview(sessions, bad, NOW)
    assert set(refused.value.problems) == {"panel[0].name", "panel[0].email", "panel[0].zone", "panel[1].email"}
    assert "already on the panel" in refused.value.problems["panel[1].email"]
    assert await count(sessions, Interview) == 0


# After the interview ----------------------------------------------------------------------------


async def a_held_panel(sessions: Sessions, *, over: bool = True) -> tuple[str, Actor, Actor, Actor, Actor]:
    """A panel interview (lead and Sam required, Priya optional) booked by hand for Wednesday
    10:00 UTC (and over): the lead, Sam, Priya and the candidate as actors."""
    result = await request_interview(sessions, a_panel_request(1, sam(), priya()), NOW)
    async with sessions() as session:
        interview = await session.get_one(Interview, result.interview_id)
        ids = {p.email: p.id for p in await session.scalars(select(Party).where(Party.kind == "client"))}
    lead = Actor(Role.CLIENT, interview.client_id)
    await offer_slots(sessions, lead, interview.id, [SlotRequest(WEDNESDAY, time(10), "Europe/London")], NOW)
    async with sessions() as session:
        slot_id = await session.scalar(select(Slot.id).where(Slot.interview_id == interview.id))
    assert slot_id is not None
    candidate = Actor(Role.CANDIDATE, interview.candidate_id)
    await pick_slot(sessions, candidate, interview.id, slot_id, NOW)
    if over:
        assert await mark_interview_ended(sessions, interview.id, None, ENDED)
    return (interview.id, lead, Actor(Role.CLIENT, ids[SAM]), Actor(Role.CLIENT, ids[PRIYA]), candidate)


async def test_each_interviewer_gives_feedback_on_their_own(sessions: Sessions) -> None:
    interview_id, lead, sam_actor, priya_actor, candidate = await a_held_panel(sessions)
    await submit_feedback(sessions, sam_actor, interview_id, {**CLIENT_ANSWER, "rating": "3"}, ENDED)
    # Sam's answer is Sam's: the lead's card is still empty, and nobody reads another's.
    assert await own_feedback(sessions, sam_actor, interview_id) == {
        "rating": "3", "impressions": CLIENT_ANSWER["impressions"], "qualification": "yes",
        "recommendation": "offer",
    }
    assert await own_feedback(sessions, lead, interview_id) is None
    await submit_feedback(sessions, candidate, interview_id, CANDIDATE_ANSWER, ENDED)
    assert await stage(sessions, interview_id) == Stage.AWAITING_FEEDBACK  # the lead is required
    result = await submit_feedback(sessions, lead, interview_id, CLIENT_ANSWER, ENDED)
    # Every required interviewer and the candidate are in; the optional Priya is not waited for.
    assert result.summary_compiled and await stage(sessions, interview_id) == Stage.FEEDBACK_COMPLETE
    async with sessions() as session:
        pair = await feedback_pair(session, interview_id)
    assert [(a.name, a.feedback.rating if a.feedback else None) for a in pair.panel] == [
        ("Harry Manager", 4), ("Sam Lee", 3), ("Priya Rao", None)
    ]
    assert pair.suggestion().step is NextStep.OFFER and pair.disagreement() is None

    # A client contact of another interview is no interviewer of this one.
    stranger = await request_interview(sessions, a_request(client_email="x@other.example",
                                                           candidate_email="o@example.org"), NOW)
    async with sessions() as session:
        other = await session.get_one(Interview, stranger.interview_id)
    with pytest.raises(Exception, match="client"):
        await submit_feedback(sessions, Actor(Role.CLIENT, other.client_id), interview_id, CLIENT_ANSWER, ENDED)
    assert priya_actor.party_id != other.client_id


async def test_the_summary_shows_each_interviewer_and_flags_a_disagreement(sessions: Sessions) -> None:
    interview_id, lead, sam_actor, priya_actor, candidate = await a_held_panel(sessions)
    await submit_feedback(sessions, priya_actor, interview_id, {**CLIENT_ANSWER, "rating": "4"}, ENDED)
    await submit_feedback(sessions, lead, interview_id, {**CLIENT_ANSWER, "rating": "5"}, ENDED)
    await submit_feedback(sessions, sam_actor, interview_id,
                          {**CLIENT_ANSWER, "rating": "2", "qualification": "partly",
                           "recommendation": "reject"}, ENDED)
    await submit_feedback(sessions, candidate, interview_id, CANDIDATE_ANSWER, ENDED)
    async with sessions() as session:
        pair = await feedback_pair(session, interview_id)
        view = await load_view(session, interview_id)
    assert view is not None
    suggestion = pair.suggestion()
    assert suggestion.step is NextStep.CALL and "disagree" in suggestion.reason
    assert "Sam Lee recommends rejecting (2/5)" in suggestion.reason
    card = feedback_summary_card(view, pair.client, pair.candidate, suggestion, panel=pair.panel)
    shown = str(card)
    for name in ("Harry Manager", "Sam Lee", "Priya Rao (optional)"):
        assert f"Interviewer: {name}" in shown
    assert "⚠ The interviewers disagree" in shown and "How the panel is weighed" in shown


# Deliveries -------------------------------------------------------------------------------------


async def test_every_attending_interviewer_gets_the_confirmation_and_the_feedback_prompt(
    sessions: Sessions,
) -> None:
    clock = Clock(NOW)
    mail = MemoryMail()
    services = Services(ServiceContext(sessions, clock=clock, public_url="https://askarsan.example",
                                       mail_from="askarsan@agency.example"))
    runner = JobRunner(sessions, job_handlers(services, RecordingMessenger(), mail), clock=clock,
                       lease=timedelta(minutes=2))
    await a_held_panel(sessions, over=False)  # booked at NOW
    assert await run_jobs(runner, rounds=30)
    confirmed = {address for m in mail.sent for address in m.to if m.subject.startswith("Interview confirmed")}
    assert {LEAD, SAM, PRIYA} <= confirmed
    # Each confirmation carries the calendar invitation, naming every attendee.
    sams = [m for m in mail.to(SAM) if m.subject.startswith("Interview confirmed")]
    assert len(sams) == 1 and sams[0].attachments
    ics = sams[0].attachments[0].data.decode()
    for address in (LEAD, SAM, PRIYA):
        assert f"mailto:{address}" in ics.replace("\r\n ", "")
    # The candidate reads who they meet; each interviewer reads the candidate and the others.
    (to_candidate,) = [m for m in mail.to("c1@example.org") if m.subject.startswith("Interview confirmed")]
    assert "Harry Manager (Client Ltd), Sam Lee and Priya Rao (optional)" in to_candidate.text
    assert "Cand 1 (candidate), with Harry Manager (Client Ltd) and Priya Rao (optional)" in sams[0].text
    clock.set(ENDED)  # the runner marks the interview over and asks for feedback
    assert await run_jobs(runner, rounds=30)
    prompted = {a for m in mail.sent for a in m.to if m.subject.startswith("How did the interview go?")}
    assert {LEAD, SAM, PRIYA} <= prompted
