"""The use cases after the interview on real databases: end, feedback, window, no-show, decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from scheduling.feedback import InvalidFeedback, NextStep
from scheduling.interview import Role, Stage
from services.feedback import (
    FeedbackClosed,
    close_feedback_window,
    decide,
    feedback_summary,
    mark_interview_ended,
    own_feedback,
    report_no_show,
    submit_feedback,
)
from services.scheduling import Actor, InvalidRequest, NotAllowed
from storage.models import AuditEvent, Feedback, Interview, InterviewOutcome, Invitation
from tests.helpers.databases import Sessions, count
from tests.helpers.interviews import (
    CANDIDATE_ANSWER,
    CLIENT_ANSWER,
    ENDED,
    ENDS,
    STARTS,
    Parties,
    a_request,
    booked,
    jobs,
    stage,
)


async def ended(sessions: Sessions) -> Parties:
    parties = await booked(sessions)
    assert await mark_interview_ended(sessions, parties.interview_id, STARTS.isoformat(), ENDED)
    return parties


async def test_the_end_of_the_interview_asks_both_sides_once(sessions: Sessions) -> None:
    parties = await booked(sessions)
    iid = parties.interview_id
    assert not await mark_interview_ended(sessions, iid, STARTS.isoformat(), ENDS - timedelta(minutes=1))
    assert not await mark_interview_ended(sessions, iid, (STARTS + timedelta(days=1)).isoformat(), ENDED)
    assert await stage(sessions, iid) == Stage.SCHEDULED
    assert await mark_interview_ended(sessions, iid, STARTS.isoformat(), ENDED)
    assert not await mark_interview_ended(sessions, iid, STARTS.isoformat(), ENDED)  # a retried job
    assert await stage(sessions, iid) == Stage.AWAITING_FEEDBACK
    asks = await jobs(sessions, iid, "request_feedback")
    assert sorted(j.role or "" for j in asks) == ["candidate", "client"]


async def test_a_cancelled_interview_is_not_marked_held(sessions: Sessions) -> None:
    parties = await booked(sessions)
    async with sessions.begin() as session:
        await session.execute(
            update(Interview).where(Interview.id == parties.interview_id).values(stage="cancelled")
        )
    assert not await mark_interview_ended(sessions, parties.interview_id, STARTS.isoformat(), ENDED)
    assert await jobs(sessions, parties.interview_id, "request_feedback") == []


async def test_both_answers_compile_the_summary_with_a_suggestion(sessions: Sessions) -> None:
    p = await ended(sessions)
    first = await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ENDED + timedelta(hours=1))
    assert (first.rating, first.edited, first.summary_compiled) == (4, False, False)
    assert await stage(sessions, p.interview_id) == Stage.AWAITING_FEEDBACK
    second = await submit_feedback(
        sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, ENDED + timedelta(hours=2)
    )
    assert second.summary_compiled
    assert await stage(sessions, p.interview_id) == Stage.FEEDBACK_COMPLETE
    assert len(await jobs(sessions, p.interview_id, "send_feedback_summary")) == 1
    assert len(await jobs(sessions, p.interview_id, "feedback_received")) == 2
    summary = await feedback_summary(sessions, p.recruiter, p.interview_id)
    assert summary.client is not None and summary.client.rating == 4
    assert summary.candidate is not None and summary.candidate.rating == 5
    assert summary.suggestion().step is NextStep.OFFER and not summary.window_closed


async def test_an_edit_replaces_the_answer_until_the_summary_then_nothing_changes(sessions: Sessions) -> None:
    p = await ended(sessions)
    await submit_feedback(sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, ENDED)
    edit = await submit_feedback(
        sessions, p.candidate, p.interview_id, {**CANDIDATE_ANSWER, "interest": "maybe", "rating": "3"},
        ENDED + timedelta(minutes=5),
    )
    assert edit.edited and not edit.summary_compiled
    assert await count(sessions, Feedback) == 1
    assert (await own_feedback(sessions, p.candidate, p.interview_id) or {})["interest"] == "maybe"
    await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ENDED + timedelta(hours=1))
    before = await own_feedback(sessions, p.candidate, p.interview_id)
    for actor, answer in ((p.candidate, CANDIDATE_ANSWER), (p.client, CLIENT_ANSWER)):
        with pytest.raises(FeedbackClosed) as caught:
            await submit_feedback(sessions, actor, p.interview_id, answer, ENDED + timedelta(hours=2))
        assert "can no longer be changed" in caught.value.message
    assert await own_feedback(sessions, p.candidate, p.interview_id) == before
    assert await count(sessions, Feedback) == 2


async def test_neither_side_can_read_the_other_ones_answers(sessions: Sessions) -> None:
    p = await ended(sessions)
    await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ENDED)
    assert await own_feedback(sessions, p.candidate, p.interview_id) is None
    assert (await own_feedback(sessions, p.client, p.interview_id) or {})["recommendation"] == "offer"
    # The candidate's actor pretending to be the client of this interview gets nothing either.
    assert await own_feedback(sessions, Actor(Role.CLIENT, p.candidate.party_id), p.interview_id) is None
    for actor in (p.client, p.candidate):
        with pytest.raises(NotAllowed):
            await feedback_summary(sessions, actor, p.interview_id)


@pytest.mark.parametrize(
    ("answer", "field", "says"),
    [
        ({**CLIENT_ANSWER, "rating": "6"}, "rating", "6 is out of range"),
        ({**CLIENT_ANSWER, "rating": "0"}, "rating", "0 is out of range"),
        ({**CLIENT_ANSWER, "rating": "great"}, "rating", "is not a number"),
        ({k: v for k, v in CLIENT_ANSWER.items() if k != "qualification"}, "qualification", "Please answer"),
    ],
    ids=["six", "zero", "words", "missing-qualification"],
)
async def test_bad_answers_say_what_to_fix_and_save_nothing(sessions: Sessions, answer, field, says) -> None:
    p = await ended(sessions)
    with pytest.raises(InvalidFeedback) as caught:
        await submit_feedback(sessions, p.client, p.interview_id, answer, ENDED)
    assert says in caught.value.problems[field]
    assert await count(sessions, Feedback) == 0
    assert await jobs(sessions, p.interview_id, "feedback_received") == []


async def test_feedback_for_someone_elses_interview_changes_nothing(sessions: Sessions) -> None:
    p = await ended(sessions)
    other = await booked(sessions, a_request("other@client.example", "bo@example.org", "Bo Other"))
    for actor in (other.candidate, other.client, Actor(Role.CANDIDATE, p.candidate.party_id, other.interview_id)):
        with pytest.raises(Exception) as caught:
            await submit_feedback(sessions, actor, p.interview_id, CANDIDATE_ANSWER, ENDED)
        assert type(caught.value).__name__ in ("NotAllowed", "NotFound", "InvalidFeedback")
    assert await count(sessions, Feedback) == 0
    assert await stage(sessions, p.interview_id) == Stage.AWAITING_FEEDBACK


async def test_the_window_closes_with_what_is_in(sessions: Sessions) -> None:
    p = await ended(sessions)
    await submit_feedback(sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, ENDED)
    closes = ENDED + timedelta(hours=96)
    assert await close_feedback_window(sessions, p.interview_id, closes)
    assert not await close_feedback_window(sessions, p.interview_id, closes)  # a retried job
    assert await stage(sessions, p.interview_id) == Stage.FEEDBACK_COMPLETE
    summary = await feedback_summary(sessions, p.recruiter, p.interview_id)
    assert summary.window_closed and summary.client is None
    assert summary.suggestion().step is NextStep.CALL
    with pytest.raises(FeedbackClosed):
        await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, closes)


async def both_in(sessions: Sessions) -> Parties:
    p = await ended(sessions)
    await submit_feedback(sessions, p.client, p.interview_id, CLIENT_ANSWER, ENDED)
    await submit_feedback(sessions, p.candidate, p.interview_id, CANDIDATE_ANSWER, ENDED)
    return p


async def test_the_recruiter_decides_and_the_decision_is_recorded_with_who_and_when(sessions: Sessions) -> None:
    p = await both_in(sessions)
    at = ENDED + timedelta(hours=3)
    for actor in (p.client, p.candidate, Actor(Role.RECRUITER, "f" * 32)):
        with pytest.raises(NotAllowed):
            await decide(sessions, actor, p.interview_id, "offer", at)
    with pytest.raises(InvalidRequest):
        await decide(sessions, p.recruiter, p.interview_id, "hire-them-all", at)
    assert await stage(sessions, p.interview_id) == Stage.FEEDBACK_COMPLETE
    result = await decide(sessions, p.recruiter, p.interview_id, "offer", at)
    assert result.decision.value == "offer" and not result.already and result.next_interview_id is None
    async with sessions() as session:
        outcome = await session.get_one(InterviewOutcome, p.interview_id)
        assert (outcome.decision, outcome.decided_by, outcome.decided_at) == ("offer", p.recruiter.party_id, at)
    assert await stage(sessions, p.interview_id) == Stage.DECIDED
    again = await decide(sessions, p.recruiter, p.interview_id, "offer", at + timedelta(minutes=1))
    assert again.already
    with pytest.raises(NotAllowed) as caught:
        await decide(sessions, p.recruiter, p.interview_id, "reject", at)
    assert "already decided" in caught.value.message


async def test_another_round_starts_a_new_request_with_the_same_parties(sessions: Sessions) -> None:
    p = await both_in(sessions)
    at = ENDED + timedelta(hours=3)
    result = await decide(sessions, p.recruiter, p.interview_id, "another_round", at)
    assert result.next_interview_id and result.client_token and result.candidate_token
    async with sessions() as session:
        old = await session.get_one(Interview, p.interview_id)
        new = await session.get_one(Interview, result.next_interview_id)
        assert new.round == 2 and new.previous_interview_id == old.id
        assert (new.recruiter_id, new.client_id, new.candidate_id) == (
            old.recruiter_id, old.client_id, old.candidate_id,
        )
        assert (new.role_title, new.duration_minutes, new.format, new.rules) == (
            old.role_title, old.duration_minutes, old.format, old.rules,
        )
        assert new.stage == Stage.AWAITING_SLOTS and new.requested_at == at
        invitations = list(await session.scalars(select(Invitation).where(Invitation.interview_id == new.id)))
        assert sorted(i.role for i in invitations) == ["candidate", "client"]
    assert [j.role for j in await jobs(sessions, result.next_interview_id, "ask_client_for_slots")] == ["client"]
    again = await decide(sessions, p.recruiter, p.interview_id, "another_round", at)
    assert again.already and again.next_interview_id == result.next_interview_id
    assert await count(sessions, Interview) == 2


async def test_a_no_show_skips_feedback_and_tells_the_recruiter(sessions: Sessions) -> None:
    p = await booked(sessions)
    with pytest.raises(NotAllowed):  # not started yet
        await report_no_show(sessions, p.client, p.interview_id, "candidate", STARTS - timedelta(minutes=5))
    assert await report_no_show(sessions, p.client, p.interview_id, "candidate", STARTS + timedelta(minutes=20))
    assert not await report_no_show(sessions, p.client, p.interview_id, "candidate", STARTS + timedelta(minutes=21))
    assert await stage(sessions, p.interview_id) == Stage.NO_SHOW
    assert [j.role for j in await jobs(sessions, p.interview_id, "no_show_reported")] == ["recruiter"]
    # The end of the interview then changes nothing and asks nobody for feedback.
    assert not await mark_interview_ended(sessions, p.interview_id, STARTS.isoformat(), ENDED)
    assert await jobs(sessions, p.interview_id, "request_feedback") == []
    async with sessions() as session:
        outcome = await session.get_one(InterviewOutcome, p.interview_id)
        assert (outcome.no_show, outcome.no_show_reported_by) == ("candidate", p.client.party_id)
        assert await session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "no_show")) == {
            "absent": "candidate"
        }
    with pytest.raises(NotAllowed):
        await decide(sessions, p.recruiter, p.interview_id, "offer", ENDED)
    assert (await decide(sessions, p.recruiter, p.interview_id, "another_round", ENDED)).next_interview_id


@pytest.mark.parametrize("who", ["recruiter", "client", "nobody"])
async def test_a_no_show_report_must_name_the_other_side(sessions: Sessions, who: str) -> None:
    p = await ended(sessions)
    with pytest.raises((NotAllowed, InvalidRequest)):
        await report_no_show(sessions, p.client, p.interview_id, who, ENDED)
    assert await stage(sessions, p.interview_id) == Stage.AWAITING_FEEDBACK


async def test_only_a_party_may_report_a_no_show_and_never_for_a_cancelled_interview(sessions: Sessions) -> None:
    p = await ended(sessions)
    other = await booked(sessions, a_request("other@client.example", "bo@example.org", "Bo Other"))
    with pytest.raises(NotAllowed):
        await report_no_show(sessions, other.client, p.interview_id, "candidate", ENDED)
    async with sessions.begin() as session:
        await session.execute(update(Interview).where(Interview.id == p.interview_id).values(stage="cancelled"))
    with pytest.raises(NotAllowed) as caught:
        await report_no_show(sessions, p.recruiter, p.interview_id, "candidate", ENDED)
    assert "cancelled" in caught.value.message
    assert await stage(sessions, p.interview_id) == Stage.CANCELLED
