"""After the interview through the real app: activities over HTTP to /api/messages, the real job
handlers with a clock the test sets, proactive cards at the loopback connector (web chat and a
Teams conversation with its tenant), e-mails in an in-memory gateway."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from bot.dev.loopback import FakeConnector
from scheduling.interview import Stage
from storage.models import Feedback, Interview, Party
from tests.helpers.activities import CARD
from tests.helpers.cards import submits
from tests.helpers.interviews import CANDIDATE_ANSWER, CLIENT_ANSWER, ENDED, a_request, booked
from tests.helpers.journeys import invitation_user, start


async def test_both_sides_answer_in_web_chat_with_fixes_and_edits_and_the_recruiter_decides(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    iid = p.interview_id
    await j.run_jobs(ENDED)

    # Each side gets its own feedback card in its web chat.
    client_prompt = j.cards("client-chat")[-1]
    candidate_prompt = j.cards("cand-chat")[-1]
    [client_submit] = [d for d in submits(client_prompt) if d["action"] == "client_feedback"]
    [candidate_submit] = [d for d in submits(candidate_prompt) if d["action"] == "candidate_feedback"]
    assert client_submit["interview_id"] == iid == candidate_submit["interview_id"]
    assert {"action": "report_no_show", "interview_id": iid, "who": "candidate"} in submits(client_prompt)

    # A candidate's answer without "still interested?" comes back with the problem and what they typed.
    await j.say("cand-chat", j.candidate_user, value={**candidate_submit, "rating": "5", "impressions": "Kind people."})
    assert "nothing was saved" in j.texts("cand-chat")[-1]
    again = j.cards("cand-chat")[-1]
    assert "Are you still interested in the role?" in json.dumps(again)
    assert "Kind people." in json.dumps(again)
    async with j.runtime.sessions() as session:
        assert await session.scalar(select(Feedback)) is None

    # Valid, then edited before the client answers.
    await j.say("cand-chat", j.candidate_user, value={**candidate_submit, **CANDIDATE_ANSWER})
    assert j.texts("cand-chat")[-1].startswith("Thank you! Your feedback (5/5) went to Rita Recruiter only")
    await j.say("cand-chat", j.candidate_user, value={**candidate_submit, **CANDIDATE_ANSWER, "rating": "4"})
    assert j.texts("cand-chat")[-1].startswith("Updated:")

    # Reopening the link shows the candidate their own answers, to change.
    await j.opens_chat("cand-chat-2", j.candidate_user)
    reopened = j.cards("cand-chat-2")[-1]
    assert '"value": "4"' in json.dumps(reopened) and "Friendly team." in json.dumps(reopened)

    # The client's out-of-range rating: a clear message, nothing saved.
    await j.say("client-chat", j.client_user, value={**client_submit, **CLIENT_ANSWER, "rating": "7"})
    assert "7 is out of range" in j.texts("client-chat")[-1]
    async with j.runtime.sessions() as session:
        assert len(list(await session.scalars(select(Feedback)))) == 1

    await j.say("client-chat", j.client_user, value={**client_submit, **CLIENT_ANSWER})
    assert "will be in touch" in j.texts("client-chat")[-1]
    async with j.runtime.sessions() as session:
        assert (await session.get_one(Interview, iid)).stage == Stage.FEEDBACK_COMPLETE

    # A second submit after the summary: a clear message, nothing changed.
    await j.say("cand-chat", j.candidate_user, value={**candidate_submit, **CANDIDATE_ANSWER, "rating": "1"})
    assert "can no longer be changed" in j.texts("cand-chat")[-1]
    assert "Nothing was changed" in j.texts("cand-chat")[-1]
    async with j.runtime.sessions() as session:
        ratings = sorted(r.rating for r in await session.scalars(select(Feedback)))
    assert ratings == [4, 4]

    # The recruiter hears of each submission and gets the summary with the decision buttons.
    await j.run_jobs(ENDED + timedelta(hours=1))
    recruiter = " ".join(j.texts("rec"))
    assert "Asha Candidate gave feedback: 5/5" in recruiter
    assert "Asha Candidate updated their feedback: 4/5" in recruiter
    assert "Harry Manager (Client Ltd) gave feedback: 4/5" in recruiter
    summary = j.cards("rec")[-1]
    assert "Strong on data modelling." in json.dumps(summary) and "Friendly team." in json.dumps(summary)
    # Neither side ever sees the other's answers.
    assert "Strong on data modelling." not in j.everything("cand-chat") + j.everything("cand-chat-2")
    assert "Friendly team." not in j.everything("client-chat")

    [another_round] = [d for d in submits(summary) if d.get("decision") == "another_round"]
    # Only the recruiter decides: the client pressing the same button changes nothing.
    await j.say("client-chat", j.client_user, value=another_round)
    assert "isn't for you" in j.texts("client-chat")[-1]
    await j.say("rec", "rita", channel="emulator", value=another_round)
    assert "Recorded: Another interview round for Asha Candidate" in j.texts("rec")[-1]
    assert "round 2" in j.texts("rec")[-1]
    async with j.runtime.sessions() as session:
        following = await session.scalar(select(Interview).where(Interview.previous_interview_id == iid))
        assert following is not None and following.round == 2
        assert following.stage == Stage.AWAITING_SLOTS
    await j.run_jobs(ENDED + timedelta(hours=2))
    # The client is asked for times for round 2 by e-mail, with a link to round 2's chat: round 1's
    # chat is bound to round 1 (its link), so a card for round 2 would be refused there.
    assert not any(following.id in json.dumps(c) for c in j.cards("client-chat"))
    mails = j.runtime.mail.sent  # type: ignore[attr-defined]
    asks = [m for m in mails if "hm@client.example" in m.to and "/chat?t=" in m.text]
    assert asks and asks[-1].subject.startswith("Please offer times")


async def test_a_feedback_submit_for_someone_elses_interview_changes_nothing(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    other = await booked(
        j.runtime.sessions, a_request("other@client.example", "bo@example.org", "Bo Other")
    )
    await j.run_jobs(ENDED)
    bo = await invitation_user(j.client, other.candidate_token)
    for verb, answer in (("candidate_feedback", CANDIDATE_ANSWER), ("client_feedback", CLIENT_ANSWER)):
        await j.say("bo-chat", bo, value={"action": verb, "interview_id": p.interview_id, **answer})
        assert "isn't for you" in j.texts("bo-chat")[-1]
    # The client answering the candidate's card is refused too.
    await j.say(
        "client-chat", j.client_user,
        value={"action": "candidate_feedback", "interview_id": p.interview_id, **CANDIDATE_ANSWER},
    )
    assert "isn't for you" in j.texts("client-chat")[-1]
    async with j.runtime.sessions() as session:
        assert await session.scalar(select(Feedback)) is None


async def test_the_client_reports_a_no_show_and_the_recruiter_is_told(
    app_client: Any, connector: FakeConnector
) -> None:
    j, _ = await start(app_client, connector)
    await j.run_jobs(ENDED)
    [no_show] = [d for d in submits(j.cards("client-chat")[-1]) if d["action"] == "report_no_show"]
    await j.say("client-chat", j.client_user, value=no_show)
    assert "recorded that Asha Candidate did not come" in j.texts("client-chat")[-1]
    await j.run_jobs(ENDED + timedelta(minutes=5))
    assert any("No-show: Asha Candidate did not come" in t for t in j.texts("rec"))
    decisions = {d.get("decision") for d in submits(j.cards("rec")[-1])}
    assert decisions == {"another_round", "reject", "on_hold"}
    # The candidate's feedback is no longer taken.
    [candidate_submit] = [d for d in submits(j.cards("cand-chat")[-1]) if d["action"] == "candidate_feedback"]
    await j.say("cand-chat", j.candidate_user, value={**candidate_submit, **CANDIDATE_ANSWER})
    assert "Nothing was changed" in j.texts("cand-chat")[-1]
    # Reminders to anyone: none.
    sent = len(connector.received)
    await j.run_jobs(ENDED + timedelta(days=10))
    assert len(connector.received) == sent


async def test_a_feedback_prompt_reaches_a_teams_conversation_with_its_tenant(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    reference = {
        "activityId": "1",
        "user": {"id": "29:harry", "aadObjectId": "aad-harry"},
        "bot": {"id": "28:askarsan"},
        "conversation": {"id": "a:harry-personal", "conversationType": "personal", "tenantID": "tenant-123"},
        "channelId": "msteams",
        "serviceUrl": connector.url,
    }
    async with j.runtime.sessions.begin() as session:
        await session.execute(
            update(Party).where(Party.id == p.client.party_id).values(
                conversation_reference={"teams": reference}, tenant_id="tenant-123"
            )
        )
    mails_before = len(j.runtime.mail.sent)
    await j.run_jobs(ENDED)
    [activity] = [
        a for a in connector.activities("a:harry-personal") if "client_feedback" in json.dumps(a)
    ]
    assert activity["conversation"]["id"] == "a:harry-personal"
    assert activity["conversation"].get("tenantID") == "tenant-123"
    [card] = [a["content"] for a in activity["attachments"] if a["contentType"] == CARD]
    assert "How did the interview with Asha Candidate go?" in json.dumps(card)
    # Teams reaches the client, so no e-mail fallback goes to them; the candidate still gets theirs.
    new_mails = j.runtime.mail.sent[mails_before:]
    assert [m.to for m in new_mails if m.subject.startswith("How did")] == [("asha@example.org",)]
