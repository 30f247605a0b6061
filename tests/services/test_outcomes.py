"""After the decision on real databases: the messages each decision drafts (who gets what), sent
once by the interview's recruiter only, a hold's follow-up at the set time, and a rejected
candidate's retention clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.jobs.handlers import job_handlers
from bot.jobs.runner import JobRunner
from integrations.mail import MemoryMail
from scheduling.interview import Decision, Policy, Role
from services import ServiceContext, Services
from services.context import SchedulingConfig
from services.feedback import decide, mark_interview_ended, submit_feedback
from services.outcomes import outcome_history, outcome_messages, send_outcome_message
from services.privacy import erase_candidate, export_candidate
from services.scheduling import Actor, InterviewRequest, InvalidRequest, NotAllowed
from storage.models import AuditEvent, InterviewOutcome
from tests.helpers.clock import Clock
from tests.helpers.databases import Sessions
from tests.helpers.interviews import (
    CANDIDATE_ANSWER,
    CLIENT_ANSWER,
    ENDED,
    STARTS,
    Parties,
    a_request,
    booked,
    jobs,
)
from tests.helpers.jobs import RecordingMessenger, run_jobs
from tests.helpers.teams import TESS, add_co_recruiter, recruiter

AT = ENDED + timedelta(hours=3)


async def both_in(sessions: Sessions, request: InterviewRequest | None = None) -> Parties:
    p = await booked(sessions, request)
    assert await mark_interview_ended(sessions, p.interview_id, STARTS.isoformat(), ENDED)
    await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ENDED)
    await submit_feedback(sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, ENDED)
    return p


async def drafts(sessions: Sessions, interview_id: str):
    async with sessions() as session:
        return await outcome_messages(session, interview_id)


@pytest.mark.parametrize(
    ("decision", "who", "says"),
    [
        ("offer", [Role.CANDIDATE, Role.CLIENT], ["would like to offer you", "going ahead with an offer"]),
        ("reject", [Role.CANDIDATE, Role.CLIENT], ["not to take your application further",
                                                   "will not take Asha Candidate further"]),
        ("on_hold", [Role.CANDIDATE], ["on hold for now"]),
        ("another_round", [Role.CANDIDATE], ["round 2 interview"]),
    ],
)
async def test_each_decision_drafts_its_messages_and_sends_nothing(
    sessions: Sessions, decision: str, who: list[Role], says: list[str]
) -> None:
    p = await both_in(sessions)
    before = {j.kind for j in await jobs(sessions, p.interview_id)}
    await decide(sessions, p.recruiter, p.interview_id, decision, AT)
    messages = await drafts(sessions, p.interview_id)
    assert [m.role for m in messages] == who
    assert all(m.decision is Decision(decision) and not m.sent for m in messages)
    for message, phrase in zip(messages, says, strict=True):
        assert phrase in message.body
        assert message.body.startswith(f"Hello {message.to_name},")
        assert message.body.rstrip().endswith("Rita Recruiter")
    # Drafted only: no message to anyone is in the outbox.
    after = {j.kind for j in await jobs(sessions, p.interview_id)}
    assert "send_outcome_message" not in after and not {"send_mail", "send_activity"} & (after - before)


async def test_an_edited_draft_is_sent_once_by_the_recruiter_and_is_on_the_history(sessions: Sessions) -> None:
    p = await both_in(sessions)
    await decide(sessions, p.recruiter, p.interview_id, "offer", AT)
    to_candidate, _ = await drafts(sessions, p.interview_id)

    # Neither the candidate nor the client can send it, nor a recruiter of another interview.
    for actor in (p.candidate, p.client, Actor(Role.RECRUITER, "f" * 32)):
        with pytest.raises(NotAllowed):
            await send_outcome_message(sessions, actor, p.interview_id, to_candidate.id, "Hi!", AT)
    # An empty text is refused with the reason; nothing is sent.
    with pytest.raises(InvalidRequest) as caught:
        await send_outcome_message(sessions, p.recruiter, p.interview_id, to_candidate.id, "  \n ", AT)
    assert "empty" in caught.value.problems["text"] and "Asha Candidate" in caught.value.problems["text"]
    assert await jobs(sessions, p.interview_id, "send_outcome_message") == []

    edited = to_candidate.body.replace("Good news", "Wonderful news")
    sent = await send_outcome_message(sessions, p.recruiter, p.interview_id, to_candidate.id, edited, AT)
    assert not sent.already and sent.message.body == edited and sent.message.edited
    # The second click, or a replay with other text, sends nothing again and changes nothing.
    again = await send_outcome_message(sessions, p.recruiter, p.interview_id, to_candidate.id, "other", AT)
    assert again.already and again.message.body == edited
    [job] = await jobs(sessions, p.interview_id, "send_outcome_message")
    assert (job.role, job.payload["data"]["message_id"]) == ("candidate", to_candidate.id)

    # The client's draft is still a draft until sent.
    to_candidate_now, to_client_now = await drafts(sessions, p.interview_id)
    assert to_candidate_now.sent and not to_client_now.sent
    async with sessions() as session:
        actions = [a.action for a in await session.scalars(
            select(AuditEvent).where(AuditEvent.interview_id == p.interview_id).order_by(AuditEvent.at)
        )]
    assert "outcome_drafted" in actions and actions.count("outcome_sent") == 1


async def test_a_hold_follow_up_falls_at_the_set_time_and_a_later_decision_drafts_anew(sessions: Sessions) -> None:
    p = await both_in(sessions)
    config = SchedulingConfig(policy=Policy(hold_follow_up=timedelta(days=7)))
    await decide(sessions, p.recruiter, p.interview_id, "on_hold", AT, config)
    [follow_up] = await jobs(sessions, p.interview_id, "hold_follow_up")
    assert follow_up.due_at == AT + timedelta(days=7) and follow_up.role == "recruiter"
    async with sessions() as session:
        assert (await outcome_history(session, p.interview_id)).follow_up_due == AT + timedelta(days=7)
    [hold] = await drafts(sessions, p.interview_id)
    # The candidate hears when they will hear back: the follow-up's day, in their zone.
    assert "I'll come back to you by Wed 2 Dec 2026 at the latest" in hold.body

    # On hold is decided again: the reject drafts its own messages and starts the retention clock.
    later = AT + timedelta(days=7)
    result = await decide(sessions, p.recruiter, p.interview_id, "reject", later)
    assert not result.already
    assert [(m.decision, m.role) for m in await drafts(sessions, p.interview_id)] == [
        (Decision.ON_HOLD, Role.CANDIDATE), (Decision.REJECT, Role.CANDIDATE), (Decision.REJECT, Role.CLIENT),
    ]
    async with sessions() as session:
        outcome = await session.get_one(InterviewOutcome, p.interview_id)
        assert (outcome.decision, outcome.retention_from) == ("reject", later)
        assert (await outcome_history(session, p.interview_id)).retention_from == later
    # A rejection stands.
    with pytest.raises(NotAllowed):
        await decide(sessions, p.recruiter, p.interview_id, "offer", later)


async def test_an_offer_starts_no_retention_clock(sessions: Sessions) -> None:
    p = await both_in(sessions)
    await decide(sessions, p.recruiter, p.interview_id, "offer", AT)
    async with sessions() as session:
        assert (await session.get_one(InterviewOutcome, p.interview_id)).retention_from is None
    assert await jobs(sessions, p.interview_id, "hold_follow_up") == []


async def test_a_rejected_candidates_export_shows_the_retention_start_and_erasure_empties_the_messages(
    sessions: Sessions,
) -> None:
    p = await both_in(sessions)
    await decide(sessions, p.recruiter, p.interview_id, "reject", AT)
    to_candidate, to_client = await drafts(sessions, p.interview_id)
    await send_outcome_message(sessions, p.recruiter, p.interview_id, to_candidate.id, None, AT)
    exported = await export_candidate(sessions, email="asha@example.org", now=AT)
    [item] = exported["candidates"][0]["interviews"]
    assert item["retention_from"] == AT.isoformat()
    assert [m["subject"] for m in item["messages_sent_to_you"]] == [to_candidate.subject]

    await erase_candidate(sessions, email="asha@example.org", now=AT + timedelta(days=1))
    for message in await drafts(sessions, p.interview_id):
        assert "Asha" not in message.body + message.subject
    assert "Asha" in to_client.body  # it did name them before


class Runner:
    """The real job handlers with a clock the test sets; mail in memory, Teams recorded."""

    def __init__(self, sessions: Sessions) -> None:
        self.clock = Clock(AT)
        self.mail = MemoryMail()
        services = Services(ServiceContext(sessions, clock=self.clock, public_url="https://askarsan.example"))
        self.runner = JobRunner(sessions, job_handlers(services, RecordingMessenger(), self.mail),
                                clock=self.clock, lease=timedelta(minutes=2))

    async def at(self, when: Any) -> None:
        self.clock.set(when)
        assert await run_jobs(self.runner, rounds=20), "the runner kept finding work"


async def test_a_hold_follow_up_reaches_a_recruiter_without_teams_by_mail_once_and_not_after_a_new_decision(
    sessions: Sessions,
) -> None:
    p = await both_in(sessions)
    jobs_runner = Runner(sessions)
    await decide(sessions, p.recruiter, p.interview_id, "on_hold", AT)
    await jobs_runner.at(AT + timedelta(days=7) - timedelta(minutes=1))
    assert not [m for m in jobs_runner.mail.to("rita@agency.example") if "on hold" in m.subject]
    await jobs_runner.at(AT + timedelta(days=7))
    await jobs_runner.at(AT + timedelta(days=8))
    [mail] = [m for m in jobs_runner.mail.to("rita@agency.example") if "on hold" in m.subject]
    assert mail.subject.startswith("Asha Candidate has been on hold 7 days: decide now.")
    assert f"https://askarsan.example/tracker/interviews/{p.interview_id}" in mail.text

    # Another interview put on hold and decided before the follow-up: no follow-up.
    other = await both_in(sessions, a_request("other@client.example", "bo@example.org", "Bo Other"))
    await decide(sessions, other.recruiter, other.interview_id, "on_hold", AT)
    await decide(sessions, other.recruiter, other.interview_id, "offer", AT + timedelta(days=2))
    before = len(jobs_runner.mail.sent)
    await jobs_runner.at(AT + timedelta(days=10))
    assert not [m for m in jobs_runner.mail.sent[before:] if "on hold" in m.subject]


async def test_a_co_recruiter_sends_and_the_client_gets_their_message_by_mail(sessions: Sessions) -> None:
    p = await both_in(sessions)
    await decide(sessions, p.recruiter, p.interview_id, "offer", AT)
    _, to_client = await drafts(sessions, p.interview_id)
    tess = await recruiter(sessions, TESS, AT)
    await add_co_recruiter(sessions, p.interview_id, tess, AT)
    jobs_runner = Runner(sessions)
    result = await send_outcome_message(sessions, Actor(Role.RECRUITER, tess), p.interview_id, to_client.id, None, AT)
    assert result.message.sent_by_name == "Tess Teammate" and not result.message.edited
    await jobs_runner.at(AT + timedelta(minutes=1))
    [mail] = [m for m in jobs_runner.mail.to("hm@client.example") if m.subject == to_client.subject]
    assert to_client.body in mail.text
    assert not [m for m in jobs_runner.mail.to("asha@example.org") if m.subject.startswith("An offer")]
