"""After the decision on real databases: the messages each decision drafts (who gets what), sent
once by the interview's recruiter only, a hold's follow-up at the set time, and a rejected
candidate's retention clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from scheduling.interview import Decision, Policy, Role
from services.context import SchedulingConfig
from services.feedback import decide, submit_feedback
from services.outcomes import outcome_history, outcome_messages, send_outcome_message
from services.privacy import erase_candidate, export_candidate
from services.scheduling import Actor, InvalidRequest, NotAllowed
from storage.models import AuditEvent, InterviewOutcome
from tests.helpers.databases import Sessions
from tests.helpers.interviews import CANDIDATE_ANSWER, CLIENT_ANSWER, ENDED, Parties, jobs
from tests.services.test_feedback_service import ended

AT = ENDED + timedelta(hours=3)


async def both_in(sessions: Sessions) -> Parties:
    p = await ended(sessions)
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
