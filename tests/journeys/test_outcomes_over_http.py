"""After the decision through the real app over HTTP: the recruiter (in the Emulator) gets the
decision's drafted messages on a card, edits one and sends it once; the candidate gets it by
e-mail and in their web chat; nothing leaves without the click; a candidate replaying the send
changes nothing; a hold comes back to the recruiter at the set time with the decision buttons."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.dev.loopback import FakeConnector
from cards.outcomes import outcome_input_id
from storage.models import Job, OutcomeMessage
from tests.helpers.cards import submits
from tests.helpers.interviews import CANDIDATE_ANSWER, CLIENT_ANSWER, ENDED
from tests.helpers.journeys import Journey, start


async def summary_in(j: Journey) -> dict[str, Any]:
    """Both sides answer in their chats; the recruiter's summary card with the decision buttons."""
    await j.run_jobs(ENDED)
    for chat, user, verb, answer in (
        ("client-chat", j.client_user, "client_feedback", CLIENT_ANSWER),
        ("cand-chat", j.candidate_user, "candidate_feedback", CANDIDATE_ANSWER),
    ):
        [data] = [d for d in submits(j.cards(chat)[-1]) if d["action"] == verb]
        await j.say(chat, user, value={**data, **answer})
    await j.run_jobs(ENDED + timedelta(hours=1))
    return j.cards("rec")[-1]


def decision(card: dict[str, Any], which: str) -> dict[str, Any]:
    [data] = [d for d in submits(card) if d.get("decision") == which]
    return data


def inputs(card: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Input.Text":
                found[node["id"]] = node.get("value", "")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def test_the_recruiter_edits_the_offer_and_sends_it_once_to_the_candidate_by_mail_and_chat(
    app_client: Any, connector: FakeConnector
) -> None:
    j, p = await start(app_client, connector)
    summary = await summary_in(j)
    await j.say("rec", "rita", channel="emulator", value=decision(summary, "offer"))
    assert "Recorded: Offer for Asha Candidate" in " ".join(j.texts("rec"))

    # A card with each draft's text to edit and a Send button each: the candidate's and the client's.
    drafts = j.cards("rec")[-1]
    sends = [d for d in submits(drafts) if d["action"] == "send_outcome"]
    assert len(sends) == 2 and all(d["interview_id"] == p.interview_id for d in sends)
    texts = inputs(drafts)
    async with j.runtime.sessions() as session:
        rows = {r.role: r for r in await session.scalars(select(OutcomeMessage))}
    to_candidate = rows["candidate"]
    assert texts[outcome_input_id(to_candidate.id)].startswith("Hello Asha Candidate,")
    assert "Hello Harry Manager," in texts[outcome_input_id(rows["client"].id)]

    # Nothing has left without the click, however long the jobs run.
    mails_before = len(j.mail.sent)
    chat_before = j.everything("cand-chat")
    await j.run_jobs(ENDED + timedelta(hours=2))
    assert not [m for m in j.mail.sent[mails_before:] if "offer" in m.subject.lower()]
    assert j.everything("cand-chat") == chat_before

    # The recruiter edits the candidate's message and sends it.
    [send] = [d for d in sends if d["message_id"] == to_candidate.id]
    edited = texts[outcome_input_id(to_candidate.id)].replace("Good news", "Wonderful news, Asha")
    await j.say("rec", "rita", channel="emulator",
                value={**send, **texts, outcome_input_id(to_candidate.id): edited})
    assert j.texts("rec")[-1].startswith("Sent to Asha Candidate")
    await j.run_jobs(ENDED + timedelta(hours=3))
    offers = [m for m in j.mail.sent if m.subject.startswith("An offer for Data Engineer")]
    assert [m.to for m in offers] == [("asha@example.org",)]
    assert "Wonderful news, Asha" in offers[0].text and "Wonderful news, Asha" in offers[0].html
    assert "Wonderful news, Asha" in j.everything("cand-chat")
    # The client's message stays a draft: the client hears nothing of the offer yet.
    assert "Wonderful news" not in j.everything("client-chat")
    assert not [m for m in j.mail.sent if "hm@client.example" in m.to and "Going ahead" in m.subject]

    # A second click sends nothing twice; the candidate replaying the button changes nothing.
    await j.say("rec", "rita", channel="emulator", value={**send, outcome_input_id(to_candidate.id): "Again?"})
    assert "already sent" in j.texts("rec")[-1]
    await j.say("cand-chat", j.candidate_user, value={**send, outcome_input_id(to_candidate.id): "Pay me more"})
    assert "isn't for you" in j.texts("cand-chat")[-1]
    # Nor can the client send their own (still unsent) message by replaying its button.
    [client_send] = [d for d in sends if d["message_id"] == rows["client"].id]
    await j.say("client-chat", j.client_user, value={**client_send, outcome_input_id(rows["client"].id): "Hi"})
    assert "isn't for you" in j.texts("client-chat")[-1]
    await j.run_jobs(ENDED + timedelta(hours=4))
    assert not [m for m in j.mail.sent if "hm@client.example" in m.to and "Going ahead" in m.subject]
    assert len([m for m in j.mail.sent if m.subject.startswith("An offer for")]) == 1
    assert j.everything("cand-chat").count("Wonderful news, Asha") == 1
    assert "Pay me more" not in json.dumps([r.body for r in rows.values()])
    async with j.runtime.sessions() as session:
        sent = await session.get_one(OutcomeMessage, to_candidate.id)
        assert sent.body == edited and sent.sent_at is not None


async def test_an_empty_message_is_refused_with_the_reason_and_the_card_comes_back(
    app_client: Any, connector: FakeConnector
) -> None:
    j, _ = await start(app_client, connector)
    summary = await summary_in(j)
    await j.say("rec", "rita", channel="emulator", value=decision(summary, "reject"))
    drafts = j.cards("rec")[-1]
    [first, *_] = [d for d in submits(drafts) if d["action"] == "send_outcome"]
    await j.say("rec", "rita", channel="emulator", value={**first, outcome_input_id(first["message_id"]): "  "})
    assert j.texts("rec")[-1].startswith("Nothing was sent: The message to")
    assert "is empty" in json.dumps(j.cards("rec")[-1])
    async with j.runtime.sessions() as session:
        assert await session.scalar(select(Job).where(Job.kind == "send_outcome_message")) is None


async def test_a_hold_comes_back_to_the_recruiter_after_the_set_time_with_the_decisions(
    app_client: Any, connector: FakeConnector
) -> None:
    j, _ = await start(app_client, connector)
    summary = await summary_in(j)
    decided = ENDED + timedelta(hours=2)
    j.clock.set(decided)
    await j.say("rec", "rita", channel="emulator", value=decision(summary, "on_hold"))
    assert "Recorded: On hold for Asha Candidate" in " ".join(j.texts("rec"))

    await j.run_jobs(decided + timedelta(days=7) - timedelta(minutes=1))
    assert "has been on hold" not in j.everything("rec")
    await j.run_jobs(decided + timedelta(days=7))
    follow_up = j.cards("rec")[-1]
    assert "Asha Candidate has been on hold 7 days: decide now." in json.dumps(follow_up)
    assert {d.get("decision") for d in submits(follow_up)} == {"offer", "another_round", "reject"}
    # Delivered once.
    await j.run_jobs(decided + timedelta(days=9))
    assert len([a for a in j.connector.activities("rec") if "has been on hold 7 days" in json.dumps(a)]) == 1

    # Deciding from it: the offer's drafts come to review.
    await j.say("rec", "rita", channel="emulator", value=decision(follow_up, "offer"))
    assert "Recorded: Offer for Asha Candidate" in " ".join(j.texts("rec"))
    assert "send_outcome" in json.dumps(j.cards("rec")[-1])
